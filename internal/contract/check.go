package contract

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/edgeconform/edgeconform/internal/explore"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// expectation is what a conforming answer looks like for one case.
type expectation struct {
	Status int
	Code   string          // spec.CodeOK for a success
	Error  spec.ErrorCode  // the expected code's entry, for its Message template
	JobID  string          // a success echoes it
	Format protocol.Format // JSON or XML
	// Names: the Message must name one of these (MissingParameter names the parameter).
	Names []string
}

// success expects 200 with jobID echoed.
func success(jobID string, format protocol.Format) expectation {
	return expectation{Status: 200, Code: spec.CodeOK, JobID: jobID, Format: format}
}

// failure expects the error e.
func failure(e spec.ErrorCode, format protocol.Format) expectation {
	return expectation{Status: e.Status, Code: e.Code, Error: e, Format: format}
}

// problem is one way an answer differs from its expectation.
type problem struct {
	Field string // "status", a header name, or a JSON pointer into the body
	Want  string
	Got   string
}

func (p problem) String() string {
	if p.Field == "" { // an Observer's problem, whole
		return p.Got
	}
	if p.Want == "" { // a finding of the spec: its reason says it all
		return p.Field + ": " + p.Got
	}
	return p.Field + ": want " + p.Want + ", got " + p.Got
}

// check lists every way a differs from e, in a fixed order: status, Content-Type, body format,
// Code, Message, JobId, RequestId, then the spec's own findings.
func (s *session) check(ctx context.Context, a *answer, e expectation) []problem {
	var ps []problem
	add := func(field, want, got string) { ps = append(ps, problem{field, want, got}) }
	var alts []specfacts.Alternative // the answers the run accepts where the sources disagree (follow.go)
	if e.Code != spec.CodeOK {
		alts = s.alternatives(e.Error)
	}
	switch {
	case alts == nil && a.Status != e.Status:
		add("status", strconv.Itoa(e.Status), strconv.Itoa(a.Status))
	case alts != nil && statusOf(alts, a.Status) == nil:
		add("status", wantStatuses(alts), strconv.Itoa(a.Status))
	}
	if want := s.spec.ContentType(string(e.Format)); a.ContentType != want {
		add("Content-Type", strconv.Quote(want), explore.QuoteOrNone(a.ContentType))
	}
	if !a.Parsed {
		add("body", string(e.Format), "neither JSON nor XML ("+short(explore.ErrString(a.ParseErr))+")")
	} else if a.Format != e.Format {
		add("body", string(e.Format), string(a.Format))
	}
	if a.Parsed {
		if e.Code == spec.CodeOK {
			if a.Code != "" {
				add("/Code", "none", strconv.Quote(a.Code))
			}
			if a.JobID != e.JobID {
				add("/JobId", strconv.Quote(e.JobID)+" (echoed)", explore.QuoteOrNone(a.JobID))
			}
		} else {
			if a.Code != e.Code {
				add("/Code", strconv.Quote(e.Code), explore.QuoteOrNone(a.Code))
			}
			switch {
			case messageOf(e.Error, alts, a.Message) == nil:
				add("/Message", wantTemplates(alts), explore.QuoteOrNone(short(a.Message)))
			case len(e.Names) > 0 && !explore.NamesOne(a.Message, e.Names):
				add("/Message", "it to name "+strings.Join(e.Names, " or "), strconv.Quote(short(a.Message)))
			}
		}
		switch {
		case a.RequestID == "":
			add("/RequestId", "an upper-case UUID", "none")
		case a.dupOf != "":
			add("/RequestId", "a fresh one", strconv.Quote(a.RequestID)+" again (first answered in "+a.dupOf+")")
		}
	}
	if err := specfacts.ValidateResponse(ctx, s.spec, a.Request, a.Status, a.Header, a.Body); err != nil {
		var re *specfacts.ResponseError
		if errors.As(err, &re) && len(re.Problems) > 0 {
			for _, p := range re.Problems {
				field := "spec"
				if p.Pointer != "" {
					field = "spec " + p.Pointer
				}
				ps = append(ps, problem{Field: field, Got: short(p.Reason)})
			}
		} else {
			ps = append(ps, problem{Field: "spec", Got: short(err.Error())})
		}
	}
	return ps
}

// short keeps a message readable: one line, at most 160 characters.
func short(s string) string {
	s = oneLine(s)
	if r := []rune(s); len(r) > 160 {
		return string(r[:160]) + "…"
	}
	return s
}
