package giveup

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

func TestWatch(t *testing.T) {
	silent := fmt.Errorf("client: no answer: GET http://x: %w", context.DeadlineExceeded)
	refused := fmt.Errorf("client: no answer: %w", syscall.ECONNREFUSED)

	w := New("target", "http://127.0.0.1:1/", time.Second)
	if err := w.Observe(silent); err != nil {
		t.Fatalf("gave up after one silent call: %v", err)
	}
	if err := w.Observe(refused); err != nil {
		t.Fatalf("a refused call counted: %v", err)
	}
	err := w.Observe(&net.OpError{Op: "read", Err: timeoutErr{}})
	if !errors.Is(err, ErrNoAnswer) || err.Error() != "target http://127.0.0.1:1/ answered none of its first 2 calls (each waited 1s): gave up" {
		t.Fatalf("after two silent calls: %v", err)
	}
	if w.Observe(nil) == nil || w.Err() == nil {
		t.Error("an answer after giving up undid it")
	}

	// Once anything answered, silence is judged call by call.
	w = New("state endpoint", "http://s", 0)
	w.Observe(nil)
	for range 5 {
		if err := w.Observe(silent); err != nil {
			t.Fatalf("gave up on an endpoint that answered: %v", err)
		}
	}

	// vegeta's results: status 0 and the error's text.
	w = New("target", "http://t", 0)
	w.ObserveResult(0, "Get \"http://t\": dial tcp: connection refused")
	w.ObserveResult(0, "Get \"http://t\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
	if err := w.ObserveResult(0, "net/http: timeout awaiting response headers"); err == nil || strings.Contains(err.Error(), "each waited") {
		t.Errorf("vegeta results: %v", err)
	}
	var nilWatch *Watch
	if nilWatch.Observe(silent) != nil || nilWatch.Err() != nil {
		t.Error("a nil Watch gave up")
	}
}
