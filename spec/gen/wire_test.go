package gen_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/gen"
	"github.com/edgeconform/edgeconform/spec/source"
)

// A new required parameter on the page gets the wire's places like the others: the query on GET,
// the query or the form body on POST, optional in each place of the POST.
func TestWireFollowsANewRequiredParameter(t *testing.T) {
	page := edit(t, source.Page, "Response elements", "| Priority |\ninteger |\nYes |\nThe priority. |\n5 |\nResponse elements")
	data, err := gen.Generate(page, source.Overlay)
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load(data)
	if err != nil {
		t.Fatalf("the generated spec does not load: %v", err)
	}
	for method, want := range map[string]string{"GET": "Priority:[query]", "POST": "Priority:[query form]"} {
		var got string
		for _, p := range s.Placements(method) {
			if p.Name == "Priority" {
				got = fmt.Sprintf("%s:%v", p.Name, p.In)
			}
		}
		if got != want {
			t.Errorf("%s: %q, want %q", method, got, want)
		}
	}
	if !strings.Contains(string(data), "The priority. Required in one of: the query, the form body.") {
		t.Error("the POST parameter's description does not state the rule")
	}
}

func TestWireOverlayProblems(t *testing.T) {
	tests := []struct{ name, old, new, want string }{
		{"header carries no parameter", "{name: x-acs-action, param: Action,", "{name: x-acs-action, param: Acton,", "Acton, which is no parameter"},
		{"header without x-", "{name: x-acs-version,", "{name: acs-version,", "wire.headers[1]"},
		{"unknown place", "in: [query, form]", "in: [query, body]", `in "body"`},
		{"form first", "in: [query, form]", "in: [form, query]", "query or header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gen.Generate(source.Page, edit(t, source.Overlay, tt.old, tt.new))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	t.Run("no signatures", func(t *testing.T) {
		o := string(source.Overlay)
		i, j := strings.Index(o, "  signatures:\n"), strings.Index(o, "  formAlternative:")
		if i < 0 || j < i {
			t.Fatal("the overlay has no wire.signatures before wire.formAlternative")
		}
		_, err := gen.Generate(source.Page, []byte(o[:i]+o[j:]))
		if err == nil || !strings.Contains(err.Error(), "wire.signatures must not be empty") {
			t.Fatalf("error = %v", err)
		}
	})
}
