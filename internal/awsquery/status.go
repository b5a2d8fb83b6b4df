package awsquery

import "net/http"

// Status returns the HTTP status and fault type (true: Sender, false:
// Receiver) of an AWS error code. It is iamd's one error table: the codes the
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
	return http.StatusBadRequest, true
}

// commonError covers the errors of the AWS Query common-errors list and the
// authentication layer; none of them is in a model. TestStatusTable checks
// that no entry contradicts a modelled one.
func commonError(code string) (status int, sender, ok bool) {
	switch code {
	case "AccessDenied":
		return http.StatusForbidden, true, true
	case "ExpiredToken":
		return http.StatusForbidden, true, true
	case "IncompleteSignature":
		return http.StatusBadRequest, true, true
	case "InternalFailure":
		return http.StatusInternalServerError, false, true
	case "InvalidAction":
		return http.StatusBadRequest, true, true
	case "InvalidClientTokenId":
		return http.StatusForbidden, true, true
	case "InvalidParameterCombination":
		return http.StatusBadRequest, true, true
	case "InvalidParameterValue":
		return http.StatusBadRequest, true, true
	case "InvalidQueryParameter":
		return http.StatusBadRequest, true, true
	case "MalformedQueryString":
		return http.StatusNotFound, true, true
	case "MissingAction":
		return http.StatusBadRequest, true, true
	case "MissingAuthenticationToken":
		return http.StatusForbidden, true, true
	case "MissingParameter":
		return http.StatusBadRequest, true, true
	case "OptInRequired":
		return http.StatusForbidden, true, true
	case "RequestExpired":
		return http.StatusBadRequest, true, true
	case "ServiceUnavailable":
		return http.StatusServiceUnavailable, false, true
	case "SignatureDoesNotMatch":
		return http.StatusForbidden, true, true
	case "Throttling":
		return http.StatusBadRequest, true, true
	case "ValidationError":
		return http.StatusBadRequest, true, true
	}
	return 0, false, false
}
