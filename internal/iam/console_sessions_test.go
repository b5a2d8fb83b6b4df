package iam_test

import (
	"context"
	"sync"
	"testing"

	"github.com/iamd/iamd/internal/iam"
)

// recordingEnder records the console sessions the domain asks to end.
type recordingEnder struct {
	mu    sync.Mutex
	calls []string // "userID keepID"
}

func (r *recordingEnder) DeleteUserConsoleSessions(_ context.Context, _, userID, keepID string) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, userID+" "+keepID)
	return 1, nil
}

func (r *recordingEnder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

// TestPasswordChangeEndsConsoleSessions: a password changed or removed
// through any door (the API's UpdateLoginProfile, DeleteLoginProfile and
// ChangePassword included) ends the user's console sessions; a caller
// changing its own password from the console keeps that session; changing
// only the reset flag ends none.
func TestPasswordChangeEndsConsoleSessions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		ender := &recordingEnder{}
		svc := iam.New(fx.st, iam.Options{Clock: fx.clock, ConsoleSessions: ender})
		alice := fx.user(t, "alice")
		if _, _, err := svc.CreateLoginProfile(ctx, fx.root, "alice", "Password-01", false); err != nil {
			t.Fatal(err)
		}
		if got := ender.take(); len(got) != 0 {
			t.Errorf("CreateLoginProfile ended sessions %q, want none", got)
		}
		reset := true
		mustOK(t, "UpdateLoginProfile(reset flag only)", svc.UpdateLoginProfile(ctx, fx.root, "alice", nil, &reset))
		if got := ender.take(); len(got) != 0 {
			t.Errorf("a reset flag change ended sessions %q, want none", got)
		}
		pw := "Password-02"
		mustOK(t, "UpdateLoginProfile(password) by root", svc.UpdateLoginProfile(iam.WithConsoleSession(ctx, "root-session"), fx.root, "alice", &pw, nil))
		if got := ender.take(); len(got) != 1 || got[0] != alice.ID+" " {
			t.Errorf("root's new password for alice ended %q, want all of alice's (%q)", got, alice.ID+" ")
		}
		mustOK(t, "UpdateAccountPasswordPolicy", svc.UpdateAccountPasswordPolicy(ctx, fx.root, iam.PasswordPolicy{MinimumPasswordLength: 8, AllowUsersToChangePassword: true}))
		p := fx.userPrincipal(t, "alice")
		mustOK(t, "ChangePassword from the console", svc.ChangePassword(iam.WithConsoleSession(ctx, "alice-session"), p, "Password-02", "Password-03"))
		if got := ender.take(); len(got) != 1 || got[0] != alice.ID+" alice-session" {
			t.Errorf("alice's own change from the console ended %q, want all but alice-session", got)
		}
		mustOK(t, "ChangePassword through the API", svc.ChangePassword(ctx, p, "Password-03", "Password-04"))
		if got := ender.take(); len(got) != 1 || got[0] != alice.ID+" " {
			t.Errorf("alice's change through the API ended %q, want all", got)
		}
		mustOK(t, "DeleteLoginProfile", svc.DeleteLoginProfile(ctx, fx.root, "alice"))
		if got := ender.take(); len(got) != 1 || got[0] != alice.ID+" " {
			t.Errorf("DeleteLoginProfile ended %q, want all", got)
		}
	})
}
