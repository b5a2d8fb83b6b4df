package policy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		fold       bool
		want       bool
	}{
		{"*", "", false, true},
		{"*", "anything", false, true},
		{"", "", false, true},
		{"", "x", false, false},
		{"abc", "abc", false, true},
		{"abc", "ABC", false, false},
		{"abc", "ABC", true, true},
		{"a*c", "abbbc", false, true},
		{"a*c", "ab", false, false},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"a?c", "aéc", false, true}, // ? is one character, not one byte
		{"*b*", "aaabaaa", false, true},
		{"a**b", "ab", false, true},
		{"*.txt", "notes.txt.bak", false, false},
		{"*a*a*a*a*a*b", strings.Repeat("a", 200), false, false}, // no exponential backtracking
		{"iam:*mfa*", "iam:CreateVirtualMFADevice", true, true},
		{"iam:get*", "iam:ListUsers", true, false},
	}
	for _, tt := range tests {
		p, err := compilePattern(tt.pattern, false, true)
		if err != nil {
			t.Fatalf("compilePattern(%q) error = %v", tt.pattern, err)
		}
		if got := p.match(tt.s, nil, tt.fold); got != tt.want {
			t.Errorf("match(%q, %q, fold=%v) = %v, want %v", tt.pattern, tt.s, tt.fold, got, tt.want)
		}
	}
}

func TestVariableSyntax(t *testing.T) {
	ctx := &env{ctx: contextOf(map[string][]string{"aws:username": {"alice"}, "aws:TagKeys": {"a", "b"}})}
	tests := []struct {
		pattern string
		want    string // the text the pattern stands for, or "<unresolved>"
	}{
		{"${aws:username}", "alice"},
		{"${AWS:UserName}", "alice"},
		{"${ aws:username }", "alice"},
		{"${aws:userid, 'nobody'}", "nobody"},
		{"${aws:userid,'nobody'}", "nobody"},
		{"${ aws:userid ,  'no body' }", "no body"},
		{"${aws:userid, 'it''s'}", "it's"},
		{"${aws:userid, ''}", ""},
		{"${aws:username, 'nobody'}", "alice"},
		{"${aws:TagKeys, 'multi'}", "multi"},
		{"${aws:TagKeys}", "<unresolved>"},
		{"${aws:userid}", "<unresolved>"},
		{"${*}${?}${$}", "*?$"},
		{"cost$", "cost$"},
		{"${aws:username", "${aws:username"}, // unterminated: text
		{"a-${aws:username}-${aws:userid, 'x'}", "a-alice-x"},
	}
	for _, tt := range tests {
		p, err := compilePattern(tt.pattern, true, true)
		if err != nil {
			t.Fatalf("compilePattern(%q) error = %v", tt.pattern, err)
		}
		got := "<unresolved>"
		if _, bad := p.unresolved(ctx); !bad {
			var b strings.Builder
			for _, tok := range p.toks {
				switch tok.kind {
				case tokLit:
					b.WriteString(tok.lit)
				case tokVar:
					v, _ := tok.resolve(ctx)
					b.WriteString(v)
				default:
					b.WriteString("<wildcard>")
				}
			}
			got = b.String()
		}
		if got != tt.want {
			t.Errorf("resolve(%q) = %q, want %q", tt.pattern, got, tt.want)
		}
	}
	for _, bad := range []string{"${}", "${ }", "${a b}", "${a, b}", "${a, 'b}", "${a, 'b' c}", "${a{b}"} {
		if _, err := compilePattern(bad, true, true); err == nil {
			t.Errorf("compilePattern(%q) error = nil, want an error", bad)
		}
	}
}

// TestResourceMatching covers Resource patterns end to end: wildcards,
// segments, variables, defaults, escapes and versions.
func TestResourceMatching(t *testing.T) {
	alice := contextOf(map[string][]string{"aws:username": {"alice"}, "aws:PrincipalTag/dir": {"*"}, "aws:TagKeys": {"a", "b"}})
	tests := []struct {
		version, resource, request string
		ctx                        Context
		want                       bool
	}{
		{Version2012, "*", "arn:aws:iam::123456789012:user/alice", alice, true},
		{Version2012, "*", "*", alice, true},
		{Version2012, "arn:aws:iam::*:user/*", "*", alice, false}, // "*" requests need a "*" Resource
		{Version2012, "arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::123456789012:user/alice", alice, true},
		{Version2012, "arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::123456789012:user/bob", alice, false},
		{Version2012, "arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::123456789012:user/alice", Context{}, false},
		{Version2012, "arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::123456789012:user/path/alice", alice, false},
		{Version2012, "arn:aws:iam::*:user/*${aws:username}", "arn:aws:iam::123456789012:user/path/alice", alice, true},
		{Version2012, "arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::123456789012:user/Alice", alice, false}, // case-sensitive
		{Version2012, "arn:aws:s3:::home/${aws:username, 'anonymous'}/*", "arn:aws:s3:::home/anonymous/x", Context{}, true},
		{Version2012, "arn:aws:s3:::home/${aws:TagKeys}/*", "arn:aws:s3:::home/a/x", alice, false},
		{Version2012, "arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", alice, true},
		{Version2012, "arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x", alice, false},
		{Version2012, "arn:aws:s3:::b/${?}", "arn:aws:s3:::b/?", alice, true},
		{Version2012, "arn:aws:s3:::b/${?}", "arn:aws:s3:::b/x", alice, false},
		{Version2012, "arn:aws:s3:::b/${$}{x}", "arn:aws:s3:::b/${x}", alice, true},
		// A variable's value is text: a tag of "*" is not a wildcard.
		{Version2012, "arn:aws:s3:::b/${aws:PrincipalTag/dir}", "arn:aws:s3:::b/secret", alice, false},
		{Version2012, "arn:aws:s3:::b/${aws:PrincipalTag/dir}", "arn:aws:s3:::b/*", alice, true},
		{Version2012, "arn:aws:iam::123456789012:user/al?ce", "arn:aws:iam::123456789012:user/alice", alice, true},
		{Version2012, "arn:aws:iam::123456789012:*", "arn:aws:iam::123456789012:user/a:b", alice, true},
		{Version2012, "arn:*:iam::*:*", "arn:aws:iam::123456789012:role/r", alice, true},
		{Version2012, "arn:aws:iam::*:role/r", "arn:aws:iam::1:2:role/r", alice, false}, // * stays in its segment
		{Version2012, "arn:aws:iam::*:user/*", "user/alice", alice, false},
		// 2008-10-17 and no Version: ${...} is text, wildcards still work.
		{Version2008, "arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::1:user/alice", alice, false},
		{Version2008, "arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::1:user/${aws:username}", alice, true},
		{"", "arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::1:user/alice", alice, false},
		{Version2008, "arn:aws:s3:::b/${*}", "arn:aws:s3:::b/${x}", alice, true}, // the * is a wildcard
	}
	for _, tt := range tests {
		doc := `{"Statement":{"Effect":"Allow","Action":"iam:GetUser","Resource":"` + tt.resource + `"}}`
		if tt.version != "" {
			doc = `{"Version":"` + tt.version + `",` + doc[1:]
		}
		d, err := Parse(doc, IdentityPolicy)
		if err != nil {
			t.Fatalf("Parse(%q) error = %v", doc, err)
		}
		r := Evaluate(Request{Action: "iam:GetUser", Resource: tt.request, Context: tt.ctx}, []Policy{{Doc: d}})
		if got := r.Decision == Allow; got != tt.want {
			t.Errorf("Eval(%q on %q, version %q) = %v, want %v", tt.resource, tt.request, tt.version, got, tt.want)
		}
	}
}

func TestActionMatching(t *testing.T) {
	tests := []struct {
		action, request string
		want            bool
	}{
		{"*", "iam:CreateUser", true},
		{"iam:*", "iam:CreateUser", true},
		{"iam:*", "sts:AssumeRole", false},
		{"iam:CreateUser", "IAM:createuser", true},
		{"IAM:CREATEUSER", "iam:CreateUser", true},
		{"iam:*MFA*", "iam:CreateVirtualMFADevice", true},
		{"iam:*mfa*", "iam:ListUsers", false},
		{"iam:?etUser", "iam:GetUser", true},
		{"iam:Get*", "iam:ListUsers", false},
		{"iam:GetUser", "iam:GetUserPolicy", false},
		{"iam:Get*", "iamx:GetUser", false},
	}
	for _, tt := range tests {
		d, err := Parse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"`+tt.action+`","Resource":"*"}}`, IdentityPolicy)
		if err != nil {
			t.Fatal(err)
		}
		r := Evaluate(Request{Action: tt.request, Resource: "*"}, []Policy{{Doc: d}})
		if got := r.Decision == Allow; got != tt.want {
			t.Errorf("Eval(Action %q, request %q) = %v, want %v", tt.action, tt.request, got, tt.want)
		}
	}
}

func TestSplitARN(t *testing.T) {
	tests := []struct {
		in    string
		want  []string
		wantN int
	}{
		{"arn:aws:iam::123456789012:user/a:b", []string{"arn", "aws", "iam", "", "123456789012", "user/a:b"}, 6},
		{"*", []string{"*"}, 1},
		{"arn:aws:s3:::b", []string{"arn", "aws", "s3", "", "", "b"}, 6},
	}
	for _, tt := range tests {
		segs, n := splitARN(tt.in)
		if n != tt.wantN {
			t.Errorf("splitARN(%q) n = %d, want %d", tt.in, n, tt.wantN)
		}
		if diff := cmp.Diff(tt.want, segs[:n]); diff != "" {
			t.Errorf("splitARN(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestCompileARN(t *testing.T) {
	tests := []struct {
		in       string
		wantSkip int
		wantLead string
		exact    bool
	}{
		{"arn:aws:iam::123456789012:user/${aws:username}", 5, "arn:aws:iam::123456789012:user/", false},
		{"arn:aws:iam::*:user/${aws:username}", 4, "arn:aws:iam::", false},
		{"arn:aws:iam::123456789012:root", 5, "arn:aws:iam::123456789012:root", true},
		{"arn:*:iam::*:*", 1, "arn:", false},
		{"arn:aws${aws:x}:iam::1:r", 1, "arn:aws", false},
	}
	for _, tt := range tests {
		a, err := compileARN(tt.in, true)
		if err != nil {
			t.Fatalf("compileARN(%q) error = %v", tt.in, err)
		}
		if a.skip != tt.wantSkip || a.lead != tt.wantLead || a.exact != tt.exact {
			t.Errorf("compileARN(%q) = skip %d lead %q exact %v, want %d %q %v", tt.in, a.skip, a.lead, a.exact, tt.wantSkip, tt.wantLead, tt.exact)
		}
	}
}
