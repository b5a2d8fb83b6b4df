package gateway

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/s3"
	"github.com/iamd/iamd/internal/sigv4"
)

// s3Service is S3's SigV4 signing name.
const s3Service = "s3"

// maxS3XMLBody bounds the XML body of a bucket operation or DeleteObjects
// (1000 keys of 1024 bytes fit).
const maxS3XMLBody = 2 << 20

// s3Options are S3's SigV4 rules: unsigned and aws-chunked payloads, and
// the path neither normalised nor encoded twice.
var s3Options = sigv4.Options{UnsignedPayload: true, Streaming: true, S3Path: true}

// S3Config is how the gateway serves S3.
type S3Config struct {
	// Service is the S3 domain; nil serves no S3.
	Service *s3.Service
	// BaseDomain, when set, also serves virtual-host-style requests:
	// Host "<bucket>.<BaseDomain>" addresses that bucket. Path-style
	// requests are served either way.
	BaseDomain string
}

// s3Route is the REST-XML route of S3. Its bodies are streamed: the
// signature is checked on the headers before any of the body is read,
// which the operation then reads through the SigV4 body decoder.
func (s *Server) s3Route() *route {
	return &route{stream: true, sigv4: s3Options, serve: s.serveS3,
		writeError: func(w http.ResponseWriter, reqID string, err error) { s.s3Error(w, nil, reqID, err) }}
}

// s3Request is one S3 request, decoded from the method, path and query.
type s3Request struct {
	op          string
	bucket, key string
	query       url.Values
}

// s3Subresources are the bucket and object subresources iamd serves; any
// other (acl, policy, lifecycle, uploads, …) is NotImplemented.
var s3Subresources = map[string]bool{"versioning": true, "versions": true, "delete": true, "location": true,
	"list-type": true, "versionId": true, "prefix": true, "delimiter": true, "max-keys": true, "marker": true,
	"start-after": true, "continuation-token": true, "fetch-owner": true, "encoding-type": true,
	"key-marker": true, "version-id-marker": true, "x-id": true}

// decodeS3 names the operation of a request and its bucket and key, from
// the path (path style) or the Host (virtual-host style).
func (s *Server) decodeS3(r *http.Request) (*s3Request, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, s3Err("InvalidArgument", "The query string is not well formed.")
	}
	for k := range q {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-") {
			delete(q, k) // presigned URL parameters
		}
	}
	for k := range q {
		if !s3Subresources[k] && !strings.HasPrefix(k, "response-") {
			return nil, s3Err("NotImplemented", "A header you provided implies functionality that is not implemented")
		}
	}
	req := &s3Request{query: q}
	path := strings.TrimPrefix(r.URL.Path, "/")
	if b := s.virtualHostBucket(r.Host); b != "" {
		req.bucket, req.key = b, path
	} else {
		req.bucket, req.key, _ = strings.Cut(path, "/")
	}
	has := func(k string) bool { _, ok := q[k]; return ok }
	switch {
	case req.bucket == "":
		if r.Method == http.MethodGet {
			req.op = "ListBuckets"
		}
	case req.key == "":
		switch r.Method {
		case http.MethodPut:
			req.op = "CreateBucket"
			if has("versioning") {
				req.op = "PutBucketVersioning"
			}
		case http.MethodHead:
			req.op = "HeadBucket"
		case http.MethodDelete:
			req.op = "DeleteBucket"
		case http.MethodPost:
			if has("delete") {
				req.op = "DeleteObjects"
			}
		case http.MethodGet:
			switch {
			case has("versioning"):
				req.op = "GetBucketVersioning"
			case has("versions"):
				req.op = "ListObjectVersions"
			case has("location"):
				req.op = "GetBucketLocation"
			case q.Get("list-type") == "2":
				req.op = "ListObjectsV2"
			case has("list-type"):
				return nil, s3Err("InvalidArgument", "Invalid List Type specified")
			default:
				req.op = "ListObjects"
			}
		}
	default:
		switch r.Method {
		case http.MethodPut:
			if r.Header.Get("X-Amz-Copy-Source") != "" {
				return nil, s3Err("NotImplemented", "CopyObject is not implemented by iamd.")
			}
			req.op = "PutObject"
		case http.MethodGet:
			req.op = "GetObject"
		case http.MethodHead:
			req.op = "HeadObject"
		case http.MethodDelete:
			req.op = "DeleteObject"
		}
	}
	if req.op == "" {
		return req, s3Err("MethodNotAllowed", "The specified method is not allowed against this resource.")
	}
	return req, nil
}

// virtualHostBucket returns the bucket a virtual-host-style Host names
// under the base domain, "" for any other Host.
func (s *Server) virtualHostBucket(host string) string {
	if s.s3BaseDomain == "" {
		return ""
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	if b, ok := strings.CutSuffix(host, "."+s.s3BaseDomain); ok && b != "" {
		return b
	}
	return ""
}

// serveS3 is the REST-XML codec: payload mode, authentication, session
// rules, then the operation, which reads its body through the SigV4 body
// decoder.
func (s *Server) serveS3(w http.ResponseWriter, r *http.Request, c *call) {
	req, derr := s.decodeS3(r)
	if req != nil {
		c.action = req.op
	}
	// The payload hash the signature covers is the one the client claims;
	// the body is checked against it as it streams.
	if err := c.signed.SetStreamedPayload(s3Options); err != nil {
		s.s3Error(w, r, c.reqID, err)
		return
	}
	p, err := s.auth.Authenticate(r.Context(), c.signed)
	if err != nil {
		s.recordS3(r, c, req, nil, err)
		s.s3Error(w, r, c.reqID, err)
		return
	}
	c.principal = p.ARN()
	if derr != nil {
		s.s3Error(w, r, c.reqID, derr)
		return
	}
	if err := authz.SessionAllows(s3Service, req.op, p); err != nil {
		s.recordS3(r, c, req, p, err)
		s.s3Error(w, r, c.reqID, err)
		return
	}
	mfaHeader := r.Header.Values("X-Amz-Mfa")
	if len(mfaHeader) > 0 && !signs(c.signed.SignedHeaders, "x-amz-mfa") {
		// The code is bound to the request only when the signature covers
		// it: unsigned, a code seen in transit (or phished) could be put on
		// another captured request of the root user — one refused for
		// want of a code — within the signature's 15 minutes. The SDKs and
		// the CLI sign every x-amz-* header, and S3 refuses unsigned ones.
		err := unsignedHeader("x-amz-mfa")
		s.recordS3(r, c, req, p, err)
		s.s3Error(w, r, c.reqID, err)
		return
	}
	ctx := authz.WithRequestInfo(r.Context(), requestInfo(r, c.signed))
	sr := s3.Request{Principal: p, Secure: r.TLS != nil, HasMFA: len(mfaHeader) > 0}
	if len(mfaHeader) == 1 {
		sr.MFA = mfaHeader[0]
	} // two headers: HasMFA with an empty value, refused as malformed
	err = s.s3Operation(ctx, w, r, c, req, sr)
	s.recordS3(r, c, req, p, err)
	if err != nil {
		s.s3Error(w, r, c.reqID, err)
	}
}

// unsignedHeader is S3's refusal of a request carrying a header the
// signature does not cover.
func unsignedHeader(name string) error {
	return &s3.Error{Code: awserr.AccessDenied, Message: "There were headers present in the request which were not signed",
		Details: [][2]string{{"HeadersNotSigned", name}}}
}

// s3Operation carries out one decoded operation and writes its answer;
// an error is written by the caller.
func (s *Server) s3Operation(ctx context.Context, w http.ResponseWriter, r *http.Request, c *call, req *s3Request, sr s3.Request) error {
	svc := s.s3
	switch req.op {
	case "ListBuckets":
		bs, err := svc.ListBuckets(ctx, sr)
		if err != nil {
			return err
		}
		out := xmlListBuckets{NS: s3Namespace, Owner: s3Owner{ID: s3.CanonicalID(sr.Principal.AccountID)}, Buckets: []xmlBucket{}}
		for _, b := range bs {
			out.Buckets = append(out.Buckets, xmlBucket{Name: b.Name, CreationDate: s3Timestamp(b.CreatedAt), BucketRegion: b.Region})
		}
		return s.writeS3XML(w, c, out)
	case "CreateBucket":
		body, err := s.readS3XMLBody(r, c, false)
		if err != nil {
			return err
		}
		region := ""
		if len(bytes.TrimSpace(body)) > 0 {
			var cfg xmlCreateBucketConfiguration
			if err := xml.Unmarshal(body, &cfg); err != nil {
				return malformedXML()
			}
			region = cfg.LocationConstraint
		}
		if region == "" {
			region = c.signed.Credential.Region
		}
		if _, err := svc.CreateBucket(ctx, sr, req.bucket, region); err != nil {
			return err
		}
		w.Header().Set("Location", "/"+req.bucket)
		return s.writeS3Empty(w, c, http.StatusOK)
	case "HeadBucket":
		b, err := svc.HeadBucket(ctx, sr, req.bucket)
		if err != nil {
			return err
		}
		w.Header().Set("X-Amz-Bucket-Region", b.Region)
		return s.writeS3Empty(w, c, http.StatusOK)
	case "DeleteBucket":
		if err := svc.DeleteBucket(ctx, sr, req.bucket); err != nil {
			return err
		}
		return s.writeS3Empty(w, c, http.StatusNoContent)
	case "GetBucketLocation":
		b, err := svc.GetBucketLocation(ctx, sr, req.bucket)
		if err != nil {
			return err
		}
		loc := b.Region
		if loc == "us-east-1" {
			loc = "" // S3 reports the original region as an empty constraint
		}
		return s.writeS3XML(w, c, xmlLocation{NS: s3Namespace, Location: loc})
	case "GetBucketVersioning":
		b, err := svc.GetBucketVersioning(ctx, sr, req.bucket)
		if err != nil {
			return err
		}
		return s.writeS3XML(w, c, xmlVersioning{NS: s3Namespace, Status: b.Versioning, MfaDelete: b.MFADelete})
	case "PutBucketVersioning":
		body, err := s.readS3XMLBody(r, c, true)
		if err != nil {
			return err
		}
		var v xmlVersioning
		if err := xml.Unmarshal(body, &v); err != nil || v.XMLName.Local != "VersioningConfiguration" {
			return malformedXML()
		}
		if err := svc.PutBucketVersioning(ctx, sr, req.bucket, s3.VersioningConfiguration{Status: v.Status, MFADelete: v.MfaDelete}); err != nil {
			return err
		}
		return s.writeS3Empty(w, c, http.StatusOK)
	case "ListObjectsV2", "ListObjects", "ListObjectVersions":
		return s.s3List(ctx, w, c, req, sr)
	case "PutObject":
		return s.s3PutObject(ctx, w, r, c, req, sr)
	case "GetObject", "HeadObject":
		return s.s3GetObject(ctx, w, r, c, req, sr)
	case "DeleteObject":
		res, err := svc.DeleteObject(ctx, sr, req.bucket, req.key, req.query.Get("versionId"))
		if err != nil {
			return err
		}
		if res.DeleteMarker {
			w.Header().Set("X-Amz-Delete-Marker", "true")
		}
		if res.VersionID != "" {
			w.Header().Set("X-Amz-Version-Id", res.VersionID)
		}
		return s.writeS3Empty(w, c, http.StatusNoContent)
	case "DeleteObjects":
		body, err := s.readS3XMLBody(r, c, true)
		if err != nil {
			return err
		}
		var d xmlDelete
		if err := xml.Unmarshal(body, &d); err != nil {
			return malformedXML()
		}
		objs := make([]s3.ObjectIdentifier, len(d.Objects))
		for i, o := range d.Objects {
			objs[i] = s3.ObjectIdentifier{Key: o.Key, VersionID: o.VersionID}
		}
		done, errs, err := svc.DeleteObjects(ctx, sr, req.bucket, objs)
		if err != nil {
			return err
		}
		out := xmlDeleteResult{NS: s3Namespace}
		if !d.Quiet {
			for _, r := range done {
				x := xmlDeleted{Key: r.Key, VersionID: r.VersionID}
				if r.DeleteMarker {
					x.DeleteMarker = true
					if objVersion(d, r.Key) == "" {
						// A delete that made a marker names it apart
						// from the (absent) version deleted.
						x.VersionID, x.DeleteMarkerVersionID = "", r.VersionID
					}
				}
				out.Deleted = append(out.Deleted, x)
			}
		}
		for _, e := range errs {
			out.Errors = append(out.Errors, xmlDeleteError{Key: e.Key, VersionID: e.VersionID, Code: e.Code, Message: e.Message})
		}
		return s.writeS3XML(w, c, out)
	}
	return s3Err("NotImplemented", "A header you provided implies functionality that is not implemented")
}

// objVersion is the VersionId a DeleteObjects request gave for key.
func objVersion(d xmlDelete, key string) string {
	for _, o := range d.Objects {
		if o.Key == key {
			return o.VersionID
		}
	}
	return ""
}

// readS3XMLBody reads a bucket operation's small XML body through the
// SigV4 decoder and, when the model requires one (checksumRequired), checks
// that it came with Content-MD5 or a flexible checksum; any digest sent is
// checked.
func (s *Server) readS3XMLBody(r *http.Request, c *call, checksumRequired bool) ([]byte, error) {
	if err := checkTrailers(r); err != nil {
		return nil, err
	}
	if checksumRequired && payloadUnsigned(c.signed) {
		if err := digestSigned(r, c.signed); err != nil {
			return nil, err
		}
	}
	body, err := c.signed.Body(r.Body, declaredLength(r))
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(body, maxS3XMLBody+1))
	if err != nil {
		return nil, bodyError(err)
	}
	if len(b) > maxS3XMLBody {
		return nil, s3Err("MaxMessageLengthExceeded", "Your request was too big.")
	}
	if md := r.Header.Get("Content-Md5"); md != "" {
		want, err := base64.StdEncoding.DecodeString(md)
		sum := md5.Sum(b)
		if err != nil || len(want) != md5.Size {
			return nil, s3Err("InvalidDigest", "The Content-MD5 you specified was invalid.")
		}
		if !bytes.Equal(want, sum[:]) {
			return nil, s3Err("BadDigest", "The Content-MD5 you specified did not match what we received.")
		}
		return b, nil
	}
	alg, value, err := checksumHeader(r)
	if err != nil {
		return nil, err
	}
	if alg == "" {
		if name := trailerChecksum(r); name != "" {
			alg, value = name, body.Trailer()["x-amz-checksum-"+strings.ToLower(name)]
		}
	}
	if alg == "" {
		if checksumRequired {
			return nil, s3Err("InvalidRequest", "Missing required header for this request: Content-MD5 or x-amz-checksum-*")
		}
		return b, nil
	}
	h, err := s3.NewChecksum(alg)
	if err != nil {
		return nil, s3Err("InvalidRequest", "Checksum algorithm provided is unsupported.")
	}
	h.Write(b)
	if base64.StdEncoding.EncodeToString(h.Sum(nil)) != value {
		return nil, s3Err("BadDigest", "The "+strings.ToUpper(alg)+" you specified did not match the calculated checksum.")
	}
	return b, nil
}

// payloadUnsigned tells whether the signature leaves the body out:
// UNSIGNED-PAYLOAD (also a presigned URL's default) or aws-chunked without
// chunk signatures.
func payloadUnsigned(signed *sigv4.Signed) bool {
	switch signed.ContentSHA256() {
	case sigv4.UnsignedPayload, sigv4.StreamingUnsignedPayloadTrailer:
		return true
	case "":
		return signed.Presigned
	}
	return false
}

// digestSigned applies, to an operation whose parameters are in its body
// (PutBucketVersioning, DeleteObjects) sent with an unsigned payload, the
// rule that binds the body to the signature instead: the digest the body
// is checked against must be a signed header. Otherwise a captured request
// could be replayed with another body and a digest to match it —
// DeleteObjects with other keys, versioning suspended instead of enabled.
// The SDKs send these operations with UNSIGNED-PAYLOAD only over HTTPS and
// with a checksum header, which they sign; an unsigned trailer binds
// nothing and is refused.
func digestSigned(r *http.Request, signed *sigv4.Signed) error {
	if r.Header.Get("Content-Md5") != "" {
		if !signs(signed.SignedHeaders, "content-md5") {
			return unsignedHeader("content-md5")
		}
		return nil
	}
	for _, a := range checksumAlgorithms {
		name := "x-amz-checksum-" + strings.ToLower(a)
		if len(r.Header.Values(name)) > 0 {
			if !signs(signed.SignedHeaders, name) {
				return unsignedHeader(name)
			}
			return nil
		}
	}
	if trailerChecksum(r) != "" {
		return s3Err("InvalidRequest", "The body of this request carries its parameters: with an unsigned payload, its "+
			"checksum must come in a signed Content-MD5 or x-amz-checksum-* header, not in a trailer. Sign the payload, or the checksum header.")
	}
	return nil // refused below as missing its checksum
}

// checksumAlgorithms are the flexible checksums iamd checks.
var checksumAlgorithms = []string{"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"}

// checksumHeader returns the flexible checksum a request sent as a header;
// more than one is refused, as S3 refuses it.
func checksumHeader(r *http.Request) (alg, value string, err error) {
	for _, a := range checksumAlgorithms {
		if v := r.Header.Values("X-Amz-Checksum-" + a); len(v) > 0 {
			if alg != "" || len(v) > 1 {
				return "", "", s3Err("InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
			}
			alg, value = a, v[0]
		}
	}
	return alg, value, nil
}

// checkTrailers refuses an X-Amz-Trailer that declares anything but one
// flexible checksum, as S3 does.
func checkTrailers(r *http.Request) error {
	names := 0
	for _, v := range r.Header.Values("X-Amz-Trailer") {
		for t := range strings.SplitSeq(v, ",") {
			t = strings.ToLower(strings.TrimSpace(t))
			a, ok := strings.CutPrefix(t, "x-amz-checksum-")
			if _, err := s3.NewChecksum(a); !ok || err != nil {
				return s3Err("InvalidRequest", "The value specified in the x-amz-trailer header is not supported")
			}
			names++
		}
	}
	if names > 1 {
		return s3Err("InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	}
	return nil
}

// trailerChecksum returns the algorithm of the checksum X-Amz-Trailer
// declares, "" for none.
func trailerChecksum(r *http.Request) string {
	for _, t := range strings.Split(r.Header.Get("X-Amz-Trailer"), ",") {
		t = strings.ToLower(strings.TrimSpace(t))
		if a, ok := strings.CutPrefix(t, "x-amz-checksum-"); ok {
			return strings.ToUpper(a)
		}
	}
	return ""
}

// declaredLength is the decoded body length the request declares: for
// aws-chunked, X-Amz-Decoded-Content-Length; otherwise Content-Length;
// -1 when unknown.
func declaredLength(r *http.Request) int64 {
	if v := r.Header.Get("X-Amz-Decoded-Content-Length"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return -2 // refused by the decoder
		}
		return n
	}
	if isAWSChunked(r) {
		return -1
	}
	return r.ContentLength
}

func isAWSChunked(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-")
}

// bodyError turns a failure to read the request body into the client's
// error: the decoder's own (a bad chunk signature, a short body), or
// IncompleteBody for a connection that broke off.
func bodyError(err error) error {
	if sigv4.Code(err) != "" {
		return err
	}
	var ae *awserr.Error
	if errors.As(err, &ae) {
		return err
	}
	return s3Err("IncompleteBody", "The request body terminated unexpectedly")
}

// writeS3XML writes a 200 with an XML document.
func (s *Server) writeS3XML(w http.ResponseWriter, c *call, v any) error {
	b, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("X-Amz-Request-Id", c.reqID)
	h.Set("Content-Length", strconv.Itoa(len(xml.Header)+len(b)))
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, xml.Header)
	w.Write(b)
	return nil
}

// writeS3Empty writes an answer without a body.
func (s *Server) writeS3Empty(w http.ResponseWriter, c *call, status int) error {
	w.Header().Set("X-Amz-Request-Id", c.reqID)
	if status != http.StatusNoContent {
		w.Header().Set("Content-Length", "0")
	}
	w.WriteHeader(status)
	return nil
}

// s3Err is an S3 error without extra elements.
func s3Err(code, msg string) error { return &awserr.Error{Code: code, Message: msg} }

func malformedXML() error {
	return s3Err("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
}

// s3Error renders err as S3's <Error> document (no body for HEAD), with
// the status of awserr's S3 table. An error that is neither an AWS nor a
// SigV4 error is internal: logged here, sent without its detail. r is nil
// when the gateway's panic recovery writes the error.
func (s *Server) s3Error(w http.ResponseWriter, r *http.Request, reqID string, err error) {
	code, msg := awserr.Code(err), ""
	var (
		ae *awserr.Error
		se *s3.Error
		ve *sigv4.Error
	)
	switch {
	case errors.As(err, &se):
		msg = se.Message
	case errors.As(err, &ae):
		msg = ae.Message
	case errors.As(err, &ve):
		code, msg = sigv4.Code(err), ve.Msg
		if ve.Kind == sigv4.Skewed {
			code = "RequestTimeTooSkewed"
		}
	default:
		s.log.Error("internal error", "id", reqID, "err", err)
		code = awserr.InternalFailure
	}
	if code == awserr.SignatureDoesNotMatch && (strings.HasPrefix(msg, "Signature expired:") || strings.HasPrefix(msg, "Signature not yet current:")) {
		// auth words a clock skew as SignatureDoesNotMatch, as IAM does;
		// S3 has its own code for it.
		code = "RequestTimeTooSkewed"
	}
	code, status, msg := awserr.S3(code, msg)
	doc := xmlError{Code: code, Message: msg, RequestID: reqID, HostID: hostID(reqID)}
	if se != nil {
		for _, d := range se.Details {
			doc.Details = append(doc.Details, xmlDetail{XMLName: xml.Name{Local: d[0]}, Value: d[1]})
		}
		for _, h := range se.Headers {
			w.Header().Set(h[0], h[1])
		}
	}
	b, _ := xml.Marshal(doc)
	h := w.Header()
	h.Set("X-Amz-Request-Id", reqID)
	if r != nil && r.Method == http.MethodHead {
		w.WriteHeader(status)
		return
	}
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(xml.Header)+len(b)))
	w.WriteHeader(status)
	io.WriteString(w, xml.Header)
	w.Write(b)
}

// hostID stands in for S3's x-amz-id-2: a second id derived from the
// request id, so that a report quoting both can be matched to the log.
func hostID(reqID string) string {
	sum := md5.Sum([]byte("iamd host " + reqID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// recordS3 writes the audit event of an S3 request: bucket management and
// every delete (CloudTrail's management events, and the data events that
// destroy data), and every refusal. PutObject and reads that succeed are
// not recorded, as CloudTrail records no data events by default.
func (s *Server) recordS3(r *http.Request, c *call, req *s3Request, p *authz.Principal, err error) {
	if s.audit == nil || req == nil {
		return
	}
	switch req.op {
	case "PutObject", "GetObject", "HeadObject", "ListObjectsV2", "ListObjects", "ListObjectVersions", "HeadBucket",
		"GetBucketVersioning", "GetBucketLocation", "ListBuckets":
		if err == nil {
			return
		}
	}
	params := map[string]any{"bucketName": req.bucket, "Host": r.Host}
	if req.key != "" {
		params["key"] = req.key
	}
	if v := req.query.Get("versionId"); v != "" {
		params["versionId"] = v
	}
	if len(r.Header.Values("X-Amz-Mfa")) > 0 {
		params["x-amz-mfa"] = "HIDDEN_DUE_TO_SECURITY_REASONS" // the code is a secret
	}
	// No responseElements (CloudTrail shows none for these); the empty
	// result keeps responseElements from reflecting on a nil interface.
	s.record(r, c, auditCall{service: s3Service, action: req.op, principal: p, params: params, result: struct{}{}, err: err})
}
