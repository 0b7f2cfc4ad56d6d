// Package caseglob matches case ids (errors/JobNotFound/GET-v1-JSON) against the patterns of
// baselines and snapshot-ignore files: "*" is any run of characters but "/", "**" any run at all,
// "?" one character but "/"; everything else stands for itself. An empty pattern matches every id.
package caseglob

import (
	"fmt"
	"regexp"
	"strings"
)

// Glob is a compiled pattern.
type Glob struct {
	pattern string
	re      *regexp.Regexp
}

// Compile compiles pattern.
func Compile(pattern string) (*Glob, error) {
	if strings.ContainsAny(pattern, "\n\x00") {
		return nil, fmt.Errorf("pattern %q: control characters", pattern)
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '*' && i+1 < len(pattern) && pattern[i+1] == '*':
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %v", pattern, err)
	}
	return &Glob{pattern: pattern, re: re}, nil
}

// Match says whether id matches.
func (g *Glob) Match(id string) bool { return g.pattern == "" || g.re.MatchString(id) }

// String is the pattern as written.
func (g *Glob) String() string { return g.pattern }

// IsLiteral says whether the pattern is a plain id (no wildcard).
func (g *Glob) IsLiteral() bool { return !strings.ContainsAny(g.pattern, "*?") }
