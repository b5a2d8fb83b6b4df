package awsquery

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// Params holds the decoded input members of one request (or of one element
// of a list of structures), by member name. Its zero value is empty, and every
// accessor returns a zero value for a member that is absent.
//
// Formatting Params with fmt or logging it with log/slog masks secret members,
// so a logged request never carries a password or an MFA code.
type Params struct {
	fields []field
}

// field is one present member.
type field struct {
	name string
	v    value
}

// value is a decoded member value: text for scalars (the wire text, already
// validated), list for lists, params for structures, entries for maps.
type value struct {
	kind    kind
	secret  bool
	text    string
	list    []value
	params  Params
	entries []entry
}

// entry is one key/value pair of a map.
type entry struct {
	key string
	v   value
}

func (p Params) get(name string) (value, bool) {
	for _, f := range p.fields {
		if f.name == name {
			return f.v, true
		}
	}
	return value{}, false
}

func isScalar(k kind) bool { return k != kindList && k != kindStructure && k != kindMap }

// Has reports whether the member was sent. An empty list sent as "Name=" is
// present; a scalar sent as "Name=" is present with the value "".
func (p Params) Has(name string) bool {
	_, ok := p.get(name)
	return ok
}

// String returns the text of a scalar member (string, integer, boolean,
// timestamp or blob), or "" when it is absent.
func (p Params) String(name string) string {
	v, ok := p.get(name)
	if !ok || !isScalar(v.kind) {
		return ""
	}
	return v.text
}

// Int returns an integer member and whether it was present.
func (p Params) Int(name string) (int64, bool) {
	v, ok := p.get(name)
	if !ok || !isScalar(v.kind) {
		return 0, false
	}
	n, err := strconv.ParseInt(v.text, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// Bool returns a boolean member and whether it was present.
func (p Params) Bool(name string) (bool, bool) {
	v, ok := p.get(name)
	if !ok || !isScalar(v.kind) {
		return false, false
	}
	switch v.text {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// StringList returns the elements of a list of scalars in wire order
// (Name.member.1, Name.member.2, …), or nil when it is absent.
func (p Params) StringList(name string) []string {
	v, ok := p.get(name)
	if !ok || v.kind != kindList {
		return nil
	}
	out := make([]string, 0, len(v.list))
	for _, e := range v.list {
		if isScalar(e.kind) {
			out = append(out, e.text)
		}
	}
	return out
}

// StructList returns the elements of a list of structures in wire order,
// each holding its own members (e.g. Key and Value of Tags.member.N), or nil
// when it is absent.
func (p Params) StructList(name string) []Params {
	v, ok := p.get(name)
	if !ok || v.kind != kindList {
		return nil
	}
	out := make([]Params, 0, len(v.list))
	for _, e := range v.list {
		if e.kind == kindStructure {
			out = append(out, e.params)
		}
	}
	return out
}

// Struct returns a member that is itself a structure (e.g. STS AssumeRoot's
// TaskPolicyArn) and whether it was present.
func (p Params) Struct(name string) (Params, bool) {
	v, ok := p.get(name)
	if !ok || v.kind != kindStructure {
		return Params{}, false
	}
	return v.params, true
}

// StringMap returns a map member sent as Name.entry.N.key/value, or nil when
// it is absent. When a key repeats, the entry with the higher N wins.
func (p Params) StringMap(name string) map[string]string {
	v, ok := p.get(name)
	if !ok || v.kind != kindMap {
		return nil
	}
	out := make(map[string]string, len(v.entries))
	for _, e := range v.entries {
		out[e.key] = e.v.text
	}
	return out
}

// mask is what formatting and logging show instead of a secret value.
const mask = "***"

// Format writes the members as {Name:value …} for every verb, with secret
// values replaced by ***.
func (p Params) Format(f fmt.State, _ rune) {
	var b strings.Builder
	p.format(&b)
	f.Write([]byte(b.String()))
}

func (p Params) format(b *strings.Builder) {
	b.WriteByte('{')
	for i, fl := range p.fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(fl.name)
		b.WriteByte(':')
		fl.v.format(b)
	}
	b.WriteByte('}')
}

func (v value) format(b *strings.Builder) {
	switch {
	case v.secret:
		b.WriteString(mask)
	case v.kind == kindList:
		b.WriteByte('[')
		for i, e := range v.list {
			if i > 0 {
				b.WriteString(", ")
			}
			e.format(b)
		}
		b.WriteByte(']')
	case v.kind == kindStructure:
		v.params.format(b)
	case v.kind == kindMap:
		b.WriteString("map[")
		for i, e := range v.entries {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(e.key)
			b.WriteByte(':')
			e.v.format(b)
		}
		b.WriteByte(']')
	default:
		b.WriteString(v.text)
	}
}

// LogValue renders the members as a slog group, with secret values replaced
// by ***.
func (p Params) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, len(p.fields))
	for _, f := range p.fields {
		attrs = append(attrs, slog.Attr{Key: f.name, Value: f.v.logValue()})
	}
	return slog.GroupValue(attrs...)
}

func (v value) logValue() slog.Value {
	switch {
	case v.secret:
		return slog.StringValue(mask)
	case v.kind == kindStructure:
		return v.params.LogValue()
	case v.kind == kindList || v.kind == kindMap:
		var b strings.Builder
		v.format(&b)
		return slog.StringValue(b.String())
	}
	return slog.StringValue(v.text)
}
