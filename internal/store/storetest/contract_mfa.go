package storetest

import (
	"testing"
	"time"

	"github.com/iamd/iamd/internal/iam"
)

// backoff blocks from the third failure on, for failures×10s.
func backoff(failures int) time.Duration {
	if failures < 3 {
		return 0
	}
	return time.Duration(failures) * 10 * time.Second
}

// enabledDevice makes an account with a user whose virtual device is
// enabled at step 100.
func (f *fixture) enabledDevice(t *testing.T) (acct string, u *iam.User, d *iam.MFADevice) {
	t.Helper()
	acct = f.account(t)
	u = f.user(t, acct, "alice")
	d = f.device(t, acct, "alice")
	f.enable(t, acct, d.Serial, u.ID, 100)
	return acct, u, d
}

func (f *fixture) readDevice(t *testing.T, acct, serial string) *iam.MFADevice {
	t.Helper()
	d, err := f.st.MFADevice(ctx, acct, serial)
	if err != nil {
		t.Fatalf("MFADevice(%s) = %v", serial, err)
	}
	return d
}

func testSingleUseCodes(t *testing.T, f *fixture) {
	st := f.st
	t.Run("AcceptMFACode/one step at once", func(t *testing.T) {
		acct, u, d := f.enabledDevice(t)
		errs := race(racers, func(i int) error {
			return st.AcceptMFACode(ctx, acct, d.Serial, u.ID, 101, int64(i), t0)
		})
		o := tally(errs, iam.ErrStale)
		o.check(t, "AcceptMFACode(step 101)", 1)
		got := f.readDevice(t, acct, d.Serial)
		if got.LastStep != 101 {
			t.Errorf("LastStep after the race = %d, want 101", got.LastStep)
		}
		if len(o.winners) == 1 && got.DriftSteps != int64(o.winners[0]) {
			t.Errorf("DriftSteps after the race = %d, want %d (the winner's)", got.DriftSteps, o.winners[0])
		}
	})

	t.Run("AcceptMFACode/steps in sequence", func(t *testing.T) {
		acct, u, d := f.enabledDevice(t)
		steps := []struct {
			step int64
			want error
		}{
			{100, iam.ErrStale}, // the enabling step
			{99, iam.ErrStale},
			{101, nil},
			{101, iam.ErrStale},
			{100, iam.ErrStale},
			{105, nil},
			{102, iam.ErrStale},
			{106, nil},
		}
		for _, s := range steps {
			if err := st.AcceptMFACode(ctx, acct, d.Serial, u.ID, s.step, 0, t0); !sameError(err, s.want) {
				t.Errorf("AcceptMFACode(step %d) = %v, want %v", s.step, err, s.want)
			}
		}
		if got := f.readDevice(t, acct, d.Serial).LastStep; got != 106 {
			t.Errorf("LastStep = %d, want 106", got)
		}
	})

	t.Run("AcceptMFACode/distinct steps at once", func(t *testing.T) {
		acct, u, d := f.enabledDevice(t)
		errs := race(racers, func(i int) error {
			return st.AcceptMFACode(ctx, acct, d.Serial, u.ID, int64(101+i), 0, t0)
		})
		o := tally(errs, iam.ErrStale)
		if o.ok == 0 || len(o.other) > 0 {
			t.Errorf("AcceptMFACode(steps 101..150) at once: %d succeeded, unexpected errors %v; want at least one, no others", o.ok, o.other)
		}
		if last := errs[racers-1]; last != nil {
			t.Errorf("AcceptMFACode(step %d), the highest, = %v, want nil", 100+racers, last)
		}
		if got := f.readDevice(t, acct, d.Serial).LastStep; got != int64(100+racers) {
			t.Errorf("LastStep = %d, want %d", got, 100+racers)
		}
	})

	t.Run("AcceptMFACode/blocked device", func(t *testing.T) {
		acct, u, d := f.enabledDevice(t)
		for want := 1; want <= 3; want++ {
			n, err := st.RecordMFAFailure(ctx, acct, d.Serial, t0, backoff)
			if err != nil || n != want {
				t.Fatalf("RecordMFAFailure #%d = %d, %v, want %d, nil", want, n, err, want)
			}
		}
		got := f.readDevice(t, acct, d.Serial)
		if got.Failures != 3 || !got.BlockedUntil.Equal(t0.Add(30*time.Second)) {
			t.Errorf("after 3 failures: Failures %d, BlockedUntil %v, want 3, %v", got.Failures, got.BlockedUntil, t0.Add(30*time.Second))
		}
		attempts := []struct {
			name string
			step int64
			at   time.Duration
			want error
		}{
			{"while blocked", 101, 0, iam.ErrStale},
			{"a second before the end", 102, 29 * time.Second, iam.ErrStale},
			{"at blocked_until", 103, 30 * time.Second, nil},
			{"the same step after", 103, 31 * time.Second, iam.ErrStale},
		}
		for _, a := range attempts {
			if err := st.AcceptMFACode(ctx, acct, d.Serial, u.ID, a.step, 0, t0.Add(a.at)); !sameError(err, a.want) {
				t.Errorf("AcceptMFACode(step %d) %s = %v, want %v", a.step, a.name, err, a.want)
			}
		}
		got = f.readDevice(t, acct, d.Serial)
		if got.Failures != 0 || !got.BlockedUntil.IsZero() || got.LastStep != 103 {
			t.Errorf("after an accepted code: Failures %d, BlockedUntil %v, LastStep %d, want 0, zero, 103",
				got.Failures, got.BlockedUntil, got.LastStep)
		}
	})

	t.Run("AcceptMFACode/failures below the threshold", func(t *testing.T) {
		acct, u, d := f.enabledDevice(t)
		for range 2 {
			if _, err := st.RecordMFAFailure(ctx, acct, d.Serial, t0, backoff); err != nil {
				t.Fatal(err)
			}
		}
		if got := f.readDevice(t, acct, d.Serial); got.Failures != 2 || !got.BlockedUntil.IsZero() {
			t.Errorf("after 2 failures: Failures %d, BlockedUntil %v, want 2, zero", got.Failures, got.BlockedUntil)
		}
		if err := st.AcceptMFACode(ctx, acct, d.Serial, u.ID, 101, 0, t0); err != nil {
			t.Errorf("AcceptMFACode(step 101) = %v, want nil", err)
		}
		if got := f.readDevice(t, acct, d.Serial).Failures; got != 0 {
			t.Errorf("Failures after an accepted code = %d, want 0", got)
		}
	})

	t.Run("AcceptMFACode/device not serving the user", func(t *testing.T) {
		acct, u, d := f.enabledDevice(t)
		other := f.user(t, acct, "bob")
		spare := f.device(t, acct, "spare")
		gone := f.device(t, acct, "gone")
		f.enable(t, acct, gone.Serial, u.ID, 100)
		if err := st.DeactivateMFADevice(ctx, acct, gone.Serial, u.ID); err != nil {
			t.Fatalf("DeactivateMFADevice = %v", err)
		}
		otherAcct := f.account(t)
		cases := []struct {
			name, acct, serial, user string
			want                     error
		}{
			{"another user", acct, d.Serial, other.ID, iam.ErrStale},
			{"an unassigned device", acct, spare.Serial, u.ID, iam.ErrStale},
			{"a deactivated device", acct, gone.Serial, u.ID, iam.ErrStale},
			{"another account", otherAcct, d.Serial, u.ID, iam.ErrStale},
			{"no such device", acct, d.Serial + "x", u.ID, iam.ErrStale},
			{"its own user", acct, d.Serial, u.ID, nil},
		}
		for _, c := range cases {
			if err := st.AcceptMFACode(ctx, c.acct, c.serial, c.user, 200, 0, t0); !sameError(err, c.want) {
				t.Errorf("AcceptMFACode(step 200) by %s = %v, want %v", c.name, err, c.want)
			}
		}
	})

	t.Run("RecordMFAFailure/no such device", func(t *testing.T) {
		acct := f.account(t)
		if _, err := st.RecordMFAFailure(ctx, acct, iam.VirtualSerial(acct, "/", "none"), t0, backoff); !sameError(err, iam.ErrNotFound) {
			t.Errorf("RecordMFAFailure(no device) = %v, want %v", err, iam.ErrNotFound)
		}
	})

	t.Run("RecordMFAFailure/concurrent failures all count", func(t *testing.T) {
		acct, _, d := f.enabledDevice(t)
		counts := make([]int, racers)
		errs := race(racers, func(i int) error {
			n, err := st.RecordMFAFailure(ctx, acct, d.Serial, t0, backoff)
			counts[i] = n
			return err
		})
		checkPermutation(t, "RecordMFAFailure", counts, errs)
		got := f.readDevice(t, acct, d.Serial)
		if got.Failures != racers || !got.BlockedUntil.Equal(t0.Add(backoff(racers))) {
			t.Errorf("after %d failures at once: Failures %d, BlockedUntil %v, want %d, %v",
				racers, got.Failures, got.BlockedUntil, racers, t0.Add(backoff(racers)))
		}
	})

	t.Run("EnableMFADevice/two users at once", func(t *testing.T) {
		acct := f.account(t)
		users := []*iam.User{f.user(t, acct, "alice"), f.user(t, acct, "bob")}
		d := f.device(t, acct, "shared")
		errs := race(racers, func(i int) error {
			return st.EnableMFADevice(ctx, acct, d.Serial, users[i%2].ID, 10, 0, t0, 10)
		})
		o := tally(errs, iam.ErrExists)
		o.check(t, "EnableMFADevice(one device, two users)", 1)
		got := f.readDevice(t, acct, d.Serial)
		if len(o.winners) == 1 {
			if want := users[o.winners[0]%2].ID; got.UserID != want {
				t.Errorf("device's user = %q, want the winner %q", got.UserID, want)
			}
		}
		n := 0
		for _, u := range users {
			c, err := st.CountMFADevices(ctx, acct, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			n += c
		}
		if n != 1 {
			t.Errorf("devices serving the two users = %d, want 1", n)
		}
	})

	t.Run("EnableMFADevice/conditions", func(t *testing.T) {
		acct := f.account(t)
		u := f.user(t, acct, "alice")
		used := newDevice(acct, "used")
		used.LastStep = 100 // a device deactivated after step 100
		if err := st.CreateMFADevice(ctx, used, 10); err != nil {
			t.Fatal(err)
		}
		blocked := f.device(t, acct, "blocked")
		for range 3 {
			if _, err := st.RecordMFAFailure(ctx, acct, blocked.Serial, t0, backoff); err != nil {
				t.Fatal(err)
			}
		}
		cases := []struct {
			name   string
			serial string
			step   int64
			at     time.Duration
			want   error
		}{
			{"a step at the device's last", used.Serial, 100, 0, iam.ErrStale},
			{"a step before it", used.Serial, 50, 0, iam.ErrStale},
			{"a blocked device", blocked.Serial, 10, 0, iam.ErrStale},
			{"no such device", used.Serial + "x", 10, 0, iam.ErrNotFound},
			{"a step after the last", used.Serial, 101, 0, nil},
			{"an assigned device", used.Serial, 200, 0, iam.ErrExists},
			{"a device no longer blocked", blocked.Serial, 10, 30 * time.Second, nil},
		}
		for _, c := range cases {
			if err := st.EnableMFADevice(ctx, acct, c.serial, u.ID, c.step, 0, t0.Add(c.at), 10); !sameError(err, c.want) {
				t.Errorf("EnableMFADevice(%s, step %d) = %v, want %v", c.name, c.step, err, c.want)
			}
		}
		if got := f.readDevice(t, acct, used.Serial); got.UserID != u.ID || got.LastStep != 101 {
			t.Errorf("enabled device: user %q, LastStep %d, want %q, 101", got.UserID, got.LastStep, u.ID)
		}
	})
}

// checkPermutation reports concurrent counters that did not return each of
// 1..len(counts) exactly once.
func checkPermutation(t *testing.T, what string, counts []int, errs []error) {
	t.Helper()
	seen := make([]int, len(counts)+1)
	for i, n := range counts {
		if errs[i] != nil {
			t.Errorf("%s = %v, want nil", what, errs[i])
			continue
		}
		if n < 1 || n > len(counts) {
			t.Errorf("%s returned %d, want 1..%d", what, n, len(counts))
			continue
		}
		seen[n]++
	}
	for n := 1; n <= len(counts); n++ {
		if seen[n] != 1 {
			t.Errorf("%s x%d at once returned %d %d times, want once", what, len(counts), n, seen[n])
		}
	}
}
