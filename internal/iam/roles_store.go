package iam

// RoleStore persists roles and their tags (tables of migration 00002).
type RoleStore interface{}
