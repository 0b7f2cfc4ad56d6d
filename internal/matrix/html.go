package matrix

import (
	"html/template"
	"io"
)

// WriteHTML writes the matrix as one self-contained HTML page: inline CSS, no script, no font or
// any other resource fetched; a cell's message shows as its tooltip.
func (m *Matrix) WriteHTML(w io.Writer) error {
	type cell struct{ Status, Symbol, Note string }
	type row struct {
		ID    string
		Cells []cell
	}
	var rows []row
	for _, id := range m.Cases {
		r := row{ID: id}
		for _, c := range m.Columns {
			st := c.Status(id)
			if st == "" {
				st = "absent"
			}
			r.Cells = append(r.Cells, cell{Status: st, Symbol: c.Cell(id), Note: c.Note(id)})
		}
		rows = append(rows, r)
	}
	type col struct{ Name, Target, Score string }
	var cols []col
	for _, c := range m.Columns {
		cols = append(cols, col{c.Name, c.Target, c.Score().String()})
	}
	return page.Execute(w, struct {
		Columns []col
		Rows    []row
	}{cols, rows})
}

var page = template.Must(template.New("matrix").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>edgeconform matrix</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
th { background: #f3f3f3; position: sticky; top: 0; }
td.case { font-family: ui-monospace, monospace; }
.passed { background: #dff3df; } .fixed { background: #fff4c2; }
.failed { background: #f8d0d0; font-weight: bold; } .known { background: #f3e0c7; }
.skipped, .absent { background: #eeeeee; color: #666; }
tr.score td { font-weight: bold; background: #f3f3f3; }
</style>
</head>
<body>
<h1>edgeconform: contract cases by implementation</h1>
<p>Score: passed of passed + failed ("known" counts as failed, "fixed" as passed; skipped and absent cases do not count). Hover a cell for its message.</p>
<table>
<thead><tr><th>case</th>{{range .Columns}}<th title="{{.Target}}">{{.Name}}</th>{{end}}</tr></thead>
<tbody>
<tr class="score"><td>score</td>{{range .Columns}}<td>{{.Score}}</td>{{end}}</tr>
{{range .Rows}}<tr><td class="case">{{.ID}}</td>{{range .Cells}}<td class="{{.Status}}" title="{{.Note}}">{{.Symbol}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</body>
</html>
`))
