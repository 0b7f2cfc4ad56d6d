package repocheck

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// apiBudget is what each public package may export (see countAPI for what counts). The total is
// the design's limit: a Go user can read the whole public surface in one sitting.
var apiBudget = map[string]int{
	"spec":               30,
	"spec/protocol":      20,
	"spec/states":        15,
	"suites/contract":    25,
	"suites/throttle":    20,
	"suites/conformance": 15,
	"load":               20,
	"fixtures":           4,
}

const apiTotalBudget = 150

// apiName is one exported name of a public package, or an exported field (documented, not counted).
type apiName struct {
	name    string // "Run", "Report.Write", "Report.Cases"
	field   bool
	pos     token.Position
	missing bool // no doc comment
}

// countAPI lists a package's exported surface as a Go user sees it: every exported package-level
// identifier (each name of a const block), and every exported method of an exported type, also
// when the type is an alias of another package's type or gets the method by embedding. Fields are
// listed for the doc check but not counted.
func countAPI(pkg *types.Package, fset *token.FileSet) []apiName {
	var out []apiName
	scope := pkg.Scope()
	for _, n := range scope.Names() {
		obj := scope.Lookup(n)
		if !obj.Exported() {
			continue
		}
		out = append(out, apiName{name: n, pos: fset.Position(obj.Pos())})
		tn, ok := obj.(*types.TypeName)
		if !ok {
			continue
		}
		t := tn.Type()
		var ms *types.MethodSet
		if types.IsInterface(t) {
			ms = types.NewMethodSet(t)
		} else {
			ms = types.NewMethodSet(types.NewPointer(t))
		}
		for i := 0; i < ms.Len(); i++ {
			m := ms.At(i).Obj()
			if m.Exported() {
				out = append(out, apiName{name: n + "." + m.Name(), pos: fset.Position(m.Pos())})
			}
		}
		if st, ok := t.Underlying().(*types.Struct); ok {
			for i := 0; i < st.NumFields(); i++ {
				if f := st.Field(i); f.Exported() && !f.Embedded() {
					out = append(out, apiName{name: n + "." + f.Name(), field: true, pos: fset.Position(f.Pos())})
				}
			}
		}
	}
	return out
}

// loadPackages type-checks the given packages (module-relative paths) from their export data, so
// that positions point into the sources, also for names reached through an alias.
func loadPackages(t *testing.T, rel []string) (map[string]*types.Package, *token.FileSet) {
	t.Helper()
	const module = "github.com/edgeconform/edgeconform/"
	args := []string{"list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}
	for _, r := range rel {
		args = append(args, "./"+r)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -export: %v\n%s", err, stderr.String())
	}
	exports := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		path, file, _ := strings.Cut(sc.Text(), "\t")
		exports[path] = file
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok || file == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})
	pkgs := map[string]*types.Package{}
	for _, r := range rel {
		p, err := imp.Import(module + r)
		if err != nil {
			t.Fatalf("import %s: %v", r, err)
		}
		pkgs[r] = p
	}
	return pkgs, fset
}

// markUndocumented sets missing on every name whose declaration has no doc comment: a func or
// method without one, a type or value without one on its spec or its group, a field with neither
// a comment above it nor one at the end of its line.
func markUndocumented(t *testing.T, names []apiName) {
	t.Helper()
	files := map[string]*ast.File{}
	fset := token.NewFileSet()
	for i := range names {
		p := names[i].pos
		f, ok := files[p.Filename]
		if !ok {
			var err error
			f, err = parser.ParseFile(fset, p.Filename, nil, parser.ParseComments)
			if err != nil {
				t.Fatalf("parse %s: %v", p.Filename, err)
			}
			files[p.Filename] = f
		}
		ident := names[i].name[strings.LastIndex(names[i].name, ".")+1:]
		names[i].missing = !documentedAt(fset, f, p.Line, ident)
	}
}

// documentedAt finds the declaration of name on line (export data keeps lines, not always columns).
func documentedAt(fset *token.FileSet, f *ast.File, line int, name string) bool {
	at := func(id *ast.Ident) bool {
		return id.Name == name && fset.Position(id.Pos()).Line == line
	}
	found, documented := false, false
	ast.Inspect(f, func(n ast.Node) bool {
		if found {
			return false
		}
		switch d := n.(type) {
		case *ast.FuncDecl:
			if at(d.Name) {
				found, documented = true, d.Doc != nil
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if at(s.Name) {
						found, documented = true, s.Doc != nil || (d.Doc != nil && !d.Lparen.IsValid()) || (d.Doc != nil && len(d.Specs) == 1)
					}
				case *ast.ValueSpec:
					for _, id := range s.Names {
						if at(id) {
							found, documented = true, s.Doc != nil || s.Comment != nil || d.Doc != nil
						}
					}
				}
			}
		case *ast.Field:
			for _, id := range d.Names {
				if at(id) {
					found, documented = true, d.Doc != nil || d.Comment != nil
				}
			}
		}
		return true
	})
	return found && documented
}

// The control: a sample package with a known surface (an alias whose methods count, a const
// block, a method on an unexported type that does not count) and known undocumented names.
func TestAPICountControl(t *testing.T) {
	const sample = "internal/repocheck/testdata/apisample"
	pkgs, fset := loadPackages(t, []string{sample})
	names := countAPI(pkgs[sample], fset)
	markUndocumented(t, names)
	var counted, undocumented []string
	for _, n := range names {
		if !n.field {
			counted = append(counted, n.name)
		}
		if n.missing {
			undocumented = append(undocumented, n.name)
		}
	}
	sort.Strings(counted)
	sort.Strings(undocumented)
	if got, want := strings.Join(counted, " "), "Fail Options Options.Validate Pass Report Report.Undocumented Report.Write Run"; got != want {
		t.Errorf("counted %q, want %q", got, want)
	}
	if got, want := strings.Join(undocumented, " "), "Report.Total Report.Undocumented Run"; got != want {
		t.Errorf("undocumented %q, want %q", got, want)
	}
}

// The public packages export at most apiTotalBudget names between them, each within its own
// budget, and every name (and exported field) a user can reach is documented.
func TestPublicAPIIsSmallAndDocumented(t *testing.T) {
	var rel []string
	for p := range apiBudget {
		rel = append(rel, p)
	}
	sort.Strings(rel)
	for p := range publicPackages {
		if _, ok := apiBudget[p]; !ok && !strings.HasPrefix(p, "cmd/") {
			t.Errorf("public package %s has no API budget", p)
		}
	}
	pkgs, fset := loadPackages(t, rel)
	total := 0
	for _, p := range rel {
		names := countAPI(pkgs[p], fset)
		markUndocumented(t, names)
		n := 0
		var list []string
		for _, name := range names {
			if !name.field {
				n++
				list = append(list, name.name)
			}
			if name.missing {
				t.Errorf("%s: %s (%s:%d) has no doc comment", p, name.name, name.pos.Filename, name.pos.Line)
			}
		}
		total += n
		t.Logf("%-20s %3d of %3d", p, n, apiBudget[p])
		if n > apiBudget[p] {
			t.Errorf("%s exports %d names, over its budget of %d: %s", p, n, apiBudget[p], strings.Join(list, " "))
		}
	}
	t.Logf("%-20s %3d of %3d", "total", total, apiTotalBudget)
	if total > apiTotalBudget {
		t.Errorf("the public packages export %d names, over the limit of %d", total, apiTotalBudget)
	}
}
