package loadrun

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/edgeconform/edgeconform/internal/attack"
	"github.com/edgeconform/edgeconform/internal/giveup"
	"github.com/edgeconform/edgeconform/internal/hostile"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// A load run against every misbehaving target: it ends within its duration and timeout, every
// call is a failed one, and no goroutine of the attack outlives it; one that answers nothing is
// given up on, naming it.
func TestRunHostileTargets(t *testing.T) {
	acct := attack.Account{Credentials: protocol.Credentials{AccessKeyID: "LTAI5tHostile", AccessKeySecret: "hostile-secret"}, ClusterID: "c", JobID: "j"}
	for _, mode := range hostile.Modes() {
		t.Run(string(mode), func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			srv := hostile.New(mode)
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := Run(ctx, RunOptions{Target: srv.URL, Accounts: []attack.Account{acct}, Rate: 20, Duration: 200 * time.Millisecond, Timeout: 300 * time.Millisecond})
			if ctx.Err() != nil {
				t.Fatal("the run outlived its deadline")
			}
			silent := mode == hostile.Hang || mode == hostile.Slow
			switch {
			case silent && (!errors.Is(err, giveup.ErrNoAnswer) || !strings.Contains(err.Error(), "target "+srv.URL)):
				t.Fatalf("err %v, want giving up on the target %s", err, srv.URL)
			case !silent && err != nil:
				t.Fatal(err)
			}
			r := s.Report()
			if r.Requests == 0 {
				t.Fatal("no call was made")
			}
			failed := r.Requests - r.OK
			if mode == hostile.WrongContentType {
				failed = r.Requests // a success under a wrong type: load counts speed, not types
			}
			if failed != r.Requests {
				t.Errorf("%d of %d calls counted OK against a target that %s", r.OK, r.Requests, mode)
			}
		})
	}
}
