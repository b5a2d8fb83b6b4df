package storetest

import (
	"testing"
	"time"
)

func testThrottles(t *testing.T, f *fixture) {
	st := f.st
	t.Run("count, block and reset", func(t *testing.T) {
		acct := f.account(t)
		other := f.account(t)
		const subject = "enable:arn:aws:iam::x:user/alice"
		type step struct {
			name        string
			fail, reset bool
			wantCount   int           // after a failure
			wantBlocked time.Duration // from t0; -1 means not blocked
		}
		steps := []step{
			{name: "no failures yet", wantBlocked: -1},
			{name: "first failure", fail: true, wantCount: 1, wantBlocked: -1},
			{name: "second failure", fail: true, wantCount: 2, wantBlocked: -1},
			{name: "third failure", fail: true, wantCount: 3, wantBlocked: 30 * time.Second},
			{name: "fourth failure", fail: true, wantCount: 4, wantBlocked: 40 * time.Second},
			{name: "reset", reset: true, wantBlocked: -1},
			{name: "failure after reset", fail: true, wantCount: 1, wantBlocked: -1},
		}
		for _, s := range steps {
			switch {
			case s.fail:
				n, err := st.RecordThrottleFailure(ctx, acct, subject, t0, backoff)
				if err != nil || n != s.wantCount {
					t.Errorf("RecordThrottleFailure (%s) = %d, %v, want %d, nil", s.name, n, err, s.wantCount)
				}
			case s.reset:
				if err := st.ResetThrottle(ctx, acct, subject); err != nil {
					t.Errorf("ResetThrottle = %v", err)
				}
			}
			until, err := st.Throttle(ctx, acct, subject)
			if err != nil {
				t.Fatalf("Throttle (%s) = %v", s.name, err)
			}
			want := time.Time{}
			if s.wantBlocked >= 0 {
				want = t0.Add(s.wantBlocked)
			}
			if !until.Equal(want) {
				t.Errorf("Throttle after %s = %v, want %v", s.name, until, want)
			}
		}
		// Other subjects and the same subject in another account are
		// counted apart.
		for _, c := range []struct{ acct, subject string }{{acct, subject + "-other"}, {other, subject}} {
			if until, err := st.Throttle(ctx, c.acct, c.subject); err != nil || !until.IsZero() {
				t.Errorf("Throttle(%s, %s) = %v, %v, want zero, nil", c.acct, c.subject, until, err)
			}
			if n, err := st.RecordThrottleFailure(ctx, c.acct, c.subject, t0, backoff); err != nil || n != 1 {
				t.Errorf("RecordThrottleFailure(%s, %s) = %d, %v, want 1, nil", c.acct, c.subject, n, err)
			}
		}
		if err := st.ResetThrottle(ctx, acct, "never-failed"); err != nil {
			t.Errorf("ResetThrottle(a subject without failures) = %v, want nil", err)
		}
	})

	t.Run("concurrent failures all count", func(t *testing.T) {
		acct := f.account(t)
		const subject = "concurrent"
		counts := make([]int, racers)
		errs := race(racers, func(i int) error {
			n, err := st.RecordThrottleFailure(ctx, acct, subject, t0, backoff)
			counts[i] = n
			return err
		})
		checkPermutation(t, "RecordThrottleFailure", counts, errs)
		until, err := st.Throttle(ctx, acct, subject)
		if err != nil || !until.Equal(t0.Add(backoff(racers))) {
			t.Errorf("Throttle after %d failures at once = %v, %v, want %v", racers, until, err, t0.Add(backoff(racers)))
		}
		if n, err := st.RecordThrottleFailure(ctx, acct, subject, t0, backoff); err != nil || n != racers+1 {
			t.Errorf("RecordThrottleFailure after the race = %d, %v, want %d", n, err, racers+1)
		}
	})
}
