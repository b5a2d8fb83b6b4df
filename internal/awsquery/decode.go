package awsquery

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/iamd/iamd/internal/awserr"
)

// Decode reads the Action, Version and parameters of a Query request (the
// parsed form body, or query string of a GET) and validates every modelled
// input member. Parameters the model does not know, including the SigV4
// ones, are ignored, as AWS ignores them. When a name repeats, its first
// value counts.
//
// Errors are *awserr.Error:
//   - no Action: MissingAction;
//   - no Version: MissingParameter. Version is a required common parameter of
//     every Query API and AWS names the missing parameter this way; the SDKs
//     and CLI always send it.
//   - an Action the service lacks, or a Version other than Version():
//     InvalidAction "Could not find operation X for version V". AWS looks
//     operations up by the pair (Action, Version), so a wrong version makes
//     the operation unknown, and its message names the version sent.
//   - failed constraints: one ValidationError 400 listing all of them in
//     model order, e.g. "2 validation errors detected: Value 'bad name!' at
//     'userName' failed to satisfy constraint: Member must satisfy regular
//     expression pattern: [\w+=,.@-]+; Value null at 'serialNumber' failed to
//     satisfy constraint: Member must not be null". Paths are lowerCamelCase,
//     nested as tags.1.member.key. A secret member's value is never echoed:
//     the violation reads "Value at 'password' failed to satisfy constraint:
//     …", the form AWS uses for sensitive members, with no hint of the value
//     or its length. Integers that do not parse as 32-bit decimals and
//     booleans other than "true" and "false" fail with "Member must be an
//     integer" and "Member must be true or false".
func (s *Service) Decode(form url.Values) (*Request, error) {
	action := first(form, "Action")
	if action == "" {
		return nil, awserr.New(awserr.MissingAction, "Missing Action")
	}
	version := first(form, "Version")
	if version == "" {
		return nil, awserr.New(awserr.MissingParameter, "The request must contain the parameter Version")
	}
	op, ok := s.operation(action)
	if !ok || version != s.m.version {
		return nil, awserr.New(awserr.InvalidAction, "Could not find operation %s for version %s", action, version)
	}
	req := &Request{Action: op.name}
	if op.input < 0 {
		return req, nil
	}
	in := &s.m.shapes[op.input]
	d := decoder{shapes: s.m.shapes, matchers: s.compiled()}
	req.Params = d.structure(in, buildTree(form, in), nil)
	if len(d.violations) > 0 {
		return nil, validationError(d.violations)
	}
	return req, nil
}

func first(form url.Values, name string) string {
	if v := form[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// node is one dot-separated segment of the parameter names: Tags.member.1.Key
// is root → Tags → member → 1 → Key.
type node struct {
	text string
	has  bool // a parameter ends at this node
	kids map[string]*node
}

func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	return n.kids[name]
}

// buildTree arranges the parameters whose first segment names a member of in.
func buildTree(form url.Values, in *shape) *node {
	root := &node{}
	for key, vals := range form {
		top, _, _ := strings.Cut(key, ".")
		if !slices.ContainsFunc(in.members, func(m member) bool { return m.name == top }) || len(vals) == 0 {
			continue
		}
		n := root
		for seg := range strings.SplitSeq(key, ".") {
			next := n.kids[seg]
			if next == nil {
				next = &node{}
				if n.kids == nil {
					n.kids = map[string]*node{}
				}
				n.kids[seg] = next
			}
			n = next
		}
		n.has, n.text = true, vals[0]
	}
	return root
}

// path locates a value for messages, e.g. tags.1.member.key. It is a linked
// list built on the way down and rendered only when a constraint fails.
type path struct {
	parent *path
	member string // a member name as on the wire; "" for a list or map position
	index  int    // list or map position, 1-based
	suffix string // "member" for lists, "entry" for maps
}

// String renders the path as AWS does: member names with their first letter
// lower-cased, a list element as N.member, a map entry as N.entry.
func (p *path) String() string {
	var segs []string
	for q := p; q != nil; q = q.parent {
		if q.member != "" {
			segs = append(segs, lowerFirst(q.member))
		} else {
			segs = append(segs, strconv.Itoa(q.index)+"."+q.suffix)
		}
	}
	slices.Reverse(segs)
	return strings.Join(segs, ".")
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

// secretMember reports whether a member's value must never be echoed,
// whatever the model says: passwords, secret keys and MFA codes. Members the
// model marks sensitive (SAMLAssertion, WebIdentityToken, PrivateKey, …) are
// secret as well.
func secretMember(name string) bool {
	switch name {
	case "Password", "OldPassword", "NewPassword", "SecretAccessKey",
		"TokenCode", "AuthenticationCode1", "AuthenticationCode2":
		return true
	}
	return false
}

// decoder walks the model and the parameter tree together, collecting every
// failed constraint.
type decoder struct {
	shapes     []shape
	matchers   []*matcher
	violations []string
}

// fail records a failed constraint on a present value.
func (d *decoder) fail(p *path, v value, constraint string) {
	var b strings.Builder
	if v.secret {
		// AWS's form for a sensitive member: no value at all, not even its
		// length.
		b.WriteString("Value at '")
	} else {
		b.WriteString("Value '")
		v.format(&b)
		b.WriteString("' at '")
	}
	b.WriteString(p.String())
	b.WriteString("' failed to satisfy constraint: ")
	b.WriteString(constraint)
	d.violations = append(d.violations, b.String())
}

// failNull records a required member that is absent.
func (d *decoder) failNull(p *path) {
	d.violations = append(d.violations, "Value null at '"+p.String()+"' failed to satisfy constraint: Member must not be null")
}

// validationError renders the collected violations as AWS does:
// "N validation error(s) detected: v1; v2".
func validationError(violations []string) *awserr.Error {
	noun := "errors"
	if len(violations) == 1 {
		noun = "error"
	}
	return awserr.New(awserr.ValidationError, "%d validation %s detected: %s", len(violations), noun, strings.Join(violations, "; "))
}

func (d *decoder) structure(sh *shape, n *node, p *path) Params {
	var out Params
	for _, m := range sh.members {
		mp := &path{parent: p, member: m.name}
		v, ok := d.value(m.shape, n.child(m.name), mp, secretMember(m.name))
		if !ok {
			if m.required {
				d.failNull(mp)
			}
			continue
		}
		out.fields = append(out.fields, field{name: m.name, v: v})
	}
	return out
}

// value decodes and validates the value of shape i at node n; ok is false
// when nothing was sent for it.
func (d *decoder) value(i int, n *node, p *path, secret bool) (v value, ok bool) {
	if n == nil {
		return value{}, false
	}
	sh := &d.shapes[i]
	secret = secret || sh.sensitive
	switch sh.kind {
	case kindStructure:
		if len(n.kids) == 0 {
			return value{}, false
		}
		return value{kind: kindStructure, secret: secret, params: d.structure(sh, n, p)}, true
	case kindList:
		return d.list(sh, n, p, secret)
	case kindMap:
		return d.mapValue(sh, n, p, secret)
	}
	if !n.has {
		return value{}, false
	}
	v = value{kind: sh.kind, secret: secret, text: n.text}
	switch sh.kind {
	case kindString:
		d.checkString(i, v, p)
	case kindInteger:
		x, err := strconv.ParseInt(n.text, 10, 32)
		if err != nil {
			d.fail(p, v, "Member must be an integer")
			break
		}
		if sh.hasMin && x < sh.min {
			d.fail(p, v, fmt.Sprintf("Member must have value greater than or equal to %d", sh.min))
		}
		if sh.hasMax && x > sh.max {
			d.fail(p, v, fmt.Sprintf("Member must have value less than or equal to %d", sh.max))
		}
	case kindBoolean:
		if n.text != "true" && n.text != "false" {
			d.fail(p, v, "Member must be true or false")
		}
	}
	// Timestamps and blobs carry no constraints in the IAM and STS inputs and
	// are handed over as sent.
	return v, true
}

func (d *decoder) checkString(i int, v value, p *path) {
	sh := &d.shapes[i]
	if sh.hasMin || sh.hasMax {
		// Characters, not bytes: the service counts a String's length.
		l := int64(utf8.RuneCountInString(v.text))
		if sh.hasMin && l < sh.min {
			d.fail(p, v, fmt.Sprintf("Member must have length greater than or equal to %d", sh.min))
		}
		if sh.hasMax && l > sh.max {
			d.fail(p, v, fmt.Sprintf("Member must have length less than or equal to %d", sh.max))
		}
	}
	if m := d.matchers[i]; m != nil && !m.match(v.text) {
		d.fail(p, v, "Member must satisfy regular expression pattern: "+sh.pattern)
	}
	if len(sh.enum) > 0 && !slices.Contains(sh.enum, v.text) {
		d.fail(p, v, "Member must satisfy enum value set: ["+strings.Join(sh.enum, ", ")+"]")
	}
}

// positions returns the children of n named by a position N (a positive
// decimal without sign or leading zeros), ordered by N. Gaps are accepted.
func positions(n *node) []*node {
	type pos struct {
		n    int
		node *node
	}
	var ps []pos
	for k, c := range n.kids {
		if k == "" || k[0] < '1' || k[0] > '9' {
			continue
		}
		x, err := strconv.Atoi(k)
		if err != nil {
			continue
		}
		ps = append(ps, pos{x, c})
	}
	slices.SortFunc(ps, func(a, b pos) int { return a.n - b.n })
	out := make([]*node, len(ps))
	for i, q := range ps {
		out[i] = q.node
	}
	return out
}

// list decodes Name.member.N (N from 1). "Name=" with an empty value is an
// empty list, as botocore sends one.
func (d *decoder) list(sh *shape, n *node, p *path, secret bool) (value, bool) {
	members := n.child("member")
	if members == nil || len(members.kids) == 0 {
		if n.has && n.text == "" {
			return d.checkCount(sh, value{kind: kindList, secret: secret, list: []value{}}, p, len(d.violations)), true
		}
		return value{}, false
	}
	at := len(d.violations)
	elems := positions(members)
	v := value{kind: kindList, secret: secret, list: make([]value, 0, len(elems))}
	for i, e := range elems {
		ev, ok := d.value(sh.member, e, &path{parent: p, index: i + 1, suffix: "member"}, secret)
		if ok {
			v.list = append(v.list, ev)
		}
	}
	return d.checkCount(sh, v, p, at), true
}

// mapValue decodes Name.entry.N.key and Name.entry.N.value.
func (d *decoder) mapValue(sh *shape, n *node, p *path, secret bool) (value, bool) {
	entries := n.child("entry")
	if entries == nil || len(entries.kids) == 0 {
		if n.has && n.text == "" {
			return d.checkCount(sh, value{kind: kindMap, secret: secret}, p, len(d.violations)), true
		}
		return value{}, false
	}
	at := len(d.violations)
	v := value{kind: kindMap, secret: secret}
	for i, e := range positions(entries) {
		ep := &path{parent: p, index: i + 1, suffix: "entry"}
		kp, vp := &path{parent: ep, member: "key"}, &path{parent: ep, member: "value"}
		k, kok := d.value(sh.key, e.child("key"), kp, secret)
		val, vok := d.value(sh.member, e.child("value"), vp, secret)
		if !kok {
			d.failNull(kp)
		}
		if !vok {
			d.failNull(vp)
		}
		if kok && vok {
			v.entries = append(v.entries, entry{key: k.text, v: val})
		}
	}
	return d.checkCount(sh, v, p, at), true
}

// checkCount applies a list's or map's min and max to its number of
// elements, reporting the failure ahead of those of the elements (recorded
// from index at on).
func (d *decoder) checkCount(sh *shape, v value, p *path, at int) value {
	l := int64(len(v.list) + len(v.entries))
	var constraint string
	switch {
	case sh.hasMin && l < sh.min:
		constraint = fmt.Sprintf("Member must have length greater than or equal to %d", sh.min)
	case sh.hasMax && l > sh.max:
		constraint = fmt.Sprintf("Member must have length less than or equal to %d", sh.max)
	default:
		return v
	}
	tail := slices.Clone(d.violations[at:])
	d.violations = d.violations[:at]
	d.fail(p, v, constraint)
	d.violations = append(d.violations, tail...)
	return v
}
