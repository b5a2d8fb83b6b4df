package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/iamd/iamd/internal/audit"
	"github.com/iamd/iamd/internal/authz"
	"github.com/iamd/iamd/internal/awserr"
)

// CloudTrail's LookupEvents (AWS JSON 1.1): requests signed for the
// "cloudtrail" service, POST / with X-Amz-Target
// com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents.
const (
	cloudTrailService = "cloudtrail"
	cloudTrailTarget  = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
)

// CloudTrail's error codes for LookupEvents.
const (
	ctInvalidLookupAttributes = "InvalidLookupAttributesException"
	ctInvalidTimeRange        = "InvalidTimeRangeException"
	ctInvalidMaxResults       = "InvalidMaxResultsException"
	ctInvalidNextToken        = "InvalidNextTokenException"
	ctInvalidEventCategory    = "InvalidEventCategoryException"
	ctOperationNotPermitted   = "OperationNotPermittedException"
	ctUnsupportedOperation    = "UnsupportedOperationException"
	ctInternal                = "InternalServerError"
)

// epoch is a JSON timestamp as the JSON protocol writes one: seconds since
// the epoch, with a fraction.
type epoch time.Time

func (t *epoch) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		parsed, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return err
		}
		*t = epoch(parsed)
		return nil
	}
	sec, frac := math.Modf(f)
	*t = epoch(time.Unix(int64(sec), int64(frac*1e9)).UTC())
	return nil
}

type lookupInput struct {
	LookupAttributes []struct {
		AttributeKey   string
		AttributeValue string
	}
	StartTime     *epoch
	EndTime       *epoch
	EventCategory *string
	MaxResults    *int
	NextToken     *string
}

type ctResource struct {
	ResourceType string `json:",omitempty"`
	ResourceName string `json:",omitempty"`
}

type ctEvent struct {
	EventID         string `json:"EventId"`
	EventName       string
	ReadOnly        string
	AccessKeyID     string `json:"AccessKeyId,omitempty"`
	EventTime       float64
	EventSource     string
	Username        string `json:",omitempty"`
	Resources       []ctResource
	CloudTrailEvent string
}

// lookupAttributes are the keys LookupEvents filters on, as CloudTrail
// spells them.
var lookupAttributes = map[string]bool{"EventId": true, "EventName": true, "ReadOnly": true, "Username": true,
	"ResourceType": false, "ResourceName": true, "EventSource": true, "AccessKeyId": true}

// serveCloudTrail answers LookupEvents with the caller's account's events.
func (s *Server) serveCloudTrail(w http.ResponseWriter, r *http.Request, c *call) {
	p, err := s.auth.Authenticate(r.Context(), c.signed)
	if err != nil {
		s.writeCloudTrailError(w, c.reqID, err)
		return
	}
	c.principal = p.ARN()
	target := r.Header.Get("X-Amz-Target")
	c.action = strings.TrimPrefix(target, cloudTrailTarget)
	if r.Method != http.MethodPost || !strings.HasPrefix(target, cloudTrailTarget) || c.action != "LookupEvents" {
		s.writeCloudTrailError(w, c.reqID, awserr.New(ctUnsupportedOperation, "The operation %q is not served by iamd.", target))
		return
	}
	if err := authz.SessionAllows(cloudTrailService, c.action, p); err != nil {
		s.writeCloudTrailError(w, c.reqID, err)
		return
	}
	ctx := authz.WithRequestInfo(r.Context(), requestInfo(r, c.signed))
	if err := s.iam.AuthorizeAction(ctx, p, "cloudtrail:LookupEvents", "*"); err != nil {
		s.record(r, c, auditCall{service: cloudTrailService, action: c.action, principal: p, err: err})
		s.writeCloudTrailError(w, c.reqID, err)
		return
	}
	var in lookupInput
	if b := bytes.TrimSpace(c.body); len(b) > 0 {
		if err := json.Unmarshal(b, &in); err != nil {
			s.writeCloudTrailError(w, c.reqID, awserr.New("SerializationException", "The request body is not valid JSON for LookupEvents."))
			return
		}
	}
	q := audit.Query{AccountID: p.AccountID, Max: 50}
	switch {
	case len(in.LookupAttributes) > 1:
		err = awserr.New(ctInvalidLookupAttributes, "You can only specify one lookup attribute.")
	case len(in.LookupAttributes) == 1:
		a := in.LookupAttributes[0]
		supported, known := lookupAttributes[a.AttributeKey]
		switch {
		case !known:
			err = awserr.New(ctInvalidLookupAttributes, "%s is not a valid lookup attribute key.", a.AttributeKey)
		case !supported:
			err = awserr.New(ctInvalidLookupAttributes, "iamd does not index %s.", a.AttributeKey)
		case a.AttributeValue == "":
			err = awserr.New(ctInvalidLookupAttributes, "The lookup attribute value must not be empty.")
		}
		q.Attribute, q.Value = a.AttributeKey, a.AttributeValue
	}
	if in.StartTime != nil {
		q.Start = time.Time(*in.StartTime)
	}
	if in.EndTime != nil {
		q.End = time.Time(*in.EndTime)
	}
	if err == nil && !q.Start.IsZero() && !q.End.IsZero() && q.Start.After(q.End) {
		err = awserr.New(ctInvalidTimeRange, "Start time must be before end time.")
	}
	if err == nil && in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			err = awserr.New(ctInvalidMaxResults, "MaxResults must be between 1 and 50.")
		}
		q.Max = *in.MaxResults
	}
	if err == nil && in.EventCategory != nil && *in.EventCategory != "insight" {
		err = awserr.New(ctInvalidEventCategory, "EventCategory must be insight.")
	}
	if in.NextToken != nil {
		q.Token = *in.NextToken
	}
	if err != nil {
		s.writeCloudTrailError(w, c.reqID, err)
		return
	}
	var events []audit.Event
	next := ""
	if in.EventCategory == nil { // iamd has no Insights events
		events, next, err = s.auditStore.LookupEvents(ctx, q)
	}
	if errors.Is(err, audit.ErrInvalidToken) {
		err = awserr.New(ctInvalidNextToken, "Invalid NextToken.")
	}
	if err != nil {
		s.writeCloudTrailError(w, c.reqID, err)
		return
	}
	out := struct {
		Events    []ctEvent
		NextToken string `json:",omitempty"`
	}{Events: make([]ctEvent, 0, len(events)), NextToken: next}
	for _, e := range events {
		rec, _ := json.Marshal(e)
		ce := ctEvent{EventID: e.EventID, EventName: e.EventName, ReadOnly: boolText(e.ReadOnly), AccessKeyID: e.UserIdentity.AccessKeyID,
			EventTime: float64(e.EventTime.Unix()), EventSource: e.EventSource, Username: lookupUsername(e), CloudTrailEvent: string(rec),
			Resources: []ctResource{}}
		for _, r := range e.Resources {
			ce.Resources = append(ce.Resources, ctResource{ResourceType: r.Type, ResourceName: r.Name})
		}
		out.Events = append(out.Events, ce)
	}
	b, _ := json.Marshal(out)
	w.Header().Set("Content-Type", jsonContentType)
	w.Header().Set("x-amzn-RequestId", c.reqID)
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// lookupUsername is the Username LookupEvents shows: the user's name, root
// for root, the session name of a role session.
func lookupUsername(e audit.Event) string {
	switch e.UserIdentity.Type {
	case "IAMUser":
		return e.UserIdentity.UserName
	case "Root":
		return "root"
	case "AssumedRole":
		return e.UserIdentity.ARN[strings.LastIndex(e.UserIdentity.ARN, "/")+1:]
	}
	return ""
}

// writeCloudTrailError renders err in the JSON protocol as CloudTrail
// names its internal failure.
func (s *Server) writeCloudTrailError(w http.ResponseWriter, reqID string, err error) {
	s.writeJSONErrorAs(w, reqID, err, ctInternal)
}
