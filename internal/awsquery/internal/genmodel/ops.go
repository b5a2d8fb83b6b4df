package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"sort"
	"strconv"
	"strings"
)

// This file writes zz_ops.go: a Go struct for the input and the output of
// every operation, a struct for every structure shape they reach, and the
// code that fills an input from decoded Params and writes an output as the
// Query protocol's XML. Go types follow the model:
//
//   - a member's field is named as the member, with its first letter upper-cased;
//   - strings are string, integers int, booleans bool, timestamps time.Time,
//     blobs []byte, lists slices, maps map[string]V, structures their struct;
//   - secret members (model-sensitive, or named as a password, secret key,
//     session token or MFA code) are Secret or SecretBlob, whose formatting
//     masks the value;
//   - an optional string, integer or boolean whose zero value is a valid value
//     ("" of a shape without a minimum length, 0 of an integer that may be 0,
//     false) is a pointer, nil when absent; otherwise the zero value means
//     absent, since it cannot be sent (MaxItems, Marker, DurationSeconds);
//   - an optional structure is a pointer; an optional list, map or blob is
//     absent when nil; a zero timestamp is always absent.
//
// Rendering writes members in model order, leaves out absent members, and
// writes a required list or map even when nil (as <Name></Name>).

// opsService is one service's model as the ops generator walks it.
type opsService struct {
	prefix string // "iam", "sts"
	title  string // "IAM", "STS"
	m      *botoModel
}

// opsGen accumulates zz_ops.go.
type opsGen struct {
	b bytes.Buffer
	// types maps a Go type name to the source emitted for it, so a structure
	// that both services define identically (Tag) is emitted once.
	types map[string]string
	// need lists the nested structure shapes reached, with the service
	// defining them.
	need  []*structNeed
	byKey map[string]*structNeed // service prefix + "/" + shape name
	// fromInput and fromOutput are the shapes reachable from some
	// operation's input and output, by Go name (a structure both services
	// define is one type): a nested structure gets a decoder, a renderer or
	// both accordingly.
	fromInput, fromOutput map[string]bool
}

// reach marks the shapes reachable from the operations' inputs and outputs.
func (g *opsGen) reach(svc *opsService) {
	var walk func(seen map[string]bool, name string)
	walk = func(seen map[string]bool, name string) {
		if seen[exported(name)] {
			return
		}
		seen[exported(name)] = true
		s := svc.m.Shapes[name]
		if s == nil {
			return
		}
		for _, m := range s.Members {
			walk(seen, m.Shape)
		}
		for _, r := range []*botoRef{s.Member, s.Key, s.Value} {
			if r != nil {
				walk(seen, r.Shape)
			}
		}
	}
	for _, op := range svc.m.Operations {
		if op.Input != nil {
			walk(g.fromInput, op.Input.Shape)
		}
		if op.Output != nil {
			walk(g.fromOutput, op.Output.Shape)
		}
	}
}

type structNeed struct {
	svc    *opsService
	shape  string
	goName string
}

// secretNames are members whose values are secret whatever the model says;
// it is decode.go's secretMember, plus SessionToken, which only outputs
// carry and which is a credential as much as the secret key is.
var secretNames = map[string]bool{
	"Password": true, "OldPassword": true, "NewPassword": true, "SecretAccessKey": true,
	"TokenCode": true, "AuthenticationCode1": true, "AuthenticationCode2": true,
	"SessionToken": true,
}

func exported(name string) string {
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// zeroValid reports whether the zero value of a scalar shape is a value a
// client can send: then absence needs a pointer to be told apart.
func zeroValid(s *botoShape) bool {
	switch s.Type {
	case "string":
		if len(s.Enum) > 0 {
			return false
		}
		if s.Min != nil {
			n, _ := strconv.ParseInt(s.Min.String(), 10, 64)
			return n < 1
		}
		return true
	case "integer":
		if s.Min != nil {
			n, _ := strconv.ParseInt(s.Min.String(), 10, 64)
			if n >= 1 {
				return false
			}
		}
		if s.Max != nil {
			n, _ := strconv.ParseInt(s.Max.String(), 10, 64)
			if n < 0 {
				return false
			}
		}
		return true
	case "boolean":
		return true
	}
	return false
}

// field is one member as the generator renders it.
type field struct {
	name    string // wire name
	goName  string
	shape   string
	s       *botoShape
	secret  bool
	pointer bool // optional and its zero value is valid (or an optional structure)
	omitZ   bool // value field whose zero value means absent
	req     bool
}

func (g *opsGen) fields(svc *opsService, s *botoShape) ([]field, error) {
	req := map[string]bool{}
	for _, r := range s.Required {
		req[r] = true
	}
	var out []field
	seen := map[string]bool{}
	for _, m := range s.Members {
		ms := svc.m.Shapes[m.Shape]
		if ms == nil {
			return nil, fmt.Errorf("member %s: shape %s is not defined", m.Name, m.Shape)
		}
		f := field{name: m.Name, goName: exported(m.Name), shape: m.Shape, s: ms, req: req[m.Name],
			secret: ms.Sensitive || secretNames[m.Name]}
		if seen[f.goName] {
			return nil, fmt.Errorf("two members are named %s", f.goName)
		}
		seen[f.goName] = true
		switch ms.Type {
		case "string", "integer", "boolean":
			switch {
			case !zeroValid(ms):
				f.omitZ = true
			case !f.req:
				f.pointer = true
			}
		case "structure":
			f.pointer = !f.req
		case "timestamp":
			f.omitZ = true
		}
		out = append(out, f)
	}
	return out, nil
}

// goType is the Go type of a value of shape name (without the pointer of an
// optional member).
func (g *opsGen) goType(svc *opsService, name string, secret bool) (string, error) {
	s := svc.m.Shapes[name]
	if s == nil {
		return "", fmt.Errorf("shape %s is not defined", name)
	}
	switch s.Type {
	case "string":
		if secret {
			return "Secret", nil
		}
		return "string", nil
	case "integer":
		return "int", nil
	case "boolean":
		return "bool", nil
	case "timestamp":
		return "time.Time", nil
	case "blob":
		if secret {
			return "SecretBlob", nil
		}
		return "[]byte", nil
	case "list":
		t, err := g.goType(svc, s.Member.Shape, secret)
		return "[]" + t, err
	case "map":
		if k := svc.m.Shapes[s.Key.Shape]; k == nil || k.Type != "string" {
			return "", fmt.Errorf("map %s: only string keys are supported", name)
		}
		t, err := g.goType(svc, s.Value.Shape, secret)
		return "map[string]" + t, err
	case "structure":
		return g.structType(svc, name), nil
	}
	return "", fmt.Errorf("shape %s: type %q is not supported", name, s.Type)
}

// structType returns the Go name of a nested structure shape, queueing it.
func (g *opsGen) structType(svc *opsService, name string) string {
	key := svc.prefix + "/" + name
	n := g.byKey[key]
	if n == nil {
		n = &structNeed{svc: svc, shape: name, goName: exported(name)}
		g.byKey[key] = n
		g.need = append(g.need, n)
	}
	return n.goName
}

// service emits the input and output types of every operation of svc.
func (g *opsGen) service(svc *opsService) error {
	names := make([]string, 0, len(svc.m.Operations))
	for n := range svc.m.Operations {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		op := svc.m.Operations[name]
		in := &botoShape{Type: "structure"}
		if op.Input != nil {
			in = svc.m.Shapes[op.Input.Shape]
		}
		doc := fmt.Sprintf("%sInput is the input of %s %s.", name, svc.title, name)
		if err := g.structure(svc, name+"Input", doc, in, name, true, false); err != nil {
			return fmt.Errorf("%s input: %w", name, err)
		}
		out := &botoShape{Type: "structure"}
		doc = fmt.Sprintf("%sOutput is the result of %s %s, which has none.", name, svc.title, name)
		if op.Output != nil {
			out = svc.m.Shapes[op.Output.Shape]
			doc = fmt.Sprintf("%sOutput is the result of %s %s.", name, svc.title, name)
		}
		if err := g.structure(svc, name+"Output", doc, out, name, false, true); err != nil {
			return fmt.Errorf("%s output: %w", name, err)
		}
	}
	return nil
}

// structure emits one struct with its decoder (input) and renderer
// (output). op is the operation of a top-level input or output, or "".
func (g *opsGen) structure(svc *opsService, goName, doc string, s *botoShape, op string, input, output bool) error {
	fs, err := g.fields(svc, s)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "\n// %s\ntype %s struct {\n", doc, goName)
	for _, f := range fs {
		t, err := g.goType(svc, f.shape, f.secret)
		if err != nil {
			return fmt.Errorf("member %s: %w", f.name, err)
		}
		if f.pointer {
			t = "*" + t
		}
		fmt.Fprintf(&b, "%s %s\n", f.goName, t)
	}
	b.WriteString("}\n")
	if op != "" {
		fmt.Fprintf(&b, "\nfunc (*%s) operation() (string, string) { return %q, %q }\n", goName, svc.prefix, op)
	}
	if g.hasSecret(svc, s, map[*botoShape]bool{}) {
		// fmt skips its fields' own methods when a verb does not suit one
		// of them (%s of a nested pointer), which would print a Secret
		// plainly; the struct's own Format prints its fields with %v.
		fmt.Fprintf(&b, "\n// Format prints the members with secrets masked, whatever the verb.\n")
		fmt.Fprintf(&b, "func (x %s) Format(f fmt.State, verb rune) {\ntype plain %s\nformatMasked(f, plain(x))\n}\n", goName, goName)
	}
	if input {
		g.decoder(&b, svc, goName, fs)
	}
	if output {
		if err := g.renderer(&b, svc, goName, fs); err != nil {
			return err
		}
	}
	src := b.String()
	if prev, ok := g.types[goName]; ok {
		if prev != src {
			return fmt.Errorf("type %s is defined twice, differently", goName)
		}
		return nil
	}
	g.types[goName] = src
	g.b.WriteString(src)
	return nil
}

// hasSecret reports whether a value of shape s holds a secret member.
func (g *opsGen) hasSecret(svc *opsService, s *botoShape, seen map[*botoShape]bool) bool {
	if seen[s] {
		return false
	}
	seen[s] = true
	if s.Sensitive {
		return true
	}
	for _, m := range s.Members {
		if secretNames[m.Name] || g.hasSecret(svc, svc.m.Shapes[m.Shape], seen) {
			return true
		}
	}
	for _, r := range []*botoRef{s.Member, s.Value} {
		if r != nil && g.hasSecret(svc, svc.m.Shapes[r.Shape], seen) {
			return true
		}
	}
	return false
}

// decoder emits decodeParams, which reads a validated Params.
func (g *opsGen) decoder(b *bytes.Buffer, svc *opsService, goName string, fs []field) {
	fmt.Fprintf(b, "\nfunc (x *%s) decodeParams(p Params) {\n", goName)
	if len(fs) == 0 {
		b.WriteString("}\n")
		return
	}
	b.WriteString("for _, f := range p.fields {\nswitch f.name {\n")
	for _, f := range fs {
		fmt.Fprintf(b, "case %q:\n", f.name)
		expr := g.decodeExpr(svc, f.shape, f.secret, "f.v", 0)
		if f.pointer {
			fmt.Fprintf(b, "v := %s\nx.%s = &v\n", expr, f.goName)
		} else {
			fmt.Fprintf(b, "x.%s = %s\n", f.goName, expr)
		}
	}
	b.WriteString("}\n}\n}\n")
}

// decodeExpr is an expression of the Go type of shape that decodes the
// value expression v.
func (g *opsGen) decodeExpr(svc *opsService, shape string, secret bool, v string, depth int) string {
	s := svc.m.Shapes[shape]
	switch s.Type {
	case "string":
		if secret {
			return "Secret(" + v + ".text)"
		}
		return v + ".text"
	case "integer":
		return v + ".int()"
	case "boolean":
		return v + ".bool()"
	case "timestamp":
		return v + ".time()"
	case "blob":
		if secret {
			return "SecretBlob(" + v + ".blob())"
		}
		return v + ".blob()"
	case "list":
		t, _ := g.goType(svc, s.Member.Shape, secret)
		e := fmt.Sprintf("e%d", depth)
		return fmt.Sprintf("decodeList(%s, func(%s value) %s { return %s })", v, e, t, g.decodeExpr(svc, s.Member.Shape, secret, e, depth+1))
	case "map":
		t, _ := g.goType(svc, s.Value.Shape, secret)
		e := fmt.Sprintf("e%d", depth)
		return fmt.Sprintf("decodeMap(%s, func(%s value) %s { return %s })", v, e, t, g.decodeExpr(svc, s.Value.Shape, secret, e, depth+1))
	case "structure":
		t := g.structType(svc, shape)
		return fmt.Sprintf("decodeStruct[%s](%s)", t, v)
	}
	panic("unsupported shape " + shape)
}

// renderer emits appendXML, which writes the members as child elements.
func (g *opsGen) renderer(b *bytes.Buffer, svc *opsService, goName string, fs []field) error {
	fmt.Fprintf(b, "\nfunc (x *%s) appendXML(w *xmlWriter) {\n", goName)
	for _, f := range fs {
		x := "x." + f.goName
		cond := ""
		switch {
		case f.pointer:
			cond = x + " != nil"
			if f.s.Type != "structure" {
				x = "*" + x
			}
		case f.omitZ && f.s.Type == "timestamp":
			// A zero time.Time is never written: see xmlWriter.time.
		case f.omitZ && f.s.Type == "string":
			cond = x + ` != ""`
		case f.omitZ:
			cond = x + " != 0"
		case !f.req && (f.s.Type == "list" || f.s.Type == "map" || f.s.Type == "blob"):
			cond = x + " != nil"
		}
		if cond != "" {
			fmt.Fprintf(b, "if %s {\n", cond)
		}
		if err := g.renderValue(b, svc, f.shape, f.secret, x, f.name, 0); err != nil {
			return fmt.Errorf("member %s: %w", f.name, err)
		}
		if cond != "" {
			b.WriteString("}\n")
		}
	}
	b.WriteString("}\n")
	return nil
}

// renderValue emits the statements writing expression x of shape as the
// element elem.
func (g *opsGen) renderValue(b *bytes.Buffer, svc *opsService, shape string, secret bool, x, elem string, depth int) error {
	s := svc.m.Shapes[shape]
	switch s.Type {
	case "string":
		if secret {
			x = "string(" + x + ")"
		}
		fmt.Fprintf(b, "w.text(%q, %s)\n", elem, x)
	case "integer":
		fmt.Fprintf(b, "w.int(%q, %s)\n", elem, x)
	case "boolean":
		fmt.Fprintf(b, "w.bool(%q, %s)\n", elem, x)
	case "timestamp":
		fmt.Fprintf(b, "w.time(%q, %s)\n", elem, x)
	case "blob":
		fmt.Fprintf(b, "w.blob(%q, %s)\n", elem, x)
	case "list":
		e := fmt.Sprintf("e%d", depth)
		fmt.Fprintf(b, "w.open(%q)\nfor _, %s := range %s {\n", elem, e, x)
		if err := g.renderValue(b, svc, s.Member.Shape, secret, e, "member", depth+1); err != nil {
			return err
		}
		fmt.Fprintf(b, "}\nw.close(%q)\n", elem)
	case "map":
		k, v := fmt.Sprintf("k%d", depth), fmt.Sprintf("v%d", depth)
		fmt.Fprintf(b, "w.open(%q)\nfor _, %s := range sortedKeys(%s) {\n%s := %s[%s]\nw.open(\"entry\")\nw.text(\"key\", %s)\n", elem, k, x, v, x, k, k)
		if err := g.renderValue(b, svc, s.Value.Shape, secret, v, "value", depth+1); err != nil {
			return err
		}
		fmt.Fprintf(b, "w.close(\"entry\")\n}\nw.close(%q)\n", elem)
	case "structure":
		// x is a field, a range variable or a local: addressable, or (an
		// optional member) a pointer already.
		g.structType(svc, shape)
		fmt.Fprintf(b, "w.open(%q)\n%s.appendXML(w)\nw.close(%q)\n", elem, x, elem)
	default:
		return fmt.Errorf("shape %s: type %q is not supported", shape, s.Type)
	}
	return nil
}

// nested emits every queued structure shape, in name order, until no new
// one is reached.
func (g *opsGen) nested() error {
	done := map[*structNeed]bool{}
	for {
		var todo []*structNeed
		for _, n := range g.need {
			if !done[n] {
				todo = append(todo, n)
			}
		}
		if len(todo) == 0 {
			return nil
		}
		sort.Slice(todo, func(i, j int) bool {
			if todo[i].goName != todo[j].goName {
				return todo[i].goName < todo[j].goName
			}
			return todo[i].svc.prefix < todo[j].svc.prefix
		})
		n := todo[0]
		done[n] = true
		s := n.svc.m.Shapes[n.shape]
		doc := fmt.Sprintf("%s is the model's structure %s.", n.goName, n.shape)
		if err := g.structure(n.svc, n.goName, doc, s, "", g.fromInput[n.goName], g.fromOutput[n.goName]); err != nil {
			return fmt.Errorf("structure %s: %w", n.shape, err)
		}
	}
}

// opsFile generates zz_ops.go for the models.
func opsFile(version string, svcs []*opsService) ([]byte, error) {
	g := &opsGen{types: map[string]string{}, byKey: map[string]*structNeed{}, fromInput: map[string]bool{}, fromOutput: map[string]bool{}}
	for _, svc := range svcs {
		g.reach(svc)
	}
	for _, svc := range svcs {
		if err := g.service(svc); err != nil {
			return nil, fmt.Errorf("%s: %w", svc.prefix, err)
		}
	}
	if err := g.nested(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("// Code generated by genmodel from botocore's service models (Apache License 2.0). DO NOT EDIT.\n")
	all := services()
	fmt.Fprintf(&b, "// Source: botocore %s, data/%s/service-2.json and data/%s/service-2.json.\n\n", version, all[0].dir, all[1].dir)
	b.WriteString("package awsquery\n\nimport (\n\"fmt\"\n\"time\"\n)\n")
	b.Write(g.b.Bytes())
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, errors.Join(errors.New("formatting generated ops"), err)
	}
	return src, nil
}
