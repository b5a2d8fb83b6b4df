package mfa

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/clock"
	"github.com/iamd/iamd/internal/otp"
)

// memStore keeps device state in memory with the Store's promises: accept
// is one compare-and-set on the last used step.
type memStore struct {
	mu        sync.Mutex
	last      map[string]int64
	failures  map[string]int
	blocked   map[string]time.Time
	throttles map[string]int
	until     map[string]time.Time
}

func newMemStore() *memStore {
	return &memStore{last: map[string]int64{}, failures: map[string]int{}, blocked: map[string]time.Time{},
		throttles: map[string]int{}, until: map[string]time.Time{}}
}

func (m *memStore) AcceptMFACode(_ context.Context, _, serial, _ string, step, _ int64, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if step <= m.last[serial] || now.Before(m.blocked[serial]) {
		return ErrStale
	}
	m.last[serial], m.failures[serial] = step, 0
	return nil
}

func (m *memStore) RecordMFAFailure(_ context.Context, _, serial string, now time.Time, backoff func(int) time.Duration) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failures[serial]++
	if d := backoff(m.failures[serial]); d > 0 {
		m.blocked[serial] = now.Add(d)
	}
	return m.failures[serial], nil
}

func (m *memStore) Throttle(_ context.Context, _, subject string) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.until[subject], nil
}

func (m *memStore) RecordThrottleFailure(_ context.Context, _, subject string, now time.Time, backoff func(int) time.Duration) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.throttles[subject]++
	if d := backoff(m.throttles[subject]); d > 0 {
		m.until[subject] = now.Add(d)
	}
	return m.throttles[subject], nil
}

func (m *memStore) ResetThrottle(_ context.Context, _, subject string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.throttles, subject)
	delete(m.until, subject)
	return nil
}

// device returns the stored state of a TOTP device as the domain would
// load it before each check.
func (m *memStore) device(secret []byte) *Device {
	m.mu.Lock()
	defer m.mu.Unlock()
	return &Device{AccountID: "123456789012", Serial: "s", UserID: "u", OTPType: TOTP, Digits: 6, Period: 30, Secret: secret,
		LastStep: m.last["s"], BlockedUntil: m.blocked["s"]}
}

var secret = []byte("12345678901234567890")

func code(at time.Time, offset int64) string {
	return otp.CodeAt(secret, otp.Step(at, otp.Params{})+offset, otp.Params{})
}

func TestVerifySingleUse(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	st := newMemStore()
	v := New(st, clk, nil, Config{})
	now := clk.Now()
	tests := []struct {
		name    string
		code    string
		wantErr error
	}{
		{"current step", code(now, 0), nil},
		{"same code again", code(now, 0), ErrInvalidCode},
		{"previous step after a later one", code(now, -1), ErrInvalidCode},
		{"next step inside the skew", code(now, 1), nil},
		{"two steps ahead, outside the skew", code(now, 3), ErrInvalidCode},
		{"malformed", "12a456", ErrInvalidCode},
	}
	for _, tt := range tests {
		if _, err := v.Verify(context.Background(), st.device(secret), tt.code); !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: Verify = %v, want %v", tt.name, err, tt.wantErr)
		}
	}
}

func TestVerifyConcurrentSameCode(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	st := newMemStore()
	v := New(st, clk, nil, Config{})
	c := code(clk.Now(), 0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 50 {
		wg.Go(func() {
			if _, err := v.Verify(context.Background(), st.device(secret), c); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if ok != 1 {
		t.Errorf("50 concurrent Verify of one code: %d accepted, want 1", ok)
	}
}

func TestThrottle(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	st := newMemStore()
	v := New(st, clk, nil, Config{ThrottleAfter: 2})
	for i := range 3 {
		if _, err := v.Verify(context.Background(), st.device(secret), "000000"); !errors.Is(err, ErrInvalidCode) {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	// Three failures with a threshold of 2: blocked for 2 s.
	if _, err := v.Verify(context.Background(), st.device(secret), code(clk.Now(), 0)); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("right code while throttled = %v, want ErrInvalidCode", err)
	}
	clk.Advance(10 * time.Second)
	if _, err := v.Verify(context.Background(), st.device(secret), code(clk.Now(), 0)); err != nil {
		t.Errorf("right code after the back-off = %v, want success", err)
	}
	for _, tt := range []struct {
		failures int
		want     time.Duration
	}{{1, 0}, {2, time.Second}, {3, 2 * time.Second}, {6, 16 * time.Second}, {40, 15 * time.Minute}} {
		if got := v.Backoff(tt.failures); got != tt.want {
			t.Errorf("Backoff(%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
}

func TestCheckPair(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	now := clk.Now()
	st := newMemStore()
	v := New(st, clk, nil, Config{})
	d := st.device(secret)
	tests := []struct {
		name         string
		code1, code2 string
		wantOK       bool
		wantDrift    int64
	}{
		{"consecutive now", code(now, -1), code(now, 0), true, 0},
		{"device 5 minutes ahead", code(now, 9), code(now, 10), true, 10},
		{"not consecutive", code(now, 0), code(now, 2), false, 0},
		{"beyond the 10 minute window", code(now, 30), code(now, 31), false, 0},
	}
	for _, tt := range tests {
		_, drift, ok := v.CheckPair(context.Background(), d, "", tt.code1, tt.code2)
		if ok != tt.wantOK || drift != tt.wantDrift {
			t.Errorf("%s: CheckPair = drift %d, %v, want %d, %v", tt.name, drift, ok, tt.wantDrift, tt.wantOK)
		}
	}
	// Codes at or before the last used step never count again.
	d.LastStep = otp.Step(now, otp.Params{})
	if _, _, ok := v.CheckPair(context.Background(), d, "", code(now, -1), code(now, 0)); ok {
		t.Error("CheckPair accepted codes already used")
	}
	// HOTP: counters ahead of the last used one.
	h := &Device{Serial: "h", OTPType: HOTP, Digits: 6, Secret: secret, LastStep: 4}
	hotp := func(c int64) string { return otp.CodeAt(secret, c, otp.Params{}) }
	if step, _, ok := v.CheckPair(context.Background(), h, "", hotp(7), hotp(8)); !ok || step != 8 {
		t.Errorf("HOTP CheckPair(7, 8) = %d, %v, want 8, true", step, ok)
	}
	if _, _, ok := v.CheckPair(context.Background(), h, "", hotp(3), hotp(4)); ok {
		t.Error("HOTP CheckPair accepted used counters")
	}
}
