package gateway_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
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

// s3Env is an env whose gateway also serves S3.
type s3Env struct {
	*env
	rootSerial string
	rootSeed   []byte
}

// newS3Env starts a gateway with S3 on a fresh store; insecureMFA is
// --allow-insecure-mfa-header (the test server is plain HTTP). Root has a
// virtual MFA device, as `iamd account root-mfa` makes it.
func newS3Env(t *testing.T, eng storetest.Engine, insecureMFA bool) *s3Env {
	t.Helper()
	e := newEnv(t, eng)
	rec := audit.NewRecorder(e.st, audit.Options{Clock: e.svc.Clock()})
	t.Cleanup(func() { rec.Close() })
	svc := s3.New(e.st, e.st.S3Blobs(), iam.NewDecider(e.st, e.clock), e.svc.CheckOwnCode,
		s3.Config{AllowInsecureMFAHeader: insecureMFA, Clock: e.clock, MaxObjectSize: 8 << 20})
	gw := gateway.New(gateway.Deps{IAM: e.svc, STS: sts.New(e.svc, storetest.Sealer(t), nil), Store: e.st,
		Quotas: quotas.New(e.st, e.svc, quotas.Options{Clock: e.clock}), Audit: rec, AuditStore: e.st,
		S3: gateway.S3Config{Service: svc}})
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	e.url, e.srv = srv.URL, gw
	d, err := e.svc.CreateRootMFADevice(context.Background(), accountID)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := otp.DecodeSecret(d.Base32StringSeed)
	if err != nil {
		t.Fatal(err)
	}
	return &s3Env{env: e, rootSerial: d.Serial, rootSeed: seed}
}

func (e *s3Env) s3(id, secret, token string) *awss3.Client {
	return awss3.NewFromConfig(e.config(id, secret, token), func(o *awss3.Options) { o.UsePathStyle = true })
}

// rootMFA is an x-amz-mfa header with root's code at a step offset.
func (e *s3Env) rootMFA(offset int64) *string {
	return aws.String(e.rootSerial + " " + e.code(e.rootSeed, offset))
}

func forEachS3Engine(t *testing.T, insecureMFA bool, f func(t *testing.T, e *s3Env)) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { f(t, newS3Env(t, eng, insecureMFA)) })
	}
}

// putVersions writes n versions of key and returns their ids, oldest first.
func putVersions(t *testing.T, c *awss3.Client, bucket, key string, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		out, err := c.PutObject(context.Background(), &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			Body: strings.NewReader(fmt.Sprintf("version %d of %s", i, key))})
		if err != nil {
			t.Fatalf("PutObject(%s) #%d = %v", key, i, err)
		}
		if out.VersionId == nil || *out.VersionId == "" {
			t.Fatalf("PutObject(%s) #%d returned no version id", key, i)
		}
		ids = append(ids, *out.VersionId)
	}
	return ids
}

func getBody(t *testing.T, c *awss3.Client, bucket, key, version string) (string, error) {
	t.Helper()
	in := &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if version != "" {
		in.VersionId = aws.String(version)
	}
	out, err := c.GetObject(context.Background(), in)
	if err != nil {
		return "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return string(b), err
}

// TestS3MFADelete is the scenario through the Go SDK: a versioned
// bucket, MFA Delete enabled by root with a code, permanent deletes
// refused without a code, with a wrong one and with a replayed one, and
// allowed with a fresh one; delete markers need none; an IAM user with
// s3:* cannot turn MFA Delete off.
func TestS3MFADelete(t *testing.T) {
	forEachS3Engine(t, true, func(t *testing.T, e *s3Env) {
		ctx := context.Background()
		root := e.s3(rootKeyID, rootSecret, "")
		const bucket = "mfa-delete-test"
		if _, err := root.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
			t.Fatalf("CreateBucket = %v", err)
		}
		// MFA Delete is refused without a code, even to root.
		_, err := root.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: aws.String(bucket),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled, MFADelete: s3types.MFADeleteEnabled}})
		wantAPIError(t, "PutBucketVersioning(MfaDelete) without x-amz-mfa", err, "AccessDenied", 403, "Mfa Authentication must be used for this request")
		// A malformed header.
		_, err = root.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: aws.String(bucket), MFA: aws.String(e.rootSerial),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled, MFADelete: s3types.MFADeleteEnabled}})
		wantAPIError(t, "PutBucketVersioning with a malformed x-amz-mfa", err, "InvalidArgument", 400,
			"Mfa header is invalid -- the header should be formatted as {serialNumber}(space){tokenCode}")
		if _, err := root.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: aws.String(bucket), MFA: e.rootMFA(0),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled, MFADelete: s3types.MFADeleteEnabled}}); err != nil {
			t.Fatalf("PutBucketVersioning(Enabled, MfaDelete Enabled) with root's code = %v", err)
		}
		got, err := root.GetBucketVersioning(ctx, &awss3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != s3types.BucketVersioningStatusEnabled || got.MFADelete != s3types.MFADeleteStatusEnabled {
			t.Fatalf("GetBucketVersioning = %s/%s, want Enabled/Enabled", got.Status, got.MFADelete)
		}
		ids := putVersions(t, root, bucket, "report.txt", 3)

		del := func(mfa *string, version string) error {
			_, err := root.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("report.txt"),
				VersionId: aws.String(version), MFA: mfa})
			return err
		}
		wantAPIError(t, "permanent delete without x-amz-mfa", del(nil, ids[0]), "AccessDenied", 403, "Mfa Authentication must be used for this request")
		wrong := aws.String(e.rootSerial + " " + e.code(e.rootSeed, 40))
		wantAPIError(t, "permanent delete with a wrong code", del(wrong, ids[0]), "AccessDenied", 403, "")
		if b, err := getBody(t, root, bucket, "report.txt", ids[0]); err != nil || b != "version 0 of report.txt" {
			t.Fatalf("refused deletes: version 0 = %q, %v; want it still readable", b, err)
		}
		// The code used to enable MFA Delete is spent: a replay fails.
		wantAPIError(t, "permanent delete with a replayed code", del(e.rootMFA(0), ids[0]), "AccessDenied", 403, "")
		e.clock.Advance(30 * 1e9)
		if err := del(e.rootMFA(0), ids[0]); err != nil {
			t.Fatalf("permanent delete with a fresh code = %v", err)
		}
		_, err = getBody(t, root, bucket, "report.txt", ids[0])
		wantAPIError(t, "GetObject of the deleted version", err, "NoSuchVersion", 404, "")

		// A plain delete adds a marker and needs no code.
		out, err := root.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("report.txt")})
		if err != nil {
			t.Fatalf("DeleteObject without versionId = %v", err)
		}
		if out.DeleteMarker == nil || !*out.DeleteMarker || out.VersionId == nil {
			t.Fatalf("DeleteObject without versionId = %+v, want a delete marker", out)
		}
		_, err = getBody(t, root, bucket, "report.txt", "")
		wantAPIError(t, "GetObject after the delete marker", err, "NoSuchKey", 404, "")
		if b, err := getBody(t, root, bucket, "report.txt", ids[2]); err != nil || b != "version 2 of report.txt" {
			t.Fatalf("version 2 after a delete marker = %q, %v", b, err)
		}

		// DeleteObjects naming versions needs the code for the whole
		// request: without it nothing goes.
		_, err = root.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{
			{Key: aws.String("report.txt"), VersionId: aws.String(ids[1])}, {Key: aws.String("other.txt")}}}})
		wantAPIError(t, "DeleteObjects with versions, without x-amz-mfa", err, "AccessDenied", 403, "")
		if _, err := getBody(t, root, bucket, "report.txt", ids[1]); err != nil {
			t.Fatalf("refused DeleteObjects removed version 1: %v", err)
		}

		// An IAM user with s3:* cannot turn MFA Delete off, with or without
		// root's serial.
		iamc := e.iam(rootKeyID, rootSecret, "")
		uid, usecret := e.user(ctx, iamc, "ops")
		if _, err := iamc.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("s3-all"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)}); err != nil {
			t.Fatal(err)
		}
		ops := e.s3(uid, usecret, "")
		e.clock.Advance(30 * 1e9)
		_, err = ops.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: aws.String(bucket), MFA: e.rootMFA(0),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled, MFADelete: s3types.MFADeleteDisabled}})
		wantAPIError(t, "IAM user disabling MFA Delete", err, "AccessDenied", 403, "")
		_, err = ops.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("report.txt"), VersionId: aws.String(ids[1]), MFA: e.rootMFA(0)})
		wantAPIError(t, "IAM user permanently deleting", err, "AccessDenied", 403, "")
		// The user may still read and add delete markers.
		if _, err := getBody(t, ops, bucket, "report.txt", ids[1]); err != nil {
			t.Fatalf("IAM user GetObject(version 1) = %v", err)
		}
		got, err = root.GetBucketVersioning(ctx, &awss3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
		if err != nil || got.MFADelete != s3types.MFADeleteStatusEnabled {
			t.Fatalf("after the IAM user's attempt: MfaDelete = %s, %v; want Enabled", got.MFADelete, err)
		}

		// Temporary credentials with x-amz-mfa: InvalidRequest.
		tok, err := e.sts(uid, usecret, "").GetSessionToken(ctx, &awssts.GetSessionTokenInput{})
		if err != nil {
			t.Fatal(err)
		}
		tmp := e.s3(*tok.Credentials.AccessKeyId, *tok.Credentials.SecretAccessKey, *tok.Credentials.SessionToken)
		_, err = tmp.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("report.txt"), VersionId: aws.String(ids[1]), MFA: e.rootMFA(0)})
		wantAPIError(t, "session credentials with x-amz-mfa", err, "InvalidRequest", 400, "DevPay and Mfa are mutually exclusive authorization methods.")

		// Root turns MFA Delete off with a code, then versions go freely.
		e.clock.Advance(30 * 1e9)
		if _, err := root.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: aws.String(bucket), MFA: e.rootMFA(0),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended, MFADelete: s3types.MFADeleteDisabled}}); err != nil {
			t.Fatalf("root disabling MFA Delete = %v", err)
		}
		if err := del(nil, ids[1]); err != nil {
			t.Fatalf("permanent delete after MFA Delete is off = %v", err)
		}
	})
}

// TestS3MFAHeaderNeedsTLS: without --allow-insecure-mfa-header, x-amz-mfa
// over plain HTTP is refused and the code is not consumed.
func TestS3MFAHeaderNeedsTLS(t *testing.T) {
	forEachS3Engine(t, false, func(t *testing.T, e *s3Env) {
		ctx := context.Background()
		root := e.s3(rootKeyID, rootSecret, "")
		if _, err := root.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("tls-only")}); err != nil {
			t.Fatal(err)
		}
		_, err := root.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: aws.String("tls-only"), MFA: e.rootMFA(0),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled, MFADelete: s3types.MFADeleteEnabled}})
		wantAPIError(t, "x-amz-mfa over HTTP", err, "InvalidRequest", 400, "")
		// The code was not spent: the same check still takes it.
		rootUser, err := e.st.UserByID(ctx, accountID, accountID)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.CheckOwnCode(ctx, rootUser.Identity(), e.rootSerial, e.code(e.rootSeed, 0)); err != nil {
			t.Fatalf("the code refused over HTTP was consumed: CheckOwnCode = %v", err)
		}
	})
}

// TestS3ObjectsAndListing covers the object API without MFA Delete: bodies
// of several sizes and keys that need encoding, versions and delete
// markers in ListObjectVersions, paging, and BucketNotEmpty.
func TestS3ObjectsAndListing(t *testing.T) {
	forEachS3Engine(t, true, func(t *testing.T, e *s3Env) {
		ctx := context.Background()
		root := e.s3(rootKeyID, rootSecret, "")
		const bucket = "objects"
		if _, err := root.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
			t.Fatal(err)
		}
		_, err := root.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)})
		wantAPIError(t, "CreateBucket twice", err, "BucketAlreadyOwnedByYou", 409, "")
		_, err = root.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("Bad_Name")})
		wantAPIError(t, "CreateBucket(Bad_Name)", err, "InvalidBucketName", 400, "")

		keys := []string{"a b+c.txt", "dir/one", "dir/two", "z%41", "ünï/cødé"} // in byte order
		big := bytes.Repeat([]byte("0123456789abcdef"), 300_000)                // 4.8 MB, several aws-chunked chunks
		for _, k := range keys {
			body := []byte("body of " + k)
			if k == "dir/two" {
				body = big
			}
			if _, err := root.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: bytes.NewReader(body)}); err != nil {
				t.Fatalf("PutObject(%q) = %v", k, err)
			}
			out, err := root.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)})
			if err != nil {
				t.Fatalf("GetObject(%q) = %v", k, err)
			}
			got, _ := io.ReadAll(out.Body)
			out.Body.Close()
			if !bytes.Equal(got, body) {
				t.Fatalf("GetObject(%q) = %d bytes, want %d", k, len(got), len(body))
			}
		}
		list, err := root.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(bucket), Delimiter: aws.String("/")})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range list.Contents {
			names = append(names, *o.Key)
		}
		for _, p := range list.CommonPrefixes {
			names = append(names, *p.Prefix)
		}
		if want := "a b+c.txt z%41 dir/ ünï/"; strings.Join(names, " ") != want {
			t.Errorf("ListObjectsV2(delimiter /) = %q, want %q", strings.Join(names, " "), want)
		}
		// Paging one key at a time visits every key once.
		var paged []string
		p := awss3.NewListObjectsV2Paginator(root, &awss3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page.Contents {
				paged = append(paged, *o.Key)
			}
		}
		if strings.Join(paged, "|") != strings.Join(keys, "|") {
			t.Errorf("paged ListObjectsV2 = %q, want %q", paged, keys)
		}
		_, err = root.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(bucket)})
		wantAPIError(t, "DeleteBucket(non-empty)", err, "BucketNotEmpty", 409, "")

		// Versions and markers.
		if _, err := root.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: aws.String(bucket),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
			t.Fatal(err)
		}
		ids := putVersions(t, root, bucket, "dir/one", 2)
		if _, err := root.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("dir/one")}); err != nil {
			t.Fatal(err)
		}
		vs, err := root.ListObjectVersions(ctx, &awss3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String("dir/one")})
		if err != nil {
			t.Fatal(err)
		}
		if len(vs.DeleteMarkers) != 1 || !*vs.DeleteMarkers[0].IsLatest || len(vs.Versions) != 3 {
			t.Fatalf("ListObjectVersions = %d markers, %d versions; want 1 latest marker and 3 versions", len(vs.DeleteMarkers), len(vs.Versions))
		}
		if *vs.Versions[0].VersionId != ids[1] || *vs.Versions[2].VersionId != "null" {
			t.Errorf("versions newest first = %s, %s, %s; want %s, %s, null", *vs.Versions[0].VersionId, *vs.Versions[1].VersionId,
				*vs.Versions[2].VersionId, ids[1], ids[0])
		}
		// Paging versions one at a time.
		n := 0
		vp := awss3.NewListObjectVersionsPaginator(root, &awss3.ListObjectVersionsInput{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1)})
		for vp.HasMorePages() {
			page, err := vp.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n += len(page.Versions) + len(page.DeleteMarkers)
		}
		if n != len(keys)+3 {
			t.Errorf("paged ListObjectVersions saw %d entries, want %d", n, len(keys)+3)
		}
	})
}
