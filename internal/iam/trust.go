package iam

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"

	"github.com/iamd/iamd/internal/awserr"
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
func (s *Service) pinTrust(ctx context.Context, accountID, doc string) ([]TrustPin, error) {
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
				if id == "" && strings.HasPrefix(arn, "arn:aws:iam::"+accountID+":") && principalARNPattern.MatchString(arn) {
					// As AWS: a principal that does not exist cannot be
					// trusted, or whoever creates it later would be. Only
					// the caller's own account is checked: for another
					// account the answer would tell its tenants apart.
					return nil, awserr.New(awserr.MalformedPolicyDocument, "Invalid principal in policy: \"AWS\":\"%s\"", arn)
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
// unique id it was pinned to, which matches no caller. Only the AWS
// entries of Principal and NotPrincipal change, as on AWS (a Condition
// value naming the ARN stays), and they are compared decoded, so an
// escape in the stored text ("user\/bob") cannot hide one.
func (s *Service) effectiveTrust(ctx context.Context, r *Role) (*Role, error) {
	stale := map[string]string{}
	for _, pin := range r.TrustPins {
		id, err := s.principalID(ctx, pin.ARN)
		if err != nil {
			return nil, err
		}
		if id != pin.ID {
			stale[pin.ARN] = pin.ID
		}
	}
	if len(stale) == 0 {
		return r, nil
	}
	doc, err := replacePrincipals(r.AssumeRolePolicy, stale)
	if err != nil {
		// The stored document was validated on write; failing closed
		// here keeps a stale principal from matching.
		return nil, internal("trust policy", err)
	}
	out := *r
	out.AssumeRolePolicy = doc
	return &out, nil
}

// replacePrincipals rewrites the AWS principals of a trust policy through
// repl (ARN → unique id) and encodes the document again.
func replacePrincipals(doc string, repl map[string]string) (string, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var d map[string]any
	if err := dec.Decode(&d); err != nil {
		return "", err
	}
	swap := func(v any) any {
		switch x := v.(type) {
		case string:
			if id, ok := repl[x]; ok {
				return id
			}
		case []any:
			for i, e := range x {
				if str, ok := e.(string); ok {
					if id, ok := repl[str]; ok {
						x[i] = id
					}
				}
			}
		}
		return v
	}
	statements := []any{d["Statement"]}
	if list, ok := d["Statement"].([]any); ok {
		statements = list
	}
	for _, st := range statements {
		m, ok := st.(map[string]any)
		if !ok {
			continue
		}
		for _, elem := range []string{"Principal", "NotPrincipal"} {
			if p, ok := m[elem].(map[string]any); ok {
				if aws, ok := p["AWS"]; ok {
					p["AWS"] = swap(aws)
				}
			}
		}
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}
