package iam

import (
	"context"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"strconv"
	"strings"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/policy"
)

// ContextEntry is one simulated condition key.
type ContextEntry struct {
	Key    string
	Values []string
}

// SimulationInput is what SimulatePrincipalPolicy and SimulateCustomPolicy
// share.
type SimulationInput struct {
	// PolicySourceARN is the user or role whose policies are simulated
	// (SimulatePrincipalPolicy); empty for SimulateCustomPolicy.
	PolicySourceARN string
	// PolicyInputList are extra (principal) or the only (custom) policies.
	PolicyInputList []string
	ActionNames     []string
	// ResourceARNs default to "*".
	ResourceARNs   []string
	ContextEntries []ContextEntry
	CallerARN      string
	// Marker and MaxItems page the results (ActionNames × ResourceArns,
	// actions first): only the page asked for is evaluated, so the size of
	// the grid costs nothing. MaxItems defaults to 100, as on AWS.
	Marker   string
	MaxItems int
}

// SimulationResult is one action × resource evaluation.
type SimulationResult struct {
	Action, Resource     string
	Decision             string // allowed, explicitDeny, implicitDeny
	Matched              []SimulatedStatement
	MissingContextValues []string
}

// SimulatedStatement is a statement that applied, reported by policy.
type SimulatedStatement struct {
	SourcePolicyID   string
	SourcePolicyType string // user, group, role, aws-managed, user-managed, none
}

// SimulatePrincipalPolicy evaluates a user's or role's policies (plus any
// given) for each action and resource, with only the given context keys.
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, p *authz.Principal, in SimulationInput) ([]SimulationResult, string, error) {
	if err := s.authz.Authorize(ctx, p, "iam:SimulatePrincipalPolicy", in.PolicySourceARN); err != nil {
		return nil, "", err
	}
	pa := NewDecider(s.store, s.clock)
	src := &authz.Principal{AccountID: p.AccountID}
	c := policy.NewContext()
	prefix := "arn:aws:iam::" + p.AccountID + ":"
	switch {
	case strings.HasPrefix(in.PolicySourceARN, prefix+"user/"):
		u, err := s.userByARN(ctx, p.AccountID, in.PolicySourceARN)
		if err != nil {
			return nil, "", err
		}
		src.User = u.Identity()
		c.Set(policy.KeyUsername, u.Name)
		c.Set(policy.KeyUserID, u.ID)
		c.Set(policy.KeyPrincipalARN, u.ARN())
	case strings.HasPrefix(in.PolicySourceARN, prefix+"role/"):
		r, err := s.roleByARN(ctx, p.AccountID, in.PolicySourceARN)
		if err != nil {
			return nil, "", err
		}
		src.Role, src.RoleSessionName = r.Identity(), "simulation"
		c.Set(policy.KeyPrincipalARN, r.ARN())
	default:
		return nil, "", awserr.New(awserr.InvalidInput, "PolicySourceArn must be a user or role ARN of this account: %s", in.PolicySourceARN)
	}
	identity, _, err := pa.Policies(ctx, src)
	if err != nil {
		return nil, "", err
	}
	extra, err := parseInputs(in.PolicyInputList)
	if err != nil {
		return nil, "", err
	}
	return simulate(ctx, append(identity, extra...), in, c)
}

// SimulateCustomPolicy evaluates the given policies only.
func (s *Service) SimulateCustomPolicy(ctx context.Context, p *authz.Principal, in SimulationInput) ([]SimulationResult, string, error) {
	if err := s.authz.Authorize(ctx, p, "iam:SimulateCustomPolicy", "*"); err != nil {
		return nil, "", err
	}
	pols, err := parseInputs(in.PolicyInputList)
	if err != nil {
		return nil, "", err
	}
	return simulate(ctx, pols, in, policy.NewContext())
}

func parseInputs(docs []string) ([]policy.Policy, error) {
	var out []policy.Policy
	for i, d := range docs {
		doc, err := policy.Parse(d, policy.IdentityPolicy)
		if err != nil {
			return nil, awserr.New(awserr.MalformedPolicyDocument, "PolicyInputList.%d: %s", i+1, err.Error())
		}
		out = append(out, policy.Policy{ID: "PolicyInputList." + strconv.Itoa(i+1), Doc: doc})
	}
	return out, nil
}

// simulate evaluates one page of the action × resource grid and returns
// it with the marker of the next page ("" on the last). The marker is the
// index of the next result.
func simulate(ctx context.Context, pols []policy.Policy, in SimulationInput, base policy.Context) ([]SimulationResult, string, error) {
	if in.CallerARN != "" {
		base.Set(policy.KeyPrincipalARN, in.CallerARN)
	}
	for _, e := range in.ContextEntries {
		base.Set(e.Key, e.Values...)
	}
	resources := in.ResourceARNs
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	total := int64(len(in.ActionNames)) * int64(len(resources))
	start := int64(0)
	if in.Marker != "" {
		n, err := strconv.ParseInt(in.Marker, 10, 64)
		if err != nil || n < 0 || n > total {
			return nil, "", awserr.New(awserr.InvalidInput, "Invalid Marker.")
		}
		start = n
	}
	max := int64(in.MaxItems)
	if max <= 0 {
		max = 100
	}
	end := min(start+max, total)
	out := make([]SimulationResult, 0, end-start)
	for i := start; i < end; i++ {
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		a, r := in.ActionNames[i/int64(len(resources))], resources[i%int64(len(resources))]
		res := policy.Evaluate(policy.Request{Action: a, Resource: r, Context: base}, pols)
		sr := SimulationResult{Action: a, Resource: r, Decision: res.Decision.String(), MissingContextValues: res.MissingContextKeys}
		for _, m := range res.Matched {
			sr.Matched = append(sr.Matched, SimulatedStatement{SourcePolicyID: sourceID(m.PolicyID), SourcePolicyType: sourceType(m.PolicyID)})
		}
		out = append(out, sr)
	}
	next := ""
	if end < total {
		next = strconv.FormatInt(end, 10)
	}
	return out, next, nil
}

// sourceID is the SourcePolicyId AWS reports: an inline policy's name
// ("user/bob/inline/Name" → "Name"), else the id as it is.
func sourceID(id string) string {
	if i := strings.Index(id, "/inline/"); i >= 0 {
		return id[i+len("/inline/"):]
	}
	return id
}

// sourceType classifies a policy id as SimulatePolicy reports it.
func sourceType(id string) string {
	switch {
	case strings.HasPrefix(id, "arn:aws:iam::aws:policy/"):
		return "aws-managed"
	case strings.Contains(id, ":policy/"):
		return "user-managed"
	case strings.HasPrefix(id, "user/"):
		return "user"
	case strings.HasPrefix(id, "group/"):
		return "group"
	case strings.HasPrefix(id, "role/"):
		return "role"
	}
	return "none"
}

// userByARN finds a user of the account by ARN.
func (s *Service) userByARN(ctx context.Context, accountID, arn string) (*User, error) {
	name := arn[strings.LastIndex(arn, "/")+1:]
	u, err := s.store.UserByName(ctx, accountID, name)
	if errors.Is(err, ErrNotFound) || (err == nil && u.ARN() != arn) {
		return nil, awserr.New(awserr.NoSuchEntity, "The user with ARN %s cannot be found.", arn)
	}
	if err != nil {
		return nil, internal("find user", err)
	}
	return u, nil
}

// roleByARN finds a role of the account by ARN.
func (s *Service) roleByARN(ctx context.Context, accountID, arn string) (*Role, error) {
	acct, _, name, ok := ParseRoleARN(arn)
	if !ok || acct != accountID {
		return nil, awserr.New(awserr.NoSuchEntity, "The role with ARN %s cannot be found.", arn)
	}
	r, err := s.store.RoleByName(ctx, accountID, name)
	if errors.Is(err, ErrNotFound) || (err == nil && r.ARN() != arn) {
		return nil, awserr.New(awserr.NoSuchEntity, "The role with ARN %s cannot be found.", arn)
	}
	if err != nil {
		return nil, internal("find role", err)
	}
	return r, nil
}
