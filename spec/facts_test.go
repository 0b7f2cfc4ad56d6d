package spec_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

// TestCodeConstantsAreTheDocuments: the Code constants (specfacts.Codes) and the document's
// x-error-codes are the same list, so a code cannot be added to one and forgotten in the other.
func TestCodeConstantsAreTheDocuments(t *testing.T) {
	var doc []string
	for _, e := range spec.Default().Errors() {
		doc = append(doc, e.Code)
	}
	if !slices.Equal(doc, specfacts.Codes()) {
		t.Errorf("document codes %q\nspec.Codes()   %q", doc, specfacts.Codes())
	}
	for code, source := range map[string]string{specfacts.CodeJobNotFound: specfacts.SourcePage, specfacts.CodeSignatureDoesNotMatch: specfacts.SourceCommon} {
		if e, _ := spec.Default().Error(code); e.Source != source {
			t.Errorf("%s: source %q, want %q", code, e.Source, source)
		}
	}
	if !slices.Contains(specfacts.ThrottlingCodes(spec.Default()), specfacts.CodeThrottlingUser) {
		t.Errorf("%s is not among the throttling codes %q", specfacts.CodeThrottlingUser, specfacts.ThrottlingCodes(spec.Default()))
	}
}

func TestRateLimitHeadersAndRequestIDPattern(t *testing.T) {
	s := spec.Default()
	if got, want := specfacts.RateLimitHeaders(s), []string{specfacts.HeaderRateLimitUserAPI, specfacts.HeaderRateLimitUser}; !slices.Equal(got, want) {
		t.Errorf("RateLimitHeaders() = %q, want %q", got, want)
	}
	rl := specfacts.RateLimitHeaderPattern(s)
	for v, want := range map[string]bool{
		"Limit:6000,Remain:0,TimeLeft:2345,Reset:1764201600": true,
		"Limit:6000, Remain:0,TimeLeft:2345,Reset:1":         false,
		"Limit:6000,Remain:0,TimeLeft:2345":                  false,
	} {
		if rl.MatchString(v) != want {
			t.Errorf("rate-limit pattern %s on %q: want %v", rl, v, want)
		}
	}
	id := specfacts.RequestIDPattern(s)
	for v, want := range map[string]bool{
		"0000003B-0E1A-586A-AC29-742247000000": true,
		"0000003b-0e1a-586a-ac29-742247000000": false,
		"0000003B-0E1A-586A-AC29-74224700000":  false,
		"":                                     false,
	} {
		if id.MatchString(v) != want {
			t.Errorf("RequestId pattern %s on %q: want %v", id, v, want)
		}
	}
}

// TestFactsMissingFromTheDocument: a document without the rate-limit headers or the RequestId
// pattern does not load (no silent default).
func TestFactsMissingFromTheDocument(t *testing.T) {
	doc := string(spec.Default().YAML())
	for name, broken := range map[string]string{
		"no rate-limit headers": strings.ReplaceAll(doc, "x-ratelimit-user", "x-other-user"),
		"no RequestId pattern":  strings.Replace(doc, "pattern: ^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$\n", "\n", 1),
	} {
		if broken == doc {
			t.Fatalf("%s: the replacement changed nothing", name)
		}
		if _, err := spec.Load([]byte(broken)); err == nil {
			t.Errorf("%s: Load succeeded", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// The throttled answer may carry x-acs-retry-after, a positive number of milliseconds.
func TestRetryAfterHeader(t *testing.T) {
	re := specfacts.RetryAfterPattern(spec.Default())
	if re == nil {
		t.Fatalf("the document has no %s on the throttled answer", specfacts.HeaderRetryAfter)
	}
	for v, want := range map[string]bool{"2345": true, "1": true, "0": false, "-1": false, "1.5": false, "": false, "2s": false} {
		if re.MatchString(v) != want {
			t.Errorf("%s %q: match %v, want %v", specfacts.HeaderRetryAfter, v, !want, want)
		}
	}
}

// A recorded disagreement needs a field and two claims at least: the document is refused otherwise.
func TestDisagreementsAreChecked(t *testing.T) {
	doc := spec.Default().YAML()
	broken := bytes.Replace(doc, []byte("  - field: errors/MissingParameter/message\n"), []byte("  - field: \"\"\n"), 1)
	if bytes.Equal(broken, doc) {
		t.Fatal("the document records no disagreement on errors/MissingParameter/message")
	}
	ps := specfacts.Check(broken)
	if len(ps) != 1 || ps[0].Pointer != "/x-edgeconform-disagreements/0" {
		t.Errorf("problems %v, want one at /x-edgeconform-disagreements/0", ps)
	}
	if got := len(specfacts.Disagreements(spec.Default())); got < 4 {
		t.Errorf("%d disagreements recorded, want the issue's four at least", got)
	}
}

// A message matches its code where any source's template fits it; MatchesTemplate asks the code's
// own template alone.
func TestMatchesMessageTakesEverySource(t *testing.T) {
	s := spec.Default()
	quota, _ := s.Error(specfacts.CodeUserQuotaExceed)
	sig, _ := s.Error(specfacts.CodeSignatureDoesNotMatch)
	for _, tt := range []struct {
		e                 spec.ErrorCode
		msg               string
		message, template bool
	}{
		{quota, "Quota exceeded: daily.", true, true},
		{quota, "daily", true, false}, // the metadata's %s
		{quota, "", false, false},
		{sig, sig.Template, true, true},
		{sig, sig.Template + " server string to sign is:GET&%2F&x", true, false}, // the form the older SDK parses
		{sig, "signature wrong", false, false},
	} {
		if got := specfacts.MatchesMessage(tt.e, tt.msg); got != tt.message {
			t.Errorf("%s MatchesMessage(%q) = %v, want %v", tt.e.Code, tt.msg, got, tt.message)
		}
		if got := specfacts.MatchesTemplate(tt.e, tt.msg); got != tt.template {
			t.Errorf("%s MatchesTemplate(%q) = %v, want %v", tt.e.Code, tt.msg, got, tt.template)
		}
	}
}
