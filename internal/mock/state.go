package mock

import (
	"container/list"
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edgeconform/edgeconform/internal/mock/world"
	"github.com/edgeconform/edgeconform/internal/specfacts"
)

// store is the running world: who holds which key, which jobs run, what quota is left. One mutex:
// every operation on it is a few map look-ups.
type store struct {
	mu       sync.RWMutex // read-locked by lookup's common case (a known key), the one use on every call
	action   string       // the RAM action a key needs, from spec
	keys     map[string]*key
	accounts map[string]*account
	clusters map[string]*cluster
	jobs     map[string]*job

	// Accounts created by provider-state setups and pools, oldest first, so that the oldest is
	// freed when more than max are alive.
	created *list.List
	max     int
	serials uint64 // the last key serial handed out
	pools   []world.Pool
}

type account struct {
	id        string
	taskLimit int // < 0: no limit
	quota     int // < 0: no limit
	running   int // jobs running now
	keys      []*key
	clusters  []*cluster
	elem      *list.Element // in store.created; nil for accounts of the world file
}

type key struct {
	id, secret string
	serial     uint64 // unique per key for the server's life: the nonce store's name for it
	account    *account
	allowed    bool // RAM permission for the API's action
}

type cluster struct {
	id      string
	account *account
	fault   string
	jobs    []*job
}

type job struct {
	id      string
	cluster *cluster
	running bool
	fault   string
	// alreadyRunning is the detail of OperationDenied for this job, made on its first refusal:
	// a load run asks again and again to start the same running jobs.
	alreadyRunning string
}

func newStore(w *world.World, action string, maxAccounts int) *store {
	s := &store{
		action:   action,
		keys:     map[string]*key{},
		accounts: map[string]*account{},
		clusters: map[string]*cluster{},
		jobs:     map[string]*job{},
		created:  list.New(),
		max:      maxAccounts,
		pools:    w.Pools,
	}
	for _, wa := range w.Accounts {
		s.addAccount(wa)
	}
	return s
}

// addAccount indexes a world account; the caller holds mu (or owns s exclusively). Identifiers
// are unique: world.Validate checks files, and fresh ones are random.
func (s *store) addAccount(wa world.Account) *account {
	a := &account{id: wa.ID, taskLimit: limitOf(wa.TaskLimit), quota: limitOf(wa.Quota)}
	for _, wk := range wa.Keys {
		s.serials++
		k := &key{id: wk.ID, secret: wk.Secret, serial: s.serials, account: a, allowed: wk.Allows(s.action)}
		a.keys = append(a.keys, k)
		s.keys[k.id] = k
	}
	for _, wc := range wa.Clusters {
		c := &cluster{id: wc.ID, account: a, fault: wc.Fault}
		for _, wj := range wc.Jobs {
			j := &job{id: wj.ID, cluster: c, running: wj.State == world.Running, fault: wj.Fault}
			if j.running {
				a.running++
			}
			c.jobs = append(c.jobs, j)
			s.jobs[j.id] = j
		}
		a.clusters = append(a.clusters, c)
		s.clusters[c.id] = c
	}
	s.accounts[a.id] = a
	return a
}

func (s *store) removeAccount(a *account) {
	for _, k := range a.keys {
		delete(s.keys, k.id)
	}
	for _, c := range a.clusters {
		for _, j := range c.jobs {
			delete(s.jobs, j.id)
		}
		delete(s.clusters, c.id)
	}
	delete(s.accounts, a.id)
	if a.elem != nil {
		s.created.Remove(a.elem)
		a.elem = nil
	}
}

func limitOf(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

// credential is what the gateway needs of a key: its secret and its account.
type credential struct {
	keyID, secret, accountID string
	serial                   uint64
}

func (s *store) lookup(keyID string) (credential, bool) {
	// Read-locked: every call looks its key up; only a pool key's first call makes an account.
	s.mu.RLock()
	k, ok := s.keys[keyID]
	var c credential
	if ok {
		c = credential{keyID: k.id, secret: k.secret, accountID: k.account.id, serial: k.serial}
	}
	s.mu.RUnlock()
	if ok {
		return c, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok = s.keys[keyID]; !ok {
		if k, ok = s.fromPool(keyID); !ok {
			return credential{}, false
		}
	}
	return credential{keyID: k.id, secret: k.secret, accountID: k.account.id, serial: k.serial}, true
}

// fromPool makes the account of a pool that keyID names (world.Pool), on its first call; the
// caller holds mu. Pool accounts count among the created ones: the oldest go past max.
func (s *store) fromPool(keyID string) (*key, bool) {
	for _, p := range s.pools {
		wa, ok := p.Account(keyID)
		if !ok {
			continue
		}
		if s.accounts[wa.ID] != nil || s.clusters[wa.Clusters[0].ID] != nil || s.jobs[wa.Clusters[0].Jobs[0].ID] != nil {
			return nil, false // its ids are taken by the world file's
		}
		a := s.addAccount(wa)
		a.elem = s.created.PushBack(a)
		for s.max > 0 && s.created.Len() > s.max {
			s.removeAccount(s.created.Front().Value.(*account))
		}
		k, ok := s.keys[keyID]
		return k, ok
	}
	return nil, false
}

// outcome is the business answer to a start: a Code ("" for success) and the detail of its message.
type outcome struct {
	code, detail string
}

// The business checks, in this order (docs/mock-authors.md): Forbidden, JobNotFound,
// InternalError, OperationDenied, UserTaskExceed, UserQuotaExceed; then the job runs.
func (s *store) start(keyID, clusterID, jobID string, d *defects) outcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[keyID]
	if !ok { // freed between the gateway and here by a teardown
		return outcome{specfacts.CodeInvalidAccessKeyID, ""}
	}
	a := k.account
	if !k.allowed && !d.permissionIgnored {
		return outcome{specfacts.CodeForbidden, fmt.Sprintf("The RAM user is not authorized to perform %s", s.action)}
	}
	c := s.clusters[clusterID]
	j := s.jobs[jobID]
	if c == nil || c.account != a && !d.jobsShared || j == nil || j.cluster != c {
		return outcome{specfacts.CodeJobNotFound, "The job " + quote(clip(jobID)) + " does not exist in the cluster " + quote(clip(clusterID))}
	}
	if fault := firstNonEmpty(j.fault, c.fault); fault != "" && !d.faultIgnored {
		return outcome{specfacts.CodeInternalError, fault}
	}
	if j.running {
		if d.runningJobRestartable {
			return outcome{}
		}
		if j.alreadyRunning == "" {
			j.alreadyRunning = "The job " + quote(j.id) + " is already running"
		}
		return outcome{specfacts.CodeOperationDenied, j.alreadyRunning}
	}
	if a.taskLimit >= 0 && a.running >= a.taskLimit && !d.taskLimitIgnored {
		return outcome{specfacts.CodeUserTaskExceed, fmt.Sprintf("The account runs %d jobs, its limit", a.running)}
	}
	if a.quota == 0 && !d.quotaIgnored {
		return outcome{specfacts.CodeUserQuotaExceed, "the account has no edge transcoding starts left"}
	}
	if d.checkThenMarkRace {
		// The defect: another start of the job may pass the check above before this one marks it.
		s.mu.Unlock()
		time.Sleep(raceWindow)
		s.mu.Lock()
	}
	j.running = true
	a.running++
	if a.quota > 0 {
		a.quota--
	}
	return outcome{}
}

// fresh describes an account a provider-state setup creates.
type fresh struct {
	taskLimit, quota int  // < 0: no limit
	denied           bool // the key lacks the RAM permission
	running          bool // the job returned runs already
	busy             int  // other jobs running already
	fault            string
	secondKey        bool // AccessKeyId2 / AccessKeySecret2
	secondKeyAllowed bool // ... and that second key holds the RAM permission whatever denied says
	noJob            bool // JobId names a job that does not exist
}

// create adds a fresh account and returns the values of docs/protocol.md#provider-states.
func (s *store) create(f fresh) map[string]string {
	wa := world.Account{ID: "1" + randDigits(15), TaskLimit: intp(f.taskLimit), Quota: intp(f.quota)}
	perms := []string{s.action}
	if f.denied {
		perms = []string{"live:DescribeLiveEdgeTranscodeJob"}
	}
	wa.Keys = append(wa.Keys, world.Key{ID: newKeyID(), Secret: randAlnum(30), Permissions: perms})
	if f.secondKey {
		perms2 := perms
		if f.secondKeyAllowed {
			perms2 = []string{s.action}
		}
		wa.Keys = append(wa.Keys, world.Key{ID: newKeyID(), Secret: randAlnum(30), Permissions: perms2})
	}
	state := world.Stopped
	if f.running {
		state = world.Running
	}
	target := world.Job{ID: randHex(32), State: state, Fault: f.fault}
	wc := world.Cluster{ID: newClusterID()}
	for range f.busy {
		wc.Jobs = append(wc.Jobs, world.Job{ID: randHex(32), State: world.Running})
	}
	if !f.noJob {
		wc.Jobs = append(wc.Jobs, target)
	}
	wa.Clusters = []world.Cluster{wc}

	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.addAccount(wa)
	a.elem = s.created.PushBack(a)
	for s.max > 0 && s.created.Len() > s.max {
		s.removeAccount(s.created.Front().Value.(*account))
	}
	v := map[string]string{
		"AccessKeyId":     wa.Keys[0].ID,
		"AccessKeySecret": wa.Keys[0].Secret,
		"ClusterId":       wc.ID,
		"JobId":           target.ID,
	}
	if f.secondKey {
		v["AccessKeyId2"] = wa.Keys[1].ID
		v["AccessKeySecret2"] = wa.Keys[1].Secret
	}
	return v
}

// free removes the account a setup created for keyID; accounts of the world file stay.
func (s *store) free(keyID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[keyID]
	if !ok || k.account.elem == nil {
		return false
	}
	s.removeAccount(k.account)
	return true
}

// created is how many setup-created accounts are alive.
func (s *store) live() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.created.Len()
}

func intp(n int) *int {
	if n < 0 {
		return nil
	}
	return &n
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// clip keeps caller-supplied text in messages short.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// Fresh identifiers, shaped like the cloud's.
const (
	alnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	hexLow = "0123456789abcdef"
	digits = "0123456789"
)

func randFrom(alphabet string, n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func randAlnum(n int) string  { return randFrom(alnum, n) }
func randHex(n int) string    { return randFrom(hexLow, n) }
func randDigits(n int) string { return randFrom(digits, n) }
func newKeyID() string        { return "LTAI5t" + randAlnum(18) }

func newClusterID() string {
	h := randHex(32)
	return strings.Join([]string{h[:8], h[8:12], h[12:16], h[16:20], h[20:]}, "-")
}

// quote is strconv.Quote, without its rune-by-rune walk for the plain identifiers of most calls.
func quote(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return strconv.Quote(s)
		}
	}
	return `"` + s + `"`
}
