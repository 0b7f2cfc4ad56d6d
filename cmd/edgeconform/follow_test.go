package main

import (
	"os"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/specfacts"
)

// A target that follows the vendor's metadata where it disagrees with the page passes, and every
// report names the source it followed; the reference is named after the page.
func TestContractNamesTheSourceFollowed(t *testing.T) {
	for _, tt := range []struct {
		name    string
		opts    []mock.Option
		source  string
		quota   string // the note of UserQuotaExceed's status
		message string // the note of JobNotFound's message
	}{
		{"reference", nil, specfacts.SourcePage, "UserQuotaExceed: 403, as the page; the vendor's metadata (2024-06-24) says 400",
			`JobNotFound message: "%s, please check and try again later.", as the page`},
		{"FollowsMetadata", []mock.Option{mock.WithVariants(mock.FollowsMetadata)}, specfacts.SourceMetadata,
			"UserQuotaExceed: 400, as the vendor's metadata (2024-06-24); the page says 403",
			`JobNotFound message: "%s", as the vendor's metadata (2024-06-24); the page says "%s, please check and try again later."`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ref := startRefWith(t, tt.opts...)
			r := runContractBinary(t, "--target", ref.APIURL, "--state-url", ref.AdminURL, "--label-filter", "errors || success")
			if r.exit != 0 {
				t.Fatalf("exit %d; stdout:\n%s", r.exit, r.stdout)
			}
			quota, message := 0, 0
			for _, c := range r.json.Cases {
				for _, f := range c.Followed {
					if f.Source != tt.source {
						t.Errorf("%s: followed %s (%s), want %s", c.ID, f.Source, f.Note, tt.source)
					}
					switch {
					case f.Field == "errors/UserQuotaExceed/status" && f.Note == tt.quota:
						quota++
					case f.Field == "errors/JobNotFound/message" && strings.HasPrefix(f.Note, tt.message):
						message++
					}
				}
				if strings.HasPrefix(c.ID, "errors/UserQuotaExceed/") && len(c.Followed) != 2 {
					t.Errorf("%s: followed %+v, want its status and its message", c.ID, c.Followed)
				}
			}
			if quota != 8 || message != 8 {
				t.Errorf("%d cases say %q, %d %q; want 8 and 8", quota, tt.quota, message, tt.message)
			}
			if !strings.Contains(r.stdout, "the target followed:\n") || !strings.Contains(r.stdout, tt.quota+" (8 cases)") {
				t.Errorf("the text summary does not say %q (8 cases):\n%s", tt.quota, r.stdout)
			}
			junit, err := os.ReadFile(r.junitPath)
			if err != nil || !strings.Contains(string(junit), "<system-out>followed: "+xmlEscape(tt.quota)) {
				t.Errorf("the JUnit report does not say %q (%v)", tt.quota, err)
			}
			// And report matrix names it per case.
			m := runBin(t, 0, nil, "report", "matrix", tt.name+"="+r.jsonPath)
			if m.exit != 0 || !strings.Contains(m.stdout, "pass ("+tt.source+")") {
				t.Errorf("report matrix: exit %d, no \"pass (%s)\" in:\n%s", m.exit, tt.source, m.stdout)
			}
		})
	}
}

// --follow makes one source required: against a target that follows the other, the cases whose
// expectation the sources disagree on fail, saying what the required source wants; no other fails.
func TestContractFollowFailsTheOther(t *testing.T) {
	for _, tt := range []struct {
		name, follow string
		opts         []mock.Option
		fails        func(id string) bool // exactly these fail
		message      []string             // each failure names one of these
	}{
		{name: "reference, --follow metadata", follow: specfacts.SourceMetadata,
			fails:   func(id string) bool { return strings.HasPrefix(id, "errors/UserQuotaExceed/") },
			message: []string{"status: want 400, got 403"}},
		{name: "FollowsMetadata, --follow page", follow: specfacts.SourcePage, opts: []mock.Option{mock.WithVariants(mock.FollowsMetadata)},
			fails: func(id string) bool {
				return strings.HasPrefix(id, "errors/") || strings.HasPrefix(id, "success/second-start/")
			},
			message: []string{"status: want 403, got 400", "/Message: want the template"}},
		{name: "reference, --follow page", follow: specfacts.SourcePage, fails: func(string) bool { return false }},
		{name: "FollowsMetadata, --follow metadata", follow: specfacts.SourceMetadata, opts: []mock.Option{mock.WithVariants(mock.FollowsMetadata)},
			fails: func(string) bool { return false }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ref := startRefWith(t, tt.opts...)
			r := runContractBinary(t, "--target", ref.APIURL, "--state-url", ref.AdminURL, "--label-filter", "errors || success", "--follow", tt.follow)
			want := 0
			if tt.fails("errors/UserQuotaExceed/GET-v1-JSON") {
				want = 1
			}
			if r.exit != want {
				t.Fatalf("exit %d, want %d; stdout:\n%s", r.exit, want, r.stdout)
			}
			for _, c := range r.json.Cases {
				failed := c.Status == "failed"
				switch {
				case failed != tt.fails(c.ID):
					t.Errorf("%s: %s (%s)", c.ID, c.Status, c.Message)
				case failed && !containsAny(c.Message, tt.message):
					t.Errorf("%s: %q names none of %q", c.ID, c.Message, tt.message)
				}
			}
		})
	}
	if r := runContractBinary(t, "--follow", "rumour"); r.exit != 2 || !strings.Contains(r.stderr, "rumour") {
		t.Errorf("--follow rumour: exit %d, stderr %q; want 2 naming it", r.exit, r.stderr)
	}
}

// MessageOffTemplate fills no template of the page: the metadata's "%s" takes any message, so only
// a run that follows the page catches it on the page's codes.
func TestContractFollowPageCatchesMessages(t *testing.T) {
	t.Parallel()
	ref := startRef(t, mock.MessageOffTemplate)
	r := runContractBinary(t, "--target", ref.APIURL, "--state-url", ref.AdminURL, "--label-filter", "errors", "--follow", "page")
	if r.exit != 1 {
		t.Fatalf("exit %d, want 1; stdout:\n%s", r.exit, r.stdout)
	}
	for _, c := range r.json.Cases {
		if c.Status != "failed" || !strings.Contains(c.Message, "/Message: want the template") {
			t.Errorf("%s: %s %q, want failed on /Message", c.ID, c.Status, c.Message)
		}
	}
}

func containsAny(s string, parts []string) bool {
	for _, p := range parts {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
