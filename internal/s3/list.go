package s3

import (
	"context"
	"strings"
)

// maxListKeys is the most entries one listing returns, as on S3.
const maxListKeys = 1000

// skipGroup, appended to a common prefix, makes a StartAfter that is after
// every key under that prefix: keys are valid UTF-8 of at most 1024 bytes,
// and no such key that starts with the prefix sorts after prefix +
// 256×U+10FFFF (the largest code point, 4 bytes each).
var skipGroup = strings.Repeat("\U0010FFFF", maxKeyLen/4)

// ListInput is what a listing asks for. Marker is ListObjectsV2's
// StartAfter or decoded continuation token, or ListObjectVersions'
// KeyMarker; VersionIDMarker is the latter's version-id-marker.
type ListInput struct {
	Bucket          string
	Prefix          string
	Delimiter       string
	Marker          string
	VersionIDMarker string
	// MaxKeys is 0 to 1000; the codec clamps larger values and refuses
	// negative ones.
	MaxKeys int
}

// ListResult is one page of a listing: entries in key order (newest
// version first within a key), the common prefixes rolled up by the
// delimiter, and where the next page starts when IsTruncated.
type ListResult struct {
	Versions       []Version
	CommonPrefixes []string
	IsTruncated    bool
	// NextMarker is the last key or common prefix of this page, and
	// NextVersionIDMarker the last version's id (version listings).
	NextMarker          string
	NextVersionIDMarker string
}

// ListObjects lists the latest version of each key that is not deleted
// (ListObjectsV2).
func (s *Service) ListObjects(ctx context.Context, r Request, in ListInput) (*ListResult, error) {
	if _, err := s.authorize(ctx, r, "s3:ListBucket", BucketARN(in.Bucket), in.Bucket); err != nil {
		return nil, err
	}
	return s.list(ctx, in, func(q ListQuery) ([]Version, error) { return s.store.ListLatest(ctx, in.Bucket, q) })
}

// ListObjectVersions lists every version and delete marker.
func (s *Service) ListObjectVersions(ctx context.Context, r Request, in ListInput) (*ListResult, error) {
	if _, err := s.authorize(ctx, r, "s3:ListBucketVersions", BucketARN(in.Bucket), in.Bucket); err != nil {
		return nil, err
	}
	if in.VersionIDMarker != "" && in.Marker == "" {
		return nil, newError(codeInvalidArgument, "A version-id marker cannot be specified without a key marker.",
			"ArgumentName", "version-id-marker", "ArgumentValue", in.VersionIDMarker)
	}
	return s.list(ctx, in, func(q ListQuery) ([]Version, error) { return s.store.ListVersions(ctx, in.Bucket, q) })
}

// list pages through fetch, rolling keys that contain the delimiter after
// the prefix up into common prefixes. A common prefix counts as one entry,
// and the keys under it are skipped in the store, not read and dropped.
func (s *Service) list(ctx context.Context, in ListInput, fetch func(ListQuery) ([]Version, error)) (*ListResult, error) {
	max := min(in.MaxKeys, maxListKeys)
	res := &ListResult{}
	q := ListQuery{Prefix: in.Prefix, StartAfter: in.Marker, VersionIDMarker: in.VersionIDMarker}
	if in.Delimiter != "" && in.Marker != "" && in.VersionIDMarker == "" {
		// A marker that is itself a common prefix (a previous page's
		// NextMarker) resumes after the whole group.
		if cp, ok := commonPrefix(in.Marker, in.Prefix, in.Delimiter); ok && cp == in.Marker {
			q.StartAfter = cp + skipGroup
		}
	}
	count := 0
	for {
		q.MaxKeys = max - count
		batch, err := fetch(q)
		if err != nil {
			return nil, internal("list", err)
		}
		restarted := false
		for i, v := range batch {
			if count == max {
				res.IsTruncated = true
				return res, nil
			}
			if cp, ok := commonPrefix(v.Key, in.Prefix, in.Delimiter); ok {
				res.CommonPrefixes = append(res.CommonPrefixes, cp)
				res.NextMarker, res.NextVersionIDMarker = cp, ""
				count++
				// The rest of the batch may lie under the same prefix:
				// fetch again from after the group.
				q.StartAfter, q.VersionIDMarker = cp+skipGroup, ""
				restarted = i < len(batch)-1 || len(batch) > q.MaxKeys
				break
			}
			res.Versions = append(res.Versions, v)
			res.NextMarker, res.NextVersionIDMarker = v.Key, v.VersionID
			count++
		}
		if !restarted && len(batch) <= q.MaxKeys {
			return res, nil // the store had no more
		}
		if !restarted {
			// The batch was full (MaxKeys+1 entries) and all taken but
			// the extra one: there is more.
			res.IsTruncated = true
			return res, nil
		}
	}
}

// commonPrefix returns the prefix + everything up to and including the
// first delimiter after it, when the key has one.
func commonPrefix(key, prefix, delimiter string) (string, bool) {
	if delimiter == "" || !strings.HasPrefix(key, prefix) {
		return "", false
	}
	i := strings.Index(key[len(prefix):], delimiter)
	if i < 0 {
		return "", false
	}
	return key[:len(prefix)+i+len(delimiter)], true
}
