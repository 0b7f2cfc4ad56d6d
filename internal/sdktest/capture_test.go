package sdktest

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/live"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/mock/world"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

// The raw HTTP requests the official SDKs send, in every mode they have (GET/POST, V1/V3, JSON/XML),
// are committed to the main module as spec/testdata/sdk-requests/*.http, where a test validates
// them against spec/openapi.yaml with openapi3filter and replays them to the reference
// implementation. This test keeps them honest: it captures what the SDKs send now and compares it
// with the files, values that change on every call (nonce, time, signature, port, User-Agent)
// aside. `go test -run TestSDKRequestFixtures -update-sdk-requests` rewrites them.
var updateSDKRequests = flag.Bool("update-sdk-requests", false, "rewrite spec/testdata/sdk-requests from the SDKs' requests")

const sdkRequestsDir = "../../spec/testdata/sdk-requests"

// sdkMode is one way an SDK calls StartEdgeTranscodeJob.
type sdkMode struct {
	name string
	call func(t *testing.T, baseURL string, v states.Values)
}

func sdkModes() []sdkMode {
	var modes []sdkMode
	for _, method := range []string{"GET", "POST"} {
		for _, format := range []string{"JSON", "XML"} {
			modes = append(modes, sdkMode{"older-v1-" + method + "-" + format, func(t *testing.T, baseURL string, v states.Values) {
				c, err := live.NewClientWithAccessKey("cn-shanghai", v["AccessKeyId"], v["AccessKeySecret"])
				if err != nil {
					t.Fatal(err)
				}
				req := live.CreateStartEdgeTranscodeJobRequest()
				req.Scheme, req.Domain, req.Method, req.AcceptFormat = "http", host(baseURL), method, format
				req.ClusterId, req.JobId = v["ClusterId"], v["JobId"]
				c.StartEdgeTranscodeJob(req) // the answer is canned: only the request matters
			}})
		}
	}
	for _, alg := range []struct{ name, algorithm string }{{"v3", ""}, {"v1", "v2"}} {
		for _, method := range []string{"GET", "POST"} {
			modes = append(modes, sdkMode{"newer-" + alg.name + "-" + method, func(t *testing.T, baseURL string, v states.Values) {
				c := newerSDK(t, baseURL, protocol.Credentials{AccessKeyID: v["AccessKeyId"], AccessKeySecret: v["AccessKeySecret"]}, alg.algorithm)
				query := map[string]interface{}{"ClusterId": v["ClusterId"], "JobId": v["JobId"], "RegionId": "cn-shanghai"}
				c.CallApi(rpcParams(method), &openapiutil.OpenApiRequest{Query: openapiutil.Query(query)}, &dara.RuntimeOptions{})
			}})
		}
	}
	return modes
}

// captureRaw runs call against a loopback server that answers every call with a canned success
// and returns the request as it arrived, byte for byte (httputil.DumpRequest).
func captureRaw(t *testing.T, call func(baseURL string)) []byte {
	t.Helper()
	ch := make(chan []byte, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := httputil.DumpRequest(r, true)
		if err != nil {
			raw = nil
		}
		ch <- raw
		w.Header().Set("Content-Type", spec.Default().ContentType("JSON"))
		w.Write([]byte(`{"JobId":"j-1","RequestId":"3B5B2C6A-0E1A-586A-AC29-742247000000"}`))
	}))
	defer srv.Close()
	call(srv.URL)
	select {
	case raw := <-ch:
		if raw == nil {
			t.Fatal("could not dump the request")
		}
		if len(ch) > 0 {
			t.Fatal("the SDK sent more than one request (a retry?)")
		}
		return raw
	default:
		t.Fatal("the SDK sent no request")
		return nil
	}
}

// referenceValues are the reference world's values for its first stopped job (the first account
// of fixtures/world.yaml, its first key and cluster), fixed so that the captured requests stay the
// same and the main module can replay them to the reference implementation. (The shipped profile
// hands out a fresh pool account at each use: no good for a byte-for-byte capture.)
func referenceValues(t *testing.T) states.Values {
	t.Helper()
	w, err := world.Default()
	if err != nil {
		t.Fatal(err)
	}
	a := w.Accounts[0]
	for _, c := range a.Clusters {
		for _, j := range c.Jobs {
			if j.State == world.Stopped && j.Fault == "" && c.Fault == "" {
				return states.Values{arrange.AccessKeyID: a.Keys[0].ID, arrange.AccessKeySecret: a.Keys[0].Secret, arrange.ClusterID: c.ID, arrange.JobID: j.ID}
			}
		}
	}
	t.Fatal("the reference world's first account has no stopped job")
	return nil
}

func TestSDKRequestFixtures(t *testing.T) {
	v := referenceValues(t)
	modes := sdkModes()
	var names []string
	for _, m := range modes {
		names = append(names, m.name+".http")
		t.Run(m.name, func(t *testing.T) {
			raw := captureRaw(t, func(baseURL string) { m.call(t, baseURL, v) })
			path := filepath.Join(sdkRequestsDir, m.name+".http")
			if *updateSDKRequests {
				if err := os.WriteFile(path, raw, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			committed, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run: go test -run TestSDKRequestFixtures -update-sdk-requests)", err)
			}
			got, want := requestShape(t, raw), requestShape(t, committed)
			if got != want {
				t.Errorf("the SDK's request differs from %s (run: go test -run TestSDKRequestFixtures -update-sdk-requests):\n now:\n%s\n committed:\n%s", path, got, want)
			}
		})
	}
	// No stale file: every fixture is a mode this test captures.
	entries, err := os.ReadDir(sdkRequestsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".http") && !slices.Contains(names, e.Name()) {
			t.Errorf("%s/%s is no mode this test captures: remove it", sdkRequestsDir, e.Name())
		}
	}
}

// volatile are the values that differ on every call or every machine; their presence counts,
// their value does not. An Authorization value keeps its Credential and SignedHeaders.
var volatile = map[string]bool{
	"Timestamp": true, "SignatureNonce": true, "Signature": true,
	"Host": true, "User-Agent": true, "Content-Length": true, "X-Acs-Date": true, "X-Acs-Signature-Nonce": true,
}

// requestShape renders a raw request as lines that do not change between two calls of the same
// SDK mode: the request line's method and path, the query, form and header names, and the values
// that are not volatile.
func requestShape(t *testing.T, raw []byte) string {
	t.Helper()
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("not an HTTP request: %v", err)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{req.Method + " " + req.URL.Path}
	values := func(kind string, vs url.Values) {
		for _, k := range sortedKeys(vs) {
			for _, val := range vs[k] {
				if volatile[k] {
					val = "<volatile>"
				}
				lines = append(lines, fmt.Sprintf("%s %s=%q", kind, k, val))
			}
		}
	}
	values("query", req.URL.Query())
	if len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			t.Fatalf("body is not a form: %v", err)
		}
		values("form", form)
	}
	h := url.Values(req.Header.Clone())
	h.Set("Host", req.Host)
	if a := h.Get("Authorization"); a != "" {
		a, _, _ = strings.Cut(a, ",Signature=")
		h.Set("Authorization", a)
	}
	values("header", h)
	return strings.Join(lines, "\n")
}

func sortedKeys(v url.Values) []string {
	ks := keys(v)
	slices.Sort(ks)
	return ks
}

// The captured requests are what an SDK sends today: a second capture of a mode has the same shape
// (the comparison is not blind), and a request with another parameter does not.
func TestRequestShapeControls(t *testing.T) {
	v := referenceValues(t)
	m := sdkModes()[0]
	a := requestShape(t, captureRaw(t, func(u string) { m.call(t, u, v) }))
	b := requestShape(t, captureRaw(t, func(u string) { m.call(t, u, v) }))
	if a != b {
		t.Fatalf("two calls of %s differ in shape:\n%s\n---\n%s", m.name, a, b)
	}
	other := maps.Clone(v)
	other["JobId"] += "0"
	c := requestShape(t, captureRaw(t, func(u string) { m.call(t, u, other) }))
	if c == a {
		t.Fatal("a request with another JobId has the same shape")
	}
}
