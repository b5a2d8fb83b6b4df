package store

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/iamd/iamd/internal/iam"
)

// Cache is a read-through cache in front of a Store for what every signed
// request reads before its operation runs: access keys with their owners,
// users by id and by name, roles by id, and the policy documents authz
// evaluates. It is a
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
//
// The cache fails closed: once Run has started, no entry is served when
// the last poll that succeeded began more than three poll intervals ago
// (a poll that blocks, on a cut connection or behind a lock, is cut off
// after two), so a node that cannot see the other nodes' writes reads
// through to the store instead of trusting what it holds.
type Cache struct {
	*Store
	poll time.Duration
	log  *slog.Logger

	polling atomic.Bool  // Run has started
	base    time.Time    // what fresh is measured from (monotonic)
	fresh   atomic.Int64 // ns after base at which the last successful poll began

	mu     sync.Mutex
	clock  uint64            // the invalidation clock
	purged uint64            // clock value of the last Purge
	inval  map[string]uint64 // account → clock value of its last invalidation
	gens   map[string]int64  // account → generation at the last poll

	keys     *boundedLRU[cachedKey]
	users    *boundedLRU[cached[iam.User]]
	roles    *boundedLRU[cached[iam.Role]]
	identity *boundedLRU[cached[[]iam.PolicyDocument]]
	rolePol  *boundedLRU[cached[[]iam.PolicyDocument]]
	managed  *boundedLRU[cached[[]iam.PolicyDocument]]
	devices  *boundedLRU[cached[devicePage]]
}

// devicePage is one page of MFADeviceList.
type devicePage struct {
	devices []iam.MFADevice
	next    string
}

// CacheOptions tune a Cache. The zero value works.
type CacheOptions struct {
	// Size bounds each of the cache's maps (keys, users, roles and the
	// three kinds of policy lists) by entries. Default 100,000.
	Size int
	// PolicyBytes bounds the policy documents each of the three policy
	// maps holds, in bytes of document text. Default 32 MiB, so the
	// documents take at most about 100 MiB however large the policies of
	// the users that sign requests.
	PolicyBytes int64
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
	cost    int64 // bytes counted against the map's budget
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
	if o.PolicyBytes <= 0 {
		o.PolicyBytes = 32 << 20
	}
	c := &Cache{Store: st, poll: o.Poll, log: o.Logger, base: time.Now(), inval: map[string]uint64{}, gens: map[string]int64{}}
	c.keys = newBoundedLRU[cachedKey](o.Size, 0, nil)
	c.users = newBoundedLRU[cached[iam.User]](o.Size, 0, nil)
	c.roles = newBoundedLRU[cached[iam.Role]](o.Size, 0, nil)
	docCost := func(e cached[[]iam.PolicyDocument]) int64 { return e.cost }
	c.identity = newBoundedLRU(o.Size, o.PolicyBytes, docCost)
	c.rolePol = newBoundedLRU(o.Size, o.PolicyBytes, docCost)
	c.managed = newBoundedLRU(o.Size, o.PolicyBytes, docCost)
	c.devices = newBoundedLRU[cached[devicePage]](o.Size, 0, nil)
	c.fresh.Store(-1 << 62) // no poll yet: nothing is current once Run starts
	st.OnCommit(c.Invalidate)
	st.OnReset(c.Purge)
	return c
}

// boundedLRU is an LRU bounded by entries and, when maxBytes > 0, by the
// bytes cost reports. Adds, removals and their evictions are serialised
// by mu so the byte count stays exact (the LRU's own callback runs inside
// its operations, all of which happen under mu).
type boundedLRU[V any] struct {
	mu       sync.Mutex
	l        *lru.Cache[string, V]
	cost     func(V) int64
	bytes    int64
	maxBytes int64
}

func newBoundedLRU[V any](size int, maxBytes int64, cost func(V) int64) *boundedLRU[V] {
	b := &boundedLRU[V]{cost: cost, maxBytes: maxBytes}
	l, err := lru.NewWithEvict(size, func(_ string, v V) {
		if b.cost != nil {
			b.bytes -= b.cost(v)
		}
	})
	if err != nil {
		panic(err) // only for a size ≤ 0, which NewCache rules out
	}
	b.l = l
	return b
}

func (b *boundedLRU[V]) get(key string) (V, bool) { return b.l.Get(key) }

func (b *boundedLRU[V]) add(key string, v V) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.l.Remove(key) // a replaced value's bytes leave with it
	if b.cost != nil {
		c := b.cost(v)
		if b.maxBytes > 0 && c > b.maxBytes {
			return // larger than the whole budget: not cached
		}
		b.bytes += c
	}
	b.l.Add(key, v)
	for b.maxBytes > 0 && b.bytes > b.maxBytes {
		if _, _, ok := b.l.RemoveOldest(); !ok {
			break
		}
	}
}

func (b *boundedLRU[V]) remove(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.l.Remove(key)
}

func (b *boundedLRU[V]) purge() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.l.Purge()
}

// usage is the entries and bytes held (for tests).
func (b *boundedLRU[V]) usage() (int, int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.l.Len(), b.bytes
}

// Run polls the accounts' generations until ctx ends, invalidating the
// accounts whose generation moved (and everything, when an account
// disappears or the poll fails, since then nothing is known).
func (c *Cache) Run(ctx context.Context) {
	c.polling.Store(true)
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

// Poll reads the generations once and invalidates what changed. A poll
// that takes longer than two intervals is abandoned as failed.
func (c *Cache) Poll(ctx context.Context) {
	began := time.Now()
	pctx, cancel := context.WithTimeout(ctx, 2*c.poll)
	defer cancel()
	gens, err := c.Store.Generations(pctx)
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
	} else if len(changed) > 0 {
		c.Invalidate(changed)
	}
	// Only now, with what the poll saw applied, are entries current up to
	// the moment it began.
	c.fresh.Store(int64(began.Sub(c.base)))
}

// current tells whether cached entries may be served at all: always
// without Run (one process, whose own writes invalidate as they commit),
// and with Run only while the last successful poll is recent.
func (c *Cache) current() bool {
	if !c.polling.Load() {
		return true
	}
	// Measured on the monotonic clock: stepping the wall clock back cannot
	// make an old poll look recent.
	return time.Since(c.base)-time.Duration(c.fresh.Load()) <= 3*c.poll
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
	c.keys.purge()
	c.users.purge()
	c.roles.purge()
	c.identity.purge()
	c.rolePol.purge()
	c.managed.purge()
	c.devices.purge()
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
	if !c.current() {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inval[account] <= loaded && c.purged <= loaded
}

// AccessKey is Store.AccessKey, cached. A key that is not found is not
// cached: an unknown key id belongs to no account whose generation could
// tell when it appears.
func (c *Cache) AccessKey(ctx context.Context, id string) (*iam.AccessKey, *iam.User, error) {
	if e, ok := c.keys.get(id); ok {
		if c.valid(e.account, e.loaded) {
			k, u := e.key, cloneUser(e.user)
			return &k, &u, nil
		}
		// A stale entry goes at once: a deleted key's secret is not kept.
		c.keys.remove(id)
	}
	at := c.begin()
	k, u, err := c.Store.AccessKey(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	c.keys.add(id, cachedKey{account: u.AccountID, loaded: at, key: *k, user: cloneUser(*u)})
	return k, u, nil
}

// cloneUser and cloneRole copy what a caller could change in place, so
// that no request alters what the next one reads from the cache.
func cloneUser(u iam.User) iam.User {
	u.Tags = slices.Clone(u.Tags)
	return u
}

func cloneRole(r iam.Role) iam.Role {
	r.Tags = slices.Clone(r.Tags)
	r.TrustPins = slices.Clone(r.TrustPins)
	return r
}

func cloneDocs(d []iam.PolicyDocument) []iam.PolicyDocument { return slices.Clone(d) }

// docsCost is what a list of documents counts against a policy map.
func docsCost(d []iam.PolicyDocument) int64 {
	n := int64(64)
	for _, p := range d {
		n += int64(len(p.ID)+len(p.Document)) + 32
	}
	return n
}

// UserByID is Store.UserByID, cached.
func (c *Cache) UserByID(ctx context.Context, accountID, id string) (*iam.User, error) {
	return throughPtr(c, c.users, accountID, accountID+"/"+id, func() (*iam.User, error) {
		return c.Store.UserByID(ctx, accountID, id)
	}, cloneUser)
}

// UserByName is Store.UserByName, cached: most IAM operations name the
// user they act on, and resolving it was a query of its own per request.
func (c *Cache) UserByName(ctx context.Context, accountID, name string) (*iam.User, error) {
	return throughPtr(c, c.users, accountID, accountID+"\x00name\x00"+strings.ToLower(name), func() (*iam.User, error) {
		return c.Store.UserByName(ctx, accountID, name)
	}, cloneUser)
}

// MFADeviceList is Store.MFADeviceList, cached: the devices as
// ListMFADevices shows them, which only enabling, deactivating and
// deleting a device change, each in a transaction that bumps the
// account's generation. Devices for checking codes (MFADevice,
// ListMFADevices) are never cached.
func (c *Cache) MFADeviceList(ctx context.Context, accountID, userID string, page iam.Page) ([]iam.MFADevice, string, error) {
	key := accountID + "\x00devices\x00" + userID + "\x00" + page.Marker + "\x00" + strconv.Itoa(page.MaxItems)
	v, err := through(c, c.devices, accountID, key, func() (devicePage, error) {
		ds, next, err := c.Store.MFADeviceList(ctx, accountID, userID, page)
		return devicePage{ds, next}, err
	}, cloneDevicePage, nil)
	return v.devices, v.next, err
}

func cloneDevicePage(p devicePage) devicePage {
	out := devicePage{devices: slices.Clone(p.devices), next: p.next}
	for i := range out.devices {
		out.devices[i].Tags = slices.Clone(out.devices[i].Tags)
	}
	return out
}

// RoleByID is Store.RoleByID, cached.
func (c *Cache) RoleByID(ctx context.Context, accountID, id string) (*iam.Role, error) {
	return throughPtr(c, c.roles, accountID, accountID+"/"+id, func() (*iam.Role, error) {
		return c.Store.RoleByID(ctx, accountID, id)
	}, cloneRole)
}

// IdentityPolicies is Store.IdentityPolicies, cached.
func (c *Cache) IdentityPolicies(ctx context.Context, accountID, userID string) ([]iam.PolicyDocument, error) {
	return through(c, c.identity, accountID, accountID+"/"+userID, func() ([]iam.PolicyDocument, error) {
		return c.Store.IdentityPolicies(ctx, accountID, userID)
	}, cloneDocs, docsCost)
}

// RolePolicies is Store.RolePolicies, cached.
func (c *Cache) RolePolicies(ctx context.Context, accountID, roleID string) ([]iam.PolicyDocument, error) {
	return through(c, c.rolePol, accountID, accountID+"/"+roleID, func() ([]iam.PolicyDocument, error) {
		return c.Store.RolePolicies(ctx, accountID, roleID)
	}, cloneDocs, docsCost)
}

// ManagedPolicyDocuments is Store.ManagedPolicyDocuments, cached (session
// policy ARNs of role sessions).
func (c *Cache) ManagedPolicyDocuments(ctx context.Context, accountID string, arns []string) ([]iam.PolicyDocument, error) {
	return through(c, c.managed, accountID, accountID+"\x00"+strings.Join(arns, "\x00"), func() ([]iam.PolicyDocument, error) {
		return c.Store.ManagedPolicyDocuments(ctx, accountID, arns)
	}, cloneDocs, docsCost)
}

// through returns the valid cached value under key or loads it. Errors
// (not found included) are not cached. What is stored and what is
// returned are copies (clone), so callers may change what they get; cost,
// when given, is what the value counts against the map's byte budget.
func through[T any](c *Cache, l *boundedLRU[cached[T]], account, key string, load func() (T, error), clone func(T) T, cost func(T) int64) (T, error) {
	if e, ok := l.get(key); ok {
		if c.valid(account, e.loaded) {
			return clone(e.value), nil
		}
		l.remove(key)
	}
	at := c.begin()
	v, err := load()
	if err != nil {
		return v, err
	}
	e := cached[T]{account: account, loaded: at, value: clone(v)}
	if cost != nil {
		e.cost = cost(v)
	}
	l.add(key, e)
	return v, nil
}

// throughPtr is through for the store's loaders that return a pointer.
func throughPtr[T any](c *Cache, l *boundedLRU[cached[T]], account, key string, load func() (*T, error), clone func(T) T) (*T, error) {
	v, err := through(c, l, account, key, func() (T, error) {
		p, err := load()
		if err != nil {
			var zero T
			return zero, err
		}
		return *p, nil
	}, clone, nil)
	if err != nil {
		return nil, err
	}
	return &v, nil
}
