package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/audit"
)

// InsertEvents writes audit events, all or none. They do not bump the
// account's generation: they change nothing a cache holds.
func (s *Store) InsertEvents(ctx context.Context, events []audit.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, e := range events {
			rec, err := json.Marshal(e)
			if err != nil {
				return err
			}
			acct := e.RecipientAccountID
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events (event_id, account_id, event_time, seq, event_name, event_source,
				username, access_key_id, read_only, record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				e.EventID, acct, ms(e.EventTime), e.Seq, e.EventName, e.EventSource, username(e), e.UserIdentity.AccessKeyID,
				boolInt(e.ReadOnly), string(rec)); err != nil {
				return err
			}
			for _, r := range e.Resources {
				if _, err := tx.ExecContext(ctx, `INSERT INTO audit_event_resources (event_id, account_id, resource_name) VALUES ($1, $2, $3)`,
					e.EventID, acct, r.Name); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// username is LookupEvents' Username of an event: the user name, or the
// role session's name, as CloudTrail gives it.
func username(e audit.Event) string {
	if e.UserIdentity.UserName != "" {
		return e.UserIdentity.UserName
	}
	if e.UserIdentity.Type == "Root" {
		return "root"
	}
	if i := strings.LastIndex(e.UserIdentity.ARN, "/"); i >= 0 && e.UserIdentity.Type == "AssumedRole" {
		return e.UserIdentity.ARN[i+1:]
	}
	return ""
}

// LookupEvents returns the account's events matching q, newest first.
func (s *Store) LookupEvents(ctx context.Context, q audit.Query) ([]audit.Event, string, error) {
	where := []string{"e.account_id = $1"}
	args := []any{q.AccountID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch q.Attribute {
	case "":
	case "EventName":
		where = append(where, "e.event_name = "+arg(q.Value))
	case "EventSource":
		where = append(where, "e.event_source = "+arg(q.Value))
	case "Username":
		where = append(where, "e.username = "+arg(q.Value))
	case "AccessKeyId":
		where = append(where, "e.access_key_id = "+arg(q.Value))
	case "EventId":
		where = append(where, "e.event_id = "+arg(q.Value))
	case "ReadOnly":
		where = append(where, "e.read_only = "+arg(boolInt(strings.EqualFold(q.Value, "true"))))
	case "ResourceName":
		where = append(where, "e.event_id IN (SELECT r.event_id FROM audit_event_resources r WHERE r.account_id = $1 AND r.resource_name = "+arg(q.Value)+")")
	default:
		return nil, "", errors.New("store: unknown lookup attribute " + q.Attribute)
	}
	if !q.Start.IsZero() {
		where = append(where, "e.event_time >= "+arg(ms(q.Start)))
	}
	if !q.End.IsZero() {
		where = append(where, "e.event_time <= "+arg(ms(q.End)))
	}
	if q.Token != "" {
		t, seq, err := decodeAuditToken(q.Token)
		if err != nil {
			return nil, "", err
		}
		where = append(where, "(e.event_time < "+arg(t)+" OR (e.event_time = "+arg(t)+" AND e.seq < "+arg(seq)+"))")
	}
	max := q.Max
	if max <= 0 {
		max = 50
	}
	rows, err := s.query(ctx, `SELECT e.event_time, e.seq, e.record FROM audit_events e WHERE `+strings.Join(where, " AND ")+
		` ORDER BY e.event_time DESC, e.seq DESC LIMIT `+arg(max+1), args...)
	if err != nil {
		return nil, "", err
	}
	type row struct {
		t, seq int64
		e      audit.Event
	}
	out, err := collect(rows, func(sc rowScanner) (*row, error) {
		var r row
		var rec string
		if err := sc.Scan(&r.t, &r.seq, &rec); err != nil {
			return nil, err
		}
		return &r, json.Unmarshal([]byte(rec), &r.e)
	})
	if err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, max, func(last row) string {
		return encodeMarker(strconv.FormatInt(last.t, 10) + ":" + strconv.FormatInt(last.seq, 10))
	})
	events := make([]audit.Event, len(out))
	for i, r := range out {
		events[i] = r.e
	}
	return events, next, nil
}

func decodeAuditToken(tok string) (t, seq int64, err error) {
	raw, err := decodeMarker(tok)
	if err != nil {
		return 0, 0, audit.ErrInvalidToken
	}
	ts, ss, ok := strings.Cut(raw, ":")
	t, terr := strconv.ParseInt(ts, 10, 64)
	seq, serr := strconv.ParseInt(ss, 10, 64)
	if !ok || terr != nil || serr != nil {
		return 0, 0, audit.ErrInvalidToken
	}
	return t, seq, nil
}

// ExportEvents calls fn with every event from since on, oldest first,
// reading a thousand at a time.
func (s *Store) ExportEvents(ctx context.Context, since time.Time, fn func(audit.Event) error) error {
	const page = 1000
	var after, afterSeq int64
	for first := true; ; first = false {
		var rows *sql.Rows
		var err error
		if first {
			rows, err = s.query(ctx, `SELECT event_time, seq, record FROM audit_events
				WHERE event_time >= $1 ORDER BY event_time, seq LIMIT 1000`, ms(since))
		} else {
			rows, err = s.query(ctx, `SELECT event_time, seq, record FROM audit_events
				WHERE event_time > $1 OR (event_time = $1 AND seq > $2) ORDER BY event_time, seq LIMIT 1000`, after, afterSeq)
		}
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			var rec string
			if err := rows.Scan(&after, &afterSeq, &rec); err != nil {
				rows.Close()
				return err
			}
			var e audit.Event
			if err := json.Unmarshal([]byte(rec), &e); err != nil {
				rows.Close()
				return err
			}
			if err := fn(e); err != nil {
				rows.Close()
				return err
			}
			n++
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n < page {
			return nil
		}
	}
}

// DeleteEventsBefore removes the events older than t.
func (s *Store) DeleteEventsBefore(ctx context.Context, t time.Time) (int, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM audit_event_resources WHERE event_id IN
			(SELECT event_id FROM audit_events WHERE event_time < $1)`, ms(t)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM audit_events WHERE event_time < $1`, ms(t))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}
