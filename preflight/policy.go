package preflight

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"cross-account-s3/spec"
)

// Class says whose a statement of the live bucket policy is.
type Class int

const (
	// Foreign statements are neither this stack's nor kept: `pulumi up` would delete them.
	Foreign Class = iota
	// Own statements are this stack's: in the document its last update wrote (its record) or,
	// with no record, equal to a statement it would write now. `pulumi up` rewrites them.
	Own
	// Kept statements are in extraBucketPolicyStatements: `pulumi up` writes them again.
	Kept
)

func (c Class) String() string { return [...]string{"foreign", "own", "kept"}[c] }

// Statement is one statement of the live bucket policy and what preflight made of it.
type Statement struct {
	// Position is its place in the live policy, from 1.
	Position int
	Sid      string
	// Body is the statement as read (numbers as json.Number).
	Body  map[string]any
	Class Class
	// Kept is the index in extraBucketPolicyStatements of a Kept statement; Changed says it was
	// matched by its Sid and differs from that item, which replaces it.
	Kept    int
	Changed bool
	// Deleted are the unique IDs (AROA…, AIDA…) among its principals: IAM writes a principal's
	// unique ID in place of its ARN when the principal is deleted.
	Deleted []string
	// Note says why a Foreign statement that looks like one of this stack's is not its own.
	Note string
}

// Name names the statement for people: `statement 2 (Sid "AuditRead")`.
func (st Statement) Name() string {
	if st.Sid == "" {
		return fmt.Sprintf("statement %d (no Sid)", st.Position)
	}
	return fmt.Sprintf("statement %d (Sid %q)", st.Position, st.Sid)
}

// JSON is the statement as minified JSON, keys sorted.
func (st Statement) JSON() string { return compactJSON(st.Body) }

// Dead reports whether every principal of the statement is deleted: it applies to nobody.
func (st Statement) Dead() bool {
	if len(st.Deleted) == 0 || st.Body["Principal"] == nil || st.Body["NotPrincipal"] != nil {
		return false
	}
	p, ok := st.Body["Principal"].(map[string]any)
	if !ok || len(p) != 1 {
		return false
	}
	return len(strList(p["AWS"])) == len(st.Deleted)
}

var (
	uniqueIDPattern = regexp.MustCompile(`^A(RO|ID)A[A-Z0-9]{12,}$`)
	accountIDShape  = regexp.MustCompile(`^\d{12}$`)
)

// IsUniqueID reports whether a principal is an IAM unique ID (a deleted role's or user's).
func IsUniqueID(p string) bool { return uniqueIDPattern.MatchString(p) }

// ReadPolicy parses the live bucket policy and classifies each statement: kept first (a statement
// that extraBucketPolicyStatements names by its Sid, or equals, Sid aside, and allowing for
// principals IAM replaced by unique IDs), then this stack's own (equal, Sid included, to one of
// own: the statements of its record, or with no record those it would write now), else foreign.
// A statement is never the stack's own by its Sid alone.
func ReadPolicy(s spec.Spec, policy string, own []map[string]any) ([]Statement, error) {
	body, err := statementsOf(policy)
	if err != nil {
		return nil, err
	}
	partition := spec.Partition(s.Bucket.Account.Region)
	out := make([]Statement, len(body))
	for i, b := range body {
		sid, _ := b["Sid"].(string)
		st := Statement{Position: i + 1, Sid: sid, Body: b, Deleted: deletedPrincipals(b)}
		if k, changed, ok := keptIndex(s.ExtraBucketStatements, b, partition); ok {
			st.Class, st.Kept, st.Changed = Kept, k, changed
		} else if j := ownIndex(own, b, partition); j >= 0 {
			st.Class = Own
		} else if j := sidIndex(own, sid); j >= 0 {
			st.Note = fmt.Sprintf("it has the Sid %s of a statement this stack writes but other content (%s), so it is not one this stack wrote", sid, differingElements(own[j], b, partition))
		}
		out[i] = st
	}
	return out, nil
}

// ownIndex is the index of the statement of own that st equals, Sid included, once normalised;
// -1 when none.
func ownIndex(own []map[string]any, st map[string]any, partition string) int {
	sid, _ := st["Sid"].(string)
	for i, o := range own {
		if osid, _ := o["Sid"].(string); osid == sid && sameStatement(st, o, partition) {
			return i
		}
	}
	return -1
}

// sidIndex is the index of the statement of list with this Sid; -1 when none or sid is "".
func sidIndex(list []map[string]any, sid string) int {
	if sid == "" {
		return -1
	}
	for i, o := range list {
		if osid, _ := o["Sid"].(string); osid == sid {
			return i
		}
	}
	return -1
}

// parseStatements reads the Statement element: an array of objects, or one object.
func parseStatements(policy string) ([]map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(policy))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("the live bucket policy is not a JSON object: %v", err)
	}
	switch st := doc["Statement"].(type) {
	case map[string]any:
		return []map[string]any{st}, nil
	case []any:
		out := make([]map[string]any, 0, len(st))
		for i, e := range st {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("statement %d of the live bucket policy is not a JSON object", i+1)
			}
			out = append(out, m)
		}
		return out, nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("the live bucket policy's Statement is neither an object nor an array")
}

// keptIndex finds the extraBucketPolicyStatements item a live statement stands for: the item
// with its Sid (changed reports that they differ in content), else the first item equal to it
// apart from the Sid and from principals IAM replaced by unique IDs.
func keptIndex(extras []map[string]any, live map[string]any, partition string) (int, bool, bool) {
	sid, _ := live["Sid"].(string)
	for i, e := range extras {
		if esid, _ := e["Sid"].(string); sid != "" && esid == sid {
			return i, !sameStatement(live, e, partition), true
		}
	}
	for i, e := range extras {
		if sameStatement(live, e, partition) {
			return i, false, true
		}
	}
	return 0, false, false
}

// sameStatement: equal once normalised, Sid aside, where each deleted principal of the live
// statement may stand for one principal of the configured one that the live one lacks.
func sameStatement(live, configured map[string]any, partition string) bool {
	l, c := withoutSid(live), withoutSid(configured)
	if canonical(l, partition) == canonical(c, partition) {
		return true
	}
	deleted := deletedPrincipals(live)
	if len(deleted) == 0 {
		return false
	}
	lp, lok := l["Principal"].(map[string]any)
	cp, cok := c["Principal"].(map[string]any)
	if !lok || !cok {
		return false
	}
	have := map[string]bool{}
	var kept []any
	for _, p := range strList(lp["AWS"]) {
		if !IsUniqueID(p) {
			have[normalPrincipal(p, partition)] = true
			kept = append(kept, p)
		}
	}
	var matched []any
	missing := 0
	for _, p := range strList(cp["AWS"]) {
		if have[normalPrincipal(p, partition)] {
			matched = append(matched, p)
		} else {
			missing++
		}
	}
	if missing > len(deleted) {
		return false
	}
	l, c = copyMap(l), copyMap(c)
	l["Principal"], c["Principal"] = withAWS(lp, kept), withAWS(cp, matched)
	return canonical(l, partition) == canonical(c, partition)
}

func withAWS(p map[string]any, aws []any) map[string]any {
	out := copyMap(p)
	if len(aws) == 0 {
		delete(out, "AWS")
	} else {
		out["AWS"] = aws
	}
	return out
}

func withoutSid(st map[string]any) map[string]any {
	out := copyMap(st)
	delete(out, "Sid")
	return out
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// deletedPrincipals are the unique IDs among Principal.AWS and NotPrincipal.AWS.
func deletedPrincipals(st map[string]any) []string {
	var out []string
	for _, el := range []string{"Principal", "NotPrincipal"} {
		if p, ok := st[el].(map[string]any); ok {
			for _, v := range strList(p["AWS"]) {
				if IsUniqueID(v) {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// canonical renders a statement so that two statements S3 treats alike render alike: element
// values as sorted sets (one value or an array of one), actions and condition keys in lower case
// (both are case-insensitive), account IDs as the root ARNs AWS stores, scalars as text.
func canonical(st map[string]any, partition string) string {
	out := map[string]any{}
	for k, v := range st {
		switch k {
		case "Principal", "NotPrincipal":
			out[k] = canonicalPrincipal(v, partition)
		case "Action", "NotAction":
			out[k] = lowerSet(strList(v))
		case "Resource", "NotResource":
			out[k] = set(strList(v))
		case "Condition":
			out[k] = canonicalCondition(v)
		default:
			out[k] = canonicalValue(v)
		}
	}
	return compactJSON(out)
}

func canonicalPrincipal(v any, partition string) any {
	m, ok := v.(map[string]any)
	if !ok {
		return canonicalValue(v)
	}
	out := map[string]any{}
	for k, vs := range m {
		var list []string
		for _, p := range strList(vs) {
			if k == "AWS" {
				p = normalPrincipal(p, partition)
			}
			list = append(list, p)
		}
		out[k] = set(list)
	}
	if aws, only := out["AWS"].([]string); only && len(out) == 1 && len(aws) == 1 && aws[0] == "*" {
		return "*"
	}
	return out
}

// normalPrincipal is an AWS principal as AWS stores it: a bare account ID becomes its root ARN.
func normalPrincipal(p, partition string) string {
	if accountIDShape.MatchString(p) {
		return "arn:" + partition + ":iam::" + p + ":root"
	}
	return p
}

func canonicalCondition(v any) any {
	ops, ok := v.(map[string]any)
	if !ok {
		return canonicalValue(v)
	}
	out := map[string]any{}
	for op, keys := range ops {
		m, ok := keys.(map[string]any)
		if !ok {
			out[op] = canonicalValue(keys)
			continue
		}
		inner := map[string]any{}
		for k, vs := range m {
			inner[strings.ToLower(k)] = set(strList(vs))
		}
		out[op] = inner
	}
	return out
}

func canonicalValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = canonicalValue(e)
		}
		return out
	case []any:
		if list, ok := scalars(x); ok {
			return set(list)
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = canonicalValue(e)
		}
		return out
	case nil:
		return nil
	}
	s, _ := scalar(v)
	return s
}

// strList is a policy element's values as text: one scalar or an array of scalars.
func strList(v any) []string {
	if v == nil {
		return nil
	}
	list, _ := scalars(spec.AsList(v))
	return list
}

func scalars(list []any) ([]string, bool) {
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := scalar(e)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	}
	return "", false
}

func set(list []string) []string { return spec.SortedUnique(list) }

func lowerSet(list []string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = strings.ToLower(v)
	}
	return spec.SortedUnique(out)
}

func compactJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
