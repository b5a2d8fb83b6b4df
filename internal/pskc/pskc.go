// Package pskc reads the seed files that hardware OTP token vendors ship:
// Portable Symmetric Key Containers (RFC 6030, PSKC) and a plain CSV
// inventory of TOTP tokens.
//
// Parse is all or nothing. It decrypts every value and checks every
// ValueMAC before it returns a single key, so a wrong pre-shared key, a
// wrong password or a tampered file never turns into a partial import. Its
// errors are *Error values naming the line, element and key at fault; they
// wrap ErrWrongKey, ErrIntegrity, ErrNeedKey or ErrUnsupported where one
// applies.
//
// Supported: the RFC 6030 namespace, Version 1.0; plain and encrypted
// secrets, counters and times; a pre-shared key (ds:KeyName) or a PBKDF2
// password-derived key (any HMAC-SHA PRF); AES-128/192/256-CBC and Triple DES
// CBC with the IV as the first block of the CipherValue; AES key wrap (RFC
// 3394 and the padded RFC 5649) and Triple DES key wrap (RFC 3217); ValueMAC
// with HMAC-SHA1/224/256/384/512 over the CipherValue, with the MAC key from
// MACMethod/MACKey. Two legacy habits of pre-RFC producers are accepted
// because files in the wild have them and neither weakens the check: no
// MACKey (the encryption key is then the MAC key), and a ValueMAC over the
// plaintext instead of the CipherValue. The pre-RFC draft namespace
// urn:ietf:params:xml:ns:keyprov:pskc:1.0 (Device, KeyId, KeyAlgorithm,
// Usage) is read too. PIN keys (algorithm ...:pskc:pin) are decrypted and
// checked but not returned: they protect a device, they are not tokens.
//
// Refused, with ErrUnsupported: Camellia (not in the Go standard library),
// asymmetric key transport (RFC 6030 §6.3), keys that are not HOTP or TOTP
// (OCRA, YubiKey OTP, SecurID, ...), non-DECIMAL responses, Luhn check
// digits and other PSKC versions. XML signatures (RFC 6030 §7) are not
// verified: they are ignored, and the file must be trusted as delivered.
// CBC values without a ValueMAC are refused, as RFC 6030 §6.1.1 requires a
// MAC with CBC: without one, a wrong key goes unnoticed one time in 256.
//
// Parse reads the whole document into memory; callers bound the reader.
package pskc

import (
	"crypto/pbkdf2"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"strconv"
	"strings"
)

// The XML namespaces of a PSKC KeyContainer.
const (
	// Namespace is the RFC 6030 namespace.
	Namespace = "urn:ietf:params:xml:ns:keyprov:pskc"
	// DraftNamespace is the namespace of the pre-RFC drafts
	// (draft-hoyer-keyprov-pskc-algorithm-profiles), still found in old
	// vendor files.
	DraftNamespace = "urn:ietf:params:xml:ns:keyprov:pskc:1.0"
)

// Key.Algorithm values.
const (
	HOTP = "hotp" // RFC 4226, event based
	TOTP = "totp" // RFC 6238, time based
)

// Defaults applied when a container leaves a parameter out.
const (
	DefaultDigits   = 6
	DefaultTimeStep = 30
	DefaultHash     = "SHA1"
	// DefaultMaxIterations is the PBKDF2 IterationCount limit when
	// Options.MaxIterations is 0: well above what vendors use (RFC 6030
	// shows 1000) and a few seconds of CPU at most.
	DefaultMaxIterations = 5_000_000
)

// Key is one token from a container, with its secret decrypted and checked.
type Key struct {
	Serial       string // DeviceInfo/SerialNo, else the Key Id
	ID           string // Key Id attribute
	Manufacturer string // DeviceInfo/Manufacturer
	Issuer       string // Key/Issuer
	Algorithm    string // HOTP or TOTP
	Secret       []byte // decrypted, never empty
	Digits       int    // ResponseFormat Length (default 6)
	Counter      uint64 // HOTP moving factor (Data/Counter), 0 if none; 0 for TOTP
	TimeStep     int    // TOTP Data/TimeInterval seconds (default 30); 0 for HOTP
	Time0        int64  // TOTP Data/Time (T0), default 0; 0 for HOTP
	Hash         string // "SHA1" (default), "SHA256" or "SHA512", from AlgorithmParameters/Suite
}

// Options holds what Parse needs to decrypt a container. The zero value
// reads containers with plain values only.
type Options struct {
	// PSK is the pre-shared key, for containers whose EncryptionKey names
	// one (ds:KeyName) or that have no EncryptionKey. Default nil: such
	// containers with encrypted values fail with ErrNeedKey.
	PSK []byte
	// Password derives the key of containers whose EncryptionKey is a PBKDF2
	// DerivedKey. Default "": such containers fail with ErrNeedKey.
	Password string
	// IV is for legacy files whose CBC CipherValues hold only ciphertext,
	// with the IV agreed out of band: it is then used for every CBC value.
	// The ValueMAC is still computed over the CipherValue as written.
	// Default nil: the IV is the first block of each CipherValue, as RFC
	// 6030 §6.1.1 says.
	IV []byte
	// MaxIterations bounds the PBKDF2 IterationCount a container may ask
	// for, so that a hostile file cannot tie up the CPU. Default 0 means
	// DefaultMaxIterations.
	MaxIterations int
}

// Parse reads a container, decrypts every key and verifies every ValueMAC
// before returning anything. It is all or nothing: any problem returns an
// *Error naming the element (and key id and serial where known) that is
// wrong, and no keys. A container without HOTP or TOTP keys is an error, as
// are two keys with the same serial.
func Parse(r io.Reader, opts Options) ([]Key, error) {
	root, err := readTree(r)
	if err != nil {
		return nil, err
	}
	c := &container{opts: opts}
	if err := c.checkRoot(root); err != nil {
		return nil, err
	}
	if err := checkSingletons(root); err != nil {
		return nil, err
	}
	c.encKey = root.child("EncryptionKey")
	c.macMethod = root.child("MACMethod")
	pkgName := "KeyPackage"
	if c.draft {
		pkgName = "Device"
	}
	var keys []Key
	seen := map[string]int{} // serial → line of its first key
	for _, pkg := range root.children(pkgName) {
		for _, kn := range pkg.children("Key") {
			k, keep, err := c.parseKey(pkg, kn)
			if err != nil {
				return nil, err
			}
			if !keep {
				continue
			}
			if first, dup := seen[k.Serial]; dup {
				return nil, &Error{Line: kn.line, Element: kn.path(), KeyID: k.ID, Serial: k.Serial,
					Err: fmt.Errorf("duplicate serial %q (first at line %d)", k.Serial, first)}
			}
			seen[k.Serial] = kn.line
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, &Error{Line: root.line, Err: errors.New("the container holds no HOTP or TOTP keys")}
	}
	return keys, nil
}

// container is the state of one Parse call: the options, the container-wide
// elements and the keys resolved from them, each resolved at most once and
// only when an encrypted value needs it.
type container struct {
	opts      Options
	draft     bool  // DraftNamespace
	encKey    *node // EncryptionKey, or nil
	macMethod *node // MACMethod, or nil

	keyDone bool
	key     []byte
	keyErr  error

	macDone bool
	macHash func() hash.Hash
	macKey  []byte
	macErr  error
}

// checkRoot accepts a KeyContainer of a known namespace and version.
func (c *container) checkRoot(root *node) error {
	if root.name.Local != "KeyContainer" {
		return &Error{Line: root.line, Err: fmt.Errorf("root element is %s, want a PSKC KeyContainer", root.name.Local)}
	}
	switch root.name.Space {
	case Namespace:
	case DraftNamespace:
		c.draft = true
	default:
		return &Error{Line: root.line, Err: fmt.Errorf("%w KeyContainer namespace %q, want %s (RFC 6030)",
			ErrUnsupported, root.name.Space, Namespace)}
	}
	v, ok := root.attr("Version")
	if !ok {
		return &Error{Line: root.line, Err: errors.New("KeyContainer has no Version attribute")}
	}
	if v := strings.TrimSpace(v); v != "1.0" && v != "1" {
		return &Error{Line: root.line, Err: fmt.Errorf("%w PSKC version %q, want 1.0", ErrUnsupported, short(v))}
	}
	return nil
}

// failer builds errors located at an element, in the context of a key when
// its id or serial is set.
type failer struct{ id, serial string }

// at returns err located at n. An *Error passes through unchanged: it was
// raised by a container-wide element and already says where.
func (f failer) at(n *node, err error) error {
	if e := (*Error)(nil); errors.As(err, &e) {
		return err
	}
	return &Error{Line: n.line, Element: n.path(), KeyID: f.id, Serial: f.serial, Err: err}
}

// parseKey reads one Key. keep is false for PIN keys, which are checked but
// not returned.
func (c *container) parseKey(pkg, kn *node) (k Key, keep bool, err error) {
	idAttr, algAttr, paramsName, encodingAttr := "Id", "Algorithm", "AlgorithmParameters", "Encoding"
	if c.draft {
		idAttr, algAttr, paramsName, encodingAttr = "KeyId", "KeyAlgorithm", "Usage", "Format"
	}
	id, _ := kn.attr(idAttr)
	k.ID = strings.TrimSpace(id)
	di := pkg.child("DeviceInfo")
	serialNo := textOf(di.child("SerialNo"))
	k.Manufacturer = textOf(di.child("Manufacturer"))
	k.Issuer = textOf(kn.child("Issuer"))
	f := failer{id: k.ID, serial: serialNo}

	params := kn.child(paramsName)
	rf := params.child("ResponseFormat")
	if err := checkSyntax(kn, params, f); err != nil {
		return Key{}, false, err
	}

	uri, _ := kn.attr(algAttr)
	uri = strings.TrimSpace(uri)
	if uri == "" {
		return Key{}, false, f.at(kn, fmt.Errorf("missing %s attribute", algAttr))
	}
	alg, err := keyAlgorithm(uri)
	if err != nil {
		return Key{}, false, f.at(kn, err)
	}
	data := kn.child("Data")
	if alg == "pin" {
		// Checked so that every ValueMAC in the file is verified, then dropped.
		if s := data.child("Secret"); s != nil {
			if _, err := c.secret(s, f); err != nil {
				return Key{}, false, err
			}
		}
		return Key{}, false, nil
	}
	k.Algorithm = alg

	k.Serial = serialNo
	if k.Serial == "" {
		k.Serial = k.ID
	}
	if k.Serial == "" {
		return Key{}, false, f.at(kn, fmt.Errorf("no DeviceInfo/SerialNo and no %s attribute: the key has no name", idAttr))
	}

	if k.Hash, err = suiteHash(textOf(params.child("Suite"))); err != nil {
		return Key{}, false, f.at(params.child("Suite"), err)
	}
	if k.Digits, err = responseDigits(rf, encodingAttr); err != nil {
		return Key{}, false, f.at(rf, err)
	}

	sn := data.child("Secret")
	if sn == nil {
		return Key{}, false, f.at(kn, errors.New("missing Data/Secret: keys that are not in the file "+
			"(KeyProfileId, KeyReference) are not supported"))
	}
	if k.Secret, err = c.secret(sn, f); err != nil {
		return Key{}, false, err
	}

	var counter uint64
	if n := data.child("Counter"); n != nil {
		if counter, err = c.uintValue(n, f); err != nil {
			return Key{}, false, err
		}
	}
	var t0 int64
	if n := data.child("Time"); n != nil {
		if t0, err = c.intValue(n, f); err != nil {
			return Key{}, false, err
		}
	}
	step := int64(DefaultTimeStep)
	if n := data.child("TimeInterval"); n != nil {
		if step, err = c.intValue(n, f); err != nil {
			return Key{}, false, err
		}
		if alg == TOTP && (step < 1 || step > math.MaxInt32) {
			return Key{}, false, f.at(n, fmt.Errorf("time interval of %d seconds, want at least 1", step))
		}
	}
	if n := data.child("TimeDrift"); n != nil {
		// Read for its MAC and syntax only: drift is learnt at verification.
		if _, err = c.intValue(n, f); err != nil {
			return Key{}, false, err
		}
	}
	if alg == HOTP {
		k.Counter = counter
	} else {
		k.TimeStep, k.Time0 = int(step), t0
	}
	return k, true, nil
}

// keyAlgorithm maps a Key Algorithm URI to HOTP, TOTP or "pin".
func keyAlgorithm(uri string) (string, error) {
	switch uri {
	case "urn:ietf:params:xml:ns:keyprov:pskc:hotp", "urn:ietf:params:xml:ns:keyprov:pskc#hotp",
		"http://www.ietf.org/keyprov/pskc#hotp":
		return HOTP, nil
	case "urn:ietf:params:xml:ns:keyprov:pskc:totp", "urn:ietf:params:xml:ns:keyprov:pskc#totp",
		"http://www.ietf.org/keyprov/pskc#totp":
		return TOTP, nil
	case "urn:ietf:params:xml:ns:keyprov:pskc:pin", "urn:ietf:params:xml:ns:keyprov:pskc#pin":
		return "pin", nil
	}
	if strings.Contains(strings.ToLower(uri), "ocra") {
		return "", fmt.Errorf("%w key algorithm %q: OCRA challenge-response keys cannot serve as IAM MFA devices, "+
			"which take HOTP or TOTP codes", ErrUnsupported, short(uri))
	}
	return "", fmt.Errorf("%w key algorithm %q, want HOTP or TOTP", ErrUnsupported, short(uri))
}

// suiteHash maps AlgorithmParameters/Suite to the HMAC hash of a HOTP or
// TOTP key: "HMAC-SHA256", "SHA256" and "hmac-sha-256" all mean SHA256.
func suiteHash(suite string) (string, error) {
	s := strings.ToUpper(suite)
	s = strings.TrimPrefix(s, "HMAC-")
	s = strings.ReplaceAll(s, "-", "")
	switch s {
	case "":
		return DefaultHash, nil
	case "SHA1", "SHA256", "SHA512":
		return s, nil
	}
	return "", fmt.Errorf("%w algorithm suite %q, want HMAC-SHA1, HMAC-SHA256 or HMAC-SHA512", ErrUnsupported, short(suite))
}

// responseDigits reads the code length from ResponseFormat (nil means the
// default) and refuses formats a HOTP or TOTP verifier cannot check.
func responseDigits(rf *node, encodingAttr string) (int, error) {
	if rf == nil {
		return DefaultDigits, nil
	}
	if enc, ok := rf.attr(encodingAttr); ok && strings.TrimSpace(enc) != "DECIMAL" {
		return 0, fmt.Errorf("%w response %s %q: HOTP and TOTP codes are DECIMAL", ErrUnsupported, encodingAttr, short(enc))
	}
	if cd, ok := rf.attr("CheckDigits"); ok {
		if b, _ := parseBool(cd); b {
			return 0, fmt.Errorf("%w CheckDigits=%q: codes with a Luhn check digit cannot be verified", ErrUnsupported, cd)
		}
	}
	l, ok := rf.attr("Length")
	if !ok {
		return 0, errors.New("ResponseFormat has no Length")
	}
	n, err := strconv.Atoi(strings.TrimSpace(l))
	if err != nil || n < 6 || n > 10 {
		return 0, fmt.Errorf("Length %q, want 6 to 10 digits", short(l))
	}
	return n, nil
}

// checkSyntax checks the numbers and booleans of a key that Parse does not
// otherwise use, so that a malformed file fails as a whole rather than
// importing keys its producer described differently.
func checkSyntax(kn, params *node, f failer) error {
	checks := []struct {
		n     *node
		attrs []string
		isInt bool
	}{
		{params.child("ResponseFormat"), []string{"Length"}, true},
		{params.child("ResponseFormat"), []string{"CheckDigits"}, false},
		{params.child("ChallengeFormat"), []string{"Min", "Max"}, true},
		{params.child("ChallengeFormat"), []string{"CheckDigits"}, false},
		{kn.child("Policy").child("PINPolicy"), []string{"MinLength", "MaxLength", "MaxFailedAttempts"}, true},
	}
	for _, ch := range checks {
		if ch.n == nil {
			continue
		}
		for _, a := range ch.attrs {
			v, ok := ch.n.attr(a)
			if !ok {
				continue
			}
			if ch.isInt {
				if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil {
					return f.at(ch.n, fmt.Errorf("%s=%q is not an integer", a, short(v)))
				}
			} else if _, err := parseBool(v); err != nil {
				return f.at(ch.n, err)
			}
		}
	}
	if n := kn.child("Policy").child("NumberOfTransactions"); n != nil {
		if _, err := strconv.ParseUint(n.value(), 10, 64); err != nil {
			return f.at(n, fmt.Errorf("%q is not an integer", short(n.value())))
		}
	}
	return nil
}

// parseBool parses an xs:boolean.
func parseBool(s string) (bool, error) {
	switch strings.TrimSpace(s) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (true, false, 1 or 0)", short(s))
}

// secret returns the bytes of a Data/Secret.
func (c *container) secret(n *node, f failer) ([]byte, error) {
	plain, dec, err := c.readValue(n, f)
	if err != nil {
		return nil, err
	}
	if plain != nil {
		if dec, err = decodeBase64(plain.text.String()); err != nil {
			return nil, f.at(plain, fmt.Errorf("not base64: %w", err))
		}
	}
	if len(dec) == 0 {
		return nil, f.at(n, errors.New("empty secret"))
	}
	return dec, nil
}

// uintValue reads an unsigned integer Data child (Counter).
func (c *container) uintValue(n *node, f failer) (uint64, error) {
	plain, dec, err := c.readValue(n, f)
	if err != nil {
		return 0, err
	}
	if plain != nil {
		v, err := strconv.ParseUint(plain.value(), 10, 64)
		if err != nil {
			return 0, f.at(plain, fmt.Errorf("%q is not an unsigned 64-bit integer", short(plain.value())))
		}
		return v, nil
	}
	return bigEndian(dec, n, f)
}

// intValue reads a signed integer Data child (Time, TimeInterval,
// TimeDrift). Encrypted integers are unsigned big-endian, so they cannot be
// negative.
func (c *container) intValue(n *node, f failer) (int64, error) {
	plain, dec, err := c.readValue(n, f)
	if err != nil {
		return 0, err
	}
	if plain != nil {
		v, err := strconv.ParseInt(plain.value(), 10, 64)
		if err != nil {
			return 0, f.at(plain, fmt.Errorf("%q is not a 64-bit integer", short(plain.value())))
		}
		return v, nil
	}
	v, err := bigEndian(dec, n, f)
	if err != nil {
		return 0, err
	}
	if v > math.MaxInt64 {
		return 0, f.at(n, errors.New("encrypted integer does not fit in 63 bits"))
	}
	return int64(v), nil
}

// bigEndian decodes an encrypted integer: its minimal big-endian bytes, as
// RFC 6030 producers write them (leading zero bytes are tolerated).
func bigEndian(b []byte, n *node, f failer) (uint64, error) {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	if len(b) > 8 {
		return 0, f.at(n, fmt.Errorf("encrypted integer of %d bytes does not fit in 64 bits", len(b)))
	}
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v, nil
}

// readValue reads a Data child (Secret, Counter, ...). It returns either its
// PlainValue element or the decrypted EncryptedValue, whose ValueMAC it has
// verified.
func (c *container) readValue(n *node, f failer) (plain *node, dec []byte, err error) {
	pv, ev, mac := n.child("PlainValue"), n.child("EncryptedValue"), n.child("ValueMAC")
	switch {
	case pv != nil && ev != nil:
		return nil, nil, f.at(n, errors.New("has both PlainValue and EncryptedValue"))
	case pv != nil:
		if mac != nil {
			return nil, nil, f.at(mac, errors.New("ValueMAC with a PlainValue: RFC 6030 defines MACs over encrypted values only"))
		}
		return pv, nil, nil
	case ev == nil:
		return nil, nil, f.at(n, errors.New("has neither PlainValue nor EncryptedValue"))
	}
	alg, raw, err := readEncrypted(ev, f)
	if err != nil {
		return nil, nil, err
	}
	cbc := alg.kind == cbcAES || alg.kind == cbc3DES
	if cbc && mac == nil {
		return nil, nil, f.at(ev, errors.New("missing ValueMAC: RFC 6030 §6.1.1 requires a MAC with CBC encryption"))
	}
	key, err := c.encryptionKey()
	if err != nil {
		return nil, nil, err
	}
	if mac == nil {
		dec, err := alg.decrypt(key, raw, c.opts.IV)
		if err != nil {
			return nil, nil, f.at(ev, err)
		}
		return nil, dec, nil
	}
	dec, err = c.checkMAC(mac, alg, key, raw, f)
	if err != nil {
		return nil, nil, err
	}
	return nil, dec, nil
}

// checkMAC verifies a ValueMAC and returns the decrypted value. RFC 6030
// puts the MAC over the CipherValue (IV and ciphertext), which is checked
// before decrypting. Pre-RFC producers put it over the plaintext
// (python-pskc's encryption/mac-over-plaintext sample); that form is
// accepted too, as it needs the same secret MAC key to forge.
func (c *container) checkMAC(mac *node, alg cipherAlg, key, raw []byte, f failer) ([]byte, error) {
	if c.macMethod == nil {
		return nil, f.at(mac, errors.New("ValueMAC present but the container has no MACMethod"))
	}
	want, err := decodeBase64(mac.text.String())
	if err != nil {
		return nil, f.at(mac, fmt.Errorf("not base64: %w", err))
	}
	h, macKey, err := c.macParams()
	if err != nil {
		return nil, err
	}
	if macEqual(h, macKey, raw, want) {
		dec, err := alg.decrypt(key, raw, c.opts.IV)
		if err != nil {
			return nil, f.at(mac.parent.child("EncryptedValue"), err)
		}
		return dec, nil
	}
	if dec, err := alg.decrypt(key, raw, c.opts.IV); err == nil && macEqual(h, macKey, dec, want) {
		return dec, nil
	}
	return nil, f.at(mac, fmt.Errorf("%w: %w", ErrIntegrity, ErrWrongKey))
}

// readEncrypted reads an EncryptedValue (or a MACKey, which has the same
// shape): its algorithm and its CipherValue bytes.
func readEncrypted(ev *node, f failer) (cipherAlg, []byte, error) {
	em := ev.child("EncryptionMethod")
	if em == nil {
		return cipherAlg{}, nil, f.at(ev, errors.New("missing EncryptionMethod"))
	}
	uri, _ := em.attr("Algorithm")
	if uri = strings.TrimSpace(uri); uri == "" {
		return cipherAlg{}, nil, f.at(em, errors.New("EncryptionMethod has no Algorithm"))
	}
	alg, err := lookupCipher(uri)
	if err != nil {
		return cipherAlg{}, nil, f.at(em, err)
	}
	cd := ev.child("CipherData")
	if cd == nil {
		return cipherAlg{}, nil, f.at(ev, errors.New("missing CipherData"))
	}
	cv := cd.child("CipherValue")
	if cv == nil {
		if cd.child("CipherReference") != nil {
			return cipherAlg{}, nil, f.at(cd, fmt.Errorf("%w CipherReference: the CipherValue must be in the file", ErrUnsupported))
		}
		return cipherAlg{}, nil, f.at(cd, errors.New("missing CipherValue"))
	}
	raw, err := decodeBase64(cv.text.String())
	if err != nil {
		return cipherAlg{}, nil, f.at(cv, fmt.Errorf("not base64: %w", err))
	}
	return alg, raw, nil
}

// encryptionKey returns the container's encryption key, resolving it on
// first use so that containers with plain values need no key.
func (c *container) encryptionKey() ([]byte, error) {
	if !c.keyDone {
		c.keyDone = true
		c.key, c.keyErr = c.resolveKey()
	}
	return c.key, c.keyErr
}

// resolveKey finds the encryption key named by EncryptionKey in Options.
func (c *container) resolveKey() ([]byte, error) {
	var f failer
	ek := c.encKey
	if ek == nil {
		if len(c.opts.PSK) > 0 {
			return c.opts.PSK, nil
		}
		return nil, &Error{Err: fmt.Errorf("%w: the container has encrypted values and no EncryptionKey; set a pre-shared key", ErrNeedKey)}
	}
	if dk := ek.child("DerivedKey"); dk != nil {
		return c.deriveKey(dk)
	}
	if kn := ek.child("KeyName"); kn != nil {
		if len(c.opts.PSK) == 0 {
			return nil, f.at(ek, fmt.Errorf("%w: the container is encrypted with the pre-shared key %q; set a pre-shared key", ErrNeedKey, short(kn.value())))
		}
		return c.opts.PSK, nil
	}
	return nil, f.at(ek, fmt.Errorf("%w EncryptionKey: only a pre-shared key (ds:KeyName) or a PBKDF2 DerivedKey can be used", ErrUnsupported))
}

// deriveKey derives the encryption key from Options.Password with the PBKDF2
// parameters of an xenc11:DerivedKey (RFC 6030 §6.2). The parameter
// elements are unqualified in RFC 6030's own example, so they are matched
// by local name.
func (c *container) deriveKey(dk *node) ([]byte, error) {
	var f failer
	if c.opts.Password == "" {
		return nil, f.at(dk, fmt.Errorf("%w: the key is derived from a password (MasterKeyName %q); set a password",
			ErrNeedKey, short(textOf(dk.child("MasterKeyName")))))
	}
	kdm := dk.child("KeyDerivationMethod")
	if kdm == nil {
		return nil, f.at(dk, errors.New("missing KeyDerivationMethod"))
	}
	if uri, _ := kdm.attr("Algorithm"); fragment(strings.TrimSpace(uri)) != "pbkdf2" {
		return nil, f.at(kdm, fmt.Errorf("%w key derivation %q, want PBKDF2", ErrUnsupported, short(uri)))
	}
	p := kdm.child("PBKDF2-params")
	if p == nil {
		return nil, f.at(kdm, errors.New("incomplete PBKDF2 parameters: missing PBKDF2-params"))
	}
	sn := p.child("Salt")
	if sn == nil {
		return nil, f.at(p, errors.New("incomplete PBKDF2 parameters: missing Salt"))
	}
	spec := sn.child("Specified")
	if spec == nil {
		return nil, f.at(sn, fmt.Errorf("%w Salt: only a Specified salt can be used", ErrUnsupported))
	}
	salt, err := decodeBase64(spec.text.String())
	if err != nil || len(salt) == 0 {
		return nil, f.at(spec, errors.New("salt is not non-empty base64"))
	}
	in := p.child("IterationCount")
	if in == nil {
		return nil, f.at(p, errors.New("incomplete PBKDF2 parameters: missing IterationCount"))
	}
	limit := c.opts.MaxIterations
	if limit <= 0 {
		limit = DefaultMaxIterations
	}
	iter, err := strconv.Atoi(in.value())
	if err != nil || iter < 1 {
		return nil, f.at(in, fmt.Errorf("%q is not a positive integer", short(in.value())))
	}
	if iter > limit {
		return nil, f.at(in, fmt.Errorf("%w: %d iterations, more than the limit of %d", ErrUnsupported, iter, limit))
	}
	ln := p.child("KeyLength")
	if ln == nil {
		return nil, f.at(p, errors.New("incomplete PBKDF2 parameters: missing KeyLength"))
	}
	keyLen, err := strconv.Atoi(ln.value())
	if err != nil || keyLen < 1 || keyLen > 64 {
		return nil, f.at(ln, fmt.Errorf("%q is not a key length of 1 to 64 bytes", short(ln.value())))
	}
	var h func() hash.Hash
	prfURI := ""
	if prf := p.child("PRF"); prf != nil {
		prfURI, _ = prf.attr("Algorithm")
		if prfURI = strings.TrimSpace(prfURI); prfURI == "" {
			prfURI = prf.value()
		}
	}
	if prfURI == "" {
		prfURI = "hmac-sha1" // RFC 8018's default PRF
	}
	if h, err = lookupHMAC(prfURI); err != nil {
		return nil, f.at(p.child("PRF"), err)
	}
	key, err := pbkdf2.Key(h, c.opts.Password, salt, iter, keyLen)
	if err != nil {
		return nil, f.at(p, err)
	}
	return key, nil
}

// macParams returns the MAC hash and key, resolving them on first use.
func (c *container) macParams() (func() hash.Hash, []byte, error) {
	if !c.macDone {
		c.macDone = true
		c.macHash, c.macKey, c.macErr = c.resolveMAC()
	}
	return c.macHash, c.macKey, c.macErr
}

// resolveMAC reads MACMethod: the HMAC algorithm, and the MAC key decrypted
// from MACKey with the encryption key. Without MACKey the encryption key is
// the MAC key, as in pre-RFC drafts.
func (c *container) resolveMAC() (func() hash.Hash, []byte, error) {
	var f failer
	m := c.macMethod
	uri, _ := m.attr("Algorithm")
	if uri = strings.TrimSpace(uri); uri == "" {
		return nil, nil, f.at(m, errors.New("MACMethod has no Algorithm"))
	}
	h, err := lookupHMAC(uri)
	if err != nil {
		return nil, nil, f.at(m, err)
	}
	mk := m.child("MACKey")
	if mk == nil {
		if ref := m.child("MACKeyReference"); ref != nil {
			return nil, nil, f.at(ref, fmt.Errorf("%w MACKeyReference: the MAC key must be in the file", ErrUnsupported))
		}
		key, err := c.encryptionKey()
		return h, key, err
	}
	alg, raw, err := readEncrypted(mk, f)
	if err != nil {
		return nil, nil, err
	}
	key, err := c.encryptionKey()
	if err != nil {
		return nil, nil, err
	}
	macKey, err := alg.decrypt(key, raw, c.opts.IV)
	if err != nil {
		return nil, nil, f.at(mk, err)
	}
	if len(macKey) == 0 {
		return nil, nil, f.at(mk, errors.New("empty MAC key"))
	}
	return h, macKey, nil
}

// textOf returns the trimmed text of n, or "" for nil.
func textOf(n *node) string {
	if n == nil {
		return ""
	}
	return n.value()
}

// decodeBase64 decodes base64 that XML has wrapped and indented. Unpadded
// input is accepted too.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	if !strings.Contains(s, "=") && len(s)%4 != 0 {
		return base64.RawStdEncoding.DecodeString(s)
	}
	return base64.StdEncoding.DecodeString(s)
}

// short quotes at most 40 bytes of untrusted text in an error message.
func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
