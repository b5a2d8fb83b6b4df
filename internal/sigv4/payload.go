package sigv4

import "strings"

// Options are what a service accepts of a request's payload beyond a body
// whose SHA-256 is signed, and how it writes the canonical URI. Their zero
// value is IAM's and STS's rule; S3 sets all three.
type Options struct {
	// UnsignedPayload accepts X-Amz-Content-Sha256: UNSIGNED-PAYLOAD with a
	// body. Only services whose operation and parameters are in the signed
	// URL and headers, not the body (S3), may set it; for Query and JSON
	// APIs a captured request could be replayed with another body.
	UnsignedPayload bool
	// Streaming accepts the aws-chunked payload modes of X-Amz-Content-Sha256
	// (StreamingPayload, StreamingUnsignedPayloadTrailer and
	// StreamingPayloadTrailer), and a hex SHA-256 that the server checks
	// while it reads the body through Body rather than before Verify. It
	// also gives the payload errors S3's codes (InvalidArgument for a value
	// that is no mode and no hash, NotImplemented for SigV4a's streaming
	// modes). Without it a streaming value fails with SignatureDoesNotMatch.
	Streaming bool
	// S3Path writes the canonical URI the way S3 does: the path as sent,
	// neither normalised (no "." or ".." resolution, empty segments kept)
	// nor URI-encoded a second time. Bytes that a client would have had to
	// escape but sent raw (a space, UTF-8, '+') are encoded once, so the
	// path given to Request may be escaped or not; a %XX triplet is kept as
	// sent. Every other service normalises and double-encodes.
	S3Path bool
}

// The payload modes a client names in X-Amz-Content-Sha256 instead of the
// hex SHA-256 of the body.
const (
	// UnsignedPayload leaves the body out of the signature.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// StreamingPayload is an aws-chunked body whose every chunk carries a
	// signature chained from the request's (the seed signature).
	StreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	// StreamingPayloadTrailer is StreamingPayload followed by trailers
	// (the flexible checksum) and their signature, x-amz-trailer-signature.
	StreamingPayloadTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	// StreamingUnsignedPayloadTrailer is an aws-chunked body without
	// signatures, followed by unsigned trailers: what the SDKs send over
	// HTTPS with a flexible checksum.
	StreamingUnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// sigV4aStreaming prefixes SigV4a's streaming modes, which sign with ECDSA
// and which iamd does not implement.
const sigV4aStreaming = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"

// msgBadContentSHA is S3's message for an X-Amz-Content-Sha256 that is no
// mode and no hash, less the SigV4a modes iamd refuses anyway.
const msgBadContentSHA = "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, " +
	"STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value."

// SetPayload gives a parsed request the hash of the body the server will
// act on and the service's payload options. A gateway parses the request
// first (to learn the service from the credential scope without reading
// the body), reads the body as that service's route says, and then calls
// SetPayload before Verify. A service that reads the body only after
// Verify (S3) calls SetStreamedPayload instead.
func (s *Signed) SetPayload(payloadHash string, o Options) {
	s.req.PayloadHash = payloadHash
	s.opts = o
	s.keepPath = o.S3Path
}

// ContentSHA256 returns X-Amz-Content-Sha256 as sent (header or query
// parameter), "" when the client sent none: a hex SHA-256 or a payload
// mode.
func (s *Signed) ContentSHA256() string { return s.contentSHA }

// SetStreamedPayload is SetPayload for a service that verifies the body
// while it reads it, through Body after Verify, so that an object need not
// be buffered before its signature is checked. The payload hash is what the
// client claims: X-Amz-Content-Sha256 (a hex SHA-256, which Body then checks
// at the end of the body, or a payload mode), or UNSIGNED-PAYLOAD for a
// presigned URL without one, as S3 has it. A header-signed request without
// X-Amz-Content-Sha256 fails with InvalidRequest, as on S3; a value that is
// no mode and no hash with InvalidArgument.
func (s *Signed) SetStreamedPayload(o Options) error {
	v := s.contentSHA
	switch {
	case v == "" && s.Presigned:
		v = UnsignedPayload
	case v == "":
		return newError(InvalidRequest, "Missing required header for this request: x-amz-content-sha256")
	case strings.HasPrefix(v, sigV4aStreaming):
		return errSigV4a
	case !isPayloadMode(v) && !isSHA256Hex(v):
		return newError(InvalidArgument, msgBadContentSHA)
	}
	s.SetPayload(v, o)
	return nil
}

var errSigV4a = newError(NotImplemented, "A header you provided implies functionality that is not implemented: "+
	"x-amz-content-sha256 STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD is Signature Version 4A, which is not supported; sign with AWS4-HMAC-SHA256.")

// isPayloadMode reports whether v is one of the modes this package reads.
func isPayloadMode(v string) bool {
	switch v {
	case UnsignedPayload, StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedPayloadTrailer:
		return true
	}
	return false
}

func isStreamingMode(v string) bool { return v != UnsignedPayload && isPayloadMode(v) }

// isSHA256Hex reports whether v is 64 hex digits, in either case: the
// signature covers the value as sent, Body compares it without case.
func isSHA256Hex(v string) bool {
	if len(v) != 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !isHex(v[i]) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// checkPayload applies the service's payload rules before the signature
// is computed. The messages say what to change: the AWS CLI prints them.
func (s *Signed) checkPayload() error {
	v := s.contentSHA
	switch {
	case v == "":
		// Nothing claimed: the canonical request ends with the caller's hash.
		return nil
	case v == UnsignedPayload:
		if s.req.PayloadHash != emptyPayloadHash && !s.opts.UnsignedPayload {
			// UNSIGNED-PAYLOAD leaves the body out of the signature. IAM and
			// STS carry the action and its parameters in the body, so a
			// captured request could be replayed with another one: refuse it
			// unless the service's Options allow it (S3).
			return mismatch("UNSIGNED-PAYLOAD is not accepted for a request with a body; sign the payload.")
		}
		return nil
	case strings.HasPrefix(v, sigV4aStreaming):
		if s.opts.Streaming {
			return errSigV4a
		}
		return mismatch("x-amz-content-sha256 " + v + " (a SigV4a aws-chunked upload) is not accepted by this service; sign the payload's SHA-256.")
	case isStreamingMode(v):
		if !s.opts.Streaming {
			return mismatch("x-amz-content-sha256 " + v + " (an aws-chunked upload) is not accepted by this service; sign the payload's SHA-256.")
		}
		if s.Presigned && v != StreamingUnsignedPayloadTrailer {
			// The chunk signatures chain from a seed that SDKs only ever
			// put in the Authorization header.
			return newError(InvalidRequest, "x-amz-content-sha256 "+v+" needs the Authorization header: a presigned URL cannot sign chunks.")
		}
	case s.opts.Streaming && !isSHA256Hex(v):
		return newError(InvalidArgument, msgBadContentSHA)
	}
	if v != s.req.PayloadHash {
		// The header is what gets signed; without this check a body could be
		// swapped under a valid signature.
		if s.opts.Streaming && !isPayloadMode(v) {
			return newError(ContentSHA256Mismatch, msgContentSHA)
		}
		return mismatch(msgContentSHA)
	}
	return nil
}

// msgContentSHA is AWS's message for a body that does not hash to
// X-Amz-Content-Sha256.
const msgContentSHA = "The provided 'x-amz-content-sha256' header does not match what was computed."
