package main

import (
	"flag"
	"time"
)

// targetFlags are the flags shared by the commands that call a target (interface.md §1).
type targetFlags struct {
	target          string
	stateURL        string
	profile         string
	accessKeyID     string
	accessKeySecret string
	signature       string
	rateLimit       string
	jsonReport      string
	junitReport     string
	reportDir       string
	timeout         time.Duration
}

// register adds the shared flags to fs; reports says whether --json/--junit/--report-dir apply.
func (t *targetFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.target, "target", "", "base `URL` of the implementation under test (default: the embedded reference implementation)")
	fs.StringVar(&t.stateURL, "state-url", "", "provider-state endpoint `URL` of the target (interface.md §3); without it, fixture mode")
	fs.StringVar(&t.profile, "profile", "", "fixture-mode target profile `FILE` mapping states to identifiers (interface.md §4)")
	fs.StringVar(&t.accessKeyID, "access-key-id", "", "AccessKeyId (default $ALIBABA_CLOUD_ACCESS_KEY_ID, then the fixtures)")
	fs.StringVar(&t.accessKeySecret, "access-key-secret", "", "AccessKeySecret (default $ALIBABA_CLOUD_ACCESS_KEY_SECRET, then the fixtures)")
	fs.StringVar(&t.signature, "signature", "v1", "signature to send: v1 (HMAC-SHA1) or v3 (ACS3-HMAC-SHA256)")
	fs.StringVar(&t.rateLimit, "rate-limit", "", "the throttle to verify, `N/DURATION` (default: the spec's)")
	fs.StringVar(&t.jsonReport, "json", "", "write the JSON report to `FILE`")
	fs.StringVar(&t.junitReport, "junit", "", "write a JUnit XML report to `FILE`")
	fs.StringVar(&t.reportDir, "report-dir", "", "write HTML reports and charts to `DIR`")
	fs.DurationVar(&t.timeout, "timeout", 10*time.Second, "per-request timeout")
}
