package main

import (
	"context"
	"io"
	"testing"

	"go.uber.org/goleak"

	"github.com/edgeconform/edgeconform/internal/hostile"
)

// The load and throttle commands in-process against hostile targets and a hostile state
// endpoint: whatever the exit, no goroutine of theirs outlives them. Not parallel, so that the
// goroutines of the other tests (paused until the sequential ones are done) stay as they were.
func TestCommandsLeakNoGoroutine(t *testing.T) {
	ref := startRef(t)
	for _, mode := range []hostile.Mode{hostile.Hang, hostile.Reset, hostile.Huge, hostile.Redirect} {
		for name, args := range map[string]func(url string) []string{
			"load": func(url string) []string {
				return []string{"load", "--target", url, "--profile", referenceProfile, "--rate", "20", "--duration", "200ms", "--timeout", "200ms", "--progress", "none"}
			},
			"load state": func(url string) []string {
				return []string{"load", "--target", ref.APIURL, "--state-url", url, "--rate", "20", "--duration", "200ms", "--timeout", "200ms", "--progress", "none"}
			},
			"throttle": func(url string) []string {
				return []string{"throttle", "--target", url, "--profile", referenceProfile, "--rate-limit", "10/500ms", "--timeout", "200ms", "--progress", "none"}
			},
			"throttle state": func(url string) []string {
				return []string{"throttle", "--target", ref.APIURL, "--state-url", url, "--rate-limit", "10/500ms", "--timeout", "200ms", "--progress", "none"}
			},
		} {
			t.Run(name+"/"+string(mode), func(t *testing.T) {
				defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
				srv := hostile.New(mode)
				defer srv.Close()
				m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
				err := m.Run(context.Background(), args(srv.URL))
				t.Logf("%v", err)
			})
		}
	}
}
