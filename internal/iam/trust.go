package iam

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/iamd/iamd/internal/policy"
)

// Trust policies name users and roles by ARN, and AWS trusts the principal
// an ARN named when the policy was written, not whoever holds the ARN
// later: at CreateRole and UpdateAssumeRolePolicy each user or role ARN is
// pinned to its unique id, and a pinned ARN whose entity is gone or has
// another id no longer matches — the policy then shows the old id in its
// place, as GetRole on AWS does.

var principalARNPattern = regexp.MustCompile(`^arn:aws:iam::([0-9]{12}):(user|role)(/|/[\x21-\x7e]*/)([\w+=,.@-]{1,64})$`)

// pinTrust returns the unique ids of the user and role ARNs that doc's
// statements name as AWS principals and that exist now, in any account.
func (s *Service) pinTrust(ctx context.Context, doc string) ([]TrustPin, error) {
	d, err := policy.Parse(doc, policy.TrustPolicy)
	if err != nil {
		return nil, nil // checkTrustPolicy reports it
	}
	var pins []TrustPin
	seen := map[string]bool{}
	for _, st := range d.Statements {
		for _, ps := range []*policy.Principals{st.Principal, st.NotPrincipal} {
			if ps == nil {
				continue
			}
			for _, arn := range ps.AWS {
				if seen[arn] {
					continue
				}
				seen[arn] = true
				id, err := s.principalID(ctx, arn)
				if err != nil {
					return nil, err
				}
				if id != "" {
					pins = append(pins, TrustPin{ARN: arn, ID: id})
				}
			}
		}
	}
	return pins, nil
}

// principalID is the unique id of the user or role with this ARN now, ""
// when arn names no such entity (or is not a user or role ARN).
func (s *Service) principalID(ctx context.Context, arn string) (string, error) {
	m := principalARNPattern.FindStringSubmatch(arn)
	if m == nil {
		return "", nil
	}
	acct, kind, path, name := m[1], m[2], m[3], m[4]
	var id, gotPath, gotName string
	var err error
	if kind == "user" {
		var u *User
		if u, err = s.store.UserByName(ctx, acct, name); err == nil {
			id, gotPath, gotName = u.ID, u.Path, u.Name
		}
	} else {
		var r *Role
		if r, err = s.store.RoleByName(ctx, acct, name); err == nil {
			id, gotPath, gotName = r.ID, r.Path, r.Name
		}
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return "", nil
	case err != nil:
		return "", internal("trust principal", err)
	case gotPath != path || gotName != name:
		// Names ignore case when looked up; a principal must match exactly.
		return "", nil
	}
	return id, nil
}

// effectiveTrust returns r with its trust policy as it applies now: every
// pinned ARN whose entity is gone or was created again is replaced by the
// unique id it was pinned to, which matches no caller.
func (s *Service) effectiveTrust(ctx context.Context, r *Role) (*Role, error) {
	doc := r.AssumeRolePolicy
	for _, pin := range r.TrustPins {
		id, err := s.principalID(ctx, pin.ARN)
		if err != nil {
			return nil, err
		}
		if id != pin.ID {
			doc = strings.ReplaceAll(doc, `"`+pin.ARN+`"`, `"`+pin.ID+`"`)
		}
	}
	if doc == r.AssumeRolePolicy {
		return r, nil
	}
	out := *r
	out.AssumeRolePolicy = doc
	return &out, nil
}
