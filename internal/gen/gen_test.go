package gen_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/docpage"
	"github.com/edgeconform/edgeconform/internal/gen"
	"github.com/edgeconform/edgeconform/internal/source"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

// TestDrift regenerates the spec and fails on any byte of difference from the committed file.
func TestDrift(t *testing.T) {
	got, err := gen.Generate(source.Page, source.Overlay)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../spec/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if !bytes.Equal(gl[i], wl[i]) {
				t.Fatalf("spec/openapi.yaml differs from the generator's output at line %d:\n  committed: %s\n  generated: %s\nrun: go generate ./spec", i+1, wl[i], gl[i])
			}
		}
		t.Fatalf("spec/openapi.yaml differs from the generator's output in length (%d vs %d lines); run: go generate ./spec", len(wl), len(gl))
	}
	again, _ := gen.Generate(source.Page, source.Overlay)
	if !bytes.Equal(got, again) {
		t.Fatal("two generations from the same inputs differ")
	}
	if !bytes.HasPrefix(got, []byte(gen.Header)) {
		t.Error("output does not start with the generated-code header")
	}
}

func edit(t *testing.T, page []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(page, []byte(old)) {
		t.Fatalf("page has no %q", old)
	}
	return bytes.Replace(page, []byte(old), []byte(new), 1)
}

// A changed page (a new error code, a changed status, a new parameter) is followed by the spec.
func TestChangedPageIsFollowed(t *testing.T) {
	page := source.Page
	page = edit(t, page, "| 404 | JobNotFound |", "| 410 | JobNotFound |")
	page = edit(t, page, "See Error Codes", "| 409 | JobConflict | The job %s is busy. | Job busy. |\nSee Error Codes")
	page = edit(t, page, "Response elements", "| Force |\nboolean |\nNo |\nStart even if running. |\ntrue |\n| Priority |\ninteger |\nYes |\nThe priority. |\n5 |\nResponse elements")
	data, err := gen.Generate(page, source.Overlay)
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load(data)
	if err != nil {
		t.Fatalf("the generated spec does not load: %v", err)
	}
	if e, ok := s.Error("JobNotFound"); !ok || e.Status != 410 {
		t.Errorf("JobNotFound = %+v, want status 410", e)
	}
	e, ok := s.Error("JobConflict")
	if !ok || e.Status != 409 || e.Template != "The job %s is busy." || e.Source != specfacts.SourcePage {
		t.Errorf("JobConflict = %+v, %v; want the new page code at 409", e, ok)
	}
	if got := len(specfacts.PageErrors(s)); got != 8 {
		t.Errorf("PageErrors() has %d codes, want 8", got)
	}
	if got, want := specfacts.RequiredParams(s), []string{"ClusterId", "JobId", "Priority"}; !slices.Equal(got, want) {
		t.Errorf("RequiredParams() = %v, want %v", got, want)
	}
	if got, want := specfacts.OptionalParams(s), []string{"RegionId", "Force"}; !slices.Equal(got, want) {
		t.Errorf("OptionalParams() = %v, want %v", got, want)
	}
	// The new required parameter gets the wire's places: the query on GET, the query or the form
	// body on POST (optional in each, the rule written in its description).
	for method, want := range map[string][]string{"GET": {"query"}, "POST": {"query", "form"}} {
		i := slices.IndexFunc(specfacts.Placements(s, method), func(p specfacts.Placement) bool { return p.Name == "Priority" })
		if i < 0 || !slices.Equal(specfacts.Placements(s, method)[i].In, want) {
			t.Errorf("%s: Priority's placements %v, want %v", method, specfacts.Placements(s, method), want)
		}
	}
	if !strings.Contains(string(data), "The priority. Required in one of: the query, the form body.") {
		t.Error("the POST parameter's description does not state the rule")
	}
	// The state keeps following its code to the new status.
	for _, st := range s.States() {
		if st.Name == spec.StateNoSuchJob && st.Status != 410 {
			t.Errorf("%s expects status %d, want 410", st.Name, st.Status)
		}
	}
	// And the response schemas follow: JobNotFound is valid at 410 and no longer at 404.
	body := []byte(`{"RequestId":"0000003B-0E1A-586A-AC29-742247000000","HostId":"h","Code":"JobNotFound","Message":"m","Recommend":"r"}`)
	h := http.Header{"Content-Type": {"application/json;charset=utf-8"}}
	if err := specfacts.ValidateResponse(context.Background(), s, nil, 410, h, body); err != nil {
		t.Errorf("JobNotFound at 410: %v", err)
	}
	// The vendor's metadata still says 404: the sources now disagree, which the document records,
	// and an answer that follows the metadata stays valid.
	if d, ok := specfacts.DisagreementOf(s, "errors/JobNotFound/status"); !ok || d.Claims[0].Says != "410" || d.Claims[1].Says != "404" {
		t.Errorf("errors/JobNotFound/status = %+v, %v; want the page's 410 against the metadata's 404", d, ok)
	}
	if err := specfacts.ValidateResponse(context.Background(), s, nil, 404, h, body); err != nil {
		t.Errorf("JobNotFound at 404, as the metadata says: %v", err)
	}
	if err := specfacts.ValidateResponse(context.Background(), s, nil, 400, h, body); err == nil {
		t.Error("JobNotFound at 400, which no source says, validates")
	}
	if !strings.Contains(string(data), "type: boolean") || !strings.Contains(string(data), "format: int32") {
		t.Error("the new parameters' types are not in the document")
	}
}

func TestMalformedPageNamesTableAndLine(t *testing.T) {
	page := edit(t, source.Page, "| 403 | UserQuotaExceed |", "| forbidden | UserQuotaExceed |")
	_, err := gen.Generate(page, source.Overlay)
	var pe *docpage.ParseError
	if !errors.As(err, &pe) || pe.Section != docpage.SectionErrors || pe.Line != 79 {
		t.Fatalf("got %v, want a ParseError for table %q line 79", err, docpage.SectionErrors)
	}
	if msg := err.Error(); !strings.Contains(msg, `table "Error codes", line 79`) {
		t.Errorf("message %q does not name the table and line", msg)
	}
}

func TestOverlayProblems(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown key", "rateLimitPer: account", "rateLimitPer: account\nrateLimitPerr: user", "rateLimitPerr"},
		{"missing fact", "action: StartEdgeTranscodeJob\n", "", "action"},
		{"state with unknown code", "code: JobNotFound}", "code: NoSuchCode}", "NoSuchCode"},
		{"common code also on page", "  - {code: InvalidVersion,", "  - {code: JobNotFound, status: 404, message: x, description: y}\n  - {code: InvalidVersion,", "on the page too"},
		{"bad status", "{code: InvalidVersion, status: 400,", "{code: InvalidVersion, status: 200,", "4xx/5xx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			overlay := edit(t, source.Overlay, tt.old, tt.new)
			_, err := gen.Generate(source.Page, overlay)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}
