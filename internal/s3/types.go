// Package s3 is iamd's small S3: buckets, versioning with MFA Delete, and
// versioned objects — the smallest S3 that makes AWS's MFA Delete real. Its
// rules are AWS's: only the bucket owner's root user may change MfaDelete,
// with a code from its own MFA device in x-amz-mfa; once MfaDelete is
// Enabled, changing the versioning state and permanently deleting a
// version need a valid, single-use code, while a delete that only adds a
// delete marker does not. Every operation asks authz (s3 actions on bucket
// and object ARNs) before it looks anything up, and every code goes
// through the same MFA verifier as the other doors.
//
// The package owns its storage interface (Store for metadata, Blobs for
// object bytes) and knows nothing of HTTP: the gateway's REST-XML codec
// decodes requests into the operations' inputs and renders their outputs.
package s3

import (
	"context"
	"errors"
	"io"
	"time"
)

// Versioning states of a bucket, as GetBucketVersioning shows them. A
// bucket whose versioning was never enabled has none ("").
const (
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
)

// MFA Delete states. A bucket whose MfaDelete was never set has none ("").
const (
	MFADeleteEnabled  = "Enabled"
	MFADeleteDisabled = "Disabled"
)

// NullVersion is the version id of an object written while versioning was
// never enabled or is suspended.
const NullVersion = "null"

// Bucket is one bucket. Names are global, as on AWS: one account owns it.
type Bucket struct {
	Name      string
	AccountID string // the owner
	Region    string
	CreatedAt time.Time
	// Versioning is "", VersioningEnabled or VersioningSuspended.
	Versioning string
	// MFADelete is "", MFADeleteEnabled or MFADeleteDisabled.
	MFADelete string
}

// Version is one stored version of a key: an object, or a delete marker.
type Version struct {
	Bucket string
	Key    string
	// VersionID is the version's id, NullVersion for the null version.
	VersionID string
	// DeleteMarker is set for a delete marker, which has no bytes.
	DeleteMarker bool
	// Seq orders a key's versions: the highest is the latest. The store
	// assigns it.
	Seq          int64
	LastModified time.Time
	Size         int64
	// ETag is the quoted hex MD5 of the body, as S3 sends it.
	ETag        string
	ContentType string
	// Metadata are the x-amz-meta-* headers, names in lower case without
	// the prefix.
	Metadata map[string]string
	// ChecksumAlgorithm and Checksum are the flexible checksum the writer
	// sent (CRC32, CRC32C, CRC64NVME, SHA1 or SHA256; base64 value), if
	// any.
	ChecksumAlgorithm string
	Checksum          string
	// BlobID names the bytes in Blobs; "" for a delete marker.
	BlobID string
	// Owner is the account that wrote the version.
	Owner string
	// IsLatest is set on listing and lookup results for the key's latest
	// version.
	IsLatest bool
}

// ListQuery pages through a bucket's keys or versions in key order (and,
// within a key, newest version first).
type ListQuery struct {
	Prefix    string
	Delimiter string
	// StartAfter lists keys after this one (ListObjectsV2's StartAfter or
	// continuation; ListObjectVersions' KeyMarker).
	StartAfter string
	// VersionIDMarker, with StartAfter, resumes after that version of the
	// StartAfter key (ListObjectVersions).
	VersionIDMarker string
	// MaxKeys is how many entries (versions, or keys, plus common
	// prefixes) to return; the store returns up to MaxKeys+1 so the
	// caller can tell whether the list is truncated.
	MaxKeys int
}

// Store is the metadata the s3 domain reads and writes. Each method is
// one transaction. The store returns ErrNoSuchBucket, ErrNoSuchVersion,
// ErrBucketExists and ErrBucketNotEmpty as they apply; any other error is
// internal.
type Store interface {
	// CreateBucket adds a bucket; ErrBucketExists when the name is taken
	// (by any account).
	CreateBucket(ctx context.Context, b Bucket) error
	// Bucket finds a bucket by name; ErrNoSuchBucket.
	Bucket(ctx context.Context, name string) (*Bucket, error)
	// Buckets lists an account's buckets by name.
	Buckets(ctx context.Context, accountID string) ([]Bucket, error)
	// DeleteBucket removes an empty bucket; ErrBucketNotEmpty while any
	// version or delete marker remains.
	DeleteBucket(ctx context.Context, name string) error
	// SetVersioning sets a bucket's versioning and MFA Delete states.
	SetVersioning(ctx context.Context, name, versioning, mfaDelete string) error
	// SetVersioningFrom sets them only while they are still wasVersioning
	// and wasMFADelete, as the caller read them, in one statement;
	// ErrVersioningChanged when they are not (a concurrent
	// PutBucketVersioning came first), ErrNoSuchBucket when the bucket is
	// gone.
	SetVersioningFrom(ctx context.Context, name, wasVersioning, wasMFADelete, versioning, mfaDelete string) error
	// PutVersion stores v as the key's latest version (the store assigns
	// Seq). When v.VersionID is NullVersion, an existing null version of
	// the key is replaced in the same transaction and returned, so the
	// caller can delete its bytes; otherwise replaced is nil.
	// ErrNoSuchBucket when the bucket is gone.
	PutVersion(ctx context.Context, v Version) (replaced *Version, err error)
	// Version finds one version of a key; versionID "" is the latest
	// (which may be a delete marker). ErrNoSuchVersion when there is
	// none; IsLatest is set on the result.
	Version(ctx context.Context, bucket, key, versionID string) (*Version, error)
	// DeleteVersion removes one version permanently and returns it;
	// ErrNoSuchVersion when there is none.
	DeleteVersion(ctx context.Context, bucket, key, versionID string) (*Version, error)
	// ListVersions lists versions and delete markers in key order, newest
	// first within a key, with IsLatest set; up to q.MaxKeys+1 entries,
	// ignoring q.Delimiter (the domain rolls up common prefixes).
	ListVersions(ctx context.Context, bucket string, q ListQuery) ([]Version, error)
	// ListLatest lists, in key order, each key's latest version when it
	// is not a delete marker; up to q.MaxKeys+1 entries, ignoring
	// q.Delimiter and q.VersionIDMarker.
	ListLatest(ctx context.Context, bucket string, q ListQuery) ([]Version, error)
}

// Blobs holds object bytes: files under the data dir with SQLite, rows in
// the database with PostgreSQL (so that every node reaches them).
type Blobs interface {
	// Create stores r's bytes under a new id and returns it. An error
	// from r (a bad chunk signature, a checksum mismatch found at the
	// end) must leave nothing stored.
	Create(ctx context.Context, r io.Reader) (id string, size int64, err error)
	// Open reads a blob; ErrNoSuchBlob when it is gone.
	Open(ctx context.Context, id string) (io.ReadCloser, error)
	// Delete removes a blob; deleting a missing one is not an error.
	Delete(ctx context.Context, id string) error
}

// Errors the store returns.
var (
	ErrNoSuchBucket   = errors.New("s3: no such bucket")
	ErrNoSuchVersion  = errors.New("s3: no such version")
	ErrBucketExists   = errors.New("s3: bucket name taken")
	ErrBucketNotEmpty = errors.New("s3: bucket not empty")
	ErrNoSuchBlob     = errors.New("s3: no such blob")
	// ErrVersioningChanged is SetVersioningFrom's answer when the
	// bucket's states are no longer those the caller read.
	ErrVersioningChanged = errors.New("s3: versioning changed concurrently")
)
