package gateway

import (
	"encoding/xml"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/s3"
	"github.com/iamd/iamd/internal/sigv4"
)

var updateS3 = flag.Bool("update-s3", false, "rewrite the golden files in testdata/s3/")

// TestS3Golden pins the REST-XML documents iamd sends, byte for byte,
// against testdata/s3/*.xml (regenerate with -update-s3 and review the
// diff). The shapes follow botocore's s3 model; the SDK tests in
// s3_test.go check that the SDKs parse them.
func TestS3Golden(t *testing.T) {
	at := time.Date(2026, 12, 2, 8, 30, 0, 123e6, time.UTC)
	size := int64(11)
	owner := s3Owner{ID: s3.CanonicalID("123456789012")}
	docs := []struct {
		name string
		doc  any
	}{
		{"list_buckets", xmlListBuckets{NS: s3Namespace, Owner: owner, Buckets: []xmlBucket{
			{Name: "alpha", CreationDate: s3Timestamp(at), BucketRegion: "us-east-1"}, {Name: "beta", CreationDate: s3Timestamp(at), BucketRegion: "eu-west-1"}}}},
		{"list_buckets_empty", xmlListBuckets{NS: s3Namespace, Owner: owner, Buckets: []xmlBucket{}}},
		{"versioning_never_set", xmlVersioning{NS: s3Namespace}},
		{"versioning_mfa_delete", xmlVersioning{NS: s3Namespace, Status: "Enabled", MfaDelete: "Enabled"}},
		{"location_us_east_1", xmlLocation{NS: s3Namespace}},
		{"list_v2", xmlListV2{NS: s3Namespace, Name: "alpha", Prefix: "dir%2F", Delimiter: "%2F", MaxKeys: 2, EncodingType: "url",
			KeyCount: 2, IsTruncated: true, NextContinuationToken: "ZGlyL2I",
			Contents:       []xmlContents{{Key: "dir%2Fa+b", LastModified: s3Timestamp(at), ETag: `"5eb63bbbe01eeed093cb22bb8f5acdc3"`, Size: 11, StorageClass: "STANDARD", ChecksumAlgorithm: "CRC32", ChecksumType: "FULL_OBJECT"}},
			CommonPrefixes: []xmlPrefix{{"dir%2Fsub%2F"}}}},
		{"list_v1", xmlListV1{NS: s3Namespace, Name: "alpha", MaxKeys: 1000,
			Contents: []xmlContents{{Key: "k", LastModified: s3Timestamp(at), ETag: `"e"`, Size: 1, StorageClass: "STANDARD", Owner: &owner}}}},
		{"list_versions", xmlListVersions{NS: s3Namespace, Name: "alpha", MaxKeys: 1000, IsTruncated: true,
			NextKeyMarker: "report.txt", NextVersionIDMarker: "B8sBwY0Y8C6xpXzg7dtTdgtMqI2SmQa6",
			Entries: []xmlVersionEntry{
				{XMLName: xmlName("DeleteMarker"), Key: "report.txt", VersionID: "Dm1ZlF0sXfW8zRrRkzpjfI7eq0v3c3Hn", IsLatest: true, LastModified: s3Timestamp(at), Owner: owner},
				{XMLName: xmlName("Version"), Key: "report.txt", VersionID: "B8sBwY0Y8C6xpXzg7dtTdgtMqI2SmQa6", LastModified: s3Timestamp(at),
					ETag: `"5eb63bbbe01eeed093cb22bb8f5acdc3"`, Size: &size, StorageClass: "STANDARD", Owner: owner},
			}}},
		{"delete_result", xmlDeleteResult{NS: s3Namespace,
			Deleted: []xmlDeleted{{Key: "a", VersionID: "B8sBwY0Y8C6xpXzg7dtTdgtMqI2SmQa6"}, {Key: "b", DeleteMarker: true, DeleteMarkerVersionID: "Dm1ZlF0sXfW8zRrRkzpjfI7eq0v3c3Hn"}},
			Errors:  []xmlDeleteError{{Key: "c", Code: "AccessDenied", Message: "Access Denied"}}}},
	}
	for _, d := range docs {
		t.Run(d.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			(&Server{}).writeS3XML(rec, &call{reqID: "req-1"}, d.doc)
			golden(t, d.name, rec.Body.String())
		})
	}
}

func xmlName(local string) (n xml.Name) {
	n.Local = local
	return n
}

// TestS3ErrorGolden pins S3's <Error> documents and statuses: the domain's
// errors with their extra elements, the authentication errors under S3's
// names, and an internal error without its detail.
func TestS3ErrorGolden(t *testing.T) {
	srv := &Server{log: slog.New(slog.DiscardHandler)}
	cases := []struct {
		name   string
		err    error
		status int
	}{
		{"mfa_required", mfaError(t, "x"), 403},
		{"no_such_bucket", domainErr(t, "NoSuchBucket"), 404},
		{"invalid_access_key", awserr.New(awserr.InvalidClientTokenID, "The security token included in the request is invalid."), 403},
		{"signature_mismatch", &sigv4.Error{Kind: sigv4.Mismatch, Msg: "The request signature we calculated does not match the signature you provided."}, 403},
		{"content_sha_mismatch", &sigv4.Error{Kind: sigv4.ContentSHA256Mismatch, Msg: "The provided 'x-amz-content-sha256' header does not match what was computed."}, 400},
		{"internal", errors.New("disk on fire at /var/lib/secret"), 500},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			srv.s3Error(rec, httptest.NewRequest(http.MethodGet, "/b/k", nil), "req-1", c.err)
			if rec.Code != c.status {
				t.Errorf("status = %d, want %d", rec.Code, c.status)
			}
			golden(t, "error_"+c.name, rec.Body.String())
		})
	}
	// HEAD: the status alone.
	rec := httptest.NewRecorder()
	srv.s3Error(rec, httptest.NewRequest(http.MethodHead, "/b/k", nil), "req-1", domainErr(t, "NoSuchBucket"))
	if rec.Code != 404 || rec.Body.Len() != 0 {
		t.Errorf("HEAD error = %d with %d body bytes, want 404 and none", rec.Code, rec.Body.Len())
	}
}

// mfaError is the domain's error for a permanent delete without
// x-amz-mfa.
func mfaError(t *testing.T, _ string) error {
	t.Helper()
	return s3ErrorFromDomain("AccessDenied")
}

func domainErr(t *testing.T, code string) error {
	t.Helper()
	return s3ErrorFromDomain(code)
}

// s3ErrorFromDomain builds errors as the domain returns them.
func s3ErrorFromDomain(code string) error {
	switch code {
	case "NoSuchBucket":
		return &s3.Error{Code: code, Message: "The specified bucket does not exist", Details: [][2]string{{"BucketName", "alpha"}}}
	default:
		return &s3.Error{Code: code, Message: "Mfa Authentication must be used for this request"}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "s3", name+".xml")
	if *updateS3 {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestS3 -update-s3 to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs from %s (-want +got):\n%s", name, path, diff)
	}
	if strings.Contains(got, "secret") || strings.Contains(got, "disk on fire") {
		t.Errorf("%s leaks an internal detail:\n%s", name, got)
	}
}

// TestResponseElementsWithoutResult: an event with no result at all (a
// nil interface, as a door without output gives) records none instead of
// panicking.
func TestResponseElementsWithoutResult(t *testing.T) {
	if got := allowed(reflect.ValueOf(nil)); got != nil {
		t.Errorf("allowed(no value) = %v, want nil", got)
	}
	var p *xmlVersioning
	if got := allowed(reflect.ValueOf(p)); got != nil {
		t.Errorf("allowed(nil pointer) = %v, want nil", got)
	}
}
