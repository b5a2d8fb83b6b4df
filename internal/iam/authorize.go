package iam

import (
	"context"
	"errors"

	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/clock"
)

// NewDecider returns the policy decision over an iam store: authz's
// Decider reading each principal's policies from the store.
func NewDecider(store PolicyStore, clk clock.Clock) *authz.Decider {
	return &authz.Decider{Source: policySource{store}, Clock: clk}
}

// policySource reads the policies authz evaluates from the store.
type policySource struct{ store PolicyStore }

func (ps policySource) UserPolicies(ctx context.Context, accountID, userID string) ([]authz.Document, error) {
	docs, err := ps.store.IdentityPolicies(ctx, accountID, userID)
	return documents(docs), err
}

func (ps policySource) RolePolicies(ctx context.Context, accountID, roleID string) ([]authz.Document, error) {
	docs, err := ps.store.RolePolicies(ctx, accountID, roleID)
	return documents(docs), err
}

func (ps policySource) ManagedPolicies(ctx context.Context, accountID string, arns []string) ([]authz.Document, error) {
	docs, err := ps.store.ManagedPolicyDocuments(ctx, accountID, arns)
	if errors.Is(err, ErrNotFound) {
		return nil, authz.ErrNoSuchPolicy
	}
	return documents(docs), err
}

func documents(docs []PolicyDocument) []authz.Document {
	out := make([]authz.Document, len(docs))
	for i, d := range docs {
		out[i] = authz.Document{ID: d.ID, Document: d.Document}
	}
	return out
}

// Identity is the user as policies see it.
func (u *User) Identity() *authz.Identity {
	return &authz.Identity{AccountID: u.AccountID, ID: u.ID, Name: u.Name, Path: u.Path, Root: u.Root, Tags: u.Tags}
}

// Identity is the role as policies see it.
func (r *Role) Identity() *authz.Identity {
	return &authz.Identity{AccountID: r.AccountID, ID: r.ID, Name: r.Name, Path: r.Path, Tags: r.Tags}
}
