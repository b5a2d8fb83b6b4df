package awserr

// Status returns the HTTP status and fault type (true: Sender, false:
// Receiver) of an AWS error code, as the XML protocols (Query, REST-XML)
// send it. It is iamd's one error table: the codes the
// IAM and STS models declare, with the status and fault the models give them
// (modelledError, generated), plus the common errors every Query API may
// return, which the models leave out (commonError). Any other code is a
// client error: 400, Sender.
func Status(code string) (status int, sender bool) {
	if status, sender, ok := commonError(code); ok {
		return status, sender
	}
	if status, sender, ok := modelledError(code); ok {
		return status, sender
	}
	return 400, true
}

// commonError covers the errors of the AWS Query common-errors list and the
// authentication layer; none of them is in a model. TestStatusTable checks
// that no entry contradicts a modelled one.
func commonError(code string) (status int, sender, ok bool) {
	switch code {
	case "AccessDenied":
		return 403, true, true
	case "ExpiredToken":
		return 403, true, true
	case "IncompleteSignature":
		return 400, true, true
	case "InternalFailure":
		return 500, false, true
	case "InvalidAction":
		return 400, true, true
	case "InvalidClientTokenId":
		return 403, true, true
	case "InvalidParameterCombination":
		return 400, true, true
	case "InvalidParameterValue":
		return 400, true, true
	case "InvalidQueryParameter":
		return 400, true, true
	case "MalformedQueryString":
		return 404, true, true
	case "MissingAction":
		return 400, true, true
	case "MissingAuthenticationToken":
		return 403, true, true
	case "MissingParameter":
		return 400, true, true
	case "OptInRequired":
		return 403, true, true
	case "RequestExpired":
		return 400, true, true
	case "ServiceUnavailable":
		return 503, false, true
	case "SignatureDoesNotMatch":
		return 403, true, true
	case "Throttling":
		return 400, true, true
	case "ValidationError":
		return 400, true, true
	}
	return 0, false, false
}

// JSON returns the error type and HTTP status under which an AWS JSON 1.1
// API (Service Quotas, CloudTrail) sends code: the JSON services' own codes
// as they are, and the authentication and policy errors shared with the
// Query APIs as the JSON services name them (AccessDenied is
// AccessDeniedException, an unknown key UnrecognizedClientException, …).
// internal is the JSON name of a service failure.
func JSON(code, internal string) (typ string, status int) {
	switch code {
	case AccessDenied:
		return "AccessDeniedException", 400
	case InvalidClientTokenID:
		return "UnrecognizedClientException", 400
	case SignatureDoesNotMatch, RequestExpired:
		return "InvalidSignatureException", 400
	case IncompleteSignature:
		return "IncompleteSignatureException", 400
	case ExpiredToken:
		return "ExpiredTokenException", 400
	case MissingAuthenticationToken:
		return "MissingAuthenticationTokenException", 403
	case Throttling:
		return "TooManyRequestsException", 400
	case ServiceFailure, InternalFailure, internal:
		return internal, 500
	case ServiceUnavailable:
		return internal, 503
	}
	return code, 400
}

// S3 returns the code, HTTP status and message under which S3's REST-XML
// API sends an error: S3's own codes with their statuses, and the
// authentication errors shared with the Query APIs as S3 names them (an
// unknown key is InvalidAccessKeyId, a bad session token InvalidToken, a
// failure InternalError). msg is the error's message, which S3 replaces
// for a few codes with its own wording.
func S3(code, msg string) (s3code string, status int, message string) {
	switch code {
	case AccessDenied, "AllAccessDisabled":
		return code, 403, msg
	case InvalidClientTokenID:
		if msg == "The security token included in the request is invalid." || msg == "The security token included in the request is invalid" {
			// authz.ErrInvalidToken: an unknown or inactive key, or a
			// session token that does not open.
			return "InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."
		}
		return "InvalidAccessKeyId", 403, msg
	case SignatureDoesNotMatch:
		return code, 403, msg
	case "RequestTimeTooSkewed":
		return code, 403, msg
	case RequestExpired:
		return AccessDenied, 403, "Request has expired"
	case ExpiredToken:
		return code, 400, "The provided token has expired."
	case IncompleteSignature:
		return "AuthorizationHeaderMalformed", 400, msg
	case MissingAuthenticationToken:
		return AccessDenied, 403, "Access Denied"
	case "NoSuchBucket", "NoSuchKey", "NoSuchVersion", "NoSuchUpload", "NoSuchBucketPolicy":
		return code, 404, msg
	case "MethodNotAllowed":
		return code, 405, msg
	case "BucketAlreadyExists", "BucketAlreadyOwnedByYou", "BucketNotEmpty", "InvalidBucketState", "OperationAborted":
		return code, 409, msg
	case "MissingContentLength":
		return code, 411, msg
	case "PreconditionFailed":
		return code, 412, msg
	case "InvalidRange":
		return code, 416, msg
	case "NotImplemented":
		return code, 501, msg
	case ServiceUnavailable, "SlowDown":
		return code, 503, msg
	case InternalFailure, ServiceFailure, "InternalError":
		return "InternalError", 500, "We encountered an internal error. Please try again."
	case Throttling:
		return "SlowDown", 503, "Please reduce your request rate."
	}
	return code, 400, msg
}
