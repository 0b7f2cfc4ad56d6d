package baseline

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/contract"
)

var today = time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)

func result() *contract.Result {
	return &contract.Result{Passed: 2, Failed: 2, Skipped: 1, Cases: []contract.Case{
		{ID: "errors/JobNotFound/GET-v1-JSON", Status: contract.StatusFailed, Message: "status: want 404, got 400"},
		{ID: "errors/JobNotFound/GET-v1-XML", Status: contract.StatusPassed},
		{ID: "gateway/InvalidVersion/GET-v1-JSON", Status: contract.StatusFailed, Message: "/Code: want x"},
		{ID: "success/OK/GET-v1-JSON", Status: contract.StatusPassed},
		{ID: "throttle/Throttling.User/GET-v1-JSON", Status: contract.StatusSkipped, Message: "not safe"},
	}}
}

func TestApply(t *testing.T) {
	b, err := Parse("b.yaml", []byte(`
- {case: errors/JobNotFound/*, reason: the mock answers 400, until: 2026-11-30}
- {case: throttle/**, reason: not run here, until: 2027-01-01}
`))
	if err != nil {
		t.Fatal(err)
	}
	res := result()
	o := b.Apply(res, nil, today)
	if len(o.Expired) != 0 || len(o.Unmatched) != 0 || o.Err("b.yaml") != nil {
		t.Errorf("outcome %+v", o)
	}
	want := []string{contract.StatusKnown, contract.StatusFixed, contract.StatusFailed, contract.StatusPassed, contract.StatusSkipped}
	for i, c := range res.Cases {
		if c.Status != want[i] {
			t.Errorf("%s: status %s, want %s", c.ID, c.Status, want[i])
		}
	}
	if res.Passed != 1 || res.Failed != 1 || res.Known != 1 || res.Fixed != 1 || res.Skipped != 1 {
		t.Errorf("counts %+v", res)
	}
	if m := res.Cases[0].Message; !strings.Contains(m, "the mock answers 400") || !strings.Contains(m, "status: want 404") {
		t.Errorf("known message %q", m)
	}
	// JUnit: a known failure is skipped with its reason, not failed.
	var buf bytes.Buffer
	if err := res.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	var ju struct {
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testsuite>testcase"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &ju); err != nil {
		t.Fatal(err)
	}
	k := ju.Cases[0]
	if k.Failure != nil || k.Skipped == nil || !strings.Contains(k.Skipped.Message, "the mock answers 400") {
		t.Errorf("JUnit of the known case: %+v", k)
	}
	if ju.Cases[2].Failure == nil {
		t.Error("JUnit: the uncovered failure is not a failure")
	}
}

// The day after until, an entry has expired: it covers nothing and fails the run.
func TestExpired(t *testing.T) {
	b, err := Parse("b.yaml", []byte("- {case: errors/JobNotFound/GET-v1-JSON, reason: r, until: 2026-11-29}\n"))
	if err != nil {
		t.Fatal(err)
	}
	res := result()
	o := b.Apply(res, nil, today)
	if len(o.Expired) != 1 || res.Cases[0].Status != contract.StatusFailed || res.Failed != 2 {
		t.Errorf("expired entry: outcome %+v, case %+v", o, res.Cases[0])
	}
	if m := o.ExpiredMessages("b.yaml"); len(m) != 1 || !strings.Contains(m[0], "expired on 2026-11-29") {
		t.Errorf("messages %v", m)
	}
	if b.Entries[0].Expired(time.Date(2026, 11, 29, 23, 59, 0, 0, time.UTC)) {
		t.Error("expired on its own until day")
	}
}

// An entry that matches no case of the run nor of the suite is a mistake; one that matches a
// case the run left out (a label filter) is not.
func TestUnmatched(t *testing.T) {
	b, err := Parse("b.yaml", []byte("- {case: errors/NoSuchCode/*, reason: r, until: 2030-01-01}\n- {case: edges/x/*, reason: r, until: 2030-01-01}\n"))
	if err != nil {
		t.Fatal(err)
	}
	o := b.Apply(result(), []string{"edges/x/GET-v1-JSON"}, today)
	if len(o.Unmatched) != 1 || o.Unmatched[0].Case != "errors/NoSuchCode/*" {
		t.Fatalf("unmatched %+v", o.Unmatched)
	}
	if err := o.Err("b.yaml"); !errors.Is(err, ErrFile) || !strings.Contains(err.Error(), "errors/NoSuchCode/*") {
		t.Errorf("error %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	for name, bad := range map[string]string{
		"no case":       "- {reason: r, until: 2030-01-01}\n",
		"no reason":     "- {case: a/b, until: 2030-01-01}\n",
		"no until":      "- {case: a/b, reason: r}\n",
		"bad until":     "- {case: a/b, reason: r, until: 30.1.2030}\n",
		"unknown field": "- {case: a/b, reason: r, until: 2030-01-01, owner: me}\n",
		"not a list":    "case: a/b\n",
		"not YAML":      "- {case: [\n",
	} {
		if _, err := Parse(name, []byte(bad)); !errors.Is(err, ErrFile) {
			t.Errorf("%s: %v, want ErrFile", name, err)
		}
	}
	if b, err := Parse("empty", nil); err != nil || len(b.Entries) != 0 {
		t.Errorf("empty file: %v %v", b, err)
	}
}
