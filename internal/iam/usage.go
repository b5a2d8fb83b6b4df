package iam

import (
	"context"
	"errors"
	"github.com/iamd/iamd/internal/authz"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// UsageRecorder remembers when each access key was last used without a
// database write per request: it coalesces uses in memory (the latest per
// key) and writes them in one batch a few seconds after the first unwritten
// use, and on Flush and Close. Uses still in memory when the process dies
// are lost; last-used data is advisory, as on AWS. It is safe for
// concurrent use, and runs no goroutine while idle.
type UsageRecorder struct {
	store    UsageStore
	log      *slog.Logger
	interval time.Duration

	mu      sync.Mutex
	pending map[string]AccessKeyUse
	timer   *time.Timer
	// flushing is held while a batch is written.
	flushing sync.Mutex
}

// UsageOptions tunes a UsageRecorder. Every field works at its zero value.
type UsageOptions struct {
	// Interval is how long a use may wait in memory before it is written.
	// Default 5 seconds.
	Interval time.Duration
	// Logger receives write failures. Default: discard.
	Logger *slog.Logger
}

// UsageStore is where a UsageRecorder writes; GovernanceStore includes it.
type UsageStore interface {
	RecordAccessKeyUses(ctx context.Context, uses []AccessKeyUse) error
}

// NewUsageRecorder returns a recorder writing to store.
func NewUsageRecorder(store UsageStore, o UsageOptions) *UsageRecorder {
	r := &UsageRecorder{store: store, log: o.Logger, interval: o.Interval, pending: map[string]AccessKeyUse{}}
	if r.interval <= 0 {
		r.interval = 5 * time.Second
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	return r
}

// Record notes that a key was used at a time, with a service and in a
// region (from the request's SigV4 scope).
func (r *UsageRecorder) Record(keyID, service, region string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev, ok := r.pending[keyID]; ok && prev.At.After(at) {
		return
	}
	r.pending[keyID] = AccessKeyUse{KeyID: keyID, At: at.UTC(), Service: service, Region: region}
	if r.timer == nil {
		r.timer = time.AfterFunc(r.interval, r.flushInBackground)
	}
}

func (r *UsageRecorder) flushInBackground() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Flush(ctx); err != nil {
		r.log.Warn("record access key use", "err", err)
	}
}

// Flush writes the uses in memory now. Uses that fail to be written are
// dropped (the next use of the key records it again). It returns only
// when no other flush is writing, so after it nothing taken earlier is
// still on its way to the store (test mode's reset relies on that).
func (r *UsageRecorder) Flush(ctx context.Context) error {
	r.flushing.Lock()
	defer r.flushing.Unlock()
	r.mu.Lock()
	batch := make([]AccessKeyUse, 0, len(r.pending))
	for _, u := range r.pending {
		batch = append(batch, u)
	}
	r.pending = map[string]AccessKeyUse{}
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	r.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	// One order for every writer, so concurrent batches on several nodes
	// lock rows in the same order.
	sort.Slice(batch, func(i, j int) bool { return batch[i].KeyID < batch[j].KeyID })
	return r.store.RecordAccessKeyUses(ctx, batch)
}

// Close writes what is in memory; call it when the server has stopped
// taking requests.
func (r *UsageRecorder) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return r.Flush(ctx)
}

// AccessKeyLastUsed is GetAccessKeyLastUsed's answer: the key's owner and
// its last use (zero At when never used).
type AccessKeyLastUsed struct {
	User *User
	Use  AccessKeyUse
}

// GetAccessKeyLastUsed tells when, where and with which service a key of
// the caller's account was last used. Uses reach the store a few seconds
// after they happen (UsageRecorder).
func (s *Service) GetAccessKeyLastUsed(ctx context.Context, p *authz.Principal, keyID string) (*AccessKeyLastUsed, error) {
	_, u, err := s.store.AccessKey(ctx, keyID)
	if errors.Is(err, ErrNotFound) || (err == nil && u.AccountID != p.AccountID) {
		// Another account's key is as unknown here as a key that is not.
		return nil, noSuchKey(keyID)
	}
	if err != nil {
		return nil, internal("access key", err)
	}
	if err := s.authz.Authorize(authz.WithResourceTags(ctx, u.Tags), p, "iam:GetAccessKeyLastUsed", u.ARN()); err != nil {
		return nil, err
	}
	use, err := s.store.AccessKeyLastUsed(ctx, keyID)
	if errors.Is(err, ErrNotFound) {
		return nil, noSuchKey(keyID)
	}
	if err != nil {
		return nil, internal("access key last used", err)
	}
	return &AccessKeyLastUsed{User: u, Use: use}, nil
}
