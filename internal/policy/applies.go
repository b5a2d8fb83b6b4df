package policy

import "strings"

// AppliesTo reports whether the statement's Action (or NotAction) covers
// action, such as "iam:AttachUserPolicy", whatever its resources and
// conditions.
func (st *Statement) AppliesTo(action string) bool {
	e := evaluation{lowerAction: strings.ToLower(action)}
	e.actionHash = keyHash(e.lowerAction)
	return e.action(st)
}
