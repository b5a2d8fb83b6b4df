package s3

import (
	"context"
	"strings"
	"sync"

	"github.com/iamd/iamd/internal/authz"
)

// requestAuthorizer returns the authoriser for the many decisions of one
// request (DeleteObjects' up to 1000 objects): the policy decider over a
// source that reads each of the principal's policy sets from the store once
// and keeps it for the request, so that the cost of a request does not grow
// with a store read per object. The decisions are the decider's own; only
// the reads are shared. Any other Authorizer is used as it is.
func (s *Service) requestAuthorizer() authz.Authorizer {
	d, ok := s.authz.(*authz.Decider)
	if !ok || d == nil {
		return s.authz
	}
	// Source and Clock are all of a Decider's configuration (its other
	// fields are its parse cache); TestRequestAuthorizerCopiesDecider
	// fails when a field is added, so that it is copied here too.
	return &authz.Decider{Source: &requestPolicies{src: d.Source}, Clock: d.Clock}
}

// requestPolicies memoises a PolicySource for the life of one request.
type requestPolicies struct {
	src authz.PolicySource
	mu  sync.Mutex
	got map[string]policyRead
}

type policyRead struct {
	docs []authz.Document
	err  error
}

func (rp *requestPolicies) read(key string, f func() ([]authz.Document, error)) ([]authz.Document, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if r, ok := rp.got[key]; ok {
		return r.docs, r.err
	}
	docs, err := f()
	if rp.got == nil {
		rp.got = map[string]policyRead{}
	}
	rp.got[key] = policyRead{docs, err}
	return docs, err
}

func (rp *requestPolicies) UserPolicies(ctx context.Context, accountID, userID string) ([]authz.Document, error) {
	return rp.read("user\x00"+accountID+"\x00"+userID, func() ([]authz.Document, error) {
		return rp.src.UserPolicies(ctx, accountID, userID)
	})
}

func (rp *requestPolicies) RolePolicies(ctx context.Context, accountID, roleID string) ([]authz.Document, error) {
	return rp.read("role\x00"+accountID+"\x00"+roleID, func() ([]authz.Document, error) {
		return rp.src.RolePolicies(ctx, accountID, roleID)
	})
}

func (rp *requestPolicies) ManagedPolicies(ctx context.Context, accountID string, arns []string) ([]authz.Document, error) {
	return rp.read("managed\x00"+accountID+"\x00"+strings.Join(arns, "\x00"), func() ([]authz.Document, error) {
		return rp.src.ManagedPolicies(ctx, accountID, arns)
	})
}
