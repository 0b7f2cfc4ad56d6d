package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/mock/world"
	"github.com/edgeconform/edgeconform/internal/ratelimit"
	"github.com/edgeconform/edgeconform/spec"
)

// mockFlags are the flags of `edgeconform mock` (docs/protocol.md#the-binary).
type mockFlags struct {
	listen, adminListen string
	rateLimit           string
	algorithm           string
	world               string
	adminToken          string
	verbose             bool
	delay               time.Duration
	variants            string
}

// adminTokenEnv holds the admin token when --admin-token is not given.
const adminTokenEnv = "EDGECONFORM_ADMIN_TOKEN"

func runMock(ctx context.Context, m *Main, args []string) error {
	var f mockFlags
	fs := m.newFlagSet("mock", "mock [flags]")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "`ADDR` of the API")
	fs.StringVar(&f.adminListen, "admin-listen", "127.0.0.1:8081", "`ADDR` of the provider-state endpoint (docs/protocol.md#provider-states), never the API's")
	fs.StringVar(&f.rateLimit, "rate-limit", "", "throttle per account, `N/DURATION` (default: the spec's, "+spec.Default().RateLimit().String()+")")
	fs.StringVar(&f.algorithm, "algorithm", string(mock.DefaultAlgorithm), "throttle `algorithm`: "+algorithmNames())
	fs.StringVar(&f.world, "world", "", "world `FILE` to serve (default: the embedded fixtures/world.yaml)")
	fs.StringVar(&f.adminToken, "admin-token", "", "answer 401 to provider-state changes without \"Authorization: Bearer `TOKEN`\" (default $"+adminTokenEnv+"; prefer the variable: a flag shows in ps); needed off loopback")
	fs.BoolVar(&f.verbose, "verbose", false, "log one line per request to stderr (never a secret or a signature)")
	fs.DurationVar(&f.delay, "delay", 0, "answer every API call `D` later: a slower build, to try 'report compare'")
	fs.StringVar(&f.variants, "variant", "", "take the other choice where the sources are silent: comma-separated `NAMES` of "+variantNames()+" (docs/ci-gate.md)")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	opts, desc, err := f.options(m)
	if err != nil {
		return err
	}
	// The servers outlive the signal: this command stops them itself, within mockDrain.
	r, err := mock.Start(context.WithoutCancel(ctx), opts...)
	if err != nil {
		return fmt.Errorf("%w: mock: %w", cli.ErrHarness, err)
	}
	// The addresses first: scripts read them.
	fmt.Fprintf(m.Stdout, "api: %s\n", r.APIURL)
	fmt.Fprintf(m.Stdout, "admin: %s\n", r.AdminURL)
	fmt.Fprintf(m.Stdout, "%s; until SIGINT/SIGTERM\n", desc)
	<-ctx.Done()
	fmt.Fprintf(m.Stderr, "mock: stopping: finishing requests in flight (at most %v)…\n", mockDrain)
	if err := r.CloseWithin(mockDrain); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: mock: shutdown: %w", cli.ErrHarness, err)
	}
	fmt.Fprintln(m.Stderr, "mock: stopped")
	return nil
}

// mockDrain bounds how long a stopping mock waits for requests in flight: a signal means stop now,
// and a request of this API takes microseconds.
const mockDrain = 500 * time.Millisecond

// options turns the flags into mock options and a one-line description.
func (f *mockFlags) options(m *Main) ([]mock.Option, string, error) {
	// An address that cannot be listened on whatever the machine is bad usage (exit 2); a port in
	// use is the machine's (exit 3, from Start).
	for _, a := range []struct{ flag, addr string }{{"listen", f.listen}, {"admin-listen", f.adminListen}} {
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			return nil, "", cli.Usagef("mock: --%s %q: want HOST:PORT (%v)", a.flag, a.addr, err)
		}
	}
	if f.adminToken == "" {
		f.adminToken = m.getenv(adminTokenEnv)
	}
	if f.adminToken == "" && !loopbackHost(f.adminListen) {
		return nil, "", cli.Usagef("mock: --admin-listen %s is not a loopback address: the provider-state endpoint hands out secrets, give it --admin-token (or $%s)", f.adminListen, adminTokenEnv)
	}
	if sameAddr(f.listen, f.adminListen) {
		return nil, "", cli.Usagef("mock: --admin-listen %s must differ from --listen: the provider-state endpoint never shares the API's listener", f.adminListen)
	}
	// The reference implementation itself: the limit it applies, the spec's unless given.
	rl, _, err := resolveRateLimit("mock", f.rateLimit, true, specRateLimit())
	if err != nil {
		return nil, "", err
	}
	alg, err := ratelimit.ParseAlgorithm(f.algorithm)
	if err != nil {
		return nil, "", cli.Usagef("mock: --algorithm: %v", err)
	}
	w, source := (*world.World)(nil), "embedded fixtures/world.yaml"
	if f.world != "" {
		if w, err = world.Load(f.world); err != nil {
			return nil, "", cli.Usagef("mock: --world: %v", oneLine(err))
		}
		source = f.world
	} else if w, err = world.Default(); err != nil {
		return nil, "", fmt.Errorf("%w: mock: %w", cli.ErrHarness, err)
	}
	opts := []mock.Option{
		mock.WithAddrs(f.listen, f.adminListen),
		mock.WithRateLimit(rl),
		mock.WithAlgorithm(alg),
		mock.WithWorld(w),
	}
	if f.verbose {
		opts = append(opts, mock.WithLog(m.Stderr))
	}
	desc := fmt.Sprintf("rate limit %s per account (%s); world %s", rl, alg, source)
	if f.delay < 0 {
		return nil, "", cli.Usagef("mock: --delay %v: want a positive duration", f.delay)
	}
	if f.delay > 0 {
		opts = append(opts, mock.WithDelay(f.delay))
		desc += fmt.Sprintf("; every answer %v late", f.delay)
	}
	if f.variants != "" {
		vs, err := parseVariants(f.variants)
		if err != nil {
			return nil, "", err
		}
		opts = append(opts, mock.WithVariants(vs...))
		desc += "; variants " + f.variants
	}
	if f.adminToken != "" {
		opts = append(opts, mock.WithAdminToken(f.adminToken))
		desc += "; provider states need the admin token"
	}
	return opts, desc, nil
}

// loopbackHost says whether addr's host is a loopback one: "localhost" or a loopback IP (an
// empty host listens on every interface).
func loopbackHost(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameAddr catches the obvious clash; a port 0 picks two different ports.
func sameAddr(a, b string) bool {
	return a == b && !strings.HasSuffix(a, ":0")
}

// oneLine joins a multi-error (world.Validate lists every finding) into one line.
func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

func algorithmNames() string {
	var names []string
	for _, a := range ratelimit.Algorithms() {
		names = append(names, string(a))
	}
	return strings.Join(names, ", ")
}

// variantNames lists the reference's variants (mock.Variants), for --variant's help.
func variantNames() string {
	var names []string
	for _, v := range mock.Variants() {
		names = append(names, v.String())
	}
	return strings.Join(names, ", ")
}

// parseVariants reads --variant: names of mock.Variants, comma-separated.
func parseVariants(list string) ([]mock.Variant, error) {
	var vs []mock.Variant
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(mock.Variants(), func(v mock.Variant) bool { return v.String() == name })
		if i < 0 {
			return nil, cli.Usagef("mock: --variant %q: not a variant (want %s)", name, variantNames())
		}
		vs = append(vs, mock.Variants()[i])
	}
	return vs, nil
}
