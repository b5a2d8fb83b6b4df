package sigv4

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// parsePackage parses the package's non-test files.
func parsePackage(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Fatal("no non-test files found")
	}
	return fset, files
}

// TestImports keeps the package pure: standard library only, and no
// net/http, so it can be verified against the vectors as a plain function.
func TestImports(t *testing.T) {
	fset, files := parsePackage(t)
	for _, f := range files {
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(path, "/")
			if strings.Contains(first, ".") {
				t.Errorf("%s imports %q, want the standard library only", fset.Position(imp.Pos()), path)
			}
			if path == "net/http" || strings.HasPrefix(path, "net/http/") || path == "database/sql" {
				t.Errorf("%s imports %q, which a pure package must not", fset.Position(imp.Pos()), path)
			}
		}
	}
}

// TestDocComments checks the convention that the package has one package
// doc and every exported name a doc comment.
func TestDocComments(t *testing.T) {
	fset, files := parsePackage(t)
	pkgDocs := 0
	for _, f := range files {
		if f.Doc != nil {
			pkgDocs++
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Name.IsExported() && d.Doc == nil {
					t.Errorf("%s: %s has no doc comment", fset.Position(d.Pos()), d.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					var names []*ast.Ident
					var doc *ast.CommentGroup
					switch s := spec.(type) {
					case *ast.TypeSpec:
						names, doc = []*ast.Ident{s.Name}, s.Doc
						if st, ok := s.Type.(*ast.StructType); ok && s.Name.IsExported() {
							for _, field := range st.Fields.List {
								for _, n := range field.Names {
									if n.IsExported() && field.Doc == nil && field.Comment == nil {
										t.Errorf("%s: field %s.%s has no comment", fset.Position(n.Pos()), s.Name, n)
									}
								}
							}
						}
					case *ast.ValueSpec:
						names, doc = s.Names, s.Doc
					}
					if doc == nil {
						doc = d.Doc
					}
					for _, n := range names {
						if n.IsExported() && doc == nil {
							t.Errorf("%s: %s has no doc comment", fset.Position(n.Pos()), n)
						}
					}
				}
			}
		}
	}
	if pkgDocs != 1 {
		t.Errorf("found %d package doc comments, want 1", pkgDocs)
	}
}
