package mock

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/edgeconform/edgeconform/spec"
)

// Admin returns the provider-state handler of docs/protocol.md#provider-states (Pact's state-change protocol):
// POST {"state", "params", "action": "setup"|"teardown"}. Every setup creates a fresh account
// (keys, cluster, job) arranged for the state, so cases never share anything, and answers 200
// with the values as a JSON object of strings (or, asked for params.count N, {"batch": [N such
// objects]}); teardown frees what its params name. An unknown state answers 501. Serve it on its own listener, never beside the API.
func (s *Server) Admin() http.Handler { return http.HandlerFunc(s.serveAdmin) }

// stateRequest is the body of a state change. Params are any JSON in Pact; only strings matter here.
type stateRequest struct {
	State  string         `json:"state"`
	Params map[string]any `json:"params"`
	Action string         `json:"action"`
}

// maxAdminBody bounds a state-change body.
const maxAdminBody = 64 << 10

// setups arranges each state of docs/protocol.md#provider-states with a fresh account.
var setups = map[string]fresh{
	// A second start must meet OperationDenied, not the task limit: room for more.
	spec.StateStoppedJob:     {taskLimit: 10, quota: -1},
	spec.StateRunningJob:     {taskLimit: 10, quota: -1, running: true},
	spec.StateNoSuchJob:      {taskLimit: 10, quota: -1, noJob: true},
	spec.StateNoPermission:   {taskLimit: 10, quota: -1, denied: true},
	spec.StateTaskLimit:      {taskLimit: 1, quota: -1, busy: 1},
	spec.StateQuotaExhausted: {taskLimit: 10, quota: 0},
	spec.StateInternalFault:  {taskLimit: 10, quota: -1, fault: "the edge node of the cluster did not answer"},
	spec.StateFreshAccount:   {taskLimit: -1, quota: -1, secondKey: true},
}

// States lists the provider states the admin handler supports.
func States() []string {
	out := make([]string, 0, len(setups))
	for _, st := range spec.Default().States() {
		if _, ok := setups[st.Name]; ok {
			out = append(out, st.Name)
		}
	}
	return out
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if s.adminToken != "" && !s.d.adminOpen && !bearer(r, s.adminToken) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="edgeconform provider states"`)
		adminError(w, http.StatusUnauthorized, "a provider-state change needs the admin token: Authorization: Bearer <token>")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		adminError(w, http.StatusMethodNotAllowed, "POST a state change: {\"state\", \"params\", \"action\"}")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			adminError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", maxAdminBody))
			return
		}
		adminError(w, http.StatusBadRequest, "reading the body failed")
		return
	}
	var req stateRequest
	if err := json.Unmarshal(body, &req); err != nil {
		adminError(w, http.StatusBadRequest, "the body is not a JSON state change: "+clip(err.Error()))
		return
	}
	f, ok := setups[req.State]
	if !ok {
		adminError(w, http.StatusNotImplemented, fmt.Sprintf("unsupported provider state %q", clip(req.State)))
		return
	}
	switch req.Action {
	case "", "setup": // Pact's default action is setup
		n, batch, err := batchCount(req.Params)
		if err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		f, extra := withNeeds(req.State, f, req.Params)
		if !batch {
			s.adminLog("setup", req.State)
			adminJSON(w, http.StatusOK, s.setup(req.State, f, extra))
			return
		}
		out := make([]map[string]string, n)
		for i := range out {
			out[i] = s.setup(req.State, f, extra)
		}
		s.adminLog(fmt.Sprintf("setup ×%d", n), req.State)
		adminJSON(w, http.StatusOK, map[string]any{"batch": out})
	case "teardown":
		// Only accounts that setups created are freed; the world file's stay.
		for _, name := range []string{"AccessKeyId", "AccessKeyId2", "OtherAccessKeyId"} {
			if id, ok := req.Params[name].(string); ok {
				s.store.free(id)
			}
		}
		s.adminLog("teardown", req.State)
		adminJSON(w, http.StatusOK, map[string]string{})
	default:
		adminError(w, http.StatusBadRequest, fmt.Sprintf("unknown action %q (want setup or teardown)", clip(req.Action)))
	}
}

// setup arranges one instance of state; otherAccount adds the keys of another account
// (OtherAccessKeyId, OtherAccessKeySecret).
func (s *Server) setup(state string, f fresh, otherAccount bool) map[string]string {
	v := s.store.create(f)
	if state == spec.StateNoSuchJob {
		v["JobId"] = randHex(32) // an id no job has
	}
	if otherAccount {
		o := s.store.create(fresh{taskLimit: 10, quota: -1})
		v["OtherAccessKeyId"], v["OtherAccessKeySecret"] = o["AccessKeyId"], o["AccessKeySecret"]
	}
	return v
}

// withNeeds reads params.need, the extra values a case asks of a state (docs/protocol.md#provider-states):
// AccessKeyId2 of "the caller lacks permission" (a second key of the same account that holds the
// permission), OtherAccessKeyId of "a stopped job exists" (a key of another account). Values it
// cannot give are left out: the case is skipped.
func withNeeds(state string, f fresh, params map[string]any) (fresh, bool) {
	need, _ := params["need"].(string)
	other := false
	for n := range strings.SplitSeq(need, ",") {
		switch strings.TrimSpace(n) {
		case "AccessKeyId2", "AccessKeySecret2":
			if state == spec.StateNoPermission {
				f.secondKey, f.secondKeyAllowed = true, true
			}
		case "OtherAccessKeyId", "OtherAccessKeySecret":
			other = state == spec.StateStoppedJob
		}
	}
	return f, other
}

// bearer says whether r carries "Authorization: Bearer <token>", compared in constant time.
func bearer(r *http.Request, token string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

// MaxBatch bounds the count of a batch setup: {"params": {"count": "N"}} sets the state up N
// times and answers {"batch": [values, ...]} (docs/mock-authors.md). Load runs use it to keep a
// pool of fresh jobs ahead of a high rate; without count, the answer is Pact's single object.
const MaxBatch = 1000

// batchCount reads params.count (a string or a number), if present.
func batchCount(params map[string]any) (n int, batch bool, err error) {
	raw, ok := params["count"]
	if !ok {
		return 0, false, nil
	}
	switch v := raw.(type) {
	case string:
		n, err = strconv.Atoi(v)
	case float64:
		n = int(v)
		if float64(n) != v {
			err = errors.New("not an integer")
		}
	default:
		err = errors.New("not a number")
	}
	if err != nil || n < 1 || n > MaxBatch {
		return 0, false, fmt.Errorf("params.count must be an integer from 1 to %d", MaxBatch)
	}
	return n, true, nil
}

func (s *Server) adminLog(action, state string) {
	if s.log != nil {
		s.logf("%s admin %s %q", s.now().UTC().Format("2006-01-02T15:04:05Z"), action, state)
	}
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding failed"}`)
	}
	w.Header().Set("Content-Type", ContentTypeJSON)
	w.WriteHeader(status)
	w.Write(b)
}

func adminError(w http.ResponseWriter, status int, msg string) {
	adminJSON(w, status, map[string]string{"error": msg})
}
