// Package policy parses, validates and evaluates AWS IAM policy documents:
// identity policies, role trust policies, resource policies and session
// policies.
//
// Parse does all validation and compiles patterns once, so that Evaluate
// only compares strings: an authorisation check runs on every request, a
// policy is parsed once per change. The evaluation follows the IAM User
// Guide's "Policy evaluation logic" for identity policies (explicit deny,
// then allow, then implicit deny), intersects session policies with
// identity policies, and matches trust-policy principals.
//
// Choices where AWS documentation is silent or ambiguous, so that callers
// can rely on them:
//
//   - A condition key absent from the context fails a positive operator and
//     satisfies a negated one (StringNotEquals, NotIpAddress, ArnNotLike…),
//     as the User Guide's condition-operator page states; IfExists makes
//     any operator hold, ForAllValues holds and ForAnyValue fails.
//   - A key present with several values under an operator without
//     ForAllValues/ForAnyValue: the positive operator holds when any value
//     matches, the negated one when none does.
//   - A policy variable that cannot be resolved (absent key without a
//     default, or a key with several values) is effectively null, as the
//     User Guide's "Policy variables with no value" says: a Resource or
//     NotResource entry holding it matches no resource (so a NotResource
//     Deny still applies to what its other entries do not spare), and a
//     Condition value holding it matches no context value — the values are
//     ORed, so the others still decide, and a negated operator
//     (StringNotEquals, StringNotLike, ArnNotLike…) holds against it.
//   - Values substituted for variables are literal text: a "*" in a tag
//     value is not a wildcard. ${*}, ${?} and ${$} write literal *, ? and $.
//   - Resource and ArnLike/ArnEquals patterns are compared per ARN segment:
//     a wildcard does not cross the first five colons.
//   - Sids must be alphanumeric except in resource policies, where other
//     services allow free text.
//   - Condition values of typed operators (numbers, dates, IP addresses,
//     booleans, base64) are checked at Parse, not silently never matched.
//   - BinaryEquals compares the decoded bytes of base64 text on both sides.
//   - Evaluate never matches a statement that names a Principal (it has no
//     caller to match); EvaluateTrust does, and also serves resource
//     policies. NotPrincipal uses the same matching, negated.
//   - EvaluateWithSessionPolicies with no session policies is Evaluate.
//   - A managed policy must say Version 2012-10-17; other kinds may use
//     2008-10-17 or omit it. An empty Statement array is rejected.
//
// The package uses the standard library only and never imports net/http or
// database/sql.
package policy
