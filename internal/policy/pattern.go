package policy

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// tokKind tells a pattern token apart: literal text, a wildcard, or a policy
// variable resolved from the request context at evaluation time.
type tokKind uint8

const (
	tokLit tokKind = iota
	tokStar
	tokQuest
	tokVar
)

// token is one piece of a compiled pattern. Escapes (${*}, ${?}, ${$}) and
// resolved variables are literal text, so a value like "*" taken from a tag
// can never widen a match.
type token struct {
	kind       tokKind
	lit        string // tokLit: the text; tokVar: the default value
	key        string // tokVar: the context key, lower-cased
	hash       uint64 // tokVar: keyHash(key)
	name       string // tokVar: the context key as written, for messages
	hasDefault bool   // tokVar: lit holds a default
}

// pattern is a compiled string pattern with its fast paths precomputed.
type pattern struct {
	toks    []token
	exact   bool   // no wildcards and no variables: compare with lit
	lit     string // the whole pattern when exact
	all     bool   // a single "*": matches anything
	prefix  bool   // a literal then one "*": lit is the literal
	lead    string // literal text every match starts with, for quick rejects
	hasVars bool
}

// compilePattern parses s. With vars, ${...} is a policy variable (policy
// version 2012-10-17); with wildcards, * and ? are wildcards (StringLike,
// ArnLike, Action, Resource) rather than literal characters (StringEquals).
func compilePattern(s string, vars, wildcards bool) (pattern, error) {
	var p pattern
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p.toks = append(p.toks, token{kind: tokLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case vars && c == '$' && strings.HasPrefix(s[i:], "${"):
			tok, n, err := parseVariable(s[i:])
			if err != nil {
				return pattern{}, err
			}
			if n == 0 { // unterminated: AWS leaves it as text
				lit.WriteString("${")
				i += 2
				continue
			}
			i += n
			if tok.kind == tokLit {
				lit.WriteString(tok.lit)
				continue
			}
			flush()
			p.toks = append(p.toks, tok)
			p.hasVars = true
		case wildcards && c == '*':
			flush()
			// Runs of stars match what one star matches; keeping one
			// keeps backtracking linear in the common "a**b" typo.
			if n := len(p.toks); n == 0 || p.toks[n-1].kind != tokStar {
				p.toks = append(p.toks, token{kind: tokStar})
			}
			i++
		case wildcards && c == '?':
			flush()
			p.toks = append(p.toks, token{kind: tokQuest})
			i++
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	p.finish()
	return p, nil
}

// finish computes the fast-path flags from the tokens.
func (p *pattern) finish() {
	switch {
	case len(p.toks) == 0:
		p.exact, p.lit = true, ""
	case len(p.toks) == 1 && p.toks[0].kind == tokLit:
		p.exact, p.lit = true, p.toks[0].lit
	case len(p.toks) == 1 && p.toks[0].kind == tokStar:
		p.all = true
	case len(p.toks) == 2 && p.toks[0].kind == tokLit && p.toks[1].kind == tokStar:
		p.prefix, p.lit = true, p.toks[0].lit
	}
	if len(p.toks) > 0 && p.toks[0].kind == tokLit {
		p.lead = p.toks[0].lit
	}
}

// parseVariable parses the ${...} at the start of s. It returns the token and
// the bytes consumed, or n == 0 when there is no closing brace at all.
func parseVariable(s string) (tok token, n int, err error) {
	body := s[2:]
	switch {
	case strings.HasPrefix(body, "*}"):
		return token{kind: tokLit, lit: "*"}, 4, nil
	case strings.HasPrefix(body, "?}"):
		return token{kind: tokLit, lit: "?"}, 4, nil
	case strings.HasPrefix(body, "$}"):
		return token{kind: tokLit, lit: "$"}, 4, nil
	}
	end := strings.IndexAny(body, ",}")
	if end < 0 {
		return token{}, 0, nil
	}
	name := strings.TrimSpace(body[:end])
	if name == "" || strings.ContainsAny(name, "${}' \t\r\n") {
		return token{}, 0, fmt.Errorf("invalid policy variable %q", s[:min(len(s), 2+end+1)])
	}
	tok = token{kind: tokVar, key: strings.ToLower(name), name: name}
	tok.hash = keyHash(tok.key)
	if body[end] == '}' {
		return tok, 2 + end + 1, nil
	}
	// A default: ${key, 'text'} where '' stands for one quote.
	rest := strings.TrimLeft(body[end+1:], " \t")
	if !strings.HasPrefix(rest, "'") {
		return token{}, 0, fmt.Errorf("invalid policy variable %q: the default value must be in single quotes", s[:min(len(s), 2+end+1)])
	}
	var def strings.Builder
	j := 1
	for {
		if j >= len(rest) {
			return token{}, 0, fmt.Errorf("invalid policy variable %q: unterminated default value", s)
		}
		if rest[j] == '\'' {
			if j+1 < len(rest) && rest[j+1] == '\'' {
				def.WriteByte('\'')
				j += 2
				continue
			}
			j++
			break
		}
		def.WriteByte(rest[j])
		j++
	}
	after := strings.TrimLeft(rest[j:], " \t")
	if !strings.HasPrefix(after, "}") {
		return token{}, 0, fmt.Errorf("invalid policy variable %q: expected } after the default value", s[:len(s)-len(after)])
	}
	tok.lit, tok.hasDefault = def.String(), true
	consumed := len(s) - len(after) + 1
	return tok, consumed, nil
}

// resolve returns the value a variable token stands for. A key with several
// values does not resolve: AWS does not allow multivalued keys as variables.
func (t *token) resolve(env *env) (string, bool) {
	if v, ok := env.lookup(t.key, t.hash); ok && len(v) == 1 {
		return v[0], true
	}
	if t.hasDefault {
		return t.lit, true
	}
	return "", false
}

// unresolved returns the first variable of p that the context cannot
// resolve, so that callers can treat the pattern as unusable (and report the
// key) before matching.
func (p *pattern) unresolved(env *env) (*token, bool) {
	if !p.hasVars {
		return nil, false
	}
	for i := range p.toks {
		if t := &p.toks[i]; t.kind == tokVar {
			if _, ok := t.resolve(env); !ok {
				return t, true
			}
		}
	}
	return nil, false
}

// match reports whether s matches p. Variables must be resolvable (see
// unresolved); an unresolvable one matches nothing. fold compares ASCII
// letters case-insensitively.
func (p *pattern) match(s string, env *env, fold bool) bool {
	switch {
	case p.all:
		return true
	case p.exact:
		if fold {
			return len(s) == len(p.lit) && strings.EqualFold(s, p.lit)
		}
		return s == p.lit
	case p.prefix:
		return hasPrefix(s, p.lit, fold)
	case !hasPrefix(s, p.lead, fold):
		return false
	}
	return matchTokens(p.toks, s, env, fold)
}

// matchTokens is the classic wildcard match with backtracking to the last
// star, generalised to literal runs: linear for a single star, and at worst
// O(len(s)·len(toks)), never exponential.
func matchTokens(toks []token, s string, env *env, fold bool) bool {
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for si < len(s) || ti < len(toks) {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tokStar:
				starTi, starSi = ti, si
				ti++
				continue
			case tokQuest:
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					si += w
					ti++
					continue
				}
			case tokLit:
				if hasPrefix(s[si:], t.lit, fold) {
					si += len(t.lit)
					ti++
					continue
				}
			case tokVar:
				v, ok := t.resolve(env)
				if !ok {
					return false
				}
				if hasPrefix(s[si:], v, fold) {
					si += len(v)
					ti++
					continue
				}
			}
		}
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[starSi:])
		starSi += w
		si = starSi
		ti = starTi + 1
	}
	return true
}

func hasPrefix(s, prefix string, fold bool) bool {
	if len(s) < len(prefix) {
		return false
	}
	if fold {
		return strings.EqualFold(s[:len(prefix)], prefix)
	}
	return s[:len(prefix)] == prefix
}

// arnSegments is the number of colon-separated parts of an ARN:
// arn:partition:service:region:account:resource.
const arnSegments = 6

// arnPattern matches ARNs segment by segment, the way AWS compares
// ArnLike/ArnEquals values and Resource elements: a wildcard never crosses
// one of the first five colons, while the resource part may hold colons.
type arnPattern struct {
	any     bool      // "*"
	exact   bool      // no wildcards or variables: compare lit with the whole ARN
	hasVars bool      // some segment holds a policy variable
	skip    int       // leading segments that lead alone decides
	lit     string    // the pattern when exact
	lead    string    // literal text every matching ARN starts with
	segs    []pattern // the segments from skip on
}

// compileARN compiles an ARN pattern or "*". It splits on the pattern's own
// colons, so a variable's value stays inside its segment whatever it holds.
func compileARN(s string, vars bool) (arnPattern, error) {
	if s == "*" {
		return arnPattern{any: true}, nil
	}
	p, err := compilePattern(s, vars, true)
	if err != nil {
		return arnPattern{}, err
	}
	var segs [arnSegments]pattern
	seg := 0
	for _, t := range p.toks {
		if t.kind != tokLit || seg == arnSegments-1 {
			segs[seg].toks = append(segs[seg].toks, t)
			continue
		}
		text := t.lit
		for seg < arnSegments-1 {
			before, after, found := strings.Cut(text, ":")
			if !found {
				break
			}
			if before != "" {
				segs[seg].toks = append(segs[seg].toks, token{kind: tokLit, lit: before})
			}
			seg++
			text = after
		}
		if text != "" {
			segs[seg].toks = append(segs[seg].toks, token{kind: tokLit, lit: text})
		}
	}
	if seg != arnSegments-1 {
		return arnPattern{}, fmt.Errorf("%q is not an ARN", s)
	}
	a := arnPattern{exact: p.exact, lit: p.lit, hasVars: p.hasVars}
	if len(p.toks) > 0 && p.toks[0].kind == tokLit {
		// Segments are joined by the colons the pattern spells, so a
		// leading literal (colons included) must start any match.
		a.lead = p.toks[0].lit
	}
	for i := range segs {
		for _, t := range segs[i].toks {
			if t.kind == tokVar {
				segs[i].hasVars = true
			}
		}
		segs[i].finish()
	}
	// Segments wholly inside the lead need no matching of their own.
	covered := 0
	for a.skip < arnSegments-1 && segs[a.skip].exact {
		covered += len(segs[a.skip].lit) + 1 // with its colon
		if covered > len(a.lead) {
			break
		}
		a.skip++
	}
	a.segs = append([]pattern(nil), segs[a.skip:]...)
	return a, nil
}

// unresolved returns the first variable of a that env cannot resolve.
func (a *arnPattern) unresolved(env *env) (*token, bool) {
	if !a.hasVars {
		return nil, false
	}
	for i := range a.segs {
		if t, ok := a.segs[i].unresolved(env); ok {
			return t, true
		}
	}
	return nil, false
}

// match reports whether arn, split into segs (n of them), matches a.
func (a *arnPattern) match(arn string, segs *[arnSegments]string, n int, env *env) bool {
	switch {
	case a.any:
		return true
	case n != arnSegments:
		return false
	case a.exact:
		return arn == a.lit
	case !strings.HasPrefix(arn, a.lead):
		return false
	}
	for i := range a.segs {
		if !a.segs[i].match(segs[a.skip+i], env, false) {
			return false
		}
	}
	return true
}

// splitARN splits s on its first five colons without allocating and
// returns how many segments it found.
func splitARN(s string) (segs [arnSegments]string, n int) {
	for n < arnSegments-1 {
		i := strings.IndexByte(s, ':')
		if i < 0 {
			break
		}
		segs[n] = s[:i]
		s = s[i+1:]
		n++
	}
	segs[n] = s
	return segs, n + 1
}
