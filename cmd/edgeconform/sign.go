package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/explore"
	"github.com/edgeconform/edgeconform/internal/mock/world"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// signOptions are the flags of `edgeconform sign`.
type signOptions struct {
	target          string
	accessKeyID     string
	accessKeySecret string
	signature       string
	method          string
	format          string
	action          string
	version         string
	params          paramFlag
	mutations       mutateFlag
	curl            bool
	nonce           string
	timestamp       string
}

// mutateFlag collects repeated --mutate MUTATION.
type mutateFlag struct{ list []explore.Mutation }

func (f *mutateFlag) String() string { return "" }

func (f *mutateFlag) Set(s string) error {
	m, err := explore.ParseMutation(s)
	if err != nil {
		return err
	}
	f.list = append(f.list, m)
	return nil
}

// paramFlag collects repeated --param K=V.
type paramFlag struct{ values url.Values }

func (p *paramFlag) String() string { return "" }

func (p *paramFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want K=V, got %q", s)
	}
	if p.values == nil {
		p.values = url.Values{}
	}
	if p.values.Has(k) {
		return fmt.Errorf("%s given twice", k)
	}
	p.values.Set(k, v)
	return nil
}

func runSign(ctx context.Context, m *Main, args []string) error {
	s := spec.Default()
	o := signOptions{}
	fs := m.newFlagSet("sign", "sign [flags] --param ClusterId=... --param JobId=...")
	fs.StringVar(&o.target, "target", "http://127.0.0.1:8080", "base `URL` of the implementation to call")
	fs.StringVar(&o.accessKeyID, "access-key-id", "", "AccessKeyId (default $ALIBABA_CLOUD_ACCESS_KEY_ID, then the reference world's)")
	fs.StringVar(&o.accessKeySecret, "access-key-secret", "", "AccessKeySecret (default $ALIBABA_CLOUD_ACCESS_KEY_SECRET, then the reference world's)")
	fs.StringVar(&o.signature, "signature", "v1", "signature: v1 (HMAC-SHA1 parameters) or v3 (ACS3-HMAC-SHA256 headers; needs --curl)")
	fs.StringVar(&o.method, "method", "GET", "GET or POST (POST sends a form body; needs --curl)")
	fs.StringVar(&o.format, "format", string(protocol.FormatJSON), "answer format: "+strings.Join(specfacts.Formats(s), " or "))
	fs.StringVar(&o.action, "action", s.Action(), "the Action to call")
	fs.StringVar(&o.version, "version", s.Version(), "the API Version")
	fs.Var(&o.params, "param", "operation parameter `K=V` (repeat: ClusterId, JobId, RegionId; K= sends it empty)")
	fs.Var(&o.mutations, "mutate", "apply `MUTATION` before signing, as --explore does (repeat; e.g. drop:JobId, long:JobId:8192, skew:-16m, method:PUT); a failed case's reproduce line uses it")
	fs.BoolVar(&o.curl, "curl", false, "print a curl command instead of a URL")
	fs.StringVar(&o.nonce, "nonce", "", "`NONCE` to sign instead of a fresh UUID (to try replays)")
	fs.StringVar(&o.timestamp, "timestamp", "", "`TIME` to sign instead of now, UTC like 2026-01-02T15:04:05Z (to try clock skew)")
	if err := m.parseFlags(fs, args); err != nil {
		return err
	}
	if _, err := wire.ParseBaseURL(o.target); err != nil {
		return cli.Usagef("sign: --target: %v", err)
	}
	call, creds, err := o.call(m)
	if err != nil {
		return err
	}
	var req *http.Request
	if len(o.mutations.list) > 0 {
		req, err = explore.Build(ctx, o.target, creds, call, o.mutations.list)
	} else {
		req, err = protocol.NewRequest(ctx, o.target, creds, call)
	}
	if err != nil {
		return cli.Usagef("sign: %v", err)
	}
	if !o.curl && (req.Method != http.MethodGet || req.Body != nil || req.Header.Get("Authorization") != "") {
		fmt.Fprintln(m.Stderr, "sign: the call is not a plain GET URL (POST, v3, another method or a body): printing a curl command")
		o.curl = true
	}
	if !o.curl {
		fmt.Fprintln(m.Stdout, req.URL.String())
		return nil
	}
	cmd, err := curlCommand(req)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	fmt.Fprintln(m.Stdout, cmd)
	return nil
}

// call turns the options into a protocol call and credentials; every bad value is a usage error.
func (o *signOptions) call(m *Main) (protocol.Call, protocol.Credentials, error) {
	var call protocol.Call
	sv, err := protocol.ParseSignatureVersion(o.signature)
	if err != nil {
		return call, protocol.Credentials{}, cli.Usagef("sign: --signature: want v1 or v3, got %q", o.signature)
	}
	method := strings.ToUpper(o.method)
	if method != http.MethodGet && method != http.MethodPost {
		return call, protocol.Credentials{}, cli.Usagef("sign: --method: want GET or POST, got %q", o.method)
	}
	format, err := protocol.ParseFormat(o.format, specfacts.Formats(spec.Default()))
	if err != nil {
		return call, protocol.Credentials{}, cli.Usagef("sign: --format: want %s, got %q", strings.Join(specfacts.Formats(spec.Default()), " or "), o.format)
	}
	if o.action == "" || o.version == "" {
		return call, protocol.Credentials{}, cli.Usagef("sign: --action and --version must not be empty")
	}
	call = protocol.Call{Transport: protocol.Transport{Method: method, Signature: sv, Format: format}, Action: o.action, Version: o.version,
		Params: o.params.values, Nonce: o.nonce}
	if o.timestamp != "" {
		t, err := wire.ParseTime(o.timestamp)
		if err != nil {
			return call, protocol.Credentials{}, cli.Usagef("sign: --timestamp: %v", err)
		}
		call.Time = t
	}
	creds, err := o.credentials(m)
	return call, creds, err
}

// credentials: the flags, then the environment, then the reference world's first key (test data,
// valid against `edgeconform mock` only).
func (o *signOptions) credentials(m *Main) (protocol.Credentials, error) {
	c, err := credentials(m, "sign", o.accessKeyID, o.accessKeySecret)
	if err != nil || c.AccessKeyID != "" {
		return c, err
	}
	w, err := world.Default()
	if err != nil {
		return c, fmt.Errorf("sign: %w: %w", cli.ErrHarness, err)
	}
	if len(w.Accounts) == 0 || len(w.Accounts[0].Keys) == 0 {
		return c, cli.Usagef("sign: no credentials given and the reference world has none")
	}
	k := w.Accounts[0].Keys[0]
	fmt.Fprintf(m.Stderr, "sign: no credentials given: using the reference world's AccessKey %s (valid against edgeconform mock only)\n", k.ID)
	return protocol.Credentials{AccessKeyID: k.ID, AccessKeySecret: k.Secret}, nil
}

// curlCommand renders req as a POSIX shell curl command line.
func curlCommand(req *http.Request) (string, error) {
	var b strings.Builder
	b.WriteString("curl -sS -i")
	if req.Method != http.MethodGet {
		b.WriteString(" -X " + req.Method)
	}
	names := make([]string, 0, len(req.Header))
	for name := range req.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range req.Header.Values(name) {
			b.WriteString(" -H " + shellQuote(strings.ToLower(name)+": "+v))
		}
	}
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return "", err
		}
		if len(body) > 0 {
			b.WriteString(" --data-raw " + shellQuote(string(body)))
		}
	}
	b.WriteString(" " + shellQuote(req.URL.String()))
	return b.String(), nil
}

// shellQuote single-quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
