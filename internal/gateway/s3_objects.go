package gateway

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/iamd/iamd/internal/s3"
)

// s3PutObject streams the body into the domain, which stores it only when
// every check passes.
func (s *Server) s3PutObject(ctx context.Context, w http.ResponseWriter, r *http.Request, c *call, req *s3Request, sr s3.Request) error {
	length := declaredLength(r)
	if length == -1 && !isAWSChunked(r) {
		return s3Err("MissingContentLength", "You must provide the Content-Length HTTP header.")
	}
	if err := checkTrailers(r); err != nil {
		return err
	}
	if length > s.s3.MaxObjectSize() {
		return s3Err("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
	}
	body, err := c.signed.Body(r.Body, length)
	if err != nil {
		return err
	}
	in := s3.PutObjectInput{
		Bucket: req.bucket, Key: req.key, Body: bodyReader{body}, ContentLength: length,
		ContentType: r.Header.Get("Content-Type"), ContentMD5: r.Header.Get("Content-Md5"),
		Metadata: map[string]string{},
	}
	for name, vs := range r.Header {
		if m, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-meta-"); ok && len(vs) > 0 {
			in.Metadata[m] = vs[0]
		}
	}
	if in.ChecksumAlgorithm, in.Checksum, err = checksumHeader(r); err != nil {
		return err
	}
	if in.ChecksumAlgorithm == "" {
		if a := trailerChecksum(r); a != "" {
			in.ChecksumAlgorithm, in.Trailer = a, body.Trailer
		} else if a := r.Header.Get("X-Amz-Sdk-Checksum-Algorithm"); a != "" {
			in.ChecksumAlgorithm = a // computed and stored; nothing to compare
		}
	}
	v, err := s.s3.PutObject(ctx, sr, in)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", v.ETag)
	if v.VersionID != s3.NullVersion {
		w.Header().Set("X-Amz-Version-Id", v.VersionID)
	}
	if v.ChecksumAlgorithm != "" {
		w.Header().Set("X-Amz-Checksum-"+v.ChecksumAlgorithm, v.Checksum)
		w.Header().Set("X-Amz-Checksum-Type", "FULL_OBJECT")
	}
	return s.writeS3Empty(w, c, http.StatusOK)
}

// bodyReader maps read errors of the request body to the client's error.
type bodyReader struct{ r io.Reader }

func (b bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = bodyError(err)
	}
	return n, err
}

// s3GetObject answers GetObject and HeadObject, with a single byte range
// when the request asks for one.
func (s *Server) s3GetObject(ctx context.Context, w http.ResponseWriter, r *http.Request, c *call, req *s3Request, sr s3.Request) error {
	head := req.op == "HeadObject"
	v, body, err := s.s3.GetObject(ctx, sr, req.bucket, req.key, req.query.Get("versionId"), head)
	if err != nil {
		return err
	}
	if body != nil {
		defer body.Close()
	}
	h := w.Header()
	h.Set("ETag", v.ETag)
	h.Set("Last-Modified", v.LastModified.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	ct := v.ContentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	h.Set("Content-Type", ct)
	if v.VersionID != s3.NullVersion {
		h.Set("X-Amz-Version-Id", v.VersionID)
	}
	for k, val := range v.Metadata {
		h.Set("X-Amz-Meta-"+k, val)
	}
	for _, k := range []string{"Content-Type", "Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"} {
		if val := req.query.Get("response-" + strings.ToLower(k)); val != "" {
			h.Set(k, val)
		}
	}
	start, n, partial, err := parseRange(r.Header.Get("Range"), v.Size)
	if err != nil {
		return err
	}
	if v.ChecksumAlgorithm != "" && !partial && strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
		h.Set("X-Amz-Checksum-"+v.ChecksumAlgorithm, v.Checksum)
		h.Set("X-Amz-Checksum-Type", "FULL_OBJECT")
	}
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	h.Set("X-Amz-Request-Id", c.reqID)
	status := http.StatusOK
	if partial {
		h.Set("Content-Range", "bytes "+strconv.FormatInt(start, 10)+"-"+strconv.FormatInt(start+n-1, 10)+"/"+strconv.FormatInt(v.Size, 10))
		status = http.StatusPartialContent
	}
	if head || body == nil {
		w.WriteHeader(status)
		return nil
	}
	if start > 0 {
		if _, err := io.CopyN(io.Discard, body, start); err != nil {
			return err
		}
	}
	w.WriteHeader(status)
	if _, err := io.CopyN(w, body, n); err != nil {
		// The status is out: the client sees a short body.
		s.log.Error("send object", "id", c.reqID, "err", err)
	}
	return nil
}

// parseRange reads a single "bytes=a-b", "bytes=a-" or "bytes=-n" range;
// no Range (or one iamd does not serve, several ranges) is the whole
// object, as HTTP allows.
func parseRange(h string, size int64) (start, n int64, partial bool, err error) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return 0, size, false, nil
	}
	a, b, ok := strings.Cut(spec, "-")
	if !ok {
		return 0, size, false, nil
	}
	invalid := s3Err("InvalidRange", "The requested range is not satisfiable")
	switch {
	case a == "":
		k, err := strconv.ParseInt(b, 10, 64)
		if err != nil || k <= 0 {
			return 0, size, false, nil
		}
		k = min(k, size)
		if k == 0 {
			return 0, 0, false, invalid
		}
		return size - k, k, true, nil
	default:
		from, err := strconv.ParseInt(a, 10, 64)
		if err != nil || from < 0 {
			return 0, size, false, nil
		}
		if from >= size {
			return 0, 0, false, invalid
		}
		to := size - 1
		if b != "" {
			if to, err = strconv.ParseInt(b, 10, 64); err != nil || to < from {
				return 0, size, false, nil
			}
			to = min(to, size-1)
		}
		return from, to - from + 1, true, nil
	}
}
