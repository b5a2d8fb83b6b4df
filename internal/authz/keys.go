package authz

import (
	"context"
	"strings"

	"github.com/iamd/iamd/internal/policy"
)

// KeyUse is how iamd sets a condition key that the Service Authorization
// Reference lists for an action. A Deny must never fall away because iamd
// forgot a key, so every listed key is one of these, and a test walks the
// reference to prove it.
type KeyUse int

// The uses of a condition key.
const (
	// KeyUnknown: the key is not classified; the test fails on it.
	KeyUnknown KeyUse = iota
	// KeySupplied: iamd sets the key wherever AWS would.
	KeySupplied
	// KeyAbsent: AWS sets the key only for a feature iamd does not have
	// (FIDO keys, permissions boundaries, delegation, role templates), so
	// it is absent in every request iamd accepts, as on AWS without it.
	KeyAbsent
	// KeyUnsupported: AWS would set the key in a request iamd accepts and
	// iamd does not; a policy whose statement uses it for such an action
	// is refused when written (CheckConditionKeys).
	KeyUnsupported
)

// keyRule classifies a key (a pattern as the reference writes it) for the
// actions matching a glob ("" for every action).
type keyRule struct {
	key, actions string
	use          KeyUse
	// always: set in every request of the action (checked at run time by
	// the conformance test); else only when the request or resource has
	// what the key describes (tags, a session, a code).
	always bool
}

// keyRules is the classification. Order matters: the first match wins.
var keyRules = []keyRule{
	// Tags: a resource's tags whenever it has some (users, roles, MFA
	// devices; iamd's policies and groups take none), a request's
	// whenever it carries some (requests with tags iamd would not keep
	// are refused, so none is ignored).
	{key: "aws:ResourceTag/${TagKey}", use: KeySupplied},
	{key: "iam:ResourceTag/${TagKey}", use: KeySupplied},
	{key: "aws:RequestTag/${TagKey}", use: KeySupplied},
	{key: "aws:TagKeys", use: KeySupplied},
	{key: "iam:PolicyARN", use: KeySupplied, always: true},
	{key: "servicequotas:service", use: KeySupplied, always: true},
	{key: "sts:RoleSessionName", actions: "sts:AssumeRole", use: KeySupplied, always: true},
	{key: "sts:ExternalId", actions: "sts:AssumeRole", use: KeySupplied},
	{key: "sts:SourceIdentity", actions: "sts:AssumeRole", use: KeySupplied},
	{key: "sts:TransitiveTagKeys", actions: "sts:AssumeRole", use: KeySupplied},
	// Features iamd does not have.
	{key: "iam:PermissionsBoundary", use: KeyAbsent},                   // CreateUser/CreateRole refuse a boundary; none exists
	{key: "iam:FIDO-*", use: KeyAbsent},                                // FIDO security keys: iamd has TOTP/HOTP only
	{key: "iam:RegisterSecurityKey", use: KeyAbsent},                   // likewise
	{key: "iam:RoleTemplateARN", use: KeyAbsent},                       // roles from templates: not offered
	{key: "iam:Delegation*", use: KeyAbsent},                           // delegation requests: not offered
	{key: "iam:NotificationChannel", use: KeyAbsent},                   // likewise
	{key: "iam:TemplateArn", use: KeyAbsent},                           // likewise
	{key: "iam:AWSServiceName", use: KeyAbsent},                        // service-linked roles: not offered
	{key: "iam:PassedToService", use: KeyAbsent},                       // iam:PassRole: no service takes roles here
	{key: "iam:AssociatedResourceArn", use: KeyAbsent},                 // likewise
	{key: "iam:OrganizationsPolicyId", use: KeyAbsent},                 // no Organizations
	{key: "iam:AccountPropertyNamespaces", use: KeyAbsent},             // account properties: not offered
	{key: "iam:ServiceSpecificCredential*", use: KeyAbsent},            // service-specific credentials: not offered
	{key: "sts:*", actions: "sts:AssumeRoleWith*", use: KeyAbsent},     // SAML and web identity: not offered
	{key: "sts:*", actions: "sts:GetWebIdentityToken", use: KeyAbsent}, // not offered
	{key: "sts:*", actions: "sts:GetServiceBearerToken", use: KeyAbsent},
	{key: "sts:*", actions: "sts:SetContext", use: KeyAbsent},
	{key: "sts:*", actions: "sts:SetSourceIdentity", use: KeyAbsent},
	{key: "sts:*", actions: "sts:TagSession", use: KeyAbsent},
	{key: "sts:*", actions: "sts:AssumeRoot", use: KeyAbsent},
	// Identity providers' keys (SAML, and OIDC providers named by their
	// host): set only for federated credentials, which iamd does not issue.
	{key: "saml:*", use: KeyAbsent},
	{key: "accounts.google.com:*", use: KeyAbsent},
	{key: "cognito-identity.amazonaws.com:*", use: KeyAbsent},
	{key: "graph.facebook.com:*", use: KeyAbsent},
	{key: "www.amazon.com:*", use: KeyAbsent},
}

// KeyUseFor classifies a condition key (as the reference writes it, or as
// a policy writes it: "aws:ResourceTag/team") for an action ("iam:GetUser"),
// and tells whether iamd sets it in every request of the action.
func KeyUseFor(action, key string) (use KeyUse, always bool) {
	return keyUseIn(keyRules, action, key)
}

func keyUseIn(rules []keyRule, action, key string) (use KeyUse, always bool) {
	for _, r := range rules {
		if keyMatches(r.key, key) && (r.actions == "" || globMatch(r.actions, action)) {
			return r.use, r.always
		}
	}
	if !strings.Contains(key, ":") || strings.HasPrefix(strings.ToLower(key), "aws:") {
		// Global keys other than the tag keys above are set from the
		// request and the principal for every action (RequestContext),
		// or are absent as on AWS (aws:SourceVpc and the like).
		return KeySupplied, false
	}
	return KeyUnknown, false
}

// keyMatches tells whether a policy's key matches a rule's key pattern:
// "${TagKey}" stands for any tag key, "*" for any rest.
func keyMatches(pattern, key string) bool {
	p, k := strings.ToLower(pattern), strings.ToLower(key)
	if i := strings.Index(p, "${"); i >= 0 {
		return strings.HasPrefix(k, p[:i])
	}
	return globMatch(p, k)
}

// globMatch matches a pattern with one trailing "*" (or none), ignoring
// case.
func globMatch(pattern, s string) bool {
	p, s := strings.ToLower(pattern), strings.ToLower(s)
	if strings.HasSuffix(p, "*") {
		return strings.HasPrefix(s, strings.TrimSuffix(p, "*"))
	}
	return p == s
}

// CheckConditionKeys refuses a policy that uses, for an action served by
// iamd, a condition key iamd would not set where AWS does (KeyUnsupported):
// such a Deny would silently never apply. served lists the actions iamd
// authorises ("iam:GetUser", …). It returns the first offending key and
// action, or "" when the policy is fine.
func CheckConditionKeys(doc *policy.Document, served []string) (key, action string) {
	return checkConditionKeysIn(keyRules, doc, served)
}

func checkConditionKeysIn(rules []keyRule, doc *policy.Document, served []string) (key, action string) {
	for _, st := range doc.Statements {
		for _, c := range st.Condition {
			for _, a := range served {
				if !st.AppliesTo(a) {
					continue
				}
				if use, _ := keyUseIn(rules, a, c.Key); use == KeyUnsupported {
					return c.Key, a
				}
			}
		}
	}
	return "", ""
}

type keysKey struct{}

// WithKeys returns ctx carrying extra condition keys an operation sets
// (servicequotas:service, sts:RoleSessionName, …) for RequestContext.
func WithKeys(ctx context.Context, kv map[string][]string) context.Context {
	if len(kv) == 0 {
		return ctx
	}
	prev, _ := ctx.Value(keysKey{}).(map[string][]string)
	merged := make(map[string][]string, len(prev)+len(kv))
	for k, v := range prev {
		merged[k] = v
	}
	for k, v := range kv {
		merged[k] = v
	}
	return context.WithValue(ctx, keysKey{}, merged)
}
