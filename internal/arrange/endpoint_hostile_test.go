package arrange_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/hostile"
	"github.com/edgeconform/edgeconform/spec"
)

// A provider-state endpoint that misbehaves fails the setup (never "unsupported", which would
// skip the case, and never values that pass), within the timeout, with no goroutine left behind.
func TestEndpointHostile(t *testing.T) {
	for _, mode := range hostile.Modes() {
		t.Run(string(mode), func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			srv := hostile.New(mode)
			tr := &http.Transport{}
			ep := arrange.NewEndpoint(srv.URL, arrange.WithTimeout(300*time.Millisecond), arrange.WithMaxBody(1<<10),
				arrange.WithHTTPClient(&http.Client{Transport: tr}))
			start := time.Now()
			v, err := ep.Setup(context.Background(), spec.StateStoppedJob)
			elapsed := time.Since(start)
			srv.Close()
			tr.CloseIdleConnections()
			if elapsed >= hostile.SlowDelay {
				t.Errorf("setup took %v: the timeout did not hold", elapsed)
			}
			if mode == hostile.Redirect {
				// http.Client follows a 302 to a POST as a GET elsewhere: whatever comes back
				// there is taken, as for any client that follows redirects. Not a failure mode
				// the harness must catch; say what happens so a change is noticed.
				if err == nil && srv.Followed() != 1 {
					t.Errorf("values %v without following the redirect", v)
				}
				return
			}
			if mode == hostile.WrongContentType {
				// A JSON object under another Content-Type is read as JSON: Pact's state
				// handlers are not strict about the type either. The case still needs its keys.
				if err != nil || arrange.Require(v, arrange.AccessKeyID) == nil {
					t.Errorf("values %v, err %v; want the JSON read, without the keys a case needs", v, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("values %v, want an error", v)
			}
			if errors.Is(err, arrange.ErrUnsupported) {
				t.Errorf("err %v: a failing endpoint is not an unsupported state", err)
			}
		})
	}
}
