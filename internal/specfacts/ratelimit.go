package specfacts

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RateLimit is a limit of Calls per Window (per account).
type RateLimit struct {
	Calls  int           // calls allowed per window
	Window time.Duration // the window they are counted over
}

// ParseRateLimit parses "N/DURATION", e.g. "6000/1m" or "600/6s". A bare unit ("100/s") means one
// of it.
func ParseRateLimit(s string) (RateLimit, error) {
	n, d, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return RateLimit{}, fmt.Errorf("rate limit %q: want CALLS/WINDOW, e.g. 600/6s", s)
	}
	calls, err := strconv.Atoi(n)
	if err != nil || calls <= 0 {
		return RateLimit{}, fmt.Errorf("rate limit %q: calls %q must be a positive integer", s, n)
	}
	if d != "" && !strings.ContainsAny(d[:1], "0123456789.") {
		d = "1" + d
	}
	window, err := time.ParseDuration(d)
	if err != nil {
		return RateLimit{}, fmt.Errorf("rate limit %q: window: %w", s, unwrapDuration(err))
	}
	if window <= 0 {
		return RateLimit{}, fmt.Errorf("rate limit %q: window must be positive", s)
	}
	return RateLimit{Calls: calls, Window: window}, nil
}

func unwrapDuration(err error) error {
	// time's message repeats the input with Go quoting; keep it but say what was expected.
	return errors.New(strings.TrimPrefix(err.Error(), "time: ") + " (want e.g. 1m, 6s, 500ms)")
}

// String formats the limit as ParseRateLimit reads it: "6000/1m", "600/6s".
func (r RateLimit) String() string {
	return strconv.Itoa(r.Calls) + "/" + formatWindow(r.Window)
}

func formatWindow(d time.Duration) string {
	switch {
	case d <= 0:
		return d.String()
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d%time.Millisecond == 0:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	default:
		return d.String()
	}
}

// PerSecond is the limit's average rate in calls per second.
func (r RateLimit) PerSecond() float64 {
	if r.Window <= 0 {
		return 0
	}
	return float64(r.Calls) / r.Window.Seconds()
}
