package awserr

import (
	"net/http"
	"testing"
)

func TestStatus(t *testing.T) {
	type result struct {
		Status int
		Sender bool
	}
	tests := []struct {
		code string
		want result
	}{
		{"AccessDenied", result{403, true}},
		{"ConcurrentModification", result{409, true}},
		{"DeleteConflict", result{409, true}},
		{"EntityAlreadyExists", result{409, true}},
		{"EntityTemporarilyUnmodifiable", result{409, true}},
		{"ExpiredToken", result{403, true}},
		{"ExpiredTokenException", result{400, true}},
		{"IncompleteSignature", result{400, true}},
		{"InternalFailure", result{500, false}},
		{"InvalidAction", result{400, true}},
		{"InvalidAuthenticationCode", result{403, true}},
		{"InvalidClientTokenId", result{403, true}},
		{"InvalidInput", result{400, true}},
		{"InvalidParameterCombination", result{400, true}},
		{"InvalidParameterValue", result{400, true}},
		{"InvalidUserType", result{400, true}},
		{"LimitExceeded", result{409, true}},
		{"MalformedPolicyDocument", result{400, true}},
		{"MissingAction", result{400, true}},
		{"MissingAuthenticationToken", result{403, true}},
		{"MissingParameter", result{400, true}},
		{"NoSuchEntity", result{404, true}},
		{"PasswordPolicyViolation", result{400, true}},
		{"RequestExpired", result{400, true}},
		{"ServiceFailure", result{500, false}},
		{"ServiceUnavailable", result{503, false}},
		{"SignatureDoesNotMatch", result{403, true}},
		{"Throttling", result{400, true}},
		{"ValidationError", result{400, true}},
		{"UnmodifiableEntity", result{400, true}},
		{"PolicyEvaluation", result{500, false}},
		{"ReportNotPresent", result{410, true}},
		{"ReportExpired", result{410, true}},
		{"ReportInProgress", result{404, true}},
		{"DuplicateCertificate", result{409, true}},
		{"PackedPolicyTooLarge", result{400, true}},
		{"RegionDisabledException", result{403, true}},
		{"InvalidIdentityToken", result{400, true}},
		{"IDPRejectedClaim", result{403, true}},
		{"NotARealCode", result{400, true}},
		{"", result{400, true}},
	}
	for _, tt := range tests {
		var got result
		got.Status, got.Sender = Status(tt.code)
		if got != tt.want {
			t.Errorf("Status(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

// TestStatusTable checks that the hand-written common errors never
// contradict the models, and that every awserr code is in the table.
func TestStatusTable(t *testing.T) {
	for _, code := range []string{
		AccessDenied, ConcurrentModification, DeleteConflict, EntityAlreadyExists,
		EntityTemporarilyUnmodifiable, ExpiredToken, IncompleteSignature, InternalFailure,
		InvalidAction, InvalidAuthenticationCode, InvalidClientTokenID, InvalidInput,
		InvalidParameterCombination, InvalidParameterValue, InvalidUserType, LimitExceeded,
		MalformedPolicyDocument, MissingAction, MissingAuthenticationToken, MissingParameter,
		NoSuchEntity, PasswordPolicyViolation, RequestExpired, ServiceFailure,
		ServiceUnavailable, SignatureDoesNotMatch, Throttling, ValidationError,
	} {
		_, _, common := commonError(code)
		mStatus, mSender, modelled := modelledError(code)
		if !common && !modelled {
			t.Errorf("awserr code %q is in neither the common nor the modelled table", code)
		}
		if common && modelled {
			if status, sender := Status(code); status != mStatus || sender != mSender {
				t.Errorf("Status(%q) = %d, %v, but the model says %d, %v", code, status, sender, mStatus, mSender)
			}
		}
	}
}

func TestJSON(t *testing.T) {
	for _, tt := range []struct {
		code, wantType string
		wantStatus     int
	}{
		{AccessDenied, "AccessDeniedException", http.StatusBadRequest},
		{InvalidClientTokenID, "UnrecognizedClientException", http.StatusBadRequest},
		{SignatureDoesNotMatch, "InvalidSignatureException", http.StatusBadRequest},
		{MissingAuthenticationToken, "MissingAuthenticationTokenException", http.StatusForbidden},
		{InternalFailure, "ServiceException", http.StatusInternalServerError},
		{ServiceUnavailable, "ServiceException", http.StatusServiceUnavailable},
		{"NoSuchResourceException", "NoSuchResourceException", http.StatusBadRequest},
	} {
		if typ, status := JSON(tt.code, "ServiceException"); typ != tt.wantType || status != tt.wantStatus {
			t.Errorf("JSON(%q) = %q, %d, want %q, %d", tt.code, typ, status, tt.wantType, tt.wantStatus)
		}
	}
}
