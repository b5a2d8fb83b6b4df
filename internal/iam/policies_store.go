package iam

// PolicyStore persists groups, managed policies and their versions, inline
// policies and attachments (tables of migration 00002).
type PolicyStore interface{}
