// Command genmodel writes zz_model.go for package awsquery from botocore's IAM
// and STS service models, so that the build never needs botocore itself.
//
// It keeps what the Query protocol needs and nothing else: every operation's
// name, the shapes reachable from its input with their constraints (length,
// range, pattern, enum, list size, required members, sensitivity), its result
// wrapper, each service's name, version and XML namespace, and the table of
// modelled errors (code, HTTP status, fault). Documentation prose is dropped.
//
// Usage:
//
//	go run ./internal/genmodel [-botocore DIR] -out zz_model.go
//
// DIR is botocore's package directory (the one holding data/) or its data
// directory. When it is empty, genmodel asks python3 where botocore lives.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// service names one model to read and the func that returns it.
type service struct{ dir, funcName string }

// services lists the models to read, in output order.
func services() []service {
	return []service{
		{"iam/2010-05-08", "iamModel"},
		{"sts/2011-06-15", "stsModel"},
	}
}

func main() {
	botocore := flag.String("botocore", "", "botocore package or data `directory` (default: ask python3)")
	out := flag.String("out", "zz_model.go", "output `file`")
	flag.Parse()
	if err := run(*botocore, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genmodel:", err)
		os.Exit(1)
	}
}

func run(dir, out string) error {
	if dir == "" {
		found, err := locateBotocore()
		if err != nil {
			return err
		}
		dir = found
	}
	dataDir := dir
	if _, err := os.Stat(filepath.Join(dir, "data")); err == nil {
		dataDir = filepath.Join(dir, "data")
	}
	version := botocoreVersion(filepath.Dir(dataDir))

	var g generator
	g.errors = map[string]errorEntry{}
	for _, svc := range services() {
		m, err := readModel(dataDir, svc.dir)
		if err != nil {
			return err
		}
		if err := g.service(svc.funcName, m); err != nil {
			return fmt.Errorf("%s: %w", svc.dir, err)
		}
	}
	src, err := g.file(version)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}

// locateBotocore asks the local Python where botocore is installed.
func locateBotocore() (string, error) {
	cmd := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))")
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locating botocore with python3 (pass -botocore DIR instead): %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// botocoreVersion reads __version__ from botocore's __init__.py, or returns
// "unknown".
func botocoreVersion(pkgDir string) string {
	b, err := os.ReadFile(filepath.Join(pkgDir, "__init__.py"))
	if err != nil {
		return "unknown"
	}
	versionLine := regexp.MustCompile(`(?m)^__version__\s*=\s*['"]([^'"]+)['"]`)
	if m := versionLine.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return "unknown"
}

// readModel reads service-2.json, or its gzip-compressed form that recent
// botocore releases ship.
func readModel(dataDir, svc string) (*botoModel, error) {
	base := filepath.Join(dataDir, filepath.FromSlash(svc), "service-2.json")
	var r io.Reader
	if f, err := os.Open(base); err == nil {
		defer f.Close()
		r = f
	} else {
		f, err := os.Open(base + ".gz")
		if err != nil {
			return nil, fmt.Errorf("no model at %s(.gz): %w", base, err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s.gz: %w", base, err)
		}
		r = zr
	}
	var m botoModel
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", base, err)
	}
	return &m, nil
}

// botoModel is the part of a botocore service-2.json that genmodel reads.
type botoModel struct {
	Metadata struct {
		APIVersion     string `json:"apiVersion"`
		EndpointPrefix string `json:"endpointPrefix"`
		Protocol       string `json:"protocol"`
		XMLNamespace   string `json:"xmlNamespace"`
	} `json:"metadata"`
	Operations map[string]struct {
		Name  string `json:"name"`
		Input *struct {
			Shape string `json:"shape"`
		} `json:"input"`
		Output *struct {
			Shape         string `json:"shape"`
			ResultWrapper string `json:"resultWrapper"`
		} `json:"output"`
	} `json:"operations"`
	Shapes map[string]*botoShape `json:"shapes"`
}

type botoShape struct {
	Type      string         `json:"type"`
	Min       *json.Number   `json:"min"`
	Max       *json.Number   `json:"max"`
	Pattern   string         `json:"pattern"`
	Enum      []string       `json:"enum"`
	Sensitive bool           `json:"sensitive"`
	Flattened bool           `json:"flattened"`
	Member    *botoRef       `json:"member"`
	Key       *botoRef       `json:"key"`
	Value     *botoRef       `json:"value"`
	Members   orderedMembers `json:"members"`
	Required  []string       `json:"required"`
	Exception bool           `json:"exception"`
	Error     *struct {
		Code           string `json:"code"`
		HTTPStatusCode int    `json:"httpStatusCode"`
		SenderFault    bool   `json:"senderFault"`
	} `json:"error"`
}

type botoRef struct {
	Shape        string `json:"shape"`
	LocationName string `json:"locationName"`
	Flattened    bool   `json:"flattened"`
}

// orderedMembers keeps structure members in the order the model lists them,
// which is the order validation errors are reported in.
type orderedMembers []namedRef

type namedRef struct {
	Name string
	botoRef
}

func (o *orderedMembers) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("members: want an object, got %v (%v)", t, err)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name, ok := t.(string)
		if !ok {
			return fmt.Errorf("members: unexpected token %v", t)
		}
		var r botoRef
		if err := dec.Decode(&r); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*o = append(*o, namedRef{Name: name, botoRef: r})
	}
	_, err := dec.Token()
	return err
}

type errorEntry struct {
	status int
	sender bool
	from   string
}

// generator accumulates the Go source of zz_model.go.
type generator struct {
	body   bytes.Buffer
	errors map[string]errorEntry
}

// service emits one func returning the model of m.
func (g *generator) service(funcName string, m *botoModel) error {
	if m.Metadata.Protocol != "query" {
		return fmt.Errorf("protocol %q, want query", m.Metadata.Protocol)
	}
	opNames := make([]string, 0, len(m.Operations))
	for name := range m.Operations {
		opNames = append(opNames, name)
	}
	sort.Strings(opNames)

	// Number the shapes reachable from inputs depth-first, operations in name
	// order and members in model order, so the output is stable.
	index := map[string]int{}
	var order []string
	var visit func(name string) (int, error)
	visit = func(name string) (int, error) {
		if i, ok := index[name]; ok {
			return i, nil
		}
		s, ok := m.Shapes[name]
		if !ok {
			return 0, fmt.Errorf("shape %s is referenced but not defined", name)
		}
		index[name] = len(order)
		order = append(order, name)
		var refs []*botoRef
		switch s.Type {
		case "structure":
			for i := range s.Members {
				refs = append(refs, &s.Members[i].botoRef)
			}
		case "list":
			refs = append(refs, s.Member)
		case "map":
			refs = append(refs, s.Key, s.Value)
		}
		for _, r := range refs {
			if r == nil {
				return 0, fmt.Errorf("shape %s: missing member reference", name)
			}
			if r.LocationName != "" || r.Flattened {
				return 0, fmt.Errorf("shape %s: locationName/flattened members are not supported", name)
			}
			if _, err := visit(r.Shape); err != nil {
				return 0, err
			}
		}
		return index[name], nil
	}

	type opLine struct {
		name, result string
		input        int
	}
	var ops []opLine
	for _, name := range opNames {
		op := m.Operations[name]
		l := opLine{name: name, input: -1}
		if op.Input != nil {
			i, err := visit(op.Input.Shape)
			if err != nil {
				return fmt.Errorf("operation %s: %w", name, err)
			}
			l.input = i
		}
		if op.Output != nil {
			l.result = op.Output.ResultWrapper
			if l.result == "" {
				l.result = name + "Result"
			}
		}
		ops = append(ops, l)
	}

	b := &g.body
	fmt.Fprintf(b, "\n// %s returns the %s %s model.\n", funcName, strings.ToUpper(m.Metadata.EndpointPrefix), m.Metadata.APIVersion)
	fmt.Fprintf(b, "func %s() *model {\nreturn &model{\n", funcName)
	fmt.Fprintf(b, "name: %q,\nversion: %q,\nnamespace: %q,\n", m.Metadata.EndpointPrefix, m.Metadata.APIVersion, m.Metadata.XMLNamespace)
	b.WriteString("operations: []operation{\n")
	for _, o := range ops {
		fmt.Fprintf(b, "{name: %q, input: %d", o.name, o.input)
		if o.result != "" {
			fmt.Fprintf(b, ", result: %q", o.result)
		}
		b.WriteString("},\n")
	}
	b.WriteString("},\nshapes: []shape{\n")
	for i, name := range order {
		line, err := shapeLiteral(name, m.Shapes[name], index)
		if err != nil {
			return err
		}
		fmt.Fprintf(b, "/* %d */ %s,\n", i, line)
	}
	b.WriteString("},\n}\n}\n")

	// Modelled errors of every shape marked as an exception.
	for name, s := range m.Shapes {
		if !s.Exception {
			continue
		}
		e := errorEntry{status: 400, sender: true, from: name}
		code := name
		if s.Error != nil {
			code = s.Error.Code
			e.status = s.Error.HTTPStatusCode
			e.sender = s.Error.SenderFault
		}
		if prev, ok := g.errors[code]; ok && (prev.status != e.status || prev.sender != e.sender) {
			return fmt.Errorf("error code %s: %s says %d/%v, %s says %d/%v", code, prev.from, prev.status, prev.sender, name, e.status, e.sender)
		}
		g.errors[code] = e
	}
	return nil
}

// shapeLiteral renders one shape as a Go composite literal.
func shapeLiteral(name string, s *botoShape, index map[string]int) (string, error) {
	var f []string
	add := func(format string, args ...any) { f = append(f, fmt.Sprintf(format, args...)) }
	add("name: %q", name)
	kinds := map[string]string{
		"string": "kindString", "integer": "kindInteger", "boolean": "kindBoolean",
		"timestamp": "kindTimestamp", "blob": "kindBlob", "list": "kindList",
		"structure": "kindStructure", "map": "kindMap",
	}
	k, ok := kinds[s.Type]
	if !ok {
		return "", fmt.Errorf("shape %s: type %q is not supported", name, s.Type)
	}
	add("kind: %s", k)
	for _, lim := range []struct {
		field string
		n     *json.Number
	}{{"Min", s.Min}, {"Max", s.Max}} {
		if lim.n == nil {
			continue
		}
		v, err := strconv.ParseInt(lim.n.String(), 10, 64)
		if err != nil {
			return "", fmt.Errorf("shape %s: %s %s: %w", name, strings.ToLower(lim.field), lim.n, err)
		}
		add("has%s: true, %s: %d", lim.field, strings.ToLower(lim.field), v)
	}
	if s.Pattern != "" {
		add("pattern: %s", goString(s.Pattern))
	}
	if len(s.Enum) > 0 {
		q := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			q[i] = strconv.Quote(e)
		}
		add("enum: []string{%s}", strings.Join(q, ", "))
	}
	if s.Sensitive {
		add("sensitive: true")
	}
	switch s.Type {
	case "list":
		if s.Flattened {
			return "", fmt.Errorf("shape %s: flattened lists are not supported", name)
		}
		add("member: %d", index[s.Member.Shape])
	case "map":
		if s.Flattened {
			return "", fmt.Errorf("shape %s: flattened maps are not supported", name)
		}
		add("key: %d, member: %d", index[s.Key.Shape], index[s.Value.Shape])
	case "structure":
		required := map[string]bool{}
		for _, r := range s.Required {
			required[r] = true
		}
		var ms []string
		for _, m := range s.Members {
			lit := fmt.Sprintf("{name: %q, shape: %d", m.Name, index[m.Shape])
			if required[m.Name] {
				lit += ", required: true"
				delete(required, m.Name)
			}
			ms = append(ms, lit+"}")
		}
		if len(required) > 0 {
			return "", fmt.Errorf("shape %s: required members %v are not defined", name, required)
		}
		if len(ms) > 0 {
			add("members: []member{%s}", strings.Join(ms, ", "))
		}
	}
	return "{" + strings.Join(f, ", ") + "}", nil
}

// goString quotes s as a raw string literal when it can, so that patterns
// read as they do in botocore.
func goString(s string) string {
	if !strings.ContainsAny(s, "`\r\n") {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// file assembles and formats the whole generated file.
func (g *generator) file(version string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by genmodel from botocore's service models (Apache License 2.0). DO NOT EDIT.\n")
	svcs := services()
	fmt.Fprintf(&b, "// Source: botocore %s, data/%s/service-2.json and data/%s/service-2.json.\n\n", version, svcs[0].dir, svcs[1].dir)
	b.WriteString("package awsquery\n")
	b.Write(g.body.Bytes())

	codes := make([]string, 0, len(g.errors))
	for c := range g.errors {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	b.WriteString("\n// modelledError returns the HTTP status and fault of an error code that the\n// IAM or STS model declares.\n")
	b.WriteString("func modelledError(code string) (status int, sender, ok bool) {\nswitch code {\n")
	for _, c := range codes {
		e := g.errors[c]
		fmt.Fprintf(&b, "case %q:\nreturn %d, %v, true\n", c, e.status, e.sender)
	}
	b.WriteString("}\nreturn 0, false, false\n}\n")

	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, errors.Join(errors.New("formatting generated source"), err)
	}
	return src, nil
}
