package iam

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/policy"
)

// RequestInfo is what the HTTP layer knows about a request that condition
// keys refer to.
type RequestInfo struct {
	SourceIP        string
	UserAgent       string
	SecureTransport bool
	Region          string // the region in the SigV4 scope
}

type requestInfoKey struct{}

type resourceTagsKey struct{}

type requestTagsKey struct{}

type policyARNKey struct{}

// withPolicyARN returns ctx carrying the managed policy an attach or detach
// names, for iam:PolicyARN.
func withPolicyARN(ctx context.Context, arn string) context.Context {
	return context.WithValue(ctx, policyARNKey{}, arn)
}

// withResourceTags returns ctx carrying the tags of the resource an action
// is authorised on, for aws:ResourceTag/* and iam:ResourceTag/*.
func withResourceTags(ctx context.Context, tags []Tag) context.Context {
	if len(tags) == 0 {
		return ctx
	}
	return context.WithValue(ctx, resourceTagsKey{}, tags)
}

// withRequestTags returns ctx carrying the tags a request sets, for
// aws:RequestTag/* and aws:TagKeys.
func withRequestTags(ctx context.Context, tags []Tag) context.Context {
	if len(tags) == 0 {
		return ctx
	}
	return context.WithValue(ctx, requestTagsKey{}, tags)
}

// WithRequestInfo returns ctx carrying the request's info for policy
// conditions.
func WithRequestInfo(ctx context.Context, ri RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, ri)
}

func requestInfoFrom(ctx context.Context) RequestInfo {
	ri, _ := ctx.Value(requestInfoKey{}).(RequestInfo)
	return ri
}

// RequestContext builds the condition keys of a request by p at now, with
// the MFA keys exactly as AWS sets them: absent for long-term keys, "false"
// for sessions without MFA, "true" with the age for sessions with MFA.
func RequestContext(ctx context.Context, p *Principal, now time.Time) policy.Context {
	c := policy.NewContext()
	ri := requestInfoFrom(ctx)
	c.Set(policy.KeyPrincipalARN, principalARNForPolicy(p))
	c.Set(policy.KeyPrincipalAccount, p.AccountID)
	c.Set(policy.KeyUserID, p.UserID())
	switch p.Kind() {
	case KindRoot:
		c.Set(policy.KeyPrincipalType, "Account")
	case KindUser:
		c.Set(policy.KeyPrincipalType, "User")
		c.Set(policy.KeyUsername, p.User.Name)
		for _, t := range p.User.Tags {
			c.Set("aws:PrincipalTag/"+t.Key, t.Value)
		}
	case KindAssumedRole:
		c.Set(policy.KeyPrincipalType, "AssumedRole")
		for _, t := range p.Role.Tags {
			c.Set("aws:PrincipalTag/"+t.Key, t.Value)
		}
		if p.Session != nil {
			for _, t := range p.Session.Tags {
				c.Set("aws:PrincipalTag/"+t.Key, t.Value)
			}
			if p.Session.SourceIdentity != "" {
				c.Set("aws:SourceIdentity", p.Session.SourceIdentity)
			}
		}
	}
	c.Set(policy.KeyCurrentTime, now.UTC().Format(time.RFC3339))
	c.Set(policy.KeyEpochTime, strconv.FormatInt(now.Unix(), 10))
	c.Set(policy.KeySecureTransport, strconv.FormatBool(ri.SecureTransport))
	if ri.SourceIP != "" {
		c.Set(policy.KeySourceIP, ri.SourceIP)
	}
	if ri.UserAgent != "" {
		c.Set("aws:UserAgent", ri.UserAgent)
	}
	if ri.Region != "" {
		c.Set("aws:RequestedRegion", ri.Region)
	}
	if tags, ok := ctx.Value(resourceTagsKey{}).([]Tag); ok {
		for _, t := range tags {
			c.Set("aws:ResourceTag/"+t.Key, t.Value)
			c.Set("iam:ResourceTag/"+t.Key, t.Value)
		}
	}
	if arn, ok := ctx.Value(policyARNKey{}).(string); ok {
		c.Set("iam:PolicyARN", arn)
	}
	if tags, ok := ctx.Value(requestTagsKey{}).([]Tag); ok {
		keys := make([]string, 0, len(tags))
		for _, t := range tags {
			c.Set("aws:RequestTag/"+t.Key, t.Value)
			keys = append(keys, t.Key)
		}
		c.Set("aws:TagKeys", keys...)
	}
	switch {
	case p.Session == nil:
		c.SetMFA(policy.LongTermCredentials, 0)
	case p.Session.MFA():
		c.Set(policy.KeyTokenIssueTime, p.Session.IssuedAt.UTC().Format(time.RFC3339))
		c.SetMFA(policy.TemporaryWithMFA, now.Sub(p.Session.MFAAuthenticatedAt))
	default:
		c.Set(policy.KeyTokenIssueTime, p.Session.IssuedAt.UTC().Format(time.RFC3339))
		c.SetMFA(policy.TemporaryWithoutMFA, 0)
	}
	return c
}

// principalARNForPolicy is aws:PrincipalArn: for a role session AWS gives
// the role's ARN, not the session's.
func principalARNForPolicy(p *Principal) string {
	if p.Role != nil {
		return p.Role.ARN()
	}
	return p.ARN()
}

// PolicyAuthorizer authorises requests by evaluating the principal's IAM
// policies, as AWS does for identity-based policies. It reads the policies
// from the store on every request (so a change applies at once on every
// node) and caches only parsed documents, keyed by their text.
type PolicyAuthorizer struct {
	Store Store
	Clock clock.Clock

	mu     sync.Mutex
	parsed map[string]*policy.Document
}

// maxParsedDocs bounds the parsed-document cache.
const maxParsedDocs = 10000

// Authorize allows or denies action on resource for p.
func (a *PolicyAuthorizer) Authorize(ctx context.Context, p *Principal, action, resource string) error {
	res, err := a.Decide(ctx, p, action, resource)
	if err != nil || res.Decision == policy.Allow {
		return err
	}
	return accessDenied(p, action, resource, res, p.Session != nil && len(p.Session.SessionPolicies)+len(p.Session.SessionPolicyARNs) > 0)
}

// decider is an authoriser that can tell an explicit deny from an implicit
// one, for grants that override only the latter.
type decider interface {
	Decide(ctx context.Context, p *Principal, action, resource string) (policy.Result, error)
}

// Decide evaluates p's policies for action on resource. Root's own calls
// are allowed; no policy applies to root.
func (a *PolicyAuthorizer) Decide(ctx context.Context, p *Principal, action, resource string) (policy.Result, error) {
	if p.IsRoot() {
		return policy.Result{Decision: policy.Allow}, nil
	}
	identity, session, err := a.Policies(ctx, p)
	if err != nil {
		return policy.Result{}, err
	}
	req := policy.Request{Action: action, Resource: resource, Context: RequestContext(ctx, p, a.clock().Now())}
	return policy.EvaluateWithSessionPolicies(req, identity, session), nil
}

func (a *PolicyAuthorizer) clock() clock.Clock {
	if a.Clock == nil {
		return clock.Real{}
	}
	return a.Clock
}

// accessDenied words a refusal as AWS does.
func accessDenied(p *Principal, action, resource string, res policy.Result, hasSession bool) error {
	why := "because no identity-based policy allows the " + action + " action"
	if res.Decision == policy.ExplicitDeny {
		why = "with an explicit deny in an identity-based policy"
		for _, m := range res.Matched {
			if m.Effect == policy.EffectDeny && len(m.PolicyID) > 8 && m.PolicyID[:8] == "session:" {
				why = "with an explicit deny in a session policy"
			}
		}
	} else if hasSession {
		why = "because no session policy allows the " + action + " action"
	}
	return &awserr.Error{Code: awserr.AccessDenied, Message: "User: " + p.ARN() + " is not authorized to perform: " +
		action + " on resource: " + resource + " " + why}
}

// Policies returns the parsed identity policies of p and, for a role
// session with session policies, those too.
func (a *PolicyAuthorizer) Policies(ctx context.Context, p *Principal) (identity, session []policy.Policy, err error) {
	var docs []PolicyDocument
	switch p.Kind() {
	case KindUser:
		docs, err = a.Store.IdentityPolicies(ctx, p.AccountID, p.User.ID)
	case KindAssumedRole:
		docs, err = a.Store.RolePolicies(ctx, p.AccountID, p.Role.ID)
	}
	if err != nil {
		return nil, nil, internal("identity policies", err)
	}
	if identity, err = a.parse(docs, policy.IdentityPolicy); err != nil {
		return nil, nil, err
	}
	if p.Session == nil || (len(p.Session.SessionPolicies) == 0 && len(p.Session.SessionPolicyARNs) == 0) {
		return identity, nil, nil
	}
	var sdocs []PolicyDocument
	for i, d := range p.Session.SessionPolicies {
		sdocs = append(sdocs, PolicyDocument{ID: "session:inline/" + strconv.Itoa(i), Document: d})
	}
	if len(p.Session.SessionPolicyARNs) > 0 {
		managed, err := a.Store.ManagedPolicyDocuments(ctx, p.AccountID, p.Session.SessionPolicyARNs)
		if errors.Is(err, ErrNotFound) {
			// A session policy deleted since the session began allows
			// nothing; the intersection then denies everything.
			return identity, []policy.Policy{{ID: "session:deleted"}}, nil
		}
		if err != nil {
			return nil, nil, internal("session policies", err)
		}
		for _, m := range managed {
			sdocs = append(sdocs, PolicyDocument{ID: "session:" + m.ID, Document: m.Document})
		}
	}
	session, err = a.parse(sdocs, policy.SessionPolicy)
	return identity, session, err
}

// parse turns stored documents into policies, reusing parsed documents.
func (a *PolicyAuthorizer) parse(docs []PolicyDocument, kind policy.Kind) ([]policy.Policy, error) {
	out := make([]policy.Policy, 0, len(docs))
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.parsed == nil || len(a.parsed) > maxParsedDocs {
		a.parsed = make(map[string]*policy.Document)
	}
	for _, d := range docs {
		key := strconv.Itoa(int(kind)) + ":" + d.Document
		doc, ok := a.parsed[key]
		if !ok {
			var err error
			if doc, err = policy.Parse(d.Document, kind); err != nil {
				// Stored documents were validated on write; one that no
				// longer parses is a bug, and must not grant anything.
				return nil, internal("parse stored policy "+d.ID, err)
			}
			a.parsed[key] = doc
		}
		out = append(out, policy.Policy{ID: d.ID, Doc: doc})
	}
	return out, nil
}
