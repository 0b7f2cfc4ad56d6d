package contract

import (
	"context"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

// Where the sources disagree (UserQuotaExceed: 403 on the page, 400 in the metadata; the page's
// template against the metadata's %s), an answer that follows either conforms and is named after
// the source it followed; Follow makes one source required; an answer no source gives fails.
func TestFollow(t *testing.T) {
	quota, _ := spec.Default().Error(specfacts.CodeUserQuotaExceed)
	body := func(msg string) (string, map[string]string) {
		f := map[string]string{"RequestId": rid, "HostId": "h", "Code": quota.Code, "Message": msg, "Recommend": "r"}
		return `{"RequestId":"` + rid + `","HostId":"h","Code":"` + quota.Code + `","Message":"` + msg + `","Recommend":"r"}`, f
	}
	answerOf := func(status int, msg string) *answer {
		b, f := body(msg)
		return jsonAnswer(status, b, f)
	}
	pageMsg, metaMsg := quota.Message("daily quota"), "daily quota"
	tests := []struct {
		name, follow string
		status       int
		msg          string
		problems     []string // substrings, in order; none: conforms
		followed     []string // the notes, in order
	}{
		{name: "page", status: 403, msg: pageMsg, followed: []string{
			"UserQuotaExceed: 403, as the page; the vendor's metadata (2024-06-24) says 400",
			`UserQuotaExceed message: "Quota exceeded: %s.", as the page; the vendor's metadata (2024-06-24) says "%s"`}},
		{name: "metadata", status: 400, msg: metaMsg, followed: []string{
			"UserQuotaExceed: 400, as the vendor's metadata (2024-06-24); the page says 403",
			`UserQuotaExceed message: "%s", as the vendor's metadata (2024-06-24); the page says "Quota exceeded: %s."`}},
		{name: "mixed", status: 400, msg: pageMsg, followed: []string{
			"UserQuotaExceed: 400, as the vendor's metadata (2024-06-24)", `message: "Quota exceeded: %s.", as the page`}},
		{name: "no source", status: 409, msg: pageMsg, problems: []string{"status: want 403 (the page) or 400 (the vendor's metadata (2024-06-24)), got 409"}},
		{name: "follow page, metadata's answer", follow: specfacts.SourcePage, status: 400, msg: metaMsg,
			problems: []string{"status: want 403, got 400", `/Message: want the template "Quota exceeded: %s.", got "daily quota"`}},
		{name: "follow page, page's answer", follow: specfacts.SourcePage, status: 403, msg: pageMsg, followed: []string{"403, as the page", "message: \"Quota exceeded: %s.\", as the page"}},
		{name: "follow metadata, page's answer", follow: specfacts.SourceMetadata, status: 403, msg: pageMsg,
			problems: []string{"status: want 400, got 403"}},
		{name: "follow metadata, metadata's answer", follow: specfacts.SourceMetadata, status: 400, msg: metaMsg, followed: []string{"400, as the vendor's metadata", "message: \"%s\", as the vendor's metadata"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := newSession(context.Background(), Config{Target: "http://127.0.0.1:1", States: arrange.Map{}, Follow: tt.follow})
			if err != nil {
				t.Fatal(err)
			}
			a, e := answerOf(tt.status, tt.msg), failure(quota, "JSON")
			var got []string
			for _, p := range s.check(context.Background(), a, e) {
				got = append(got, p.String())
			}
			inOrder(t, strings.Join(got, "; "), tt.problems)
			if len(tt.problems) == 0 && len(got) > 0 {
				t.Fatalf("problems %q, want none", got)
			}
			if len(tt.problems) > 0 {
				return
			}
			fs := s.followed(a, e)
			if len(fs) != len(tt.followed) {
				t.Fatalf("followed %+v, want %d notes", fs, len(tt.followed))
			}
			for i, w := range tt.followed {
				if !strings.Contains(fs[i].Note, w) {
					t.Errorf("followed[%d] = %q, want it to hold %q", i, fs[i].Note, w)
				}
			}
		})
	}
	// An undisputed code follows no source: nothing to name.
	s := testSession(t)
	sig, _ := s.spec.Error(specfacts.CodeSignatureDoesNotMatch)
	if fs := s.followed(answerOf(400, sig.Template), failure(sig, "JSON")); len(fs) != 0 {
		t.Errorf("an undisputed code followed %+v", fs)
	}
}
