package contract

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

// Where the vendor's sources disagree on an expectation (x-edgeconform-disagreements: the page says
// UserQuotaExceed is 403, the metadata 400), an answer that follows either source conforms, and the
// case says which one the target followed. Config.Follow makes one source required.

// Followed is one disputed point of a case's expectation and the source the target's answer followed.
type Followed struct {
	Field  string `json:"field"`        // the disagreement, e.g. "errors/UserQuotaExceed/status"
	Source string `json:"source"`       // specfacts.SourcePage, specfacts.SourceMetadata, ...
	Of     string `json:"of,omitempty"` // which snapshot or SDK
	// Note says it in one line: "UserQuotaExceed: 400, as the vendor's metadata (2024-06-24); the page says 403".
	Note string `json:"note"`
}

// Followable are the sources a run may be told to follow (Config.Follow, --follow).
var Followable = []string{specfacts.SourcePage, specfacts.SourceMetadata}

// alternatives are the answers to error e the run accepts, the page's first: every source's
// where they disagree, or only Config.Follow's.
func (s *session) alternatives(e spec.ErrorCode) []specfacts.Alternative {
	all := specfacts.Alternatives(s.spec, e)
	if s.cfg.Follow == "" || len(all) < 2 {
		return all
	}
	var out []specfacts.Alternative
	for _, a := range all {
		if a.Source == s.cfg.Follow {
			out = append(out, a)
		}
	}
	if len(out) == 0 { // the source followed is silent here: the others stand
		return all
	}
	return out
}

// statusOf is the alternative whose status the answer has (nil: none).
func statusOf(alts []specfacts.Alternative, status int) *specfacts.Alternative {
	for i := range alts {
		if alts[i].Status == status {
			return &alts[i]
		}
	}
	return nil
}

// messageOf is the alternative whose template the message fills (nil: none); the most specific
// template first, so a message that fills the page's template follows the page even where another
// source allows any ("%s").
func messageOf(e spec.ErrorCode, alts []specfacts.Alternative, msg string) *specfacts.Alternative {
	var loose *specfacts.Alternative
	for i := range alts {
		if !specfacts.MatchesMessage(alts[i].Error(e), msg) {
			continue
		}
		if alts[i].Template != "%s" {
			return &alts[i]
		}
		if loose == nil {
			loose = &alts[i]
		}
	}
	return loose
}

// wantStatuses says the statuses the run accepts: "403" or "403 (the page) or 400 (the vendor's metadata (2024-06-24))".
func wantStatuses(alts []specfacts.Alternative) string {
	return wantEach(alts, func(a specfacts.Alternative) string { return strconv.Itoa(a.Status) })
}

// wantTemplates says the templates the run accepts.
func wantTemplates(alts []specfacts.Alternative) string {
	return "the template " + wantEach(alts, func(a specfacts.Alternative) string { return strconv.Quote(a.Template) })
}

func wantEach(alts []specfacts.Alternative, value func(specfacts.Alternative) string) string {
	seen := map[string]bool{}
	var parts []string
	for _, a := range alts {
		v := value(a)
		if seen[v] {
			continue
		}
		seen[v] = true
		parts = append(parts, v)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	var named []string
	for _, a := range alts {
		named = append(named, value(a)+" ("+alternativeName(a)+")")
	}
	return strings.Join(named, " or ")
}

func alternativeName(a specfacts.Alternative) string {
	return specfacts.Claim{Source: a.Source, Of: a.Of}.Name()
}

// followed says, for each disputed point of e that the answer satisfies, which source it followed.
func (s *session) followed(a *answer, e expectation) []Followed {
	if e.Code == spec.CodeOK || !a.Parsed || a.Code != e.Code {
		return nil
	}
	alts := s.alternatives(e.Error)
	var out []Followed
	if d, ok := specfacts.DisagreementOf(s.spec, "errors/"+e.Code+"/"+specfacts.AspectStatus); ok {
		if alt := statusOf(alts, a.Status); alt != nil {
			out = append(out, Followed{Field: d.Field, Source: alt.Source, Of: alt.Of,
				Note: fmt.Sprintf("%s: %d, as %s%s", e.Code, a.Status, alternativeName(*alt), others(d, *alt, strconv.Itoa(a.Status)))})
		}
	}
	if d, ok := specfacts.DisagreementOf(s.spec, "errors/"+e.Code+"/"+specfacts.AspectMessage); ok {
		if alt := messageOf(e.Error, alts, a.Message); alt != nil {
			out = append(out, Followed{Field: d.Field, Source: alt.Source, Of: alt.Of,
				Note: fmt.Sprintf("%s message: %q, as %s%s", e.Code, alt.Template, alternativeName(*alt), others(d, *alt, alt.Template))})
		}
	}
	return out
}

// others says what the sources not followed say: "; the page says 403".
func others(d specfacts.Disagreement, followed specfacts.Alternative, value string) string {
	var parts []string
	for _, c := range d.Claims {
		if (c.Source == followed.Source && c.Of == followed.Of) || c.Says == value {
			continue
		}
		says := strconv.Quote(c.Says)
		if d.Aspect == specfacts.AspectStatus {
			says = c.Says
		}
		parts = append(parts, c.Name()+" says "+says)
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, ", ")
}

// followNote is the case's points in one line.
func followNote(fs []Followed) string {
	notes := make([]string, len(fs))
	for i, f := range fs {
		notes[i] = f.Note
	}
	return strings.Join(notes, "; ")
}
