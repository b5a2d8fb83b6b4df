package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/storetest"
)

const adminARN = "arn:aws:iam::aws:policy/AdministratorAccess"

// TestResetForTest wipes every account's entities and creates the seed in
// one transaction, on every engine; AWS-managed policies and the master
// key's record stay (the store reopens with the same key).
func TestResetForTest(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			st := e.Open(t)
			if ok, err := st.WipeableForTest(ctx); err != nil || !ok {
				t.Fatalf("an empty store: WipeableForTest = %v, %v; want true", ok, err)
			}
			// Some state in two accounts: users, keys, a customer policy
			// with an attachment.
			for _, id := range []string{"111111111111", "222222222222"} {
				acct := &iam.Account{ID: id, Email: id + "@example.com", CreatedAt: t0}
				root := &iam.User{AccountID: id, ID: id, Name: iam.RootUserName, Path: "/", Root: true, CreatedAt: t0}
				key := &iam.AccessKey{ID: "AKIA" + id + "XXXX", AccountID: id, UserID: id, Secret: "s", Status: iam.KeyActive, CreatedAt: t0}
				if err := st.CreateAccount(ctx, acct, root, "", key); err != nil {
					t.Fatal(err)
				}
				u := &iam.User{AccountID: id, ID: "AIDA" + id, Name: "alice", Path: "/", CreatedAt: t0}
				if err := st.CreateUser(ctx, u, 100); err != nil {
					t.Fatal(err)
				}
				pol := &iam.ManagedPolicy{ARN: "arn:aws:iam::" + id + ":policy/p", ID: "ANPA" + id, AccountID: id, Name: "p", Path: "/",
					DefaultVersion: "v1", CreatedAt: t0, UpdatedAt: t0}
				if err := st.CreatePolicy(ctx, pol, `{"Version":"2012-10-17","Statement":[]}`, 100); err != nil {
					t.Fatal(err)
				}
				for _, arn := range []string{pol.ARN, adminARN} {
					if err := st.AttachPolicy(ctx, id, iam.Entity{Kind: iam.EntityUser, ID: u.ID, Name: u.Name, Path: "/"}, arn, 10); err != nil {
						t.Fatal(err)
					}
				}
			}
			if ok, err := st.WipeableForTest(ctx); err != nil || ok {
				t.Fatalf("a store with accounts of its own: WipeableForTest = %v, %v; want false", ok, err)
			}
			const acct = "123456789012"
			seed := store.TestSeed{
				Account: iam.Account{ID: acct, Email: "root@example.com", CreatedAt: t0},
				Users: []iam.User{
					{AccountID: acct, ID: acct, Name: iam.RootUserName, Path: "/", Root: true, CreatedAt: t0},
					{AccountID: acct, ID: "AIDATESTADMIN", Name: "test-admin", Path: "/", CreatedAt: t0},
				},
				Keys:        []iam.AccessKey{{ID: "FOOBARKEY", AccountID: acct, UserID: "AIDATESTADMIN", Secret: "FOOBARSECRET", Status: iam.KeyActive, CreatedAt: t0}},
				Attachments: []store.TestAttachment{{UserID: "AIDATESTADMIN", PolicyARN: adminARN}},
			}
			for round := 0; round < 2; round++ { // a reset resets a reset
				if err := st.ResetForTest(ctx, seed); err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				accts, err := st.Accounts(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(accts) != 1 || accts[0].ID != acct || accts[0].Email != "root@example.com" {
					t.Fatalf("round %d: accounts after reset = %+v", round, accts)
				}
				k, u, err := st.AccessKey(ctx, "FOOBARKEY")
				if err != nil || k.Secret != "FOOBARSECRET" || u.Name != "test-admin" {
					t.Fatalf("round %d: FOOBARKEY = %+v, %+v, %v", round, k, u, err)
				}
				if _, _, err := st.AccessKey(ctx, "AKIA111111111111XXXX"); !errors.Is(err, iam.ErrNotFound) {
					t.Fatalf("round %d: an old key survived: %v", round, err)
				}
				if _, err := st.Policy(ctx, "111111111111", "arn:aws:iam::111111111111:policy/p"); !errors.Is(err, iam.ErrNotFound) {
					t.Fatalf("round %d: a customer policy survived: %v", round, err)
				}
				if _, err := st.Policy(ctx, acct, adminARN); err != nil {
					t.Fatalf("round %d: AdministratorAccess is gone: %v", round, err)
				}
				if ok, err := st.WipeableForTest(ctx); err != nil || !ok {
					t.Fatalf("round %d: a reset store: WipeableForTest = %v, %v; want true", round, ok, err)
				}
				att, _, err := st.ListAttachedPolicies(ctx, acct, iam.Entity{Kind: iam.EntityUser, ID: "AIDATESTADMIN", Name: "test-admin", Path: "/"}, "/", iam.Page{MaxItems: 10})
				if err != nil || len(att) != 1 || att[0].ARN != adminARN {
					t.Fatalf("round %d: test-admin's policies = %+v, %v", round, att, err)
				}
			}
		})
	}
}
