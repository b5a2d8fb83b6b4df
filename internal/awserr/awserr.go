// Package awserr is iamd's one error vocabulary: errors that carry the AWS
// error code a client will see. Domain packages return them; the wire layer
// codecs render them with the HTTP status and fault type of one table
// (Status for the XML protocols, JSON for the JSON ones). Beyond the status
// numbers, nothing here knows about HTTP.
package awserr

import (
	"errors"
	"fmt"
)

// AWS error codes used across IAM and STS. The string is exactly what goes on
// the wire in <Code>.
const (
	AccessDenied                  = "AccessDenied"
	ConcurrentModification        = "ConcurrentModification"
	DeleteConflict                = "DeleteConflict"
	EntityAlreadyExists           = "EntityAlreadyExists"
	EntityTemporarilyUnmodifiable = "EntityTemporarilyUnmodifiable"
	ExpiredToken                  = "ExpiredToken"
	IncompleteSignature           = "IncompleteSignature"
	InternalFailure               = "InternalFailure"
	InvalidAction                 = "InvalidAction"
	InvalidAuthenticationCode     = "InvalidAuthenticationCode"
	InvalidClientTokenID          = "InvalidClientTokenId"
	InvalidInput                  = "InvalidInput"
	InvalidParameterCombination   = "InvalidParameterCombination"
	InvalidParameterValue         = "InvalidParameterValue"
	InvalidQueryParameter         = "InvalidQueryParameter"
	InvalidUserType               = "InvalidUserType"
	LimitExceeded                 = "LimitExceeded"
	MalformedPolicyDocument       = "MalformedPolicyDocument"
	MissingAction                 = "MissingAction"
	MissingAuthenticationToken    = "MissingAuthenticationToken"
	MissingParameter              = "MissingParameter"
	NoSuchEntity                  = "NoSuchEntity"
	PasswordPolicyViolation       = "PasswordPolicyViolation"
	RequestExpired                = "RequestExpired"
	ServiceFailure                = "ServiceFailure"
	ServiceUnavailable            = "ServiceUnavailable"
	SignatureDoesNotMatch         = "SignatureDoesNotMatch"
	Throttling                    = "Throttling"
	ValidationError               = "ValidationError"
)

// Error is an error with an AWS error code and a message meant for the caller.
// Its message must never contain a secret.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New returns an Error with the code and a formatted message.
func New(code, format string, args ...any) *Error {
	if len(args) == 0 {
		return &Error{Code: code, Message: format}
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Code returns the AWS code of err, or "" when err is not (or does not wrap)
// an *Error.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
