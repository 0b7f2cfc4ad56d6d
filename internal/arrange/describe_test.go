package arrange_test

import (
	"testing"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/spec"
)

// What the suites ask of an arranger (issue 24: no caller asserts it back to a concrete type):
// an endpoint's URL for messages, whether it is a fixture profile, whether a state uses up an entry.
func TestWhatCallersAsk(t *testing.T) {
	ep := arrange.NewEndpoint("http://127.0.0.1:9/states")
	p, err := arrange.ParseProfile("t", []byte(`
states:
  "a stopped job exists": [{AccessKeyId: a, JobId: j1}]
  "a running job exists": {AccessKeyId: a, JobId: r}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := arrange.Map{}
	if got := arrange.Describe(ep); got != "http://127.0.0.1:9/states" {
		t.Errorf("Describe(endpoint) = %q, want its URL", got)
	}
	if got := arrange.Describe(m); got != "(the provider-state arranger)" {
		t.Errorf("Describe(map) = %q", got)
	}
	if !arrange.IsProfile(p) || arrange.IsProfile(ep) || arrange.IsProfile(m) {
		t.Errorf("IsProfile: profile %v, endpoint %v, map %v", arrange.IsProfile(p), arrange.IsProfile(ep), arrange.IsProfile(m))
	}
	if !arrange.UsesUp(p, spec.StateStoppedJob) || arrange.UsesUp(p, spec.StateRunningJob) || arrange.UsesUp(ep, spec.StateStoppedJob) {
		t.Error("UsesUp: want true for a profile's one-shot state only")
	}
}
