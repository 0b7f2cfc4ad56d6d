package main

import (
	"strings"
	"testing"
	"time"
)

// The terminal bar ends at 100% even when the run ends before its plan (the throttle scenario
// stops once it has its evidence), and its line is ended.
func TestProgressBarEndsAtFull(t *testing.T) {
	var out lockedBuffer
	m := &Main{Stdout: &out, Stderr: &out}
	p := m.newProgress("bar", "throttle", 10*time.Second)
	p.show(2*time.Second, "phase one", false)
	p.show(8700*time.Millisecond, "phase two", true)
	p.finish()
	frames := strings.Split(out.String(), "\r")
	last := strings.TrimSpace(frames[len(frames)-1])
	if !strings.Contains(last, "100%") || !strings.HasSuffix(out.String(), "\n") {
		t.Errorf("last frame %q (output %q): want 100%% and a line end", last, out.String())
	}
	// Control: before finish the bar is short of full.
	var out2 lockedBuffer
	p2 := (&Main{Stdout: &out2, Stderr: &out2}).newProgress("bar", "throttle", 10*time.Second)
	p2.show(8700*time.Millisecond, "phase two", true)
	if strings.Contains(out2.String(), "100%") {
		t.Errorf("the bar says 100%% before the end: %q", out2.String())
	}
}
