package clock

import (
	"errors"
	"sync"
	"testing"
	"time"
)

func TestSettableRunsWithTheSystemClock(t *testing.T) {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := &Settable{base: func() time.Time { return base }}
	if got := s.Now(); !got.Equal(base) {
		t.Fatalf("Now = %v, want %v", got, base)
	}
	base = base.Add(time.Second)
	if got := s.Now(); !got.Equal(base) {
		t.Fatalf("after a real second: Now = %v, want %v", got, base)
	}
}

func TestSettableAdvance(t *testing.T) {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := &Settable{base: func() time.Time { return base }}
	got, err := s.Advance(30 * time.Second)
	if err != nil || !got.Equal(base.Add(30*time.Second)) {
		t.Fatalf("Advance(30s) = %v, %v", got, err)
	}
	if !s.Now().Equal(base.Add(30 * time.Second)) {
		t.Fatalf("Now after Advance = %v", s.Now())
	}
	base = base.Add(time.Second)
	if !s.Now().Equal(base.Add(30 * time.Second)) {
		t.Fatalf("the offset should keep running with the system clock: %v", s.Now())
	}
	if _, err := s.Advance(-time.Second); !errors.Is(err, ErrBackwards) {
		t.Fatalf("Advance(-1s) err = %v, want ErrBackwards", err)
	}
	if s.Offset() != 30*time.Second {
		t.Fatalf("a refused Advance changed the offset: %v", s.Offset())
	}
	if _, err := s.Advance(0); err != nil {
		t.Fatalf("Advance(0): %v", err)
	}
}

func TestSettableSetOnlyForward(t *testing.T) {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := &Settable{base: func() time.Time { return base }}
	target := base.Add(time.Hour)
	if got, err := s.Set(target); err != nil || !got.Equal(target) {
		t.Fatalf("Set(+1h) = %v, %v", got, err)
	}
	if !s.Now().Equal(target) {
		t.Fatalf("Now after Set = %v", s.Now())
	}
	if got, err := s.Set(target.Add(-time.Minute)); !errors.Is(err, ErrBackwards) || !got.Equal(target) {
		t.Fatalf("Set(back) = %v, %v; want the unchanged time and ErrBackwards", got, err)
	}
	if !s.Now().Equal(target) {
		t.Fatalf("a refused Set moved the clock: %v", s.Now())
	}
	if _, err := s.Set(target); err != nil {
		t.Fatalf("Set(now) is not backwards: %v", err)
	}
}

func TestSettableZeroValueIsReal(t *testing.T) {
	var s Settable
	before := time.Now()
	got := s.Now()
	if got.Before(before) || got.After(time.Now()) {
		t.Fatalf("zero Settable: %v not between %v and now", got, before)
	}
	var _ Clock = &s
}

func TestSettableConcurrent(t *testing.T) {
	s := NewSettable()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prev := s.Now()
			for j := 0; j < 100; j++ {
				s.Advance(time.Millisecond)
				now := s.Now()
				if now.Before(prev) {
					t.Errorf("went back: %v after %v", now, prev)
					return
				}
				prev = now
			}
		}()
	}
	wg.Wait()
	if s.Offset() != 800*time.Millisecond {
		t.Fatalf("offset = %v, want 800ms", s.Offset())
	}
}
