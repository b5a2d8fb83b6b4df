package audit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/clock"
)

type memStore struct {
	mu      sync.Mutex
	events  []Event
	batches []int // the size of each InsertEvents call
	deleted time.Time
}

func (m *memStore) InsertEvents(_ context.Context, es []Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, es...)
	m.batches = append(m.batches, len(es))
	return nil
}

func (m *memStore) LookupEvents(context.Context, Query) ([]Event, string, error) { return nil, "", nil }

func (m *memStore) ExportEvents(context.Context, time.Time, func(Event) error) error { return nil }

func (m *memStore) DeleteEventsBefore(_ context.Context, t time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deleted = t
	return 0, nil
}

func (m *memStore) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.events)
}

func TestRecorder(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	st := &memStore{}
	r := NewRecorder(st, Options{Clock: clock.NewFake(now), FlushEvery: time.Hour, Retention: 24 * time.Hour})
	ctx := context.Background()
	if err := r.Record(ctx, Event{EventName: "CreateUser"}, true); err != nil {
		t.Fatal(err)
	}
	if n := st.count(); n != 1 {
		t.Fatalf("after a write's event: %d stored, want 1 (written at once)", n)
	}
	r.Record(ctx, Event{EventName: "GetUser"}, false)
	r.Record(ctx, Event{EventName: "ListUsers"}, false)
	if n := st.count(); n != 1 {
		t.Fatalf("batched events were written at once: %d stored", n)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if n := st.count(); n != 3 {
		t.Fatalf("after Close: %d stored, want 3", n)
	}
	e := st.events[0]
	if e.EventVersion != EventVersion || e.EventID == "" || !e.EventTime.Equal(now) || e.EventType != TypeAPICall || !e.ManagementEvent {
		t.Errorf("completed event = %+v", e)
	}
	if !(st.events[0].Seq < st.events[1].Seq && st.events[1].Seq < st.events[2].Seq) {
		t.Errorf("Seq does not increase: %d %d %d", st.events[0].Seq, st.events[1].Seq, st.events[2].Seq)
	}
	if want := now.Add(-24 * time.Hour); !st.deleted.Equal(want) {
		t.Errorf("pruned before %v, want %v", st.deleted, want)
	}
	// After Close, events are written at once rather than lost.
	r.Record(ctx, Event{EventName: "Late"}, false)
	if n := st.count(); n != 4 {
		t.Errorf("an event after Close: %d stored, want 4", n)
	}
}

// TestRecorderFlushesEarlyWhenBusy: a busy server's batched events are
// written in batches as soon as flushAt wait, long before FlushEvery, and
// not one insert per event.
func TestRecorderFlushesEarlyWhenBusy(t *testing.T) {
	st := &memStore{}
	r := NewRecorder(st, Options{FlushEvery: time.Hour})
	defer r.Close()
	const n = 3 * flushAt
	for range n {
		if err := r.Record(context.Background(), Event{EventName: "GetSessionToken", ReadOnly: true}, false); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for st.count() < 2*flushAt {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events written within 5 s, with FlushEvery an hour: no early flush", st.count(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.batches) > n/10 {
		t.Errorf("%d inserts for %d events: want batches, not one insert per event (%v)", len(st.batches), len(st.events), st.batches)
	}
}
