// Package giveup decides when a run should stop waiting on an endpoint that answers nothing: a
// target or a provider-state endpoint that accepts connections and never answers would otherwise
// cost every call its whole timeout, case after case. A Watch sees the outcome of each call; when
// the first After calls all ended in a timeout and no call was ever answered, it gives up and says
// which endpoint hung. Once anything answered, the endpoint is judged call by call as usual.
package giveup

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// After is how many calls without an answer, before any answer came, make a Watch give up: two, so
// that a run stops within two timeouts (one case's call, then the next's) plus set-up.
const After = 2

// ErrNoAnswer is wrapped by the error of a Watch that gave up.
var ErrNoAnswer = errors.New("no answer")

// Error names the endpoint that hung.
type Error struct {
	Endpoint string // what it is: "target", "state endpoint"
	URL      string
	Calls    int           // calls that timed out
	Timeout  time.Duration // what each was given (0: unknown)
}

func (e *Error) Error() string {
	each := ""
	if e.Timeout > 0 {
		each = fmt.Sprintf(" (each waited %v)", e.Timeout)
	}
	return fmt.Sprintf("%s %s answered none of its first %d calls%s: gave up", e.Endpoint, e.URL, e.Calls, each)
}

func (e *Error) Unwrap() error { return ErrNoAnswer }

// Watch counts the calls to one endpoint that timed out before any was answered. Safe for
// concurrent use; the zero value is not usable: use New.
type Watch struct {
	endpoint, url string
	timeout       time.Duration

	mu       sync.Mutex
	answered bool
	silent   int
	err      error
}

// New returns a Watch of the endpoint (e.g. "target") at url, whose calls are each given timeout.
func New(endpoint, url string, timeout time.Duration) *Watch {
	return &Watch{endpoint: endpoint, url: url, timeout: timeout}
}

// Observe notes the outcome of one call: err nil means an answer came (whatever it said). A timeout
// counts towards giving up; other failures (refused, reset: quick to tell) count for nothing.
// The result is the *Error once the Watch has given up, nil before.
func (w *Watch) Observe(err error) error {
	return w.observe(err == nil, err != nil && Silent(err))
}

// ObserveResult is Observe for a call known only by its status (0: no answer) and error message,
// as a vegeta result gives them.
func (w *Watch) ObserveResult(status uint16, errMsg string) error {
	return w.observe(status != 0, status == 0 && SilentMessage(errMsg))
}

func (w *Watch) observe(answered, silent bool) error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.err != nil:
	case answered:
		w.answered = true
	case silent && !w.answered:
		w.silent++
		if w.silent >= After {
			w.err = &Error{Endpoint: w.endpoint, URL: w.url, Calls: w.silent, Timeout: w.timeout}
		}
	}
	return w.err
}

// Err is the *Error once the Watch has given up, nil before.
func (w *Watch) Err() error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Silent says whether err is a call that waited for an answer until its time ran out.
func Silent(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// SilentMessage is Silent for an error known only by its message (vegeta keeps no error values).
func SilentMessage(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "deadline exceeded") || strings.Contains(m, "timeout")
}
