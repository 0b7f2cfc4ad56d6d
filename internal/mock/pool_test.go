package mock

import (
	"net/http"
	"testing"

	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// poolKey is a key of the reference world's "start" pool with token tok.
func poolKey(tok string) protocol.Credentials {
	return protocol.Credentials{AccessKeyID: "LTAI5tPoolStart" + tok, AccessKeySecret: "RefSecretPoolStart00000000001"}
}

// A pool account exists from its first call: its job is stopped until started; its second key
// belongs to it (a second start is refused, and the throttle counts both keys); another token is
// another account; a token out of bounds, or the pool's prefix alone, is no key.
func TestPoolAccounts(t *testing.T) {
	e := newEnv(t, WithRateLimit(spec.RateLimit{Calls: 3, Window: 60e9}))
	a := poolKey("0123456789abcdef")
	e.do(a, start("c0a8013b-pool-start-0123456789abcdef", "5f0e20b4-pool-start-0123456789abcdef")).expect(t, http.StatusOK, "")
	a2 := a
	a2.AccessKeyID += "-2"
	e.do(a2, start("c0a8013b-pool-start-0123456789abcdef", "5f0e20b4-pool-start-0123456789abcdef")).expect(t, http.StatusForbidden, "OperationDenied")
	e.do(a, start("c0a8013b-pool-start-0123456789abcdef", "5f0e20b4-pool-none-0123456789abcdef")).expect(t, http.StatusNotFound, "JobNotFound")
	// The account has made 3 calls: its fourth is throttled, another pool account's first is not.
	e.do(a2, start("c0a8013b-pool-start-0123456789abcdef", "x")).expect(t, http.StatusBadRequest, "Throttling.User")
	b := poolKey("fedcba9876543210")
	e.do(b, start("c0a8013b-pool-start-fedcba9876543210", "5f0e20b4-pool-start-fedcba9876543210")).expect(t, http.StatusOK, "")
	// Another account's job is not found for b.
	e.do(b, start("c0a8013b-pool-start-0123456789abcdef", "5f0e20b4-pool-start-0123456789abcdef")).expect(t, http.StatusNotFound, "JobNotFound")

	for _, bad := range []string{"", "short", "0123456789abcdef-3", "0123456789abcdef!", string(make([]byte, 65))} {
		k := poolKey(bad)
		e.do(k, start("c", "j")).expect(t, http.StatusNotFound, "InvalidAccessKeyId.NotFound")
	}
	// The pools' other kinds answer as their state says.
	for _, tc := range []struct {
		prefix, secret, kind string
		status               int
		code                 string
	}{
		{"LTAI5tPoolRunning", "RefSecretPoolRunning000000001", "running", http.StatusForbidden, "OperationDenied"},
		{"LTAI5tPoolReadOnly", "RefSecretPoolReadOnly00000001", "readonly", http.StatusForbidden, "Forbidden"},
		{"LTAI5tPoolBusy", "RefSecretPoolBusy000000000001", "busy", http.StatusBadRequest, "UserTaskExceed"},
		{"LTAI5tPoolNoQuota", "RefSecretPoolNoQuota000000001", "noquota", http.StatusForbidden, "UserQuotaExceed"},
		{"LTAI5tPoolFault", "RefSecretPoolFault00000000001", "fault", http.StatusInternalServerError, "InternalError"},
	} {
		k := protocol.Credentials{AccessKeyID: tc.prefix + "aaaaaaaa11111111", AccessKeySecret: tc.secret}
		e.do(k, start("c0a8013b-pool-"+tc.kind+"-aaaaaaaa11111111", "5f0e20b4-pool-"+tc.kind+"-aaaaaaaa11111111")).expect(t, tc.status, tc.code)
	}
}

// Pool accounts count among the created accounts: past the bound, the oldest go.
func TestPoolAccountsBounded(t *testing.T) {
	e := newEnv(t, WithMaxAccounts(3))
	for _, tok := range []string{"aaaaaaaa00000001", "aaaaaaaa00000002", "aaaaaaaa00000003", "aaaaaaaa00000004"} {
		e.do(poolKey(tok), start("c0a8013b-pool-start-"+tok, "5f0e20b4-pool-start-"+tok)).expect(t, http.StatusOK, "")
	}
	if n := e.srv.store.live(); n != 3 {
		t.Errorf("%d pool accounts alive, want the bound 3", n)
	}
}
