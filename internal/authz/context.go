package authz

import (
	"context"
	"strconv"
	"time"

	"github.com/iamd/iamd/internal/policy"
)

// RequestInfo is what the door knows about a request that condition keys
// refer to.
type RequestInfo struct {
	SourceIP        string
	UserAgent       string
	SecureTransport bool
	Region          string // the region in the SigV4 scope
}

type (
	requestInfoKey  struct{}
	resourceTagsKey struct{}
	requestTagsKey  struct{}
	tagKeysKey      struct{}
	policyARNKey    struct{}
)

// WithRequestInfo returns ctx carrying the request's info for policy
// conditions.
func WithRequestInfo(ctx context.Context, ri RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, ri)
}

// WithResourceTags returns ctx carrying the tags of the resource an action
// is authorised on, for aws:ResourceTag/* and iam:ResourceTag/*.
func WithResourceTags(ctx context.Context, tags []Tag) context.Context {
	if len(tags) == 0 {
		return ctx
	}
	return context.WithValue(ctx, resourceTagsKey{}, tags)
}

// WithRequestTags returns ctx carrying the tags a request sets, for
// aws:RequestTag/* and aws:TagKeys.
func WithRequestTags(ctx context.Context, tags []Tag) context.Context {
	if len(tags) == 0 {
		return ctx
	}
	return context.WithValue(ctx, requestTagsKey{}, tags)
}

// WithTagKeys returns ctx carrying the tag keys an Untag* request removes,
// for aws:TagKeys alone (no aws:RequestTag, as on AWS), so a policy can
// protect a tag from removal.
func WithTagKeys(ctx context.Context, keys []string) context.Context {
	if len(keys) == 0 {
		return ctx
	}
	return context.WithValue(ctx, tagKeysKey{}, keys)
}

// WithPolicyARN returns ctx carrying the managed policy an attach or
// detach names, for iam:PolicyARN.
func WithPolicyARN(ctx context.Context, arn string) context.Context {
	return context.WithValue(ctx, policyARNKey{}, arn)
}

// RequestContext builds the condition keys of a request by p at now: the
// principal's keys, the request's (source address, transport, region,
// user agent), the resource's tags, the request's tags and tag keys,
// iam:PolicyARN, and the MFA keys exactly as AWS sets them: absent for
// long-term keys, "false" for sessions without MFA, "true" with the age for
// sessions with MFA.
func RequestContext(ctx context.Context, p *Principal, now time.Time) policy.Context {
	c := policy.NewContext()
	ri, _ := ctx.Value(requestInfoKey{}).(RequestInfo)
	c.Set(policy.KeyPrincipalARN, p.PolicyARN())
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
	if kv, ok := ctx.Value(keysKey{}).(map[string][]string); ok {
		for k, v := range kv {
			c.Set(k, v...)
		}
	}
	if tags, ok := ctx.Value(requestTagsKey{}).([]Tag); ok {
		keys := make([]string, 0, len(tags))
		for _, t := range tags {
			c.Set("aws:RequestTag/"+t.Key, t.Value)
			keys = append(keys, t.Key)
		}
		c.Set("aws:TagKeys", keys...)
	}
	if keys, ok := ctx.Value(tagKeysKey{}).([]string); ok {
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
