package specfacts

import (
	"regexp"
	"strings"
	"sync"
)

// ErrorCode is one error the API may answer with.
type ErrorCode struct {
	Code        string // e.g. "JobNotFound"
	Status      int    // HTTP status, e.g. 404
	Template    string // the message template; %s stands for a detail, e.g. "%s, please check and try again later."
	Description string // what the page says of it
	Source      string // SourcePage or SourceCommon
	State       string // the provider state whose case expects this code, "" if none
	// Others are the message templates other sources give the code where they disagree with
	// Template (x-edgeconform-disagreements: the metadata's "%s", the form an SDK parses).
	Others []string
}

// Message fills the template's %s with detail.
func (e ErrorCode) Message(detail string) string {
	return strings.ReplaceAll(e.Template, "%s", detail)
}

// MatchesMessage reports whether msg fills a template some source gives the code: its own
// Template or one of Others, each %s replaced by one or more characters, everything else literal,
// the whole message matched. Where the sources disagree, a message that follows either conforms.
func MatchesMessage(e ErrorCode, msg string) bool {
	if MatchesTemplate(e, msg) {
		return true
	}
	for _, t := range e.Others {
		if templateRegexp(t).MatchString(msg) {
			return true
		}
	}
	return false
}

// MatchesTemplate reports whether msg fills the code's own Template (the page's or the common
// conventions'), whatever the other sources say.
func MatchesTemplate(e ErrorCode, msg string) bool {
	return templateRegexp(e.Template).MatchString(msg)
}

// templates caches compiled templates: suites match many messages against few templates.
var templates sync.Map // string -> *regexp.Regexp

func templateRegexp(template string) *regexp.Regexp {
	if re, ok := templates.Load(template); ok {
		return re.(*regexp.Regexp)
	}
	parts := strings.Split(template, "%s")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	// (?s): a detail may span lines.
	re := regexp.MustCompile(`(?s)\A` + strings.Join(parts, ".+") + `\z`)
	templates.Store(template, re)
	return re
}
