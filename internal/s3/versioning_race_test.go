package s3

import (
	"context"
	"testing"

	"github.com/iamd/iamd/internal/authz"
)

// racingStore is a Store whose bucket changes right after the domain has
// read it: root's PutBucketVersioning committing between another request's
// read and write. Only the methods PutBucketVersioning uses are served.
type racingStore struct {
	Store
	b     Bucket
	after func(b *Bucket)
}

func (rs *racingStore) Bucket(context.Context, string) (*Bucket, error) {
	read := rs.b
	if rs.after != nil {
		rs.after(&rs.b)
		rs.after = nil
	}
	return &read, nil
}

func (rs *racingStore) SetVersioning(_ context.Context, _, versioning, mfaDelete string) error {
	rs.b.Versioning, rs.b.MFADelete = versioning, mfaDelete
	return nil
}

func (rs *racingStore) SetVersioningFrom(_ context.Context, _, wasV, wasM, versioning, mfaDelete string) error {
	if rs.b.Versioning != wasV || rs.b.MFADelete != wasM {
		return ErrVersioningChanged
	}
	rs.b.Versioning, rs.b.MFADelete = versioning, mfaDelete
	return nil
}

type allowAll struct{}

func (allowAll) Authorize(context.Context, *authz.Principal, string, string) error { return nil }

// TestPutBucketVersioningRace: an IAM user's PutBucketVersioning that read
// the bucket before root enabled MFA Delete, and writes after, does not
// write MFA Delete back to what it read: it is refused, and MFA Delete
// stays Enabled.
func TestPutBucketVersioningRace(t *testing.T) {
	const acct = "123456789012"
	st := &racingStore{b: Bucket{Name: "b", AccountID: acct, Versioning: VersioningEnabled},
		after: func(b *Bucket) { b.MFADelete = MFADeleteEnabled }}
	s := New(st, nil, allowAll{}, func(context.Context, *authz.Identity, string, string) error {
		t.Fatal("no code should be checked")
		return nil
	}, Config{})
	user := &authz.Principal{AccountID: acct, User: &authz.Identity{AccountID: acct, ID: "AIDAUSER", Name: "ops", Path: "/"}}
	err := s.PutBucketVersioning(context.Background(), Request{Principal: user}, "b", VersioningConfiguration{Status: VersioningSuspended})
	if err == nil {
		t.Fatal("a PutBucketVersioning decided on a stale MFA Delete state was written")
	}
	if e, ok := err.(*Error); !ok || e.Code != "OperationAborted" {
		t.Fatalf("PutBucketVersioning = %v, want OperationAborted", err)
	}
	if st.b.MFADelete != MFADeleteEnabled || st.b.Versioning != VersioningEnabled {
		t.Fatalf("bucket is %s/%s after the race, want Enabled/Enabled", st.b.Versioning, st.b.MFADelete)
	}
}
