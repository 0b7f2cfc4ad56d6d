// Package arrange arranges the provider states of docs/protocol.md#provider-states before a contract case: either by
// asking the target's provider-state endpoint (Pact's state-change protocol) or, in fixture mode
// (docs/protocol.md#fixtures), by looking the state up in a target profile. Callers get the identifiers and credentials to
// use in their request as Values.
//
// Package states (spec/states) is what a Go user imports: Arranger, Values, ErrUnsupported and the
// Endpoint are this package's. The rest is the kit's: profiles (fixture mode), Map (tests), setups
// with parameters and in batches, and what the suites ask of an arranger (Describe, IsProfile,
// UsesUp), so that no caller asserts an Arranger back to a concrete type.
package arrange

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// The keys of Values that docs/protocol.md#provider-states names.
const (
	AccessKeyID      = "AccessKeyId"
	AccessKeySecret  = "AccessKeySecret"
	ClusterID        = "ClusterId"
	JobID            = "JobId"
	AccessKeyID2     = "AccessKeyId2"
	AccessKeySecret2 = "AccessKeySecret2"
	// The keys of another account, beside the job of "a stopped job exists" when asked for.
	OtherAccessKeyID     = "OtherAccessKeyId"
	OtherAccessKeySecret = "OtherAccessKeySecret"
)

// ParamNeed is the setup parameter that asks a state for values beyond its usual ones, a
// comma-separated list of keys: AccessKeyId2,AccessKeySecret2 of "the caller lacks permission"
// (a second key of the same account that holds the permission), OtherAccessKeyId,OtherAccessKeySecret
// of "a stopped job exists" (a key of another account). An endpoint that cannot give them leaves them
// out, and the case that needs them is skipped (docs/protocol.md#provider-states).
const ParamNeed = "need"

// ParamArranger is an Arranger whose setups take parameters (Pact's params). Profile and Map are
// ParamArrangers (a profile's entries carry their extra values themselves); SetupWith passes an
// Endpoint its parameters too.
type ParamArranger interface {
	Arranger
	SetupWith(ctx context.Context, state string, params map[string]string) (Values, error)
}

// SetupWith sets state up with params when arr takes them, else as Setup does.
func SetupWith(ctx context.Context, arr Arranger, state string, params map[string]string) (Values, error) {
	switch a := arr.(type) {
	case *Endpoint:
		return a.setupWith(ctx, state, params)
	case ParamArranger:
		return a.SetupWith(ctx, state, params)
	}
	return arr.Setup(ctx, state)
}

// Describe names arr in a message: an Endpoint's URL, else what it is.
func Describe(arr Arranger) string {
	if e, ok := arr.(*Endpoint); ok {
		return e.url
	}
	return "(the provider-state arranger)"
}

// IsProfile says whether arr is a fixture-mode profile: a world the kit shares with others and
// cannot change, whose one-shot entries run out.
func IsProfile(arr Arranger) bool {
	_, ok := arr.(*Profile)
	return ok
}

// UsesUp says whether a Setup of state with arr uses an entry of a profile up (see Profile.UsesUp);
// false for every other arranger.
func UsesUp(arr Arranger, state string) bool {
	p, ok := arr.(*Profile)
	return ok && p.UsesUp(state)
}

// Values are what a state's setup returned: the identifiers and credentials a case uses.
type Values map[string]string

// String lists the keys and redacts every secret, so Values can be printed safely.
func (v Values) String() string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("{")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		val := v[k]
		if isSecret(k) {
			val = "<redacted>"
		}
		fmt.Fprintf(&b, "%s: %q", k, val)
	}
	b.WriteString("}")
	return b.String()
}

// GoString redacts like String, so %#v is safe too.
func (v Values) GoString() string { return "states.Values" + v.String() }

// Require returns an error naming the first of keys that v lacks or holds empty.
func Require(v Values, keys ...string) error {
	for _, k := range keys {
		if v[k] == "" {
			return fmt.Errorf("%w: no %s", ErrIncomplete, k)
		}
	}
	return nil
}

func isSecret(key string) bool {
	k := strings.ToLower(key)
	return strings.Contains(k, "secret") || strings.Contains(k, "token") || strings.Contains(k, "password")
}

var (
	// ErrUnsupported: the target cannot arrange the state (its endpoint answered 400, 404 or 501,
	// or the profile has no entry). The case is skipped with the reason, or failed under --strict.
	ErrUnsupported = errors.New("state not supported")
	// ErrIncomplete: the state was arranged but a value the case needs is missing.
	ErrIncomplete = errors.New("state incomplete")
	// ErrUsedUp: a fixture profile has handed out every entry of a one-shot state. Not the
	// target's doing: the case cannot be judged (the run is inconclusive, exit 3).
	ErrUsedUp = errors.New("fixture profile used up")
	// ErrNotStateEndpoint: the state URL answers like the API (an error with RequestId and Code),
	// not like a provider-state endpoint: --state-url names the wrong thing.
	ErrNotStateEndpoint = errors.New("not a provider-state endpoint")
)

// Arranger sets a provider state up before a case and tears it down after.
type Arranger interface {
	// Setup arranges state and returns the values to use. An error wrapping ErrUnsupported means
	// the target does not support the state; any other error is a failure of the arrangement.
	Setup(ctx context.Context, state string) (Values, error)
	// Teardown frees what Setup arranged; v is what Setup returned.
	Teardown(ctx context.Context, state string, v Values) error
}

// Map is the simplest Arranger: fixed values per state, nothing to tear down. Tests use it.
type Map map[string]Values

// Setup returns a copy of m[state], or ErrUnsupported.
func (m Map) Setup(_ context.Context, state string) (Values, error) {
	v, ok := m[state]
	if !ok {
		return nil, fmt.Errorf("%w: %q is not arranged here", ErrUnsupported, state)
	}
	out := make(Values, len(v))
	for k, val := range v {
		out[k] = val
	}
	return out, nil
}

// SetupWith is Setup: the map's values are what they are.
func (m Map) SetupWith(ctx context.Context, state string, _ map[string]string) (Values, error) {
	return m.Setup(ctx, state)
}

// Teardown does nothing.
func (Map) Teardown(context.Context, string, Values) error { return nil }
