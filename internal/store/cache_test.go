package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/storetest"
)

// twoNodes opens two stores on one database, as two iamd nodes (or a node
// and an iamd command on the same SQLite file) see it.
func twoNodes(t *testing.T, e storetest.Engine) (a, b *store.Store) {
	t.Helper()
	a, b, _ = twoNodesConfig(t, e)
	return a, b
}

// twoNodesConfig is twoNodes, also giving the stores' config.
func twoNodesConfig(t *testing.T, e storetest.Engine) (a, b *store.Store, cfg store.Config) {
	t.Helper()
	cfg = e.Config(t, t.TempDir())
	open := func() *store.Store {
		st, err := store.Open(context.Background(), cfg, storetest.Sealer(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	return open(), open(), cfg
}

// cacheFixture is an account with a user, its access key and an inline
// policy, written through st.
func cacheFixture(t *testing.T, st *store.Store) (acct string, u *iam.User, keyID string) {
	t.Helper()
	ctx := context.Background()
	acct = "210987654321"
	root := &iam.User{ID: acct, AccountID: acct, Name: iam.RootUserName, Path: "/", Root: true, CreatedAt: time.Now()}
	if err := st.CreateAccount(ctx, &iam.Account{ID: acct, Email: "c@example.com", CreatedAt: time.Now()}, root, "", nil); err != nil {
		t.Fatal(err)
	}
	u = &iam.User{ID: "AIDACACHETEST0000001", AccountID: acct, Name: "alice", Path: "/", CreatedAt: time.Now()}
	if err := st.CreateUser(ctx, u, 100); err != nil {
		t.Fatal(err)
	}
	keyID = "AKIACACHETEST0000001"
	if err := st.CreateAccessKey(ctx, &iam.AccessKey{ID: keyID, AccountID: acct, UserID: u.ID, Secret: "s3cr3t", Status: iam.KeyActive, CreatedAt: time.Now()}, 2); err != nil {
		t.Fatal(err)
	}
	return acct, u, keyID
}

// TestCacheLocalWrites: this process's writes are seen at once, and a warm
// cache answers the request-path reads without a round trip.
func TestCacheLocalWrites(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			st := e.Open(t)
			c := store.NewCache(st, store.CacheOptions{})
			acct, u, keyID := cacheFixture(t, st)

			for range 2 {
				if _, _, err := c.AccessKey(ctx, keyID); err != nil {
					t.Fatal(err)
				}
				if _, err := c.IdentityPolicies(ctx, acct, u.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := c.UserByID(ctx, acct, u.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := c.UserByName(ctx, acct, "ALICE"); err != nil {
					t.Fatal(err)
				}
			}
			before := st.RoundTrips()
			for range 10 {
				c.AccessKey(ctx, keyID)
				c.IdentityPolicies(ctx, acct, u.ID)
				c.UserByID(ctx, acct, u.ID)
				c.UserByName(ctx, acct, "alice")
			}
			if n := st.RoundTrips() - before; n != 0 {
				t.Errorf("warm cache: %d round trips for 40 reads, want 0", n)
			}
			if _, err := c.UserByName(ctx, acct, "bob"); err == nil {
				t.Fatal("UserByName found a user that does not exist")
			}

			if err := st.UpdateAccessKey(ctx, acct, u.ID, keyID, iam.KeyInactive); err != nil {
				t.Fatal(err)
			}
			k, _, err := c.AccessKey(ctx, keyID)
			if err != nil || k.Status != iam.KeyInactive {
				t.Fatalf("after deactivating the key here: cached status = %v, %v; want Inactive at once", k, err)
			}
			if err := st.PutInlinePolicy(ctx, acct, iam.Entity{Kind: iam.EntityUser, ID: u.ID, Name: u.Name}, "p", `{"Version":"2012-10-17","Statement":[]}`, func(s string) int { return len(s) }, 10000); err != nil {
				t.Fatal(err)
			}
			docs, err := c.IdentityPolicies(ctx, acct, u.ID)
			if err != nil || len(docs) != 1 {
				t.Fatalf("after a new inline policy: %d documents, %v; want 1 at once", len(docs), err)
			}
			if err := st.DeleteAccessKey(ctx, acct, u.ID, keyID); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.AccessKey(ctx, keyID); err == nil {
				t.Fatal("a deleted key still authenticates from the cache")
			}
			if err := st.UpdateUser(ctx, acct, u.ID, "carol", "/"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.UserByName(ctx, acct, "alice"); err == nil {
				t.Fatal("a renamed user is still found by its old name from the cache")
			}
			if got, err := c.UserByName(ctx, acct, "carol"); err != nil || got.ID != u.ID {
				t.Fatalf("UserByName(carol) = %v, %v", got, err)
			}
		})
	}
}

// TestCacheOtherNode: another node's writes are seen after the next poll,
// not before the poll has run (so the test shows the poll is what does it).
func TestCacheOtherNode(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			a, b := twoNodes(t, e)
			acct, u, keyID := cacheFixture(t, a)
			c := store.NewCache(a, store.CacheOptions{})
			c.Poll(ctx)
			if _, _, err := c.AccessKey(ctx, keyID); err != nil {
				t.Fatal(err)
			}
			if err := b.UpdateAccessKey(ctx, acct, u.ID, keyID, iam.KeyInactive); err != nil {
				t.Fatal(err)
			}
			if k, _, _ := c.AccessKey(ctx, keyID); k.Status != iam.KeyActive {
				t.Fatalf("the other node's write was seen before any poll (status %s): the test cannot tell the poll works", k.Status)
			}
			c.Poll(ctx)
			if k, _, _ := c.AccessKey(ctx, keyID); k.Status != iam.KeyInactive {
				t.Fatalf("after a poll: status %s, want Inactive", k.Status)
			}

			// Run polls on its own, within a second.
			runCtx, stop := context.WithCancel(ctx)
			defer stop()
			go c.Run(runCtx)
			if err := b.UpdateAccessKey(ctx, acct, u.ID, keyID, iam.KeyActive); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(time.Second)
			for {
				k, _, _ := c.AccessKey(ctx, keyID)
				if k.Status == iam.KeyActive {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the other node's write was not seen within 1 s")
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// TestCacheFailsClosed: once Run has started, a cache whose polls stop
// succeeding (a cut connection, a poll stuck behind a lock, a stopped
// poller) serves nothing it holds, so another node's revocation is
// honoured even though this node never saw the generation move.
func TestCacheFailsClosed(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			a, b := twoNodes(t, e)
			acct, u, keyID := cacheFixture(t, a)
			c := store.NewCache(a, store.CacheOptions{Poll: 50 * time.Millisecond})
			runCtx, stopRun := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { c.Run(runCtx); close(done) }()
			waitWarm(t, c, a, keyID)

			// The poller stops: nothing more is known of the other nodes.
			stopRun()
			<-done
			// Run's last poll may have purged on its way out: fill the
			// cache again, so that what is tested is the refusal to serve.
			for range 2 {
				if _, _, err := c.AccessKey(ctx, keyID); err != nil {
					t.Fatal(err)
				}
			}
			if err := b.DeleteAccessKey(ctx, acct, u.ID, keyID); err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond) // more than three poll intervals
			if _, _, err := c.AccessKey(ctx, keyID); err == nil {
				t.Fatal("a key deleted on another node still authenticates on a node whose poller stopped")
			}
		})
	}
}

// waitWarm waits for Run's first poll and warms keyID, checking that the
// cache then answers without a round trip.
func waitWarm(t *testing.T, c *store.Cache, st *store.Store, keyID string) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, _, err := c.AccessKey(ctx, keyID); err != nil {
			t.Fatal(err)
		}
		before := st.RoundTrips()
		c.AccessKey(ctx, keyID)
		if st.RoundTrips() == before {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the cache never served the key from memory")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCacheStuckPoll: a poll that blocks (here behind an exclusive lock
// on the accounts table, as a migration or VACUUM FULL takes) is cut off,
// and the node reads through to the store meanwhile.
func TestCacheStuckPoll(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		if e.Name != "postgres" {
			continue // SQLite's readers are never blocked by a writer (WAL)
		}
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			a, b, cfg := twoNodesConfig(t, e)
			acct, u, keyID := cacheFixture(t, a)
			c := store.NewCache(a, store.CacheOptions{Poll: 50 * time.Millisecond})
			runCtx, stopRun := context.WithCancel(ctx)
			defer stopRun()
			go c.Run(runCtx)
			waitWarm(t, c, a, keyID)

			if err := b.DeleteAccessKey(ctx, acct, u.ID, keyID); err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open("pgx", cfg.DatabaseURL)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.ExecContext(ctx, `LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE`); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond)
			if _, _, err := c.AccessKey(ctx, keyID); err == nil {
				t.Fatal("a key deleted on another node authenticates while this node's poll is stuck behind a lock")
			}
		})
	}
}

// TestCachePolicyBytes: the policy maps are bounded by bytes of document,
// not only by entries; a list larger than the whole budget is not kept.
func TestCachePolicyBytes(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			st := e.Open(t)
			acct, _, _ := cacheFixture(t, st)
			const budget = 20 << 10
			c := store.NewCache(st, store.CacheOptions{PolicyBytes: budget})
			doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Sid":"` +
				strings.Repeat("p", 4000) + `"}]}`
			var ids []string
			for i := range 12 {
				u := &iam.User{ID: fmt.Sprintf("AIDABYTESTEST%07d", i), AccountID: acct, Name: fmt.Sprintf("u%d", i), Path: "/", CreatedAt: time.Now()}
				if err := st.CreateUser(ctx, u, 100); err != nil {
					t.Fatal(err)
				}
				if err := st.PutInlinePolicy(ctx, acct, iam.Entity{Kind: iam.EntityUser, ID: u.ID, Name: u.Name}, "p", doc,
					func(s string) int { return len(s) }, 100000); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, u.ID)
			}
			for _, id := range ids {
				docs, err := c.IdentityPolicies(ctx, acct, id)
				if err != nil || len(docs) != 1 {
					t.Fatalf("IdentityPolicies(%s) = %d docs, %v", id, len(docs), err)
				}
			}
			n, bytes := store.CacheIdentityUsage(c)
			if bytes > budget || n >= len(ids) || n == 0 {
				t.Errorf("identity map holds %d lists, %d bytes; want 0 < lists < %d and bytes ≤ %d", n, bytes, len(ids), budget)
			}
			// The most recent lists are the ones kept.
			before := st.RoundTrips()
			c.IdentityPolicies(ctx, acct, ids[len(ids)-1])
			if st.RoundTrips() != before {
				t.Error("the most recently loaded list was evicted")
			}

			// A list over the whole budget is never kept.
			big := store.NewCache(st, store.CacheOptions{PolicyBytes: 1000})
			for range 2 {
				big.IdentityPolicies(ctx, acct, ids[0])
			}
			if n, _ := store.CacheIdentityUsage(big); n != 0 {
				t.Errorf("a list larger than the budget was cached (%d lists)", n)
			}
		})
	}
}

// TestCacheReturnsCopies: a caller that changes what it got (a tag, a
// document list) does not change what the next request reads.
func TestCacheReturnsCopies(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			st := e.Open(t)
			acct, u, keyID := cacheFixture(t, st)
			if err := st.TagUser(ctx, acct, u.ID, []iam.Tag{{Key: "team", Value: "blue"}}, 50); err != nil {
				t.Fatal(err)
			}
			c := store.NewCache(st, store.CacheOptions{})
			for range 2 {
				_, owner, err := c.AccessKey(ctx, keyID)
				if err != nil {
					t.Fatal(err)
				}
				got, err := c.UserByID(ctx, acct, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(owner.Tags) != 1 || owner.Tags[0].Value != "blue" || len(got.Tags) != 1 || got.Tags[0].Value != "blue" {
					t.Fatalf("tags %v / %v, want team=blue (a caller's change leaked into the cache)", owner.Tags, got.Tags)
				}
				owner.Tags[0].Value = "red"
				got.Tags[0].Value = "red"
			}
		})
	}
}

// TestResetRaisesGeneration: a test-mode reset leaves the account with a
// generation above any it had, so a node comparing generations for
// equality cannot mistake the reset store for the one it cached.
func TestResetRaisesGeneration(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			a, b := twoNodes(t, e)
			acct, u, keyID := cacheFixture(t, a)
			for range 3 {
				if err := a.UpdateAccessKey(ctx, acct, u.ID, keyID, iam.KeyActive); err != nil {
					t.Fatal(err)
				}
			}
			c := store.NewCache(b, store.CacheOptions{})
			c.Poll(ctx)
			if _, _, err := c.AccessKey(ctx, keyID); err != nil {
				t.Fatal(err)
			}
			before, err := a.Generations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			seed := store.TestSeed{
				Account: iam.Account{ID: acct, Email: "c@example.com", CreatedAt: time.Unix(1, 0)},
				Users:   []iam.User{{AccountID: acct, ID: acct, Name: iam.RootUserName, Path: "/", Root: true, CreatedAt: time.Unix(1, 0)}},
			}
			if err := a.ResetForTest(ctx, seed); err != nil {
				t.Fatal(err)
			}
			after, err := a.Generations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after[acct] <= before[acct] {
				t.Fatalf("generation %d after the reset, %d before: want it higher", after[acct], before[acct])
			}
			c.Poll(ctx)
			if _, _, err := c.AccessKey(ctx, keyID); err == nil {
				t.Fatal("the other node still authenticates a key the reset wiped")
			}
		})
	}
}

// TestCacheDeviceList: the cached device list carries no seed or
// counters, follows this node's enable at once and another node's after a
// poll.
func TestCacheDeviceList(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			a, b := twoNodes(t, e)
			acct, u, _ := cacheFixture(t, a)
			c := store.NewCache(a, store.CacheOptions{})
			c.Poll(ctx)
			page := iam.Page{MaxItems: 100}
			newDevice := func(st *store.Store, name string) string {
				serial := "arn:aws:iam::" + acct + ":mfa/" + name
				d := &iam.MFADevice{Serial: serial, AccountID: acct, Kind: iam.DeviceVirtual, Path: "/", Name: name,
					Secret: []byte("12345678901234567890"), Digits: 6, Period: 30, CreatedAt: time.Now()}
				if err := st.CreateMFADevice(ctx, d, 100); err != nil {
					t.Fatal(err)
				}
				if err := st.EnableMFADevice(ctx, acct, serial, u.ID, 10, 0, time.Now(), 8); err != nil {
					t.Fatal(err)
				}
				return serial
			}
			if ds, _, err := c.MFADeviceList(ctx, acct, u.ID, page); err != nil || len(ds) != 0 {
				t.Fatalf("MFADeviceList = %v, %v; want none", ds, err)
			}
			newDevice(a, "phone")
			ds, _, err := c.MFADeviceList(ctx, acct, u.ID, page)
			if err != nil || len(ds) != 1 {
				t.Fatalf("after enabling here: %d devices, %v; want 1 at once", len(ds), err)
			}
			if ds[0].Secret != nil || ds[0].LastStep != 0 {
				t.Errorf("the listed device carries its seed or counters: %+v", ds[0])
			}
			newDevice(b, "key")
			if ds, _, _ := c.MFADeviceList(ctx, acct, u.ID, page); len(ds) != 1 {
				t.Fatalf("the other node's enable was seen before a poll (%d devices): the test cannot tell the poll works", len(ds))
			}
			c.Poll(ctx)
			if ds, _, _ := c.MFADeviceList(ctx, acct, u.ID, page); len(ds) != 2 {
				t.Fatalf("after a poll: %d devices, want 2", len(ds))
			}
		})
	}
}

// TestSQLiteWriterWaitsWithContext: a write queued behind this process's
// SQLite writer lock gives up when its request's context ends, and goes
// through once the lock is free.
func TestSQLiteWriterWaitsWithContext(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		if e.Name != "sqlite" {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			st := e.Open(t)
			acct, _, _ := cacheFixture(t, st)
			release := store.HoldWriter(st)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			u := &iam.User{ID: "AIDAWAITTEST00000001", AccountID: acct, Name: "waiter", Path: "/", CreatedAt: time.Now()}
			if err := st.CreateUser(ctx, u, 100); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("CreateUser behind a held writer lock = %v, want the context's deadline", err)
			}
			release()
			if err := st.CreateUser(context.Background(), u, 100); err != nil {
				t.Fatalf("CreateUser after the lock was released: %v", err)
			}
		})
	}
}

// TestPoolCap: PostgreSQL's connections are capped so that three nodes
// fit within its default max_connections; SQLite's are not.
func TestPoolCap(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			st := e.Open(t)
			want := 0
			if e.Name == "postgres" {
				want = 24
			}
			if got := store.MaxOpenConns(st); got != want {
				t.Errorf("MaxOpenConns = %d, want %d", got, want)
			}
		})
	}
}
