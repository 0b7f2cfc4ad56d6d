package mock

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

func stateChange(t *testing.T, admin *httptest.Server, body string) (int, map[string]string) {
	t.Helper()
	resp, err := admin.Client().Post(admin.URL, "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != ContentTypeJSON {
		t.Errorf("admin Content-Type %q", ct)
	}
	var v map[string]string
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("admin answer %d is not a JSON object of strings: %v: %s", resp.StatusCode, err, b)
	}
	return resp.StatusCode, v
}

func setup(t *testing.T, admin *httptest.Server, state string) map[string]string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"state": state, "params": map[string]any{}, "action": "setup"})
	status, v := stateChange(t, admin, string(b))
	if status != http.StatusOK {
		t.Fatalf("setup %q: %d %v", state, status, v)
	}
	return v
}

func teardown(t *testing.T, admin *httptest.Server, state string, v map[string]string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"state": state, "params": v, "action": "teardown"})
	if status, ans := stateChange(t, admin, string(b)); status != http.StatusOK {
		t.Fatalf("teardown %q: %d %v", state, status, ans)
	}
}

// TestEveryStateGivesItsAnswer: every state of the spec is supported, and its values lead to the
// status and code the spec expects.
func TestEveryStateGivesItsAnswer(t *testing.T) {
	e := newEnv(t)
	admin := httptest.NewServer(e.srv.Admin())
	defer admin.Close()
	states := spec.Default().States()
	if len(States()) != len(states) {
		t.Errorf("States() = %v, want all %d of the spec", States(), len(states))
	}
	for _, st := range states {
		t.Run(st.Name, func(t *testing.T) {
			v := setup(t, admin, st.Name)
			for _, k := range []string{"AccessKeyId", "AccessKeySecret", "ClusterId", "JobId"} {
				if v[k] == "" {
					t.Errorf("setup gave no %s: %v", k, v)
				}
			}
			creds := protocol.Credentials{AccessKeyID: v["AccessKeyId"], AccessKeySecret: v["AccessKeySecret"]}
			r := e.do(creds, start(v["ClusterId"], v["JobId"]))
			code := st.Code
			if code == spec.CodeOK {
				code = ""
			}
			r.expect(t, st.Status, code)
			if code == "" && r.jobID != v["JobId"] {
				t.Errorf("JobId %q, want %q", r.jobID, v["JobId"])
			}
			if st.Name == spec.StateStoppedJob {
				e.do(creds, start(v["ClusterId"], v["JobId"])).expect(t, http.StatusForbidden, "OperationDenied")
			}
			if st.Name == spec.StateFreshAccount {
				if v["AccessKeyId2"] == "" || v["AccessKeySecret2"] == "" {
					t.Fatalf("fresh account without a second key: %v", v)
				}
				c2 := protocol.Credentials{AccessKeyID: v["AccessKeyId2"], AccessKeySecret: v["AccessKeySecret2"]}
				e.do(c2, start(v["ClusterId"], v["JobId"])).expect(t, http.StatusForbidden, "OperationDenied")
			}
			teardown(t, admin, st.Name, v)
			e.do(creds, start(v["ClusterId"], v["JobId"])).expect(t, http.StatusNotFound, "InvalidAccessKeyId.NotFound")
		})
	}
}

func TestFreshAccountsNeverShare(t *testing.T) {
	e := newEnv(t, WithRateLimit(spec.RateLimit{Calls: 1, Window: 1e12}))
	admin := httptest.NewServer(e.srv.Admin())
	defer admin.Close()
	seen := map[string]bool{}
	for range 20 {
		v := setup(t, admin, spec.StateFreshAccount)
		for _, k := range []string{"AccessKeyId", "AccessKeyId2", "ClusterId", "JobId"} {
			if seen[v[k]] {
				t.Fatalf("%s %s given twice", k, v[k])
			}
			seen[v[k]] = true
		}
		// Each fresh account has its own (here: one-call) budget.
		creds := protocol.Credentials{AccessKeyID: v["AccessKeyId"], AccessKeySecret: v["AccessKeySecret"]}
		e.do(creds, start(v["ClusterId"], v["JobId"])).expect(t, http.StatusOK, "")
		c2 := protocol.Credentials{AccessKeyID: v["AccessKeyId2"], AccessKeySecret: v["AccessKeySecret2"]}
		e.do(c2, start(v["ClusterId"], v["JobId"])).expect(t, http.StatusBadRequest, "Throttling.User")
	}
}

func TestAdminBadRequests(t *testing.T) {
	e := newEnv(t)
	admin := httptest.NewServer(e.srv.Admin())
	defer admin.Close()
	for _, tc := range []struct {
		body   string
		status int
	}{
		{`{"state":"a job is on fire","action":"setup"}`, http.StatusNotImplemented},
		{`{"state":"a job is on fire","action":"teardown"}`, http.StatusNotImplemented},
		{`not json`, http.StatusBadRequest},
		{`{"state":"a stopped job exists","action":"explode"}`, http.StatusBadRequest},
	} {
		status, v := stateChange(t, admin, tc.body)
		if status != tc.status || v["error"] == "" {
			t.Errorf("%s: %d %v, want %d with an error", tc.body, status, v, tc.status)
		}
	}
	// Pact's default action is setup.
	if status, v := stateChange(t, admin, `{"state":"a stopped job exists"}`); status != http.StatusOK || v["JobId"] == "" {
		t.Errorf("setup without action: %d %v", status, v)
	}
	resp, err := admin.Client().Get(admin.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", resp.StatusCode)
	}
	big := `{"state":"` + string(bytes.Repeat([]byte("x"), maxAdminBody)) + `"}`
	resp, err = admin.Client().Post(admin.URL, "application/json", bytes.NewBufferString(big))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized state change: %d, want 413", resp.StatusCode)
	}
}

func TestAdminMemoryBounded(t *testing.T) {
	e := newEnv(t, WithMaxAccounts(3))
	admin := httptest.NewServer(e.srv.Admin())
	defer admin.Close()
	var first map[string]string
	for i := range 10 {
		v := setup(t, admin, spec.StateStoppedJob)
		if i == 0 {
			first = v
		}
	}
	if got := e.srv.store.live(); got != 3 {
		t.Errorf("%d setup accounts alive, want 3", got)
	}
	creds := protocol.Credentials{AccessKeyID: first["AccessKeyId"], AccessKeySecret: first["AccessKeySecret"]}
	e.do(creds, start(first["ClusterId"], first["JobId"])).expect(t, http.StatusNotFound, "InvalidAccessKeyId.NotFound")
	// Teardown never frees the world file's accounts.
	teardown(t, admin, spec.StateStoppedJob, map[string]string{"AccessKeyId": refKey.AccessKeyID})
	e.do(refKey, start(refCluster, stoppedJob)).expect(t, http.StatusOK, "")
}

// TestConcurrentStateChanges: setups, calls and teardowns at once (run with -race); each case sees
// only its own account.
func TestConcurrentStateChanges(t *testing.T) {
	e := newEnv(t, WithMaxAccounts(1000))
	admin := httptest.NewServer(e.srv.Admin())
	defer admin.Close()
	states := spec.Default().States()
	done := make(chan struct{})
	for i := range 16 {
		go func() {
			defer func() { done <- struct{}{} }()
			st := states[i%len(states)]
			v := setup(t, admin, st.Name)
			creds := protocol.Credentials{AccessKeyID: v["AccessKeyId"], AccessKeySecret: v["AccessKeySecret"]}
			code := st.Code
			if code == spec.CodeOK {
				code = ""
			}
			e.do(creds, start(v["ClusterId"], v["JobId"])).expect(t, st.Status, code)
			teardown(t, admin, st.Name, v)
		}()
	}
	for range 16 {
		<-done
	}
	if n := e.srv.store.live(); n != 0 {
		t.Errorf("%d setup accounts alive after every teardown", n)
	}
}
