package awsquery

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/iamd/iamd/internal/awserr"
)

// Responses carry no XML declaration: IAM and STS send none, and every SDK
// parses the body without one.

// WriteResult writes the success response of action:
//
//	<{Action}Response xmlns=NS><{Action}Result>…</{Action}Result><ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></{Action}Response>
//
// result is the operation's generated Output (*CreateUserOutput), rendered
// from the model; or, for results not yet typed, a struct whose fields carry
// encoding/xml tags, whose own element name is ignored in favour of the
// model's result wrapper. A nil result
// (operations without output) writes no Result element. A tagged struct uses
// List, Map, Time and Blob for lists, maps, timestamps and blobs; a generated
// Output needs none of them.
//
// action must be an operation of s. When it is not, or result cannot be
// encoded, the response is the internal failure of WriteError instead, since
// either is a bug in the caller.
func WriteResult(w http.ResponseWriter, s *Service, action, requestID string, result any) {
	op, ok := s.operation(action)
	if !ok {
		WriteError(w, s, requestID, fmt.Errorf("awsquery: %q is not an operation of %s", action, s.Name()))
		return
	}
	var buf bytes.Buffer
	buf.WriteString("<" + op.name + `Response xmlns="`)
	xml.EscapeText(&buf, []byte(s.Namespace()))
	buf.WriteString(`">`)
	if out, ok := result.(Output); ok && !isNil(result) {
		// A generated output: rendered from the model, in the operation's
		// result wrapper, or not at all for an operation without output.
		if svc, action := out.operation(); svc != s.Name() || action != op.name {
			WriteError(w, s, requestID, fmt.Errorf("awsquery: a %s %s output is not the result of %s %s", svc, action, s.Name(), op.name))
			return
		}
		if op.result != "" {
			x := &xmlWriter{b: &buf}
			x.open(op.result)
			out.appendXML(x)
			x.close(op.result)
		}
	} else if !isNil(result) {
		wrapper := op.result
		if wrapper == "" {
			wrapper = op.name + "Result"
		}
		enc := xml.NewEncoder(&buf)
		if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: wrapper}}); err != nil {
			WriteError(w, s, requestID, fmt.Errorf("awsquery: encoding %s result: %w", op.name, err))
			return
		}
		if err := enc.Close(); err != nil {
			WriteError(w, s, requestID, fmt.Errorf("awsquery: encoding %s result: %w", op.name, err))
			return
		}
	}
	buf.WriteString("<ResponseMetadata><RequestId>")
	xml.EscapeText(&buf, []byte(requestID))
	buf.WriteString("</RequestId></ResponseMetadata></" + op.name + "Response>")
	write(w, http.StatusOK, requestID, buf.Bytes())
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
		return r.IsNil()
	}
	return false
}

// WriteError renders err as
//
//	<ErrorResponse xmlns=NS><Error><Type>Sender|Receiver</Type><Code>…</Code><Message>…</Message></Error><RequestId>id</RequestId></ErrorResponse>
//
// with the HTTP status of Status. An err that is not (and does not wrap) an
// *awserr.Error with a code is an internal failure: it is rendered as
// ServiceFailure (IAM) or InternalFailure (STS), 500, with a generic message
// naming the request id and never err's text. Logging err is the caller's
// job.
func WriteError(w http.ResponseWriter, s *Service, requestID string, err error) {
	code, message := s.internalFailureCode(), "The request processing has failed because of an unknown error, exception or failure (request id "+requestID+")."
	var ae *awserr.Error
	if errors.As(err, &ae) && ae.Code != "" {
		code, message = ae.Code, ae.Message
	}
	status, sender := awserr.Status(code)
	fault := "Receiver"
	if sender {
		fault = "Sender"
	}
	var buf bytes.Buffer
	buf.WriteString(`<ErrorResponse xmlns="`)
	xml.EscapeText(&buf, []byte(s.Namespace()))
	buf.WriteString(`"><Error><Type>` + fault + `</Type><Code>`)
	xml.EscapeText(&buf, []byte(code))
	buf.WriteString("</Code><Message>")
	xml.EscapeText(&buf, []byte(message))
	buf.WriteString("</Message></Error><RequestId>")
	xml.EscapeText(&buf, []byte(requestID))
	buf.WriteString("</RequestId></ErrorResponse>")
	write(w, status, requestID, buf.Bytes())
}

func write(w http.ResponseWriter, status int, requestID string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("x-amzn-RequestId", requestID)
	w.WriteHeader(status)
	w.Write(body) // The client has gone when this fails; nothing is left to tell it.
}

// timeLayout is ISO 8601 in UTC with second precision, as IAM writes dates.
const timeLayout = "2006-01-02T15:04:05Z"

// Time is a timestamp in a result, written as ISO 8601 in UTC
// (2024-05-01T12:34:56Z). A zero Time writes no element at all, so optional
// timestamps need no pointer.
type Time struct{ time.Time }

// MarshalText returns the timestamp in ISO 8601, UTC.
func (t Time) MarshalText() ([]byte, error) {
	return []byte(t.UTC().Format(timeLayout)), nil
}

// MarshalXML writes the timestamp as the content of start, or nothing when t
// is zero.
func (t Time) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if t.IsZero() {
		return nil
	}
	return e.EncodeElement(t.UTC().Format(timeLayout), start)
}

// Blob is binary data in a result, written as standard base64 with padding
// (Base32StringSeed, QRCodePNG, a credential report's Content). A plain
// []byte field would not do: encoding/xml writes its bytes as text.
type Blob []byte

// MarshalText returns the base64 encoding of b.
func (b Blob) MarshalText() ([]byte, error) {
	out := make([]byte, base64.StdEncoding.EncodedLen(len(b)))
	base64.StdEncoding.Encode(out, b)
	return out, nil
}

// List is a list in a result, written as <Name><member>…</member>…</Name>.
// It always writes its wrapper, so an empty required list reaches the client
// as <Name></Name>, as AWS sends it; tag an optional list
// `xml:"Name,omitempty"` to leave it out when empty, as AWS leaves out
// absent optional members. Prefer List to a slice tagged `xml:"Name>member"`:
// encoding/xml writes that Name parent even for an empty slice, omitempty or
// not, so an optional list could not be left out.
type List[T any] []T

// MarshalXML writes each element as a <member> child of start.
func (l List[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	member := xml.StartElement{Name: xml.Name{Local: "member"}}
	for _, v := range l {
		if err := e.EncodeElement(v, member); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// MapEntry is one key and value of a Map.
type MapEntry[V any] struct {
	Key   string
	Value V
}

// Map is a map in a result (GetAccountSummary's SummaryMap, GetMFADevice's
// Certifications), written in its slice order as
// <Name><entry><key>K</key><value>V</value></entry>…</Name>. Like List, it
// always writes its wrapper unless tagged omitempty and empty.
type Map[V any] []MapEntry[V]

// MarshalXML writes each entry as an <entry> child of start.
func (m Map[V]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	entry := xml.StartElement{Name: xml.Name{Local: "entry"}}
	key := xml.StartElement{Name: xml.Name{Local: "key"}}
	value := xml.StartElement{Name: xml.Name{Local: "value"}}
	for _, kv := range m {
		if err := e.EncodeToken(entry); err != nil {
			return err
		}
		if err := e.EncodeElement(kv.Key, key); err != nil {
			return err
		}
		if err := e.EncodeElement(kv.Value, value); err != nil {
			return err
		}
		if err := e.EncodeToken(entry.End()); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}
