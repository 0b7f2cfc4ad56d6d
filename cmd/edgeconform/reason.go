package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/loadrun"
)

// sentence is err as the one sentence a report's last line and its JSON "reason" give: the exit
// status's sentinel dropped (the verdict says it), each "op:" prefix said once (the packages and
// the command each add theirs), and Go's context wording said as a person would.
func sentence(err error) string {
	if err == nil {
		return ""
	}
	msg := strings.Join(strings.Fields(err.Error()), " ")
	msg = strings.ReplaceAll(msg, context.Canceled.Error(), "interrupted")
	msg = strings.ReplaceAll(msg, context.DeadlineExceeded.Error(), "timed out")
	sentinels := map[string]bool{cli.ErrHarness.Error(): true, cli.ErrNonConformant.Error(): true, cli.ErrUsage.Error(): true}
	seen := map[string]bool{}
	var kept []string
	for _, part := range strings.Split(msg, ": ") {
		if sentinels[part] || seen[part] {
			continue
		}
		seen[part] = true
		kept = append(kept, part)
	}
	return strings.Join(kept, ": ")
}

// stopCause is why ctx (derived from parent, the command's own, which a signal cancels) ended
// early: interrupted, or the --deadline (given as deadline) hit; nil while it runs.
func stopCause(parent, ctx context.Context, deadline string) error {
	switch {
	case parent.Err() != nil:
		return errInterrupted
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && deadline != "":
		return errors.New("--deadline " + deadline + " hit")
	case ctx.Err() != nil:
		return errInterrupted
	}
	return nil
}

// errInterrupted: SIGINT or SIGTERM stopped the command.
var errInterrupted = errors.New("interrupted")

// plain is an error said in one sentence (sentence) over the chain it came from: errors.Is and
// errors.As still see the causes.
type plain struct {
	msg string
	err error
}

func (p *plain) Error() string { return p.msg }
func (p *plain) Unwrap() error { return p.err }

// harnessError is err of command as the exit-3 error: "<command>: <one sentence>".
func harnessError(command string, err error) error {
	return fmt.Errorf("%w: %w", cli.ErrHarness, &plain{sentence(fmt.Errorf("%s: %w", command, err)), err})
}

// unreachable is the error of a target whose probe (client.Probe) got no answer.
func unreachable(target string, err error) error {
	return fmt.Errorf("target %s does not answer (%s)", target, loadrun.TransportCause(err.Error()))
}
