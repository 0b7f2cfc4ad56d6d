package attack

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
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

// TargeterOption configures NewSigner and NewTargeter.
type TargeterOption func(*Signer)

// WithMethod returns an option which sets the HTTP method: GET (default) or POST.
func WithMethod(method string) TargeterOption {
	return func(s *Signer) { s.method = strings.ToUpper(method) }
}

// WithSignature returns an option which sets the signature version (default V1).
func WithSignature(v protocol.SignatureVersion) TargeterOption {
	return func(s *Signer) { s.signature = v }
}

// WithFormat returns an option which sets the response Format: JSON (default) or another of the
// spec's formats (in any letter case).
func WithFormat(format protocol.Format) TargeterOption {
	return func(s *Signer) { s.format = protocol.Format(strings.ToUpper(string(format))) }
}

// WithSpec returns an option which sets the spec that names the Action and Version
// (default spec.Default()).
func WithSpec(sp *spec.Spec) TargeterOption {
	return func(s *Signer) { s.spec = sp }
}

// WithClock returns an option which sets the clock that stamps each call (default time.Now).
func WithClock(now func() time.Time) TargeterOption {
	return func(s *Signer) { s.now = now }
}

// WithPicker returns an option which sets how NewTargeter's n-th target picks its account
// among k (default round-robin: n % k).
func WithPicker(pick func(n uint64, k int) int) TargeterOption {
	return func(s *Signer) { s.pick = pick }
}

// Signer signs the calls of one run: its base URL, method, signature version and format, the
// clock and the nonces. Each account is presigned once (Prepare, through protocol.Presign); Sign
// then fills a target for the n-th call. The mixed run's pools prepare their identifiers as they
// arrive.
type Signer struct {
	base      *url.URL
	baseStr   string
	method    string
	signature protocol.SignatureVersion
	format    protocol.Format
	spec      *spec.Spec
	now       func() time.Time
	pick      func(n uint64, k int) int

	noncePrefix [8]byte
}

// Prepared is one account made ready for signing by a Signer.
type Prepared struct{ call *protocol.Presigned }

type targeter struct {
	*Signer
	accounts []*Prepared
	n        atomic.Uint64
}

// NewTargeter returns a vegeta.Targeter that signs every target freshly (a new SignatureNonce and
// Timestamp each time) as a StartEdgeTranscodeJob call of the next account, round-robin. It is
// safe for concurrent use by the attacker's workers.
//
// Each target's URL ends in "#" + the account's name: the fragment is never sent, but vegeta
// copies the URL into the Result, so the run library tells results apart by account.
func NewTargeter(baseURL string, accounts []Account, opts ...TargeterOption) (vegeta.Targeter, error) {
	if len(accounts) == 0 {
		return nil, errors.New("load: no accounts to sign with")
	}
	s, err := NewSigner(baseURL, opts...)
	if err != nil {
		return nil, err
	}
	t := &targeter{Signer: s, accounts: make([]*Prepared, len(accounts))}
	for i, a := range accounts {
		if a.Credentials.AccessKeyID == "" || a.Credentials.AccessKeySecret == "" {
			return nil, fmt.Errorf("load: account %d (%s): needs an AccessKeyId and an AccessKeySecret", i, a.name())
		}
		if a.ClusterID == "" || a.JobID == "" {
			return nil, fmt.Errorf("load: account %d (%s): needs a ClusterId and a JobId", i, a.name())
		}
		if t.accounts[i], err = s.Prepare(a, "#"+url.PathEscape(a.name())); err != nil {
			return nil, err
		}
	}
	return t.next, nil
}

// NewSigner returns a Signer with its signing configuration and no accounts.
func NewSigner(baseURL string, opts ...TargeterOption) (*Signer, error) {
	u, err := wire.ParseBaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	t := &Signer{
		base:      u,
		baseStr:   u.String(),
		method:    http.MethodGet,
		signature: protocol.SignatureV1,
		format:    protocol.FormatJSON,
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
	if t.format, err = protocol.ParseFormat(string(t.format), specfacts.Formats(t.spec)); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if _, err := rand.Read(t.noncePrefix[:]); err != nil {
		return nil, fmt.Errorf("load: nonce prefix: %w", err)
	}
	return t, nil
}

// BaseURL is the base URL every target starts with.
func (s *Signer) BaseURL() string { return s.baseStr }

// Prepare presigns a's call; tag ("#" and a name) ends each of its targets' URLs.
func (s *Signer) Prepare(a Account, tag string) (*Prepared, error) {
	call := protocol.Call{Transport: protocol.Transport{Method: s.method, Signature: s.signature, Format: s.format},
		Action: s.spec.Action(), Version: s.spec.Version(), Params: a.params()}
	p, err := protocol.Presign(s.baseStr+tag, a.Credentials, call)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	return &Prepared{call: p}, nil
}

// Sign fills tgt with p's n-th call (n numbers the calls of the Signer: each gets its own nonce),
// stamped with the Signer's clock.
func (s *Signer) Sign(tgt *vegeta.Target, p *Prepared, n uint64) error {
	var nonce [36]byte
	tgt.Method = s.method
	tgt.URL, tgt.Body, tgt.Header = p.call.Sign(s.nonce(&nonce, n), s.now())
	return nil
}

func (t *targeter) next(tgt *vegeta.Target) error {
	if tgt == nil {
		return vegeta.ErrNilTarget
	}
	n := t.n.Add(1) - 1
	return t.Sign(tgt, t.accounts[t.pick(n, len(t.accounts))], n)
}

// params are the operation's parameters; an empty JobId is left out (the missing-param path).
func (a *Account) params() url.Values {
	p := url.Values{"ClusterId": {a.ClusterID}}
	if a.JobID != "" {
		p.Set("JobId", a.JobID)
	}
	if a.RegionID != "" {
		p.Set("RegionId", a.RegionID)
	}
	return p
}

// nonce writes the n-th SignatureNonce of this targeter into buf, shaped as a version-4 UUID:
// 8 random bytes drawn once per targeter, then n. Unique per call and, with 62 random bits,
// across shards and runs: what the server's replay check needs, without a random read per call.
func (t *Signer) nonce(buf *[36]byte, n uint64) []byte {
	var u [16]byte
	copy(u[:8], t.noncePrefix[:])
	binary.BigEndian.PutUint64(u[8:], n)
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant (n never reaches 2^62)
	hex.Encode(buf[0:8], u[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], u[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], u[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], u[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:36], u[10:16])
	return buf[:]
}
