package mock

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/spec/protocol"
)

// The probes of the effect defects (defect_effects.go): what a call does to the world, who may do it.
func init() {
	probes["V1SignatureCommonOnly"] = probe{run: func(e *env) error {
		call := start(refCluster, runningJob)
		call.Tamper = func(r *http.Request) { r.URL.RawQuery = strings.Replace(r.URL.RawQuery, runningJob, "nosuch", 1) }
		return want(e.do(refKey, call), http.StatusBadRequest, "SignatureDoesNotMatch")
	}}
	probes["PayloadHashTrusted"] = probe{run: func(e *env) error {
		call := start(refCluster, runningJob)
		call.Method, call.Signature, call.FormBody = http.MethodPost, protocol.SignatureV3, true
		call.Tamper = func(r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			body := strings.Replace(string(b), runningJob, "nosuch", 1)
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
		}
		return want(e.do(refKey, call), http.StatusBadRequest, "SignatureDoesNotMatch")
	}}
	probes["WorkBeforeThrottle"] = probe{opts: []Option{perMinute(1)}, run: func(e *env) error {
		e.do(refKey, start(refCluster, "nosuch"))
		if err := want(e.do(refKey, start(refCluster, stoppedJob)), http.StatusBadRequest, "Throttling.User"); err != nil {
			return err
		}
		e.clock.Advance(time.Minute)
		return want(e.do(refKey, start(refCluster, stoppedJob)), http.StatusOK, "")
	}}
	probes["StartBeforeParamCheck"] = probe{run: func(e *env) error {
		if err := want(e.do(refKey, start("", stoppedJob)), http.StatusBadRequest, "MissingParameter"); err != nil {
			return err
		}
		return want(e.do(refKey, start(refCluster, stoppedJob)), http.StatusOK, "")
	}}
	probes["CheckThenMarkRace"] = probe{run: func(e *env) error {
		const k = 4
		reqs := make([]*http.Request, k)
		for i := range reqs {
			call := start(refCluster, stoppedJob)
			call.Action, call.Version, call.Time = "StartEdgeTranscodeJob", "2016-11-01", e.clock.Now()
			req, err := protocol.NewRequest(e.t.Context(), e.ts.URL, refKey, call)
			if err != nil {
				return err
			}
			reqs[i] = req
		}
		var wg sync.WaitGroup
		codes := make([]int, k)
		for i, req := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					codes[i] = resp.StatusCode
				}
			}()
		}
		wg.Wait()
		if n := strings.Count(fmt.Sprint(codes), "200"); n != 1 {
			return fmt.Errorf("%d concurrent starts of one stopped job answered %v: %d successes, want 1", k, codes, n)
		}
		return nil
	}}
	probes["JobsShared"] = probe{run: func(e *env) error {
		return want(e.do(throttleKey, start(refCluster, stoppedJob)), http.StatusNotFound, "JobNotFound")
	}}
	probes["AdminOpen"] = probe{opts: []Option{WithAdminToken("s3cret-admin")}, run: func(e *env) error {
		w := httptest.NewRecorder()
		e.srv.Admin().ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"state":"a stopped job exists"}`)))
		if w.Code != http.StatusUnauthorized {
			return fmt.Errorf("a state change without the admin token answered %d, want 401", w.Code)
		}
		return nil
	}}
}

// The admin token: without it, or with another, every admin call is 401; with it, the call is
// served. Start refuses a non-loopback admin address without one.
func TestAdminToken(t *testing.T) {
	srv, err := New(nil, WithAdminToken("s3cret-admin"))
	if err != nil {
		t.Fatal(err)
	}
	body := `{"state":"a stopped job exists","action":"setup"}`
	for _, tc := range []struct {
		name, auth, method string
		want               int
	}{
		{"none", "", http.MethodPost, 401},
		{"wrong", "Bearer s3cret-admiN", http.MethodPost, 401},
		{"prefix", "Bearer s3cret", http.MethodPost, 401},
		{"basic", "Basic s3cret-admin", http.MethodPost, 401},
		{"GET without", "", http.MethodGet, 401},
		{"right", "Bearer s3cret-admin", http.MethodPost, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "/", strings.NewReader(body))
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			w := httptest.NewRecorder()
			srv.Admin().ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Errorf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
			if tc.want == 401 && (strings.Contains(w.Body.String(), "AccessKeySecret") || w.Header().Get("WWW-Authenticate") == "") {
				t.Errorf("a refused call: %v %s", w.Header(), w.Body)
			}
		})
	}
	if _, err := Start(t.Context(), WithAddrs("127.0.0.1:0", "0.0.0.0:0")); err == nil {
		t.Error("Start served the admin endpoint on 0.0.0.0 without a token")
	}
	r, err := Start(t.Context(), WithAddrs("127.0.0.1:0", "0.0.0.0:0"), WithAdminToken("s3cret-admin"))
	if err != nil {
		t.Fatalf("with a token: %v", err)
	}
	r.Close()
}

// The extra values a case may ask of a state (params.need): a second key allowed to start the
// job of "the caller lacks permission", a key of another account beside "a stopped job exists".
// Asked of another state, or not asked, they are not given.
func TestAdminNeeds(t *testing.T) {
	e := newEnv(t)
	admin := httptest.NewServer(e.srv.Admin())
	defer admin.Close()
	ask := func(state, need string) map[string]string {
		b, _ := json.Marshal(map[string]any{"state": state, "params": map[string]any{"need": need}, "action": "setup"})
		status, v := stateChange(t, admin, string(b))
		if status != http.StatusOK {
			t.Fatalf("setup %q need %q: %d %v", state, need, status, v)
		}
		return v
	}
	creds := func(v map[string]string, suffix, prefix string) protocol.Credentials {
		return protocol.Credentials{AccessKeyID: v[prefix+"AccessKeyId"+suffix], AccessKeySecret: v[prefix+"AccessKeySecret"+suffix]}
	}

	v := ask("the caller lacks permission", "AccessKeyId2,AccessKeySecret2")
	e.do(creds(v, "", ""), start(v["ClusterId"], v["JobId"])).expect(t, http.StatusForbidden, "Forbidden")
	e.do(creds(v, "2", ""), start(v["ClusterId"], v["JobId"])).expect(t, http.StatusOK, "")

	v = ask("a stopped job exists", "OtherAccessKeyId,OtherAccessKeySecret")
	e.do(creds(v, "", "Other"), start(v["ClusterId"], v["JobId"])).expect(t, http.StatusNotFound, "JobNotFound")
	e.do(creds(v, "", ""), start(v["ClusterId"], v["JobId"])).expect(t, http.StatusOK, "")
	teardown(t, admin, "a stopped job exists", v)
	if _, ok := e.srv.store.lookup(v["OtherAccessKeyId"]); ok {
		t.Error("teardown left the other account")
	}

	for _, tc := range []struct{ state, need string }{
		{"a running job exists", "OtherAccessKeyId,AccessKeyId2"}, {"a stopped job exists", ""}, {"the caller lacks permission", ""},
	} {
		if v := ask(tc.state, tc.need); v["OtherAccessKeyId"] != "" || v["AccessKeyId2"] != "" {
			t.Errorf("%s, need %q: values it was not asked for: %v", tc.state, tc.need, v)
		}
	}
}
