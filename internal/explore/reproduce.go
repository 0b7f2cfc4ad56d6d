package explore

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// SecretEnv is the environment variable a reproduce line reads the AccessKeySecret from.
const SecretEnv = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"

// Reproduce is a shell command line that sends call with muts to target again, signed afresh when
// it runs (a fresh nonce and time: a Time set on call becomes a skew from now), as keyID with the
// secret read from $ALIBABA_CLOUD_ACCESS_KEY_SECRET: no secret and no signature in it. It runs
// `edgeconform sign ... --curl` and the curl command that prints.
func Reproduce(sp *spec.Spec, target, keyID string, call protocol.Call, muts []Mutation) string {
	args := []string{"edgeconform", "sign", "--target", ShellQuote(target), "--access-key-id", ShellQuote(keyID),
		"--access-key-secret", `"$` + SecretEnv + `"`}
	sig := call.Signature
	if sig == "" {
		sig = protocol.SignatureV1
	}
	method := strings.ToUpper(call.Method)
	if method == "" {
		method = "GET"
	}
	args = append(args, "--signature", string(sig), "--method", method)
	if call.Format != "" {
		args = append(args, "--format", string(call.Format))
	} else if sig == protocol.SignatureV3 {
		muts = append([]Mutation{{Kind: Drop, Param: "Format"}}, muts...)
	}
	if call.Action != "" && call.Action != sp.Action() {
		args = append(args, "--action", ShellQuote(call.Action))
	}
	if call.Version != "" && call.Version != sp.Version() {
		args = append(args, "--version", ShellQuote(call.Version))
	}
	if call.Nonce != "" {
		args = append(args, "--nonce", ShellQuote(call.Nonce))
	}
	for _, k := range slices.Sorted(maps.Keys(call.Params)) {
		for _, v := range call.Params[k] {
			args = append(args, "--param", ShellQuote(k+"="+v))
		}
	}
	if !call.Time.IsZero() {
		if d := time.Until(call.Time).Round(time.Second); d != 0 {
			muts = append([]Mutation{{Kind: Skew, Skew: d}}, muts...)
		}
	}
	for _, m := range muts {
		args = append(args, "--mutate", ShellQuote(m.String()))
	}
	args = append(args, "--curl")
	return `eval "$(` + strings.Join(args, " ") + `)"`
}

// ShellQuote single-quotes s for a POSIX shell (left bare when it needs no quotes).
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/=+,@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
