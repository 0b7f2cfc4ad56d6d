package explore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

// The properties an answer is judged by; a violation names one.
const (
	PropNoServerError  = "no-server-error"  // never a 5xx outside the fault state
	PropWellFormed     = "well-formed"      // JSON or XML; an error has RequestId, Code, Message; a success RequestId and JobId
	PropContentType    = "content-type"     // exactly the spec's Content-Type of the body's format
	PropAskedFormat    = "asked-format"     // the format asked for, where the call decides it
	PropSpecValid      = "spec-valid"       // valid against the OpenAPI document where it decides (GET/POST, a code it lists)
	PropFreshRequestID = "fresh-request-id" // an upper-case UUID never answered before in the run
	PropClientError    = "client-error"     // a 4xx for a call that the page or the wire protocol calls wrong
	PropDocumentedCode = "documented-code"  // the code the page or the wire protocol names, its status, its template, the parameter named
	PropUnchanged      = "unchanged-answer" // mutations that change nothing leave the state's answer as it was
	PropNoHang         = "no-hang"          // an answer within the timeout
	PropConsistent     = "consistent"       // an undecided input sent twice (each to a fresh state) gets answers of one kind
)

// Violation is one property an answer breaks.
type Violation struct {
	Property string
	Detail   string
}

func (v Violation) String() string { return v.Property + ": " + v.Detail }

// Properties lists the names of the violations, in order, without repeats.
func Properties(vs []Violation) []string {
	var out []string
	for _, v := range vs {
		if !slices.Contains(out, v.Property) {
			out = append(out, v.Property)
		}
	}
	return out
}

// tooLarge are the statuses that refuse a request for its size (content, URI, header fields).
var tooLarge = []int{http.StatusRequestEntityTooLarge, http.StatusRequestURITooLong, http.StatusRequestHeaderFieldsTooLarge}

// Judge lists the properties a breaks, given what e says is due; dupOf names the case that got
// a's RequestId before in the run ("" if none).
func Judge(ctx context.Context, sp *spec.Spec, a *client.Answer, e Expectation, dupOf string) []Violation {
	var vs []Violation
	add := func(p, format string, args ...any) { vs = append(vs, Violation{p, fmt.Sprintf(format, args...)}) }
	if a.Status >= 500 {
		add(PropNoServerError, "status %d", a.Status)
	}
	if e.Large && slices.Contains(tooLarge, a.Status) {
		return vs // refused for its size before any API code: HTTP's own answer, in HTTP's own body
	}
	// An undecided input refused: any 4xx, in either format, instead of the answer otherwise due.
	refused := e.Refusable && a.Status >= 400 && a.Status < 500 && !(a.Parsed && e.Code != "" && a.Code == e.Code)
	if !a.Parsed {
		add(PropWellFormed, "body: %s", clip(ErrString(a.ParseErr), 120))
	} else {
		success := a.Status >= 200 && a.Status < 300
		var missing []string
		for _, f := range wantFields(success) {
			if a.Fields[f] == "" {
				missing = append(missing, f)
			}
		}
		if len(missing) > 0 {
			add(PropWellFormed, "body of a %d without %s", a.Status, strings.Join(missing, ", "))
		}
		if want := sp.ContentType(string(a.Format)); a.ContentType != want {
			add(PropContentType, "Content-Type: want %q for %s, got %s", want, a.Format, QuoteOrNone(a.ContentType))
		}
		if e.Format != "" && a.Format != e.Format && !refused {
			add(PropAskedFormat, "body: want %s, got %s", e.Format, a.Format)
		}
		switch {
		case a.RequestID == "":
		case !specfacts.RequestIDPattern(sp).MatchString(a.RequestID):
			add(PropFreshRequestID, "RequestId %q is not an upper-case UUID", clip(a.RequestID, 60))
		case dupOf != "":
			add(PropFreshRequestID, "RequestId %q again (first answered in %s)", a.RequestID, dupOf)
		}
	}
	throttled := a.Parsed && slices.Contains(specfacts.ThrottlingCodes(sp), a.Code)
	if e.ClientError && (a.Status < 400 || a.Status >= 500) && !(throttled && e.Throttleable) {
		add(PropClientError, "status: want a 4xx (%s), got %d%s", e.Why, a.Status, codeSuffix(a))
	}
	if e.Code != "" && !(throttled && e.Throttleable) && !refused {
		prop := PropDocumentedCode
		if e.Unchanged {
			prop = PropUnchanged
		}
		if v := codeMismatch(sp, a, e); v != "" {
			add(prop, "%s", v)
		}
	}
	if a.Parsed && slices.Contains(e.NotCodes, a.Code) && (e.Code == "" || refused) {
		add(PropDocumentedCode, "/Code: %s for a call that passes that check (%s)", a.Code, e.Why)
	}
	if v := specFindings(ctx, sp, a); v != "" {
		add(PropSpecValid, "%s", v)
	}
	return vs
}

func wantFields(success bool) []string {
	if success {
		return []string{"RequestId", "JobId"}
	}
	return []string{"RequestId", "Code", "Message"}
}

// codeMismatch says how a differs from the code e names ("" if it does not).
func codeMismatch(sp *spec.Spec, a *client.Answer, e Expectation) string {
	if e.Code == spec.CodeOK {
		switch {
		case a.Status != http.StatusOK || a.Code != "":
			return fmt.Sprintf("status: want 200 (%s), got %d%s", e.Why, a.Status, codeSuffix(a))
		case a.JobID != e.JobID:
			return fmt.Sprintf("/JobId: want %q echoed, got %s", e.JobID, QuoteOrNone(a.JobID))
		}
		return ""
	}
	if a.Status != e.Status || a.Code != e.Code {
		return fmt.Sprintf("status, /Code: want %d %s (%s), got %d%s", e.Status, e.Code, e.Why, a.Status, codeSuffix(a))
	}
	if ec, ok := sp.Error(e.Code); ok && !specfacts.MatchesMessage(ec, a.Message) {
		return fmt.Sprintf("/Message: %q is not the template %q", clip(a.Message, 80), ec.Template)
	}
	if len(e.Names) > 0 && !NamesOne(a.Message, e.Names) {
		return fmt.Sprintf("/Message: %q does not name %s", clip(a.Message, 80), strings.Join(e.Names, " or "))
	}
	return ""
}

// specFindings validates a against the OpenAPI document where the document decides: a GET or
// POST answered with a success or a code it lists. Codes outside it (InvalidParameter ...) and
// other methods are the cloud's business, not the page's.
func specFindings(ctx context.Context, sp *spec.Spec, a *client.Answer) string {
	if a.Request == nil || a.Request.Method != http.MethodGet && a.Request.Method != http.MethodPost || !a.Parsed || a.Status >= 500 {
		return ""
	}
	if a.Code != "" {
		ec, ok := sp.Error(a.Code)
		if !ok {
			return ""
		}
		if ec.Status != a.Status {
			return fmt.Sprintf("status: want %d for %s, got %d", ec.Status, ec.Code, a.Status)
		}
	}
	err := specfacts.ValidateResponse(ctx, sp, a.Request, a.Status, a.Header, a.Body)
	if err == nil {
		return ""
	}
	var re *specfacts.ResponseError
	if errors.As(err, &re) && len(re.Problems) > 0 {
		parts := make([]string, 0, len(re.Problems))
		for _, p := range re.Problems {
			parts = append(parts, strings.TrimSpace(p.Pointer+" "+p.Reason))
		}
		return clip(strings.Join(parts, "; "), 200)
	}
	return clip(err.Error(), 200)
}

func codeSuffix(a *client.Answer) string {
	if a.Code == "" {
		return ""
	}
	return " " + a.Code
}

// QuoteOrNone quotes s for a message, "none" when empty.
func QuoteOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return strconv.Quote(s)
}

// ErrString is err's text for a message, "no error" when nil.
func ErrString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// clip keeps one line of at most n runes.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
