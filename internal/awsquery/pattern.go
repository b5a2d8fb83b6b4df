package awsquery

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// lookaheadRewrite returns, for a botocore pattern that uses a lookahead
// (which RE2 lacks), an equivalent RE2 pattern plus a forbidden substring.
func lookaheadRewrite(java string) (goRE, forbid string, ok bool) {
	switch java {
	case `^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`: // accountAliasType
		// "-(?!-)": a hyphen never followed by another one, i.e. no "--".
		return `^(?:[a-z0-9][a-z0-9-]{1,61}[a-z0-9])$`, "--", true
	}
	return "", "", false
}

// compilePattern compiles a botocore pattern into a matcher of whole values.
func compilePattern(java string) (*matcher, error) {
	if goRE, forbid, ok := lookaheadRewrite(java); ok {
		re, err := regexp.Compile(goRE)
		if err != nil {
			return nil, err
		}
		return &matcher{re: re, forbid: forbid}, nil
	}
	goRE, err := goPattern(java)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(goRE)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", java, err)
	}
	return &matcher{re: re}, nil
}

// goPattern translates a botocore pattern, written for java.util.regex, into
// RE2 syntax anchored at both ends: the service checks patterns with
// Matcher.matches, which must consume the whole value, so `[\w+=,.@-]+`
// becomes `^(?:[\w+=,.@-]+)$`.
//
// The Java-only escape \uXXXX becomes \x{XXXX}. Botocore's STS arnType writes
// the supplementary range as \u10000-\u10FFFF, which Java would read as \u1000
// followed by a literal 0; the evident intent is U+10000..U+10FFFF, so a \u
// escape followed by one or two more hex digits that name a supplementary
// code point takes them. \w, \d and \p{…} mean the same in both engines
// (ASCII-only \w and \d). Lookarounds are rejected: see lookaheadRewrite.
func goPattern(java string) (string, error) {
	var b strings.Builder
	b.WriteString("^(?:")
	for i := 0; i < len(java); i++ {
		c := java[i]
		if c == '(' && strings.HasPrefix(java[i:], "(?") && !strings.HasPrefix(java[i:], "(?:") {
			return "", fmt.Errorf("pattern %q: construct at offset %d has no RE2 equivalent", java, i)
		}
		if c != '\\' || i+1 >= len(java) {
			b.WriteByte(c)
			continue
		}
		if java[i+1] != 'u' {
			b.WriteString(java[i : i+2])
			i++
			continue
		}
		hex := java[i+2:]
		if len(hex) < 4 || !isHex(hex[:4]) {
			return "", fmt.Errorf("pattern %q: malformed \\u escape at offset %d", java, i)
		}
		n := 4
		for extra := 6; extra > 4; extra-- {
			if len(hex) >= extra && isHex(hex[:extra]) {
				if v, _ := strconv.ParseUint(hex[:extra], 16, 32); v >= 0x10000 && v <= 0x10FFFF {
					n = extra
					break
				}
			}
		}
		fmt.Fprintf(&b, `\x{%s}`, hex[:n])
		i += 1 + n
	}
	b.WriteString(")$")
	return b.String(), nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
