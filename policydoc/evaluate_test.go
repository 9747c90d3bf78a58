package policydoc

import (
	"regexp"
	"strings"
)

// A small evaluator of the documents this package writes, for tests that check what they let
// through. It knows the subset used here: Principal "*" or AWS ARNs (an account's root ARN stands
// for every principal of the account), Action and Resource with * wildcards, and the condition
// operators StringEquals, StringNotEquals, StringLike, Null and Bool.

type request struct {
	principal string // role ARN
	account   string
	action    string
	resource  string
	vpce      string // "" when the request does not come through a VPC endpoint
}

func (r request) context() map[string]string {
	ctx := map[string]string{"aws:PrincipalAccount": r.account, "aws:SecureTransport": "true"}
	if r.vpce != "" {
		ctx["aws:SourceVpce"] = r.vpce
	}
	return ctx
}

// decide is IAM's order: an explicit Deny wins, then an Allow, else the implicit deny.
func decide(doc Document, r request) (allowed bool) {
	allow := false
	for _, raw := range doc.Statement {
		st := raw.(Statement)
		if !matchesStatement(st, r) {
			continue
		}
		if st.Effect == "Deny" {
			return false
		}
		allow = true
	}
	return allow
}

func matchesStatement(st Statement, r request) bool {
	return matchesPrincipal(st.Principal, r) && anyGlob(st.Action, r.action) &&
		anyGlob(st.Resource, r.resource) && conditionsHold(st.Condition, r.context())
}

func matchesPrincipal(p any, r request) bool {
	if p == nil || p == Everyone {
		return true
	}
	for _, arn := range p.(map[string]Strings)["AWS"] {
		if arn == r.principal || strings.HasSuffix(arn, ":"+r.account+":root") {
			return true
		}
	}
	return false
}

func anyGlob(patterns []string, value string) bool {
	for _, p := range patterns {
		if regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(p), `\*`, ".*") + "$").MatchString(value) {
			return true
		}
	}
	return false
}

func conditionsHold(c Condition, ctx map[string]string) bool {
	for op, keys := range c {
		for key, values := range keys {
			v, present := ctx[key]
			var ok bool
			switch op {
			case "StringEquals", "Bool":
				ok = present && contains(values, v)
			case "StringNotEquals":
				ok = !present || !contains(values, v)
			case "StringLike":
				ok = present && anyGlob(values, v)
			case "Null":
				ok = (values[0] == "true") == !present
			default:
				panic("evaluator: operator " + op)
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

func contains(values []string, v string) bool {
	for _, x := range values {
		if x == v {
			return true
		}
	}
	return false
}
