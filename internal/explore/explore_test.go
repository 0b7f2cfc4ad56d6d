package explore

import (
	"context"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

var allCells = func() []protocol.Transport {
	var out []protocol.Transport
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		for _, s := range []protocol.SignatureVersion{protocol.SignatureV1, protocol.SignatureV3} {
			for _, f := range []protocol.Format{protocol.FormatJSON, protocol.FormatXML} {
				out = append(out, protocol.Transport{Method: m, Signature: s, Format: f})
			}
		}
	}
	return out
}()

func allStates() []string { return States(spec.Default(), true) }

// The same seed generates the same calls, each independent of the others; another seed others.
func TestGenerateIsDeterministic(t *testing.T) {
	sp := spec.Default()
	for i := range 200 {
		a := Generate(sp, 42, i, allCells, allStates())
		b := Generate(sp, 42, i, allCells, allStates())
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("plan %d of seed 42 differs between two generations:\n%+v\n%+v", i, a, b)
		}
		if len(a.Mutations) == 0 || len(a.Mutations) > MaxMutations {
			t.Fatalf("plan %d has %d mutations", i, len(a.Mutations))
		}
	}
	// Plan 7 alone is plan 7 of a run that generated 0..6 first.
	if a, b := Generate(sp, 9, 7, allCells, allStates()), Generate(sp, 9, 7, allCells, allStates()); !reflect.DeepEqual(a, b) {
		t.Fatal("plan 7 depends on what was generated before")
	}
	same := 0
	for i := range 50 {
		if reflect.DeepEqual(Generate(sp, 1, i, allCells, allStates()).Mutations, Generate(sp, 2, i, allCells, allStates()).Mutations) {
			same++
		}
	}
	if same > 10 {
		t.Errorf("seeds 1 and 2 generate the same mutations in %d of 50 plans", same)
	}
}

// Over many plans the generator uses every kind of mutation, every cell and every state, and every
// mutation reads back from its string (the reproduce line's form).
func TestGenerateCoversEveryKindAndRoundTrips(t *testing.T) {
	sp := spec.Default()
	kinds, cells, sts := map[Kind]bool{}, map[protocol.Transport]bool{}, map[string]bool{}
	for i := range 3000 {
		p := Generate(sp, 5, i, allCells, allStates())
		cells[p.Cell], sts[p.State] = true, true
		for _, m := range p.Mutations {
			kinds[m.Kind] = true
			back, err := ParseMutation(m.String())
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			if !reflect.DeepEqual(back, m) {
				t.Fatalf("%s reads back as %+v, want %+v", m, back, m)
			}
		}
	}
	for _, k := range Kinds() {
		if !kinds[k] {
			t.Errorf("no %s mutation in 3000 plans", k)
		}
	}
	if len(cells) != len(allCells) || len(sts) != len(allStates()) {
		t.Errorf("%d cells and %d states used, want %d and %d", len(cells), len(sts), len(allCells), len(allStates()))
	}
}

// Each entry of the mutation table is whole: it changes either what is signed or the parameters
// as laid out, and it reads an argument exactly when it writes one.
func TestMutationTable(t *testing.T) {
	seen := map[Kind]bool{}
	for _, k := range kinds {
		if seen[k.Kind] {
			t.Errorf("%s: twice in the table", k.Kind)
		}
		seen[k.Kind] = true
		if (k.sign == nil) == (k.edit == nil) {
			t.Errorf("%s: want one of sign and edit", k.Kind)
		}
		if (k.arg == nil) != (k.parse == nil) {
			t.Errorf("%s: writes an argument %v, reads one %v", k.Kind, k.arg != nil, k.parse != nil)
		}
	}
	if _, err := ParseMutation("explode:x"); err == nil || !strings.Contains(err.Error(), "want drop, empty,") || !strings.Contains(err.Error(), " or wrong-secret)") {
		t.Errorf("an unknown kind: %v, want the table's kinds listed", err)
	}
}

func TestParseMutationRejects(t *testing.T) {
	for _, s := range []string{"", "drop", "drop:", "long:JobId", "long:JobId:0", "long:JobId:999999", "recase:JobId:Foo",
		"set:JobId", "method:", "body:xml", "skew:soon", "key:", "wrong-secret:x", "explode:JobId"} {
		if m, err := ParseMutation(s); err == nil {
			t.Errorf("ParseMutation(%q) = %+v, want an error", s, m)
		}
	}
}

// Build signs after mutating: the server's own verification accepts every call whose mutation
// is not the signature's (nor spoils what the signature needs), and refuses the wrong secret.
func TestBuildSignsTheMutatedCall(t *testing.T) {
	sp := spec.Default()
	creds := protocol.Credentials{AccessKeyID: "LTAIexplore", AccessKeySecret: "secret"}
	// verifies says whether the server's verification must accept the call with m: the signature
	// is right for whatever is sent, except the wrong secret's, a body the server does not read as
	// a form, and the parameters and headers a signature cannot do without.
	verifies := func(m Mutation) bool {
		switch {
		case m.Kind == Secret, m.Kind == Body && m.Value != BodyFormCharset:
			return false
		case m.Kind == Drop && v3Header(m.Param):
			return false
		case slices.Contains([]string{"SignatureMethod", "SignatureVersion"}, m.Param) && m.Kind != Long && m.Kind != Set:
			return false
		}
		return true
	}
	checked := 0
	for i := range 1500 {
		p := Generate(sp, 11, i, allCells, allStates())
		for _, m := range p.Mutations {
			call := protocol.Call{Transport: p.Cell, Action: sp.Action(), Version: sp.Version(), Params: map[string][]string{"ClusterId": {"c-1"}, "JobId": {"j 1*~"}}}
			req, err := Build(context.Background(), "http://127.0.0.1:1", creds, call, []Mutation{m})
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			in, err := wire.ParseRequest(req, 1<<20)
			if err != nil {
				if m.Kind != Repeat {
					t.Fatalf("%s over %v: the server cannot read it: %v", m, p.Cell, err)
				}
				continue // a parameter given twice is malformed
			}
			if got, want := in.Verify(creds.AccessKeySecret), verifies(m); got != want {
				t.Errorf("%s over %v: verifies %v, want %v", m, p.Cell, got, want)
			}
			checked++
		}
	}
	if checked < 1000 {
		t.Errorf("only %d mutated calls checked", checked)
	}
}

func TestExpect(t *testing.T) {
	sp := spec.Default()
	base := Base{Transport: protocol.Transport{Method: "GET", Signature: protocol.SignatureV1, Format: "XML"}, State: spec.StateStoppedJob, JobID: "j"}
	m := func(s string) Mutation {
		x, err := ParseMutation(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	tests := []struct {
		muts    []string
		code    string
		names   []string
		client  bool
		format  string
		refusal bool // a 4xx conforms too (an undecided input)
	}{
		{[]string{"unknown:EdgeconformX=a b"}, "OK", nil, false, "XML", true}, // as if absent, or refused
		{[]string{"set:RegionId=cn-shanghai", "recase:RegionId:regionid"}, "OK", nil, false, "XML", true},
		{[]string{"drop:Format"}, "OK", nil, false, "JSON", false},
		{[]string{"recase:JobId:jobid"}, "", nil, true, "", false}, // JobId missing, jobid unknown: either refused first
		{[]string{"drop:JobId", "empty:ClusterId"}, "MissingParameter", []string{"JobId", "ClusterId"}, true, "XML", false},
		{[]string{"drop:JobId", "skew:+16m"}, "InvalidTimeStamp.Expired", nil, true, "XML", false},
		{[]string{"skew:-14m"}, "OK", nil, false, "XML", false},
		{[]string{"wrong-secret", "key:LTAInobody"}, "InvalidAccessKeyId.NotFound", nil, true, "XML", false},
		{[]string{"repeat:JobId"}, "OK", nil, false, "XML", true}, // taken once, or refused
		{[]string{"repeat:JobId", "drop:ClusterId"}, "", nil, true, "", false},
		{[]string{"method:PUT"}, "", nil, true, "", false},         // wire protocol: GET or POST
		{[]string{"long:JobId:4096"}, "", nil, true, "XML", false}, // a job nobody has
		{[]string{"long:RegionId:4096"}, "", nil, false, "XML", false},
		{[]string{"long:RegionId:4096", "drop:JobId"}, "", nil, true, "XML", false}, // a RegionId check may come first
		{[]string{"set:Format=xml"}, "OK", nil, false, "", false},
		{[]string{"long:EdgeconformPad:8192"}, "OK", nil, false, "XML", true}, // an unknown parameter: as if absent, or refused
		{[]string{"long:EdgeconformPad:40000"}, "", nil, false, "", false},    // refused unread: the Format unknown
		{[]string{"long:EdgeconformPad:40000", "drop:JobId"}, "", nil, true, "", false},
	}
	for _, tt := range tests {
		var muts []Mutation
		for _, s := range tt.muts {
			muts = append(muts, m(s))
		}
		e := Expect(sp, base, muts)
		if tt.code == "OK" && len(muts) == 1 && muts[0].Param == "Format" && muts[0].Value == "xml" {
			if e.Code != "" || e.Format != "" {
				t.Errorf("%v: %+v, want nothing decided", tt.muts, e)
			}
			continue
		}
		if e.Code != tt.code && !(tt.code == "" && e.Code == "") || !slices.Equal(e.Names, tt.names) || e.ClientError != tt.client ||
			string(e.Format) != tt.format || e.Refusable != tt.refusal {
			t.Errorf("%v: got code %q names %v client %v format %q refusable %v; want %q %v %v %q %v (%s)", tt.muts, e.Code, e.Names, e.ClientError, e.Format,
				e.Refusable, tt.code, tt.names, tt.client, tt.format, tt.refusal, e.Why)
		}
		for _, id := range e.Rows {
			if _, ok := Row(id); !ok {
				t.Errorf("%v cites row %q, which the table does not have", tt.muts, id)
			}
		}
	}
}

func TestShrink(t *testing.T) {
	muts := []Mutation{{Kind: Unknown, Param: "EdgeconformA", Value: "x"}, {Kind: Drop, Param: "JobId"}, {Kind: Skew, Skew: time.Minute}}
	calls := 0
	got, tries := Shrink(muts, func(sub []Mutation) bool {
		calls++
		return slices.ContainsFunc(sub, func(m Mutation) bool { return m.Kind == Drop })
	})
	if len(got) != 1 || got[0].Kind != Drop || tries != calls || tries > 7 {
		t.Errorf("Shrink = %v after %d tries (%d calls), want [drop:JobId]", got, tries, calls)
	}
	// Two mutations needed together stay together.
	got, _ = Shrink(muts, func(sub []Mutation) bool {
		return len(sub) >= 2 && sub[0].Kind == Unknown && sub[len(sub)-1].Kind == Skew
	})
	if len(got) != 2 {
		t.Errorf("Shrink = %v, want the unknown and skew mutations", got)
	}
	// The unmutated call failing is the smallest form.
	if got, _ = Shrink(muts, func([]Mutation) bool { return true }); len(got) != 0 {
		t.Errorf("Shrink = %v, want none", got)
	}
}

func TestReproduceHoldsNoSecret(t *testing.T) {
	sp := spec.Default()
	call := protocol.Call{Transport: protocol.Transport{Method: "POST", Signature: protocol.SignatureV3, Format: "JSON"}, Action: sp.Action(), Version: sp.Version(),
		Params: map[string][]string{"JobId": {"it's a job"}}, Time: time.Now().Add(-time.Hour)}
	line := Reproduce(sp, "http://127.0.0.1:8080", "LTAIkey", call, []Mutation{{Kind: Drop, Param: "JobId"}, {Kind: Secret}})
	for _, want := range []string{`eval "$(edgeconform sign `, `--access-key-secret "$ALIBABA_CLOUD_ACCESS_KEY_SECRET"`, "--access-key-id LTAIkey",
		"--signature v3 --method POST --format JSON", `--param 'JobId=it'\''s a job'`, "--mutate skew:-1h0m0s", "--mutate drop:JobId", "--mutate wrong-secret", "--curl)"} {
		if !strings.Contains(line, want) {
			t.Errorf("reproduce line lacks %q:\n%s", want, line)
		}
	}
	if strings.Contains(line, "Signature=") || strings.Contains(line, "ACS3-HMAC-SHA256") {
		t.Errorf("reproduce line holds a signature: %s", line)
	}
}
