package gateway_test

// Security review of the S3 door (issue 11): who may spend or use a code
// for MFA Delete, what a refused request leaves behind, and what the
// signature binds.

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/gateway"
	"github.com/iamd/iamd/internal/iam"
	"github.com/iamd/iamd/internal/otp"
	"github.com/iamd/iamd/internal/quotas"
	"github.com/iamd/iamd/internal/s3"
	"github.com/iamd/iamd/internal/store/storetest"
	"github.com/iamd/iamd/internal/sts"
)

// rawS3 is one S3 request signed by hand: header are signed, unsigned are
// added after signing (as an attacker replaying a captured request would).
type rawS3 struct {
	method, path, query string
	body                string
	payloadHash         string // "" is the body's SHA-256
	header, unsigned    map[string]string
	id, secret          string // root's when ""
}

func (e *s3Env) raw(t *testing.T, r rawS3) (int, string) {
	t.Helper()
	u := e.url + r.path
	if r.query != "" {
		u += "?" + r.query
	}
	req, err := http.NewRequest(r.method, u, strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	ph := r.payloadHash
	if ph == "" {
		ph = sha256Hex(r.body)
	}
	req.Header.Set("X-Amz-Content-Sha256", ph)
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	id, secret := r.id, r.secret
	if id == "" {
		id, secret = rootKeyID, rootSecret
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req, ph, "s3", "us-east-1", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	for k, v := range r.unsigned {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// codeUnspent checks that root's code at offset 0 was not consumed, by
// spending it through the check every door shares.
func (e *s3Env) codeUnspent(t *testing.T, what string) {
	t.Helper()
	ctx := context.Background()
	rootUser, err := e.st.UserByID(ctx, accountID, accountID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.CheckOwnCode(ctx, rootUser.Identity(), e.rootSerial, e.code(e.rootSeed, 0)); err != nil {
		t.Fatalf("%s: root's code was consumed (CheckOwnCode = %v)", what, err)
	}
	// The next test step needs a fresh code.
	e.clock.Advance(30 * time.Second)
}

// mfaDeleteBucket makes a versioned bucket with MFA Delete Enabled and n
// versions of key, and moves the clock on so that root's next code is
// fresh.
func (e *s3Env) mfaDeleteBucket(t *testing.T, bucket, key string, n int) []string {
	t.Helper()
	ctx := context.Background()
	root := e.s3(rootKeyID, rootSecret, "")
	if _, err := root.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: aws.String(bucket), MFA: e.rootMFA(0),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled, MFADelete: s3types.MFADeleteEnabled}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Second)
	return putVersions(t, root, bucket, key, n)
}

// TestS3UnsignedMFAHeader: x-amz-mfa must be among the signed headers.
// Unsigned, a code could be attached to a captured request of root's (one
// refused for want of a code) and destroy a version root never asked to
// destroy with it.
func TestS3UnsignedMFAHeader(t *testing.T) {
	forEachS3Engine(t, true, func(t *testing.T, e *s3Env) {
		ids := e.mfaDeleteBucket(t, "unsigned-mfa", "k", 2)
		path, query := "/unsigned-mfa/k", "versionId="+ids[0]
		status, body := e.raw(t, rawS3{method: http.MethodDelete, path: path, query: query,
			unsigned: map[string]string{"X-Amz-Mfa": e.rootSerial + " " + e.code(e.rootSeed, 0)}})
		if status != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") || !strings.Contains(body, "<HeadersNotSigned>x-amz-mfa</HeadersNotSigned>") {
			t.Fatalf("permanent delete with an unsigned x-amz-mfa = %d %s, want 403 AccessDenied HeadersNotSigned", status, body)
		}
		if b, err := getBody(t, e.s3(rootKeyID, rootSecret, ""), "unsigned-mfa", "k", ids[0]); err != nil || b == "" {
			t.Fatalf("the refused delete removed the version: %q, %v", b, err)
		}
		e.codeUnspent(t, "unsigned x-amz-mfa")

		// Signed, the same request goes through.
		status, body = e.raw(t, rawS3{method: http.MethodDelete, path: path, query: query,
			header: map[string]string{"X-Amz-Mfa": e.rootSerial + " " + e.code(e.rootSeed, 0)}})
		if status != 204 {
			t.Fatalf("permanent delete with a signed x-amz-mfa = %d %s, want 204", status, body)
		}
	})
}

// TestS3CodeSpentOnlyOnDelete: a request refused for another reason than
// its code does not spend the code.
func TestS3CodeSpentOnlyOnDelete(t *testing.T) {
	forEachS3Engine(t, true, func(t *testing.T, e *s3Env) {
		ids := e.mfaDeleteBucket(t, "spent-only", "k", 1)
		mfa := map[string]string{"X-Amz-Mfa": e.rootSerial + " " + e.code(e.rootSeed, 0)}
		// A key that is not UTF-8.
		status, body := e.raw(t, rawS3{method: http.MethodDelete, path: "/spent-only/%FF", query: "versionId=" + ids[0], header: mfa})
		if status != 400 || !strings.Contains(body, "InvalidArgument") {
			t.Fatalf("DeleteObject of a non-UTF-8 key = %d %s, want 400 InvalidArgument", status, body)
		}
		e.codeUnspent(t, "DeleteObject of an invalid key")

		// DeleteObjects whose only version is malformed.
		mfa = map[string]string{"X-Amz-Mfa": e.rootSerial + " " + e.code(e.rootSeed, 0)}
		doc := `<Delete><Object><Key>k</Key><VersionId>not-a-version</VersionId></Object></Delete>`
		sum := md5.Sum([]byte(doc))
		mfa["Content-Md5"] = base64.StdEncoding.EncodeToString(sum[:])
		status, body = e.raw(t, rawS3{method: http.MethodPost, path: "/spent-only", query: "delete", body: doc, header: mfa})
		if status != 200 || !strings.Contains(body, "NoSuchVersion") {
			t.Fatalf("DeleteObjects of a malformed version = %d %s, want 200 with a NoSuchVersion error", status, body)
		}
		e.codeUnspent(t, "DeleteObjects of a malformed version")

		// The root of another bucket's account, a wrong bucket: refused
		// before the code is looked at.
		mfa = map[string]string{"X-Amz-Mfa": e.rootSerial + " " + e.code(e.rootSeed, 0)}
		status, body = e.raw(t, rawS3{method: http.MethodDelete, path: "/no-such-bucket-here/k", query: "versionId=" + ids[0], header: mfa})
		if status != 404 || !strings.Contains(body, "NoSuchBucket") {
			t.Fatalf("DeleteObject in a missing bucket = %d %s, want 404 NoSuchBucket", status, body)
		}
		e.codeUnspent(t, "DeleteObject in a missing bucket")
	})
}

// TestS3OtherDevicesAndDoors: only root's own device serves MFA Delete,
// and a code is single-use across doors.
func TestS3OtherDevicesAndDoors(t *testing.T) {
	forEachS3Engine(t, true, func(t *testing.T, e *s3Env) {
		ctx := context.Background()
		ids := e.mfaDeleteBucket(t, "other-devices", "k", 1)
		iamc := e.iam(rootKeyID, rootSecret, "")
		uid, usecret := e.user(ctx, iamc, "ops")
		if _, err := iamc.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("s3-all"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)}); err != nil {
			t.Fatal(err)
		}
		userSerial, userSeed := e.device(ctx, iamc, "ops", "ops-device")
		e.clock.Advance(30 * time.Second)
		root, ops := e.s3(rootKeyID, rootSecret, ""), e.s3(uid, usecret, "")
		del := func(c *awss3.Client, mfa string) error {
			_, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("other-devices"), Key: aws.String("k"),
				VersionId: aws.String(ids[0]), MFA: aws.String(mfa)})
			return err
		}
		// The IAM user with its own device and a fresh code.
		wantAPIError(t, "IAM user with its own code", del(ops, userSerial+" "+e.code(userSeed, 0)), "AccessDenied", 403, "")
		// Root with the IAM user's device.
		wantAPIError(t, "root with the IAM user's device", del(root, userSerial+" "+e.code(userSeed, 0)), "AccessDenied", 403, "")
		// Root with a serial of another account's root device.
		wantAPIError(t, "root with another account's serial",
			del(root, "arn:aws:iam::210987654321:mfa/root-account-mfa-device "+e.code(e.rootSeed, 0)), "AccessDenied", 403, "")
		// Neither attempt spent the user's code: it still signs in.
		if _, err := e.sts(uid, usecret, "").GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(userSerial),
			TokenCode: aws.String(e.code(userSeed, 0))}); err != nil {
			t.Fatalf("the IAM user's code was spent by a refused S3 request: GetSessionToken = %v", err)
		}
		// A GetSessionToken session with MFA is still temporary
		// credentials: no code, no permanent delete.
		e.clock.Advance(30 * time.Second)
		tok, err := e.sts(uid, usecret, "").GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(userSerial),
			TokenCode: aws.String(e.code(userSeed, 0))})
		if err != nil {
			t.Fatal(err)
		}
		sess := e.s3(*tok.Credentials.AccessKeyId, *tok.Credentials.SecretAccessKey, *tok.Credentials.SessionToken)
		_, err = sess.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("other-devices"), Key: aws.String("k"), VersionId: aws.String(ids[0])})
		wantAPIError(t, "MFA session without x-amz-mfa", err, "AccessDenied", 403, "Mfa Authentication must be used for this request")

		// A code root spent signing in to STS is spent for S3.
		e.clock.Advance(30 * time.Second)
		code := e.code(e.rootSeed, 0)
		if _, err := e.sts(rootKeyID, rootSecret, "").GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(e.rootSerial),
			TokenCode: aws.String(code)}); err != nil {
			t.Fatalf("root GetSessionToken with MFA = %v", err)
		}
		wantAPIError(t, "S3 with the code spent on STS", del(root, e.rootSerial+" "+code), "AccessDenied", 403, "")
		if _, err := getBody(t, root, "other-devices", "k", ids[0]); err != nil {
			t.Fatalf("a refused delete removed the version: %v", err)
		}
	})
}

// TestS3DeleteObjectsActions: DeleteObjects authorises each object with the
// action its delete needs, and nothing more: a user allowed only
// s3:DeleteObjectVersion removes versions, and is refused delete markers.
func TestS3DeleteObjectsActions(t *testing.T) {
	forEachS3Engine(t, true, func(t *testing.T, e *s3Env) {
		ctx := context.Background()
		root := e.s3(rootKeyID, rootSecret, "")
		if _, err := root.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("versions-only")}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: aws.String("versions-only"),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
			t.Fatal(err)
		}
		ids := putVersions(t, root, "versions-only", "k", 2)
		iamc := e.iam(rootKeyID, rootSecret, "")
		uid, usecret := e.user(ctx, iamc, "pruner")
		if _, err := iamc.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("pruner"), PolicyName: aws.String("prune"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:DeleteObjectVersion","Resource":"arn:aws:s3:::versions-only/*"}]}`)}); err != nil {
			t.Fatal(err)
		}
		out, err := e.s3(uid, usecret, "").DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String("versions-only"), Delete: &s3types.Delete{
			Objects: []s3types.ObjectIdentifier{{Key: aws.String("k"), VersionId: aws.String(ids[0])}, {Key: aws.String("k")}}}})
		if err != nil {
			t.Fatalf("DeleteObjects by a user allowed s3:DeleteObjectVersion = %v", err)
		}
		if len(out.Deleted) != 1 || *out.Deleted[0].VersionId != ids[0] || len(out.Errors) != 1 || *out.Errors[0].Code != "AccessDenied" {
			t.Fatalf("DeleteObjects = deleted %+v, errors %+v; want the version deleted and the marker refused", out.Deleted, out.Errors)
		}
		if _, err := getBody(t, root, "versions-only", "k", ""); err != nil {
			t.Fatalf("the refused delete marker was written: GetObject = %v", err)
		}
	})
}

// TestS3DeleteObjectsPolicyReads: a DeleteObjects of 1000 keys reads the
// caller's policies once, not once per key.
func TestS3DeleteObjectsPolicyReads(t *testing.T) {
	forEachS3Engine(t, true, func(t *testing.T, e *s3Env) {
		ctx := context.Background()
		root := e.s3(rootKeyID, rootSecret, "")
		if _, err := root.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("many-keys")}); err != nil {
			t.Fatal(err)
		}
		iamc := e.iam(rootKeyID, rootSecret, "")
		uid, usecret := e.user(ctx, iamc, "bulk")
		if _, err := iamc.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("bulk"), PolicyName: aws.String("del"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::many-keys/*"}]}`)}); err != nil {
			t.Fatal(err)
		}
		objs := make([]s3types.ObjectIdentifier, 1000)
		for i := range objs {
			objs[i] = s3types.ObjectIdentifier{Key: aws.String(fmt.Sprintf("key-%04d", i))}
		}
		bulk := e.s3(uid, usecret, "")
		before := e.st.RoundTrips()
		out, err := bulk.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String("many-keys"), Delete: &s3types.Delete{Objects: objs}})
		if err != nil {
			t.Fatal(err)
		}
		trips := e.st.RoundTrips() - before
		if len(out.Errors) != 1000 {
			t.Fatalf("DeleteObjects = %d errors, want 1000 AccessDenied", len(out.Errors))
		}
		if trips > 100 {
			t.Errorf("a refused DeleteObjects of 1000 keys cost %d store round trips; want the policies read once", trips)
		}
	})
}

// TestS3UnsignedBodyDigest: PutBucketVersioning and DeleteObjects carry
// their parameters in the body; with an unsigned payload, the digest that
// binds the body must be signed, or a captured request could be replayed
// with another body.
func TestS3UnsignedBodyDigest(t *testing.T) {
	forEachS3Engine(t, true, func(t *testing.T, e *s3Env) {
		ctx := context.Background()
		root := e.s3(rootKeyID, rootSecret, "")
		if _, err := root.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("unsigned-body")}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: aws.String("unsigned-body"),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
			t.Fatal(err)
		}
		ids := putVersions(t, root, "unsigned-body", "k", 2)
		doc := `<Delete><Object><Key>k</Key><VersionId>` + ids[0] + `</VersionId></Object></Delete>`
		sum := md5.Sum([]byte(doc))
		md := base64.StdEncoding.EncodeToString(sum[:])
		status, body := e.raw(t, rawS3{method: http.MethodPost, path: "/unsigned-body", query: "delete", body: doc,
			payloadHash: "UNSIGNED-PAYLOAD", unsigned: map[string]string{"Content-Md5": md}})
		if status != 403 || !strings.Contains(body, "<HeadersNotSigned>content-md5</HeadersNotSigned>") {
			t.Fatalf("DeleteObjects, unsigned payload and unsigned Content-MD5 = %d %s, want 403 AccessDenied", status, body)
		}
		crc := map[string]string{"X-Amz-Checksum-Sha256": base64.StdEncoding.EncodeToString(mustHex(t, sha256Hex(doc)))}
		status, body = e.raw(t, rawS3{method: http.MethodPost, path: "/unsigned-body", query: "delete", body: doc,
			payloadHash: "UNSIGNED-PAYLOAD", unsigned: crc})
		if status != 403 || !strings.Contains(body, "<HeadersNotSigned>x-amz-checksum-sha256</HeadersNotSigned>") {
			t.Fatalf("DeleteObjects, unsigned payload and unsigned checksum = %d %s, want 403 AccessDenied", status, body)
		}
		if _, err := getBody(t, root, "unsigned-body", "k", ids[0]); err != nil {
			t.Fatalf("a refused DeleteObjects removed the version: %v", err)
		}
		vdoc := `<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>`
		vsum := md5.Sum([]byte(vdoc))
		status, body = e.raw(t, rawS3{method: http.MethodPut, path: "/unsigned-body", query: "versioning", body: vdoc,
			payloadHash: "UNSIGNED-PAYLOAD", unsigned: map[string]string{"Content-Md5": base64.StdEncoding.EncodeToString(vsum[:])}})
		if status != 403 {
			t.Fatalf("PutBucketVersioning, unsigned payload and unsigned Content-MD5 = %d %s, want 403", status, body)
		}
		// Signed digests, as the SDKs send them over HTTPS, are taken.
		status, body = e.raw(t, rawS3{method: http.MethodPost, path: "/unsigned-body", query: "delete", body: doc,
			payloadHash: "UNSIGNED-PAYLOAD", header: map[string]string{"Content-Md5": md}})
		if status != 200 || !strings.Contains(body, "<Deleted>") {
			t.Fatalf("DeleteObjects, unsigned payload and signed Content-MD5 = %d %s, want 200", status, body)
		}
		status, body = e.raw(t, rawS3{method: http.MethodPut, path: "/unsigned-body", query: "versioning", body: vdoc,
			payloadHash: "UNSIGNED-PAYLOAD", header: map[string]string{"Content-Md5": base64.StdEncoding.EncodeToString(vsum[:])}})
		if status != 200 {
			t.Fatalf("PutBucketVersioning, unsigned payload and signed Content-MD5 = %d %s, want 200", status, body)
		}
		// A signed payload needs no signed digest header (the hash binds
		// the body), only the digest the model requires.
		status, body = e.raw(t, rawS3{method: http.MethodPut, path: "/unsigned-body", query: "versioning",
			body:     `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`,
			unsigned: map[string]string{"Content-Md5": md5b64(`<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`)}})
		if status != 200 {
			t.Fatalf("PutBucketVersioning, signed payload = %d %s, want 200", status, body)
		}
	})
}

func md5b64(s string) string {
	sum := md5.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// syncBuffer is a log sink for a server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestS3MFACodeNotRecorded: the x-amz-mfa code — accepted, wrong,
// replayed or malformed — reaches no log line, no error and no audit
// event; neither do root's seed or secret key.
func TestS3MFACodeNotRecorded(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			logs := &syncBuffer{}
			log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			e := newEnv(t, eng)
			rec := audit.NewRecorder(e.st, audit.Options{Clock: e.svc.Clock()})
			t.Cleanup(func() { rec.Close() })
			svc := s3.New(e.st, e.st.S3Blobs(), iam.NewDecider(e.st, e.clock), e.svc.CheckOwnCode,
				s3.Config{AllowInsecureMFAHeader: true, Clock: e.clock, Log: log})
			gw := gateway.New(gateway.Deps{IAM: e.svc, STS: sts.New(e.svc, storetest.Sealer(t), nil), Store: e.st, Log: log,
				Quotas: quotas.New(e.st, e.svc, quotas.Options{Clock: e.clock}), Audit: rec, AuditStore: e.st,
				S3: gateway.S3Config{Service: svc}})
			srv := httptest.NewServer(gw)
			t.Cleanup(srv.Close)
			e.url, e.srv = srv.URL, gw
			d, err := e.svc.CreateRootMFADevice(ctx, accountID)
			if err != nil {
				t.Fatal(err)
			}
			seed, err := otp.DecodeSecret(d.Base32StringSeed)
			if err != nil {
				t.Fatal(err)
			}
			se := &s3Env{env: e, rootSerial: d.Serial, rootSeed: seed}
			ids := se.mfaDeleteBucket(t, "quiet-codes", "k", 3)
			root := se.s3(rootKeyID, rootSecret, "")
			del := func(mfa, version string) error {
				_, err := root.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("quiet-codes"), Key: aws.String("k"),
					VersionId: aws.String(version), MFA: aws.String(mfa)})
				return err
			}
			var codes []string
			good := se.code(seed, 0)
			codes = append(codes, good)
			if err := del(d.Serial+" "+good, ids[0]); err != nil {
				t.Fatalf("permanent delete with a fresh code = %v", err)
			}
			var errText strings.Builder
			if err := del(d.Serial+" "+good, ids[1]); err == nil { // replayed
				t.Fatal("a replayed code was accepted")
			} else {
				errText.WriteString(err.Error())
			}
			wrong := se.code(seed, 40)
			codes = append(codes, wrong)
			if err := del(d.Serial+" "+wrong, ids[1]); err == nil {
				t.Fatal("a wrong code was accepted")
			} else {
				errText.WriteString(err.Error())
			}
			const malformed = "9876543"
			codes = append(codes, malformed)
			if err := del(d.Serial+" "+malformed, ids[1]); err == nil {
				t.Fatal("a malformed header was accepted")
			} else {
				errText.WriteString(err.Error())
			}
			if err := rec.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			var events bytes.Buffer
			if err := e.st.ExportEvents(ctx, time.Time{}, func(ev audit.Event) error {
				b, _ := json.Marshal(ev)
				events.Write(b)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(events.String(), "DeleteObject") {
				t.Fatalf("no DeleteObject event recorded: the scan reads nothing")
			}
			for what, text := range map[string]string{"the log": logs.String(), "an audit event": events.String(), "an error": errText.String()} {
				for _, c := range codes {
					if regexp.MustCompile(`(^|[^0-9.])` + c + `([^0-9]|$)`).MatchString(text) {
						t.Errorf("%s holds the x-amz-mfa code %s", what, c)
					}
				}
				for name, secret := range map[string]string{"root's seed": d.Base32StringSeed, "root's secret key": rootSecret} {
					if strings.Contains(text, secret) {
						t.Errorf("%s holds %s", what, name)
					}
				}
			}
		})
	}
}

// countingBlobs counts the blobs a test's requests leave stored.
type countingBlobs struct {
	s3.Blobs
	mu   sync.Mutex
	live int
}

func (c *countingBlobs) Create(ctx context.Context, r io.Reader) (string, int64, error) {
	id, n, err := c.Blobs.Create(ctx, r)
	if err == nil {
		c.mu.Lock()
		c.live++
		c.mu.Unlock()
	}
	return id, n, err
}

func (c *countingBlobs) Delete(ctx context.Context, id string) error {
	err := c.Blobs.Delete(ctx, id)
	if err == nil {
		c.mu.Lock()
		c.live--
		c.mu.Unlock()
	}
	return err
}

func (c *countingBlobs) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}

// TestS3RefusedPutLeavesNothing: a PutObject whose body fails a check —
// the signed SHA-256, Content-MD5, a flexible checksum, a chunk signature,
// the size limit — stores no bytes and no version, and does not disturb
// the null version it would have replaced.
func TestS3RefusedPutLeavesNothing(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, eng)
			blobs := &countingBlobs{Blobs: e.st.S3Blobs()}
			svc := s3.New(e.st, blobs, iam.NewDecider(e.st, e.clock), e.svc.CheckOwnCode,
				s3.Config{AllowInsecureMFAHeader: true, Clock: e.clock, MaxObjectSize: 1 << 10})
			gw := gateway.New(gateway.Deps{IAM: e.svc, STS: sts.New(e.svc, storetest.Sealer(t), nil), Store: e.st,
				Quotas: quotas.New(e.st, e.svc, quotas.Options{Clock: e.clock}), S3: gateway.S3Config{Service: svc}})
			srv := httptest.NewServer(gw)
			t.Cleanup(srv.Close)
			e.url, e.srv = srv.URL, gw
			se := &s3Env{env: e}
			root := se.s3(rootKeyID, rootSecret, "")
			if _, err := root.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("refused-puts")}); err != nil {
				t.Fatal(err)
			}
			if _, err := root.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("refused-puts"), Key: aws.String("k"),
				Body: strings.NewReader("original")}); err != nil {
				t.Fatal(err)
			}
			if blobs.count() != 1 {
				t.Fatalf("%d blobs after one PutObject", blobs.count())
			}
			const body = "replacement"
			for _, tt := range []struct {
				name string
				r    rawS3
				code string
			}{
				{"wrong x-amz-content-sha256", rawS3{body: body, payloadHash: sha256Hex("something else")}, "XAmzContentSHA256Mismatch"},
				{"wrong Content-MD5", rawS3{body: body, header: map[string]string{"Content-Md5": md5b64("something else")}}, "BadDigest"},
				{"wrong CRC32", rawS3{body: body, payloadHash: "UNSIGNED-PAYLOAD", header: map[string]string{"X-Amz-Checksum-Crc32": "AAAAAA=="}}, "BadDigest"},
				{"bad chunk signature", rawS3{body: fmt.Sprintf("%x;chunk-signature=%s\r\n%s\r\n0;chunk-signature=%s\r\n\r\n", len(body),
					strings.Repeat("0", 64), body, strings.Repeat("1", 64)), payloadHash: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
					header: map[string]string{"X-Amz-Decoded-Content-Length": fmt.Sprint(len(body)), "Content-Encoding": "aws-chunked"}}, "SignatureDoesNotMatch"},
				{"too large", rawS3{body: strings.Repeat("x", 2<<10), payloadHash: "UNSIGNED-PAYLOAD"}, "EntityTooLarge"},
			} {
				tt.r.method, tt.r.path = http.MethodPut, "/refused-puts/k"
				status, got := se.raw(t, tt.r)
				if status < 400 || !strings.Contains(got, "<Code>"+tt.code+"</Code>") {
					t.Errorf("PutObject with a %s = %d %s, want %s", tt.name, status, got, tt.code)
				}
				if n := blobs.count(); n != 1 {
					t.Errorf("after a PutObject with a %s: %d blobs stored, want 1", tt.name, n)
				}
				if b, err := getBody(t, root, "refused-puts", "k", ""); err != nil || b != "original" {
					t.Errorf("after a PutObject with a %s: the object is %q, %v; want the original", tt.name, b, err)
				}
			}
		})
	}
}
