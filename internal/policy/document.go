package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
)

// Policy language versions. Policy variables exist only in Version2012; a
// document without a Version element follows Version2008 rules.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Effect is what a matching statement does.
type Effect string

// The two effects; AWS spells them with a capital letter and rejects others.
const (
	EffectAllow Effect = "Allow"
	EffectDeny  Effect = "Deny"
)

// Kind says what a document is for, which decides the elements it must and
// must not have.
type Kind int

// Kinds of policy document.
const (
	// IdentityPolicy is an inline policy of a user, group or role: Action
	// and Resource required, Principal forbidden.
	IdentityPolicy Kind = iota
	// TrustPolicy is a role's assume-role policy: Principal required,
	// Resource forbidden, and only sts: actions.
	TrustPolicy
	// ResourcePolicy is a policy attached to a resource: Principal and
	// Resource required, free-form Sids.
	ResourcePolicy
	// SessionPolicy is passed to AssumeRole and friends; it follows the
	// identity-policy rules.
	SessionPolicy
	// ManagedPolicy is a customer managed policy version (CreatePolicy,
	// CreatePolicyVersion): an identity policy that must also declare
	// Version 2012-10-17.
	ManagedPolicy
)

// String returns the name used in messages.
func (k Kind) String() string {
	switch k {
	case IdentityPolicy:
		return "identity policy"
	case TrustPolicy:
		return "trust policy"
	case ResourcePolicy:
		return "resource policy"
	case SessionPolicy:
		return "session policy"
	case ManagedPolicy:
		return "managed policy"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// withArticle prefixes a noun phrase with "a" or "an".
func withArticle(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// identity reports whether k follows the identity-policy element rules.
func (k Kind) identity() bool {
	return k == IdentityPolicy || k == SessionPolicy || k == ManagedPolicy
}

// Document is a parsed, validated policy. Build it with Parse: the
// statements carry compiled patterns that a literal Document lacks.
type Document struct {
	// Version is the Version element, "" when absent.
	Version string
	// ID is the optional Id element.
	ID string
	// Statements are in document order.
	Statements []Statement

	// Which statements a request's service can concern, so evaluation
	// skips the rest untouched: accounts hold policies for many services
	// and a request concerns one. Built by Parse.
	services []serviceStatements
	always   []int32 // Action "*" or NotAction: every request
	indexed  bool
}

// serviceStatements lists, ascending, the statements with an Action in one
// service (lower-cased). Action vendors cannot hold wildcards, so every
// Action other than "*" names exactly one service.
type serviceStatements struct {
	service string
	stmts   []int32
}

// index builds the per-service statement lists.
func (d *Document) index() {
	for i := range d.Statements {
		st := &d.Statements[i]
		if len(st.NotAction) > 0 || slices.Contains(st.Action, "*") {
			d.always = append(d.always, int32(i))
			continue
		}
		for _, a := range st.Action {
			svc, _, _ := strings.Cut(strings.ToLower(a), ":")
			j := slices.IndexFunc(d.services, func(s serviceStatements) bool { return s.service == svc })
			if j < 0 {
				d.services = append(d.services, serviceStatements{service: svc})
				j = len(d.services) - 1
			}
			if l := d.services[j].stmts; len(l) == 0 || l[len(l)-1] != int32(i) {
				d.services[j].stmts = append(l, int32(i))
			}
		}
	}
	d.indexed = true
}

// candidates returns the statements a request for service can concern, as
// two ascending lists to be merged.
func (d *Document) candidates(service string) (byService, always []int32) {
	for i := range d.services {
		if d.services[i].service == service {
			return d.services[i].stmts, d.always
		}
	}
	return nil, d.always
}

// Statement is one statement of a Document. Exactly one of Action and
// NotAction is set; at most one of Resource and NotResource; at most one of
// Principal and NotPrincipal.
type Statement struct {
	// Sid is the optional statement id.
	Sid string
	// Effect is EffectAllow or EffectDeny.
	Effect Effect
	// Principal and NotPrincipal appear only in trust and resource policies.
	Principal, NotPrincipal *Principals
	// Action and NotAction are "service:Name" patterns or "*".
	Action, NotAction []string
	// Resource and NotResource are ARN patterns or "*".
	Resource, NotResource []string
	// Condition holds one entry per operator and key, sorted by operator
	// then key so that the order does not depend on JSON map order.
	Condition []Condition

	// Action or NotAction, lower-cased and split so that the common exact
	// names cost one string comparison each.
	exactActions []string
	exactHashes  []uint64 // keyHash of each exact action, compared first
	globActions  []pattern
	resources    []arnPattern // compiled Resource or NotResource
}

// Principals is a Principal or NotPrincipal element.
type Principals struct {
	// All is set for "Principal": "*".
	All bool
	// AWS holds account ids, account root ARNs, user, role and session
	// ARNs, or "*".
	AWS []string
	// Service holds service principals such as "ec2.amazonaws.com".
	Service []string
	// Federated holds identity providers: SAML or OIDC provider ARNs or
	// names such as "cognito-identity.amazonaws.com".
	Federated []string
}

// ValidationError is a document AWS would answer with
// MalformedPolicyDocument; Msg says what is wrong and where.
type ValidationError struct {
	// Msg is the message for the MalformedPolicyDocument error.
	Msg string
}

// Error returns Msg.
func (e *ValidationError) Error() string { return e.Msg }

func invalid(format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...)}
}

// Size returns the length AWS counts against policy size quotas: characters
// other than white space, anywhere in the document.
func Size(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// Parse parses and validates doc as a policy of the given kind and compiles
// it for evaluation. Errors are *ValidationError.
func Parse(doc string, kind Kind) (*Document, error) {
	if kind < IdentityPolicy || kind > ManagedPolicy {
		return nil, invalid("Unknown policy kind %d.", int(kind))
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, invalid("Syntax errors in policy: %s.", jsonProblem(err))
	}
	if _, err := dec.Token(); err == nil {
		return nil, invalid("Syntax errors in policy: unexpected data after the JSON object.")
	}
	top, ok := root.(map[string]any)
	if !ok {
		return nil, invalid("Syntax errors in policy: the document must be a JSON object.")
	}
	for _, k := range sortedKeys(top) {
		if k != "Version" && k != "Id" && k != "Statement" {
			return nil, invalid("Syntax errors in policy: unknown field %q (the top level takes Version, Id and Statement).", k)
		}
	}
	d := &Document{}
	if v, ok := top["Version"]; ok {
		s, ok := v.(string)
		if !ok {
			return nil, invalid("Syntax errors in policy: Version must be a string.")
		}
		if s != Version2012 && s != Version2008 {
			return nil, invalid("Policy document version %q is not supported; use %q (or the legacy %q).", s, Version2012, Version2008)
		}
		d.Version = s
	}
	if kind == ManagedPolicy && d.Version != Version2012 {
		return nil, invalid("Policy document must be version 2012-10-17 or greater.")
	}
	if v, ok := top["Id"]; ok {
		s, ok := v.(string)
		if !ok {
			return nil, invalid("Syntax errors in policy: Id must be a string.")
		}
		d.ID = s
	}
	raw, ok := top["Statement"]
	if !ok {
		return nil, invalid("Missing required field Statement.")
	}
	var stmts []any
	switch s := raw.(type) {
	case map[string]any:
		stmts = []any{s}
	case []any:
		stmts = s
	default:
		return nil, invalid("Syntax errors in policy: Statement must be an object or an array of objects.")
	}
	if len(stmts) == 0 {
		return nil, invalid("Policy document must contain at least one statement.")
	}
	vars := d.Version == Version2012
	sids := make(map[string]int)
	for i, raw := range stmts {
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, invalid("Syntax errors in policy: statement %d must be an object.", i+1)
		}
		st, err := parseStatement(m, i+1, kind, vars)
		if err != nil {
			return nil, err
		}
		if st.Sid != "" {
			if prev, dup := sids[st.Sid]; dup {
				return nil, invalid("Statement IDs (SID) in a single policy must be unique: statements %d and %d both use %q.", prev, i+1, st.Sid)
			}
			sids[st.Sid] = i + 1
		}
		d.Statements = append(d.Statements, st)
	}
	d.index()
	return d, nil
}

// jsonProblem turns a decoder error into the part of a message a policy
// author can act on.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("%s at byte %d", syn.Error(), syn.Offset)
	case errors.Is(err, io.EOF):
		return "the document is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the document ends early"
	}
	return err.Error()
}

// isStatementField reports whether k is an element a statement may have.
func isStatementField(k string) bool {
	switch k {
	case "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition":
		return true
	}
	return false
}

// parseStatement validates and compiles statement number n (1-based).
func parseStatement(m map[string]any, n int, kind Kind, vars bool) (Statement, error) {
	var st Statement
	loc := fmt.Sprintf("Statement %d", n)
	fail := func(format string, args ...any) error {
		return invalid("%s: %s", loc, fmt.Sprintf(format, args...))
	}
	if v, ok := m["Sid"]; ok {
		s, ok := v.(string)
		if !ok {
			return st, fail("Syntax errors in policy: Sid must be a string.")
		}
		st.Sid = s
		loc = fmt.Sprintf("Statement %d (Sid %q)", n, s)
		if kind != ResourcePolicy && !isAlphanumeric(s) {
			return st, fail("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*.")
		}
	}
	for _, k := range sortedKeys(m) {
		if !isStatementField(k) {
			return st, fail("Syntax errors in policy: unknown field %q.", k)
		}
	}

	v, ok := m["Effect"]
	if !ok {
		return st, fail("Missing required field Effect.")
	}
	switch e, _ := v.(string); Effect(e) {
	case EffectAllow, EffectDeny:
		st.Effect = Effect(e)
	default:
		return st, fail("Invalid effect: %s; use \"Allow\" or \"Deny\".", jsonText(v))
	}

	// Principal / NotPrincipal.
	_, hasP := m["Principal"]
	_, hasNP := m["NotPrincipal"]
	switch {
	case kind.identity() && (hasP || hasNP):
		return st, fail("Policy document should not specify a principal (%s has none).", withArticle(kind.String()))
	case hasP && hasNP:
		return st, fail("Syntax errors in policy: a statement cannot have both Principal and NotPrincipal.")
	case !kind.identity() && !hasP && !hasNP:
		return st, fail("Missing required field Principal.")
	case hasP:
		p, err := parsePrincipals(m["Principal"])
		if err != nil {
			return st, fail("%s", err.Error())
		}
		st.Principal = p
	case hasNP:
		p, err := parsePrincipals(m["NotPrincipal"])
		if err != nil {
			return st, fail("%s", err.Error())
		}
		st.NotPrincipal = p
	}

	// Action / NotAction.
	_, hasA := m["Action"]
	_, hasNA := m["NotAction"]
	if hasA && hasNA {
		return st, fail("Syntax errors in policy: a statement cannot have both Action and NotAction.")
	}
	field := "Action"
	if hasNA {
		field = "NotAction"
	}
	actions, err := stringList(m[field], field)
	if err != nil {
		return st, fail("%s", err.Error())
	}
	if len(actions) == 0 {
		return st, fail("Policy statement must contain actions.")
	}
	for _, a := range actions {
		if err := checkAction(a, kind); err != nil {
			return st, fail("%s", err.Error())
		}
		// Action names are case-insensitive; lower-casing once here lets
		// evaluation fold only the request side.
		p, _ := compilePattern(strings.ToLower(a), false, true)
		if p.exact {
			st.exactActions = append(st.exactActions, p.lit)
			st.exactHashes = append(st.exactHashes, keyHash(p.lit))
		} else {
			st.globActions = append(st.globActions, p)
		}
	}
	if hasNA {
		st.NotAction = actions
	} else {
		st.Action = actions
	}

	// Resource / NotResource.
	_, hasR := m["Resource"]
	_, hasNR := m["NotResource"]
	switch {
	case kind == TrustPolicy && hasR:
		return st, fail("Has prohibited field Resource (a trust policy applies to its role).")
	case kind == TrustPolicy && hasNR:
		return st, fail("Has prohibited field NotResource (a trust policy applies to its role).")
	case hasR && hasNR:
		return st, fail("Syntax errors in policy: a statement cannot have both Resource and NotResource.")
	case kind != TrustPolicy:
		field := "Resource"
		if hasNR {
			field = "NotResource"
		}
		res, err := stringList(m[field], field)
		if err != nil {
			return st, fail("%s", err.Error())
		}
		if len(res) == 0 {
			return st, fail("Policy statement must contain resources.")
		}
		for _, r := range res {
			a, err := compileARN(r, vars)
			if err != nil || (!a.any && !strings.HasPrefix(r, "arn:")) {
				if err != nil && strings.Contains(err.Error(), "policy variable") {
					return st, fail("%s: %s.", field, err.Error())
				}
				return st, fail("%s %q must be in ARN format or \"*\".", field, r)
			}
			st.resources = append(st.resources, a)
		}
		if hasNR {
			st.NotResource = res
		} else {
			st.Resource = res
		}
	}

	// Condition.
	if v, ok := m["Condition"]; ok {
		conds, err := parseConditions(v, vars)
		if err != nil {
			return st, fail("%s", err.Error())
		}
		st.Condition = conds
	}
	return st, nil
}

// checkAction validates one Action/NotAction entry.
func checkAction(a string, kind Kind) error {
	if a == "*" {
		if kind == TrustPolicy {
			return fmt.Errorf("AssumeRole policy may only specify STS AssumeRole actions (got %q).", a)
		}
		return nil
	}
	vendor, name, found := strings.Cut(a, ":")
	switch {
	case !found:
		return fmt.Errorf("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. (got %q).", a)
	case strings.ContainsAny(vendor, "*?"):
		return fmt.Errorf("Action vendors must not contain wildcards (got %q).", a)
	case vendor == "" || strings.IndexFunc(vendor, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-')
	}) >= 0:
		return fmt.Errorf("Invalid action %q: the vendor must be letters, digits and hyphens.", a)
	case name == "":
		return fmt.Errorf("Invalid action %q: no action name after the colon.", a)
	case strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '*' || r == '?')
	}) >= 0:
		return fmt.Errorf("Invalid action %q: an action name holds letters, digits, '-', '_' and the wildcards '*' and '?'.", a)
	case kind == TrustPolicy && !strings.EqualFold(vendor, "sts"):
		return fmt.Errorf("AssumeRole policy may only specify STS AssumeRole actions (got %q).", a)
	}
	return nil
}

// parsePrincipals parses a Principal or NotPrincipal element.
func parsePrincipals(v any) (*Principals, error) {
	if s, ok := v.(string); ok {
		if s != "*" {
			return nil, fmt.Errorf("Invalid principal in policy: %q (a bare string must be \"*\"; use {\"AWS\": ...}).", s)
		}
		return &Principals{All: true}, nil
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil, fmt.Errorf("Invalid principal in policy: %s.", jsonText(v))
	}
	p := &Principals{}
	for _, k := range sortedKeys(m) {
		list, err := stringList(m[k], "Principal "+k)
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, fmt.Errorf("Invalid principal in policy: %q has no values.", k)
		}
		var check func(string) bool
		switch k {
		case "AWS":
			check, p.AWS = validAWSPrincipal, list
		case "Service":
			check, p.Service = validServicePrincipal, list
		case "Federated":
			check, p.Federated = validServicePrincipal, list
		default:
			return nil, fmt.Errorf("Invalid principal in policy: unknown principal type %q (use AWS, Service or Federated).", k)
		}
		for _, s := range list {
			if !check(s) {
				return nil, fmt.Errorf("Invalid principal in policy: %q:%q.", k, s)
			}
		}
	}
	return p, nil
}

// validAWSPrincipal accepts "*", a 12-digit account id, an IAM or STS ARN
// of that account without wildcards (AWS rejects partial wildcards here),
// or the unique id of a user or role: a trust policy shows that id in place
// of the ARN of a principal deleted since it was written, and such an entry
// matches no caller.
func validAWSPrincipal(s string) bool {
	if s == "*" || isAccountID(s) || isUniqueID(s) {
		return true
	}
	if strings.ContainsAny(s, "*? \t") {
		return false
	}
	segs, n := splitARN(s)
	return n == arnSegments && segs[0] == "arn" && segs[1] != "" &&
		(segs[2] == "iam" || segs[2] == "sts") && segs[3] == "" &&
		isAccountID(segs[4]) && segs[5] != ""
}

// isUniqueID reports whether s is a user's (AIDA…) or role's (AROA…)
// unique id: the prefix and 16 or more upper-case letters and digits.
func isUniqueID(s string) bool {
	if len(s) < 20 || !(strings.HasPrefix(s, "AIDA") || strings.HasPrefix(s, "AROA")) {
		return false
	}
	for i := 4; i < len(s); i++ {
		if (s[i] < 'A' || s[i] > 'Z') && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}

// validServicePrincipal accepts a service or provider name or ARN: no
// wildcards, no white space.
func validServicePrincipal(s string) bool {
	return s != "" && !strings.ContainsAny(s, "*? \t\r\n")
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isAlphanumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// parseConditions parses a Condition element into sorted Conditions.
func parseConditions(v any, vars bool) ([]Condition, error) {
	ops, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("Syntax errors in policy: Condition must be an object of operators.")
	}
	var out []Condition
	for _, op := range sortedKeys(ops) {
		keys, ok := ops[op].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("Syntax errors in policy: Condition operator %q must map condition keys to values.", op)
		}
		for _, key := range sortedKeys(keys) {
			values, err := conditionValues(keys[key])
			if err != nil {
				return nil, fmt.Errorf("Condition %s on key %q: %w", op, key, err)
			}
			c, err := compileCondition(op, key, values, vars)
			if err != nil {
				return nil, fmt.Errorf("Invalid Condition: %w.", err)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// conditionValues accepts a scalar or an array of scalars; numbers and
// booleans keep their JSON text, since operators parse values themselves.
func conditionValues(v any) ([]string, error) {
	scalar := func(v any) (string, bool) {
		switch x := v.(type) {
		case string:
			return x, true
		case json.Number:
			return x.String(), true
		case bool:
			if x {
				return "true", true
			}
			return "false", true
		}
		return "", false
	}
	if s, ok := scalar(v); ok {
		return []string{s}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("values must be strings, numbers, booleans or an array of them, not %s", jsonText(v))
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := scalar(e)
		if !ok {
			return nil, fmt.Errorf("values must be strings, numbers, booleans or an array of them, not %s", jsonText(e))
		}
		out = append(out, s)
	}
	return out, nil
}

// stringList accepts a string or an array of strings.
func stringList(v any, field string) ([]string, error) {
	switch x := v.(type) {
	case nil: // absent or null: the caller says what is missing
		return nil, nil
	case string:
		return []string{x}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("Syntax errors in policy: %s entries must be strings, not %s.", field, jsonText(e))
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("Syntax errors in policy: %s must be a string or an array of strings, not %s.", field, jsonText(v))
}

// jsonText renders a decoded JSON value for a message, shortened.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
