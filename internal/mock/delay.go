package mock

import (
	"net/http"
	"time"
)

// WithDelay returns an option which makes the API answer every call d later: a build of the
// reference that is slower by a known amount, for `report compare`'s tests and to try it
// (`edgeconform mock --delay 2ms`). Still a correct implementation (the sources set no latency),
// so it is an option, not a Defect.
func WithDelay(d time.Duration) Option { return func(c *config) { c.delay = d } }

// delayed wraps h with the configured delay (none: h itself).
func delayed(h http.Handler, d time.Duration) http.Handler {
	if d <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
		h.ServeHTTP(w, r)
	})
}
