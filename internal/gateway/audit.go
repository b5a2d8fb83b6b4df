package gateway

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/awserr"
	"github.com/iamd/iamd/internal/awsquery"
	"github.com/iamd/iamd/internal/policy/actions"
)

// eventSources are the CloudTrail event sources of the SigV4 services.
var eventSources = map[string]string{
	"iam":           "iam.amazonaws.com",
	"sts":           "sts.amazonaws.com",
	"servicequotas": "servicequotas.amazonaws.com",
	"cloudtrail":    "cloudtrail.amazonaws.com",
	"s3":            "s3.amazonaws.com",
}

// auditCall is what one request's event is made of.
type auditCall struct {
	service, action string
	principal       *authz.Principal
	params          map[string]any
	// query are the decoded Query parameters, turned into params only
	// when the request is recorded (most reads are not).
	query  *awsquery.Params
	result any
	err    error
}

// readOnly tells whether an action only reads, by its access level in the
// Service Authorization Reference.
func readOnly(service, action string) bool {
	a, ok := actions.Lookup(service + ":" + action)
	return ok && (a.AccessLevel == "Read" || a.AccessLevel == "List")
}

// record writes the audit event of a request when it is security relevant:
// every write, every refused or failed request, and every credential STS
// issues. A write's event is stored before the answer goes out, so an
// acknowledged change always has its event; the rest are batched.
func (s *Server) record(r *http.Request, c *call, ac auditCall) {
	if s.audit == nil {
		return
	}
	ro := readOnly(ac.service, ac.action)
	if ro && ac.err == nil && (ac.service != "sts" || ac.action == "GetCallerIdentity") {
		return
	}
	if ac.params == nil && ac.query != nil {
		ac.params = ac.query.AuditMap()
	}
	e := audit.Event{
		EventTime:         time.Now().UTC().Truncate(time.Second),
		EventSource:       eventSources[ac.service],
		EventName:         ac.action,
		SourceIPAddress:   requestInfo(r, c.signed).SourceIP,
		UserAgent:         r.UserAgent(),
		RequestParameters: ac.params,
		RequestID:         c.reqID,
		ReadOnly:          ro,
		Resources:         auditResources(ac.params),
	}
	if s.clock != nil {
		e.EventTime = s.clock.Now().UTC().Truncate(time.Second)
	}
	if c.signed != nil {
		e.AWSRegion = c.signed.Credential.Region
	}
	e.UserIdentity = userIdentity(ac.principal, c)
	e.RecipientAccountID = e.UserIdentity.AccountID
	if ac.err != nil {
		var ae *awserr.Error
		if errors.As(ac.err, &ae) {
			e.ErrorCode, e.ErrorMessage = ae.Code, ae.Message
		} else {
			e.ErrorCode, e.ErrorMessage = awserr.ServiceFailure, "internal error (request id "+c.reqID+")"
		}
	} else {
		e.ResponseElements = responseElements(ac.result)
	}
	if ac.action == "GetSessionToken" || ac.action == "AssumeRole" {
		mfa := "No"
		if _, ok := ac.params["tokenCode"]; ok {
			mfa = "Yes"
		}
		e.AdditionalEventData = map[string]any{"MFAUsed": mfa}
	}
	sync := ac.err == nil && !ro
	if err := s.audit.Record(context.WithoutCancel(r.Context()), e, sync); err != nil {
		s.log.Error("write audit event", "id", c.reqID, "event", ac.action, "err", err)
	}
}

// userIdentity is CloudTrail's userIdentity of the caller; a request that
// did not authenticate shows the access key id it was signed with only.
func userIdentity(p *authz.Principal, c *call) audit.UserIdentity {
	if p == nil {
		u := audit.UserIdentity{Type: "Unknown"}
		if c.signed != nil {
			u.AccessKeyID = c.signed.Credential.AccessKeyID
		}
		return u
	}
	u := audit.UserIdentity{PrincipalID: p.UserID(), ARN: p.ARN(), AccountID: p.AccountID, AccessKeyID: p.AccessKeyID}
	switch p.Kind() {
	case authz.KindRoot:
		u.Type = "Root"
	case authz.KindUser:
		u.Type, u.UserName = "IAMUser", p.User.Name
	case authz.KindAssumedRole:
		u.Type = "AssumedRole"
	}
	if p.Session != nil {
		sc := &audit.SessionContext{Attributes: audit.SessionAttrs{CreationDate: p.Session.IssuedAt.UTC().Truncate(time.Second), MFAAuthenticated: "false"}}
		if p.Session.MFA() {
			sc.Attributes.MFAAuthenticated = "true"
		}
		if p.Role != nil {
			sc.SessionIssuer = &audit.SessionIssuer{Type: "Role", PrincipalID: p.Role.ID, ARN: p.Role.RoleARN(),
				AccountID: p.AccountID, UserName: p.Role.Name}
		}
		u.SessionContext = sc
	}
	return u
}

// auditResources are the resources a request names, for LookupEvents'
// ResourceName.
func auditResources(params map[string]any) []audit.Resource {
	var out []audit.Resource
	for _, k := range []struct{ member, typ string }{
		{"userName", "AWS::IAM::User"}, {"roleName", "AWS::IAM::Role"}, {"groupName", "AWS::IAM::Group"},
		{"policyArn", "AWS::IAM::Policy"}, {"serialNumber", "AWS::IAM::MFADevice"}, {"roleArn", "AWS::IAM::Role"},
		{"virtualMFADeviceName", "AWS::IAM::MFADevice"}, {"accessKeyId", "AWS::IAM::AccessKey"}, {"quotaCode", "AWS::ServiceQuotas::Quota"},
	} {
		if v, ok := params[k.member].(string); ok && v != "" && v != "HIDDEN_DUE_TO_SECURITY_REASONS" {
			out = append(out, audit.Resource{Type: k.typ, Name: v})
		}
	}
	return out
}

// safeMembers are the result members an event's responseElements keep:
// what identifies the result, never a secret. Everything else (secret
// keys, session tokens, seeds, QR codes, documents) is left out.
var safeMembers = map[string]bool{
	"AccessKeyId": true, "Arn": true, "AssumedRoleId": true, "CreateDate": true, "EnableDate": true, "Expiration": true,
	"GroupId": true, "GroupName": true, "Path": true, "PolicyArn": true, "PolicyId": true, "PolicyName": true,
	"RoleId": true, "RoleName": true, "SerialNumber": true, "Status": true, "UserId": true, "UserName": true,
	"VersionId": true, "IsDefaultVersion": true, "QuotaCode": true, "DesiredValue": true, "Id": true,
	// Containers whose safe members are kept.
	"AccessKey": true, "Credentials": true, "AssumedRoleUser": true, "User": true, "Role": true, "Group": true,
	"Policy": true, "PolicyVersion": true, "VirtualMFADevice": true, "LoginProfile": true, "RequestedQuota": true,
}

// secretTypes are the generated types of secret members: never kept,
// whatever their name.
var secretTypes = map[reflect.Type]bool{
	reflect.TypeFor[awsquery.Secret]():      true,
	reflect.TypeFor[*awsquery.Secret]():     true,
	reflect.TypeFor[awsquery.SecretBlob]():  true,
	reflect.TypeFor[*awsquery.SecretBlob](): true,
}

// responseElements is the allow-listed part of a result, with CloudTrail's
// lower-case first letters; nil when nothing is kept.
func responseElements(result any) map[string]any {
	m, _ := allowed(reflect.ValueOf(result)).(map[string]any)
	if len(m) == 0 {
		return nil
	}
	return m
}

func allowed(v reflect.Value) any {
	if !v.IsValid() {
		return nil // no result at all (a nil interface)
	}
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if t, ok := v.Interface().(time.Time); ok {
		return t.UTC().Format(time.RFC3339)
	}
	switch v.Kind() {
	case reflect.Struct:
		out := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() || !safeMembers[f.Name] || secretTypes[f.Type] {
				continue
			}
			if x := allowed(v.Field(i)); x != nil {
				out[strings.ToLower(f.Name[:1])+f.Name[1:]] = x
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case reflect.String:
		if v.String() == "" {
			return nil
		}
		return v.String()
	case reflect.Bool, reflect.Int, reflect.Int32, reflect.Int64, reflect.Float64:
		return v.Interface()
	}
	return nil // lists, maps and blobs are never kept
}

// FlushAudit writes the batched audit events now (they are written within
// a second otherwise).
func (s *Server) FlushAudit(ctx context.Context) error {
	if s.audit == nil {
		return nil
	}
	return s.audit.Flush(ctx)
}
