package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/store/storetest"
)

// TestConsoleSessions creates, reads, touches and deletes console sessions
// on every engine.
func TestConsoleSessions(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			st := e.Open(t)
			cs := &iam.ConsoleSession{ID: "abc", AccountID: "123456789012", UserID: "AIDAEXAMPLE", MFAPending: true,
				CreatedAt: t0, LastSeen: t0}
			if err := st.CreateConsoleSession(ctx, cs); err != nil {
				t.Fatal(err)
			}
			if err := st.CreateConsoleSession(ctx, cs); !errors.Is(err, iam.ErrExists) {
				t.Errorf("CreateConsoleSession(same id) = %v, want ErrExists", err)
			}
			mfa := &iam.ConsoleSession{ID: "def", AccountID: "123456789012", UserID: "AIDAEXAMPLE", MFAAuthenticatedAt: t0.Add(time.Second),
				CreatedAt: t0, LastSeen: t0}
			if err := st.CreateConsoleSession(ctx, mfa); err != nil {
				t.Fatal(err)
			}
			for _, want := range []*iam.ConsoleSession{cs, mfa} {
				got, err := st.ConsoleSession(ctx, want.ID)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("ConsoleSession(%q) (-want +got):\n%s", want.ID, diff)
				}
			}
			if err := st.TouchConsoleSession(ctx, "abc", t0.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if err := st.TouchConsoleSession(ctx, "abc", t0.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			if got, _ := st.ConsoleSession(ctx, "abc"); !got.LastSeen.Equal(t0.Add(time.Minute)) {
				t.Errorf("LastSeen after touches = %v, want %v (never moved back)", got.LastSeen, t0.Add(time.Minute))
			}
			if err := st.DeleteConsoleSession(ctx, "abc"); err != nil {
				t.Fatal(err)
			}
			if err := st.DeleteConsoleSession(ctx, "abc"); err != nil {
				t.Errorf("DeleteConsoleSession(gone) = %v, want nil", err)
			}
			if _, err := st.ConsoleSession(ctx, "abc"); !errors.Is(err, iam.ErrNotFound) {
				t.Errorf("ConsoleSession(deleted) = %v, want ErrNotFound", err)
			}

			// Expiry: idle, too old, and pending too long.
			for _, cs := range []*iam.ConsoleSession{
				{ID: "idle", LastSeen: t0, CreatedAt: t0.Add(time.Hour)},
				{ID: "old", LastSeen: t0.Add(3 * time.Hour), CreatedAt: t0},
				{ID: "pending", MFAPending: true, LastSeen: t0.Add(3 * time.Hour), CreatedAt: t0.Add(time.Hour)},
				{ID: "live", LastSeen: t0.Add(3 * time.Hour), CreatedAt: t0.Add(time.Hour)},
			} {
				cs.AccountID, cs.UserID = "123456789012", "AIDAEXAMPLE"
				if err := st.CreateConsoleSession(ctx, cs); err != nil {
					t.Fatal(err)
				}
			}
			n, err := st.DeleteExpiredConsoleSessions(ctx, t0.Add(2*time.Hour), t0.Add(30*time.Minute), t0.Add(90*time.Minute))
			if err != nil || n != 4 { // def (idle) too
				t.Errorf("DeleteExpiredConsoleSessions = %d, %v, want 4", n, err)
			}
			if _, err := st.ConsoleSession(ctx, "live"); err != nil {
				t.Errorf("ConsoleSession(live) after the sweep = %v", err)
			}
		})
	}
}

// TestConsoleSessionsOfUser ends one user's sessions but one, on every
// engine, and records a password's last use without moving it back.
func TestConsoleSessionsOfUser(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			st := e.Open(t)
			for _, cs := range []*iam.ConsoleSession{
				{ID: "a1", AccountID: "123456789012", UserID: "AIDAALICE"},
				{ID: "a2", AccountID: "123456789012", UserID: "AIDAALICE"},
				{ID: "a3", AccountID: "123456789012", UserID: "AIDAALICE", MFAPending: true},
				{ID: "b1", AccountID: "123456789012", UserID: "AIDABOB"},
				{ID: "x1", AccountID: "210987654321", UserID: "AIDAALICE"},
			} {
				cs.CreatedAt, cs.LastSeen = t0, t0
				if err := st.CreateConsoleSession(ctx, cs); err != nil {
					t.Fatal(err)
				}
			}
			n, err := st.DeleteUserConsoleSessions(ctx, "123456789012", "AIDAALICE", "a1")
			if err != nil || n != 2 {
				t.Errorf("DeleteUserConsoleSessions(keep a1) = %d, %v, want 2", n, err)
			}
			for id, want := range map[string]bool{"a1": true, "a2": false, "a3": false, "b1": true, "x1": true} {
				_, err := st.ConsoleSession(ctx, id)
				if got := err == nil; got != want {
					t.Errorf("session %s exists = %v (%v), want %v", id, got, err, want)
				}
			}
			if n, err := st.DeleteUserConsoleSessions(ctx, "123456789012", "AIDAALICE", ""); err != nil || n != 1 {
				t.Errorf("DeleteUserConsoleSessions(keep none) = %d, %v, want 1", n, err)
			}

			acct := "123456789012"
			root := &iam.User{ID: acct, AccountID: acct, Name: iam.RootUserName, Path: "/", Root: true, CreatedAt: t0}
			if err := st.CreateAccount(ctx, &iam.Account{ID: acct, Email: "c@example.com", CreatedAt: t0}, root, "", nil); err != nil {
				t.Fatal(err)
			}
			u := &iam.User{ID: "AIDAALICE", AccountID: acct, Name: "alice", Path: "/", CreatedAt: t0}
			if err := st.CreateUser(ctx, u, 100); err != nil {
				t.Fatal(err)
			}
			for _, at := range []time.Time{t0.Add(time.Hour), t0.Add(time.Minute)} {
				if err := st.RecordPasswordUsed(ctx, acct, "AIDAALICE", at); err != nil {
					t.Fatal(err)
				}
			}
			if got, err := st.UserByID(ctx, acct, "AIDAALICE"); err != nil || !got.PasswordLastUsed.Equal(t0.Add(time.Hour)) {
				t.Errorf("PasswordLastUsed = %v (%v), want %v (never moved back)", got.PasswordLastUsed, err, t0.Add(time.Hour))
			}
			if err := st.RecordPasswordUsed(ctx, acct, acct, t0); err != nil {
				t.Errorf("RecordPasswordUsed(root) = %v", err)
			}
			if err := st.RecordPasswordUsed(ctx, acct, "AIDANOBODY", t0); !errors.Is(err, iam.ErrNotFound) {
				t.Errorf("RecordPasswordUsed(no user) = %v, want ErrNotFound", err)
			}
			if err := st.RecordPasswordUsed(ctx, "999999999999", "AIDAALICE", t0); !errors.Is(err, iam.ErrNotFound) {
				t.Errorf("RecordPasswordUsed(no account) = %v, want ErrNotFound", err)
			}
		})
	}
}
