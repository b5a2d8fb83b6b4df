package policy

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// mustParse parses doc or fails the test.
func mustParse(t testing.TB, doc string, kind Kind) *Document {
	t.Helper()
	d, err := Parse(doc, kind)
	if err != nil {
		t.Fatalf("Parse(%q) error = %v", doc, err)
	}
	return d
}

const (
	account = "123456789012"
	userArn = "arn:aws:iam::123456789012:user/alice"
)

func TestEvaluateDecisions(t *testing.T) {
	allowAll := `{"Version":"2012-10-17","Statement":{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"}}`
	denyIAMWrites := `{"Version":"2012-10-17","Statement":[
		{"Sid":"NoDelete","Effect":"Deny","Action":["iam:Delete*","iam:Remove*"],"Resource":"*"},
		{"Sid":"ReadOwn","Effect":"Allow","Action":"iam:Get*","Resource":"arn:aws:iam::*:user/${aws:username}"}]}`
	notAction := `{"Version":"2012-10-17","Statement":{"Sid":"AllButIAM","Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`
	notResource := `{"Version":"2012-10-17","Statement":{"Sid":"OnlyOwnUser","Effect":"Deny","Action":"iam:*","NotResource":["arn:aws:iam::*:user/${aws:username}","arn:aws:iam::*:mfa/*"]}}`
	ctx := contextOf(map[string][]string{"aws:username": {"alice"}})

	tests := []struct {
		name     string
		policies map[string]string // id → document
		action   string
		resource string
		want     Result
	}{
		{
			name: "no policies: implicit deny", action: "iam:GetUser", resource: userArn,
			want: Result{Decision: ImplicitDeny},
		},
		{
			name: "allow", policies: map[string]string{"p1": allowAll}, action: "iam:GetUser", resource: userArn,
			want: Result{Decision: Allow, Matched: []MatchedStatement{{PolicyID: "p1", Index: 0, Sid: "All", Effect: EffectAllow}}},
		},
		{
			name: "deny in one policy beats allow in another", policies: map[string]string{"p1": allowAll, "p2": denyIAMWrites},
			action: "iam:DeleteUser", resource: userArn,
			want: Result{Decision: ExplicitDeny, Matched: []MatchedStatement{
				{PolicyID: "p1", Index: 0, Sid: "All", Effect: EffectAllow},
				{PolicyID: "p2", Index: 0, Sid: "NoDelete", Effect: EffectDeny},
			}},
		},
		{
			name: "allow by variable resource", policies: map[string]string{"p2": denyIAMWrites},
			action: "iam:GetUser", resource: userArn,
			want: Result{Decision: Allow, Matched: []MatchedStatement{{PolicyID: "p2", Index: 1, Sid: "ReadOwn", Effect: EffectAllow}}},
		},
		{
			name: "other user's resource: implicit deny", policies: map[string]string{"p2": denyIAMWrites},
			action: "iam:GetUser", resource: "arn:aws:iam::123456789012:user/bob",
			want: Result{Decision: ImplicitDeny},
		},
		{
			name: "NotAction allows other services", policies: map[string]string{"p": notAction},
			action: "s3:GetObject", resource: "arn:aws:s3:::b/k",
			want: Result{Decision: Allow, Matched: []MatchedStatement{{PolicyID: "p", Sid: "AllButIAM", Effect: EffectAllow}}},
		},
		{
			name: "NotAction excludes the listed", policies: map[string]string{"p": notAction},
			action: "iam:GetUser", resource: userArn,
			want: Result{Decision: ImplicitDeny},
		},
		{
			name: "NotResource deny spares the listed", policies: map[string]string{"a": allowAll, "p": notResource},
			action: "iam:GetUser", resource: userArn,
			want: Result{Decision: Allow, Matched: []MatchedStatement{{PolicyID: "a", Sid: "All", Effect: EffectAllow}}},
		},
		{
			name: "NotResource deny hits the rest", policies: map[string]string{"a": allowAll, "p": notResource},
			action: "iam:GetUser", resource: "arn:aws:iam::123456789012:user/bob",
			want: Result{Decision: ExplicitDeny, Matched: []MatchedStatement{
				{PolicyID: "a", Sid: "All", Effect: EffectAllow},
				{PolicyID: "p", Sid: "OnlyOwnUser", Effect: EffectDeny},
			}},
		},
		{
			name: "NotResource deny hits \"*\" requests", policies: map[string]string{"a": allowAll, "p": notResource},
			action: "iam:ListUsers", resource: "*",
			want: Result{Decision: ExplicitDeny, Matched: []MatchedStatement{
				{PolicyID: "a", Sid: "All", Effect: EffectAllow},
				{PolicyID: "p", Sid: "OnlyOwnUser", Effect: EffectDeny},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ps []Policy
			for _, id := range []string{"a", "p", "p1", "p2"} { // fixed order
				if doc, ok := tt.policies[id]; ok {
					ps = append(ps, Policy{ID: id, Doc: mustParse(t, doc, IdentityPolicy)})
				}
			}
			got := Evaluate(Request{Action: tt.action, Resource: tt.resource, Context: ctx}, ps)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Evaluate(%s on %s) mismatch (-want +got):\n%s", tt.action, tt.resource, diff)
			}
		})
	}
}

func TestEvaluateIgnoresPrincipalStatements(t *testing.T) {
	// A resource policy handed to Evaluate by mistake must not grant its
	// Principal's access to everyone.
	d := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`, ResourcePolicy)
	if got := Evaluate(Request{Action: "iam:GetUser", Resource: "*"}, []Policy{{Doc: d}, {Doc: nil}}).Decision; got != ImplicitDeny {
		t.Errorf("Evaluate(resource policy) = %v, want %v", got, ImplicitDeny)
	}
}

// TestMFATruthTable pins reference §8.2: three kinds of credentials against
// the Bool/BoolIfExists/Null conditions on aws:MultiFactorAuthPresent.
func TestMFATruthTable(t *testing.T) {
	sources := []struct {
		name string
		src  CredentialSource
	}{
		{"long-term keys", LongTermCredentials},
		{"temporary without MFA", TemporaryWithoutMFA},
		{"temporary with MFA", TemporaryWithMFA},
	}
	tests := []struct {
		cond string
		want [3]bool // long-term, temp without MFA, temp with MFA
	}{
		{`{"Bool":{"aws:MultiFactorAuthPresent":"false"}}`, [3]bool{false, true, false}},
		{`{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, [3]bool{true, true, false}},
		{`{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`, [3]bool{false, false, true}},
		{`{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`, [3]bool{true, false, true}},
		{`{"Null":{"aws:MultiFactorAuthPresent":"true"}}`, [3]bool{true, false, false}},
		// Age: within the hour requires MFA; the deny form catches no MFA
		// and stale MFA alike (age here is 10 minutes).
		{`{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`, [3]bool{false, false, true}},
		{`{"NumericGreaterThanIfExists":{"aws:MultiFactorAuthAge":"1800"}}`, [3]bool{true, true, false}},
		{`{"NumericGreaterThanIfExists":{"aws:MultiFactorAuthAge":"300"}}`, [3]bool{true, true, true}},
	}
	for _, tt := range tests {
		for i, s := range sources {
			ctx := NewContext()
			ctx.SetMFA(s.src, 10*time.Minute)
			if got := allowedUnder(t, Version2012, tt.cond, ctx); got != tt.want[i] {
				t.Errorf("Eval(%q) with %s = %v, want %v", tt.cond, s.name, got, tt.want[i])
			}
		}
	}
}

// selfManageMFA is the User Guide's my-sec-creds-self-manage-mfa-only policy
// (reference §8.3), written from the table there.
const selfManageMFA = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "AllowViewAccountInfo", "Effect": "Allow",
     "Action": "iam:ListVirtualMFADevices", "Resource": "*"},
    {"Sid": "AllowManageOwnVirtualMFADevice", "Effect": "Allow",
     "Action": "iam:CreateVirtualMFADevice", "Resource": "arn:aws:iam::*:mfa/*"},
    {"Sid": "AllowManageOwnUserMFA", "Effect": "Allow",
     "Action": ["iam:DeactivateMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices", "iam:ResyncMFADevice"],
     "Resource": "arn:aws:iam::*:user/${aws:username}"},
    {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
     "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
                   "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"],
     "Resource": "*",
     "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
  ]
}`

func TestSelfServiceMFAPolicy(t *testing.T) {
	pol := []Policy{{ID: "arn:aws:iam::123456789012:policy/SelfManageMFA", Doc: mustParse(t, selfManageMFA, ManagedPolicy)}}
	bob := "arn:aws:iam::123456789012:user/bob"
	tests := []struct {
		name     string
		src      CredentialSource
		action   string
		resource string
		want     Decision
		wantSids []string
	}{
		{"create own virtual device", LongTermCredentials, "iam:CreateVirtualMFADevice", "arn:aws:iam::123456789012:mfa/alice", Allow, []string{"AllowManageOwnVirtualMFADevice"}},
		{"enable on own user", LongTermCredentials, "iam:EnableMFADevice", userArn, Allow, []string{"AllowManageOwnUserMFA"}},
		{"enable on another user", LongTermCredentials, "iam:EnableMFADevice", bob, ImplicitDeny, nil},
		{"list virtual devices", TemporaryWithoutMFA, "iam:ListVirtualMFADevices", "*", Allow, []string{"AllowViewAccountInfo"}},
		{"list users without MFA", LongTermCredentials, "iam:ListUsers", "*", ExplicitDeny, []string{"DenyAllExceptListedIfNoMFA"}},
		{"list users with MFA: not granted", TemporaryWithMFA, "iam:ListUsers", "*", ImplicitDeny, nil},
		{"deactivate with access keys", LongTermCredentials, "iam:DeactivateMFADevice", userArn, ExplicitDeny, []string{"AllowManageOwnUserMFA", "DenyAllExceptListedIfNoMFA"}},
		{"deactivate with a session without MFA", TemporaryWithoutMFA, "iam:DeactivateMFADevice", userArn, ExplicitDeny, []string{"AllowManageOwnUserMFA", "DenyAllExceptListedIfNoMFA"}},
		{"deactivate with MFA", TemporaryWithMFA, "iam:DeactivateMFADevice", userArn, Allow, []string{"AllowManageOwnUserMFA"}},
		{"deactivate another user's with MFA", TemporaryWithMFA, "iam:DeactivateMFADevice", bob, ImplicitDeny, nil},
		{"delete virtual device: explicit deny", LongTermCredentials, "iam:DeleteVirtualMFADevice", "arn:aws:iam::123456789012:mfa/alice", ExplicitDeny, []string{"DenyAllExceptListedIfNoMFA"}},
		{"get session token is not denied", LongTermCredentials, "sts:GetSessionToken", "*", ImplicitDeny, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := NewContext()
			ctx.Set(KeyUsername, "alice")
			ctx.SetMFA(tt.src, time.Minute)
			r := Evaluate(Request{Action: tt.action, Resource: tt.resource, Context: ctx}, pol)
			var sids []string
			for _, m := range r.Matched {
				sids = append(sids, m.Sid)
			}
			if r.Decision != tt.want {
				t.Errorf("Eval(%s on %s) = %v, want %v", tt.action, tt.resource, r.Decision, tt.want)
			}
			if diff := cmp.Diff(tt.wantSids, sids); diff != "" {
				t.Errorf("Eval(%s on %s) matched Sids mismatch (-want +got):\n%s", tt.action, tt.resource, diff)
			}
		})
	}
}

func TestEvaluateWithSessionPolicies(t *testing.T) {
	identity := []Policy{{ID: "id", Doc: mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"IAMRead","Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"},
		{"Sid":"NoPolicies","Effect":"Deny","Action":"iam:GetPolicy","Resource":"*"}]}`, IdentityPolicy)}}
	session := []Policy{{ID: "session", Doc: mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"Users","Effect":"Allow","Action":["iam:GetUser","iam:GetPolicy","iam:CreateUser"],"Resource":"*"},
		{"Sid":"NoLists","Effect":"Deny","Action":"iam:ListRoles","Resource":"*"}]}`, SessionPolicy)}}
	tests := []struct {
		action  string
		session []Policy
		want    Decision
	}{
		{"iam:GetUser", session, Allow},           // both allow
		{"iam:ListUsers", session, ImplicitDeny},  // only identity allows
		{"iam:CreateUser", session, ImplicitDeny}, // only the session allows
		{"iam:GetPolicy", session, ExplicitDeny},  // identity denies
		{"iam:ListRoles", session, ExplicitDeny},  // session denies
		{"iam:ListUsers", nil, Allow},             // no session policies: identity alone
		{"iam:DeleteUser", session, ImplicitDeny}, // neither
		{"iam:GetPolicy", nil, ExplicitDeny},
	}
	for _, tt := range tests {
		got := EvaluateWithSessionPolicies(Request{Action: tt.action, Resource: "*"}, identity, tt.session)
		if got.Decision != tt.want {
			t.Errorf("EvaluateWithSessionPolicies(%s, %d session policies) = %v, want %v", tt.action, len(tt.session), got.Decision, tt.want)
		}
	}
	got := EvaluateWithSessionPolicies(Request{Action: "iam:GetUser", Resource: "*"}, identity, session)
	want := []MatchedStatement{
		{PolicyID: "id", Index: 0, Sid: "IAMRead", Effect: EffectAllow},
		{PolicyID: "session", Index: 0, Sid: "Users", Effect: EffectAllow},
	}
	if diff := cmp.Diff(want, got.Matched); diff != "" {
		t.Errorf("EvaluateWithSessionPolicies(iam:GetUser).Matched mismatch (-want +got):\n%s", diff)
	}
}

func TestEvaluateTrustPrincipals(t *testing.T) {
	const role = "arn:aws:iam::123456789012:role/deploy"
	users := map[string]Caller{
		"alice":         {ARN: userArn, Account: account},
		"bob":           {ARN: "arn:aws:iam::123456789012:user/bob", Account: account},
		"root":          {ARN: "arn:aws:iam::123456789012:root", Account: account},
		"other account": {ARN: "arn:aws:iam::210987654321:user/alice", Account: "210987654321"},
		"deploy session": {ARN: "arn:aws:sts::123456789012:assumed-role/deploy/s1", Account: account,
			RoleARN: role},
		"ec2":  {Service: "ec2.amazonaws.com"},
		"saml": {Federated: "arn:aws:iam::123456789012:saml-provider/idp", Account: account},
	}
	tests := []struct {
		principal string
		allowed   []string // callers the statement admits
	}{
		{`"*"`, []string{"alice", "bob", "deploy session", "ec2", "other account", "root", "saml"}},
		{`{"AWS":"*"}`, []string{"alice", "bob", "deploy session", "ec2", "other account", "root", "saml"}},
		{`{"AWS":"123456789012"}`, []string{"alice", "bob", "deploy session", "root", "saml"}},
		{`{"AWS":"arn:aws:iam::123456789012:root"}`, []string{"alice", "bob", "deploy session", "root", "saml"}},
		{`{"AWS":"arn:aws:iam::123456789012:user/alice"}`, []string{"alice"}},
		{`{"AWS":["arn:aws:iam::123456789012:user/bob","210987654321"]}`, []string{"bob", "other account"}},
		{`{"AWS":"arn:aws:iam::123456789012:role/deploy"}`, []string{"deploy session"}},
		{`{"AWS":"arn:aws:sts::123456789012:assumed-role/deploy/s1"}`, []string{"deploy session"}},
		{`{"Service":"ec2.amazonaws.com"}`, []string{"ec2"}},
		{`{"Service":"EC2.amazonaws.com"}`, []string{"ec2"}},
		{`{"Federated":"arn:aws:iam::123456789012:saml-provider/idp"}`, []string{"saml"}},
	}
	names := []string{"alice", "bob", "deploy session", "ec2", "other account", "root", "saml"}
	for _, tt := range tests {
		trust := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":`+tt.principal+`,"Action":"sts:AssumeRole"}}`, TrustPolicy)
		var got []string
		for _, n := range names {
			r := EvaluateTrust(Request{Action: "sts:AssumeRole", Resource: role}, trust, users[n])
			if r.Decision == Allow {
				got = append(got, n)
			}
		}
		if diff := cmp.Diff(tt.allowed, got); diff != "" {
			t.Errorf("EvaluateTrust(Principal %s) admitted mismatch (-want +got):\n%s", tt.principal, diff)
		}
	}

	// NotPrincipal: deny everyone in the account except alice.
	trust := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"},
		{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}`, TrustPolicy)
	for name, want := range map[string]Decision{"alice": Allow, "bob": ExplicitDeny, "root": ExplicitDeny, "ec2": ExplicitDeny} {
		if got := EvaluateTrust(Request{Action: "sts:AssumeRole", Resource: role}, trust, users[name]).Decision; got != want {
			t.Errorf("EvaluateTrust(NotPrincipal alice) for %s = %v, want %v", name, got, want)
		}
	}
	// The action must match too.
	if got := EvaluateTrust(Request{Action: "sts:TagSession"}, trust, users["alice"]).Decision; got != ImplicitDeny {
		t.Errorf("EvaluateTrust(sts:TagSession) = %v, want %v", got, ImplicitDeny)
	}
	if got := EvaluateTrust(Request{Action: "sts:AssumeRole"}, nil, users["alice"]).Decision; got != ImplicitDeny {
		t.Errorf("EvaluateTrust(nil document) = %v, want %v", got, ImplicitDeny)
	}
}

// TestTrustRequiresMFA pins reference §8.4.
func TestTrustRequiresMFA(t *testing.T) {
	trust := mustParse(t, `{"Version":"2012-10-17","Statement":{"Sid":"MFAOnly","Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole",
		"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"},"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}}`, TrustPolicy)
	alice := Caller{ARN: userArn, Account: account}
	tests := []struct {
		name string
		src  CredentialSource
		age  time.Duration
		who  Caller
		want Decision
	}{
		{"access keys", LongTermCredentials, 0, alice, ImplicitDeny},
		{"session without MFA", TemporaryWithoutMFA, 0, alice, ImplicitDeny},
		{"session with recent MFA", TemporaryWithMFA, 5 * time.Minute, alice, Allow},
		{"session with stale MFA", TemporaryWithMFA, 2 * time.Hour, alice, ImplicitDeny},
		{"other account with MFA", TemporaryWithMFA, time.Minute, Caller{ARN: "arn:aws:iam::210987654321:user/x", Account: "210987654321"}, ImplicitDeny},
	}
	for _, tt := range tests {
		ctx := NewContext()
		ctx.SetMFA(tt.src, tt.age)
		r := EvaluateTrust(Request{Action: "sts:AssumeRole", Resource: "arn:aws:iam::123456789012:role/admin", Context: ctx}, trust, tt.who)
		if r.Decision != tt.want {
			t.Errorf("EvaluateTrust(%s) = %v, want %v", tt.name, r.Decision, tt.want)
		}
	}
}

func TestMissingContextKeys(t *testing.T) {
	d := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}",
		 "Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"},"StringEquals":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}},
		{"Effect":"Deny","Action":"iam:GetUser","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
		{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"x"}}}]}`, IdentityPolicy)
	tests := []struct {
		name string
		ctx  map[string][]string
		want []string
	}{
		{"nothing given", nil, []string{"aws:MultiFactorAuthPresent", "aws:PrincipalTag/team", "aws:ResourceTag/team", "aws:SourceIp", "aws:username"}},
		{"all given", map[string][]string{
			"aws:username": {"alice"}, "aws:multifactorauthpresent": {"true"}, "aws:PrincipalTag/team": {"red"},
			"aws:ResourceTag/team": {"red"}, "aws:SourceIp": {"192.0.2.1"},
		}, nil},
	}
	for _, tt := range tests {
		r := Evaluate(Request{Action: "iam:GetUser", Resource: userArn, Context: contextOf(tt.ctx)}, []Policy{{Doc: d}})
		if diff := cmp.Diff(tt.want, r.MissingContextKeys); diff != "" {
			t.Errorf("Evaluate(%s).MissingContextKeys mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestContext(t *testing.T) {
	var c Context // the zero value works
	c.Set("AWS:UserName", "alice")
	c.Set("aws:TagKeys", "a", "b")
	if got, ok := c.Get("aws:username"); !ok || !cmp.Equal(got, []string{"alice"}) {
		t.Errorf("Get(aws:username) = %v, %v, want [alice], true", got, ok)
	}
	if diff := cmp.Diff([]string{"aws:tagkeys", "aws:username"}, c.Keys()); diff != "" {
		t.Errorf("Keys() mismatch (-want +got):\n%s", diff)
	}
	c.Delete("AWS:TAGKEYS")
	if _, ok := c.Get("aws:TagKeys"); ok {
		t.Errorf("Get(aws:TagKeys) after Delete present, want absent")
	}

	tests := []struct {
		src         CredentialSource
		age         time.Duration
		wantPresent []string
		wantAge     []string
	}{
		{LongTermCredentials, time.Hour, nil, nil},
		{TemporaryWithoutMFA, time.Hour, []string{"false"}, nil},
		{TemporaryWithMFA, 90*time.Second + 500*time.Millisecond, []string{"true"}, []string{"90"}},
		{TemporaryWithMFA, -time.Second, []string{"true"}, []string{"0"}},
	}
	for _, tt := range tests {
		c := NewContext()
		c.SetMFA(TemporaryWithMFA, time.Hour) // overwritten below
		c.SetMFA(tt.src, tt.age)
		present, _ := c.Get(KeyMultiFactorAuthPresent)
		age, _ := c.Get(KeyMultiFactorAuthAge)
		if !cmp.Equal(present, tt.wantPresent, cmpopts.EquateEmpty()) || !cmp.Equal(age, tt.wantAge, cmpopts.EquateEmpty()) {
			t.Errorf("SetMFA(%d, %v) = present %v age %v, want %v %v", tt.src, tt.age, present, age, tt.wantPresent, tt.wantAge)
		}
	}
}

func TestStrings(t *testing.T) {
	for d, want := range map[Decision]string{ImplicitDeny: "implicitDeny", Allow: "allowed", ExplicitDeny: "explicitDeny"} {
		if got := d.String(); got != want {
			t.Errorf("Decision(%d).String() = %q, want %q", int(d), got, want)
		}
	}
	for k, want := range map[Kind]string{IdentityPolicy: "identity policy", TrustPolicy: "trust policy", ResourcePolicy: "resource policy", SessionPolicy: "session policy", ManagedPolicy: "managed policy", Kind(9): "Kind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

// TestStatementOrder checks that the per-service index visits statements in
// document order, whichever list they come from.
func TestStatementOrder(t *testing.T) {
	d := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"S3","Effect":"Allow","Action":"s3:*","Resource":"*"},
		{"Sid":"Everything","Effect":"Allow","Action":"*","Resource":"*"},
		{"Sid":"Mixed","Effect":"Allow","Action":["s3:GetObject","IAM:Get*","iam:GetUser"],"Resource":"*"},
		{"Sid":"NotS3","Effect":"Deny","NotAction":"s3:*","Resource":"*"},
		{"Sid":"IAM","Effect":"Allow","Action":"iam:GetUser","Resource":"*"},
		{"Sid":"STS","Effect":"Allow","Action":"sts:*","Resource":"*"}]}`, IdentityPolicy)
	tests := []struct {
		action string
		want   []int
	}{
		{"iam:GetUser", []int{1, 2, 3, 4}},
		{"s3:GetObject", []int{0, 1, 2}},
		{"sts:AssumeRole", []int{1, 3, 5}},
		{"ec2:RunInstances", []int{1, 3}},
		{"nocolon", []int{1, 3}},
	}
	for _, tt := range tests {
		var got []int
		for _, m := range Evaluate(Request{Action: tt.action, Resource: "*"}, []Policy{{Doc: d}}).Matched {
			got = append(got, m.Index)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Evaluate(%s).Matched indexes mismatch (-want +got):\n%s", tt.action, diff)
		}
	}
	if got := Evaluate(Request{Action: "iam:GetUser", Resource: "*"}, []Policy{{Doc: &Document{Statements: d.Statements}}}).Decision; got != ImplicitDeny {
		t.Errorf("Evaluate(Document not from Parse) = %v, want %v", got, ImplicitDeny)
	}
}

// TestManyMatches crosses the fixed match buffer.
func TestManyMatches(t *testing.T) {
	var ps []Policy
	for range 50 {
		ps = append(ps, Policy{Doc: mustParse(t, `{"Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*"}}`, IdentityPolicy)})
	}
	r := Evaluate(Request{Action: "iam:GetUser", Resource: "*"}, ps)
	if len(r.Matched) != 50 || r.Decision != Allow {
		t.Errorf("Evaluate(50 allows) = %v with %d matches, want %v with 50", r.Decision, len(r.Matched), Allow)
	}
}
