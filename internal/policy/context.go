package policy

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Condition keys iamd fills in for every request, spelled as AWS documents
// them. Lookups are case-insensitive, so the spelling only matters for
// messages such as SimulatePolicy's missing context values.
const (
	KeyUsername               = "aws:username"
	KeyUserID                 = "aws:userid"
	KeyPrincipalARN           = "aws:PrincipalArn"
	KeyPrincipalAccount       = "aws:PrincipalAccount"
	KeyPrincipalType          = "aws:PrincipalType"
	KeyMultiFactorAuthPresent = "aws:MultiFactorAuthPresent"
	KeyMultiFactorAuthAge     = "aws:MultiFactorAuthAge"
	KeyCurrentTime            = "aws:CurrentTime"
	KeyEpochTime              = "aws:EpochTime"
	KeySourceIP               = "aws:SourceIp"
	KeySecureTransport        = "aws:SecureTransport"
	KeyTokenIssueTime         = "aws:TokenIssueTime"
)

// Context holds the condition keys of one request. Keys are case-insensitive
// and a key may carry several values (aws:TagKeys, aws:CalledVia). The zero
// value is empty and ready to use; copies share their keys, as maps do.
type Context struct {
	m map[string][]string // lower-cased key → values
}

// NewContext returns an empty context.
func NewContext() Context {
	return Context{m: make(map[string][]string)}
}

// Set replaces the values of key. A key set with no values is present but
// empty, which every operator except ForAllValues treats as absent.
func (c *Context) Set(key string, values ...string) {
	if c.m == nil {
		c.m = make(map[string][]string)
	}
	c.m[strings.ToLower(key)] = slices.Clone(values)
}

// Get returns the values of key and whether it is present.
func (c Context) Get(key string) ([]string, bool) {
	v, ok := c.m[strings.ToLower(key)]
	return v, ok
}

// Delete removes key.
func (c *Context) Delete(key string) {
	delete(c.m, strings.ToLower(key))
}

// Keys returns the present keys, lower-cased and sorted.
func (c Context) Keys() []string {
	keys := make([]string, 0, len(c.m))
	for k := range c.m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// lookup takes an already lower-cased key, so the evaluation hot path does
// not lower-case the same policy key on every request.
func (c Context) lookup(lowerKey string) ([]string, bool) {
	v, ok := c.m[lowerKey]
	return v, ok
}

// CredentialSource says how a request was signed, which decides the MFA keys.
type CredentialSource int

// The three rows of the MFA truth table (reference §8.1).
const (
	// LongTermCredentials are access keys of an IAM user or the root user:
	// neither MFA key is present.
	LongTermCredentials CredentialSource = iota
	// TemporaryWithoutMFA are session credentials obtained without MFA:
	// aws:MultiFactorAuthPresent is "false" and there is no age.
	TemporaryWithoutMFA
	// TemporaryWithMFA are session credentials backed by an MFA code:
	// aws:MultiFactorAuthPresent is "true" and the age is set.
	TemporaryWithMFA
)

// SetMFA sets aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge the way
// AWS does for src. age is the time since the MFA code was checked and is
// used only for TemporaryWithMFA. Keeping this in one place matters because
// "absent" and "false" are different answers: Deny+Bool "false" does not
// stop access keys, Deny+BoolIfExists "false" does.
func (c *Context) SetMFA(src CredentialSource, age time.Duration) {
	c.Delete(KeyMultiFactorAuthPresent)
	c.Delete(KeyMultiFactorAuthAge)
	switch src {
	case TemporaryWithoutMFA:
		c.Set(KeyMultiFactorAuthPresent, "false")
	case TemporaryWithMFA:
		c.Set(KeyMultiFactorAuthPresent, "true")
		c.Set(KeyMultiFactorAuthAge, strconv.FormatInt(int64(max(age, 0)/time.Second), 10))
	}
}
