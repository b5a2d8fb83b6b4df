package pskc

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxDepth bounds element nesting. PSKC needs about ten levels; the bound
// keeps hostile input from growing the stack without end.
const maxDepth = 64

// node is one element of the document. PSKC mixes four namespaces (pskc,
// xmldsig, xmlenc, xmlenc11) and producers disagree on which one the PBKDF2
// parameters live in, so the parser reads a small tree and matches children
// by local name; only the root's namespace is checked.
type node struct {
	name   xml.Name
	attrs  []xml.Attr
	kids   []*node
	text   strings.Builder
	line   int
	parent *node
}

// singleton reports whether local is an element this package reads that
// may occur at most once under its parent. A second one would leave it
// ambiguous which value counts, so the document is refused instead.
func singleton(local string) bool {
	switch local {
	case "EncryptionKey", "MACMethod", "MACKey",
		"DeviceInfo", "Manufacturer", "SerialNo",
		"Issuer", "AlgorithmParameters", "Suite", "ResponseFormat",
		"Usage", "Data", "Secret", "Counter", "Time", "TimeInterval", "TimeDrift",
		"PlainValue", "EncryptedValue", "ValueMAC",
		"EncryptionMethod", "CipherData", "CipherValue",
		"KeyName", "DerivedKey", "KeyDerivationMethod", "PBKDF2-params",
		"Salt", "Specified", "IterationCount", "KeyLength", "PRF",
		"Policy", "PINPolicy", "NumberOfTransactions":
		return true
	}
	return false
}

// readTree reads a whole XML document into a tree. It refuses DTDs (PSKC
// has none, and refusing them rules out entity tricks), text outside the
// root element and a second root.
func readTree(r io.Reader) (*node, error) {
	d := xml.NewDecoder(r)
	var root *node
	var stack []*node
	for {
		line, _ := d.InputPos()
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &Error{Err: fmt.Errorf("not a valid XML document: %w", err)}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && root != nil {
				return nil, &Error{Line: line, Err: errors.New("not a valid XML document: more than one root element")}
			}
			if len(stack) >= maxDepth {
				return nil, &Error{Line: line, Err: fmt.Errorf("elements nested more than %d deep", maxDepth)}
			}
			n := &node{name: t.Name, attrs: append([]xml.Attr(nil), t.Attr...), line: line}
			if len(stack) == 0 {
				root = n
			} else {
				p := stack[len(stack)-1]
				n.parent = p
				p.kids = append(p.kids, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, &Error{Line: line, Err: errors.New("not a valid XML document: text outside the root element")}
			}
		case xml.Directive:
			return nil, &Error{Line: line, Err: errors.New("XML directives (DOCTYPE) are not allowed in PSKC")}
		}
	}
	if root == nil {
		return nil, &Error{Err: errors.New("not a valid XML document: no root element")}
	}
	return root, nil
}

// checkSingletons refuses a second occurrence of an element that may occur
// only once under its parent (see singleton).
func checkSingletons(root *node) error {
	stack := []*node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		seen := map[string]bool{}
		for _, k := range n.kids {
			if singleton(k.name.Local) {
				if seen[k.name.Local] {
					return &Error{Line: k.line, Element: k.path(),
						Err: fmt.Errorf("more than one %s in %s", k.name.Local, n.name.Local)}
				}
				seen[k.name.Local] = true
			}
			stack = append(stack, k)
		}
	}
	return nil
}

// attr returns the value of the unqualified attribute local.
func (n *node) attr(local string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// child returns the first child element named local, or nil.
func (n *node) child(local string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.name.Local == local {
			return k
		}
	}
	return nil
}

// children returns the child elements named local.
func (n *node) children(local string) []*node {
	var out []*node
	for _, k := range n.kids {
		if k.name.Local == local {
			out = append(out, k)
		}
	}
	return out
}

// value returns the element's text without surrounding white space.
func (n *node) value() string {
	return strings.TrimSpace(n.text.String())
}

// path names the element by the local names from below the root down to it,
// e.g. "KeyPackage/Key/Data/Secret".
func (n *node) path() string {
	var parts []string
	for m := n; m != nil && m.parent != nil; m = m.parent {
		parts = append(parts, m.name.Local)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "/")
}
