package mock

import (
	"crypto/hmac"
	"net/url"
	"time"

	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// effects are the defects of what a call does to the world and of who may do it (the tamper/,
// effects/, concurrent/ and isolation/ cases of suites/contract, and the admin token): each answer
// may look right while the call was let in, or changed the world, when it should not have.
type effects struct {
	v1CommonOnly          bool
	payloadHashTrusted    bool
	workBeforeThrottle    bool
	startBeforeParamCheck bool
	checkThenMarkRace     bool
	jobsShared            bool
	adminOpen             bool
}

// The effect defects.
var (
	// V1SignatureCommonOnly checks a V1 signature over the common parameters only: which job the
	// caller signed for is not checked, so a call signed for one of its jobs and then given another
	// JobId (or ClusterId) is accepted as the changed call. (A server can recompute a signature only
	// over values it knows: it tries the caller's own jobs.)
	V1SignatureCommonOnly = toggle("V1SignatureCommonOnly", func(d *defects) { d.v1CommonOnly = true })
	// PayloadHashTrusted takes the client's x-acs-content-sha256 instead of hashing the body: a V3
	// body changed after signing is accepted.
	PayloadHashTrusted = toggle("PayloadHashTrusted", func(d *defects) { d.payloadHashTrusted = true })
	// WorkBeforeThrottle does the work before it throttles: a throttled start still starts the job.
	WorkBeforeThrottle = toggle("WorkBeforeThrottle", func(d *defects) { d.workBeforeThrottle = true })
	// StartBeforeParamCheck starts the job a JobId names before it finds ClusterId missing: the
	// call is answered MissingParameter, and the job runs.
	StartBeforeParamCheck = toggle("StartBeforeParamCheck", func(d *defects) { d.startBeforeParamCheck = true })
	// CheckThenMarkRace checks "is the job running?" and marks it running in two steps, with
	// raceWindow between them: concurrent starts of one stopped job all succeed. A real race, not a
	// simulation.
	CheckThenMarkRace = toggle("CheckThenMarkRace", func(d *defects) { d.checkThenMarkRace = true })
	// JobsShared does not keep jobs apart by account: any account starts any job it names.
	JobsShared = toggle("JobsShared", func(d *defects) { d.jobsShared = true })
	// AdminOpen serves the provider-state endpoint without checking the admin token.
	AdminOpen = toggle("AdminOpen", func(d *defects) { d.adminOpen = true })
)

// effectDefects are the effect defects, in the catalogue of Defects.
func effectDefects() []Defect {
	return []Defect{V1SignatureCommonOnly, PayloadHashTrusted, WorkBeforeThrottle, StartBeforeParamCheck,
		CheckThenMarkRace, JobsShared, AdminOpen}
}

// raceWindow is how long CheckThenMarkRace waits between the check and the mark: long enough that
// starts sent together all pass the check, even on a loaded machine.
const raceWindow = 250 * time.Millisecond

// laxVerify returns verify as the signature defects weaken it for in, a call of the key keyID.
func (e *effects) laxVerify(verify func(string) bool, in *wire.Incoming, method string, st *store, keyID string) func(string) bool {
	if e.payloadHashTrusted {
		in.TrustPayloadHash()
	}
	if !e.v1CommonOnly || in.SignatureVersion != protocol.SignatureV1 {
		return verify
	}
	return func(secret string) bool {
		if verify(secret) {
			return true
		}
		params := url.Values{}
		for k, vs := range in.Params() {
			params[k] = vs
		}
		for _, cj := range st.jobsOf(keyID) {
			params.Set("ClusterId", cj.cluster)
			params.Set("JobId", cj.job)
			if hmac.Equal([]byte(wire.SignV1(method, params, secret)), []byte(in.Get("Signature"))) {
				return true
			}
		}
		return false
	}
}

// clusterJob names one job of an account.
type clusterJob struct{ cluster, job string }

// jobsOf lists the jobs of the account keyID belongs to.
func (s *store) jobsOf(keyID string) []clusterJob {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.keys[keyID]
	if !ok {
		return nil
	}
	var out []clusterJob
	for _, c := range k.account.clusters {
		for _, j := range c.jobs {
			out = append(out, clusterJob{c.id, j.id})
		}
	}
	return out
}

// startByJobID starts the stopped job jobID of keyID's account, whatever its cluster
// (StartBeforeParamCheck).
func (s *store) startByJobID(keyID, jobID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[keyID]
	j := s.jobs[jobID]
	if !ok || j == nil || j.cluster.account != k.account || j.running {
		return
	}
	j.running = true
	k.account.running++
}
