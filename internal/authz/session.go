package authz

import "github.com/iamd/iamd/internal/awserr"

// ErrInvalidToken is AWS's answer to an unknown, inactive or malformed
// credential, and to temporary credentials used where they may not be.
var ErrInvalidToken = awserr.New(awserr.InvalidClientTokenID, "The security token included in the request is invalid.")

// SessionAllows applies what temporary credentials may call before any
// policy is read (reference §7.3), for every door alike. service is the
// SigV4 service name ("iam", "sts", "servicequotas", …) and action the
// operation. GetSessionToken credentials: without MFA no IAM at all; in
// STS only AssumeRole and GetCallerIdentity. Role sessions: everything
// subject to policy, except STS's GetFederationToken and GetSessionToken.
// Long-term credentials are not limited here.
func SessionAllows(service, action string, p *Principal) error {
	if p.Session == nil {
		return nil
	}
	if p.Role != nil {
		if service == "sts" {
			switch action {
			case "GetSessionToken", "GetFederationToken":
				return awserr.New(awserr.AccessDenied, "Cannot call %s with session credentials", action)
			}
		}
		return nil
	}
	switch service {
	case "iam":
		if !p.Session.MFA() {
			return ErrInvalidToken
		}
	case "sts":
		switch action {
		case "GetCallerIdentity", "AssumeRole":
		case "GetSessionToken":
			return awserr.New(awserr.AccessDenied, "Cannot call GetSessionToken with session credentials")
		default:
			return awserr.New(awserr.AccessDenied, "User: %s is not authorized to perform: sts:%s with session credentials from GetSessionToken", p.ARN(), action)
		}
	}
	return nil
}
