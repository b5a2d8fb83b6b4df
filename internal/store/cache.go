package store

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/iamd/iamd/internal/iam"
)

// Cache is a read-through cache in front of a Store for what every signed
// request reads before its operation runs: access keys with their owners,
// users and roles by id, and the policy documents authz evaluates. It is a
// Store for everything else (the methods it does not override go straight
// through), so it can stand wherever the gateway or the policy decision
// takes one.
//
// An entry is valid until its account changes. Every write transaction
// bumps the account's generation (lockAccount); this process's writes
// invalidate the account's entries as they commit (Store.OnCommit), and
// Run polls the generations so that another node's writes, or an iamd
// command's on the same SQLite file, are honoured within one poll interval
// (250 ms by default, well inside design.md's one second). Single-use
// codes, throttles, quotas and sessions are never cached: they are not
// read through these methods.
//
// Validity is tracked with one counter: each invalidation of an account
// takes the next value of a process-wide clock and records it for the
// account; an entry remembers the clock's value when its load began and is
// valid while the account's last invalidation is not later. A load that
// overlaps a write therefore never outlives it.
type Cache struct {
	*Store
	poll time.Duration
	log  *slog.Logger

	mu     sync.Mutex
	clock  uint64            // the invalidation clock
	purged uint64            // clock value of the last Purge
	inval  map[string]uint64 // account → clock value of its last invalidation
	gens   map[string]int64  // account → generation at the last poll

	keys     *lru.Cache[string, cachedKey]
	users    *lru.Cache[string, cached[iam.User]]
	roles    *lru.Cache[string, cached[iam.Role]]
	identity *lru.Cache[string, cached[[]iam.PolicyDocument]]
	rolePol  *lru.Cache[string, cached[[]iam.PolicyDocument]]
	managed  *lru.Cache[string, cached[[]iam.PolicyDocument]]
}

// CacheOptions tune a Cache. The zero value works.
type CacheOptions struct {
	// Size bounds each of the cache's maps (keys, users, roles and the
	// three kinds of policy lists). Default 100,000.
	Size int
	// Poll is how often Run reads the accounts' generations. Default
	// 250 ms.
	Poll time.Duration
	// Logger receives poll failures. Default: discard.
	Logger *slog.Logger
}

type cached[T any] struct {
	account string
	loaded  uint64
	value   T
}

type cachedKey struct {
	account string
	loaded  uint64
	key     iam.AccessKey
	user    iam.User
}

// NewCache returns a cache over st and registers it for st's commits.
// Call Run to follow other nodes' writes.
func NewCache(st *Store, o CacheOptions) *Cache {
	if o.Size <= 0 {
		o.Size = 100_000
	}
	if o.Poll <= 0 {
		o.Poll = 250 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Cache{Store: st, poll: o.Poll, log: o.Logger, inval: map[string]uint64{}, gens: map[string]int64{}}
	c.keys = mustLRU[cachedKey](o.Size)
	c.users = mustLRU[cached[iam.User]](o.Size)
	c.roles = mustLRU[cached[iam.Role]](o.Size)
	c.identity = mustLRU[cached[[]iam.PolicyDocument]](o.Size)
	c.rolePol = mustLRU[cached[[]iam.PolicyDocument]](o.Size)
	c.managed = mustLRU[cached[[]iam.PolicyDocument]](o.Size)
	st.OnCommit(c.Invalidate)
	st.OnReset(c.Purge)
	return c
}

func mustLRU[V any](size int) *lru.Cache[string, V] {
	l, err := lru.New[string, V](size)
	if err != nil {
		panic(err) // only for a size ≤ 0, which NewCache rules out
	}
	return l
}

// Run polls the accounts' generations until ctx ends, invalidating the
// accounts whose generation moved (and everything, when an account
// disappears or the poll fails, since then nothing is known).
func (c *Cache) Run(ctx context.Context) {
	t := time.NewTicker(c.poll)
	defer t.Stop()
	for {
		c.Poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Poll reads the generations once and invalidates what changed.
func (c *Cache) Poll(ctx context.Context) {
	gens, err := c.Store.Generations(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("cache: read generations", "err", err)
		}
		c.Purge()
		return
	}
	var changed []string
	c.mu.Lock()
	for acct, g := range gens {
		if old, ok := c.gens[acct]; !ok || old != g {
			changed = append(changed, acct)
		}
	}
	gone := false
	for acct := range c.gens {
		if _, ok := gens[acct]; !ok {
			gone = true
		}
	}
	c.gens = gens
	c.mu.Unlock()
	if gone {
		c.Purge()
		return
	}
	if len(changed) > 0 {
		c.Invalidate(changed)
	}
}

// Invalidate drops what the cache holds of the accounts.
func (c *Cache) Invalidate(accountIDs []string) {
	c.mu.Lock()
	c.clock++
	for _, a := range accountIDs {
		c.inval[a] = c.clock
	}
	c.mu.Unlock()
}

// Purge drops everything (a test-mode reset, a failed poll).
func (c *Cache) Purge() {
	c.mu.Lock()
	c.clock++
	c.purged = c.clock
	c.gens = map[string]int64{}
	c.mu.Unlock()
	c.keys.Purge()
	c.users.Purge()
	c.roles.Purge()
	c.identity.Purge()
	c.rolePol.Purge()
	c.managed.Purge()
}

// begin is the clock value a load starts at.
func (c *Cache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clock
}

// valid tells whether an entry of account loaded at clock value loaded
// is still good: no invalidation of the account came after its load began.
// An account never invalidated is valid from the start.
func (c *Cache) valid(account string, loaded uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inval[account] <= loaded && c.purged <= loaded
}

// AccessKey is Store.AccessKey, cached. A key that is not found is not
// cached: an unknown key id belongs to no account whose generation could
// tell when it appears.
func (c *Cache) AccessKey(ctx context.Context, id string) (*iam.AccessKey, *iam.User, error) {
	if e, ok := c.keys.Get(id); ok && c.valid(e.account, e.loaded) {
		k, u := e.key, e.user
		return &k, &u, nil
	}
	at := c.begin()
	k, u, err := c.Store.AccessKey(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	c.keys.Add(id, cachedKey{account: u.AccountID, loaded: at, key: *k, user: *u})
	return k, u, nil
}

// UserByID is Store.UserByID, cached.
func (c *Cache) UserByID(ctx context.Context, accountID, id string) (*iam.User, error) {
	v, err := through(c, c.users, accountID, accountID+"/"+id, func() (iam.User, error) {
		u, err := c.Store.UserByID(ctx, accountID, id)
		if err != nil {
			return iam.User{}, err
		}
		return *u, nil
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// RoleByID is Store.RoleByID, cached.
func (c *Cache) RoleByID(ctx context.Context, accountID, id string) (*iam.Role, error) {
	v, err := through(c, c.roles, accountID, accountID+"/"+id, func() (iam.Role, error) {
		r, err := c.Store.RoleByID(ctx, accountID, id)
		if err != nil {
			return iam.Role{}, err
		}
		return *r, nil
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// IdentityPolicies is Store.IdentityPolicies, cached.
func (c *Cache) IdentityPolicies(ctx context.Context, accountID, userID string) ([]iam.PolicyDocument, error) {
	return through(c, c.identity, accountID, accountID+"/"+userID, func() ([]iam.PolicyDocument, error) {
		return c.Store.IdentityPolicies(ctx, accountID, userID)
	})
}

// RolePolicies is Store.RolePolicies, cached.
func (c *Cache) RolePolicies(ctx context.Context, accountID, roleID string) ([]iam.PolicyDocument, error) {
	return through(c, c.rolePol, accountID, accountID+"/"+roleID, func() ([]iam.PolicyDocument, error) {
		return c.Store.RolePolicies(ctx, accountID, roleID)
	})
}

// ManagedPolicyDocuments is Store.ManagedPolicyDocuments, cached (session
// policy ARNs of role sessions).
func (c *Cache) ManagedPolicyDocuments(ctx context.Context, accountID string, arns []string) ([]iam.PolicyDocument, error) {
	return through(c, c.managed, accountID, accountID+"\x00"+strings.Join(arns, "\x00"), func() ([]iam.PolicyDocument, error) {
		return c.Store.ManagedPolicyDocuments(ctx, accountID, arns)
	})
}

// through returns the valid cached value under key or loads it. Errors
// (not found included) are not cached. Slices are shared between callers:
// they only read them.
func through[T any](c *Cache, l *lru.Cache[string, cached[T]], account, key string, load func() (T, error)) (T, error) {
	if e, ok := l.Get(key); ok && c.valid(account, e.loaded) {
		return e.value, nil
	}
	at := c.begin()
	v, err := load()
	if err != nil {
		return v, err
	}
	l.Add(key, cached[T]{account: account, loaded: at, value: v})
	return v, nil
}
