package spec_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/docpage"
	"github.com/edgeconform/edgeconform/internal/source"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

const goodRequestID = "0000003B-0E1A-586A-AC29-742247000000"

func TestEmbeddedDocumentHasNoProblems(t *testing.T) {
	if problems := specfacts.Check(spec.Default().YAML()); len(problems) != 0 {
		t.Fatalf("embedded openapi.yaml has problems: %v", problems)
	}
	if got, want := spec.Default().Document().OpenAPI, "3.0.3"; got != want {
		t.Errorf("openapi = %q, want %q", got, want)
	}
}

func TestFacts(t *testing.T) {
	s := spec.Default()
	if got, want := s.Action(), "StartEdgeTranscodeJob"; got != want {
		t.Errorf("Action() = %q, want %q", got, want)
	}
	if got, want := s.Version(), "2016-11-01"; got != want {
		t.Errorf("Version() = %q, want %q", got, want)
	}
	if got, want := s.RateLimit(), (spec.RateLimit{Calls: 6000, Window: time.Minute}); got != want {
		t.Errorf("RateLimit() = %v, want %v", got, want)
	}
	if got, want := specfacts.RAMOf(s), (specfacts.RAM{Action: "live:StartEdgeTranscodeJob", ResourceType: "*Domain"}); got != want {
		t.Errorf("RAM() = %+v, want %+v", got, want)
	}
	if got, want := specfacts.RequiredParams(s), []string{"ClusterId", "JobId"}; !slices.Equal(got, want) {
		t.Errorf("RequiredParams() = %v, want %v", got, want)
	}
	if got, want := specfacts.OptionalParams(s), []string{"RegionId"}; !slices.Equal(got, want) {
		t.Errorf("OptionalParams() = %v, want %v", got, want)
	}
	if got, want := specfacts.ThrottlingCodes(s), []string{"Throttling", "Throttling.User", "Throttling.Api"}; !slices.Equal(got, want) {
		t.Errorf("ThrottlingCodes() = %v, want %v", got, want)
	}
}

// The page's own table, as the page says it, is what PageErrors returns, in page order.
func TestPageErrorsAreThePages(t *testing.T) {
	page, err := docpage.Parse(source.Page)
	if err != nil {
		t.Fatal(err)
	}
	got := specfacts.PageErrors(spec.Default())
	if len(got) != 7 || len(page.Errors) != 7 {
		t.Fatalf("PageErrors() has %d codes, the page %d; want 7", len(got), len(page.Errors))
	}
	want := map[string]int{"MissingParameter": 400, "UserTaskExceed": 400, "InternalError": 500,
		"UserQuotaExceed": 403, "OperationDenied": 403, "Forbidden": 403, "JobNotFound": 404}
	for i, e := range got {
		p := page.Errors[i]
		if e.Code != p.Code || e.Status != p.Status || e.Template != p.Message || e.Description != p.Description {
			t.Errorf("PageErrors()[%d] = %+v, page row %+v", i, e, p)
		}
		if want[e.Code] != e.Status {
			t.Errorf("%s: status %d, want %d", e.Code, e.Status, want[e.Code])
		}
		if e.Source != specfacts.SourcePage {
			t.Errorf("%s: source %q, want page", e.Code, e.Source)
		}
	}
}

func TestCommonErrors(t *testing.T) {
	s := spec.Default()
	all := s.Errors()
	if len(all) != 14 {
		t.Fatalf("Errors() has %d codes, want 14 (7 page + 7 common)", len(all))
	}
	want := []struct {
		code   string
		status int
	}{
		{"InvalidAction.NotFound", 404}, {"InvalidVersion", 400}, {"InvalidAccessKeyId.NotFound", 404},
		{"InvalidTimeStamp.Expired", 400}, {"SignatureDoesNotMatch", 400}, {"SignatureNonceUsed", 400},
		{"Throttling.User", 400},
	}
	for i, w := range want {
		e := all[7+i]
		if e.Code != w.code || e.Status != w.status || e.Source != specfacts.SourceCommon {
			t.Errorf("Errors()[%d] = %s %d %s, want %s %d common", 7+i, e.Code, e.Status, e.Source, w.code, w.status)
		}
	}
	th, ok := s.Error("Throttling.User")
	if !ok || th.Message("") != "Request was denied due to user flow control." {
		t.Errorf("Throttling.User = %+v, %v", th, ok)
	}
	if _, ok := s.Error("NoSuchCode"); ok {
		t.Error("Error(NoSuchCode) found something")
	}
}

func TestStateConstantsAreTheDocuments(t *testing.T) {
	consts := []string{spec.StateStoppedJob, spec.StateRunningJob, spec.StateNoSuchJob, spec.StateNoPermission,
		spec.StateTaskLimit, spec.StateQuotaExhausted, spec.StateInternalFault, spec.StateFreshAccount}
	states := spec.Default().States()
	var names []string
	for _, st := range states {
		names = append(names, st.Name)
	}
	if !slices.Equal(names, consts) {
		t.Fatalf("document states %q\nconstants       %q", names, consts)
	}
	s := spec.Default()
	for _, st := range states {
		if st.Code == spec.CodeOK {
			if st.Status != 200 {
				t.Errorf("%s: OK with status %d", st.Name, st.Status)
			}
			continue
		}
		e, ok := s.Error(st.Code)
		if !ok || e.Status != st.Status {
			t.Errorf("%s: expects %s %d, spec has %+v", st.Name, st.Code, st.Status, e)
		}
	}
	// Each page code but MissingParameter (arranged by leaving a parameter out) has its state.
	for _, e := range specfacts.PageErrors(s) {
		if e.Code != "MissingParameter" && e.State == "" {
			t.Errorf("%s has no provider state", e.Code)
		}
	}
	if e, _ := s.Error("JobNotFound"); e.State != spec.StateNoSuchJob {
		t.Errorf("JobNotFound state = %q", e.State)
	}
}

func TestMessage(t *testing.T) {
	e, _ := spec.Default().Error("JobNotFound")
	if got, want := e.Message("The job abc does not exist"), "The job abc does not exist, please check and try again later."; got != want {
		t.Errorf("Message() = %q, want %q", got, want)
	}
	tests := []struct {
		template, msg string
		want          bool
	}{
		{"%s, please check and try again later.", "Job x, please check and try again later.", true},
		{"%s, please check and try again later.", ", please check and try again later.", false}, // %s needs a character
		{"%s, please check and try again later.", "Job x, please check and try again later", false},
		{"%s, please check and try again later.", "Job x, please check and try again later.!", false},
		{"%s.", "ClusterId is mandatory for this action.", true},
		{"%s.", "ClusterId is mandatory", false},
		{"Quota exceeded: %s.", "Quota exceeded: transcoding jobs.", true},
		{"Quota exceeded: %s.", "quota exceeded: transcoding jobs.", false},
		{"Request was denied due to user flow control.", "Request was denied due to user flow control.", true},
		{"Request was denied due to user flow control.", "Request wasXdenied due to user flow control.", false},
		{"a.b (%s)", "a.b (x)", true},
		{"a.b (%s)", "aXb (x)", false}, // literal dot
	}
	for _, tt := range tests {
		if got := specfacts.MatchesMessage((spec.ErrorCode{Template: tt.template}), tt.msg); got != tt.want {
			t.Errorf("MatchesMessage(%q, %q) = %v, want %v", tt.template, tt.msg, got, tt.want)
		}
	}
}

func TestParseRateLimit(t *testing.T) {
	good := []struct {
		in   string
		want spec.RateLimit
		str  string
	}{
		{"6000/1m", spec.RateLimit{Calls: 6000, Window: time.Minute}, "6000/1m"},
		{"600/6s", spec.RateLimit{Calls: 600, Window: 6 * time.Second}, "600/6s"},
		{"100/s", spec.RateLimit{Calls: 100, Window: time.Second}, "100/1s"},
		{"10/500ms", spec.RateLimit{Calls: 10, Window: 500 * time.Millisecond}, "10/500ms"},
		{"5/90s", spec.RateLimit{Calls: 5, Window: 90 * time.Second}, "90s" /* checked below */},
		{" 6000/60s ", spec.RateLimit{Calls: 6000, Window: time.Minute}, "6000/1m"},
	}
	for _, tt := range good {
		got, err := spec.ParseRateLimit(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseRateLimit(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		if back, err := spec.ParseRateLimit(got.String()); err != nil || back != got {
			t.Errorf("%q: String() = %q does not parse back (%v, %v)", tt.in, got.String(), back, err)
		}
		if tt.str != "90s" && got.String() != tt.str {
			t.Errorf("ParseRateLimit(%q).String() = %q, want %q", tt.in, got.String(), tt.str)
		}
	}
	bad := map[string]string{
		"":          "want CALLS/WINDOW",
		"6000":      "want CALLS/WINDOW",
		"x/1m":      "positive integer",
		"0/1m":      "positive integer",
		"-5/1m":     "positive integer",
		"6000/":     "window",
		"6000/1y":   "window",
		"6000/0s":   "positive",
		"6000/-1m":  "window",
		"1.5/1m":    "positive integer",
		"6000/1m/2": "window",
	}
	for in, want := range bad {
		_, err := spec.ParseRateLimit(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRateLimit(%q) error = %v, want one mentioning %q", in, err, want)
		}
	}
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json;charset=utf-8"}} }
func xmlHeader() http.Header  { return http.Header{"Content-Type": {"text/xml;charset=utf-8"}} }

func errorJSON(code, requestID string) string {
	return `{"RequestId":"` + requestID + `","HostId":"live.aliyuncs.com","Code":"` + code +
		`","Message":"x, please check and try again later.","Recommend":"https://api.aliyun.com/troubleshoot?q=` + code + `"}`
}

func TestValidateResponse(t *testing.T) {
	s := spec.Default()
	getReq, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/?Action=StartEdgeTranscodeJob&Version=2016-11-01", nil)
	postReq, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/", nil)
	// A V3 request: Action and Version only in headers, no query at all.
	v3Req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/", nil)
	v3Req.Header.Set("x-acs-action", "StartEdgeTranscodeJob")
	v3Req.Header.Set("x-acs-version", "2016-11-01")
	putReq, _ := http.NewRequest(http.MethodPut, "http://127.0.0.1/", nil)

	success := `{"JobId":"000020b48fb04483915d4f2cd8ac0000","RequestId":"` + goodRequestID + `"}`
	successXML := `<?xml version='1.0' encoding='UTF-8'?><StartEdgeTranscodeJobResponse><JobId>j1</JobId><RequestId>` + goodRequestID + `</RequestId></StartEdgeTranscodeJobResponse>`
	errorXML := func(root, code string) string {
		return `<?xml version='1.0' encoding='UTF-8'?><` + root + `><RequestId>` + goodRequestID + `</RequestId><HostId>h</HostId><Code>` + code +
			`</Code><Message>m</Message><Recommend>r</Recommend></` + root + `>`
	}
	tests := []struct {
		name    string
		req     *http.Request
		status  int
		header  http.Header
		body    string
		wantErr string // "" = valid; else a substring of the error
	}{
		{"success JSON", getReq, 200, jsonHeader(), success, ""},
		{"success JSON without charset", getReq, 200, http.Header{"Content-Type": {"application/json"}}, success, ""},
		{"success JSON to POST", postReq, 200, jsonHeader(), success, ""},
		{"success JSON to a V3 request", v3Req, 200, jsonHeader(), success, ""},
		{"success JSON, nil request", nil, 200, jsonHeader(), success, ""},
		{"success XML", getReq, 200, xmlHeader(), successXML, ""},
		{"throttled", getReq, 400, jsonHeader(), errorJSON("Throttling.User", goodRequestID), ""},
		{"job not found XML", getReq, 404, xmlHeader(), errorXML("Error", "JobNotFound"), ""},
		{"rate-limit header", getReq, 400, func() http.Header {
			h := jsonHeader()
			h.Set("x-ratelimit-user-api", "Limit:6000,Remain:0,TimeLeft:1200,Reset:1764201600")
			return h
		}(), errorJSON("Throttling.User", goodRequestID), ""},

		{"bad rate-limit header", getReq, 400, func() http.Header {
			h := jsonHeader()
			h.Set("x-ratelimit-user-api", "Limit: 6000, Remain: 0")
			return h
		}(), errorJSON("Throttling.User", goodRequestID), "x-ratelimit-user-api"},
		{"wrong status for code", getReq, 403, jsonHeader(), errorJSON("JobNotFound", goodRequestID), "/Code"},
		{"wrong status for code XML", getReq, 400, xmlHeader(), errorXML("Error", "Forbidden"), "/Code"},
		{"redirect", getReq, 301, jsonHeader(), success, "status 301 is not documented"},
		{"not modified", getReq, 304, jsonHeader(), "", "status 304 is not documented"},
		{"throttle as 429", getReq, 429, jsonHeader(), errorJSON("Throttling.User", goodRequestID), "status 429 is not documented"},
		{"missing RequestId", getReq, 200, jsonHeader(), `{"JobId":"j"}`, "RequestId"},
		{"lowercase RequestId", getReq, 200, jsonHeader(), `{"JobId":"j","RequestId":"0000003b-0e1a-586a-ac29-742247000000"}`, "/RequestId"},
		{"RequestId not a UUID", getReq, 404, jsonHeader(), errorJSON("JobNotFound", "REQ-1"), "/RequestId"},
		{"extra field", getReq, 200, jsonHeader(), `{"JobId":"j","RequestId":"` + goodRequestID + `","Debug":"x"}`, "Debug"},
		{"trailing junk", getReq, 200, jsonHeader(), success + `garbage`, "not one valid JSON value"},
		{"error missing Recommend", getReq, 404, jsonHeader(), `{"RequestId":"` + goodRequestID + `","HostId":"h","Code":"JobNotFound","Message":"m"}`, "Recommend"},
		{"not JSON", getReq, 200, jsonHeader(), `<html>`, "not one valid JSON value"},
		{"no content type", getReq, 200, http.Header{}, success, "Content-Type"},
		{"text/plain", getReq, 200, http.Header{"Content-Type": {"text/plain"}}, success, "Content-Type"},
		{"XML wrong root", getReq, 404, xmlHeader(), errorXML("Oops", "JobNotFound"), "root element is Oops"},
		{"XML nested", getReq, 200, xmlHeader(), `<StartEdgeTranscodeJobResponse><JobId><x>1</x></JobId></StartEdgeTranscodeJobResponse>`, "nested"},
		{"XML broken", getReq, 200, xmlHeader(), `<StartEdgeTranscodeJobResponse><JobId>`, "xml"},
		{"XML duplicate", getReq, 200, xmlHeader(), `<StartEdgeTranscodeJobResponse><JobId>1</JobId><JobId>2</JobId><RequestId>` + goodRequestID + `</RequestId></StartEdgeTranscodeJobResponse>`, "twice"},
		{"undocumented method", putReq, 200, jsonHeader(), success, "no operation for method PUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := specfacts.ValidateResponse(context.Background(), s, tt.req, tt.status, tt.header, []byte(tt.body))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want an error mentioning %q, got none", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %q does not mention %q", err, tt.wantErr)
			}
			var re *specfacts.ResponseError
			if !errors.As(err, &re) || re.Status != tt.status || len(re.Problems) == 0 {
				t.Fatalf("error is not a *specfacts.ResponseError with problems: %#v", err)
			}
		})
	}
}

func TestValidateResponseProblemPointers(t *testing.T) {
	body := `{"RequestId":"lower-case","HostId":"h","Code":"JobNotFound","Message":"m","Recommend":"r","Debug/x":1}`
	err := specfacts.ValidateResponse(context.Background(), spec.Default(), nil, 403, jsonHeader(), []byte(body))
	var re *specfacts.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("want *specfacts.ResponseError, got %v", err)
	}
	var ptrs []string
	for _, p := range re.Problems {
		ptrs = append(ptrs, p.Pointer)
	}
	slices.Sort(ptrs)
	if want := []string{"/Code", "/Debug~1x", "/RequestId"}; !slices.Equal(ptrs, want) {
		t.Errorf("pointers = %q, want %q (problems %v)", ptrs, want, re.Problems)
	}
}

func TestCheckBrokenFile(t *testing.T) {
	data, err := os.ReadFile("testdata/broken.yaml")
	if err != nil {
		t.Fatal(err)
	}
	problems := specfacts.Check(data)
	got := map[string]bool{}
	for _, p := range problems {
		got[p.Pointer] = true
		if strings.Contains(p.Reason, "\n") {
			t.Errorf("%s: reason spans lines: %q", p.Pointer, p.Reason)
		}
	}
	for _, want := range []string{
		"/components/schemas/Success/properties/JobId",             // type: strin
		"/components/schemas/Error403/properties/Code/enum",        // Forbidden left out
		"/components/responses/Error403/content/application~1json", // its example no longer validates
		"/x-error-codes/6/status",                                  // 4040
		"/x-rate-limit",                                            // "1 minute"
	} {
		if !got[want] {
			t.Errorf("no problem reported at %s; got %v", want, problems)
		}
	}
	_, err = spec.Load(data)
	var inv *specfacts.InvalidError
	if !errors.As(err, &inv) || len(inv.Problems) != len(problems) {
		t.Errorf("Load error = %v, want *specfacts.InvalidError with %d problems", err, len(problems))
	}
}

func TestLoadRejectsGarbage(t *testing.T) {
	for _, data := range []string{"", "not: [yaml", "openapi: 3.0.3\n", "{}"} {
		if _, err := spec.Load([]byte(data)); err == nil {
			t.Errorf("Load(%q) succeeded", data)
		}
	}
}

func TestValidateResponseConcurrently(t *testing.T) {
	s := spec.Default()
	good := []byte(`{"JobId":"j","RequestId":"` + goodRequestID + `"}`)
	bad := []byte(`{"JobId":"j","RequestId":"x"}`)
	errs := make(chan error, 64)
	for i := 0; i < 32; i++ {
		go func() {
			errs <- specfacts.ValidateResponse(context.Background(), s, nil, 200, jsonHeader(), good)
		}()
		go func() {
			if err := specfacts.ValidateResponse(context.Background(), s, nil, 200, xmlHeader(), bad); err == nil {
				errs <- errors.New("bad XML-typed answer passed")
				return
			}
			errs <- nil
		}()
	}
	for i := 0; i < 64; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// The exact Content-Types of docs/protocol.md#wire-protocol come from the document, not from code.
func TestContentTypes(t *testing.T) {
	s := spec.Default()
	for format, want := range map[string]string{"JSON": "application/json;charset=utf-8", "XML": "text/xml;charset=utf-8", "YAML": ""} {
		if got := s.ContentType(format); got != want {
			t.Errorf("ContentType(%q) = %q, want %q", format, got, want)
		}
	}
	if got := specfacts.Formats(s); !slices.Equal(got, []string{"JSON", "XML"}) {
		t.Errorf("Formats() = %v", got)
	}
}
