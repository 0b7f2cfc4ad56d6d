package spec_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

// The document as a tool we did not write reads it: kin-openapi's openapi3filter validates the
// requests the official SDKs send (spec/testdata/sdk-requests, captured by the sdktest module) and
// the reference implementation's answers to them, and the requests and answers of every transport
// cell of the harness. Two readers: "any tool" knows only OpenAPI (each apiKey at its OpenAPI place);
// specfacts.ValidateRequest also enforces the document's x-edgeconform-* rules.

// anyToolAuth is the AuthenticationFunc a user of openapi3filter writes for apiKey schemes,
// knowing nothing of the document's extensions: the key must be non-empty at its OpenAPI place.
func anyToolAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s, r := in.SecurityScheme, in.RequestValidationInput.Request
	var v string
	switch s.In {
	case "query":
		v = r.URL.Query().Get(s.Name)
	case "header":
		v = r.Header.Get(s.Name)
	}
	if v == "" {
		return fmt.Errorf("no %s in the %s", s.Name, s.In)
	}
	return nil
}

// filterInput is openapi3filter's input for req (a copy: validation may rewrite it) on the
// document's operation for req's method.
func filterInput(t *testing.T, req *http.Request, auth openapi3filter.AuthenticationFunc) *openapi3filter.RequestValidationInput {
	t.Helper()
	doc := spec.Default().Document()
	item := doc.Paths.Value("/")
	op := item.GetOperation(req.Method)
	if op == nil {
		t.Fatalf("no operation for %s", req.Method)
	}
	body := readAll(t, req)
	clone := req.Clone(context.Background())
	clone.Body = io.NopCloser(bytes.NewReader(body))
	clone.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return &openapi3filter.RequestValidationInput{
		Request: clone,
		Route:   &routers.Route{Spec: doc, Path: "/", PathItem: item, Method: req.Method, Operation: op},
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: auth, IncludeResponseStatus: true},
	}
}

// readAll reads req's body and leaves it re-readable.
func readAll(t *testing.T, req *http.Request) []byte {
	t.Helper()
	if req.Body == nil {
		return nil
	}
	b, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// validateRequest runs every reader on req and fails the test on any finding.
func validateRequest(t *testing.T, req *http.Request) *openapi3filter.RequestValidationInput {
	t.Helper()
	in := filterInput(t, req, anyToolAuth)
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		t.Errorf("openapi3filter (OpenAPI only) rejects the request: %v", err)
	}
	if err := openapi3filter.ValidateRequest(context.Background(), filterInput(t, req, specfacts.Authenticate)); err != nil {
		t.Errorf("openapi3filter with specfacts.Authenticate rejects the request: %v", err)
	}
	if err := specfacts.ValidateRequest(context.Background(), spec.Default(), req); err != nil {
		t.Errorf("specfacts.ValidateRequest: %v", err)
	}
	return in
}

// validateResponse checks an answer with openapi3filter directly and with specfacts.ValidateResponse.
func validateResponse(t *testing.T, in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) {
	t.Helper()
	specfacts.RegisterXMLBodyDecoder()
	rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header, Options: in.Options}
	rin.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
		t.Errorf("openapi3filter rejects the %d answer: %v\n%s", status, err, body)
	}
	if err := specfacts.ValidateResponse(context.Background(), spec.Default(), in.Request, status, header, body); err != nil {
		t.Errorf("specfacts.ValidateResponse: %v", err)
	}
}

// readRequestFile parses a raw HTTP request as the sdktest module captured it.
func readRequestFile(t *testing.T, path string) *http.Request {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	readAll(t, req)
	return req
}

// Every request an official SDK sends validates, and the reference implementation, at the time the
// SDK signed it, answers it with a success that validates too.
func TestSDKRequestsValidate(t *testing.T) {
	files, err := filepath.Glob("testdata/sdk-requests/*.http")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".http")
		for _, part := range []string{"older", "newer", "v1", "v3", "GET", "POST"} {
			if strings.Contains("-"+name+"-", "-"+part+"-") {
				seen[part] = true
			}
		}
		t.Run(name, func(t *testing.T) {
			req := readRequestFile(t, f)
			in := validateRequest(t, req)
			parsed, err := wire.ParseRequest(req, 1<<16)
			if err != nil || parsed.TimestampErr != nil {
				t.Fatalf("protocol cannot read it: %v %v", err, parsed.TimestampErr)
			}
			srv, err := mock.New(nil, mock.WithClock(func() time.Time { return parsed.Timestamp }))
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			srv.API().ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("the reference answers %d: %s\n(if fixtures/world.yaml changed the key or the job, recapture: cd sdktest && go test -run TestSDKRequestFixtures -update-sdk-requests)", rec.Code, rec.Body)
			}
			validateResponse(t, in, rec.Code, rec.Header(), rec.Body.Bytes())
		})
	}
	for _, part := range []string{"older", "newer", "v1", "v3", "GET", "POST"} {
		if !seen[part] {
			t.Errorf("no captured SDK request is %s: regenerate them in sdktest (-update-sdk-requests)", part)
		}
	}
}

// startReference runs the reference implementation with its provider-state endpoint.
func startReference(t *testing.T) (*mock.Running, states.Arranger) {
	t.Helper()
	r, err := mock.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, states.NewEndpoint(r.AdminURL)
}

// cellRequest is the harness's signed request for one transport cell.
func cellRequest(t *testing.T, apiURL string, v states.Values, method string, sig protocol.SignatureVersion, format string, tamper func(*http.Request)) *http.Request {
	t.Helper()
	s := spec.Default()
	params := url.Values{}
	for _, k := range []string{"ClusterId", "JobId"} {
		if v[k] != "" {
			params.Set(k, v[k])
		}
	}
	req, err := protocol.NewRequest(context.Background(), apiURL,
		protocol.Credentials{AccessKeyID: v["AccessKeyId"], AccessKeySecret: v["AccessKeySecret"]},
		protocol.Call{Transport: protocol.Transport{Method: method, Signature: sig, Format: protocol.Format(format)}, Action: s.Action(), Version: s.Version(), Params: params, Tamper: tamper})
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// Every transport cell: the harness's requests and the reference implementation's answers (a
// success, then the refused second start) validate.
func TestReferenceCellsValidate(t *testing.T) {
	r, arranger := startReference(t)
	client := &http.Client{Timeout: 10 * time.Second}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		for _, sig := range []protocol.SignatureVersion{protocol.SignatureV1, protocol.SignatureV3} {
			for _, format := range specfacts.Formats(spec.Default()) {
				t.Run(fmt.Sprintf("%s-%s-%s", method, sig, format), func(t *testing.T) {
					v, err := arranger.Setup(context.Background(), spec.StateStoppedJob)
					if err != nil {
						t.Fatal(err)
					}
					defer arranger.Teardown(context.Background(), spec.StateStoppedJob, v)
					for _, want := range []int{http.StatusOK, http.StatusForbidden} {
						req := cellRequest(t, r.APIURL, v, method, sig, format, nil)
						in := validateRequest(t, req)
						resp, err := client.Do(req)
						if err != nil {
							t.Fatal(err)
						}
						body, err := io.ReadAll(resp.Body)
						resp.Body.Close()
						if err != nil {
							t.Fatal(err)
						}
						if resp.StatusCode != want {
							t.Fatalf("status %d, want %d: %s", resp.StatusCode, want, body)
						}
						validateResponse(t, in, resp.StatusCode, resp.Header, body)
					}
				})
			}
		}
	}
}

// The controls: requests that break the document's rules are refused, by plain OpenAPI where it can
// say so and by specfacts.ValidateRequest where only the x-edgeconform-* rules can; a broken answer is
// refused by openapi3filter.
func TestRequestValidationControls(t *testing.T) {
	v := states.Values{"AccessKeyId": "LTAI5tControl", "AccessKeySecret": "control-secret", "ClusterId": "c-1", "JobId": "j-1"}
	noJob := states.Values{"AccessKeyId": "LTAI5tControl", "AccessKeySecret": "control-secret", "ClusterId": "c-1"}
	const base = "http://127.0.0.1:1"
	dropHeader := func(name string) func(*http.Request) { return func(r *http.Request) { r.Header.Del(name) } }
	dropForm := func(name string) func(*http.Request) {
		return func(r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			f, _ := url.ParseQuery(string(b))
			f.Del(name)
			enc := f.Encode()
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(enc)), int64(len(enc))
		}
	}
	setQuery := func(k, val string) func(*http.Request) {
		return func(r *http.Request) { q := r.URL.Query(); q.Set(k, val); r.URL.RawQuery = q.Encode() }
	}
	tests := []struct {
		name     string
		req      *http.Request
		openapi  bool   // plain OpenAPI (openapi3filter, apiKeys at their OpenAPI place) refuses it
		pointer  string // what specfacts.ValidateRequest names
		positive bool   // a good request: nobody refuses it
	}{
		{"good POST v1 (form body)", cellRequest(t, base, v, "POST", protocol.SignatureV1, "JSON", nil), false, "", true},
		{"GET v1 without JobId", cellRequest(t, base, noJob, "GET", protocol.SignatureV1, "JSON", nil), true, "query/JobId", false},
		{"POST v1 without JobId", cellRequest(t, base, noJob, "POST", protocol.SignatureV1, "JSON", nil), false, "query/JobId", false},
		{"POST v1 without Signature", cellRequest(t, base, v, "POST", protocol.SignatureV1, "JSON", dropForm("Signature")), false, "security", false},
		{"GET v3 without x-acs-action", cellRequest(t, base, v, "GET", protocol.SignatureV3, "JSON", dropHeader("x-acs-action")), false, "query/Action", false},
		{"GET v3 without Authorization", cellRequest(t, base, v, "GET", protocol.SignatureV3, "JSON", dropHeader("Authorization")), true, "security", false},
		{"GET v1 Format=YAML", cellRequest(t, base, v, "GET", protocol.SignatureV1, "JSON", setQuery("Format", "YAML")), true, "query/Format", false},
		{"GET v3 bad x-acs-date", cellRequest(t, base, v, "GET", protocol.SignatureV3, "JSON", func(r *http.Request) { r.Header.Set("x-acs-date", "yesterday") }), true, "header/x-acs-date", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := openapi3filter.ValidateRequest(context.Background(), filterInput(t, tt.req, anyToolAuth))
			if (err != nil) != tt.openapi {
				t.Errorf("openapi3filter: err = %v, want refused: %v", err, tt.openapi)
			}
			err = specfacts.ValidateRequest(context.Background(), spec.Default(), tt.req)
			if tt.positive {
				if err != nil {
					t.Errorf("specfacts.ValidateRequest: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.pointer+": ") {
				t.Errorf("specfacts.ValidateRequest: err = %v, want a finding at %s", err, tt.pointer)
			}
		})
	}
	t.Run("answer with a lower-case RequestId", func(t *testing.T) {
		in := filterInput(t, cellRequest(t, base, v, "GET", protocol.SignatureV1, "JSON", nil), anyToolAuth)
		rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: 200,
			Header: http.Header{"Content-Type": {"application/json;charset=utf-8"}}, Options: in.Options}
		rin.SetBodyBytes([]byte(`{"JobId":"j-1","RequestId":"0000003b-0e1a-586a-ac29-742247000000"}`))
		if err := openapi3filter.ValidateResponse(context.Background(), rin); err == nil {
			t.Error("openapi3filter accepts a lower-case RequestId")
		}
	})
}

// ValidateRequest leaves the request as it found it: the body re-readable, the query unchanged
// (openapi3filter would add Format's default to it).
func TestValidateRequestLeavesTheRequest(t *testing.T) {
	v := states.Values{"AccessKeyId": "LTAI5tControl", "AccessKeySecret": "control-secret", "ClusterId": "c-1", "JobId": "j-1"}
	req := cellRequest(t, "http://127.0.0.1:1", v, "POST", protocol.SignatureV1, "", func(r *http.Request) { r.URL.RawQuery = "RegionId=cn-shanghai" })
	body := readAll(t, req)
	if err := specfacts.ValidateRequest(context.Background(), spec.Default(), req); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, req); !bytes.Equal(got, body) || req.URL.RawQuery != "RegionId=cn-shanghai" {
		t.Errorf("body %q (was %q), query %q", got, body, req.URL.RawQuery)
	}
}

// Placements: what the document says about where the required parameters may be.
func TestPlacements(t *testing.T) {
	want := map[string]string{
		"GET":  "Action:[query header]x-acs-action Version:[query header]x-acs-version ClusterId:[query] JobId:[query]",
		"POST": "Action:[query form header]x-acs-action Version:[query form header]x-acs-version ClusterId:[query form] JobId:[query form]",
	}
	for method, w := range want {
		var parts []string
		for _, p := range specfacts.Placements(spec.Default(), method) {
			parts = append(parts, fmt.Sprintf("%s:%v%s", p.Name, p.In, p.Header))
		}
		if got := strings.Join(parts, " "); got != w {
			t.Errorf("%s: %s, want %s", method, got, w)
		}
	}
}

// Check finds a wire extension that names a place the operation does not have.
func TestCheckWireExtensions(t *testing.T) {
	doc := string(spec.Default().YAML())
	tests := []struct{ name, old, new, pointer string }{
		{"unknown place", "x-edgeconform-required-in: [query, form]\n", "x-edgeconform-required-in: [query, body]\n",
			"/paths/~1/post/parameters/12/x-edgeconform-required-in"},
		{"header nobody carries", "          x-edgeconform-param: Action\n", "",
			"/paths/~1/get/parameters/0/x-edgeconform-required-in"},
		{"required in several places", "required: false\n          description: 'The ID of the data center. Required in one of",
			"required: true\n          description: 'The ID of the data center. Required in one of", "/paths/~1/post/parameters/12/required"},
		{"scheme place", "x-edgeconform-in: [query, form]", "x-edgeconform-in: [form, cookie]", "/components/securitySchemes/SignatureV1/x-edgeconform-in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(doc, tt.old) {
				t.Fatalf("document has no %q", tt.old)
			}
			problems := specfacts.Check([]byte(strings.Replace(doc, tt.old, tt.new, 1)))
			var ptrs []string
			for _, p := range problems {
				ptrs = append(ptrs, p.Pointer)
			}
			if !slices.Contains(ptrs, tt.pointer) {
				t.Errorf("problems %v, want one at %s", problems, tt.pointer)
			}
		})
	}
}
