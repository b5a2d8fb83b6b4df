// Package authz is iamd's one authorisation decision. Every door (the Query
// and JSON APIs, the console, S3) authenticates a request into a Principal
// and asks authz: whether the principal's identity and session policies
// allow an action on a resource, with the request context built here from
// the principal, the request and the resource (RequestContext); and what
// temporary credentials may call at all (SessionAllows, asked by the doors
// that take SigV4 credentials; a console session acts as its user). No door
// and no domain decides by itself.
package authz

import "time"

// Kind tells which kind of identity made a request.
type Kind int

// The kinds of principal.
const (
	KindRoot Kind = iota + 1
	KindUser
	KindAssumedRole
)

// Tag is a key and value on a resource or a session.
type Tag struct {
	Key, Value string
}

// Identity is the user or role behind a principal, as policies see it.
type Identity struct {
	AccountID string
	// ID is the unique id: AIDA… for users, AROA… for roles, the account
	// id for root.
	ID   string
	Name string
	Path string
	// Root is set for the account's root user.
	Root bool
	// Tags are the user's or role's tags, for aws:PrincipalTag.
	Tags []Tag
}

// Principal is the identity a request was authenticated as: the root user
// or an IAM user (with long-term keys or a session from GetSessionToken), or
// a role session from AssumeRole.
type Principal struct {
	AccountID string
	// User is the root user or an IAM user; nil for role sessions.
	User *Identity
	// Role and RoleSessionName are set for role sessions.
	Role            *Identity
	RoleSessionName string
	AccessKeyID     string
	// Session is set for temporary credentials and nil for long-term keys,
	// so aws:MultiFactorAuthPresent can be absent, false or true as on AWS.
	Session *Session
}

// Session describes temporary credentials.
type Session struct {
	IssuedAt   time.Time
	Expiration time.Time
	// MFAAuthenticatedAt is when the MFA code was checked; zero when the
	// session was issued without MFA.
	MFAAuthenticatedAt time.Time
	// SessionPolicies are the policy documents passed to AssumeRole
	// (Policy), and SessionPolicyARNs its PolicyArns; they narrow a role
	// session's permissions.
	SessionPolicies   []string
	SessionPolicyARNs []string
	// Tags are a role session's session tags; they override the role's
	// tags of the same key in aws:PrincipalTag.
	Tags []Tag
	// TransitiveTagKeys are the keys of Tags that pass to every session
	// assumed with this one's credentials (role chaining), as AssumeRole's
	// TransitiveTagKeys set them or an earlier session in the chain passed
	// them on.
	TransitiveTagKeys []string
	// SourceIdentity is the identity set with AssumeRole's SourceIdentity.
	SourceIdentity string
}

// MFA tells whether the session was issued with MFA.
func (s *Session) MFA() bool { return !s.MFAAuthenticatedAt.IsZero() }

// Kind returns the principal's kind.
func (p *Principal) Kind() Kind {
	switch {
	case p.Role != nil:
		return KindAssumedRole
	case p.User.Root:
		return KindRoot
	}
	return KindUser
}

// IsRoot tells whether the principal is the account's root user.
func (p *Principal) IsRoot() bool { return p.User != nil && p.User.Root }

// UserARN returns the ARN of a user identity (":root" for root).
func (i *Identity) UserARN() string {
	if i.Root {
		return "arn:aws:iam::" + i.AccountID + ":root"
	}
	return "arn:aws:iam::" + i.AccountID + ":user" + i.Path + i.Name
}

// RoleARN returns the ARN of a role identity.
func (i *Identity) RoleARN() string { return "arn:aws:iam::" + i.AccountID + ":role" + i.Path + i.Name }

// ARN returns the principal's ARN: the user's, or for a role session
// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.
func (p *Principal) ARN() string {
	if p.Role != nil {
		return "arn:aws:sts::" + p.AccountID + ":assumed-role/" + p.Role.Name + "/" + p.RoleSessionName
	}
	return p.User.UserARN()
}

// PolicyARN is aws:PrincipalArn: for a role session AWS gives the role's
// ARN, not the session's.
func (p *Principal) PolicyARN() string {
	if p.Role != nil {
		return p.Role.RoleARN()
	}
	return p.ARN()
}

// UserID returns the principal's unique id as GetCallerIdentity reports
// it: the user id (the account id for root), or ROLEID:SESSION.
func (p *Principal) UserID() string {
	if p.Role != nil {
		return p.Role.ID + ":" + p.RoleSessionName
	}
	return p.User.ID
}
