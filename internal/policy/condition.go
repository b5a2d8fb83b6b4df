package policy

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Condition is one operator and key of a statement's Condition block, with
// the values the key is compared against. Conditions of a statement are
// ANDed; Values are ORed (for negated operators: the key must match none).
type Condition struct {
	// Operator is the operator as written, qualifiers included, such as
	// "ForAnyValue:StringLikeIfExists".
	Operator string
	// Key is the condition key as written; matching ignores its case.
	Key string
	// Values are the policy's values; JSON numbers and booleans keep their
	// literal text.
	Values []string

	op       operator
	set      setMode
	ifExists bool
	key      string // Key lower-cased
	hash     uint64 // keyHash(key)
	hasVars  bool
	pats     []pattern    // string, bool
	arns     []arnPattern // ARN
	nums     []float64    // numeric
	times    []time.Time  // date
	ips      []netip.Prefix
	bins     []string // binary, decoded
	nulls    []bool   // Null: true means "the key must be absent"
}

// opClass groups operators that share a value type and a comparison.
type opClass uint8

const (
	classString opClass = iota
	classStringFold
	classStringLike
	classNumeric
	classDate
	classBool
	classBinary
	classIP
	classARN
	classNull
)

// cmpOp is the ordering comparison of a numeric or date operator.
type cmpOp uint8

const (
	cmpEq cmpOp = iota
	cmpLT
	cmpLE
	cmpGT
	cmpGE
)

// operator is a base condition operator without qualifiers.
type operator struct {
	class  opClass
	cmp    cmpOp
	negate bool // StringNotEquals, NotIpAddress, ArnNotLike, …
	vars   bool // AWS substitutes policy variables in this operator's values
}

// setMode is the ForAllValues / ForAnyValue qualifier.
type setMode uint8

const (
	setNone setMode = iota
	setForAll
	setForAny
)

// lookupOperator is a switch rather than a map so that the operator table
// is not mutable package state.
func lookupOperator(name string) (operator, bool) {
	switch name {
	case "StringEquals":
		return operator{class: classString, vars: true}, true
	case "StringNotEquals":
		return operator{class: classString, negate: true, vars: true}, true
	case "StringEqualsIgnoreCase":
		return operator{class: classStringFold, vars: true}, true
	case "StringNotEqualsIgnoreCase":
		return operator{class: classStringFold, negate: true, vars: true}, true
	case "StringLike":
		return operator{class: classStringLike, vars: true}, true
	case "StringNotLike":
		return operator{class: classStringLike, negate: true, vars: true}, true
	case "NumericEquals":
		return operator{class: classNumeric, cmp: cmpEq}, true
	case "NumericNotEquals":
		return operator{class: classNumeric, cmp: cmpEq, negate: true}, true
	case "NumericLessThan":
		return operator{class: classNumeric, cmp: cmpLT}, true
	case "NumericLessThanEquals":
		return operator{class: classNumeric, cmp: cmpLE}, true
	case "NumericGreaterThan":
		return operator{class: classNumeric, cmp: cmpGT}, true
	case "NumericGreaterThanEquals":
		return operator{class: classNumeric, cmp: cmpGE}, true
	case "DateEquals":
		return operator{class: classDate, cmp: cmpEq}, true
	case "DateNotEquals":
		return operator{class: classDate, cmp: cmpEq, negate: true}, true
	case "DateLessThan":
		return operator{class: classDate, cmp: cmpLT}, true
	case "DateLessThanEquals":
		return operator{class: classDate, cmp: cmpLE}, true
	case "DateGreaterThan":
		return operator{class: classDate, cmp: cmpGT}, true
	case "DateGreaterThanEquals":
		return operator{class: classDate, cmp: cmpGE}, true
	case "Bool":
		return operator{class: classBool, vars: true}, true
	case "BinaryEquals":
		return operator{class: classBinary}, true
	case "IpAddress":
		return operator{class: classIP}, true
	case "NotIpAddress":
		return operator{class: classIP, negate: true}, true
	case "ArnEquals", "ArnLike":
		// AWS documents the two as identical: both take wildcards.
		return operator{class: classARN, vars: true}, true
	case "ArnNotEquals", "ArnNotLike":
		return operator{class: classARN, negate: true, vars: true}, true
	case "Null":
		return operator{class: classNull}, true
	}
	return operator{}, false
}

// compileCondition validates one operator/key/values triple and compiles its
// values. vars is false for 2008-10-17 documents, where ${...} is text.
func compileCondition(opName, key string, values []string, vars bool) (Condition, error) {
	c := Condition{Operator: opName, Key: key, Values: values, key: strings.ToLower(key)}
	c.hash = keyHash(c.key)
	base := opName
	if rest, ok := strings.CutPrefix(base, "ForAllValues:"); ok {
		c.set, base = setForAll, rest
	} else if rest, ok := strings.CutPrefix(base, "ForAnyValue:"); ok {
		c.set, base = setForAny, rest
	}
	op, ok := lookupOperator(base)
	if !ok {
		if trimmed, cut := strings.CutSuffix(base, "IfExists"); cut {
			op, ok = lookupOperator(trimmed)
			c.ifExists = true
			if ok && op.class == classNull {
				return Condition{}, fmt.Errorf("invalid condition operator %q: Null cannot take IfExists", opName)
			}
		}
	}
	if !ok {
		return Condition{}, fmt.Errorf("invalid condition operator %q", opName)
	}
	if op.class == classNull && c.set != setNone {
		return Condition{}, fmt.Errorf("invalid condition operator %q: Null cannot take ForAllValues or ForAnyValue", opName)
	}
	c.op = op
	if !strings.Contains(key, ":") || strings.HasPrefix(key, ":") {
		return Condition{}, fmt.Errorf("condition key %q must be prefaced by a vendor, e.g. aws:, iam:, sts:", key)
	}
	if len(values) == 0 {
		return Condition{}, fmt.Errorf("condition %s on key %q has no values", opName, key)
	}
	vars = vars && op.vars
	for _, v := range values {
		if err := c.compileValue(v, vars); err != nil {
			return Condition{}, fmt.Errorf("condition %s on key %q: %w", opName, key, err)
		}
	}
	return c, nil
}

func (c *Condition) compileValue(v string, vars bool) error {
	switch c.op.class {
	case classString, classStringFold, classStringLike, classBool:
		p, err := compilePattern(v, vars, c.op.class == classStringLike)
		if err != nil {
			return err
		}
		if c.op.class == classBool && !p.hasVars {
			if _, ok := parseBool(p.lit); !ok {
				return fmt.Errorf("value %q is not true or false", v)
			}
		}
		c.hasVars = c.hasVars || p.hasVars
		c.pats = append(c.pats, p)
	case classARN:
		a, err := compileARN(v, vars)
		if err != nil {
			return err
		}
		c.hasVars = c.hasVars || a.hasVars
		c.arns = append(c.arns, a)
	case classNumeric:
		f, ok := parseNumber(v)
		if !ok {
			return fmt.Errorf("value %q is not a number", v)
		}
		c.nums = append(c.nums, f)
	case classDate:
		t, ok := parseDate(v)
		if !ok {
			return fmt.Errorf("value %q is not an ISO 8601 date or epoch seconds", v)
		}
		c.times = append(c.times, t)
	case classIP:
		p, ok := parsePrefix(v)
		if !ok {
			return fmt.Errorf("value %q is not an IP address or CIDR block", v)
		}
		c.ips = append(c.ips, p)
	case classBinary:
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return fmt.Errorf("value %q is not base64", v)
		}
		c.bins = append(c.bins, string(b))
	case classNull:
		b, ok := parseBool(v)
		if !ok {
			return fmt.Errorf("value %q is not true or false", v)
		}
		c.nulls = append(c.nulls, b)
	}
	return nil
}

// evalValues reports whether the condition holds when its key has vals
// (none: absent); env resolves policy variables.
func (c *Condition) evalValues(vals []string, env *env) bool {
	present := len(vals) > 0
	if c.op.class == classNull {
		for _, wantAbsent := range c.nulls {
			if wantAbsent != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case c.ifExists:
			return true
		case c.set == setForAll:
			return true // every one of no values matches
		case c.set == setForAny:
			return false
		}
		// AWS: a missing key matches no value, so a negated operator
		// ("must not match") holds.
		return c.op.negate
	}
	// A value whose variable has no value is effectively null: it matches
	// no context value, so the condition's other values decide (they are
	// ORed) and a negated operator, which must match none, holds (IAM User
	// Guide, "Policy variables with no value"). pattern.match and
	// arnPattern.match never match through an unresolvable variable.
	switch c.set {
	case setForAll:
		for _, v := range vals {
			if c.matchAny(v, env) == c.op.negate {
				return false
			}
		}
		return true
	case setForAny:
		for _, v := range vals {
			if c.matchAny(v, env) != c.op.negate {
				return true
			}
		}
		return false
	}
	// A multivalued key without a qualifier: the positive operator holds if
	// any context value matches any policy value, the negated one if none
	// does, which is the negation and agrees with the single-valued case.
	for _, v := range vals {
		if c.matchAny(v, env) {
			return !c.op.negate
		}
	}
	return c.op.negate
}

// unresolved returns the first variable in the values that ctx cannot
// resolve, or nil.
func (c *Condition) unresolved(env *env) *token {
	for i := range c.pats {
		if t, ok := c.pats[i].unresolved(env); ok {
			return t
		}
	}
	for i := range c.arns {
		if t, ok := c.arns[i].unresolved(env); ok {
			return t
		}
	}
	return nil
}

// matchAny reports whether one context value matches any policy value under
// the positive form of the operator.
func (c *Condition) matchAny(v string, env *env) bool {
	switch c.op.class {
	case classString, classStringLike:
		for i := range c.pats {
			if c.pats[i].match(v, env, false) {
				return true
			}
		}
	case classStringFold, classBool:
		for i := range c.pats {
			if c.pats[i].match(v, env, true) {
				return true
			}
		}
	case classARN:
		segs, n := splitARN(v)
		for i := range c.arns {
			if c.arns[i].match(v, &segs, n, env) {
				return true
			}
		}
	case classNumeric:
		f, ok := env.number(v)
		if !ok {
			return false
		}
		for _, n := range c.nums {
			if compare(c.op.cmp, cmpFloat(f, n)) {
				return true
			}
		}
	case classDate:
		t, ok := env.date(v)
		if !ok {
			return false
		}
		for _, d := range c.times {
			if compare(c.op.cmp, t.Compare(d)) {
				return true
			}
		}
	case classIP:
		a, ok := env.addr(v)
		if !ok {
			return false
		}
		for _, p := range c.ips {
			if p.Contains(a) {
				return true
			}
		}
	case classBinary:
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return false
		}
		for _, want := range c.bins {
			if string(b) == want {
				return true
			}
		}
	}
	return false
}

// env is the request context as one evaluation sees it. Key lookups and
// typed readings of values (numbers, dates, addresses) are remembered,
// because a hundred statements ask about the same handful of keys and
// parsing a date costs more than the rest of a statement. Entries beyond
// the fixed capacity are simply not remembered. A nil env is an empty
// context.
type env struct {
	ctx     Context
	nkeys   int
	keys    [12]cachedKey
	nvalues int
	values  [6]cachedValue
}

type cachedKey struct {
	hash uint64
	key  string // lower-cased
	vals []string
	ok   bool
}

// keyHash is FNV-1a of a lower-cased key or action, computed at Parse so
// that evaluation compares one integer per candidate before any string.
func keyHash(key string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= 1099511628211
	}
	return h
}

type cachedValue struct {
	s    string
	kind opClass
	ok   bool
	f    float64
	t    time.Time
	a    netip.Addr
}

// lookup returns the values of a lower-cased key whose keyHash is hash.
func (v *env) lookup(key string, hash uint64) ([]string, bool) {
	if v == nil {
		return nil, false
	}
	for i := range v.nkeys {
		if k := &v.keys[i]; k.hash == hash && k.key == key {
			return k.vals, k.ok
		}
	}
	vals, ok := v.ctx.lookup(key)
	if v.nkeys < len(v.keys) {
		v.keys[v.nkeys] = cachedKey{hash: hash, key: key, vals: vals, ok: ok}
		v.nkeys++
	}
	return vals, ok
}

// value returns s read as kind, parsing it on a miss.
func (v *env) value(s string, kind opClass) cachedValue {
	if v != nil {
		for i := range v.nvalues {
			if e := &v.values[i]; e.kind == kind && e.s == s {
				return *e
			}
		}
	}
	e := cachedValue{s: s, kind: kind}
	switch kind {
	case classNumeric:
		e.f, e.ok = parseNumber(s)
	case classDate:
		e.t, e.ok = parseDate(s)
	case classIP:
		a, err := netip.ParseAddr(s)
		e.a, e.ok = a.Unmap().WithZone(""), err == nil
	}
	if v != nil && v.nvalues < len(v.values) {
		v.values[v.nvalues] = e
		v.nvalues++
	}
	return e
}

func (v *env) number(s string) (float64, bool) {
	e := v.value(s, classNumeric)
	return e.f, e.ok
}

func (v *env) date(s string) (time.Time, bool) {
	e := v.value(s, classDate)
	return e.t, e.ok
}

func (v *env) addr(s string) (netip.Addr, bool) {
	e := v.value(s, classIP)
	return e.a, e.ok
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compare applies op to the result of comparing context value to policy
// value (-1, 0, 1).
func compare(op cmpOp, r int) bool {
	switch op {
	case cmpLT:
		return r < 0
	case cmpLE:
		return r <= 0
	case cmpGT:
		return r > 0
	case cmpGE:
		return r >= 0
	}
	return r == 0
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// parseNumber accepts integers and decimals; NaN and infinities are not
// numbers a policy can mean.
func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseDate accepts ISO 8601 (with or without a zone, which then means UTC,
// and the basic form 20060102T150405Z) or epoch seconds. time.Parse accepts
// fractional seconds after any of the layouts.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	// Only numeric-looking text is tried as epoch seconds: ParseFloat's
	// error for an ISO date would allocate on every evaluation.
	if looksNumeric(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, false
		}
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e13 {
			return time.Time{}, false
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
	}
	for _, layout := range [...]string{
		time.RFC3339,
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04:05",
		"2006-01-02T15:04",
		"2006-01-02",
		"20060102T150405Z0700",
		"20060102T150405Z",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// looksNumeric reports whether s has the shape of a decimal number: a sign
// only first or after the exponent mark, so "2024-01-01" is not one.
func looksNumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '.', c == 'e', c == 'E':
		case (c == '-' || c == '+') && (i == 0 || s[i-1] == 'e' || s[i-1] == 'E'):
		default:
			return false
		}
	}
	return s != ""
}

// parsePrefix accepts a CIDR block or a bare address (a one-address block).
func parsePrefix(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		if p.Addr().Is4In6() {
			bits := p.Bits() - 96
			if bits < 0 {
				return netip.Prefix{}, false
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), bits)
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}
