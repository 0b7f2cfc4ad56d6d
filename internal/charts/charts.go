// Package charts writes self-contained HTML pages of charts: the data as JSON inside the page, a
// small inline script that draws it as SVG, and a stylesheet readable in light and dark
// (prefers-color-scheme). Nothing is fetched from the network. The load reports (load
// --report-dir, report merge, report compare) and the throttle's latency plot use it.
//
// Each drawn figure carries data-drawn (how many values its script drew) and, for stacked
// figures, data-sum (the values' sum times Figure.Per, e.g. the calls counted), so a test that
// renders the page in a browser can hold the drawing to the data.
package charts

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
)

// Figure kinds.
const (
	KindLines   = "lines"   // one line per series; gaps where a value is missing
	KindStacked = "stacked" // bars per X, the series stacked in order
)

// Colour roles: each is a CSS colour variable defined for the light and the dark theme. Within
// a figure, every series has another role (the test of this package holds both palettes to a
// contrast and a distance).
const (
	RoleP50       = "p50"
	RoleP90       = "p90"
	RoleP99       = "p99"
	RoleMax       = "max"
	RoleOK        = "ok"
	RoleRefused   = "refused"
	RoleThrottled = "throttled"
	RoleFailed    = "failed"
	RoleDry       = "dry"
)

// Page is one HTML page of figures.
type Page struct {
	Title   string
	Notes   []string // paragraphs under the title, plain text
	Figures []Figure
	Tables  []Table // before the figures
}

// Figure is one chart.
type Figure struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Kind   string   `json:"kind"`
	X      Axis     `json:"x"`
	Y      Axis     `json:"y"`
	Per    float64  `json:"per,omitempty"` // stacked: the width of an X step in X units (a bucket's seconds): data-sum is Σ value × Per
	Series []Series `json:"series"`
	Marks  []Mark   `json:"marks,omitempty"`
	Note   string   `json:"note,omitempty"` // a line under the chart
}

// Axis describes one axis.
type Axis struct {
	Label string `json:"label"`
	Unit  string `json:"unit,omitempty"` // "s", "ms", "%", "/s": how values are written
	Log   bool   `json:"log,omitempty"`
	// Ticks, when set, are the only tick positions, each labelled once (a capacity run's steps).
	Ticks []Tick `json:"ticks,omitempty"`
}

// Tick is a labelled position on an axis.
type Tick struct {
	At    float64 `json:"at"`
	Label string  `json:"label"`
}

// Series is one line, or one layer of a stacked figure.
type Series struct {
	Name string    `json:"name"`
	Role string    `json:"role"`
	Dash bool      `json:"dash,omitempty"`
	X    []float64 `json:"x"`
	Y    Values    `json:"y"`
}

// Mark is a vertical line at X with a label (the breaking step; a step's start).
type Mark struct {
	X     float64 `json:"x"`
	Label string  `json:"label"`
	Alert bool    `json:"alert,omitempty"` // drawn in the alert colour
}

// Values are a series' values; NaN is a missing value (JSON null), drawn as a gap.
type Values []float64

// MarshalJSON writes NaN and infinities as null.
func (v Values) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('[')
	for i, f := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			b.WriteString("null")
			continue
		}
		b.WriteString(strconv.FormatFloat(f, 'g', 6, 64))
	}
	b.WriteByte(']')
	return []byte(b.String()), nil
}

// UnmarshalJSON reads null as NaN.
func (v *Values) UnmarshalJSON(data []byte) error {
	var raw []*float64
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*v = make(Values, len(raw))
	for i, p := range raw {
		(*v)[i] = math.NaN()
		if p != nil {
			(*v)[i] = *p
		}
	}
	return nil
}

// Drawn is what the page's script draws of f: the values present (lines), or the positive
// values (stacked bars). A browser test compares it with the figure's data-drawn.
func (f Figure) Drawn() int {
	n := 0
	for _, s := range f.Series {
		for _, v := range s.Y {
			if math.IsNaN(v) || math.IsInf(v, 0) || (f.Kind == KindStacked && v <= 0) {
				continue
			}
			n++
		}
	}
	return n
}

// Table is a plain HTML table (a comparison's figures).
type Table struct {
	Caption string
	Head    []string
	Rows    [][]string
	// Alert marks rows drawn in the alert colour (a crossed threshold).
	Alert []bool
}

//go:embed page.js
var pageJS string

//go:embed page.css
var pageCSS string

// Write writes p as a self-contained HTML page.
func Write(w io.Writer, p Page) error {
	for _, f := range p.Figures {
		if f.Kind != KindLines && f.Kind != KindStacked {
			return fmt.Errorf("charts: figure %q: unknown kind %q", f.ID, f.Kind)
		}
		for _, s := range f.Series {
			if len(s.X) != len(s.Y) {
				return fmt.Errorf("charts: figure %q: series %q has %d x and %d y", f.ID, s.Name, len(s.X), len(s.Y))
			}
		}
	}
	data, err := json.Marshal(p.Figures)
	if err != nil {
		return fmt.Errorf("charts: %w", err)
	}
	js := string(data) // json.Marshal escapes <, > and &: nothing in it ends the script element
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<title>%s</title>\n<style>\n%s</style>\n</head><body>\n<h1>%s</h1>\n",
		html.EscapeString(p.Title), pageCSS, html.EscapeString(p.Title))
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "<p class=\"note\">%s</p>\n", html.EscapeString(n))
	}
	for _, t := range p.Tables {
		writeTable(&b, t)
	}
	b.WriteString("<main id=\"charts\"></main>\n")
	fmt.Fprintf(&b, "<script id=\"chart-data\" type=\"application/json\">%s</script>\n<script>\n%s</script>\n</body></html>\n", js, pageJS)
	_, err = io.WriteString(w, b.String())
	return err
}

func writeTable(b *strings.Builder, t Table) {
	b.WriteString("<table>\n")
	if t.Caption != "" {
		fmt.Fprintf(b, "<caption>%s</caption>\n", html.EscapeString(t.Caption))
	}
	b.WriteString("<thead><tr>")
	for _, h := range t.Head {
		fmt.Fprintf(b, "<th>%s</th>", html.EscapeString(h))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for i, r := range t.Rows {
		if i < len(t.Alert) && t.Alert[i] {
			b.WriteString("<tr class=\"alert\">")
		} else {
			b.WriteString("<tr>")
		}
		for _, c := range r {
			fmt.Fprintf(b, "<td>%s</td>", html.EscapeString(c))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody></table>\n")
}
