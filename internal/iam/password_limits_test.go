package iam_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/iam"
)

// Regression tests for finding 10 of the security review (issue 9):
// argon2id work is capped process-wide, waits honour the request's context,
// and wrong old passwords to ChangePassword are throttled per user.

// countArgon2 replaces argon2id with a counting wrapper that also widens
// the window in which computations overlap; it returns the number of
// computations and the most that ran at once.
func countArgon2(t *testing.T, hold time.Duration) (calls, peak *atomic.Int64) {
	t.Helper()
	calls, peak = new(atomic.Int64), new(atomic.Int64)
	var running atomic.Int64
	restore := iam.SetArgon2IDKey(func(password, salt []byte, tm, memory uint32, threads uint8, keyLen uint32) []byte {
		calls.Add(1)
		n := running.Add(1)
		defer running.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(hold)
		return argon2.IDKey(password, salt, tm, memory, threads, keyLen)
	})
	t.Cleanup(restore)
	return calls, peak
}

// passwordUser creates a user with a console password.
func (fx *fixture) passwordUser(t *testing.T, name, password string) {
	t.Helper()
	ctx := context.Background()
	fx.user(t, name)
	if _, _, err := fx.svc.CreateLoginProfile(ctx, fx.root, name, password, false); err != nil {
		t.Fatal(err)
	}
}

// allowPasswordChanges sets a password policy that lets users change their
// own password and remembers the last 5.
func (fx *fixture) allowPasswordChanges(t *testing.T) {
	t.Helper()
	mustOK(t, "UpdateAccountPasswordPolicy", fx.svc.UpdateAccountPasswordPolicy(context.Background(), fx.root, iam.PasswordPolicy{
		MinimumPasswordLength: 8, AllowUsersToChangePassword: true, PasswordReusePrevention: 5}))
}

func TestChangePasswordThrottlesWrongOldPasswords(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		fx.allowPasswordChanges(t)
		fx.passwordUser(t, "alice", "Password01")
		fx.passwordUser(t, "bob", "Password01")
		alice, bob := fx.userPrincipal(t, "alice"), fx.userPrincipal(t, "bob")
		const throttledMsg = "Password change attempt limit exceeded, please try again later."

		for i := range 5 {
			err := fx.svc.ChangePassword(ctx, alice, fmt.Sprintf("Wrong%02d", i), "Password02")
			wantMessage(t, fmt.Sprintf("wrong old password %d", i+1), err, awserr.InvalidInput, "The old password was incorrect.")
		}
		// Five failures: blocked for 1 s. Right and wrong old passwords
		// now get the same answer, and neither is even hashed.
		calls, _ := countArgon2(t, 0)
		wantMessage(t, "right old password while throttled", fx.svc.ChangePassword(ctx, alice, "Password01", "Password02"),
			awserr.LimitExceeded, throttledMsg)
		wantMessage(t, "wrong old password while throttled", fx.svc.ChangePassword(ctx, alice, "Wrong99", "Password02"),
			awserr.LimitExceeded, throttledMsg)
		if n := calls.Load(); n != 0 {
			t.Errorf("argon2id ran %d times for throttled attempts, want 0", n)
		}
		// The throttle is alice's alone.
		mustOK(t, "bob changes his password meanwhile", fx.svc.ChangePassword(ctx, bob, "Password01", "Password02"))

		// Seven failures now (throttled attempts count, as for MFA
		// codes): blocked 1 s << 2 = 4 s. Still refused after 3 s, which
		// makes eight (8 s).
		fx.clock.Advance(3 * time.Second)
		wantCode(t, "right old password 3 s later", fx.svc.ChangePassword(ctx, alice, "Password01", "Password02"), awserr.LimitExceeded)
		fx.clock.Advance(16 * time.Second)
		mustOK(t, "right old password after the back-off", fx.svc.ChangePassword(ctx, alice, "Password01", "Password02"))
		// A success clears the count: four wrong ones are not throttled.
		for i := range 4 {
			wantCode(t, "wrong after the reset", fx.svc.ChangePassword(ctx, alice, fmt.Sprintf("Wrong%02d", i), "Password03"), awserr.InvalidInput)
		}
		mustOK(t, "right old password after four wrong", fx.svc.ChangePassword(ctx, alice, "Password02", "Password03"))
	})
}

func TestArgon2ConcurrencyIsCapped(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		fx.allowPasswordChanges(t)
		slots := iam.Argon2Slots()
		n := 2*slots + 2
		for i := range n {
			fx.passwordUser(t, fmt.Sprintf("u%d", i), "Password01")
		}
		hash, err := iam.HashPassword(rand.Reader, "Password01")
		if err != nil {
			t.Fatal(err)
		}
		calls, peak := countArgon2(t, 10*time.Millisecond)
		var wg sync.WaitGroup
		errs := make([]error, 2*n)
		for i := range n {
			wg.Add(3)
			go func() { // as console sign-in does: no context, still a slot
				defer wg.Done()
				if ok, err := iam.CheckPassword(hash, "Password01"); !ok || err != nil {
					t.Errorf("CheckPassword = %v, %v", ok, err)
				}
			}()
			go func() {
				defer wg.Done()
				pw := "Password02"
				errs[2*i] = fx.svc.UpdateLoginProfile(ctx, fx.root, fmt.Sprintf("u%d", i), &pw, nil)
			}()
			go func() {
				defer wg.Done()
				errs[2*i+1] = fx.svc.ChangePassword(ctx, fx.userPrincipal(t, fmt.Sprintf("u%d", i)), "Wrong", "Password03")
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if i%2 == 0 && err != nil {
				t.Errorf("UpdateLoginProfile(u%d) = %v", i/2, err)
			}
			if i%2 == 1 && awserr.Code(err) != awserr.InvalidInput {
				t.Errorf("ChangePassword(u%d, wrong) = %v, want InvalidInput", i/2, err)
			}
		}
		if calls.Load() < int64(3*n) {
			t.Fatalf("argon2id ran %d times, want at least %d", calls.Load(), 3*n)
		}
		if p := peak.Load(); p > int64(slots) {
			t.Errorf("%d argon2id computations ran at once, want at most %d (GOMAXPROCS)", p, slots)
		}
	})
}

func TestPasswordHashingHonoursTheContext(t *testing.T) {
	forEachEngine(t, func(t *testing.T, fx *fixture) {
		fx.allowPasswordChanges(t)
		fx.passwordUser(t, "alice", "Password01")
		alice := fx.userPrincipal(t, "alice")
		calls, _ := countArgon2(t, 0)
		release := iam.TakeArgon2Slots() // every slot busy
		func() {
			defer release()
			for _, op := range []struct {
				name string
				call func(ctx context.Context) error
			}{
				{"ChangePassword", func(ctx context.Context) error {
					return fx.svc.ChangePassword(ctx, alice, "Password01", "Password02")
				}},
				{"UpdateLoginProfile", func(ctx context.Context) error {
					pw := "Password03"
					return fx.svc.UpdateLoginProfile(ctx, fx.root, "alice", &pw, nil)
				}},
				{"CreateLoginProfile", func(ctx context.Context) error {
					fx.user(t, "carol")
					_, _, err := fx.svc.CreateLoginProfile(ctx, fx.root, "carol", "Password01", false)
					return err
				}},
			} {
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				begin := time.Now()
				err := op.call(ctx)
				cancel()
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("%s with every slot busy = %v, want the context's deadline", op.name, err)
				}
				if d := time.Since(begin); d > 5*time.Second {
					t.Errorf("%s took %v to give up", op.name, d)
				}
			}
			if n := calls.Load(); n != 0 {
				t.Errorf("argon2id ran %d times with every slot busy, want 0", n)
			}
		}()
		// Giving up on a slot is not a wrong password: no throttle.
		for range 5 {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := fx.svc.ChangePassword(ctx, alice, "Password01", "Password02"); err == nil {
				t.Fatal("ChangePassword with a cancelled context succeeded")
			}
		}
		mustOK(t, "ChangePassword once slots are free", fx.svc.ChangePassword(context.Background(), alice, "Password01", "Password02"))
	})
}
