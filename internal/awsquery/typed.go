package awsquery

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"
)

// The typed operations of zz_ops.go: every operation has an input struct
// (CreateUserInput) that DecodeInput fills from a validated request, and an
// output struct (CreateUserOutput) that WriteResult renders from the model,
// without encoding/xml tags. genmodel's ops.go says how members map to Go
// types.

// Input is the generated input struct of one operation, such as
// *CreateUserInput. Only the types of zz_ops.go implement it.
type Input interface {
	operation() (service, action string)
	decodeParams(Params)
}

// Output is the generated output struct of one operation, such as
// *CreateUserOutput. Only the types of zz_ops.go implement it.
type Output interface {
	operation() (service, action string)
	appendXML(*xmlWriter)
}

// OperationOf returns the service ("iam", "sts") and the action whose input
// or output v is.
func OperationOf(v interface{ operation() (string, string) }) (service, action string) {
	return v.operation()
}

// DecodeInput fills in from p, the parameters Decode validated for a request
// of in's operation. Validation has already rejected what does not fit the
// model, so decoding cannot fail: an absent member stays zero (nil for a
// pointer, slice or map).
func DecodeInput(in Input, p Params) { in.decodeParams(p) }

// Secret is a secret string member (a password, a secret access key, an MFA
// code, whatever the model marks sensitive). Formatting or logging it shows
// ***, never the value; convert it to string to use the value.
type Secret string

// String returns the mask, so that fmt never shows the value.
func (Secret) String() string { return mask }

// GoString returns the mask, for %#v.
func (Secret) GoString() string { return mask }

// LogValue returns the mask, for log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue(mask) }

// MarshalText returns the mask, for encoding/json and other text encoders.
func (Secret) MarshalText() ([]byte, error) { return []byte(mask), nil }

// SecretBlob is a secret binary member (a virtual MFA device's seed and QR
// code). Like Secret, it formats and logs as ***.
type SecretBlob []byte

// String returns the mask, so that fmt never shows the value.
func (SecretBlob) String() string { return mask }

// GoString returns the mask, for %#v.
func (SecretBlob) GoString() string { return mask }

// Format writes the mask for every verb (%x and %s of a byte slice would
// otherwise bypass String).
func (SecretBlob) Format(f fmt.State, _ rune) { f.Write([]byte(mask)) }

// LogValue returns the mask, for log/slog.
func (SecretBlob) LogValue() slog.Value { return slog.StringValue(mask) }

// MarshalText returns the mask, for encoding/json and other text encoders.
func (SecretBlob) MarshalText() ([]byte, error) { return []byte(mask), nil }

// Format writes the mask for every verb, so %x or %q cannot show the value.
func (Secret) Format(f fmt.State, _ rune) { f.Write([]byte(mask)) }

// formatMasked prints v, a generated struct converted to a type without
// methods, as %v, %+v or %#v would: its Secret fields then mask
// themselves.
func formatMasked(f fmt.State, v any) {
	switch {
	case f.Flag('#'):
		fmt.Fprintf(f, "%#v", v)
	case f.Flag('+'):
		fmt.Fprintf(f, "%+v", v)
	default:
		fmt.Fprintf(f, "%v", v)
	}
}

// int returns a validated integer's value.
func (v value) int() int {
	n, _ := strconv.ParseInt(v.text, 10, 64)
	return int(n)
}

// bool returns a validated boolean's value.
func (v value) bool() bool { return v.text == "true" }

// time returns a timestamp member: ISO 8601 as the SDKs send it, or epoch
// seconds. No IAM or STS input has one today; a value that parses as
// neither is zero.
func (v value) time() time.Time {
	if t, err := time.Parse(time.RFC3339Nano, v.text); err == nil {
		return t
	}
	if n, err := strconv.ParseFloat(v.text, 64); err == nil {
		return time.Unix(0, int64(n*1e9)).UTC()
	}
	return time.Time{}
}

// blob returns a base64 blob member's bytes, non-nil when present. No IAM or
// STS input has one today; text that is not base64 is nil.
func (v value) blob() []byte {
	b, err := base64.StdEncoding.DecodeString(v.text)
	if err != nil {
		return nil
	}
	if b == nil {
		b = []byte{}
	}
	return b
}

// decodeList decodes the elements of a present list, non-nil even when
// empty, so an empty list sent as "Name=" is told apart from an absent one.
func decodeList[T any](v value, elem func(value) T) []T {
	out := make([]T, 0, len(v.list))
	for _, e := range v.list {
		out = append(out, elem(e))
	}
	return out
}

// decodeMap decodes the entries of a present map, non-nil even when empty.
func decodeMap[T any](v value, elem func(value) T) map[string]T {
	out := make(map[string]T, len(v.entries))
	for _, e := range v.entries {
		out[e.key] = elem(e.v)
	}
	return out
}

// decodeStruct decodes a structure member.
func decodeStruct[T any, PT interface {
	*T
	decodeParams(Params)
}](v value) T {
	var x T
	PT(&x).decodeParams(v.params)
	return x
}

// sortedKeys returns a map's keys in order: a map member is rendered sorted
// by key, so the same result always reads the same.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// xmlWriter writes the elements of a result. Text is escaped as
// encoding/xml escapes character data, so a typed result reads byte for
// byte as a tagged struct did.
type xmlWriter struct {
	b *bytes.Buffer
}

func (w *xmlWriter) open(name string) {
	w.b.WriteByte('<')
	w.b.WriteString(name)
	w.b.WriteByte('>')
}

func (w *xmlWriter) close(name string) {
	w.b.WriteString("</")
	w.b.WriteString(name)
	w.b.WriteByte('>')
}

func (w *xmlWriter) text(name, s string) {
	w.open(name)
	xml.EscapeText(w.b, []byte(s))
	w.close(name)
}

func (w *xmlWriter) int(name string, n int) { w.text(name, strconv.Itoa(n)) }

func (w *xmlWriter) bool(name string, v bool) { w.text(name, strconv.FormatBool(v)) }

// time writes a timestamp in ISO 8601, UTC, to the second, as IAM does; a
// zero time writes nothing.
func (w *xmlWriter) time(name string, t time.Time) {
	if t.IsZero() {
		return
	}
	w.text(name, t.UTC().Format(timeLayout))
}

// blob writes standard base64 with padding.
func (w *xmlWriter) blob(name string, b []byte) {
	w.text(name, base64.StdEncoding.EncodeToString(b))
}
