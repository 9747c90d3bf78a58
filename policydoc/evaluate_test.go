package policydoc

import (
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"

	"cross-account-s3/spec"
)

// A small evaluator of rendered policy documents, for tests that check what they let through. It
// follows AWS's documented evaluation logic for the subset these documents use:
//   - within one policy, an explicit Deny wins over any Allow, and no matching Allow is an
//     implicit deny (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html);
//   - a cross-account request needs an Allow in the bucket policy AND in the caller's identity
//     policy, and an explicit Deny in either denies it
//     (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html);
//   - a request through a VPC endpoint must also be allowed, and not denied, by the endpoint
//     policy, which grants nothing on its own (docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html);
//   - Principal "*" or {"AWS": "*"} matches everyone, an account (root ARN or 12 digits) every
//     principal of that account, any other ARN only itself; Action matching is case-insensitive,
//     Resource matching is not; both take the wildcards * and ?;
//   - condition operators StringEquals, StringNotEquals, StringLike, StringNotLike, Bool, each
//     with or without IfExists, and Null. A key missing from the request makes a positive
//     operator false and a negated one true; ...IfExists makes any operator true when the key is
//     missing; Null tests presence (docs.aws.amazon.com/IAM/latest/UserGuide/
//     reference_policies_elements_condition_operators.html). Several values of one key are ORed
//     (NORed for negated operators), keys and operators are ANDed;
//   - policy variables in the values of the String operators: ${key} stands for the request
//     context's value of that single-valued key (key names are case-insensitive). A variable
//     whose key is not in the request context has no value: the policy value holding it then
//     matches nothing, so StringEquals and StringLike do not match it and their negated forms do
//     (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html, "Policy
//     variables with no value"); the special ${*} ${?} ${$} and default values are not modelled;
//   - multivalued keys (here aws:CalledVia, the services that called for the principal: set only
//     on a request a service makes for it, which comes through no VPC endpoint) only with the set
//     operators ForAnyValue: and ForAllValues: on the String operators. ForAnyValue holds when at
//     least one value of the request's key matches, and is false when the key is missing or
//     empty; ForAllValues holds when every value matches, and is TRUE when the key is missing or
//     empty (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
//     A set operator on a single-valued key, or a plain operator on a multivalued one, is refused
//     as not modelled;
//   - aws:PrincipalOrgID, the organization of the caller's account, is in the request context
//     only when that account is a member of an organization ("This key is included in the request
//     context only if the principal is a member of an organization",
//     docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
//     #condition-keys-principalorgid): organizationOf says which, a request may override it.

type request struct {
	principal string // ARN of the caller
	account   string // the caller's account
	action    string
	resource  string
	vpce      string // "" when the request does not come through a VPC endpoint
	// vpceAccount owns the endpoint (aws:VpceAccount, set with aws:SourceVpce); "" takes the
	// account of endpointAccount, else the caller's.
	vpceAccount string
	// extra are further request-context keys (lowercase), such as kms:viaservice.
	extra map[string]string
	// calledVia is aws:CalledVia, the services in the chain that made the request for the
	// principal (a forward access session), first caller first; nil for a request the principal
	// makes itself. Such a request comes through no VPC endpoint: vpce must then be "".
	calledVia []string
	// orgID is aws:PrincipalOrgID: "" takes organizationOf[account] (none when the account is not
	// listed), noOrganization says the caller's account is in none, anything else is the ID.
	orgID string
}

// The organizations of the test world. The bucket owner and the consumer accounts of the tests
// are in ours; 888888888888 is in another; 999999999999, the outsider, is in none.
const (
	ourOrg   = "o-a1b2c3d4e5"
	otherOrg = "o-zzzzzzzzzz"
	// noOrganization, as request.orgID, leaves aws:PrincipalOrgID out of the request context.
	noOrganization = "-"
)

// organizationOf maps an account to the organization it is a member of; an account not listed is
// in none.
var organizationOf = map[string]string{
	"111111111111": ourOrg,
	"222222222222": ourOrg,
	"333333333333": ourOrg,
	"444444444444": ourOrg,
	"888888888888": otherOrg,
}

// organization is the request's aws:PrincipalOrgID, "" when the caller's account is in none.
func (r request) organization() string {
	switch r.orgID {
	case "":
		return organizationOf[r.account]
	case noOrganization:
		return ""
	}
	return r.orgID
}

// multivaluedKeys are the request-context keys that hold a set of values (lowercase).
var multivaluedKeys = map[string]bool{"aws:calledvia": true}

// multiContext is the request's multivalued keys, lowercased; a key with no values is missing.
func (r request) multiContext() map[string][]string {
	ctx := map[string][]string{}
	if len(r.calledVia) > 0 {
		ctx["aws:calledvia"] = r.calledVia
	}
	return ctx
}

// context is the request context, keys lowercased (condition keys are case-insensitive).
// aws:SourceVpce is there only for a request through an endpoint, aws:PrincipalOrgID only for a
// caller whose account is in an organization.
func (r request) context() map[string]string {
	ctx := map[string]string{
		"aws:principalaccount": r.account,
		"aws:principalarn":     r.principal,
		"aws:securetransport":  "true",
	}
	if org := r.organization(); org != "" {
		ctx["aws:principalorgid"] = org
	}
	if r.vpce != "" {
		ctx["aws:sourcevpce"] = r.vpce
		switch {
		case r.vpceAccount != "":
			ctx["aws:vpceaccount"] = r.vpceAccount
		case endpointAccount[r.vpce] != "":
			ctx["aws:vpceaccount"] = endpointAccount[r.vpce]
		default:
			ctx["aws:vpceaccount"] = r.account
		}
	}
	for k, v := range r.extra {
		ctx[k] = v
	}
	return ctx
}

type decision int

const (
	implicitDeny decision = iota
	allowed
	explicitDeny
)

func (d decision) String() string {
	return [...]string{"implicit deny", "allow", "explicit deny"}[d]
}

// evaluate decides one policy document, given as its rendered JSON.
func evaluate(t *testing.T, doc string, r request) decision {
	t.Helper()
	if len(r.calledVia) > 0 && r.vpce != "" {
		t.Fatalf("evaluator: a request a service makes for the principal (aws:CalledVia %v) comes through no VPC endpoint (%s)", r.calledVia, r.vpce)
	}
	d := implicitDeny
	for _, st := range parsedStatements(t, doc) {
		if !matches(t, st, r) {
			continue
		}
		if st["Effect"] == "Deny" {
			return explicitDeny
		}
		d = allowed
	}
	return d
}

func matches(t *testing.T, st map[string]any, r request) bool {
	t.Helper()
	if _, ok := st["NotPrincipal"]; ok {
		t.Fatalf("evaluator: NotPrincipal is not modelled")
	}
	principal, hasPrincipal := st["Principal"]
	return (!hasPrincipal || principalMatches(principal, r)) &&
		element(st, "Action", r.action, true) && element(st, "Resource", r.resource, false) &&
		conditionsHold(t, st["Condition"], r.context(), r.multiContext())
}

// parsed caches the statements of each document evaluated, since the scale tests decide many
// thousands of requests against one bucket policy. Statements are only read, never changed.
var parsed sync.Map // document -> []map[string]any

func parsedStatements(t *testing.T, doc string) []map[string]any {
	t.Helper()
	if sts, ok := parsed.Load(doc); ok {
		return sts.([]map[string]any)
	}
	var d struct {
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("evaluator: %v\n%s", err, doc)
	}
	parsed.Store(doc, d.Statement)
	return d.Statement
}

// element matches Action/NotAction or Resource/NotResource.
func element(st map[string]any, name, value string, fold bool) bool {
	if v, ok := st[name]; ok {
		return anyGlob(spec.AsList(v), value, fold)
	}
	if v, ok := st["Not"+name]; ok {
		return !anyGlob(spec.AsList(v), value, fold)
	}
	return false
}

func principalMatches(p any, r request) bool {
	if p == "*" {
		return true
	}
	for _, v := range spec.AsList(p.(map[string]any)["AWS"]) {
		arn, _ := v.(string)
		if arn == "*" || arn == r.principal || arn == r.account || strings.HasSuffix(arn, ":"+r.account+":root") {
			return true
		}
	}
	return false
}

func anyGlob(patterns []any, value string, fold bool) bool {
	for _, raw := range patterns {
		p, _ := raw.(string)
		if fold {
			p, value = strings.ToLower(p), strings.ToLower(value)
		}
		if glob(p).MatchString(value) {
			return true
		}
	}
	return false
}

var globs sync.Map // pattern -> *regexp.Regexp, compiled once for the scale tests

// glob is the pattern with * and ? as wildcards, everything else literal, as one regexp.
func glob(p string) *regexp.Regexp {
	if re, ok := globs.Load(p); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile("^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(p)) + "$")
	globs.Store(p, re)
	return re
}

func conditionsHold(t *testing.T, condition any, ctx map[string]string, multi map[string][]string) bool {
	t.Helper()
	ops, _ := condition.(map[string]any)
	for op, rawKeys := range ops {
		for key, rawValues := range rawKeys.(map[string]any) {
			lower := strings.ToLower(key)
			vals := spec.AsList(rawValues)
			if op == "Null" {
				_, single := ctx[lower]
				_, several := multi[lower]
				if (vals[0] == "true") != !(single || several) {
					return false
				}
				continue
			}
			set, base, isSet := strings.Cut(op, ":")
			if !isSet {
				set, base = "", op
			}
			if set != "" && set != "ForAnyValue" && set != "ForAllValues" {
				t.Fatalf("evaluator: operator %s is not modelled", op)
			}
			if (set != "") != multivaluedKeys[lower] {
				t.Fatalf("evaluator: %s on %s is not modelled (set operators go with multivalued keys only, and those only with set operators)", op, key)
			}
			base, ifExists := strings.CutSuffix(base, "IfExists")
			negated := strings.Contains(base, "Not")
			if set != "" {
				if ifExists || !strings.HasPrefix(base, "String") {
					t.Fatalf("evaluator: operator %s is not modelled", op)
				}
				requestValues := multi[lower]
				all := set == "ForAllValues"
				if len(requestValues) == 0 {
					// ForAllValues holds for a missing or empty key, ForAnyValue does not.
					if !all {
						return false
					}
					continue
				}
				holds := all
				for _, v := range requestValues {
					if m := matchesOne(t, op, base, vals, v, ctx) != negated; all {
						holds = holds && m
					} else {
						holds = holds || m
					}
				}
				if !holds {
					return false
				}
				continue
			}
			v, present := ctx[lower]
			if !present {
				if ifExists || negated {
					continue
				}
				return false
			}
			if matchesOne(t, op, base, vals, v, ctx) == negated {
				return false
			}
		}
	}
	return true
}

// matchesOne is whether one request value matches any of the policy values under the operator
// base (negation left to the caller), with the policy variables in the values resolved first.
func matchesOne(t *testing.T, op, base string, policyValues []any, v string, ctx map[string]string) bool {
	t.Helper()
	var resolved []any
	for _, raw := range policyValues {
		p, _ := raw.(string)
		if strings.HasPrefix(base, "String") && strings.Contains(p, "${") {
			var ok bool
			if p, ok = resolveVariables(t, p, ctx); !ok {
				continue // a variable with no value: this policy value matches nothing
			}
		}
		resolved = append(resolved, p)
	}
	switch base {
	case "StringEquals", "StringNotEquals", "Bool":
		for _, x := range resolved {
			if x == v {
				return true
			}
		}
		return false
	case "StringLike", "StringNotLike":
		return anyGlob(resolved, v, false)
	default:
		t.Fatalf("evaluator: operator %s is not modelled", op)
		return false
	}
}

var policyVariable = regexp.MustCompile(`\$\{([^}]*)\}`)

// resolveVariables replaces each ${key} in a policy value by the request context's value of key;
// ok is false when a key is not in the context (the value is then null).
func resolveVariables(t *testing.T, value string, ctx map[string]string) (resolved string, ok bool) {
	t.Helper()
	ok = true
	resolved = policyVariable.ReplaceAllStringFunc(value, func(m string) string {
		key := strings.ToLower(m[2 : len(m)-1])
		if key == "*" || key == "?" || key == "$" || strings.Contains(key, ",") {
			t.Fatalf("evaluator: the policy variable %s is not modelled", m)
		}
		if multivaluedKeys[key] {
			t.Fatalf("evaluator: %s names a multivalued key, which AWS does not take as a variable", m)
		}
		v, present := ctx[key]
		ok = ok && present
		return v
	})
	return resolved, ok
}

// world is every policy that decides a request to the shared bucket.
type world struct {
	bucketPolicy string
	// identity gives the caller's identity policy; nil means a broad one (s3:* on *), so that the
	// bucket and endpoint policies alone must hold the line.
	identity map[string]string
	// endpoints maps an endpoint ID to its policy; a request through an endpoint not listed fails.
	endpoints map[string]string
}

const broadIdentity = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`

// decide is the cross-account decision: no explicit Deny anywhere, an Allow in the bucket policy,
// in the identity policy and, through an endpoint, in the endpoint policy.
func (w world) decide(t *testing.T, r request) decision {
	t.Helper()
	identity := broadIdentity
	if doc, ok := w.identity[r.principal]; ok {
		identity = doc
	}
	docs := []string{w.bucketPolicy, identity}
	if r.vpce != "" {
		doc, ok := w.endpoints[r.vpce]
		if !ok {
			t.Fatalf("no endpoint %s in this world", r.vpce)
		}
		docs = append(docs, doc)
	}
	all := allowed
	for _, doc := range docs {
		switch evaluate(t, doc, r) {
		case explicitDeny:
			return explicitDeny
		case implicitDeny:
			all = implicitDeny
		}
	}
	return all
}

func TestEvaluatorConditionSemantics(t *testing.T) {
	through := request{principal: "arn:aws:iam::222222222222:role/a", account: "222222222222", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", vpce: "vpce-1"}
	direct := through
	direct.vpce = ""
	for _, tc := range []struct {
		condition     string
		viaEndpoint   bool
		noEndpoint    bool
		viaOtherVpces bool
	}{
		{`{"StringEquals":{"aws:SourceVpce":"vpce-1"}}`, true, false, false},
		{`{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}`, true, true, false},
		{`{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}`, false, true, true},
		{`{"StringNotEqualsIfExists":{"aws:SourceVpce":["vpce-1","vpce-2"]}}`, false, true, true},
		{`{"Null":{"aws:SourceVpce":"true"}}`, false, true, false},
		{`{"Null":{"aws:SourceVpce":"false"}}`, true, false, true},
		{`{"StringLike":{"aws:sourcevpce":"vpce-?"}}`, true, false, true},
	} {
		doc := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":` + tc.condition + `}]}`
		other := through
		other.vpce = "vpce-9"
		got := []bool{evaluate(t, doc, through) == allowed, evaluate(t, doc, direct) == allowed, evaluate(t, doc, other) == allowed}
		want := []bool{tc.viaEndpoint, tc.noEndpoint, tc.viaOtherVpces}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: (own endpoint, no endpoint, other endpoint) = %v, want %v", tc.condition, got, want)
				break
			}
		}
	}
}

// The policy variable and the set operators, on the requests the bucket policy meets: through an
// endpoint of the caller's own account, through one of another account, through none, and made
// for the caller by services (athena alone, athena then glue, glue alone). Each case is asserted
// for every request, so that a change to the evaluator's missing-key rules shows here.
func TestEvaluatorPolicyVariablesAndSetOperators(t *testing.T) {
	own := request{principal: "arn:aws:iam::222222222222:role/a", account: "222222222222", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", vpce: "vpce-1", vpceAccount: "222222222222"}
	other := own
	other.vpce, other.vpceAccount = "vpce-9", "999999999999"
	direct := own
	direct.vpce, direct.vpceAccount = "", ""
	athena, chain, glue := direct, direct, direct
	athena.calledVia = []string{"athena.amazonaws.com"}
	chain.calledVia = []string{"athena.amazonaws.com", "glue.amazonaws.com"}
	glue.calledVia = []string{"glue.amazonaws.com"}
	requests := []request{own, other, direct, athena, chain, glue}
	for _, tc := range []struct {
		condition string
		want      [6]bool // own endpoint, other account's endpoint, no endpoint, via athena, via athena+glue, via glue
	}{
		// The variable is the caller's account.
		{`{"StringEquals":{"aws:VpceAccount":"${aws:PrincipalAccount}"}}`, [6]bool{true, false, false, false, false, false}},
		{`{"StringEquals":{"aws:VpceAccount":["${AWS:principalaccount}"]}}`, [6]bool{true, false, false, false, false, false}},
		{`{"StringNotEqualsIfExists":{"aws:VpceAccount":"${aws:PrincipalAccount}"}}`, [6]bool{false, true, true, true, true, true}},
		{`{"StringNotEquals":{"aws:VpceAccount":"${aws:PrincipalAccount}"}}`, [6]bool{false, true, true, true, true, true}},
		{`{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::${aws:VpceAccount}:role/*"}}`, [6]bool{true, false, false, false, false, false}},
		// A variable with no value (aws:VpceAccount without an endpoint): its value matches
		// nothing, so the positive operators are false and the negated ones true, though the
		// key tested (aws:PrincipalAccount) is there.
		{`{"StringEquals":{"aws:PrincipalAccount":"${aws:VpceAccount}"}}`, [6]bool{true, false, false, false, false, false}},
		{`{"StringNotEquals":{"aws:PrincipalAccount":"${aws:VpceAccount}"}}`, [6]bool{false, true, true, true, true, true}},
		{`{"StringNotLike":{"aws:PrincipalArn":"arn:aws:iam::${aws:VpceAccount}:role/*"}}`, [6]bool{false, true, true, true, true, true}},
		{`{"StringEquals":{"aws:PrincipalAccount":["${aws:VpceAccount}","222222222222"]}}`, [6]bool{true, true, true, true, true, true}},
		// Null, not empty: "*${aws:VpceAccount}*" would match anything if the variable became "".
		{`{"StringLike":{"aws:PrincipalArn":"*${aws:VpceAccount}*"}}`, [6]bool{true, false, false, false, false, false}},
		{`{"StringNotLike":{"aws:PrincipalArn":"*${aws:VpceAccount}*"}}`, [6]bool{false, true, true, true, true, true}},
		// The set operators on aws:CalledVia, which is missing unless a service calls.
		{`{"ForAnyValue:StringEquals":{"aws:CalledVia":"athena.amazonaws.com"}}`, [6]bool{false, false, false, true, true, false}},
		{`{"ForAnyValue:StringEquals":{"aws:calledvia":["athena.amazonaws.com","glue.amazonaws.com"]}}`, [6]bool{false, false, false, true, true, true}},
		{`{"ForAnyValue:StringNotEquals":{"aws:CalledVia":"athena.amazonaws.com"}}`, [6]bool{false, false, false, false, true, true}},
		{`{"ForAnyValue:StringLike":{"aws:CalledVia":"*.amazonaws.com"}}`, [6]bool{false, false, false, true, true, true}},
		{`{"ForAllValues:StringEquals":{"aws:CalledVia":"athena.amazonaws.com"}}`, [6]bool{true, true, true, true, false, false}},
		{`{"ForAllValues:StringNotEquals":{"aws:CalledVia":"athena.amazonaws.com"}}`, [6]bool{true, true, true, false, false, true}},
		{`{"ForAllValues:StringNotEquals":{"aws:CalledVia":["athena.amazonaws.com","glue.amazonaws.com"]}}`, [6]bool{true, true, true, false, false, false}},
		{`{"ForAllValues:StringLike":{"aws:CalledVia":"athena.*"}}`, [6]bool{true, true, true, true, false, false}},
		{`{"Null":{"aws:CalledVia":"true"}}`, [6]bool{true, true, true, false, false, false}},
		// The by-account perimeter's condition, whole.
		{`{"StringEquals":{"aws:PrincipalAccount":["222222222222"]},"StringNotEqualsIfExists":{"aws:VpceAccount":["${aws:PrincipalAccount}"]},"ForAllValues:StringNotEquals":{"aws:CalledVia":["athena.amazonaws.com"]}}`,
			[6]bool{false, true, true, false, false, true}},
	} {
		doc := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":` + tc.condition + `}]}`
		var got [6]bool
		for i, r := range requests {
			got[i] = evaluate(t, doc, r) == allowed
		}
		if got != tc.want {
			t.Errorf("%s: (own endpoint, other account's endpoint, no endpoint, via athena, via athena+glue, via glue) = %v, want %v", tc.condition, got, tc.want)
		}
	}
	// An empty aws:CalledVia is a missing one: ForAllValues holds, ForAnyValue does not.
	empty := direct
	empty.calledVia = []string{}
	for condition, want := range map[string]bool{
		`{"ForAllValues:StringEquals":{"aws:CalledVia":"athena.amazonaws.com"}}`: true,
		`{"ForAnyValue:StringEquals":{"aws:CalledVia":"athena.amazonaws.com"}}`:  false,
		`{"ForAnyValue:StringNotEquals":{"aws:CalledVia":"x"}}`:                  false,
	} {
		doc := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":` + condition + `}]}`
		if got := evaluate(t, doc, empty) == allowed; got != want {
			t.Errorf("%s with an empty aws:CalledVia: %v, want %v", condition, got, want)
		}
	}
}

// aws:PrincipalOrgID, present only for a caller whose account is in an organization, on requests
// of a member of ours (through an endpoint of its own account and through none), of the bucket
// owner, of a member of another organization, of an account in none, and two overrides: a
// member's account taken out of any organization, an outsider's put in ours. Each case is asserted
// for every request.
func TestEvaluatorPrincipalOrgID(t *testing.T) {
	member := request{principal: "arn:aws:iam::222222222222:role/a", account: "222222222222", action: "s3:GetObject", resource: "arn:aws:s3:::b/k"}
	throughOwn := member
	throughOwn.vpce, throughOwn.vpceAccount = "vpce-1", "222222222222"
	owner := request{principal: "arn:aws:iam::111111111111:role/ops", account: "111111111111", action: "s3:GetObject", resource: "arn:aws:s3:::b/k"}
	foreign := request{principal: "arn:aws:iam::888888888888:role/x", account: "888888888888", action: "s3:GetObject", resource: "arn:aws:s3:::b/k"}
	outsider := request{principal: "arn:aws:iam::999999999999:role/intruder", account: "999999999999", action: "s3:GetObject", resource: "arn:aws:s3:::b/k"}
	leftOrg := member
	leftOrg.orgID = noOrganization
	joined := outsider
	joined.orgID = ourOrg
	requests := []request{throughOwn, member, owner, foreign, outsider, leftOrg, joined}
	for i, want := range []string{ourOrg, ourOrg, ourOrg, otherOrg, "", "", ourOrg} {
		got, present := requests[i].context()["aws:principalorgid"]
		if got != want || present != (want != "") {
			t.Errorf("request %d (%s, orgID %q): aws:PrincipalOrgID %q (present %v), want %q", i, requests[i].account, requests[i].orgID, got, present, want)
		}
	}
	for _, tc := range []struct {
		condition string
		want      [7]bool // member through its own endpoint, member without, owner, other organization, no organization, member taken out, outsider put in
	}{
		{`{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}`, [7]bool{true, true, true, false, false, false, true}},
		{`{"StringEquals":{"aws:principalorgid":["o-zzzzzzzzzz","o-a1b2c3d4e5"]}}`, [7]bool{true, true, true, true, false, false, true}},
		// Negated, and ...IfExists: a missing key makes them true.
		{`{"StringNotEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}`, [7]bool{false, false, false, true, true, true, false}},
		{`{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}`, [7]bool{true, true, true, false, true, true, true}},
		{`{"StringLike":{"aws:PrincipalOrgID":"o-*"}}`, [7]bool{true, true, true, true, false, false, true}},
		{`{"Null":{"aws:PrincipalOrgID":"true"}}`, [7]bool{false, false, false, false, true, true, false}},
		// As a variable it has a value only where it is present.
		{`{"StringEquals":{"aws:PrincipalOrgID":"${aws:PrincipalOrgID}"}}`, [7]bool{true, true, true, true, false, false, true}},
		{`{"StringNotEquals":{"aws:PrincipalArn":"${aws:PrincipalOrgID}"}}`, [7]bool{true, true, true, true, true, true, true}},
		// The by-organization Allow's condition, whole.
		{`{"StringEquals":{"aws:PrincipalOrgID":["o-a1b2c3d4e5"],"aws:VpceAccount":["${aws:PrincipalAccount}"]}}`, [7]bool{true, false, false, false, false, false, false}},
		// The by-organization perimeter's condition, whole: the organization but the owner, outside
		// an endpoint of the caller's own account.
		{`{"StringEquals":{"aws:PrincipalOrgID":["o-a1b2c3d4e5"]},"StringNotEquals":{"aws:PrincipalAccount":["111111111111"]},"StringNotEqualsIfExists":{"aws:VpceAccount":["${aws:PrincipalAccount}"]}}`,
			[7]bool{false, true, false, false, false, false, true}},
	} {
		doc := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":` + tc.condition + `}]}`
		var got [7]bool
		for i, r := range requests {
			got[i] = evaluate(t, doc, r) == allowed
		}
		if got != tc.want {
			t.Errorf("%s: (member through its own endpoint, member without, owner, other organization, no organization, member taken out, outsider put in) = %v, want %v", tc.condition, got, tc.want)
		}
	}
}
