package awsquery

import (
	"strconv"
	"strings"
)

// Hidden is what an audit record shows in place of a secret member, as
// CloudTrail does.
const Hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"

// AuditMap returns the members as CloudTrail's requestParameters show
// them: names with a lower-case first letter, lists as arrays, structures
// and maps as objects, integers and booleans as JSON numbers and booleans,
// and every secret member (passwords, secret keys, MFA codes, whatever the
// model marks sensitive) as Hidden, never its value.
func (p Params) AuditMap() map[string]any {
	out := make(map[string]any, len(p.fields))
	for _, f := range p.fields {
		out[lowerFirst(f.name)] = f.v.audit()
	}
	return out
}

func (v value) audit() any {
	switch {
	case v.secret:
		return Hidden
	case v.kind == kindList:
		out := make([]any, len(v.list))
		for i, e := range v.list {
			out[i] = e.audit()
		}
		return out
	case v.kind == kindStructure:
		return v.params.AuditMap()
	case v.kind == kindMap:
		out := make(map[string]any, len(v.entries))
		for _, e := range v.entries {
			out[e.key] = e.v.audit()
		}
		return out
	case v.kind == kindInteger:
		if n, err := strconv.ParseInt(v.text, 10, 64); err == nil {
			return n
		}
	case v.kind == kindBoolean:
		return strings.EqualFold(v.text, "true")
	}
	return v.text
}
