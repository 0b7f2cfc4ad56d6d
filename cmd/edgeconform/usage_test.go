package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every bad flag, value or file of every command: exit 2, one line on stderr that names what is
// wrong, nothing on stdout, no stack trace. The built binary, so the exit status is the real one.
// (A missing command or subcommand, `edgeconform` or `edgeconform spec`, prints the usage on
// stderr with its error line: that is help, not a bad value.)
func TestUsageErrorsEveryCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	missing := filepath.Join(dir, "missing.yaml")
	badYAML := file("bad.yaml", "states: [unclosed\n\t- tab: {")
	badWorld := file("world.yaml", "accounts:\n  - id: a\n    keys: [{id: k}]\n")
	notAProfile := file("profile.yaml", "states: 42\n")
	junk := file("junk.bin", "not vegeta results\x00\x01")
	const tgt = "http://127.0.0.1:1"

	tests := []struct {
		args []string
		want string // a word the line must contain
	}{
		{[]string{"frobnicate"}, "frobnicate"},

		{[]string{"run", "--bogus"}, "bogus"},
		{[]string{"run", "--rate-limit", "0/1m"}, "rate-limit"},
		{[]string{"run", "--rate-limit", "1m"}, "rate-limit"},
		{[]string{"run", "--signature", "v9"}, "v9"},
		{[]string{"run", "--target", "ftp://x"}, "target"},
		{[]string{"run", "--target", tgt, "--profile", missing}, "profile"},
		{[]string{"run", "--target", tgt, "--profile", badYAML}, "profile"},
		{[]string{"run", "--target", tgt, "--state-url", "nope"}, "state"},
		{[]string{"run", "--timeout", "-1s"}, "timeout"},
		{[]string{"run", "--timeout", "soon"}, "timeout"},
		{[]string{"run", "extra"}, "extra"},

		{[]string{"contract", "--bogus"}, "bogus"},
		{[]string{"contract", "--rate-limit", "0/1m"}, "rate-limit"},
		{[]string{"contract", "--rate-limit", "-5/1m"}, "rate-limit"},
		{[]string{"contract", "--signature", "v9"}, "v9"},
		{[]string{"contract", "--target", "ftp://x"}, "target"},
		{[]string{"contract", "--target", tgt, "--profile", missing}, "profile"},
		{[]string{"contract", "--target", tgt, "--profile", badYAML}, "profile"},
		{[]string{"contract", "--target", tgt, "--profile", notAProfile}, "profile"},
		{[]string{"contract", "--deadline", "0s"}, "deadline"},
		{[]string{"contract", "--label-filter", "(("}, "label"},
		{[]string{"contract", "--strict=maybe"}, "strict"},
		{[]string{"contract", "--target", tgt, "--snapshot", missing}, "snapshot"},
		{[]string{"contract", "--target", tgt, "--snapshot", dir}, "snapshot"},
		{[]string{"contract", "--target", tgt, "--snapshot-ignore", badYAML}, "snapshot"},
		{[]string{"contract", "--target", tgt, "--baseline", missing}, "baseline"},
		{[]string{"contract", "--target", tgt, "--baseline", badYAML}, "baseline"},
		{[]string{"run", "--target", tgt, "--baseline", notAProfile}, "baseline"},

		{[]string{"record"}, "out"},
		{[]string{"record", "--out", badYAML}, "out"},
		{[]string{"record", "--out", filepath.Join(dir, "rec"), "--bogus"}, "bogus"},
		{[]string{"record", "--out", filepath.Join(dir, "rec"), "--target", "ftp://x"}, "target"},
		{[]string{"record", "--out", filepath.Join(dir, "rec"), "--volatile", "a b"}, "volatile"},

		{[]string{"report", "compare"}, "two runs"},
		{[]string{"report", "compare", missing}, "two runs"},
		{[]string{"report", "compare", missing, missing}, "missing"},
		{[]string{"report", "compare", badYAML, badYAML}, "results"},
		{[]string{"report", "compare", "--threshold", "p99<10", badYAML, badYAML}, "p99<10"},
		{[]string{"report", "compare", "--threshold", "mean<+1%", badYAML, badYAML}, "mean"},
		{[]string{"report", "compare", "--level", "1.5", badYAML, badYAML}, "level"},
		{[]string{"report", "compare", "--resamples", "3", badYAML, badYAML}, "resamples"},
		{[]string{"report", "compare", "--html", filepath.Join(missing, "x.html"), badYAML, badYAML}, "html"},
		{[]string{"report", "compare", "--bogus", badYAML, badYAML}, "bogus"},
		{[]string{"report", "matrix"}, "reports"},
		{[]string{"report", "matrix", missing}, "missing"},
		{[]string{"report", "matrix", badYAML}, "report"},
		{[]string{"report", "matrix", "--html", filepath.Join(missing, "x.html"), badYAML}, "html"},

		{[]string{"throttle", "--bogus"}, "bogus"},
		{[]string{"throttle", "--rate-limit", "0/1m"}, "rate-limit"},
		{[]string{"throttle", "--rate-limit", "1m"}, "rate-limit"},
		{[]string{"throttle", "--rate-limit", "5/1m"}, "rate-limit"},
		{[]string{"throttle", "--signature", "v9"}, "v9"},
		{[]string{"throttle", "--target", "ftp://x"}, "target"},
		{[]string{"throttle", "--target", tgt, "--profile", missing}, "profile"},
		{[]string{"throttle", "--target", tgt, "--profile", badYAML}, "profile"},
		{[]string{"throttle", "--progress", "sideways"}, "progress"},
		{[]string{"throttle", "--junit", filepath.Join(dir, "x.xml")}, "junit"},
		{[]string{"throttle", "--timeout", "0s"}, "timeout"},

		{[]string{"load", "--rate", "-1"}, "rate"},
		{[]string{"load", "--rate", "fast"}, "rate"},
		{[]string{"load", "--threshold", "p99<<"}, "p99<<"},
		{[]string{"load", "--threshold", "p99<"}, "p99<"},
		{[]string{"load", "--shard", "4/3"}, "shard"},
		{[]string{"load", "--shard", "x"}, "shard"},
		{[]string{"load", "--signature", "v9"}, "v9"},
		{[]string{"load", "--target", "ftp://x", "--profile", missing}, "target"},
		{[]string{"load", "--rate-limit", "0/1m"}, "rate-limit"},
		{[]string{"load", "--target", tgt, "--profile", missing}, "profile"},
		{[]string{"load", "--target", tgt, "--profile", badYAML}, "profile"},
		{[]string{"load", "--method", "PUT"}, "PUT"},
		{[]string{"load", "--format", "CSV"}, "CSV"},
		{[]string{"load", "--duration", "0s"}, "duration"},
		{[]string{"load", "--accounts", "-1"}, "accounts"},
		{[]string{"load", "--progress", "sideways"}, "progress"},

		{[]string{"mock", "--bogus"}, "bogus"},
		{[]string{"mock", "--world", missing}, "world"},
		{[]string{"mock", "--world", badYAML}, "world"},
		{[]string{"mock", "--world", badWorld}, "secret"},
		{[]string{"mock", "--rate-limit", "0/1m"}, "rate-limit"},
		{[]string{"mock", "--variant", "NoSuchVariant"}, "variant"},
		{[]string{"mock", "--algorithm", "leaky-bucket"}, "algorithm"},
		{[]string{"mock", "--listen", "127.0.0.1:9999", "--admin-listen", "127.0.0.1:9999"}, "differ"},
		{[]string{"mock", "--listen", "nonsense", "--admin-listen", "127.0.0.1:0"}, "listen"},
		{[]string{"mock", "--verbose=sometimes"}, "verbose"},
		{[]string{"mock", "--listen", "127.0.0.1:0", "--admin-listen", "0.0.0.0:0"}, "admin-token"},
		{[]string{"mock", "--listen", "127.0.0.1:0", "--admin-listen", ":0"}, "admin-token"},

		{[]string{"contract", "--follow", "rumour"}, "rumour"},
		{[]string{"run", "--follow", "rumour"}, "rumour"},

		{[]string{"spec", "frobnicate"}, "frobnicate"},
		{[]string{"spec", "validate", missing}, "missing.yaml"},
		{[]string{"spec", "validate", badYAML, badYAML}, "one FILE"},
		{[]string{"spec", "show", "--spec", missing}, "missing.yaml"},
		{[]string{"spec", "generate", "--page", missing}, "missing.yaml"},
		{[]string{"spec", "generate", "--overlay", badYAML}, "overlay"},
		{[]string{"spec", "generate", "--bogus"}, "bogus"},
		{[]string{"spec", "sources", "--metadata", missing}, "missing.yaml"},
		{[]string{"spec", "sources", "--metadata", badYAML}, "bad.yaml"},
		{[]string{"spec", "sources", "--sdk", badYAML}, "sdk facts"},
		{[]string{"spec", "sources", "extra"}, "extra"},

		{[]string{"sign", "--signature", "v9"}, "v9"},
		{[]string{"sign", "--target", "ftp://x"}, "target"},
		{[]string{"sign", "--method", "PUT"}, "PUT"},
		{[]string{"sign", "--format", "CSV"}, "CSV"},
		{[]string{"sign", "--timestamp", "yesterday"}, "timestamp"},
		{[]string{"sign", "--param", "noequals"}, "noequals"},
		{[]string{"sign", "--access-key-id", "only-the-id"}, "AccessKeySecret"},
		{[]string{"sign", "--action", ""}, "action"},

		{[]string{"report"}, "subcommand"},
		{[]string{"report", "frobnicate"}, "frobnicate"},
		{[]string{"report", "merge"}, "no results files"},
		{[]string{"report", "merge", missing}, "missing.yaml"},
		{[]string{"report", "merge", junk}, "junk.bin"},
		{[]string{"report", "merge", "--threshold", "p99<<", junk}, "p99<<"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			r := runBin(t, 30*time.Second, nil, tc.args...)
			r.checkSane(t)
			stderr := strings.TrimRight(r.stderr, "\n")
			if r.exit != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", r.exit, r.stderr)
			}
			if stderr == "" || strings.Contains(stderr, "\n") {
				t.Errorf("want one line on stderr, got:\n%s", r.stderr)
			}
			if !strings.HasPrefix(stderr, "edgeconform: ") || !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q: want a line 'edgeconform: ...' naming %q", stderr, tc.want)
			}
			// stdout carries results (spec generate > openapi.yaml): no usage dump there. run
			// announces its first part before contract checks the flags.
			if r.stdout != "" && !(tc.args[0] == "run" && r.stdout == "== contract\n") {
				t.Errorf("stdout of a usage error:\n%s", r.stdout)
			}
		})
	}
}
