package policy

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary text to Parse: it must never panic, must fail
// only with a *ValidationError, and whatever it accepts must evaluate
// without panicking.
func FuzzParse(f *testing.F) {
	seeds := []string{
		selfManageMFA,
		`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:iam::*:user/${aws:username, 'x'}"}]}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
			"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["a*","${*}"]},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},
			"DateLessThan":{"aws:CurrentTime":"2030-01-01"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/${aws:username}"},
			"Null":{"aws:TokenIssueTime":"false"},"BinaryEquals":{"aws:x":"aGk="},"NumericEquals":{"aws:n":1}}}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:${a:b, '''}:c::d:${"}}`,
	}
	for i, s := range seeds {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, doc string, k uint8) {
		kind := Kind(k % 5)
		_ = Size(doc)
		d, err := Parse(doc, kind)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse(%q) error %T %v, want *ValidationError", doc, err, err)
			}
			return
		}
		ctx := NewContext()
		ctx.Set(KeyUsername, "alice")
		ctx.Set("aws:TagKeys", "a", "b")
		ctx.Set(KeySourceIP, "10.1.2.3")
		ctx.Set(KeyCurrentTime, "2025-01-01T00:00:00Z")
		ctx.SetMFA(TemporaryWithMFA, 0)
		for _, req := range []Request{
			{Action: "iam:CreateUser", Resource: "arn:aws:iam::123456789012:user/alice", Context: ctx},
			{Action: "sts:AssumeRole", Resource: "*"},
			{Action: "", Resource: ""},
		} {
			_ = Evaluate(req, []Policy{{ID: "p", Doc: d}})
			_ = EvaluateWithSessionPolicies(req, []Policy{{Doc: d}}, []Policy{{Doc: d}})
			_ = EvaluateTrust(req, d, Caller{ARN: "arn:aws:iam::123456789012:user/alice", Account: "123456789012"})
		}
	})
}

// FuzzGlob checks the wildcard matcher against a regular expression built
// from the same pattern.
func FuzzGlob(f *testing.F) {
	f.Add("a*b?c", "axxbyc")
	f.Add("*a*a*b", "aaaaab")
	f.Add("arn:aws:iam::*:user/*", "arn:aws:iam::1:user/x")
	f.Add("é?*", "éüx")
	f.Fuzz(func(t *testing.T, pat, s string) {
		if !utf8.ValidString(pat) || !utf8.ValidString(s) {
			return // regexp and the matcher disagree on how to step over bad bytes
		}
		p, err := compilePattern(pat, false, true)
		if err != nil {
			t.Fatalf("compilePattern(%q) error = %v", pat, err)
		}
		var re strings.Builder
		re.WriteString(`(?s)\A`)
		for _, r := range pat {
			switch r {
			case '*':
				re.WriteString(".*")
			case '?':
				re.WriteString(".")
			default:
				re.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		re.WriteString(`\z`)
		want := regexp.MustCompile(re.String()).MatchString(s)
		if got := p.match(s, nil, false); got != want {
			t.Errorf("match(%q, %q) = %v, want %v", pat, s, got, want)
		}
	})
}
