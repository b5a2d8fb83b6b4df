package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/s3"
	"github.com/iamd/iamd/internal/store/storetest"
)

// TestSetVersioningFrom: the write happens only from the states the caller
// read, so a PutBucketVersioning decided on a stale MFA Delete state cannot
// undo a concurrent one.
func TestSetVersioningFrom(t *testing.T) {
	ctx := context.Background()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			st := e.Open(t)
			const acct = "123456789012"
			if err := st.CreateAccount(ctx, &iam.Account{ID: acct, Email: "cas@example.com", CreatedAt: time.Now()},
				&iam.User{ID: acct, AccountID: acct, Name: iam.RootUserName, Path: "/", Root: true, CreatedAt: time.Now()}, "", nil); err != nil {
				t.Fatal(err)
			}
			if err := st.CreateBucket(ctx, s3.Bucket{Name: "cas", AccountID: acct, Region: "us-east-1", CreatedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			if err := st.SetVersioningFrom(ctx, "cas", "", "", s3.VersioningEnabled, s3.MFADeleteEnabled); err != nil {
				t.Fatalf("SetVersioningFrom(as read) = %v", err)
			}
			// A writer that read the bucket before that write.
			if err := st.SetVersioningFrom(ctx, "cas", "", "", s3.VersioningSuspended, ""); !errors.Is(err, s3.ErrVersioningChanged) {
				t.Fatalf("SetVersioningFrom(stale) = %v, want ErrVersioningChanged", err)
			}
			b, err := st.Bucket(ctx, "cas")
			if err != nil || b.Versioning != s3.VersioningEnabled || b.MFADelete != s3.MFADeleteEnabled {
				t.Fatalf("after a stale write: %+v, %v; want Enabled/Enabled", b, err)
			}
			if err := st.SetVersioningFrom(ctx, "missing", "", "", s3.VersioningEnabled, ""); !errors.Is(err, s3.ErrNoSuchBucket) {
				t.Fatalf("SetVersioningFrom(missing) = %v, want ErrNoSuchBucket", err)
			}
		})
	}
}
