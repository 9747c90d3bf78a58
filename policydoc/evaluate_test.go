package policydoc

import (
	"encoding/json"
	"regexp"
	"strings"
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
//     (NORed for negated operators), keys and operators are ANDed.

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
}

// context is the request context, keys lowercased (condition keys are case-insensitive).
// aws:SourceVpce is there only for a request through an endpoint.
func (r request) context() map[string]string {
	ctx := map[string]string{
		"aws:principalaccount": r.account,
		"aws:principalarn":     r.principal,
		"aws:securetransport":  "true",
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
	var parsed struct {
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(doc), &parsed); err != nil {
		t.Fatalf("evaluator: %v\n%s", err, doc)
	}
	d := implicitDeny
	for _, st := range parsed.Statement {
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
		conditionsHold(t, st["Condition"], r.context())
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
		re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(p)) + "$"
		if regexp.MustCompile(re).MatchString(value) {
			return true
		}
	}
	return false
}

func conditionsHold(t *testing.T, condition any, ctx map[string]string) bool {
	t.Helper()
	ops, _ := condition.(map[string]any)
	for op, rawKeys := range ops {
		for key, rawValues := range rawKeys.(map[string]any) {
			v, present := ctx[strings.ToLower(key)]
			vals := spec.AsList(rawValues)
			if op == "Null" {
				if (vals[0] == "true") != !present {
					return false
				}
				continue
			}
			base, ifExists := strings.CutSuffix(op, "IfExists")
			negated := strings.Contains(base, "Not")
			if !present {
				if ifExists || negated {
					continue
				}
				return false
			}
			var hit bool
			switch base {
			case "StringEquals", "StringNotEquals", "Bool":
				for _, x := range vals {
					hit = hit || x == v
				}
			case "StringLike", "StringNotLike":
				hit = anyGlob(vals, v, false)
			default:
				t.Fatalf("evaluator: operator %s is not modelled", op)
			}
			if hit == negated {
				return false
			}
		}
	}
	return true
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
