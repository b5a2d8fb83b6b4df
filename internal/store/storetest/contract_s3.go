package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/s3"
)

func testS3(t *testing.T, f *fixture) {
	t.Run("buckets", func(t *testing.T) { testS3Buckets(t, f) })
	t.Run("versions and delete markers", func(t *testing.T) { testS3Versions(t, f) })
	t.Run("null version", func(t *testing.T) { testS3NullVersion(t, f) })
	t.Run("listing", func(t *testing.T) { testS3Listing(t, f) })
	t.Run("version marker of a deleted version", func(t *testing.T) { testS3GoneMarker(t, f) })
	t.Run("concurrent puts on one key", func(t *testing.T) { testS3ConcurrentPuts(t, f) })
	t.Run("concurrent null versions", func(t *testing.T) { testS3ConcurrentNull(t, f) })
	t.Run("delete bucket races puts", func(t *testing.T) { testS3DeleteRace(t, f) })
	t.Run("blobs", func(t *testing.T) { testS3Blobs(t, f) })
}

// bucket creates a bucket of acct with a name unique in the store.
func (f *fixture) bucket(t testing.TB, acct string) string {
	t.Helper()
	name := fmt.Sprintf("bucket-%08d", f.n.Add(1))
	if err := f.st.CreateBucket(ctx, s3.Bucket{Name: name, AccountID: acct, Region: "us-east-1", CreatedAt: t0,
		Versioning: s3.VersioningEnabled}); err != nil {
		t.Fatalf("CreateBucket(%s) = %v", name, err)
	}
	return name
}

// object returns an object version, not yet stored.
func object(bucket, key, versionID, owner string) s3.Version {
	return s3.Version{Bucket: bucket, Key: key, VersionID: versionID, LastModified: t0, Size: 3,
		ETag: `"900150983cd24fb0d6963f7d28e17f72"`, ContentType: "text/plain", BlobID: "blob-" + versionID, Owner: owner}
}

// deleteMarker returns a delete marker, not yet stored.
func deleteMarker(bucket, key, versionID, owner string) s3.Version {
	return s3.Version{Bucket: bucket, Key: key, VersionID: versionID, DeleteMarker: true, LastModified: t0, Owner: owner}
}

// put stores v and returns the version it replaced.
func (f *fixture) put(t testing.TB, v s3.Version) *s3.Version {
	t.Helper()
	replaced, err := f.st.PutVersion(ctx, v)
	if err != nil {
		t.Fatalf("PutVersion(%s %s) = %v", v.Key, v.VersionID, err)
	}
	return replaced
}

// labels names versions as "key version" with " latest" on the latest,
// so lists compare at a glance.
func labels(vs []s3.Version) []string {
	out := []string{}
	for _, v := range vs {
		l := v.Key + " " + v.VersionID
		if v.DeleteMarker {
			l += " marker"
		}
		if v.IsLatest {
			l += " latest"
		}
		out = append(out, l)
	}
	return out
}

func testS3Buckets(t *testing.T, f *fixture) {
	st := f.st
	acct, other := f.account(t), f.account(t)
	// Names that a collation other than byte order (en_US ignores
	// punctuation) would put in another order.
	base := fmt.Sprintf("o%08d", f.n.Add(1))
	names := []string{base + "b", base + "-c", base + "a-", base + ".a"}
	for _, n := range names {
		if err := st.CreateBucket(ctx, s3.Bucket{Name: n, AccountID: acct, Region: "eu-west-1", CreatedAt: t0}); err != nil {
			t.Fatalf("CreateBucket(%s) = %v", n, err)
		}
	}
	theirs := f.bucket(t, other)

	want := s3.Bucket{Name: names[0], AccountID: acct, Region: "eu-west-1", CreatedAt: t0}
	got, err := st.Bucket(ctx, names[0])
	if err != nil {
		t.Fatalf("Bucket = %v", err)
	}
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("Bucket (-want +got):\n%s", diff)
	}
	if _, err := st.Bucket(ctx, "no-such-bucket"); !errors.Is(err, s3.ErrNoSuchBucket) {
		t.Errorf("Bucket(missing) = %v, want ErrNoSuchBucket", err)
	}

	for _, c := range []struct{ name, acct string }{{"same account", acct}, {"another account", other}} {
		err := st.CreateBucket(ctx, s3.Bucket{Name: names[0], AccountID: c.acct, Region: "us-east-1", CreatedAt: t0})
		if !errors.Is(err, s3.ErrBucketExists) {
			t.Errorf("CreateBucket(a taken name, %s) = %v, want ErrBucketExists", c.name, err)
		}
	}
	if got, err := st.Bucket(ctx, names[0]); err != nil || got.AccountID != acct || got.Region != "eu-west-1" {
		t.Errorf("Bucket after refused duplicates = %+v, %v, want the first unchanged", got, err)
	}

	list, err := st.Buckets(ctx, acct)
	if err != nil {
		t.Fatalf("Buckets = %v", err)
	}
	wantNames := slices.Clone(names)
	slices.Sort(wantNames) // byte order
	var gotNames []string
	for _, b := range list {
		gotNames = append(gotNames, b.Name)
	}
	if diff := cmp.Diff(wantNames, gotNames); diff != "" {
		t.Errorf("Buckets in byte order (-want +got):\n%s", diff)
	}
	if list, err := st.Buckets(ctx, other); err != nil || len(list) != 1 || list[0].Name != theirs {
		t.Errorf("Buckets(other) = %+v, %v, want only %s", list, err, theirs)
	}
	if list, err := st.Buckets(ctx, f.account(t)); err != nil || len(list) != 0 {
		t.Errorf("Buckets(an account without buckets) = %+v, %v, want none", list, err)
	}

	t.Run("versioning", func(t *testing.T) {
		b := names[1]
		for _, s := range []struct{ versioning, mfa string }{
			{s3.VersioningEnabled, ""},
			{s3.VersioningEnabled, s3.MFADeleteEnabled},
			{s3.VersioningSuspended, s3.MFADeleteEnabled},
			{s3.VersioningSuspended, s3.MFADeleteDisabled},
		} {
			if err := st.SetVersioning(ctx, b, s.versioning, s.mfa); err != nil {
				t.Fatalf("SetVersioning(%s, %s) = %v", s.versioning, s.mfa, err)
			}
			got, err := st.Bucket(ctx, b)
			if err != nil || got.Versioning != s.versioning || got.MFADelete != s.mfa {
				t.Errorf("after SetVersioning(%q, %q): Bucket = %+v, %v", s.versioning, s.mfa, got, err)
			}
		}
		if err := st.SetVersioning(ctx, "no-such-bucket", s3.VersioningEnabled, ""); !errors.Is(err, s3.ErrNoSuchBucket) {
			t.Errorf("SetVersioning(missing) = %v, want ErrNoSuchBucket", err)
		}
	})

	t.Run("delete", func(t *testing.T) {
		b := names[2]
		f.put(t, object(b, "k", "v1", acct))
		if err := st.DeleteBucket(ctx, b); !errors.Is(err, s3.ErrBucketNotEmpty) {
			t.Fatalf("DeleteBucket(with a version) = %v, want ErrBucketNotEmpty", err)
		}
		f.put(t, deleteMarker(b, "k", "m2", acct))
		if _, err := st.DeleteVersion(ctx, b, "k", "v1"); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteBucket(ctx, b); !errors.Is(err, s3.ErrBucketNotEmpty) {
			t.Fatalf("DeleteBucket(with only a delete marker) = %v, want ErrBucketNotEmpty", err)
		}
		if _, err := st.DeleteVersion(ctx, b, "k", "m2"); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteBucket(ctx, b); err != nil {
			t.Fatalf("DeleteBucket(empty) = %v", err)
		}
		if _, err := st.Bucket(ctx, b); !errors.Is(err, s3.ErrNoSuchBucket) {
			t.Errorf("Bucket(deleted) = %v, want ErrNoSuchBucket", err)
		}
		if err := st.DeleteBucket(ctx, b); !errors.Is(err, s3.ErrNoSuchBucket) {
			t.Errorf("DeleteBucket(deleted) = %v, want ErrNoSuchBucket", err)
		}
		if _, err := st.PutVersion(ctx, object(b, "k", "v3", acct)); !errors.Is(err, s3.ErrNoSuchBucket) {
			t.Errorf("PutVersion(deleted bucket) = %v, want ErrNoSuchBucket", err)
		}
		if list, _ := st.Buckets(ctx, acct); slices.ContainsFunc(list, func(x s3.Bucket) bool { return x.Name == b }) {
			t.Errorf("Buckets lists the deleted bucket %s", b)
		}
		// The name is free again, for any account, and holds nothing.
		if err := st.CreateBucket(ctx, s3.Bucket{Name: b, AccountID: other, Region: "us-east-1", CreatedAt: t0}); err != nil {
			t.Fatalf("CreateBucket(a deleted bucket's name, another account) = %v", err)
		}
		if vs, err := st.ListVersions(ctx, b, s3.ListQuery{MaxKeys: 10}); err != nil || len(vs) != 0 {
			t.Errorf("ListVersions(re-created bucket) = %v, %v, want none", labels(vs), err)
		}
	})
}

func testS3Versions(t *testing.T, f *fixture) {
	st := f.st
	acct := f.account(t)
	b := f.bucket(t, acct)

	t.Run("round trip", func(t *testing.T) {
		want := s3.Version{Bucket: b, Key: "dir/ü file.txt", VersionID: "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY", LastModified: t0.Add(1500 * time.Millisecond),
			Size: 12345, ETag: `"d41d8cd98f00b204e9800998ecf8427e"`, ContentType: "application/json",
			Metadata:          map[string]string{"color": "blue", "x-y": "ü \"q\""},
			ChecksumAlgorithm: "CRC32", Checksum: "AAAAAA==", BlobID: "0123456789abcdef0123456789abcdef", Owner: acct}
		if r := f.put(t, want); r != nil {
			t.Errorf("PutVersion(a new key) replaced %+v, want nil", r)
		}
		want.IsLatest = true
		for _, c := range []struct {
			name string
			get  func() (*s3.Version, error)
		}{
			{"Version(latest)", func() (*s3.Version, error) { return st.Version(ctx, b, want.Key, "") }},
			{"Version(id)", func() (*s3.Version, error) { return st.Version(ctx, b, want.Key, want.VersionID) }},
			{"ListVersions", func() (*s3.Version, error) {
				return only(st.ListVersions(ctx, b, s3.ListQuery{Prefix: "dir/", MaxKeys: 10}))
			}},
			{"ListLatest", func() (*s3.Version, error) {
				return only(st.ListLatest(ctx, b, s3.ListQuery{Prefix: "dir/", MaxKeys: 10}))
			}},
		} {
			got, err := c.get()
			if err != nil {
				t.Fatalf("%s = %v", c.name, err)
			}
			if got.Seq <= 0 {
				t.Errorf("%s: Seq = %d, want > 0", c.name, got.Seq)
			}
			want.Seq = got.Seq
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.name, diff)
			}
		}
	})

	t.Run("longest key", func(t *testing.T) {
		key := strings.Repeat("é", 512) // 1024 bytes, S3's limit
		f.put(t, object(b, key, "v1", acct))
		if v, err := st.Version(ctx, b, key, ""); err != nil || v.Key != key {
			t.Errorf("Version(a 1024-byte key) = %+v, %v", v, err)
		}
	})

	t.Run("seq order, markers, permanent deletes", func(t *testing.T) {
		const key = "photos/cat.jpg"
		for _, id := range []string{"v1", "v2"} {
			if r := f.put(t, object(b, key, id, acct)); r != nil {
				t.Errorf("PutVersion(%s) replaced %+v, want nil", id, r)
			}
		}
		f.put(t, deleteMarker(b, key, "m3", acct))
		vs, err := st.ListVersions(ctx, b, s3.ListQuery{Prefix: key, MaxKeys: 10})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{key + " m3 marker latest", key + " v2", key + " v1"}, labels(vs)); diff != "" {
			t.Errorf("ListVersions (-want +got):\n%s", diff)
		}
		for i := 1; i < len(vs); i++ {
			if vs[i].Seq >= vs[i-1].Seq {
				t.Errorf("seq of %s = %d, not below the newer %s's %d", vs[i].VersionID, vs[i].Seq, vs[i-1].VersionID, vs[i-1].Seq)
			}
		}
		maxSeq := vs[0].Seq
		latest, err := st.Version(ctx, b, key, "")
		if err != nil || latest.VersionID != "m3" || !latest.DeleteMarker || !latest.IsLatest || latest.BlobID != "" {
			t.Errorf("Version(latest) = %+v, %v, want the delete marker m3", latest, err)
		}
		if v, err := st.Version(ctx, b, key, "v2"); err != nil || v.IsLatest || v.DeleteMarker {
			t.Errorf("Version(v2) = %+v, %v, want an object that is not the latest", v, err)
		}
		if vs, err := st.ListLatest(ctx, b, s3.ListQuery{Prefix: key, MaxKeys: 10}); err != nil || len(vs) != 0 {
			t.Errorf("ListLatest under a delete marker = %v, %v, want none", labels(vs), err)
		}

		// Removing the marker makes v2 the latest again.
		gone, err := st.DeleteVersion(ctx, b, key, "m3")
		if err != nil || gone.VersionID != "m3" || !gone.DeleteMarker || !gone.IsLatest {
			t.Fatalf("DeleteVersion(m3) = %+v, %v, want the latest marker", gone, err)
		}
		if v, err := st.Version(ctx, b, key, ""); err != nil || v.VersionID != "v2" || !v.IsLatest {
			t.Errorf("Version(latest) after removing the marker = %+v, %v, want v2", v, err)
		}
		if vs, err := st.ListLatest(ctx, b, s3.ListQuery{Prefix: key, MaxKeys: 10}); err != nil ||
			!slices.Equal(labels(vs), []string{key + " v2 latest"}) {
			t.Errorf("ListLatest after removing the marker = %v, %v, want v2", labels(vs), err)
		}

		// Removing an older version removes exactly that one.
		if gone, err := st.DeleteVersion(ctx, b, key, "v1"); err != nil || gone.VersionID != "v1" || gone.IsLatest {
			t.Errorf("DeleteVersion(v1) = %+v, %v", gone, err)
		}
		if vs, err := st.ListVersions(ctx, b, s3.ListQuery{Prefix: key, MaxKeys: 10}); err != nil ||
			!slices.Equal(labels(vs), []string{key + " v2 latest"}) {
			t.Errorf("ListVersions after removing v1 = %v, %v, want only v2", labels(vs), err)
		}
		for _, c := range []struct{ bucket, key, id string }{{b, key, "v1"}, {b, key, "nope"}, {b, "other-key", "v2"}, {"no-such-bucket", key, "v2"}} {
			if _, err := st.DeleteVersion(ctx, c.bucket, c.key, c.id); !errors.Is(err, s3.ErrNoSuchVersion) {
				t.Errorf("DeleteVersion(%s, %s, %s) = %v, want ErrNoSuchVersion", c.bucket, c.key, c.id, err)
			}
			if _, err := st.Version(ctx, c.bucket, c.key, c.id); !errors.Is(err, s3.ErrNoSuchVersion) {
				t.Errorf("Version(%s, %s, %s) = %v, want ErrNoSuchVersion", c.bucket, c.key, c.id, err)
			}
		}

		// Without versions the key has no latest; a new version's seq is
		// above every earlier one, even those since deleted.
		if _, err := st.DeleteVersion(ctx, b, key, "v2"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Version(ctx, b, key, ""); !errors.Is(err, s3.ErrNoSuchVersion) {
			t.Errorf("Version(latest of a key without versions) = %v, want ErrNoSuchVersion", err)
		}
		f.put(t, object(b, key, "v4", acct))
		if v, err := st.Version(ctx, b, key, ""); err != nil || v.VersionID != "v4" || v.Seq <= maxSeq {
			t.Errorf("Version(latest) after all were deleted = %+v, %v, want v4 with seq above %d", v, err, maxSeq)
		}
	})
}

// only returns a list's one entry.
func only(vs []s3.Version, err error) (*s3.Version, error) {
	if err != nil {
		return nil, err
	}
	if len(vs) != 1 {
		return nil, fmt.Errorf("%d entries %v, want 1", len(vs), labels(vs))
	}
	return &vs[0], nil
}

func testS3NullVersion(t *testing.T, f *fixture) {
	st := f.st
	acct := f.account(t)
	b := f.bucket(t, acct)
	const key = "k"
	withETag := func(v s3.Version, etag string) s3.Version { v.ETag = etag; return v }

	if r := f.put(t, withETag(object(b, key, s3.NullVersion, acct), "A")); r != nil {
		t.Errorf("first null version replaced %+v, want nil", r)
	}
	r := f.put(t, withETag(object(b, key, s3.NullVersion, acct), "B"))
	if r == nil || r.ETag != "A" || r.VersionID != s3.NullVersion || !r.IsLatest {
		t.Errorf("second null version replaced %+v, want null version A (the latest)", r)
	}
	if r := f.put(t, object(b, key, "v1", acct)); r != nil {
		t.Errorf("a versioned put replaced %+v, want nil", r)
	}
	r = f.put(t, withETag(object(b, key, s3.NullVersion, acct), "C"))
	if r == nil || r.ETag != "B" || r.IsLatest {
		t.Errorf("null version after v1 replaced %+v, want null version B, not the latest", r)
	}
	vs, err := st.ListVersions(ctx, b, s3.ListQuery{MaxKeys: 10})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"k null latest", "k v1"}, labels(vs)); diff != "" {
		t.Errorf("ListVersions (-want +got):\n%s", diff)
	}
	if len(vs) > 0 && vs[0].ETag != "C" {
		t.Errorf("the null version's ETag = %s, want C", vs[0].ETag)
	}
	// A null delete marker (suspended versioning) replaces it too.
	r = f.put(t, deleteMarker(b, key, s3.NullVersion, acct))
	if r == nil || r.ETag != "C" || !r.IsLatest {
		t.Errorf("null delete marker replaced %+v, want null version C", r)
	}
	if v, err := st.Version(ctx, b, key, ""); err != nil || !v.DeleteMarker || v.VersionID != s3.NullVersion {
		t.Errorf("Version(latest) = %+v, %v, want the null delete marker", v, err)
	}
}

// s3Keys are the listing test's keys: % and _ (LIKE's wildcards), a
// slash, upper case, and characters whose UTF-8 bytes sort after ASCII
// and in code point order.
var s3Keys = []string{"b", "a%b", "a_b", "a%", "ab", "a", "é", "e", "z", "日本", "😀", "~", "a/b/c", "A", "a%%", "abc"}

func testS3Listing(t *testing.T, f *fixture) {
	st := f.st
	acct := f.account(t)
	b := f.bucket(t, acct)

	// The model: each key's versions in the order they were put. Puts
	// go round the keys so that seq order is not key order.
	type ver struct {
		id     string
		marker bool
	}
	model := map[string][]ver{}
	n := 0
	for round := range 3 {
		for i, k := range s3Keys {
			if round > i%3 {
				continue
			}
			n++
			id := fmt.Sprintf("v%03d", n)
			v := object(b, k, id, acct)
			// "e" ends with a delete marker; "z" has only markers.
			if (k == "e" && round == 2) || k == "z" {
				v = deleteMarker(b, k, id, acct)
			}
			f.put(t, v)
			model[k] = append(model[k], ver{id, v.DeleteMarker})
		}
	}
	sorted := slices.Sorted(func(yield func(string) bool) {
		for k := range model {
			if !yield(k) {
				return
			}
		}
	})
	// want builds the expected labels from the model.
	want := func(latestOnly bool, keep func(string) bool) []string {
		out := []string{}
		for _, k := range sorted {
			if !keep(k) {
				continue
			}
			vs := model[k]
			for i := len(vs) - 1; i >= 0; i-- {
				l := k + " " + vs[i].id
				if vs[i].marker {
					l += " marker"
				}
				if i == len(vs)-1 {
					l += " latest"
				}
				if latestOnly {
					if !vs[i].marker {
						out = append(out, l)
					}
					break
				}
				out = append(out, l)
			}
		}
		return out
	}
	lists := []struct {
		name       string
		latestOnly bool
		list       func(s3.ListQuery) ([]s3.Version, error)
	}{
		{"ListVersions", false, func(q s3.ListQuery) ([]s3.Version, error) { return st.ListVersions(ctx, b, q) }},
		{"ListLatest", true, func(q s3.ListQuery) ([]s3.Version, error) { return st.ListLatest(ctx, b, q) }},
	}
	queries := []struct {
		name string
		q    s3.ListQuery
		keep func(string) bool
	}{
		{"all", s3.ListQuery{}, func(string) bool { return true }},
		{"prefix a%", s3.ListQuery{Prefix: "a%"}, func(k string) bool { return strings.HasPrefix(k, "a%") }},
		{"prefix a_", s3.ListQuery{Prefix: "a_"}, func(k string) bool { return strings.HasPrefix(k, "a_") }},
		{"prefix a", s3.ListQuery{Prefix: "a"}, func(k string) bool { return strings.HasPrefix(k, "a") }},
		{"prefix é", s3.ListQuery{Prefix: "é"}, func(k string) bool { return strings.HasPrefix(k, "é") }},
		{"prefix 日", s3.ListQuery{Prefix: "日"}, func(k string) bool { return strings.HasPrefix(k, "日") }},
		{"prefix without keys", s3.ListQuery{Prefix: "q"}, func(string) bool { return false }},
		{"after a%", s3.ListQuery{StartAfter: "a%"}, func(k string) bool { return k > "a%" }},
		{"after a non-key", s3.ListQuery{StartAfter: "a0"}, func(k string) bool { return k > "a0" }},
		{"after e", s3.ListQuery{StartAfter: "e"}, func(k string) bool { return k > "e" }},
		{"after the last key", s3.ListQuery{StartAfter: "😀"}, func(string) bool { return false }},
		{"prefix a after a%", s3.ListQuery{Prefix: "a", StartAfter: "a%"}, func(k string) bool { return strings.HasPrefix(k, "a") && k > "a%" }},
		{"prefix a% after a", s3.ListQuery{Prefix: "a%", StartAfter: "a"}, func(k string) bool { return strings.HasPrefix(k, "a%") }},
		{"prefix a after b", s3.ListQuery{Prefix: "a", StartAfter: "b"}, func(string) bool { return false }},
	}
	for _, l := range lists {
		for _, qc := range queries {
			expected := want(l.latestOnly, qc.keep)
			for _, max := range []int{1, 2, 3, 7, 1000} {
				got := pageAll(t, l.list, qc.q, max, !l.latestOnly)
				if diff := cmp.Diff(expected, labels(got)); diff != "" {
					t.Errorf("%s %s, pages of %d (-want +got):\n%s", l.name, qc.name, max, diff)
				}
			}
		}
	}

	t.Run("version marker", func(t *testing.T) {
		// "a" has three versions: resume after the newest and after the
		// middle one, then go on with later keys.
		vs := model["a"]
		for i := len(vs) - 1; i > 0; i-- {
			q := s3.ListQuery{StartAfter: "a", VersionIDMarker: vs[i].id, MaxKeys: 1000}
			got, err := st.ListVersions(ctx, b, q)
			if err != nil {
				t.Fatal(err)
			}
			var expected []string
			for j := i - 1; j >= 0; j-- {
				expected = append(expected, "a "+vs[j].id)
			}
			expected = append(expected, want(false, func(k string) bool { return k > "a" })...)
			if diff := cmp.Diff(expected, labels(got)); diff != "" {
				t.Errorf("ListVersions after a %s (-want +got):\n%s", vs[i].id, diff)
			}
		}
		// ListLatest ignores a version marker.
		got, err := st.ListLatest(ctx, b, s3.ListQuery{StartAfter: "a", VersionIDMarker: vs[len(vs)-1].id, MaxKeys: 1000})
		if diff := cmp.Diff(want(true, func(k string) bool { return k > "a" }), labels(got)); err != nil || diff != "" {
			t.Errorf("ListLatest with a version marker = %v (-want +got):\n%s", err, diff)
		}
	})

	t.Run("MaxKeys+1", func(t *testing.T) {
		for _, max := range []int{0, 1, 5} {
			for _, l := range lists {
				got, err := l.list(s3.ListQuery{MaxKeys: max})
				if err != nil || len(got) != max+1 {
					t.Errorf("%s(MaxKeys %d) = %d entries, %v, want %d", l.name, max, len(got), err, max+1)
				}
			}
		}
	})

	t.Run("missing and empty buckets", func(t *testing.T) {
		empty := f.bucket(t, acct)
		for _, l := range []struct {
			name string
			list func(context.Context, string, s3.ListQuery) ([]s3.Version, error)
		}{{"ListVersions", st.ListVersions}, {"ListLatest", st.ListLatest}} {
			if vs, err := l.list(ctx, empty, s3.ListQuery{MaxKeys: 10}); err != nil || len(vs) != 0 {
				t.Errorf("%s(empty bucket) = %v, %v, want none, nil", l.name, labels(vs), err)
			}
			if _, err := l.list(ctx, "no-such-bucket", s3.ListQuery{MaxKeys: 10}); !errors.Is(err, s3.ErrNoSuchBucket) {
				t.Errorf("%s(missing bucket) = %v, want ErrNoSuchBucket", l.name, err)
			}
		}
	})
}

// pageAll lists everything q selects in pages of max entries, as a client
// follows IsTruncated: each call returns up to max+1 entries, and the next
// page starts after the page's last entry (key, and version when
// versions).
func pageAll(t *testing.T, list func(s3.ListQuery) ([]s3.Version, error), q s3.ListQuery, max int, versions bool) []s3.Version {
	t.Helper()
	var out []s3.Version
	for range 1000 {
		q.MaxKeys = max
		got, err := list(q)
		if err != nil {
			t.Fatalf("list(%+v) = %v", q, err)
		}
		if len(got) > max+1 {
			t.Fatalf("list(%+v) = %d entries, want at most MaxKeys+1", q, len(got))
		}
		if len(got) <= max {
			return append(out, got...)
		}
		page := got[:max]
		out = append(out, page...)
		last := page[max-1]
		q.StartAfter = last.Key
		if versions {
			q.VersionIDMarker = last.VersionID
		}
	}
	t.Fatal("list does not end")
	return nil
}

func testS3GoneMarker(t *testing.T, f *fixture) {
	st := f.st
	acct := f.account(t)
	b := f.bucket(t, acct)
	for _, v := range []s3.Version{object(b, "a", "v1", acct), object(b, "a", "v2", acct), object(b, "a", "v3", acct), object(b, "b", "v4", acct)} {
		f.put(t, v)
	}
	// A page ended at a v2; v2 is deleted before the next page: the next
	// page lists a's remaining versions again rather than skip v1.
	if _, err := st.DeleteVersion(ctx, b, "a", "v2"); err != nil {
		t.Fatal(err)
	}
	got, err := st.ListVersions(ctx, b, s3.ListQuery{StartAfter: "a", VersionIDMarker: "v2", MaxKeys: 10})
	if diff := cmp.Diff([]string{"a v3 latest", "a v1", "b v4 latest"}, labels(got)); err != nil || diff != "" {
		t.Errorf("ListVersions after a deleted version = %v (-want +got):\n%s", err, diff)
	}
}

func testS3ConcurrentPuts(t *testing.T, f *fixture) {
	st := f.st
	acct := f.account(t)
	b := f.bucket(t, acct)
	errs := race(racers, func(i int) error {
		_, err := st.PutVersion(ctx, object(b, "hot", fmt.Sprintf("v%02d", i), acct))
		return err
	})
	tally(errs, s3.ErrNoSuchBucket).check(t, "PutVersion(one key)", racers)
	vs, err := st.ListVersions(ctx, b, s3.ListQuery{MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != racers {
		t.Fatalf("ListVersions = %d versions, want %d", len(vs), racers)
	}
	ids := map[string]bool{}
	for i, v := range vs {
		ids[v.VersionID] = true
		if v.IsLatest != (i == 0) {
			t.Errorf("version %d (%s): IsLatest = %v", i, v.VersionID, v.IsLatest)
		}
		if i > 0 && v.Seq >= vs[i-1].Seq {
			t.Errorf("seqs not strictly decreasing, newest first: %d after %d", v.Seq, vs[i-1].Seq)
		}
	}
	if len(ids) != racers {
		t.Errorf("%d distinct versions, want %d", len(ids), racers)
	}
	if latest, err := st.Version(ctx, b, "hot", ""); err != nil || latest.VersionID != vs[0].VersionID {
		t.Errorf("Version(latest) = %+v, %v, want %s (highest seq)", latest, err, vs[0].VersionID)
	}
	if latest, err := only(st.ListLatest(ctx, b, s3.ListQuery{MaxKeys: 10})); err != nil || latest.VersionID != vs[0].VersionID {
		t.Errorf("ListLatest = %+v, %v, want %s", latest, err, vs[0].VersionID)
	}
}

func testS3ConcurrentNull(t *testing.T, f *fixture) {
	st := f.st
	acct := f.account(t)
	b := f.bucket(t, acct)
	replaced := make([]*s3.Version, racers)
	errs := race(racers, func(i int) error {
		v := object(b, "hot", s3.NullVersion, acct)
		v.ETag = fmt.Sprint(i)
		var err error
		replaced[i], err = st.PutVersion(ctx, v)
		return err
	})
	tally(errs, s3.ErrNoSuchBucket).check(t, "PutVersion(null)", racers)
	vs, err := st.ListVersions(ctx, b, s3.ListQuery{MaxKeys: 1000})
	if err != nil || len(vs) != 1 || !vs[0].IsLatest {
		t.Fatalf("ListVersions after %d null puts = %v, %v, want one null version", racers, labels(vs), err)
	}
	// Each put but the first replaced exactly one earlier put, and each
	// put but the last was replaced exactly once.
	seen := map[string]int{vs[0].ETag: 1}
	firsts := 0
	for _, r := range replaced {
		if r == nil {
			firsts++
			continue
		}
		seen[r.ETag]++
	}
	if firsts != 1 {
		t.Errorf("%d puts replaced nothing, want 1", firsts)
	}
	for i := range racers {
		if n := seen[fmt.Sprint(i)]; n != 1 {
			t.Errorf("put %d was replaced or kept %d times, want once", i, n)
		}
	}
}

func testS3DeleteRace(t *testing.T, f *fixture) {
	st := f.st
	acct := f.account(t)
	const puts = 10
	deleted := 0
	for round := range 8 {
		b := f.bucket(t, acct)
		errs := race(puts+1, func(i int) error {
			if i == 0 {
				return st.DeleteBucket(ctx, b)
			}
			if round%2 == 1 {
				// Let the delete start first in every other round, so
				// both orders happen.
				time.Sleep(time.Duration(i) * 200 * time.Microsecond)
			}
			_, err := st.PutVersion(ctx, object(b, fmt.Sprintf("k%02d", i), "v", acct))
			return err
		})
		vs, listErr := st.ListVersions(ctx, b, s3.ListQuery{MaxKeys: 1000})
		switch {
		case errs[0] == nil:
			deleted++
			// Every put came after the delete.
			tally(errs[1:], s3.ErrNoSuchBucket).check(t, "PutVersion racing a DeleteBucket that succeeded", 0)
			if !errors.Is(listErr, s3.ErrNoSuchBucket) {
				t.Errorf("round %d: versions left in the deleted bucket: %v, %v", round, labels(vs), listErr)
			}
		case errors.Is(errs[0], s3.ErrBucketNotEmpty):
			// Some put came first, and then the bucket stayed for all.
			tally(errs[1:], s3.ErrNoSuchBucket).check(t, "PutVersion racing a refused DeleteBucket", puts)
			if listErr != nil || len(vs) != puts {
				t.Errorf("round %d: ListVersions = %d versions, %v, want %d", round, len(vs), listErr, puts)
			}
		default:
			t.Errorf("round %d: DeleteBucket = %v, want nil or ErrBucketNotEmpty", round, errs[0])
		}
	}
	t.Logf("DeleteBucket won %d of 8 races", deleted)
}

// errBoom is the failing reader's error.
var errBoom = errors.New("boom: bad chunk signature")

func testS3Blobs(t *testing.T, f *fixture) {
	bl := f.st.S3Blobs()
	rng := rand.New(rand.NewPCG(1, 2))
	body := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	const mib = 1 << 20
	ids := map[string]bool{}
	var kept []string
	for _, size := range []int{0, 1, mib - 1, mib, mib + 1, 3*mib + mib/2} {
		data := body(size)
		id, n, err := bl.Create(ctx, bytes.NewReader(data))
		if err != nil || id == "" || n != int64(size) {
			t.Fatalf("Create(%d bytes) = %q, %d, %v", size, id, n, err)
		}
		if ids[id] {
			t.Errorf("Create returned id %s twice", id)
		}
		ids[id] = true
		kept = append(kept, id)
		r, err := bl.Open(ctx, id)
		if err != nil {
			t.Fatalf("Open(%d bytes) = %v", size, err)
		}
		// Read in odd-sized pieces, across part boundaries.
		got, err := io.ReadAll(iotest.HalfReader(r))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("read back %d bytes = %d bytes, %v; equal: %v", size, len(got), err, bytes.Equal(got, data))
		}
		if err := r.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	}

	t.Run("failing reader", func(t *testing.T) {
		for _, c := range []struct {
			name string
			r    io.Reader
		}{
			{"at once", iotest.ErrReader(errBoom)},
			{"midway", io.MultiReader(bytes.NewReader(body(2*mib+mib/2)), iotest.ErrReader(errBoom))},
			{"with the last bytes", iotest.DataErrReader(io.MultiReader(bytes.NewReader(body(100)), iotest.ErrReader(errBoom)))},
		} {
			id, n, err := bl.Create(ctx, c.r)
			if !errors.Is(err, errBoom) || id != "" || n != 0 {
				t.Errorf("Create(a reader failing %s) = %q, %d, %v, want \"\", 0, errBoom", c.name, id, n, err)
			}
		}
	})

	t.Run("missing and deleted", func(t *testing.T) {
		for _, id := range []string{"0123456789abcdef0123456789abcdef", "", "../../iamd.db", "s3-objects", kept[0] + "x"} {
			if _, err := bl.Open(ctx, id); !errors.Is(err, s3.ErrNoSuchBlob) {
				t.Errorf("Open(%q) = %v, want ErrNoSuchBlob", id, err)
			}
			if err := bl.Delete(ctx, id); err != nil {
				t.Errorf("Delete(%q) = %v, want nil", id, err)
			}
		}
		id := kept[len(kept)-1]
		for i := range 2 {
			if err := bl.Delete(ctx, id); err != nil {
				t.Errorf("Delete #%d = %v, want nil", i+1, err)
			}
			if _, err := bl.Open(ctx, id); !errors.Is(err, s3.ErrNoSuchBlob) {
				t.Errorf("Open after Delete #%d = %v, want ErrNoSuchBlob", i+1, err)
			}
		}
		// The others are untouched.
		if r, err := bl.Open(ctx, kept[1]); err != nil {
			t.Errorf("Open(another blob) = %v", err)
		} else {
			got, err := io.ReadAll(r)
			r.Close()
			if err != nil || len(got) != 1 {
				t.Errorf("another blob = %d bytes, %v, want 1", len(got), err)
			}
		}
	})
}
