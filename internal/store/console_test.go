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
