package policy

import (
	"slices"
	"strings"
)

// Request is one authorisation question.
type Request struct {
	// Action is "service:Name", such as "iam:CreateUser"; case-insensitive.
	Action string
	// Resource is the ARN the action is authorised against, or "*" for
	// actions without resource-level permissions (see package actions).
	Resource string
	// Context holds the condition keys.
	Context Context
}

// Decision is the outcome of an evaluation.
type Decision int

// Decisions, weakest first.
const (
	// ImplicitDeny: nothing allowed the request.
	ImplicitDeny Decision = iota
	// Allow: a statement allowed it and none denied it.
	Allow
	// ExplicitDeny: a Deny statement matched; nothing overrides it.
	ExplicitDeny
)

// String returns the EvalDecision spelling of SimulatePrincipalPolicy.
func (d Decision) String() string {
	switch d {
	case Allow:
		return "allowed"
	case ExplicitDeny:
		return "explicitDeny"
	}
	return "implicitDeny"
}

// Policy is a document with the id it is reported under.
type Policy struct {
	// ID names the policy in results, for example the policy ARN or
	// "user/alice/inline/name".
	ID string
	// Doc is the parsed document; a nil Doc is skipped.
	Doc *Document
}

// MatchedStatement identifies a statement that applied to a request.
type MatchedStatement struct {
	// PolicyID is the Policy's ID (the document's Id for EvaluateTrust).
	PolicyID string
	// Index is the statement's position in the document, from 0.
	Index int
	// Sid is the statement's Sid, possibly empty.
	Sid string
	// Effect is the statement's effect.
	Effect Effect
}

// Result is the outcome of an evaluation and what explains it.
type Result struct {
	// Decision is the verdict.
	Decision Decision
	// Matched lists every statement that applied, Allow and Deny, in
	// evaluation order.
	Matched []MatchedStatement
	// MissingContextKeys lists, sorted and as spelled in the policies, the
	// condition keys and policy variables that statements matching the
	// action and resource referenced but the context lacked (for
	// SimulatePolicy's MissingContextValues).
	MissingContextKeys []string
}

// Caller is the principal asking to use a trust or resource policy.
type Caller struct {
	// ARN is the caller's own ARN: a user, the account root, an
	// assumed-role session (arn:aws:sts::…:assumed-role/role/session) or a
	// federated user.
	ARN string
	// Account is the caller's 12-digit account id.
	Account string
	// RoleARN is the role behind an assumed-role session, which a
	// Principal naming the role matches.
	RoleARN string
	// Service is set when an AWS service principal calls, such as
	// "ec2.amazonaws.com".
	Service string
	// Federated is the identity provider of a federated caller.
	Federated string
}

// Evaluate applies AWS's logic for identity-based policies: an explicit Deny
// in any policy beats an Allow, which beats the implicit deny. Statements
// that name a Principal are never matched here, because without a caller
// they could only be misread as applying to everyone; use EvaluateTrust.
func Evaluate(req Request, policies []Policy) Result {
	var e evaluation
	e.init(&req)
	for _, p := range policies {
		e.document(p.ID, p.Doc, nil)
	}
	return e.finish()
}

// EvaluateWithSessionPolicies evaluates a role session created with session
// policies: the effective permissions are the intersection, so both sets
// must allow and a Deny in either denies. With no session policies the
// result is Evaluate(req, identity), because a session without them is
// bounded by its identity policies alone.
func EvaluateWithSessionPolicies(req Request, identity, session []Policy) Result {
	id := Evaluate(req, identity)
	if len(session) == 0 {
		return id
	}
	sess := Evaluate(req, session)
	r := Result{
		Matched:            append(id.Matched, sess.Matched...),
		MissingContextKeys: mergeKeys(id.MissingContextKeys, sess.MissingContextKeys),
	}
	switch {
	case id.Decision == ExplicitDeny || sess.Decision == ExplicitDeny:
		r.Decision = ExplicitDeny
	case id.Decision == Allow && sess.Decision == Allow:
		r.Decision = Allow
	default:
		r.Decision = ImplicitDeny
	}
	return r
}

// EvaluateTrust evaluates a role's trust policy (or any resource policy) for
// caller: a statement applies when its Principal matches the caller (or its
// NotPrincipal does not), its action matches, its Resource matches if it has
// one, and its conditions hold.
//
// An account id or account root ARN in Principal matches every principal of
// that account; a user or session ARN matches exactly; a role ARN matches
// the role's sessions; "*" matches anyone.
func EvaluateTrust(req Request, trust *Document, caller Caller) Result {
	var e evaluation
	e.init(&req)
	if trust != nil {
		e.document(trust.ID, trust, &caller)
	}
	return e.finish()
}

// evaluation carries one request through the statements. The request is
// prepared once here (action lower-cased, ARN split) rather than once per
// pattern, and matches collect in a fixed buffer so that the common case
// allocates one exactly-sized slice.
type evaluation struct {
	arn         string // the request resource
	lowerAction string // req.Action lower-cased, as patterns are
	service     string // lowerAction's service prefix
	actionHash  uint64 // keyHash(lowerAction)
	segs        [arnSegments]string
	nsegs       int
	allow, deny bool
	nmatched    int
	buf         [32]MatchedStatement // the first matches
	overflow    []MatchedStatement   // the rest
	missing     []string
	env         env
}

func (e *evaluation) init(req *Request) {
	e.arn = req.Resource
	e.lowerAction = strings.ToLower(req.Action)
	e.service, _, _ = strings.Cut(e.lowerAction, ":")
	e.actionHash = keyHash(e.lowerAction)
	e.env.ctx = req.Context
	e.segs, e.nsegs = splitARN(req.Resource)
}

// match records a matching statement. The buffer is filled by index, not
// by appending to a slice of it, which would move the evaluation to the
// heap.
func (e *evaluation) match(m MatchedStatement) {
	if e.nmatched < len(e.buf) {
		e.buf[e.nmatched] = m
	} else {
		e.overflow = append(e.overflow, m)
	}
	e.nmatched++
}

func (e *evaluation) finish() Result {
	r := Result{MissingContextKeys: e.missing}
	if e.nmatched > 0 {
		r.Matched = make([]MatchedStatement, 0, e.nmatched)
		r.Matched = append(r.Matched, e.buf[:min(e.nmatched, len(e.buf))]...)
		r.Matched = append(r.Matched, e.overflow...)
	}
	switch {
	case e.deny:
		r.Decision = ExplicitDeny
	case e.allow:
		r.Decision = Allow
	}
	slices.SortFunc(r.MissingContextKeys, func(a, b string) int {
		return strings.Compare(strings.ToLower(a), strings.ToLower(b))
	})
	return r
}

func (e *evaluation) document(id string, d *Document, caller *Caller) {
	if d == nil {
		return
	}
	if !d.indexed { // not from Parse: nothing compiled, nothing can match
		return
	}
	// Visit the two ascending candidate lists merged, so that matches are
	// reported in document order.
	a, b := d.candidates(e.service)
	for len(a) > 0 || len(b) > 0 {
		var i int32
		switch {
		case len(b) == 0 || len(a) > 0 && a[0] < b[0]:
			i, a = a[0], a[1:]
		default:
			i, b = b[0], b[1:]
		}
		st := &d.Statements[i]
		if e.statement(st, caller) {
			e.match(MatchedStatement{PolicyID: id, Index: int(i), Sid: st.Sid, Effect: st.Effect})
			if st.Effect == EffectDeny {
				e.deny = true
			} else {
				e.allow = true
			}
		}
	}
}

// statement reports whether st applies to the request, noting the context
// keys it needed and lacked.
func (e *evaluation) statement(st *Statement, caller *Caller) bool {
	if caller == nil {
		if st.Principal != nil || st.NotPrincipal != nil {
			return false
		}
	} else {
		switch {
		case st.Principal != nil && !st.Principal.matches(caller):
			return false
		case st.NotPrincipal != nil && st.NotPrincipal.matches(caller):
			return false
		}
	}
	if !e.action(st) {
		return false
	}
	ok, unresolved := e.resource(st)
	if !ok && unresolved == nil {
		return false
	}
	// From here the statement is about this action and resource, so every
	// key it lacks is worth reporting (SimulatePolicy's missing context
	// values); conditions are therefore all looked at, without stopping at
	// the first false one. Each key is looked up once.
	if unresolved != nil {
		e.noteMissing(unresolved.name)
	}
	for i := range st.Condition {
		c := &st.Condition[i]
		vals, _ := e.env.lookup(c.key, c.hash)
		if len(vals) == 0 {
			e.noteMissing(c.Key)
		}
		if !c.evalValues(vals, &e.env) {
			ok = false
		}
		// A variable with no value decides a condition as much as an
		// absent key does (it matches nothing, so negated operators
		// hold), whatever the outcome.
		if c.hasVars {
			if t := c.unresolved(&e.env); t != nil {
				e.noteMissing(t.name)
			}
		}
	}
	return ok
}

// action reports whether the request action is covered by Action, or not
// covered by NotAction.
func (e *evaluation) action(st *Statement) bool {
	hit := false
	for i, h := range st.exactHashes {
		if h == e.actionHash && st.exactActions[i] == e.lowerAction {
			hit = true
			break
		}
	}
	for i := 0; !hit && i < len(st.globActions); i++ {
		hit = st.globActions[i].match(e.lowerAction, nil, false)
	}
	return hit == (len(st.NotAction) == 0)
}

// resource reports whether the request resource is covered by Resource, or
// not covered by NotResource. An entry whose variable has no value matches
// no resource, in Resource and NotResource alike (IAM User Guide, "Policy
// variables with no value"), and the other entries still decide: so a
// NotResource statement whose only entry cannot be resolved applies to
// every resource. The first unresolved variable is returned for reporting.
func (e *evaluation) resource(st *Statement) (bool, *token) {
	if len(st.resources) == 0 {
		return true, nil // trust policies: the role itself
	}
	not := len(st.NotResource) > 0
	var unresolved *token
	for i := range st.resources {
		r := &st.resources[i]
		// An unresolvable variable never matches, so resolution is only
		// checked on the way out of a failed match.
		if r.match(e.arn, &e.segs, e.nsegs, &e.env) {
			return !not, nil
		}
		if unresolved == nil {
			if t, bad := r.unresolved(&e.env); bad {
				unresolved = t
			}
		}
	}
	return not, unresolved
}

// noteMissing records key once, ignoring case.
func (e *evaluation) noteMissing(key string) {
	for _, k := range e.missing {
		if strings.EqualFold(k, key) {
			return
		}
	}
	e.missing = append(e.missing, key)
}

func mergeKeys(a, b []string) []string {
	e := evaluation{missing: a}
	for _, k := range b {
		e.noteMissing(k)
	}
	return e.finish().MissingContextKeys
}

// matches reports whether caller is one of the principals.
func (p *Principals) matches(c *Caller) bool {
	if p.All {
		return true
	}
	for _, a := range p.AWS {
		switch {
		case a == "*":
			return true
		case isAccountID(a):
			if c.Account == a {
				return true
			}
		case isRootARN(a):
			segs, _ := splitARN(a)
			if c.Account == segs[4] {
				return true
			}
		case c.ARN != "" && a == c.ARN, c.RoleARN != "" && a == c.RoleARN:
			return true
		}
	}
	for _, s := range p.Service {
		if c.Service != "" && strings.EqualFold(s, c.Service) {
			return true
		}
	}
	for _, f := range p.Federated {
		if c.Federated != "" && f == c.Federated {
			return true
		}
	}
	return false
}

// isRootARN reports whether a names an account, arn:<partition>:iam::<id>:root,
// which AWS reads as "any principal of the account".
func isRootARN(a string) bool {
	segs, n := splitARN(a)
	return n == arnSegments && segs[0] == "arn" && segs[2] == "iam" && isAccountID(segs[4]) && segs[5] == "root"
}
