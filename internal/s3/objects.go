package s3

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"strconv"
	"strings"

	"github.com/iamd/iamd/internal/awserr"
)

// PutObjectInput is one PutObject: the body as the gateway decoded it
// (aws-chunked framing and chunk signatures already checked) and what the
// request says the body should be.
type PutObjectInput struct {
	Bucket, Key string
	Body        io.Reader
	// ContentLength is the body's declared length, -1 when unknown.
	ContentLength int64
	ContentType   string
	Metadata      map[string]string
	// ContentMD5 is the Content-MD5 header (base64), "" when not sent.
	ContentMD5 string
	// ChecksumAlgorithm names the flexible checksum the body must match
	// (or the one to compute, from x-amz-sdk-checksum-algorithm alone),
	// "" for none. Checksum is its value when it came as a header; when
	// it comes as a trailer, Trailer returns the trailers after the body
	// has been read to its end.
	ChecksumAlgorithm string
	Checksum          string
	Trailer           func() map[string]string
}

// PutObject stores a new version of a key: a new version id while
// versioning is Enabled, the null version (replacing the previous one)
// otherwise. Nothing is stored when the body fails a check.
func (s *Service) PutObject(ctx context.Context, r Request, in PutObjectInput) (*Version, error) {
	if err := checkKey(in.Key); err != nil {
		return nil, err
	}
	b, err := s.authorize(ctx, r, "s3:PutObject", ObjectARN(in.Bucket, in.Key), in.Bucket)
	if err != nil {
		return nil, err
	}
	if err := s.checkMFA(ctx, r, false); err != nil {
		return nil, err
	}
	if in.ContentLength > s.cfg.MaxObjectSize {
		return nil, tooLarge(s.cfg.MaxObjectSize, in.ContentLength)
	}
	vr, err := s.newVerifier(in)
	if err != nil {
		return nil, err
	}
	blobID, size, err := s.blobs.Create(ctx, vr)
	if err != nil {
		var se *Error
		if errors.As(err, &se) {
			return nil, se
		}
		var ae *awserr.Error
		if errors.As(err, &ae) {
			return nil, ae // the gateway's body reader: a bad chunk signature, a short body
		}
		return nil, internal("store object bytes", err)
	}
	v := Version{
		Bucket: in.Bucket, Key: in.Key, VersionID: NullVersion, LastModified: s.now(), Size: size,
		ETag: `"` + hex.EncodeToString(vr.md5.Sum(nil)) + `"`, ContentType: in.ContentType, Metadata: in.Metadata,
		BlobID: blobID, Owner: r.Principal.AccountID,
	}
	if vr.sum != nil {
		v.ChecksumAlgorithm, v.Checksum = vr.algorithm, base64.StdEncoding.EncodeToString(vr.sum.Sum(nil))
	}
	if b.Versioning == VersioningEnabled {
		v.VersionID = newVersionID()
	}
	replaced, err := s.store.PutVersion(ctx, v)
	if err != nil {
		s.dropBlob(blobID)
		if errors.Is(err, ErrNoSuchBucket) {
			return nil, newError(codeNoSuchBucket, msgNoSuchBucket, "BucketName", in.Bucket)
		}
		return nil, internal("put version", err)
	}
	if replaced != nil {
		s.dropBlob(replaced.BlobID)
	}
	v.IsLatest = true
	return &v, nil
}

// dropBlob deletes bytes no version refers to any more. A failure leaves
// an orphan file or row, which is logged: it holds no metadata and no
// listing shows it.
func (s *Service) dropBlob(id string) {
	if id == "" {
		return
	}
	if err := s.blobs.Delete(context.Background(), id); err != nil {
		s.log.Error("delete object bytes", "blob", id, "err", err)
	}
}

func tooLarge(max, size int64) error {
	return newError(codeEntityTooLarge, "Your proposed upload exceeds the maximum allowed size",
		"ProposedSize", strconv.FormatInt(size, 10), "MaxSizeAllowed", strconv.FormatInt(max, 10))
}

// verifier passes the body through to the blob store, counting, hashing
// and checking it: at the end it returns the first mismatch instead of
// io.EOF, so Blobs.Create keeps nothing.
type verifier struct {
	in        PutObjectInput
	max       int64
	n         int64
	md5       hash.Hash
	wantMD5   []byte
	algorithm string
	sum       hash.Hash
	done      bool
}

func (s *Service) newVerifier(in PutObjectInput) (*verifier, error) {
	v := &verifier{in: in, max: s.cfg.MaxObjectSize, md5: md5.New()}
	if in.ContentMD5 != "" {
		b, err := base64.StdEncoding.DecodeString(in.ContentMD5)
		if err != nil || len(b) != md5.Size {
			return nil, newError("InvalidDigest", "The Content-MD5 you specified was invalid.", "Content-MD5", in.ContentMD5)
		}
		v.wantMD5 = b
	}
	if in.ChecksumAlgorithm != "" {
		h, err := NewChecksum(in.ChecksumAlgorithm)
		if err != nil {
			return nil, newError(codeInvalidRequest, "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		v.algorithm, v.sum = strings.ToUpper(in.ChecksumAlgorithm), h
		if in.Checksum != "" {
			if err := checkChecksumForm(v.algorithm, in.Checksum); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// checkChecksumForm refuses a checksum value that is not the base64 of a
// digest of the algorithm's size.
func checkChecksumForm(algorithm, value string) error {
	h, _ := NewChecksum(algorithm)
	b, err := base64.StdEncoding.DecodeString(value)
	if err != nil || h == nil || len(b) != h.Size() {
		return newError(codeInvalidRequest, "Value for x-amz-checksum-"+strings.ToLower(algorithm)+" header is invalid.")
	}
	return nil
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.done {
		return 0, io.EOF
	}
	n, err := v.in.Body.Read(p)
	v.n += int64(n)
	if v.n > v.max {
		return 0, tooLarge(v.max, v.n)
	}
	v.md5.Write(p[:n])
	if v.sum != nil {
		v.sum.Write(p[:n])
	}
	if err == io.EOF {
		if cerr := v.finish(); cerr != nil {
			return n, cerr
		}
		v.done = true
	}
	return n, err
}

// finish checks the whole body against what the request declared.
func (v *verifier) finish() error {
	if v.in.ContentLength >= 0 && v.n != v.in.ContentLength {
		return newError("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
	}
	if v.wantMD5 != nil && !equalBytes(v.md5.Sum(nil), v.wantMD5) {
		return newError("BadDigest", "The Content-MD5 you specified did not match what we received.")
	}
	if v.sum == nil {
		return nil
	}
	want := v.in.Checksum
	if want == "" && v.in.Trailer != nil {
		want = v.in.Trailer()["x-amz-checksum-"+strings.ToLower(v.algorithm)]
		if want != "" {
			if err := checkChecksumForm(v.algorithm, want); err != nil {
				return err
			}
		}
	}
	if want != "" && base64.StdEncoding.EncodeToString(v.sum.Sum(nil)) != want {
		return newError("BadDigest", "The "+v.algorithm+" you specified did not match the calculated checksum.")
	}
	return nil
}

func equalBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// GetObject finds a version — the latest when versionID is "" — and, unless
// head, opens its bytes. The caller closes the reader.
func (s *Service) GetObject(ctx context.Context, r Request, bucket, key, versionID string, head bool) (*Version, io.ReadCloser, error) {
	action := "s3:GetObject"
	if versionID != "" {
		action = "s3:GetObjectVersion"
	}
	if _, err := s.authorize(ctx, r, action, ObjectARN(bucket, key), bucket); err != nil {
		return nil, nil, err
	}
	if versionID != "" {
		if err := checkVersionID(versionID); err != nil {
			return nil, nil, err
		}
	}
	v, err := s.store.Version(ctx, bucket, key, versionID)
	switch {
	case errors.Is(err, ErrNoSuchVersion) && versionID == "":
		return nil, nil, newError(codeNoSuchKey, msgNoSuchKey, "Key", key)
	case errors.Is(err, ErrNoSuchVersion):
		return nil, nil, newError(codeNoSuchVersion, msgNoSuchVersion, "Key", key, "VersionId", versionID)
	case err != nil:
		return nil, nil, internal("find version", err)
	}
	if v.DeleteMarker {
		var e *Error
		if versionID == "" {
			e = newError(codeNoSuchKey, msgNoSuchKey, "Key", key)
		} else {
			e = newError(codeMethodNotAllowed, msgDeleteMarkerNotObject, "Method", "GET", "ResourceType", "DeleteMarker")
		}
		e.Headers = [][2]string{{"x-amz-delete-marker", "true"}, {"x-amz-version-id", v.VersionID}}
		return nil, nil, e
	}
	if head {
		return v, nil, nil
	}
	body, err := s.blobs.Open(ctx, v.BlobID)
	if err != nil {
		return nil, nil, internal("open object bytes", err)
	}
	return v, body, nil
}

// DeleteResult is what one delete did.
type DeleteResult struct {
	Key       string
	VersionID string
	// DeleteMarker is set when the delete created a delete marker, or
	// removed one; VersionID is then that marker's.
	DeleteMarker bool
}

// DeleteObject deletes a key: without versionID, it adds a delete marker
// (versioning Enabled or Suspended) or removes the null version (never
// versioned); with versionID, it removes that version for good, which
// needs the owner's root MFA code once MFA Delete is Enabled.
func (s *Service) DeleteObject(ctx context.Context, r Request, bucket, key, versionID string) (*DeleteResult, error) {
	// The key is checked before the MFA code is: a code is spent only on
	// a request that nothing else refuses.
	if err := checkKey(key); err != nil {
		return nil, err
	}
	action := "s3:DeleteObject"
	if versionID != "" {
		action = "s3:DeleteObjectVersion"
	}
	b, err := s.authorize(ctx, r, action, ObjectARN(bucket, key), bucket)
	if err != nil {
		return nil, err
	}
	if versionID != "" {
		if err := checkVersionID(versionID); err != nil {
			return nil, err
		}
	}
	if err := s.checkMFA(ctx, r, versionID != "" && b.MFADelete == MFADeleteEnabled); err != nil {
		return nil, err
	}
	return s.deleteOne(ctx, r, b, key, versionID)
}

// deleteOne does one authorised delete.
func (s *Service) deleteOne(ctx context.Context, r Request, b *Bucket, key, versionID string) (*DeleteResult, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if versionID == "" && b.Versioning == "" {
		versionID = NullVersion // never versioned: the one version goes
	}
	if versionID != "" {
		v, err := s.store.DeleteVersion(ctx, b.Name, key, versionID)
		if errors.Is(err, ErrNoSuchVersion) {
			// S3 answers a delete of what is not there with success.
			res := &DeleteResult{Key: key}
			if b.Versioning != "" {
				res.VersionID = versionID
			}
			return res, nil
		}
		if err != nil {
			return nil, internal("delete version", err)
		}
		s.dropBlob(v.BlobID)
		res := &DeleteResult{Key: key, DeleteMarker: v.DeleteMarker}
		if b.Versioning != "" {
			res.VersionID = v.VersionID
		}
		return res, nil
	}
	marker := Version{Bucket: b.Name, Key: key, VersionID: NullVersion, DeleteMarker: true, LastModified: s.now(),
		Owner: r.Principal.AccountID}
	if b.Versioning == VersioningEnabled {
		marker.VersionID = newVersionID()
	}
	replaced, err := s.store.PutVersion(ctx, marker)
	if errors.Is(err, ErrNoSuchBucket) {
		return nil, newError(codeNoSuchBucket, msgNoSuchBucket, "BucketName", b.Name)
	}
	if err != nil {
		return nil, internal("add delete marker", err)
	}
	if replaced != nil {
		s.dropBlob(replaced.BlobID)
	}
	return &DeleteResult{Key: key, VersionID: marker.VersionID, DeleteMarker: true}, nil
}

// ObjectIdentifier names one object of a DeleteObjects request.
type ObjectIdentifier struct {
	Key       string
	VersionID string
}

// DeleteError is one object DeleteObjects could not delete.
type DeleteError struct {
	Key, VersionID, Code, Message string
}

// maxDeleteObjects is S3's limit on one DeleteObjects request.
const maxDeleteObjects = 1000

// DeleteObjects deletes up to 1000 objects. Each is authorised on its
// own, with the action its own delete needs (s3:DeleteObject, or
// s3:DeleteObjectVersion for one naming a version), and checked for form;
// when MFA Delete is Enabled and any that remain names a version, the
// whole request needs a valid code and, without one, deletes nothing. The
// code is checked after everything else that can refuse an object, so it
// is spent only on a request that deletes.
func (s *Service) DeleteObjects(ctx context.Context, r Request, bucket string, objs []ObjectIdentifier) ([]DeleteResult, []DeleteError, error) {
	if len(objs) == 0 || len(objs) > maxDeleteObjects {
		return nil, nil, newError(codeMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
	}
	var (
		allowed []ObjectIdentifier
		errs    []DeleteError
	)
	// One request, one principal: its policies are read once, not once per
	// object (up to 1000 reads of the store for one request).
	az := s.requestAuthorizer()
	for _, o := range objs {
		action := "s3:DeleteObject"
		if o.VersionID != "" {
			action = "s3:DeleteObjectVersion"
		}
		if err := az.Authorize(ctx, r.Principal, action, ObjectARN(bucket, o.Key)); err != nil {
			if awserr.Code(err) == "" {
				return nil, nil, err
			}
			errs = append(errs, DeleteError{Key: o.Key, VersionID: o.VersionID, Code: awserr.AccessDenied, Message: "Access Denied"})
			continue
		}
		allowed = append(allowed, o)
	}
	if len(allowed) == 0 {
		return nil, errs, nil
	}
	// Every object passed the policy for its own action; what is left to
	// check is that the bucket exists and is the caller's account's.
	b, err := s.ownedBucket(ctx, r, bucket)
	if err != nil {
		return nil, nil, err
	}
	valid := allowed[:0:0]
	versioned := false
	for _, o := range allowed {
		if err := checkKey(o.Key); err != nil {
			se := err.(*Error)
			errs = append(errs, DeleteError{Key: o.Key, VersionID: o.VersionID, Code: se.Code, Message: se.Message})
			continue
		}
		if o.VersionID != "" {
			if err := checkVersionID(o.VersionID); err != nil {
				errs = append(errs, DeleteError{Key: o.Key, VersionID: o.VersionID, Code: codeNoSuchVersion, Message: msgNoSuchVersion})
				continue
			}
			versioned = true
		}
		valid = append(valid, o)
	}
	if err := s.checkMFA(ctx, r, versioned && b.MFADelete == MFADeleteEnabled); err != nil {
		return nil, nil, err
	}
	var done []DeleteResult
	for _, o := range valid {
		res, err := s.deleteOne(ctx, r, b, o.Key, o.VersionID)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				return nil, nil, err
			}
			errs = append(errs, DeleteError{Key: o.Key, VersionID: o.VersionID, Code: se.Code, Message: se.Message})
			continue
		}
		done = append(done, *res)
	}
	return done, errs, nil
}
