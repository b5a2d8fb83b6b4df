package store_test

import (
	"context"
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
	cfg := e.Config(t, t.TempDir())
	open := func() *store.Store {
		st, err := store.Open(context.Background(), cfg, storetest.Sealer(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	return open(), open()
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
			}
			before := st.RoundTrips()
			for range 10 {
				c.AccessKey(ctx, keyID)
				c.IdentityPolicies(ctx, acct, u.ID)
				c.UserByID(ctx, acct, u.ID)
			}
			if n := st.RoundTrips() - before; n != 0 {
				t.Errorf("warm cache: %d round trips for 30 reads, want 0", n)
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
