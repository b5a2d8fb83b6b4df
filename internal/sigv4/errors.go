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
// "SignatureDoesNotMatch", "RequestExpired" or
// "MissingAuthenticationToken"), or "" when err is nil or not (and does not
// wrap) an *Error, which the server should treat as an internal failure.
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
