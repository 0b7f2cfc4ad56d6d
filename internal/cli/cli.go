// Package cli holds what every edgeconform command shares: the sentinel errors that decide the exit
// status, and the flags of the commands that call a target.
package cli

import (
	"errors"
	"fmt"
)

// The exit statuses of docs/protocol.md#the-binary. A command returns an error wrapping one of these sentinels;
// only main turns it into a status.
var (
	// ErrNonConformant: the target was tested and does not conform (exit 1).
	ErrNonConformant = errors.New("not conformant")
	// ErrUsage: bad flags, values or files (exit 2).
	ErrUsage = errors.New("usage")
	// ErrHarness: the harness could not do its job, e.g. the target is unreachable (exit 3).
	ErrHarness = errors.New("harness failed")
)

// Exit status codes.
const (
	ExitOK            = 0
	ExitNonConformant = 1
	ExitUsage         = 2
	ExitHarness       = 3
)

// ExitCode maps an error returned by a command to the process exit status.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrUsage):
		return ExitUsage
	case errors.Is(err, ErrNonConformant):
		return ExitNonConformant
	case errors.Is(err, ErrHarness):
		return ExitHarness
	default:
		// An error nobody classified is the harness's own failure, never a verdict on the target.
		return ExitHarness
	}
}

// Usagef returns an error that exits 2 with a one-line message. A %w in format keeps its cause.
func Usagef(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUsage}, args...)...)
}
