package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// root is the module root, seen from this package's directory.
const root = "../.."

// purePackages may import only the standard library, and neither
// net/http nor database/sql: they are plain functions over their inputs.
var purePackages = []string{
	"internal/otp",
	"internal/sigv4",
	"internal/policy",
	"internal/policy/actions",
	"internal/pskc",
	"internal/awserr",
	"internal/clock",
}

type pkg struct {
	dir   string // relative to root
	fset  *token.FileSet
	files []*ast.File // non-test, non-generated
	all   []*ast.File // non-test
}

// packages parses every Go package of the module.
func packages(t *testing.T) []pkg {
	t.Helper()
	byDir := map[string]*pkg{}
	var order []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != root) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		dir, _ := filepath.Rel(root, filepath.Dir(path))
		p := byDir[dir]
		if p == nil {
			p = &pkg{dir: dir, fset: token.NewFileSet()}
			byDir[dir] = p
			order = append(order, dir)
		}
		f, err := parser.ParseFile(p.fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		p.all = append(p.all, f)
		if !strings.HasPrefix(filepath.Base(path), "zz_") {
			p.files = append(p.files, f)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]pkg, 0, len(order))
	for _, d := range order {
		out = append(out, *byDir[d])
	}
	if len(out) < 10 {
		t.Fatalf("found only %d packages under %s", len(out), root)
	}
	return out
}

func TestPurePackagesImportOnlyTheStandardLibrary(t *testing.T) {
	pure := map[string]bool{}
	for _, p := range purePackages {
		pure[p] = true
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("pure package %s: %v", p, err)
		}
	}
	for _, p := range packages(t) {
		if !pure[filepath.ToSlash(p.dir)] {
			continue
		}
		for _, f := range p.all {
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				first, _, _ := strings.Cut(path, "/")
				if strings.Contains(first, ".") {
					t.Errorf("%s imports %q: a pure package uses the standard library only", p.fset.Position(imp.Pos()), path)
				}
				if path == "net/http" || strings.HasPrefix(path, "net/http/") || path == "database/sql" {
					t.Errorf("%s imports %q, which a pure package must not", p.fset.Position(imp.Pos()), path)
				}
			}
		}
	}
}

func TestNoDrawerPackages(t *testing.T) {
	for _, p := range packages(t) {
		switch filepath.Base(p.dir) {
		case "util", "utils", "common", "helpers", "misc", "x":
			t.Errorf("package %s: name packages for what they provide", p.dir)
		}
	}
}

func TestDocComments(t *testing.T) {
	for _, p := range packages(t) {
		docs := 0
		for _, f := range p.all {
			if f.Doc != nil {
				docs++
			}
		}
		if docs == 0 {
			t.Errorf("package %s has no package doc", p.dir)
		}
		if f0 := p.all[0]; f0.Name.Name == "main" {
			continue
		}
		for _, f := range p.files {
			for _, decl := range f.Decls {
				checkDecl(t, p.fset, decl)
			}
		}
	}
}

// checkDecl reports exported names without a doc comment. A grouped
// declaration's comment covers its names; methods of unexported types are
// skipped.
func checkDecl(t *testing.T, fset *token.FileSet, decl ast.Decl) {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		if !d.Name.IsExported() || d.Doc != nil {
			return
		}
		if d.Recv != nil && len(d.Recv.List) > 0 && !exportedRecv(d.Recv.List[0].Type) {
			return
		}
		switch d.Name.Name {
		case "Error", "String", "MarshalXML", "MarshalText", "UnmarshalText", "LogValue", "Format":
			return // methods of well-known interfaces
		}
		t.Errorf("%s: %s has no doc comment", fset.Position(d.Pos()), d.Name)
	case *ast.GenDecl:
		if d.Doc != nil && d.Lparen.IsValid() {
			return
		}
		for _, spec := range d.Specs {
			switch s := spec.(type) {
			case *ast.TypeSpec:
				if s.Name.IsExported() && s.Doc == nil && d.Doc == nil {
					t.Errorf("%s: type %s has no doc comment", fset.Position(s.Pos()), s.Name)
				}
			case *ast.ValueSpec:
				for _, n := range s.Names {
					if n.IsExported() && s.Doc == nil && d.Doc == nil && s.Comment == nil {
						t.Errorf("%s: %s has no doc comment", fset.Position(n.Pos()), n)
					}
				}
			}
		}
	}
}

func exportedRecv(e ast.Expr) bool {
	switch t := e.(type) {
	case *ast.StarExpr:
		return exportedRecv(t.X)
	case *ast.Ident:
		return t.IsExported()
	case *ast.IndexExpr:
		return exportedRecv(t.X)
	case *ast.IndexListExpr:
		return exportedRecv(t.X)
	}
	return true
}

// layers orders the packages from the bottom up: a package may import
// packages of its own layer or below, never one above. New packages must be
// placed here, which is the point: the direction is decided, not drifted.
var layers = []struct {
	name     string
	packages []string
}{
	{"pure logic", []string{"internal/otp", "internal/sigv4", "internal/policy", "internal/policy/actions", "internal/pskc",
		"internal/awserr", "internal/clock", "internal/seal", "internal/qrpng"}},
	{"wire codecs", []string{"internal/awsquery", "internal/wire/awsquery", "internal/wire/awsjson", "internal/wire/restxml"}},
	{"decisions", []string{"internal/authz", "internal/mfa"}},
	{"domains", []string{"internal/iam", "internal/sts", "internal/quotas", "internal/s3", "internal/audit"}},
	{"adapters", []string{"internal/store", "internal/store/storetest", "internal/auth"}},
	{"doors", []string{"internal/gateway", "internal/console"}},
	{"commands", []string{"cmd/iamd", "cmd/iamd-load"}},
}

// TestImportDirection checks that no package imports one of a layer above
// its own (pure ← wire ← authz/mfa ← domains ← store/authn ← gateway/console
// ← cmd), and that every package of the module has a layer. Generators
// (package main under an internal/ directory) and this package are exempt.
func TestImportDirection(t *testing.T) {
	const module = "github.com/iamd/iamd/"
	layerOf := map[string]int{}
	for i, l := range layers {
		for _, p := range l.packages {
			layerOf[p] = i
		}
	}
	for _, p := range packages(t) {
		dir := filepath.ToSlash(p.dir)
		if dir == "internal/layout" || (p.all[0].Name.Name == "main" && strings.Contains(dir, "/internal/")) {
			continue
		}
		mine, ok := layerOf[dir]
		if !ok {
			t.Errorf("package %s has no layer: add it to layers in layout_test.go", dir)
			continue
		}
		for _, f := range p.all {
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if !strings.HasPrefix(path, module) {
					continue
				}
				dep := strings.TrimPrefix(path, module)
				theirs, ok := layerOf[dep]
				if !ok {
					continue // reported as the package without a layer
				}
				if theirs > mine {
					t.Errorf("%s: %s (%s) imports %s (%s), a layer above it", p.fset.Position(imp.Pos()), dir, layers[mine].name, dep, layers[theirs].name)
				}
			}
		}
	}
}
