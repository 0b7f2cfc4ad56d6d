package mock

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/edgeconform/edgeconform/fixtures"
	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// TestReferenceProfileMatchesWorld: every entry of fixtures/profiles/reference.yaml, used against
// the default world, gives the answer its state promises. Fixture mode is then as good as a state endpoint.
func TestReferenceProfileMatchesWorld(t *testing.T) {
	data, err := fixtures.Profile(fixtures.ReferenceProfile)
	if err != nil {
		t.Fatal(err)
	}
	p, err := arrange.ParseProfile("reference.yaml", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	for _, st := range spec.Default().States() {
		t.Run(st.Name, func(t *testing.T) {
			code := st.Code
			if code == spec.CodeOK {
				code = ""
			}
			used := 0
			// One-shot states hand out each entry once; the others repeat: three rounds suffice.
			for range 12 {
				v, err := p.Setup(context.Background(), st.Name)
				if errors.Is(err, arrange.ErrUsedUp) && used > 0 {
					break
				}
				if err != nil {
					t.Fatalf("entry %d: %v", used, err)
				}
				used++
				creds := protocol.Credentials{AccessKeyID: v["AccessKeyId"], AccessKeySecret: v["AccessKeySecret"]}
				r := e.do(creds, start(v["ClusterId"], v["JobId"]))
				r.expect(t, st.Status, code)
				if st.Name == spec.StateFreshAccount {
					c2 := protocol.Credentials{AccessKeyID: v["AccessKeyId2"], AccessKeySecret: v["AccessKeySecret2"]}
					e.do(c2, start(v["ClusterId"], v["JobId"])).expect(t, http.StatusForbidden, "OperationDenied")
				}
			}
			t.Logf("%d entries", used)
		})
	}
}
