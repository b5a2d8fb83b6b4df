package sigv4

import "errors"

// Kind says why a request failed authentication. Each kind maps to exactly
// one AWS error code (see Kind.Code), so the wire layer needs no knowledge of
// signing to render the error.
type Kind int

// The kinds of failure. The comments name the AWS code each one maps to.
const (
	// NotSigned: the request carries no Signature Version 4 authentication at
	// all (MissingAuthenticationToken). STS accepts some actions unsigned, so
	// callers test for it with errors.Is(err, ErrNotSigned).
	NotSigned Kind = iota + 1
	// Malformed: the Authorization header or the presigned query parameters
	// are missing parts, malformed, or use another algorithm
	// (IncompleteSignature).
	Malformed
	// Mismatch: the signature, the credential scope or the payload hash does
	// not match the request (SignatureDoesNotMatch).
	Mismatch
	// Skewed: the request time is more than 15 minutes from the server's
	// clock. AWS reports this as SignatureDoesNotMatch, not RequestExpired,
	// and the AWS CLI shows the message to users, so we do the same.
	Skewed
	// Expired: a presigned request used after X-Amz-Date + X-Amz-Expires
	// (RequestExpired).
	Expired

	// The kinds below come from the payload modes of S3 (Options.Streaming)
	// and from reading a body through Body; IAM and STS never see them.

	// ContentSHA256Mismatch: the body does not hash to the hex SHA-256 the
	// client claimed in X-Amz-Content-Sha256 (S3's XAmzContentSHA256Mismatch).
	ContentSHA256Mismatch
	// IncompleteBody: the body ended early: before the final aws-chunked
	// chunk, inside a chunk, or with fewer bytes than Content-Length or
	// X-Amz-Decoded-Content-Length declare (IncompleteBody).
	IncompleteBody
	// InvalidRequest: the aws-chunked framing is malformed (a bad size
	// line, a missing CRLF, a chunk above the size bound, data after the
	// final chunk, more bytes than X-Amz-Decoded-Content-Length), or a
	// streaming header is unusable (InvalidRequest).
	InvalidRequest
	// MalformedTrailer: the trailer section after the final chunk is not
	// well formed, or its trailers differ from those X-Amz-Trailer
	// declares (S3's MalformedTrailerError).
	MalformedTrailer
	// InvalidArgument: X-Amz-Content-Sha256 is neither a payload mode nor
	// a hex SHA-256 (InvalidArgument).
	InvalidArgument
	// NotImplemented: a payload mode iamd does not implement, SigV4a's
	// STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD (NotImplemented).
	NotImplemented
)

// Code returns the AWS error code for the kind, or "" for an unknown kind.
func (k Kind) Code() string {
	switch k {
	case NotSigned:
		return "MissingAuthenticationToken"
	case Malformed:
		return "IncompleteSignature"
	case Mismatch, Skewed:
		return "SignatureDoesNotMatch"
	case Expired:
		return "RequestExpired"
	case ContentSHA256Mismatch:
		return "XAmzContentSHA256Mismatch"
	case IncompleteBody:
		return "IncompleteBody"
	case InvalidRequest:
		return "InvalidRequest"
	case MalformedTrailer:
		return "MalformedTrailerError"
	case InvalidArgument:
		return "InvalidArgument"
	case NotImplemented:
		return "NotImplemented"
	}
	return ""
}

// String returns the kind's Go name, for test failure messages and logs.
func (k Kind) String() string {
	switch k {
	case NotSigned:
		return "NotSigned"
	case Malformed:
		return "Malformed"
	case Mismatch:
		return "Mismatch"
	case Skewed:
		return "Skewed"
	case Expired:
		return "Expired"
	case ContentSHA256Mismatch:
		return "ContentSHA256Mismatch"
	case IncompleteBody:
		return "IncompleteBody"
	case InvalidRequest:
		return "InvalidRequest"
	case MalformedTrailer:
		return "MalformedTrailer"
	case InvalidArgument:
		return "InvalidArgument"
	case NotImplemented:
		return "NotImplemented"
	}
	return "Kind(?)"
}

// Error is an authentication failure. Msg is written for the caller and is
// safe to send on the wire: it never contains the secret access key, the
// signing key or the signature the server computed.
type Error struct {
	// Kind says what failed, and through Kind.Code which AWS code to send.
	Kind Kind
	// Msg is the message for the ErrorResponse, in AWS's wording where AWS
	// has one.
	Msg string
}

// Error returns the AWS code and the message, in the form awserr uses.
func (e *Error) Error() string { return e.Kind.Code() + ": " + e.Msg }

// ErrNotSigned is returned by Parse when the request has neither an
// Authorization header nor presigned query parameters.
var ErrNotSigned error = &Error{Kind: NotSigned, Msg: "Request is missing Authentication Token"}

// Code returns the AWS error code carried by err ("IncompleteSignature",
// "SignatureDoesNotMatch", "RequestExpired", "MissingAuthenticationToken",
// or for S3 payloads one of the codes listed at the Kinds), or "" when err
// is nil or not (and does not wrap) an *Error, which the server should
// treat as an internal failure.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind.Code()
	}
	return ""
}

// The message AWS sends with SignatureDoesNotMatch. Clients match on the code,
// but people search for the text, so it is kept word for word.
const msgMismatch = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

func malformed(msg string) error { return &Error{Kind: Malformed, Msg: msg} }

func mismatch(msg string) error { return &Error{Kind: Mismatch, Msg: msg} }

func newError(k Kind, msg string) error { return &Error{Kind: k, Msg: msg} }
