// Package audit is iamd's CloudTrail-shaped audit trail: one event per
// security-relevant request (every write, every refusal, every MFA failure,
// every credential issued), in CloudTrail's record format, kept for a
// retention period and looked up with CloudTrail's LookupEvents or exported
// as JSON Lines for a SIEM.
//
// An event never holds a secret: request parameters come without the
// members the model or iamd marks secret (passwords, secret keys, codes),
// and response elements are an allow-list of what identifies the result
// (ids, ARNs, dates), never credentials or seeds.
package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/iamd/iamd/internal/clock"
)

// EventVersion is the CloudTrail record version iamd writes.
const EventVersion = "1.09"

// Event types.
const (
	TypeAPICall       = "AwsApiCall"
	TypeConsoleSignIn = "AwsConsoleSignIn"
)

// Event is one CloudTrail record. Field names and JSON keys are
// CloudTrail's.
type Event struct {
	EventVersion        string         `json:"eventVersion"`
	UserIdentity        UserIdentity   `json:"userIdentity"`
	EventTime           time.Time      `json:"eventTime"`
	EventSource         string         `json:"eventSource"`
	EventName           string         `json:"eventName"`
	AWSRegion           string         `json:"awsRegion"`
	SourceIPAddress     string         `json:"sourceIPAddress"`
	UserAgent           string         `json:"userAgent"`
	ErrorCode           string         `json:"errorCode,omitempty"`
	ErrorMessage        string         `json:"errorMessage,omitempty"`
	RequestParameters   map[string]any `json:"requestParameters"`
	ResponseElements    map[string]any `json:"responseElements"`
	AdditionalEventData map[string]any `json:"additionalEventData,omitempty"`
	RequestID           string         `json:"requestID"`
	EventID             string         `json:"eventID"`
	ReadOnly            bool           `json:"readOnly"`
	Resources           []Resource     `json:"resources,omitempty"`
	EventType           string         `json:"eventType"`
	ManagementEvent     bool           `json:"managementEvent"`
	RecipientAccountID  string         `json:"recipientAccountId"`
	EventCategory       string         `json:"eventCategory"`

	// Seq orders events within one second, as the recorder saw them; it
	// is not part of the CloudTrail record.
	Seq int64 `json:"-"`
}

// UserIdentity is who made the request.
type UserIdentity struct {
	// Type is Root, IAMUser, AssumedRole, or Unknown for a request that
	// did not authenticate.
	Type           string          `json:"type"`
	PrincipalID    string          `json:"principalId,omitempty"`
	ARN            string          `json:"arn,omitempty"`
	AccountID      string          `json:"accountId,omitempty"`
	AccessKeyID    string          `json:"accessKeyId,omitempty"`
	UserName       string          `json:"userName,omitempty"`
	SessionContext *SessionContext `json:"sessionContext,omitempty"`
}

// SessionContext describes temporary credentials.
type SessionContext struct {
	SessionIssuer *SessionIssuer `json:"sessionIssuer,omitempty"`
	Attributes    SessionAttrs   `json:"attributes"`
}

// SessionIssuer is the role of a role session.
type SessionIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

// SessionAttrs are a session's attributes; MFAAuthenticated is "true" or
// "false", as CloudTrail writes it.
type SessionAttrs struct {
	CreationDate     time.Time `json:"creationDate"`
	MFAAuthenticated string    `json:"mfaAuthenticated"`
}

// Resource is a resource an event names, for LookupEvents' ResourceName.
type Resource struct {
	Type string `json:"resourceType,omitempty"`
	Name string `json:"resourceName"`
}

// Query selects events of one account for LookupEvents: at most one
// attribute (as CloudTrail allows), a time range, and a page.
type Query struct {
	AccountID string
	// Attribute is one of EventName, Username, ResourceName, AccessKeyId,
	// EventSource, ReadOnly, EventId; "" for none.
	Attribute, Value string
	// Start and End bound EventTime (inclusive); zero for unbounded.
	Start, End time.Time
	Max        int
	Token      string
}

// ErrInvalidToken is a Store's answer to a LookupEvents NextToken it did
// not make.
var ErrInvalidToken = errors.New("audit: invalid NextToken")

// Store keeps events.
type Store interface {
	// InsertEvents writes events, all or none.
	InsertEvents(ctx context.Context, events []Event) error
	// LookupEvents returns the account's events that match q, newest
	// first, and the token of the next page ("" on the last).
	LookupEvents(ctx context.Context, q Query) ([]Event, string, error)
	// ExportEvents calls fn with every event from since on (any
	// account), oldest first.
	ExportEvents(ctx context.Context, since time.Time, fn func(Event) error) error
	// DeleteEventsBefore removes events older than t and says how many.
	DeleteEventsBefore(ctx context.Context, t time.Time) (int, error)
}

// Options tune a Recorder. Every field works at its zero value.
type Options struct {
	// Clock is the real clock when nil.
	Clock clock.Clock
	// Logger discards when nil.
	Logger *slog.Logger
	// Retention is how long events are kept. Default 90 days, as
	// CloudTrail's event history.
	Retention time.Duration
	// FlushEvery is how often batched events are written. Default 1 s.
	FlushEvery time.Duration
}

// DefaultRetention is CloudTrail's event history: 90 days.
const DefaultRetention = 90 * 24 * time.Hour

// A batch is written every FlushEvery, or as soon as flushAt events wait
// (so that a busy server writes batches of a few hundred rather than one
// event per request); maxPending bounds the events waiting, past which a
// Record writes at once: back-pressure when the store cannot keep up.
const (
	flushAt    = 256
	maxPending = 8192
)

// Recorder writes events: those of writes at once (the request waits, so
// an acknowledged change always has its event), the others in batches.
type Recorder struct {
	store Store
	clock clock.Clock
	log   *slog.Logger
	opts  Options

	mu      sync.Mutex
	seq     int64
	pending []Event
	// flushing is held while a batch is written.
	flushing sync.Mutex
	stop     chan struct{}
	done     chan struct{}
	kick     chan struct{} // asks the loop for an early flush
	closed   bool
}

// NewRecorder returns a recorder writing to store, flushing batches in the
// background and removing expired events hourly until Close.
func NewRecorder(store Store, o Options) *Recorder {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Retention <= 0 {
		o.Retention = DefaultRetention
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = time.Second
	}
	r := &Recorder{store: store, clock: o.Clock, log: o.Logger, opts: o, stop: make(chan struct{}), done: make(chan struct{}),
		kick: make(chan struct{}, 1)}
	go r.loop()
	return r
}

// NewEventID returns a random event id in CloudTrail's form (a UUID).
func NewEventID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// complete fills the fields every event has.
func (r *Recorder) complete(e *Event) {
	if e.EventVersion == "" {
		e.EventVersion = EventVersion
	}
	if e.EventID == "" {
		e.EventID = NewEventID()
	}
	if e.EventTime.IsZero() {
		e.EventTime = r.clock.Now().UTC().Truncate(time.Second)
	}
	if e.EventType == "" {
		e.EventType = TypeAPICall
	}
	e.ManagementEvent, e.EventCategory = true, "Management"
	r.mu.Lock()
	// Increasing within this process, and roughly in time order across
	// nodes (it starts at the clock's nanoseconds).
	r.seq = max(r.seq+1, time.Now().UnixNano())
	e.Seq = r.seq
	r.mu.Unlock()
	if e.RequestParameters == nil {
		e.RequestParameters = map[string]any{}
	}
}

// Record writes e now (sync, for writes: the caller answers only after it
// is stored) or with the next batch.
func (r *Recorder) Record(ctx context.Context, e Event, sync bool) error {
	r.complete(&e)
	if sync {
		return r.store.InsertEvents(ctx, []Event{e})
	}
	r.mu.Lock()
	if r.closed || len(r.pending) >= maxPending {
		r.mu.Unlock()
		return r.store.InsertEvents(ctx, []Event{e})
	}
	r.pending = append(r.pending, e)
	full := len(r.pending) >= flushAt
	r.mu.Unlock()
	if full {
		select {
		case r.kick <- struct{}{}:
		default: // a flush is already asked for
		}
	}
	return nil
}

// Flush writes the batched events now. It returns only when no other
// flush is writing, so after it nothing recorded earlier is still on its
// way to the store (test mode's reset relies on that).
func (r *Recorder) Flush(ctx context.Context) error {
	r.flushing.Lock()
	defer r.flushing.Unlock()
	r.mu.Lock()
	batch := r.pending
	r.pending = nil
	r.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	if err := r.store.InsertEvents(ctx, batch); err != nil {
		r.log.Error("write audit events", "events", len(batch), "err", err)
		return err
	}
	return nil
}

// Prune removes the events older than the retention period.
func (r *Recorder) Prune(ctx context.Context) error {
	n, err := r.store.DeleteEventsBefore(ctx, r.clock.Now().Add(-r.opts.Retention))
	if err != nil {
		r.log.Error("remove expired audit events", "err", err)
		return err
	}
	if n > 0 {
		r.log.Info("removed expired audit events", "events", n, "retention", r.opts.Retention.String())
	}
	return nil
}

func (r *Recorder) loop() {
	defer close(r.done)
	flush := time.NewTicker(r.opts.FlushEvery)
	defer flush.Stop()
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	r.Prune(context.Background())
	for {
		select {
		case <-r.stop:
			return
		case <-flush.C:
			r.Flush(context.Background())
		case <-r.kick:
			r.Flush(context.Background())
		case <-prune.C:
			r.Prune(context.Background())
		}
	}
}

// Close stops the background work and writes what is batched.
func (r *Recorder) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()
	close(r.stop)
	<-r.done
	return r.Flush(context.Background())
}
