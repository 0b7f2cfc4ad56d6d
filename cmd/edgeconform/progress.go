package main

import (
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/edgeconform/edgeconform/internal/cli"
)

// checkProgressMode validates a --progress value.
func checkProgressMode(command, mode string) error {
	switch mode {
	case "auto", "bar", "lines", "none":
		return nil
	}
	return cli.Usagef("%s: --progress %q: want auto, bar, lines or none", command, mode)
}

// progressDisplay shows a long run's progress on stderr: a bar on a terminal, a line every tenth
// of the run (at most every 15s) otherwise, so that CI logs stay short.
type progressDisplay struct {
	name    string
	planned time.Duration
	bar     *progressbar.ProgressBar // mode "bar"
	every   time.Duration            // mode "lines"
	next    time.Duration
	m       *Main
	mode    string
}

// newProgress returns the display for mode ("auto" picks a bar when stderr is a terminal).
func (m *Main) newProgress(mode, name string, planned time.Duration) *progressDisplay {
	if mode == "auto" {
		mode = "lines"
		if f, ok := m.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			mode = "bar"
		}
	}
	p := &progressDisplay{name: name, planned: planned, m: m, mode: mode}
	switch mode {
	case "bar":
		p.bar = progressbar.NewOptions64(planned.Milliseconds(),
			progressbar.OptionSetWriter(m.Stderr),
			progressbar.OptionSetDescription(name),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionShowDescriptionAtLineEnd(),
		)
	case "lines":
		p.every = min(max(planned/10, time.Second), 15*time.Second)
		p.next = p.every
	}
	return p
}

// show reports the run at elapsed; status says what it has done so far.
func (p *progressDisplay) show(elapsed time.Duration, status string, done bool) {
	switch p.mode {
	case "bar":
		p.bar.Describe(status)
		_ = p.bar.Set64(min(elapsed.Milliseconds(), p.planned.Milliseconds()))
	case "lines":
		if elapsed < p.next && !done {
			return
		}
		for p.next <= elapsed {
			p.next += p.every
		}
		fmt.Fprintf(p.m.Stderr, "%s: %5.1fs/%.0fs %s\n", p.name, elapsed.Seconds(), p.planned.Seconds(), status)
	}
}

// finish shows the bar at 100% — a run may end before its plan (the scenario stops once it has
// its evidence) — and ends its line.
func (p *progressDisplay) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.m.Stderr)
	}
}
