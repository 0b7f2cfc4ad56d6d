package gen_test

import (
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/gen"
	"github.com/edgeconform/edgeconform/internal/source"
)

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
