package preflight

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"cross-account-s3/spec"
)

// Class says whose a statement of the live bucket policy is.
type Class int

const (
	// Foreign statements are neither this stack's nor kept: `pulumi up` would delete them.
	Foreign Class = iota
	// Own statements are this stack's, of the current Sid scheme or an earlier one: `pulumi up`
	// rewrites them.
	Own
	// Kept statements are in extraBucketPolicyStatements: `pulumi up` writes them again.
	Kept
)

func (c Class) String() string { return [...]string{"foreign", "own", "kept"}[c] }

// Sid schemes of this stack's own statements, oldest first. A statement counts as the stack's own
// only when its Sid follows one of them AND its content has the shape this stack writes under
// that Sid (see recognise); a statement with such a Sid and other content is foreign, with a Note.
const (
	// SchemeTLS: DenyInsecureTransport, in every version.
	SchemeTLS = "DenyInsecureTransport"
	// SchemePerConsumer: the first version's Allow<Consumer><Kind> and Deny<Consumer>OutsideEndpoint,
	// one set per consumer (Kind: Objects, WritesOwnedByBucketOwner, List).
	SchemePerConsumer = "Allow<Consumer><Kind>, Deny<Consumer>OutsideEndpoint"
	// SchemeShape: Allow<Kind><shape>, the shape being 8 hex digits of a hash of the access
	// (actions, prefixes, listing), which preflight recomputes from the statements; with the
	// per-endpoint grouping followed by Vpc<VPC ID digits>.
	SchemeShape = "Allow<Kind><shape>[Vpc<vpc>]"
	// SchemePerimeter: DenyConsumerAccountsOutsideVpcEndpoints, with Null aws:SourceVpce (second
	// version) or StringNotEqualsIfExists aws:SourceVpce (current).
	SchemePerimeter = "DenyConsumerAccountsOutsideVpcEndpoints"
)

// Statement is one statement of the live bucket policy and what preflight made of it.
type Statement struct {
	// Position is its place in the live policy, from 1.
	Position int
	Sid      string
	// Body is the statement as read (numbers as json.Number).
	Body  map[string]any
	Class Class
	// Scheme is the Sid scheme of an Own statement.
	Scheme string
	// Kept is the index in extraBucketPolicyStatements of a Kept statement; Changed says it was
	// matched by its Sid and differs from that item, which replaces it.
	Kept    int
	Changed bool
	// Deleted are the unique IDs (AROA…, AIDA…) among its principals: IAM writes a principal's
	// unique ID in place of its ARN when the principal is deleted.
	Deleted []string
	// Note says why a Foreign statement with one of this stack's Sids is not its own.
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
	roleARNShape    = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/.+$`)
	rootARNShape    = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:root$`)
	accountIDShape  = regexp.MustCompile(`^\d{12}$`)
	vpceShape       = regexp.MustCompile(`^vpce-[0-9a-f]+$`)
	s3ActionShape   = regexp.MustCompile(`^(?i:s3):[A-Za-z]+$`)

	sidShape       = regexp.MustCompile(`^Allow(Objects|WritesOwnedByBucketOwner|List)([0-9a-f]{8})(Vpc[0-9a-f]+)?$`)
	sidPerConsumer = regexp.MustCompile(`^Allow([A-Z][A-Za-z0-9]*?)(Objects|WritesOwnedByBucketOwner|List)$`)
	sidPerConsDeny = regexp.MustCompile(`^Deny([A-Z][A-Za-z0-9]*)OutsideEndpoint$`)
)

// IsUniqueID reports whether a principal is an IAM unique ID (a deleted role's or user's).
func IsUniqueID(p string) bool { return uniqueIDPattern.MatchString(p) }

// ReadPolicy parses the live bucket policy and classifies each statement: kept first (a statement
// that extraBucketPolicyStatements names by its Sid, or equals, Sid aside, and allowing for
// principals IAM replaced by unique IDs), then this stack's own, else foreign.
func ReadPolicy(s spec.Spec, policy string) ([]Statement, error) {
	body, err := parseStatements(policy)
	if err != nil {
		return nil, err
	}
	bucketARN := spec.BucketARN(s.Bucket.Account.Region, s.Bucket.Name)
	partition := spec.Partition(s.Bucket.Account.Region)
	out := make([]Statement, len(body))
	for i, b := range body {
		sid, _ := b["Sid"].(string)
		st := Statement{Position: i + 1, Sid: sid, Body: b, Deleted: deletedPrincipals(b)}
		if k, changed, ok := keptIndex(s.ExtraBucketStatements, b, partition); ok {
			st.Class, st.Kept, st.Changed = Kept, k, changed
		} else {
			st.Scheme, st.Note = recognise(bucketARN, b)
			if st.Scheme != "" {
				st.Class = Own
			}
		}
		out[i] = st
	}
	verifyShapes(out, bucketARN)
	return out, nil
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
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		list, _ := scalars(x)
		return list
	case []string:
		return x
	}
	if s, ok := scalar(v); ok {
		return []string{s}
	}
	return nil
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

// recognise returns the Sid scheme of a statement this stack writes, or "" and, when the Sid is
// one of this stack's, why the content is not.
func recognise(bucketARN string, st map[string]any) (scheme, note string) {
	sid, _ := st["Sid"].(string)
	notOurs := func(what string) (string, string) {
		return "", fmt.Sprintf("it has this stack's Sid %s but %s, so it is not one this stack wrote", sid, what)
	}
	switch {
	case sid == SchemeTLS:
		if why := tlsDenyProblem(bucketARN, st); why != "" {
			return notOurs(why)
		}
		return SchemeTLS, ""
	case sid == SchemePerimeter:
		if why := perimeterProblem(bucketARN, st); why != "" {
			return notOurs(why)
		}
		return SchemePerimeter, ""
	case sidShape.MatchString(sid):
		m := sidShape.FindStringSubmatch(sid)
		if _, _, why := grantShape(bucketARN, m[1], st); why != "" {
			return notOurs(why)
		}
		return SchemeShape, "" // verifyShapes checks the hash
	case sidPerConsumer.MatchString(sid):
		m := sidPerConsumer.FindStringSubmatch(sid)
		if _, _, why := grantShape(bucketARN, m[2], st); why != "" {
			return notOurs(why)
		}
		return SchemePerConsumer, ""
	case sidPerConsDeny.MatchString(sid):
		if why := perConsumerDenyProblem(bucketARN, st); why != "" {
			return notOurs(why)
		}
		return SchemePerConsumer, ""
	}
	return "", ""
}

// onlyKeys says which elements a statement has beyond those allowed ("" when none).
func extraKeys(st map[string]any, allowed ...string) string {
	var extra []string
	for k := range st {
		if !contains(allowed, k) {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	if len(extra) == 0 {
		return ""
	}
	return "it also has " + strings.Join(extra, ", ")
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func sameSet(a, b []string) bool {
	a, b = set(a), set(b)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// conditions reads a Condition as operator -> lower-case key -> values; ok is false when its
// shape is not that.
func conditions(v any) (map[string]map[string][]string, bool) {
	if v == nil {
		return map[string]map[string][]string{}, true
	}
	ops, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	out := map[string]map[string][]string{}
	for op, keys := range ops {
		m, ok := keys.(map[string]any)
		if !ok {
			return nil, false
		}
		out[op] = map[string][]string{}
		for k, vs := range m {
			out[op][strings.ToLower(k)] = strList(vs)
		}
	}
	return out, true
}

// onlyCondition: the condition has exactly these operator/key pairs ("Op key"), and returns the
// values of each.
func onlyCondition(c map[string]map[string][]string, pairs ...string) bool {
	n := 0
	for op, keys := range c {
		for k := range keys {
			if !contains(pairs, op+" "+k) {
				return false
			}
			n++
		}
	}
	return n == len(pairs)
}

func allMatch(values []string, pattern *regexp.Regexp) bool {
	for _, v := range values {
		if !pattern.MatchString(v) {
			return false
		}
	}
	return len(values) > 0
}

func principalsAll(p any, ok func(string) bool) bool {
	m, isMap := p.(map[string]any)
	if !isMap || len(m) != 1 {
		return false
	}
	list := strList(m["AWS"])
	for _, v := range list {
		if !ok(v) {
			return false
		}
	}
	return len(list) > 0
}

func isRoleOrDeleted(p string) bool { return roleARNShape.MatchString(p) || IsUniqueID(p) }

func isAccount(p string) bool { return rootARNShape.MatchString(p) || accountIDShape.MatchString(p) }

func wholeBucket(bucketARN string, st map[string]any) bool {
	return sameSet(strList(st["Resource"]), []string{bucketARN, bucketARN + "/*"})
}

// denyAllS3Problem checks what every Deny this stack writes shares: only the fields it writes,
// Effect Deny, principals of one kind (principalOK, else notPrincipal says why), s3:* on the
// bucket and its objects. "" when all hold.
func denyAllS3Problem(bucketARN string, st map[string]any, principalOK func(any) bool, notPrincipal string) string {
	switch {
	case extraKeys(st, "Sid", "Effect", "Principal", "Action", "Resource", "Condition") != "":
		return extraKeys(st, "Sid", "Effect", "Principal", "Action", "Resource", "Condition")
	case st["Effect"] != "Deny":
		return "it is not a Deny"
	case !principalOK(st["Principal"]):
		return notPrincipal
	case !sameSet(lowerSet(strList(st["Action"])), []string{"s3:*"}):
		return `its Action is not s3:*`
	case !wholeBucket(bucketARN, st):
		return "its Resource is not " + bucketARN + " and " + bucketARN + "/*"
	}
	return ""
}

func tlsDenyProblem(bucketARN string, st map[string]any) string {
	if why := denyAllS3Problem(bucketARN, st, func(p any) bool { return canonicalPrincipal(p, "") == "*" }, `its Principal is not "*"`); why != "" {
		return why
	}
	c, ok := conditions(st["Condition"])
	switch {
	case !ok || !onlyCondition(c, "Bool aws:securetransport") || !sameSet(c["Bool"]["aws:securetransport"], []string{"false"}):
		return "its Condition is not Bool aws:SecureTransport false"
	}
	return ""
}

func perimeterProblem(bucketARN string, st map[string]any) string {
	if why := denyAllS3Problem(bucketARN, st, func(p any) bool { return principalsAll(p, isAccount) }, "its principals are not accounts"); why != "" {
		return why
	}
	c, ok := conditions(st["Condition"])
	switch {
	case !ok:
		return "its Condition is not one this stack writes"
	case onlyCondition(c, "Null aws:sourcevpce") && sameSet(c["Null"]["aws:sourcevpce"], []string{"true"}):
		return ""
	case onlyCondition(c, "StringNotEqualsIfExists aws:sourcevpce") && allMatch(c["StringNotEqualsIfExists"]["aws:sourcevpce"], vpceShape):
		return ""
	}
	return "its Condition is not one this stack writes"
}

func perConsumerDenyProblem(bucketARN string, st map[string]any) string {
	if why := denyAllS3Problem(bucketARN, st, func(p any) bool { return principalsAll(p, isRoleOrDeleted) }, "its principals are not roles"); why != "" {
		return why
	}
	c, ok := conditions(st["Condition"])
	switch {
	case !ok || !onlyCondition(c, "StringNotEquals aws:sourcevpce") || !allMatch(c["StringNotEquals"]["aws:sourcevpce"], vpceShape):
		return "its Condition is not StringNotEquals aws:SourceVpce"
	}
	return ""
}

// grantShape checks an Allow of one kind (Objects, WritesOwnedByBucketOwner, List) as this stack
// writes it, and returns its actions and prefixes; why says what differs.
func grantShape(bucketARN, kind string, st map[string]any) (actions, prefixes []string, why string) {
	if x := extraKeys(st, "Sid", "Effect", "Principal", "Action", "Resource", "Condition"); x != "" {
		return nil, nil, x
	}
	if st["Effect"] != "Allow" {
		return nil, nil, "it is not an Allow"
	}
	if !principalsAll(st["Principal"], isRoleOrDeleted) {
		return nil, nil, "its principals are not roles"
	}
	actions = strList(st["Action"])
	if !allMatch(actions, s3ActionShape) {
		return nil, nil, "its Action is not a list of S3 actions"
	}
	c, ok := conditions(st["Condition"])
	if !ok || !allMatch(c["StringEquals"]["aws:sourcevpce"], vpceShape) {
		return nil, nil, "its Condition does not pin aws:SourceVpce to endpoint IDs"
	}
	resources := strList(st["Resource"])
	switch kind {
	case "Objects", "WritesOwnedByBucketOwner":
		pairs := []string{"StringEquals aws:sourcevpce"}
		if kind == "WritesOwnedByBucketOwner" {
			pairs = append(pairs, "StringEquals s3:x-amz-acl")
			if !sameSet(c["StringEquals"]["s3:x-amz-acl"], []string{"bucket-owner-full-control"}) {
				return nil, nil, "its Condition does not require the bucket-owner-full-control ACL"
			}
			for _, a := range actions {
				if !strings.EqualFold(a, "s3:PutObject") && !strings.EqualFold(a, spec.PutObjectACL) {
					return nil, nil, "it grants " + a + ", which this stack never puts in that statement"
				}
			}
		}
		if !onlyCondition(c, pairs...) {
			return nil, nil, "its Condition has other keys"
		}
		if len(resources) == 0 {
			return nil, nil, "it has no Resource"
		}
		for _, r := range resources {
			switch {
			case r == bucketARN+"/*" && len(resources) == 1:
			case strings.HasPrefix(r, bucketARN+"/") && strings.HasSuffix(r, "*") && len(r) > len(bucketARN)+2:
				prefixes = append(prefixes, strings.TrimSuffix(strings.TrimPrefix(r, bucketARN+"/"), "*"))
			default:
				return nil, nil, "its Resource " + r + " is not a key prefix of " + bucketARN
			}
		}
	case "List":
		if !sameSet(lowerSet(actions), []string{"s3:listbucket"}) {
			return nil, nil, "it grants more than s3:ListBucket"
		}
		if !sameSet(resources, []string{bucketARN}) {
			return nil, nil, "its Resource is not " + bucketARN
		}
		pairs := []string{"StringEquals aws:sourcevpce"}
		if p, has := c["StringLike"]["s3:prefix"]; has {
			pairs = append(pairs, "StringLike s3:prefix")
			for _, v := range p {
				if !strings.HasSuffix(v, "*") || len(v) < 2 {
					return nil, nil, "its s3:prefix condition is not a list of prefixes"
				}
				prefixes = append(prefixes, strings.TrimSuffix(v, "*"))
			}
		}
		if !onlyCondition(c, pairs...) {
			return nil, nil, "its Condition has other keys"
		}
		actions = nil // the hash counts s3:ListBucket as "listing", not as an action
	}
	return actions, prefixes, ""
}

// ShapeHash is the 8 hex digits of an access shape in this stack's Allow Sids (the second and
// current schemes): a hash of the sorted actions, the sorted prefixes and the listing flag. It is
// frozen here on purpose: statements written under it must stay recognisable even if the Sids
// the stack writes ever change (a test checks it against policydoc's Sids).
func ShapeHash(actions, prefixes []string, listing bool) string {
	text := strings.Join(spec.SortedUnique(actions), ",") + "|" + strings.Join(spec.SortedUnique(prefixes), "\x00") + "|"
	if listing {
		text += "list"
	}
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:4])
}

// verifyShapes recomputes the hash of each set of SchemeShape statements with one Sid suffix
// (shape and VPC) from their content: the Objects and WritesOwnedByBucketOwner statements give
// the actions and prefixes, the List statement the listing flag. Statements whose content does
// not hash to their Sid are foreign.
func verifyShapes(sts []Statement, bucketARN string) {
	type group struct {
		hash               string
		actions, prefixes  []string
		listing, hasObject bool
		members            []int
	}
	groups := map[string]*group{}
	var order []string
	for i, st := range sts {
		if st.Class != Own || st.Scheme != SchemeShape {
			continue
		}
		m := sidShape.FindStringSubmatch(st.Sid)
		suffix := m[2] + m[3]
		g := groups[suffix]
		if g == nil {
			g = &group{hash: m[2]}
			groups[suffix] = g
			order = append(order, suffix)
		}
		actions, prefixes, _ := grantShape(bucketARN, m[1], st.Body)
		g.actions = append(g.actions, actions...)
		g.prefixes = append(g.prefixes, prefixes...)
		if m[1] == "List" {
			g.listing = true
		} else {
			g.hasObject = true
		}
		g.members = append(g.members, i)
	}
	for _, suffix := range order {
		g := groups[suffix]
		if g.hasObject && ShapeHash(g.actions, g.prefixes, g.listing) == g.hash {
			continue
		}
		for _, i := range g.members {
			sts[i].Class, sts[i].Scheme = Foreign, ""
			sts[i].Note = fmt.Sprintf("it has this stack's Sid %s but its content does not hash to %s (the actions, prefixes and listing of this stack's statements ending in %s), so it is not one this stack wrote",
				sts[i].Sid, g.hash, suffix)
		}
	}
}
