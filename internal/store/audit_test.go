package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/store/storetest"
)

// TestAuditEvents checks the audit store on every engine: lookup by each
// attribute and by time, newest first across pages, export oldest first,
// and expiry.
func TestAuditEvents(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			st := eng.Open(t)
			ctx := context.Background()
			base := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
			var events []audit.Event
			for i := range 7 {
				e := audit.Event{EventVersion: audit.EventVersion, EventID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
					EventTime: base.Add(time.Duration(i) * time.Minute), EventSource: "iam.amazonaws.com", EventName: "CreateUser",
					RecipientAccountID: "123456789012", ReadOnly: false, EventType: audit.TypeAPICall, Seq: int64(i),
					UserIdentity: audit.UserIdentity{Type: "IAMUser", UserName: "alice", AccessKeyID: "AKIAALICE", AccountID: "123456789012"},
					Resources:    []audit.Resource{{Type: "AWS::IAM::User", Name: fmt.Sprintf("user%d", i)}}}
				if i%2 == 1 {
					e.EventName, e.ReadOnly, e.EventSource = "GetSessionToken", true, "sts.amazonaws.com"
					e.UserIdentity = audit.UserIdentity{Type: "Root", AccessKeyID: "AKIAROOT", AccountID: "123456789012"}
				}
				events = append(events, e)
			}
			other := events[0]
			other.EventID, other.RecipientAccountID, other.Seq = "00000000-0000-4000-8000-999999999999", "210987654321", 99
			if err := st.InsertEvents(ctx, append(events, other)); err != nil {
				t.Fatal(err)
			}
			ids := func(es []audit.Event) []string {
				var out []string
				for _, e := range es {
					out = append(out, e.EventID[len(e.EventID)-2:])
				}
				return out
			}
			for _, tt := range []struct {
				name string
				q    audit.Query
				want []string
			}{
				{"all, newest first", audit.Query{}, []string{"06", "05", "04", "03", "02", "01", "00"}},
				{"EventName", audit.Query{Attribute: "EventName", Value: "GetSessionToken"}, []string{"05", "03", "01"}},
				{"EventSource", audit.Query{Attribute: "EventSource", Value: "iam.amazonaws.com"}, []string{"06", "04", "02", "00"}},
				{"Username", audit.Query{Attribute: "Username", Value: "root"}, []string{"05", "03", "01"}},
				{"AccessKeyId", audit.Query{Attribute: "AccessKeyId", Value: "AKIAALICE"}, []string{"06", "04", "02", "00"}},
				{"ReadOnly", audit.Query{Attribute: "ReadOnly", Value: "true"}, []string{"05", "03", "01"}},
				{"ResourceName", audit.Query{Attribute: "ResourceName", Value: "user4"}, []string{"04"}},
				{"EventId", audit.Query{Attribute: "EventId", Value: events[2].EventID}, []string{"02"}},
				{"time range", audit.Query{Start: base.Add(2 * time.Minute), End: base.Add(4 * time.Minute)}, []string{"04", "03", "02"}},
			} {
				tt.q.AccountID = "123456789012"
				got, next, err := st.LookupEvents(ctx, tt.q)
				if err != nil || next != "" {
					t.Fatalf("%s: LookupEvents = %v, next %q", tt.name, err, next)
				}
				if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
					t.Errorf("%s: LookupEvents (-want +got):\n%s", tt.name, diff)
				}
			}
			// Pages of 3: every event once, newest first.
			var paged []audit.Event
			for q := (audit.Query{AccountID: "123456789012", Max: 3}); ; {
				page, next, err := st.LookupEvents(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				paged = append(paged, page...)
				if next == "" {
					break
				}
				q.Token = next
			}
			if diff := cmp.Diff([]string{"06", "05", "04", "03", "02", "01", "00"}, ids(paged)); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
			if _, _, err := st.LookupEvents(ctx, audit.Query{AccountID: "123456789012", Token: "garbage!"}); !errors.Is(err, audit.ErrInvalidToken) {
				t.Errorf("LookupEvents(garbage token) = %v, want the invalid-token error", err)
			}
			// The record comes back whole.
			got, _, _ := st.LookupEvents(ctx, audit.Query{AccountID: "123456789012", Attribute: "EventId", Value: events[1].EventID})
			if len(got) != 1 || !got[0].EventTime.Equal(events[1].EventTime) || got[0].UserIdentity.Type != "Root" {
				t.Errorf("record = %+v, want %+v", got, events[1])
			}
			var exported []audit.Event
			if err := st.ExportEvents(ctx, base.Add(5*time.Minute), func(e audit.Event) error { exported = append(exported, e); return nil }); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"05", "06"}, ids(exported)); diff != "" {
				t.Errorf("export (-want +got):\n%s", diff)
			}
			n, err := st.DeleteEventsBefore(ctx, base.Add(3*time.Minute))
			if err != nil || n != 4 { // 00, 01, 02 and the other account's 00
				t.Errorf("DeleteEventsBefore = %d, %v, want 4", n, err)
			}
			if got, _, _ := st.LookupEvents(ctx, audit.Query{AccountID: "123456789012", Attribute: "ResourceName", Value: "user0"}); len(got) != 0 {
				t.Errorf("an expired event is still found by resource: %v", got)
			}
		})
	}
}
