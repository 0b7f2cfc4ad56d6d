package caseglob

import "testing"

func TestGlob(t *testing.T) {
	for _, tt := range []struct {
		pattern, id string
		want        bool
	}{
		{"errors/JobNotFound/GET-v1-JSON", "errors/JobNotFound/GET-v1-JSON", true},
		{"errors/JobNotFound/GET-v1-JSON", "errors/JobNotFound/GET-v1-XML", false},
		{"errors/JobNotFound/*", "errors/JobNotFound/POST-v3-XML", true},
		{"errors/*", "errors/JobNotFound/POST-v3-XML", false},
		{"errors/**", "errors/JobNotFound/POST-v3-XML", true},
		{"*/*/*-XML", "gateway/InvalidVersion/GET-v1-XML", true},
		{"errors/MissingParameter.*/*", "errors/MissingParameter.JobId-empty/GET-v1-JSON", true},
		{"errors/MissingParameter.*/*", "errors/MissingParameterXJobId/GET-v1-JSON", false}, // "." is literal
		{"gateway/?nvalidVersion/*", "gateway/InvalidVersion/GET-v1-JSON", true},
		{"", "anything/at/all", true},
	} {
		g, err := Compile(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := g.Match(tt.id); got != tt.want {
			t.Errorf("%q matches %q: %v, want %v", tt.pattern, tt.id, got, tt.want)
		}
	}
	if _, err := Compile("a\nb"); err == nil {
		t.Error("a pattern with a newline compiled")
	}
}
