package mock

import (
	"io"
	"net/http"
	"time"

	"github.com/edgeconform/edgeconform/internal/mock/world"
	"github.com/edgeconform/edgeconform/internal/ratelimit"
	"github.com/edgeconform/edgeconform/spec"
)

// Option configures a Server (New) or a running pair of listeners (Start).
type Option func(*config)

type config struct {
	spec        *spec.Spec
	rate        spec.RateLimit
	algorithm   ratelimit.Algorithm
	newLimiter  func(calls int, window time.Duration) (ratelimit.Limiter, error) // nil: ratelimit.New(algorithm, ...)
	now         func() time.Time
	log         io.Writer
	defects     []Defect
	variants    []Variant
	maxBody     int64
	maxAccounts int
	hostID      string
	adminToken  string                          // "" : the provider-state endpoint is open (loopback only)
	world       *world.World                    // Start only
	apiAddr     string                          // Start only
	adminAddr   string                          // Start only
	wrapAPI     func(http.Handler) http.Handler // tests only
	delay       time.Duration                   // WithDelay (delay.go)
}

// Defaults.
const (
	// DefaultMaxBody bounds a request body: the API's parameters fit in a few hundred bytes.
	DefaultMaxBody = 64 << 10
	// DefaultMaxAccounts bounds the accounts the provider-state endpoint keeps alive at once; past
	// it the oldest one is freed, so a harness that never tears down cannot exhaust memory.
	DefaultMaxAccounts = 10000
	// DefaultAlgorithm is the reference implementation's throttle.
	DefaultAlgorithm = ratelimit.FixedWindowEpoch
	// HostID is the HostId of every error answer.
	HostID = "live.aliyuncs.com"
	// ClockSkew is how far a Timestamp may be off, and how long a nonce is remembered.
	ClockSkew = 15 * time.Minute
)

func newConfig(opts []Option) *config {
	s := spec.Default()
	c := &config{
		spec:        s,
		rate:        s.RateLimit(),
		algorithm:   DefaultAlgorithm,
		now:         time.Now,
		maxBody:     DefaultMaxBody,
		maxAccounts: DefaultMaxAccounts,
		hostID:      HostID,
		apiAddr:     "127.0.0.1:0",
		adminAddr:   "127.0.0.1:0",
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// WithSpec returns an option which sets the spec whose facts the server serves (default spec.Default()).
func WithSpec(s *spec.Spec) Option { return func(c *config) { c.spec = s } }

// WithRateLimit returns an option which sets the throttle per account (default: the spec's).
func WithRateLimit(r spec.RateLimit) Option { return func(c *config) { c.rate = r } }

// WithAlgorithm returns an option which sets the throttle's algorithm (default FixedWindowEpoch).
func WithAlgorithm(a ratelimit.Algorithm) Option { return func(c *config) { c.algorithm = a } }

// WithLimiter returns an option which makes the throttle decide with a limiter of the caller's
// (one people use, such as golang.org/x/time/rate or a Redis GCRA, behind ratelimit.Limiter)
// instead of ratelimit.New with the algorithm. newLimiter is given the calls per window to admit
// (the configured limit, or the LimitScaled one) and the window; the throttle's defects apply.
func WithLimiter(newLimiter func(calls int, window time.Duration) (ratelimit.Limiter, error)) Option {
	return func(c *config) { c.newLimiter = newLimiter }
}

// WithClock returns an option which sets the clock of timestamps, nonces and the throttle.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithLog returns an option which logs one line per request to w (never a secret or a signature).
func WithLog(w io.Writer) Option { return func(c *config) { c.log = w } }

// WithDefects returns an option which switches on deliberately broken behaviours, for tests only.
func WithDefects(d ...Defect) Option { return func(c *config) { c.defects = append(c.defects, d...) } }

// WithVariants returns an option which makes the server take the other choice of each variant
// (variant.go): still a correct implementation.
func WithVariants(v ...Variant) Option {
	return func(c *config) { c.variants = append(c.variants, v...) }
}

// WithAdminToken returns an option which makes the provider-state endpoint answer 401 to every
// call without "Authorization: Bearer <token>" (compared in constant time). Start refuses to serve
// the endpoint on an address other than loopback without one: it hands out secrets.
func WithAdminToken(token string) Option { return func(c *config) { c.adminToken = token } }

// WithMaxBody returns an option which sets the largest request body accepted (default 64 KiB).
func WithMaxBody(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithMaxAccounts returns an option which bounds the accounts alive from provider-state setups.
func WithMaxAccounts(n int) Option { return func(c *config) { c.maxAccounts = n } }

// WithWorld returns an option which sets the world Start serves (default world.Default()).
func WithWorld(w *world.World) Option { return func(c *config) { c.world = w } }

// WithAddrs returns an option which sets the listen addresses of Start (default 127.0.0.1:0 each,
// a free loopback port).
func WithAddrs(api, admin string) Option {
	return func(c *config) { c.apiAddr, c.adminAddr = api, admin }
}

// withAPIWrapper returns an option which wraps the API handler that Start serves (tests only).
func withAPIWrapper(f func(http.Handler) http.Handler) Option {
	return func(c *config) { c.wrapAPI = f }
}
