package sts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"regexp"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/policy"
)

// Role session limits (reference §5 and §7.1).
const (
	MinRoleDuration     = 900 * time.Second
	DefaultRoleDuration = time.Hour
	// ChainedMaxDuration caps a session assumed with another role
	// session's credentials (role chaining).
	ChainedMaxDuration = time.Hour
	// MaxSessionPolicyLength is the plaintext limit of Policy, in
	// characters.
	MaxSessionPolicyLength = 2048
	// MaxPolicyARNs is how many managed session policies one call may pass.
	MaxPolicyARNs = 10
	// packedLimit is the allowance PackedPolicySize is a percentage of.
	// AWS packs (compresses) session policies and tags by an undocumented
	// scheme; iamd counts the compacted policy JSON, the policy ARNs and
	// the tag keys and values, in bytes.
	packedLimit = 2048
)

// AssumeRoleInput is what AssumeRole takes.
type AssumeRoleInput struct {
	RoleARN, RoleSessionName string
	// Duration is the session's lifetime; 0 means one hour.
	Duration                time.Duration
	SerialNumber, TokenCode string
	ExternalID              string
	// Policy is an inline session policy and PolicyARNs managed session
	// policies; both narrow the session's permissions.
	Policy            string
	PolicyARNs        []string
	Tags              []iam.Tag
	TransitiveTagKeys []string
	SourceIdentity    string
}

// AssumedRole is AssumeRole's result.
type AssumedRole struct {
	Credentials *Credentials
	// AssumedRoleID is ROLEID:SESSION, ARN the assumed-role ARN.
	AssumedRoleID, ARN string
	// PackedPolicySize is the percentage of the packed allowance the
	// session policies and tags use; nil when none were passed.
	PackedPolicySize *int
	SourceIdentity   string
}

var policyARNPattern = regexp.MustCompile(`^arn:aws:iam::([0-9]{12}|aws):policy/[\x21-\x7e]+$`)

// notAuthorized is AWS's answer to every AssumeRole refusal that is not
// about MFA or the request's form, so a caller cannot tell a missing role
// from one that does not trust it.
func notAuthorized(p *authz.Principal, action, roleARN string) error {
	return awserr.New(awserr.AccessDenied, "User: %s is not authorized to perform: %s on resource: %s", p.ARN(), action, roleARN)
}

// mfaError words a sign-in code failure as STS does (reference §7.2).
func mfaError(err error) error {
	switch {
	case errors.Is(err, iam.ErrMFANotAssociated):
		return awserr.New(awserr.AccessDenied, "MultiFactorAuthentication failed, unable to validate MFA code.  "+
			"Please verify your MFA serial number is valid and associated with this user.")
	case errors.Is(err, iam.ErrMFAInvalidCode):
		return awserr.New(awserr.AccessDenied, "MultiFactorAuthentication failed with invalid MFA one time pass code.")
	}
	return err
}

// inheritedTags returns the calling session's transitive session tags,
// which every session assumed with its credentials (role chaining) carries
// on, transitive again (reference: IAM User Guide, "Chaining roles with
// session tags").
func inheritedTags(p *authz.Principal) []iam.Tag {
	if p.Session == nil || len(p.Session.TransitiveTagKeys) == 0 {
		return nil
	}
	transitive := make(map[string]bool, len(p.Session.TransitiveTagKeys))
	for _, k := range p.Session.TransitiveTagKeys {
		transitive[strings.ToLower(k)] = true
	}
	var out []iam.Tag
	for _, t := range p.Session.Tags {
		if transitive[strings.ToLower(t.Key)] {
			out = append(out, t)
		}
	}
	return out
}

// sessionPolicies validates the session policy, policy ARNs and tags and
// returns the compacted policy and the packed size as a percentage. A tag
// may not have the key of a tag inherited from the calling session, in any
// case, as on AWS: a transitive tag cannot be overridden down the chain.
func sessionPolicies(in *AssumeRoleInput, inherited []iam.Tag) (compact json.RawMessage, packed *int, err error) {
	packedBytes := 0
	if in.Policy != "" {
		if len(in.Policy) > MaxSessionPolicyLength {
			pct := (len(in.Policy)*100 + MaxSessionPolicyLength - 1) / MaxSessionPolicyLength
			return nil, nil, awserr.New("PackedPolicyTooLarge",
				"Packed policy consumes %d%% of allotted space, please use smaller policy for this request.", pct)
		}
		if _, err := policy.Parse(in.Policy, policy.SessionPolicy); err != nil {
			return nil, nil, awserr.New(awserr.MalformedPolicyDocument, "%s", err.Error())
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(in.Policy)); err != nil {
			return nil, nil, awserr.New(awserr.MalformedPolicyDocument, "The policy is not valid JSON.")
		}
		compact = buf.Bytes()
		packedBytes += len(compact)
	}
	if len(in.PolicyARNs) > MaxPolicyARNs {
		return nil, nil, awserr.New(awserr.ValidationError, "1 validation error detected: Value at 'policyArns' failed to satisfy "+
			"constraint: Member must have length less than or equal to %d", MaxPolicyARNs)
	}
	for _, a := range in.PolicyARNs {
		if !policyARNPattern.MatchString(a) {
			return nil, nil, awserr.New(awserr.ValidationError, "%s is not a valid policy ARN.", a)
		}
		packedBytes += len(a)
	}
	keys := make(map[string]bool, len(in.Tags))
	for _, t := range in.Tags {
		k := strings.ToLower(t.Key)
		if keys[k] {
			return nil, nil, awserr.New(awserr.InvalidParameterValue, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		keys[k] = true
		packedBytes += len(t.Key) + len(t.Value)
	}
	for _, t := range inherited {
		if keys[strings.ToLower(t.Key)] {
			return nil, nil, awserr.New(awserr.InvalidParameterValue, "One of the specified transitive tag keys can't be set "+
				"because it conflicts with a transitive tag key from the calling session.")
		}
	}
	for _, k := range in.TransitiveTagKeys {
		if !keys[strings.ToLower(k)] {
			return nil, nil, awserr.New(awserr.InvalidParameterValue, "The specified transitive tag key must be included in the requested tags.")
		}
	}
	if in.Policy == "" && len(in.PolicyARNs) == 0 && len(in.Tags) == 0 {
		return nil, nil, nil
	}
	pct := (packedBytes*100 + packedLimit - 1) / packedLimit
	if pct > 100 {
		return nil, nil, awserr.New("PackedPolicyTooLarge",
			"Packed policy consumes %d%% of allotted space, please use smaller policy for this request.", pct)
	}
	return compact, &pct, nil
}

// AssumeRole issues credentials for a role session after checking the
// role's trust policy, the caller's identity policies and, when given, an
// MFA code of the calling user.
//
// Order of checks, so that a refused request never consumes an MFA code
// and a caller the role does not admit cannot tell it from a missing role:
// the request's form, then the identity policy and the trust policy — the
// trust policy evaluated with the MFA context the session will have if the
// code turns out valid (present, age 0) — then what depends on the role
// (the policy ARNs exist in its account, the duration fits its
// MaxSessionDuration), and only then the code. A code is therefore spent only by a request that succeeds
// unless the code itself is wrong; a wrong code is refused even when the
// trust policy does not ask for MFA, as on AWS.
func (s *Service) AssumeRole(ctx context.Context, p *authz.Principal, in AssumeRoleInput) (*AssumedRole, error) {
	if p.IsRoot() {
		return nil, awserr.New(awserr.AccessDenied, "Roles may not be assumed by root accounts.")
	}
	if p.Session != nil && p.Session.SourceIdentity != "" {
		// A source identity follows the whole role chain and cannot change.
		if in.SourceIdentity != "" && in.SourceIdentity != p.Session.SourceIdentity {
			return nil, awserr.New(awserr.AccessDenied, "The source identity of a role chain cannot be changed.")
		}
		in.SourceIdentity = p.Session.SourceIdentity
	}
	if (in.SerialNumber == "") != (in.TokenCode == "") {
		return nil, awserr.New(awserr.AccessDenied, "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.")
	}
	inherited := inheritedTags(p)
	compact, packed, err := sessionPolicies(&in, inherited)
	if err != nil {
		return nil, err
	}
	acct, path, name, ok := iam.ParseRoleARN(in.RoleARN)
	if !ok {
		return nil, awserr.New(awserr.ValidationError, "%s is invalid", in.RoleARN)
	}
	// The role is found first and must match the ARN exactly: names are
	// looked up ignoring case, and a policy must be evaluated against the
	// role's own ARN, or "role/ADMIN" would slip past a Deny on
	// "role/admin". A missing role and a mismatch get the same answer as a
	// refusal, so the answer does not tell whether a role exists.
	role, err := s.iam.RoleForSession(ctx, acct, name)
	if errors.Is(err, iam.ErrNotFound) || (err == nil && (role.Path != path || role.ARN() != in.RoleARN)) {
		s.log.Warn("AssumeRole refused", "principal", p.ARN(), "role", in.RoleARN, "reason", "no such role")
		return nil, notAuthorized(p, "sts:AssumeRole", in.RoleARN)
	}
	if err != nil {
		return nil, err
	}
	if err := s.iam.AuthorizeAction(assumeRoleContext(ctx, role, &in), p, "sts:AssumeRole", role.ARN()); err != nil {
		if awserr.Code(err) == awserr.AccessDenied {
			return nil, notAuthorized(p, "sts:AssumeRole", in.RoleARN)
		}
		return nil, err
	}
	// The trust policy comes before anything that depends on the role or
	// its account (the policy ARNs' existence, the role's
	// MaxSessionDuration): to a caller it does not admit, an existing role
	// must answer as a missing one does (issue 9, finding 6).
	now := s.clock.Now().UTC()
	if err := s.checkTrust(ctx, p, role, &in, now); err != nil {
		return nil, err
	}
	if len(in.PolicyARNs) > 0 {
		// Session policies must exist in the role's account now, not fail
		// every later call of the session.
		if err := s.iam.CheckManagedPolicies(ctx, role.AccountID, in.PolicyARNs); err != nil {
			var nf *iam.PolicyNotFoundError
			if errors.As(err, &nf) {
				return nil, awserr.New(awserr.NoSuchEntity, "Policy %s does not exist or is not attachable.", nf.ARN)
			}
			return nil, err
		}
	}

	duration := in.Duration
	if duration == 0 {
		duration = DefaultRoleDuration
	}
	switch {
	case duration < MinRoleDuration:
		return nil, awserr.New(awserr.ValidationError, "1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy "+
			"constraint: Member must have value greater than or equal to %d", int(duration.Seconds()), int(MinRoleDuration.Seconds()))
	case p.Role != nil && duration > ChainedMaxDuration:
		return nil, awserr.New(awserr.ValidationError, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	case duration > time.Duration(role.MaxSessionDuration)*time.Second:
		return nil, awserr.New(awserr.ValidationError, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}

	// MFA is carried into the role session: the code checked now, or the
	// calling session's MFA time. Reference §8.1 is ambiguous here (the User
	// Guide says role credentials carry no MFA information; CloudTrail shows
	// mfaAuthenticated=true through chaining); iamd follows what AWS is
	// observed to do, so a chain that started with MFA keeps satisfying
	// aws:MultiFactorAuthPresent, with the age counted from the original
	// code.
	var mfaAt time.Time
	if p.Session != nil {
		mfaAt = p.Session.MFAAuthenticatedAt
	}
	if in.SerialNumber != "" {
		if p.User == nil {
			// A role session has no devices of its own.
			return nil, mfaError(iam.ErrMFANotAssociated)
		}
		at, err := s.iam.VerifySignInCode(ctx, p.User, in.SerialNumber, in.TokenCode)
		if err != nil {
			return nil, mfaError(err)
		}
		mfaAt = at.UTC()
	}

	c := Claims{AccountID: role.AccountID, RoleID: role.ID, RoleSessionName: in.RoleSessionName, SourceARN: p.ARN(),
		SourceIdentity: in.SourceIdentity, IssuedAt: now, Expiration: now.Add(duration).Truncate(time.Second), MFAAt: mfaAt,
		Policy: compact, PolicyARNs: in.PolicyARNs, TransitiveTagKeys: in.TransitiveTagKeys}
	for _, t := range in.Tags {
		c.Tags = append(c.Tags, [2]string{t.Key, t.Value})
	}
	for _, t := range inherited {
		c.Tags = append(c.Tags, [2]string{t.Key, t.Value})
		c.TransitiveTagKeys = append(c.TransitiveTagKeys, t.Key)
	}
	creds, err := s.issue(c)
	if err != nil {
		return nil, err
	}
	out := &AssumedRole{
		Credentials:      creds,
		AssumedRoleID:    role.ID + ":" + in.RoleSessionName,
		ARN:              "arn:aws:sts::" + role.AccountID + ":assumed-role/" + role.Name + "/" + in.RoleSessionName,
		PackedPolicySize: packed,
		SourceIdentity:   in.SourceIdentity,
	}
	s.log.Info("role assumed", "account", role.AccountID, "role", role.ARN(), "session", out.ARN, "by", p.ARN(),
		"key", creds.AccessKeyID, "mfa", !mfaAt.IsZero(), "expires", c.Expiration)
	return out, nil
}

// checkTrust evaluates the role's trust policy for sts:AssumeRole, and for
// sts:TagSession and sts:SetSourceIdentity when the request needs them.
func (s *Service) checkTrust(ctx context.Context, p *authz.Principal, role *iam.Role, in *AssumeRoleInput, now time.Time) error {
	doc, err := policy.Parse(role.AssumeRolePolicy, policy.TrustPolicy)
	if err != nil {
		// Stored documents were valid when written; a stricter parser
		// since then makes the role unusable rather than open.
		s.log.Error("stored trust policy does not parse", "role", role.ARN(), "err", err)
		return notAuthorized(p, "sts:AssumeRole", in.RoleARN)
	}
	caller := policy.Caller{ARN: p.ARN(), Account: p.AccountID}
	if p.Role != nil {
		caller.RoleARN = p.Role.RoleARN()
	}
	req := policy.Request{Resource: role.ARN(), Context: trustContext(ctx, p, in, now)}
	actions := []string{"sts:AssumeRole"}
	if len(in.Tags) > 0 || len(in.TransitiveTagKeys) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	if in.SourceIdentity != "" {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	for _, a := range actions {
		req.Action = a
		if r := policy.EvaluateTrust(req, doc, caller); r.Decision != policy.Allow {
			s.log.Warn("AssumeRole refused", "principal", p.ARN(), "role", role.ARN(), "action", a, "reason", "trust policy",
				"decision", r.Decision.String())
			return notAuthorized(p, a, in.RoleARN)
		}
	}
	return nil
}

// trustContext is the request context the trust policy sees: the
// caller's, as for any request (authz.RequestContext), with the MFA keys as
// the session will have them (a code in this request counts as MFA now)
// and AssumeRole's own keys.
func trustContext(ctx context.Context, p *authz.Principal, in *AssumeRoleInput, now time.Time) policy.Context {
	c := authz.RequestContext(ctx, p, now)
	if in.SerialNumber != "" {
		c.SetMFA(policy.TemporaryWithMFA, 0)
	}
	if in.ExternalID != "" {
		c.Set("sts:ExternalId", in.ExternalID)
	}
	c.Set("sts:RoleSessionName", in.RoleSessionName)
	if in.SourceIdentity != "" {
		c.Set("sts:SourceIdentity", in.SourceIdentity)
	}
	if len(in.Tags) > 0 {
		keys := make([]string, 0, len(in.Tags))
		for _, t := range in.Tags {
			c.Set("aws:RequestTag/"+t.Key, t.Value)
			keys = append(keys, t.Key)
		}
		c.Set("aws:TagKeys", keys...)
	}
	if len(in.TransitiveTagKeys) > 0 {
		c.Set("sts:TransitiveTagKeys", in.TransitiveTagKeys...)
	}
	return c
}

// assumeRoleContext carries what the caller's own policies may test when
// AssumeRole is authorised, as on AWS: the role's tags (aws:ResourceTag,
// iam:ResourceTag), the session tags asked for (aws:RequestTag,
// aws:TagKeys), and AssumeRole's own keys.
func assumeRoleContext(ctx context.Context, role *iam.Role, in *AssumeRoleInput) context.Context {
	ctx = authz.WithRequestTags(authz.WithResourceTags(ctx, role.Tags), in.Tags)
	kv := map[string][]string{"sts:RoleSessionName": {in.RoleSessionName}}
	if in.ExternalID != "" {
		kv["sts:ExternalId"] = []string{in.ExternalID}
	}
	if in.SourceIdentity != "" {
		kv["sts:SourceIdentity"] = []string{in.SourceIdentity}
	}
	if len(in.TransitiveTagKeys) > 0 {
		kv["sts:TransitiveTagKeys"] = in.TransitiveTagKeys
	}
	return authz.WithKeys(ctx, kv)
}
