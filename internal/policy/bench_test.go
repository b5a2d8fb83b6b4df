package policy

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// benchPolicies builds n policies of m statements each, a mix of what real
// accounts hold: wildcard actions, per-user resources with variables, a
// NotAction MFA guard, and a condition or two.
func benchPolicies(b *testing.B, n, m int) []Policy {
	b.Helper()
	var ps []Policy
	for p := range n {
		var stmts []string
		for s := range m {
			var st string
			switch s % 5 {
			case 0:
				st = `{"Sid":"S%d","Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"arn:aws:iam::*:user/${aws:username}"}`
			case 1:
				st = `{"Sid":"S%d","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bucket-` + fmt.Sprint(p) + `/home/${aws:username}/*","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}}`
			case 2:
				st = `{"Sid":"S%d","Effect":"Deny","NotAction":["iam:CreateVirtualMFADevice","iam:EnableMFADevice","iam:GetUser","iam:ListMFADevices","sts:GetSessionToken"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}`
			case 3:
				st = `{"Sid":"S%d","Effect":"Allow","Action":"ec2:Describe*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.0.2.0/24"]}}}`
			case 4:
				st = `{"Sid":"S%d","Effect":"Allow","Action":["iam:CreateAccessKey","iam:DeleteAccessKey","iam:UpdateAccessKey"],"Resource":"arn:aws:iam::123456789012:user/${aws:username}","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}`
			}
			stmts = append(stmts, fmt.Sprintf(st, s))
		}
		doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
		ps = append(ps, Policy{ID: fmt.Sprintf("policy-%d", p), Doc: mustParse(b, doc, IdentityPolicy)})
	}
	return ps
}

func BenchmarkEvaluate(b *testing.B) {
	ps := benchPolicies(b, 10, 10)
	ctx := NewContext()
	ctx.Set(KeyUsername, "alice")
	ctx.Set(KeyUserID, "AIDAEXAMPLE")
	ctx.Set(KeySourceIP, "10.1.2.3")
	ctx.Set(KeyCurrentTime, "2026-01-01T00:00:00Z")
	ctx.SetMFA(TemporaryWithMFA, 100*time.Second)
	req := Request{Action: "iam:UpdateAccessKey", Resource: "arn:aws:iam::123456789012:user/alice", Context: ctx}
	if r := Evaluate(req, ps); r.Decision != Allow {
		b.Fatalf("Evaluate = %v, want %v", r.Decision, Allow)
	}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(req, ps)
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(selfManageMFA, ManagedPolicy); err != nil {
			b.Fatal(err)
		}
	}
}
