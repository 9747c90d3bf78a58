// Package policydoc builds the IAM policy documents of the stack (bucket policy, endpoint policy,
// role policy) as typed Go values and renders them as minified, deterministic JSON.
package policydoc

import (
	"bytes"
	"encoding/json"
)

// Version is the IAM policy language version of every document built here.
const Version = "2012-10-17"

// Document is an IAM policy document. Statements are Statement values or, for statements the
// user supplied as JSON, map[string]any (which encoding/json renders with sorted keys).
type Document struct {
	Version   string `json:"Version"`
	Statement []any  `json:"Statement"`
}

// Statement is one policy statement; field order is the order AWS shows them in.
type Statement struct {
	Sid       string    `json:"Sid,omitempty"`
	Effect    string    `json:"Effect"`
	Principal any       `json:"Principal,omitempty"`
	Action    Strings   `json:"Action"`
	Resource  Strings   `json:"Resource"`
	Condition Condition `json:"Condition,omitempty"`
}

// Strings is a list of values. It always renders as a JSON array, even with one value: a list that
// grows from one role or endpoint to two then shows in a diff as an insertion, not as a change of
// type.
type Strings []string

// Condition maps an operator (StringEquals) to condition keys and their values.
type Condition map[string]map[string]Strings

// AWSPrincipal is a Principal of IAM ARNs.
func AWSPrincipal(arns ...string) map[string]Strings {
	return map[string]Strings{"AWS": arns}
}

// Everyone is the Principal "*".
const Everyone = "*"

// JSON renders the document minified and byte-for-byte deterministic.
func (d Document) JSON() string {
	b, err := marshal(d)
	if err != nil {
		// Only values built in this package or decoded from JSON reach here; both always encode.
		panic("policydoc: " + err.Error())
	}
	return string(b)
}

// marshal is json.Marshal without HTML escaping, so that '<', '>' and '&' stay readable.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
