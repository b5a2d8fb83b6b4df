package clock

import (
	"errors"
	"sync"
	"time"
)

// ErrBackwards is Settable's refusal to move its time back.
var ErrBackwards = errors.New("clock: the test clock only moves forward")

// Settable is the real clock plus an offset that only grows: it runs with
// the system clock, and a test moves it forward (to the next TOTP step,
// past a session's expiry) instead of sleeping. Test mode serves with it.
// What it returns never decreases while the system clock does not. Its zero
// value is the real clock; it is safe for concurrent use.
type Settable struct {
	mu     sync.Mutex
	offset time.Duration
	// base is the system clock; nil is time.Now (tests replace it).
	base func() time.Time
}

// NewSettable returns a Settable at the real time.
func NewSettable() *Settable { return &Settable{} }

func (s *Settable) baseNow() time.Time {
	if s.base != nil {
		return s.base()
	}
	return time.Now()
}

// Now returns the system time plus the offset.
func (s *Settable) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseNow().Add(s.offset)
}

// Advance moves the time forward by d and returns the new time. A negative
// d is refused with ErrBackwards.
func (s *Settable) Advance(d time.Duration) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d < 0 {
		return s.baseNow().Add(s.offset), ErrBackwards
	}
	s.offset += d
	return s.baseNow().Add(s.offset), nil
}

// Set moves the time to t, from where it runs on with the system clock. A
// t before the current time is refused with ErrBackwards.
func (s *Settable) Set(t time.Time) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	base := s.baseNow()
	now := base.Add(s.offset)
	if t.Before(now) {
		return now, ErrBackwards
	}
	s.offset = t.Sub(base)
	return t, nil
}

// Offset is how far the clock is ahead of the system clock.
func (s *Settable) Offset() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offset
}
