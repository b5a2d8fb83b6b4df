package policy

import (
	"slices"
	"testing"
)

// The IAM User Guide, "Policy variables with no value"
// (reference_policies_variables.html#policy-vars-no-value): a variable whose
// key has no value is effectively null. StringEquals/StringLike do not match
// it; inverted operators (StringNotEquals, StringNotLike, …) do; and a
// Resource or NotResource entry that includes it "will not match any
// resource". Values of one condition are ORed, so an entry that cannot be
// resolved simply does not match and the others still decide.
//
// aws:username is the variable of choice because AWS leaves it out for the
// account root and for role sessions (the "Principal key values" table),
// which is exactly how internal/authz builds the context.

type principalCtx struct {
	name string
	ctx  Context
	arn  string
}

func noValuePrincipals() []principalCtx {
	return []principalCtx{
		{"user", contextOf(map[string][]string{
			KeyUsername: {"alice"}, KeyUserID: {"AIDAEXAMPLEALICE"}, KeyPrincipalType: {"User"},
			KeyPrincipalARN: {"arn:aws:iam::123456789012:user/alice"},
		}), "arn:aws:iam::123456789012:user/alice"},
		{"role", contextOf(map[string][]string{
			KeyUserID: {"AROAEXAMPLEROLE:sess"}, KeyPrincipalType: {"AssumedRole"},
			KeyPrincipalARN: {"arn:aws:iam::123456789012:role/ops"},
		}), "arn:aws:sts::123456789012:assumed-role/ops/sess"},
		{"root", contextOf(map[string][]string{
			KeyUserID: {"123456789012"}, KeyPrincipalType: {"Account"},
			KeyPrincipalARN: {"arn:aws:iam::123456789012:root"},
		}), "arn:aws:iam::123456789012:root"},
	}
}

const allowEverything = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`

type noValueCase struct {
	name     string
	doc      string
	action   string
	resource string
	extra    map[string][]string // more context keys, per case
	want     map[string]Decision // principal → decision
}

func runNoValueCases(t *testing.T, tests []noValueCase) {
	t.Helper()
	for _, tt := range tests {
		for _, p := range noValuePrincipals() {
			t.Run(tt.name+"/"+p.name, func(t *testing.T) {
				want, ok := tt.want[p.name]
				if !ok {
					t.Skip("no expectation")
				}
				ctx := NewContext()
				for _, k := range p.ctx.Keys() {
					v, _ := p.ctx.Get(k)
					ctx.Set(k, v...)
				}
				for k, v := range tt.extra {
					ctx.Set(k, v...)
				}
				ps := []Policy{
					{ID: "all", Doc: mustParse(t, allowEverything, IdentityPolicy)},
					{ID: "p", Doc: mustParse(t, tt.doc, IdentityPolicy)},
				}
				got := Evaluate(Request{Action: tt.action, Resource: tt.resource, Context: ctx}, ps)
				if got.Decision != want {
					t.Errorf("Evaluate(%s on %s) as %s = %v, want %v", tt.action, tt.resource, p.name, got.Decision, want)
				}
			})
		}
	}
}

// Finding 11 (a): a NotResource entry with no value matches no resource, so
// the Deny still applies to everything the other entries do not spare.
func TestNoValueNotResource(t *testing.T) {
	denyOutsideOwn := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iam:*",
		"NotResource":["arn:aws:iam::*:user/${aws:username}","arn:aws:iam::*:mfa/*"]}}`
	denyOnlyVar := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iam:*",
		"NotResource":"arn:aws:iam::*:user/${aws:username}"}}`
	denyVarDefault := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iam:*",
		"NotResource":"arn:aws:iam::*:user/${aws:username, 'alice'}"}}`
	runNoValueCases(t, []noValueCase{
		{
			name: "own user is spared for a user only", doc: denyOutsideOwn,
			action: "iam:GetUser", resource: "arn:aws:iam::123456789012:user/alice",
			want: map[string]Decision{"user": Allow, "role": ExplicitDeny, "root": ExplicitDeny},
		},
		{
			name: "the resolved entry still spares", doc: denyOutsideOwn,
			action: "iam:ListMFADevices", resource: "arn:aws:iam::123456789012:mfa/alice",
			want: map[string]Decision{"user": Allow, "role": Allow, "root": Allow},
		},
		{
			name: "another user is denied", doc: denyOutsideOwn,
			action: "iam:GetUser", resource: "arn:aws:iam::123456789012:user/bob",
			want: map[string]Decision{"user": ExplicitDeny, "role": ExplicitDeny, "root": ExplicitDeny},
		},
		{
			name: "a lone entry with no value denies everything", doc: denyOnlyVar,
			action: "iam:ListUsers", resource: "*",
			want: map[string]Decision{"user": ExplicitDeny, "role": ExplicitDeny, "root": ExplicitDeny},
		},
		{
			name: "a lone entry with no value denies a user-shaped ARN", doc: denyOnlyVar,
			action: "iam:GetUser", resource: "arn:aws:iam::123456789012:user/",
			want: map[string]Decision{"user": ExplicitDeny, "role": ExplicitDeny, "root": ExplicitDeny},
		},
		{
			name: "a default is a value", doc: denyVarDefault,
			action: "iam:GetUser", resource: "arn:aws:iam::123456789012:user/alice",
			want: map[string]Decision{"user": Allow, "role": Allow, "root": Allow},
		},
	})
}

// A Resource entry with no value matches nothing; the statement's other
// entries still count.
func TestNoValueResource(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:GetUser",
		"Resource":["arn:aws:iam::*:user/${aws:username}","arn:aws:iam::*:user/shared"]}}`
	for _, p := range noValuePrincipals() {
		d := mustParse(t, doc, IdentityPolicy)
		for _, tt := range []struct {
			resource string
			want     Decision
		}{
			{"arn:aws:iam::123456789012:user/shared", Allow},
			{"arn:aws:iam::123456789012:user/alice", map[string]Decision{"user": Allow}[p.name]},
			{"arn:aws:iam::123456789012:user/", ImplicitDeny},
			{"arn:aws:iam::123456789012:user/*", ImplicitDeny},
		} {
			got := Evaluate(Request{Action: "iam:GetUser", Resource: tt.resource, Context: p.ctx}, []Policy{{ID: "p", Doc: d}})
			if got.Decision != tt.want {
				t.Errorf("Evaluate(GetUser on %s) as %s = %v, want %v", tt.resource, p.name, got.Decision, tt.want)
			}
		}
	}
	// A Deny with such a Resource list still denies what its other
	// entries name.
	deny := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iam:*",
		"Resource":["arn:aws:iam::*:user/${aws:username}","arn:aws:iam::*:user/admin"]}}`
	runNoValueCases(t, []noValueCase{
		{
			name: "deny by the resolved entry", doc: deny,
			action: "iam:GetUser", resource: "arn:aws:iam::123456789012:user/admin",
			want: map[string]Decision{"user": ExplicitDeny, "role": ExplicitDeny, "root": ExplicitDeny},
		},
		{
			name: "deny by the variable entry", doc: deny,
			action: "iam:GetUser", resource: "arn:aws:iam::123456789012:user/alice",
			want: map[string]Decision{"user": ExplicitDeny, "role": Allow, "root": Allow},
		},
	})
}

// Finding 11 (b): condition values are ORed; an entry whose variable has no
// value does not match and the others decide.
func TestNoValueConditionEntry(t *testing.T) {
	allowIf := func(cond string) string {
		return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":` + cond + `}}`
	}
	tests := []struct {
		name string
		cond string
		want map[string]bool // principal → allowed
	}{
		{"ArnLike: the session entry admits the role",
			`{"ArnLike":{"aws:PrincipalArn":["arn:aws:iam::*:user/${aws:username}","arn:aws:iam::*:role/*"]}}`,
			map[string]bool{"user": true, "role": true, "root": false}},
		{"StringEquals: the literal admits the root",
			`{"StringEquals":{"aws:PrincipalType":["${aws:username}","Account","User"]}}`,
			map[string]bool{"user": true, "role": false, "root": true}},
		{"StringLike: one pattern each",
			`{"StringLike":{"aws:userid":["${aws:username}*","AROA*"]}}`,
			map[string]bool{"user": false, "role": true, "root": false}},
		{"StringEqualsIgnoreCase: the literal decides",
			`{"StringEqualsIgnoreCase":{"aws:PrincipalType":["${aws:username}","assumedrole"]}}`,
			map[string]bool{"user": false, "role": true, "root": false}},
		{"ForAnyValue: the literal decides",
			`{"ForAnyValue:StringEquals":{"aws:PrincipalType":["${aws:username}","AssumedRole"]}}`,
			map[string]bool{"user": false, "role": true, "root": false}},
		{"only the variable: does not match",
			`{"StringEquals":{"aws:PrincipalType":"${aws:username}"}}`,
			map[string]bool{"user": false, "role": false, "root": false}},
	}
	for _, tt := range tests {
		for _, p := range noValuePrincipals() {
			d := mustParse(t, allowIf(tt.cond), IdentityPolicy)
			got := Evaluate(Request{Action: "iam:GetUser", Resource: "*", Context: p.ctx}, []Policy{{ID: "p", Doc: d}})
			if (got.Decision == Allow) != tt.want[p.name] {
				t.Errorf("%s: as %s got %v, want allowed=%v", tt.name, p.name, got.Decision, tt.want[p.name])
			}
		}
	}
}

// Finding 11 (c): negated operators match a null value, so a Deny guarded by
// StringNotEquals/StringNotLike/ArnNotLike against a variable with no value
// applies.
func TestNoValueNegatedOperators(t *testing.T) {
	denyIf := func(cond string) string {
		return `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":` + cond + `}}`
	}
	runNoValueCases(t, []noValueCase{
		{
			name: "StringNotLike own home", doc: denyIf(`{"StringNotLike":{"s3:prefix":"home/${aws:username}/*"}}`),
			action: "s3:ListBucket", resource: "arn:aws:s3:::b", extra: vals("s3:prefix", "home/alice/x"),
			want: map[string]Decision{"user": Allow, "role": ExplicitDeny, "root": ExplicitDeny},
		},
		{
			name:   "StringNotLike with a resolvable alternative",
			doc:    denyIf(`{"StringNotLike":{"s3:prefix":["home/${aws:username}/*","public/*"]}}`),
			action: "s3:ListBucket", resource: "arn:aws:s3:::b", extra: vals("s3:prefix", "public/x"),
			want: map[string]Decision{"user": Allow, "role": Allow, "root": Allow},
		},
		{
			name:   "StringNotLike with an alternative that does not match",
			doc:    denyIf(`{"StringNotLike":{"s3:prefix":["home/${aws:username}/*","public/*"]}}`),
			action: "s3:ListBucket", resource: "arn:aws:s3:::b", extra: vals("s3:prefix", "home/alice/x"),
			want: map[string]Decision{"user": Allow, "role": ExplicitDeny, "root": ExplicitDeny},
		},
		{
			name:   "StringNotEquals tag against a missing principal tag",
			doc:    denyIf(`{"StringNotEquals":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}`),
			action: "s3:GetObject", resource: "arn:aws:s3:::b/k", extra: vals("s3:ExistingObjectTag/Team", "red"),
			want: map[string]Decision{"user": ExplicitDeny, "role": ExplicitDeny, "root": ExplicitDeny},
		},
		{
			name: "StringNotEqualsIgnoreCase", doc: denyIf(`{"StringNotEqualsIgnoreCase":{"s3:prefix":"${aws:username}"}}`),
			action: "s3:ListBucket", resource: "arn:aws:s3:::b", extra: vals("s3:prefix", "ALICE"),
			want: map[string]Decision{"user": Allow, "role": ExplicitDeny, "root": ExplicitDeny},
		},
		{
			name: "ArnNotLike", doc: denyIf(`{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/${aws:username}"}}`),
			action: "s3:ListBucket", resource: "arn:aws:s3:::b",
			want: map[string]Decision{"user": Allow, "role": ExplicitDeny, "root": ExplicitDeny},
		},
		{
			name: "positive StringLike does not match", doc: denyIf(`{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`),
			action: "s3:ListBucket", resource: "arn:aws:s3:::b", extra: vals("s3:prefix", "home/alice/x"),
			want: map[string]Decision{"user": ExplicitDeny, "role": Allow, "root": Allow},
		},
		{
			name: "ForAllValues:StringNotLike", doc: denyIf(`{"ForAllValues:StringNotLike":{"aws:TagKeys":["${aws:username}*"]}}`),
			action: "s3:PutObjectTagging", resource: "arn:aws:s3:::b/k", extra: vals("aws:TagKeys", "alice-x", "alice-y"),
			want: map[string]Decision{"user": Allow, "role": ExplicitDeny, "root": ExplicitDeny},
		},
	})
}

// SimulatePolicy still reports a variable with no value as a missing context
// value when it decided a statement.
func TestNoValueReportsMissing(t *testing.T) {
	d := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Deny","Action":"iam:*","NotResource":"arn:aws:iam::*:user/${aws:username}"},
		{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalType":"${aws:PrincipalTag/kind}"}}}]}`, IdentityPolicy)
	role := noValuePrincipals()[1]
	r := Evaluate(Request{Action: "iam:GetUser", Resource: "arn:aws:iam::123456789012:user/alice", Context: role.ctx}, []Policy{{ID: "p", Doc: d}})
	if r.Decision != ExplicitDeny {
		t.Errorf("Decision = %v, want explicitDeny", r.Decision)
	}
	for _, k := range []string{"aws:username", "aws:PrincipalTag/kind"} {
		if !slices.Contains(r.MissingContextKeys, k) {
			t.Errorf("MissingContextKeys = %v, want it to hold %s", r.MissingContextKeys, k)
		}
	}
}
