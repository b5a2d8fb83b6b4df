package authz

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/awserr"
)

var (
	now   = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	alice = &Identity{AccountID: "123456789012", ID: "AIDAALICE", Name: "alice", Path: "/staff/", Tags: []Tag{{Key: "team", Value: "a"}}}
	admin = &Identity{AccountID: "123456789012", ID: "AROAADMIN", Name: "admin", Path: "/", Tags: []Tag{{Key: "level", Value: "high"}}}
	root  = &Identity{AccountID: "123456789012", ID: "123456789012", Root: true}
)

func TestSessionAllows(t *testing.T) {
	withMFA := &Session{IssuedAt: now, MFAAuthenticatedAt: now}
	noMFA := &Session{IssuedAt: now}
	tests := []struct {
		name            string
		p               *Principal
		service, action string
		want            string // AWS code, "" for allowed
	}{
		{"long-term keys: anything", &Principal{User: alice}, "iam", "CreateUser", ""},
		{"session without MFA: no IAM", &Principal{User: alice, Session: noMFA}, "iam", "ListUsers", awserr.InvalidClientTokenID},
		{"session with MFA: IAM", &Principal{User: alice, Session: withMFA}, "iam", "ListUsers", ""},
		{"session: GetCallerIdentity", &Principal{User: alice, Session: noMFA}, "sts", "GetCallerIdentity", ""},
		{"session: AssumeRole", &Principal{User: alice, Session: noMFA}, "sts", "AssumeRole", ""},
		{"session: no second GetSessionToken", &Principal{User: alice, Session: withMFA}, "sts", "GetSessionToken", awserr.AccessDenied},
		{"session: no other STS", &Principal{User: alice, Session: withMFA}, "sts", "GetFederationToken", awserr.AccessDenied},
		{"role session: IAM by policy", &Principal{Role: admin, RoleSessionName: "s", Session: noMFA}, "iam", "ListUsers", ""},
		{"role session: no GetSessionToken", &Principal{Role: admin, RoleSessionName: "s", Session: noMFA}, "sts", "GetSessionToken", awserr.AccessDenied},
		{"role session: chaining", &Principal{Role: admin, RoleSessionName: "s", Session: noMFA}, "sts", "AssumeRole", ""},
		{"session: Service Quotas by policy", &Principal{User: alice, Session: noMFA}, "servicequotas", "ListServices", ""},
	}
	for _, tt := range tests {
		if got := awserr.Code(SessionAllows(tt.service, tt.action, tt.p)); got != tt.want {
			t.Errorf("%s: SessionAllows(%s, %s) = %q, want %q", tt.name, tt.service, tt.action, got, tt.want)
		}
	}
}

func TestRequestContext(t *testing.T) {
	type want map[string][]string
	tests := []struct {
		name   string
		ctx    context.Context
		p      *Principal
		want   want
		absent []string
	}{
		{"user with long-term keys", context.Background(), &Principal{AccountID: "123456789012", User: alice},
			want{"aws:username": {"alice"}, "aws:PrincipalArn": {"arn:aws:iam::123456789012:user/staff/alice"}, "aws:PrincipalType": {"User"},
				"aws:PrincipalTag/team": {"a"}, "aws:userid": {"AIDAALICE"}},
			[]string{"aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge", "aws:TokenIssueTime"}},
		{"root", context.Background(), &Principal{AccountID: "123456789012", User: root},
			want{"aws:PrincipalType": {"Account"}, "aws:PrincipalArn": {"arn:aws:iam::123456789012:root"}}, []string{"aws:username"}},
		{"session with MFA five minutes ago", context.Background(),
			&Principal{AccountID: "123456789012", User: alice, Session: &Session{IssuedAt: now.Add(-5 * time.Minute), MFAAuthenticatedAt: now.Add(-5 * time.Minute)}},
			want{"aws:MultiFactorAuthPresent": {"true"}, "aws:MultiFactorAuthAge": {"300"}}, nil},
		{"session without MFA", context.Background(), &Principal{AccountID: "123456789012", User: alice, Session: &Session{IssuedAt: now}},
			want{"aws:MultiFactorAuthPresent": {"false"}}, []string{"aws:MultiFactorAuthAge"}},
		{"role session: role ARN, session tags over role tags", context.Background(),
			&Principal{AccountID: "123456789012", Role: admin, RoleSessionName: "s", Session: &Session{IssuedAt: now, Tags: []Tag{{Key: "level", Value: "low"}}, SourceIdentity: "alice"}},
			want{"aws:PrincipalArn": {"arn:aws:iam::123456789012:role/admin"}, "aws:PrincipalType": {"AssumedRole"}, "aws:PrincipalTag/level": {"low"},
				"aws:SourceIdentity": {"alice"}, "aws:userid": {"AROAADMIN:s"}}, []string{"aws:username"}},
		{"resource, request and policy keys",
			WithPolicyARN(WithRequestTags(WithResourceTags(WithRequestInfo(context.Background(), RequestInfo{SourceIP: "127.0.0.1", SecureTransport: true, Region: "eu-west-1"}),
				[]Tag{{Key: "protected", Value: "true"}}), []Tag{{Key: "k", Value: "v"}}), "arn:aws:iam::aws:policy/AdministratorAccess"),
			&Principal{AccountID: "123456789012", User: alice},
			want{"aws:ResourceTag/protected": {"true"}, "iam:ResourceTag/protected": {"true"}, "aws:RequestTag/k": {"v"}, "aws:TagKeys": {"k"},
				"iam:PolicyARN": {"arn:aws:iam::aws:policy/AdministratorAccess"}, "aws:SourceIp": {"127.0.0.1"}, "aws:SecureTransport": {"true"},
				"aws:RequestedRegion": {"eu-west-1"}}, nil},
		{"untag keys alone", WithTagKeys(context.Background(), []string{"owner", "note"}), &Principal{AccountID: "123456789012", User: alice},
			want{"aws:TagKeys": {"owner", "note"}}, []string{"aws:RequestTag/owner", "aws:RequestTag/note"}},
	}
	for _, tt := range tests {
		c := RequestContext(tt.ctx, tt.p, now)
		for k, v := range tt.want {
			got, ok := c.Get(k)
			if !ok {
				t.Errorf("%s: %s absent, want %v", tt.name, k, v)
				continue
			}
			if diff := cmp.Diff(v, got); diff != "" {
				t.Errorf("%s: %s (-want +got):\n%s", tt.name, k, diff)
			}
		}
		for _, k := range tt.absent {
			if got, ok := c.Get(k); ok {
				t.Errorf("%s: %s = %v, want absent", tt.name, k, got)
			}
		}
	}
}

// fakeSource serves fixed policies.
type fakeSource struct{ user, role, managed []Document }

func (f fakeSource) UserPolicies(context.Context, string, string) ([]Document, error) {
	return f.user, nil
}
func (f fakeSource) RolePolicies(context.Context, string, string) ([]Document, error) {
	return f.role, nil
}
func (f fakeSource) ManagedPolicies(_ context.Context, _ string, arns []string) ([]Document, error) {
	if len(f.managed) == 0 {
		return nil, ErrNoSuchPolicy
	}
	return f.managed, nil
}

func TestDecider(t *testing.T) {
	allowAll := Document{ID: "all", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}
	denyTagged := Document{ID: "deny", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/protected":"true"}}}]}`}
	d := &Decider{Source: fakeSource{user: []Document{allowAll, denyTagged}, role: []Document{allowAll}}}
	tagged := WithResourceTags(context.Background(), []Tag{{Key: "protected", Value: "true"}})
	tests := []struct {
		name string
		ctx  context.Context
		p    *Principal
		want string
	}{
		{"user allowed", context.Background(), &Principal{AccountID: "123456789012", User: alice}, ""},
		{"user denied on a protected resource", tagged, &Principal{AccountID: "123456789012", User: alice}, awserr.AccessDenied},
		{"root: no policy applies", tagged, &Principal{AccountID: "123456789012", User: root}, ""},
		{"role session with a deleted session policy", context.Background(),
			&Principal{AccountID: "123456789012", Role: admin, RoleSessionName: "s", Session: &Session{SessionPolicyARNs: []string{"arn:aws:iam::123456789012:policy/gone"}}},
			awserr.AccessDenied},
	}
	for _, tt := range tests {
		if got := awserr.Code(d.Authorize(tt.ctx, tt.p, "iam:GetUser", "arn:aws:iam::123456789012:user/bob")); got != tt.want {
			t.Errorf("%s: Authorize = %q, want %q", tt.name, got, tt.want)
		}
	}
}
