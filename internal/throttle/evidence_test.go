package throttle

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/verdict"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/states"
)

// twoKeyArranger hands out made-up fresh accounts with a second AccessKey each.
type twoKeyArranger struct{ setups int }

func (a *twoKeyArranger) Setup(context.Context, string) (states.Values, error) {
	a.setups++
	return states.Values{arrange.AccessKeyID: fmt.Sprint("k", a.setups), arrange.AccessKeySecret: "s",
		arrange.AccessKeyID2: fmt.Sprint("k", a.setups, "b"), arrange.AccessKeySecret2: "s2",
		arrange.ClusterID: "c", arrange.JobID: "j"}, nil
}

func (a *twoKeyArranger) Teardown(context.Context, string, states.Values) error { return nil }

// TestNoEvidenceNoPass: against a target that answers {} to everything nothing is accepted or
// throttled. No check may pass on that: below-limit and keying say there was no evidence (they
// passed with "0 calls" and "0 + 0 = 0"), and the run fails on the answers' shape.
func TestNoEvidenceNoPass(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, "{}")
	}))
	defer srv.Close()
	rep, err := Run(context.Background(), Options{Target: srv.URL, States: &twoKeyArranger{},
		RateLimit: spec.RateLimit{Calls: 20, Window: 400 * time.Millisecond}})
	if rep == nil {
		t.Fatalf("no report: %v", err)
	}
	// A busy machine may spoil the generator's plan at this scaled limit: no verdict then, which
	// is no pass either; the checks are judged all the same.
	if err != nil && !errors.Is(err, ErrNoVerdict) {
		t.Fatal(err)
	}
	var b strings.Builder
	_ = WriteText(&b, rep)
	t.Logf("\n%s", b.String())
	for _, c := range rep.Checks {
		if c.Status == CheckPass && c.Name != CheckGenerator {
			t.Errorf("%s passed without evidence: %s", c.Name, c.Message)
		}
	}
	for _, name := range []string{CheckBelowLimit, CheckKeying, CheckOverAdmission, CheckUnderAdmission} {
		if c := checkOf(rep, name); c.Status == CheckPass || !strings.Contains(c.Message, "no evidence") {
			t.Errorf("%s: %s (%s), want it not to pass and to say there was no evidence", name, c.Status, c.Message)
		}
	}
	if c := checkOf(rep, CheckShape); c.Status != CheckFail {
		t.Errorf("shape %s (%s), want fail: answers without a Code", c.Status, c.Message)
	}
	if rep.Verdict == verdict.Pass {
		t.Errorf("verdict %s, want fail (or inconclusive)", rep.Verdict)
	}
}
