package authz

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/policy"
)

// Authorizer decides whether a principal may perform action on resource.
// It returns an awserr AccessDenied error when not. Domains hold one and
// ask it before they touch, or reveal, anything.
type Authorizer interface {
	Authorize(ctx context.Context, p *Principal, action, resource string) error
}

// Document is a stored policy document with an id for reports.
type Document struct {
	ID       string
	Document string
}

// ErrNoSuchPolicy is a PolicySource's answer to an unknown managed policy.
var ErrNoSuchPolicy = errors.New("authz: no such managed policy")

// PolicySource reads the policies that apply to a principal. The identity
// domain implements it over its store.
type PolicySource interface {
	// UserPolicies returns every policy of an IAM user: inline, attached,
	// and its groups'.
	UserPolicies(ctx context.Context, accountID, userID string) ([]Document, error)
	// RolePolicies returns a role's inline and attached policies.
	RolePolicies(ctx context.Context, accountID, roleID string) ([]Document, error)
	// ManagedPolicies returns the default versions of managed policies by
	// ARN, in order; ErrNoSuchPolicy when one is unknown.
	ManagedPolicies(ctx context.Context, accountID string, arns []string) ([]Document, error)
}

// Decider authorises requests by evaluating the principal's identity
// policies intersected with its session policies, as AWS does. It reads
// the policies on every request (so a change applies at once on every
// node) and caches only parsed documents, keyed by their text.
type Decider struct {
	Source PolicySource
	// Clock is the real clock when nil.
	Clock clock.Clock

	mu     sync.Mutex
	parsed map[string]*policy.Document
}

// maxParsedDocs bounds the parsed-document cache.
const maxParsedDocs = 10000

// Authorize allows or denies action on resource for p.
func (d *Decider) Authorize(ctx context.Context, p *Principal, action, resource string) error {
	res, err := d.Decide(ctx, p, action, resource)
	if err != nil || res.Decision == policy.Allow {
		return err
	}
	return AccessDenied(p, action, resource, res)
}

// Decide evaluates p's policies for action on resource and tells an
// explicit deny from an implicit one (for grants that override only the
// latter). Root's own calls are allowed; no policy applies to root.
func (d *Decider) Decide(ctx context.Context, p *Principal, action, resource string) (policy.Result, error) {
	if p.IsRoot() {
		return policy.Result{Decision: policy.Allow}, nil
	}
	identity, session, err := d.Policies(ctx, p)
	if err != nil {
		return policy.Result{}, err
	}
	now := d.now()
	req := policy.Request{Action: action, Resource: resource, Context: RequestContext(ctx, p, now)}
	return policy.EvaluateWithSessionPolicies(req, identity, session), nil
}

func (d *Decider) now() time.Time {
	if d.Clock == nil {
		return clock.Real{}.Now()
	}
	return d.Clock.Now()
}

// AccessDenied words a refusal as AWS does.
func AccessDenied(p *Principal, action, resource string, res policy.Result) error {
	hasSession := p.Session != nil && len(p.Session.SessionPolicies)+len(p.Session.SessionPolicyARNs) > 0
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
func (d *Decider) Policies(ctx context.Context, p *Principal) (identity, session []policy.Policy, err error) {
	var docs []Document
	switch p.Kind() {
	case KindUser:
		docs, err = d.Source.UserPolicies(ctx, p.AccountID, p.User.ID)
	case KindAssumedRole:
		docs, err = d.Source.RolePolicies(ctx, p.AccountID, p.Role.ID)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("authz: identity policies: %w", err)
	}
	if identity, err = d.parse(docs, policy.IdentityPolicy); err != nil {
		return nil, nil, err
	}
	if p.Session == nil || (len(p.Session.SessionPolicies) == 0 && len(p.Session.SessionPolicyARNs) == 0) {
		return identity, nil, nil
	}
	var sdocs []Document
	for i, doc := range p.Session.SessionPolicies {
		sdocs = append(sdocs, Document{ID: "session:inline/" + strconv.Itoa(i), Document: doc})
	}
	if len(p.Session.SessionPolicyARNs) > 0 {
		managed, err := d.Source.ManagedPolicies(ctx, p.AccountID, p.Session.SessionPolicyARNs)
		if errors.Is(err, ErrNoSuchPolicy) {
			// A session policy deleted since the session began allows
			// nothing; the intersection then denies everything.
			return identity, []policy.Policy{{ID: "session:deleted"}}, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("authz: session policies: %w", err)
		}
		for _, m := range managed {
			sdocs = append(sdocs, Document{ID: "session:" + m.ID, Document: m.Document})
		}
	}
	session, err = d.parse(sdocs, policy.SessionPolicy)
	return identity, session, err
}

// parse turns stored documents into policies, reusing parsed documents.
func (d *Decider) parse(docs []Document, kind policy.Kind) ([]policy.Policy, error) {
	out := make([]policy.Policy, 0, len(docs))
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.parsed == nil || len(d.parsed) > maxParsedDocs {
		d.parsed = make(map[string]*policy.Document)
	}
	for _, doc := range docs {
		key := strconv.Itoa(int(kind)) + ":" + doc.Document
		parsed, ok := d.parsed[key]
		if !ok {
			var err error
			if parsed, err = policy.Parse(doc.Document, kind); err != nil {
				// Stored documents were validated on write; one that no
				// longer parses is a bug, and must not grant anything.
				return nil, fmt.Errorf("authz: parse stored policy %s: %w", doc.ID, err)
			}
			d.parsed[key] = parsed
		}
		out = append(out, policy.Policy{ID: doc.ID, Doc: parsed})
	}
	return out, nil
}
