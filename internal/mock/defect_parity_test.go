package mock

import (
	"strings"
	"testing"
)

// Each parity defect changes its answers (against the conforming server's) and still conforms:
// env.do checks every answer against the spec, the templates, RequestId and Content-Type.
func TestParityDefectsConformButDiffer(t *testing.T) {
	differ := map[string]func(good, bad *result) bool{
		"MessageReworded": func(g, b *result) bool { return g.message != b.message && strings.Contains(b.message, `"JobId"`) },
		"OtherHostID":     func(g, b *result) bool { return g.hostID != b.hostID && b.hostID == OtherHost },
		"NoRateLimitHeader": func(g, b *result) bool {
			return g.header.Get(RateLimitHeader) != "" && b.header.Get(RateLimitHeader) == ""
		},
	}
	if len(differ) != len(ParityDefects()) {
		t.Fatalf("%d checks for %d parity defects", len(differ), len(ParityDefects()))
	}
	for _, d := range ParityDefects() {
		t.Run(d.String(), func(t *testing.T) {
			// MissingParameter: a templated message (naming JobId), an error (HostId), past the throttle (the header).
			good := newEnv(t).do(refKey, start(refCluster, ""))
			bad := newEnv(t, WithDefects(d)).do(refKey, start(refCluster, ""))
			good.expect(t, 400, "MissingParameter")
			bad.expect(t, 400, "MissingParameter")
			if !differ[d.String()](good, bad) {
				t.Errorf("with %s the answer does not differ as it should:\n%s\n%s", d, good.body, bad.body)
			}
		})
	}
}
