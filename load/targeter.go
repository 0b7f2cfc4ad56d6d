package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/edgeconform/edgeconform/protocol"
	"github.com/edgeconform/edgeconform/spec"
)

// Account is one caller of a load run: the credentials to sign with and the job to start.
type Account struct {
	// Name tags the account's results (in the URL fragment of each Target and Result, never sent
	// on the wire); empty means the AccessKeyId.
	Name        string
	Credentials protocol.Credentials
	ClusterID   string
	JobID       string
	RegionID    string // optional
}

func (a Account) name() string {
	if a.Name != "" {
		return a.Name
	}
	return a.Credentials.AccessKeyID
}

// TargeterOption configures NewTargeter.
type TargeterOption func(*targeter)

// WithMethod returns an option which sets the HTTP method: GET (default) or POST.
func WithMethod(method string) TargeterOption {
	return func(t *targeter) { t.method = strings.ToUpper(method) }
}

// WithSignature returns an option which sets the signature version (default V1).
func WithSignature(v protocol.SignatureVersion) TargeterOption {
	return func(t *targeter) { t.signature = v }
}

// WithFormat returns an option which sets the response Format: JSON (default) or XML.
func WithFormat(format string) TargeterOption {
	return func(t *targeter) { t.format = strings.ToUpper(format) }
}

// WithSpec returns an option which sets the spec that names the Action and Version
// (default spec.Default()).
func WithSpec(s *spec.Spec) TargeterOption {
	return func(t *targeter) { t.spec = s }
}

// WithClock returns an option which sets the clock that stamps each call (default time.Now).
func WithClock(now func() time.Time) TargeterOption {
	return func(t *targeter) { t.now = now }
}

// WithPicker returns an option which sets how the n-th target picks its account among k
// (default round-robin: n % k).
func WithPicker(pick func(n uint64, k int) int) TargeterOption {
	return func(t *targeter) { t.pick = pick }
}

type targeter struct {
	base      *url.URL
	baseStr   string
	accounts  []Account
	tags      []string // "#" + escaped name, per account
	method    string
	signature protocol.SignatureVersion
	format    string
	spec      *spec.Spec
	now       func() time.Time
	pick      func(n uint64, k int) int
	n         atomic.Uint64
}

// NewTargeter returns a vegeta.Targeter that signs every target freshly (a new SignatureNonce and
// Timestamp each time) as a StartEdgeTranscodeJob call of the next account, round-robin. It is
// safe for concurrent use by the attacker's workers.
//
// Each target's URL ends in "#" + the account's name: the fragment is never sent, but vegeta
// copies the URL into the Result, so AccountOf tells results apart by account.
func NewTargeter(baseURL string, accounts []Account, opts ...TargeterOption) (vegeta.Targeter, error) {
	t, err := newTargeter(baseURL, accounts, opts...)
	if err != nil {
		return nil, err
	}
	return t.next, nil
}

func newTargeter(baseURL string, accounts []Account, opts ...TargeterOption) (*targeter, error) {
	u, err := protocol.ParseBaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if len(accounts) == 0 {
		return nil, errors.New("load: no accounts to sign with")
	}
	t := &targeter{
		base:      u,
		baseStr:   u.String(),
		accounts:  append([]Account(nil), accounts...),
		method:    http.MethodGet,
		signature: protocol.SignatureV1,
		format:    "JSON",
		now:       time.Now,
		pick:      func(n uint64, k int) int { return int(n % uint64(k)) },
	}
	for _, opt := range opts {
		opt(t)
	}
	if t.spec == nil {
		t.spec = spec.Default()
	}
	if t.method != http.MethodGet && t.method != http.MethodPost {
		return nil, fmt.Errorf("load: method %q: want GET or POST", t.method)
	}
	if t.signature != protocol.SignatureV1 && t.signature != protocol.SignatureV3 {
		return nil, fmt.Errorf("load: unknown signature version %q (want v1 or v3)", t.signature)
	}
	if t.format != "JSON" && t.format != "XML" {
		return nil, fmt.Errorf("load: format %q: want JSON or XML", t.format)
	}
	t.tags = make([]string, len(t.accounts))
	for i, a := range t.accounts {
		if a.Credentials.AccessKeyID == "" || a.Credentials.AccessKeySecret == "" {
			return nil, fmt.Errorf("load: account %d (%s): needs an AccessKeyId and an AccessKeySecret", i, a.name())
		}
		if a.ClusterID == "" || a.JobID == "" {
			return nil, fmt.Errorf("load: account %d (%s): needs a ClusterId and a JobId", i, a.name())
		}
		t.tags[i] = "#" + url.PathEscape(a.name())
	}
	return t, nil
}

func (t *targeter) next(tgt *vegeta.Target) error {
	if tgt == nil {
		return vegeta.ErrNilTarget
	}
	i := t.pick(t.n.Add(1)-1, len(t.accounts))
	a := &t.accounts[i]
	params := url.Values{"ClusterId": {a.ClusterID}, "JobId": {a.JobID}}
	if a.RegionID != "" {
		params.Set("RegionId", a.RegionID)
	}
	call := protocol.Call{
		Method:    t.method,
		Signature: t.signature,
		Format:    t.format,
		Action:    t.spec.Action(),
		Version:   t.spec.Version(),
		Params:    params,
		Time:      t.now(),
	}
	if t.signature == protocol.SignatureV1 {
		return t.v1(tgt, a, call, t.tags[i])
	}
	return t.fromRequest(tgt, a, call, t.tags[i])
}

// v1 builds the target straight from the signed parameters: no http.Request in between, which
// keeps the harness's cost per call low.
func (t *targeter) v1(tgt *vegeta.Target, a *Account, call protocol.Call, tag string) error {
	call.Nonce = uuid.NewString()
	p := protocol.V1Params(a.Credentials, call, call.Nonce, call.Time)
	p.Set("Signature", protocol.SignV1(t.method, p, a.Credentials.AccessKeySecret))
	encoded := protocol.Encode(p)
	tgt.Method = t.method
	if t.method == http.MethodGet {
		tgt.URL = t.baseStr + "?" + encoded + tag
		tgt.Body = nil
		tgt.Header = nil
		return nil
	}
	tgt.URL = t.baseStr + tag
	tgt.Body = []byte(encoded)
	tgt.Header = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	return nil
}

// fromRequest signs with protocol.NewRequest (V3) and copies the request into the target.
func (t *targeter) fromRequest(tgt *vegeta.Target, a *Account, call protocol.Call, tag string) error {
	req, err := protocol.NewRequest(context.Background(), t.baseStr, a.Credentials, call)
	if err != nil {
		return fmt.Errorf("load: sign: %w", err)
	}
	tgt.Method = req.Method
	tgt.URL = req.URL.String() + tag
	tgt.Header = req.Header
	if req.Host != "" && req.Host != req.URL.Host {
		tgt.Header.Set("Host", req.Host)
	}
	tgt.Body = nil
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return fmt.Errorf("load: sign: %w", err)
		}
		tgt.Body = b
	}
	return nil
}
