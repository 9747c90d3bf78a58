package policydoc

import (
	"fmt"
	"regexp"
	"strings"

	"cross-account-s3/spec"
)

// The rules a kept bucket-policy statement (spec.Spec.ExtraBucketStatements) must pass. They are
// the same rules as the policy pack's (policies/bucket_policy.rego, rule deny_<Rule>), which
// judges the whole rendered policy at `pulumi preview --policy-pack`; a test in policies/ runs one
// set of statements through both and requires the same rules to fire. Here they run in
// validation, before anything is registered, and name the statement's config key.
const (
	// RuleInvalidEffect: Effect is neither "Allow" nor "Deny".
	RuleInvalidEffect = "invalid_effect"
	// RuleStatementIncomplete: no Principal, Action or Resource (nor their Not* forms), or a
	// Principal that is neither "*" nor an object. S3 refuses such a policy.
	RuleStatementIncomplete = "statement_incomplete"
	// RuleNotPrincipal: any NotPrincipal. With Deny it applies to every principal not listed, and a
	// listed role does not exempt its sessions, so it locks out the consumer roles; with Allow it
	// is not supported (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
	RuleNotPrincipal = "not_principal"
	// RulePublicAllow: an Allow to principal "*" or {"AWS": "*"} makes the bucket public.
	RulePublicAllow = "public_allow"
	// RuleCrossAccountWithoutEndpoint: an Allow to a principal of another account than the owner's
	// without a condition that pins the request to named VPC endpoints or VPCs: StringEquals or
	// StringLike on aws:SourceVpce/aws:SourceVpc with vpce-…/vpc-… IDs and no wildcards.
	// Operators that a request without the key passes (…IfExists, Not…, Null) do not pin it.
	RuleCrossAccountWithoutEndpoint = "cross_account_without_endpoint"
	// RuleEveryoneVpcLockout: a Deny on principal "*" conditioned on aws:SourceVpce/aws:SourceVpc
	// also denies the console, CI and the deploying role; only the account root can repair it.
	RuleEveryoneVpcLockout = "everyone_vpc_lockout"
	// RuleForeignResource: a Resource or NotResource that is not this bucket or a key in it. S3
	// refuses a bucket policy that names another bucket ("Policy has invalid resource").
	RuleForeignResource = "foreign_resource"
	// RuleUnknownS3Action: an Action or NotAction that is not "*" and names (or, with wildcards,
	// matches) no S3 action of spec/data/s3-actions.txt.
	RuleUnknownS3Action = "unknown_s3_action"
)

// SharedStatementRules are the rules above, in the order StatementFindings reports them.
var SharedStatementRules = []string{
	RuleInvalidEffect, RuleStatementIncomplete, RuleNotPrincipal, RulePublicAllow,
	RuleCrossAccountWithoutEndpoint, RuleEveryoneVpcLockout, RuleForeignResource, RuleUnknownS3Action,
}

// Finding is one rule a kept statement breaks, with the message for the user.
type Finding struct {
	Rule    string
	Message string
}

var (
	accountARNPattern = regexp.MustCompile(`^arn:[a-z-]+:(?:iam|sts)::(\d{12}):`)
	accountIDOnly     = regexp.MustCompile(`^\d{12}$`)
	vpceIDPattern     = regexp.MustCompile(`^vpce-[0-9a-f]+$`)
	vpcIDOnlyPattern  = regexp.MustCompile(`^vpc-[0-9a-f]+$`)
)

// StatementFindings checks one kept statement against the shared rules. Sid checks, which need
// this stack's own Sids, are Check's.
func StatementFindings(s spec.Spec, st map[string]any) []Finding {
	var out []Finding
	add := func(rule, format string, args ...any) {
		out = append(out, Finding{Rule: rule, Message: fmt.Sprintf(format, args...)})
	}
	bucketARN := spec.BucketARN(s.Bucket.Account.Region, s.Bucket.Name)
	owner := s.Bucket.Account.ID
	example := fmt.Sprintf(`"Principal": {"AWS": "arn:%s:iam::%s:role/auditor"}`, spec.Partition(s.Bucket.Account.Region), orExampleAccount(owner))

	effect, _ := st["Effect"].(string)
	if effect != "Allow" && effect != "Deny" {
		add(RuleInvalidEffect, `Effect must be "Allow" or "Deny"`)
	}

	var missing []string
	for _, el := range []string{"Principal", "Action", "Resource"} {
		if !present(st[el]) && !present(st["Not"+el]) {
			missing = append(missing, el)
		}
	}
	switch {
	case len(missing) > 0:
		add(RuleStatementIncomplete, `lacks %s; a bucket-policy statement needs Principal, Action and Resource, e.g. %s, "Action": "s3:GetObject", "Resource": "%s/audit/*"`,
			strings.Join(missing, " and "), example, bucketARN)
	case present(st["Principal"]) && !validPrincipalShape(st["Principal"]):
		add(RuleStatementIncomplete, `has a Principal of the wrong shape; write "*" or an object, e.g. %s`, example)
	}

	if present(st["NotPrincipal"]) {
		add(RuleNotPrincipal, `uses NotPrincipal: a Deny with NotPrincipal applies to every principal not listed, and listing a role does not exempt its sessions, so it locks out the consumer roles (and Allow with NotPrincipal is not supported); name the principals in Principal instead, e.g. %s`, example)
	}

	if effect == "Allow" && everyone(st["Principal"]) {
		add(RulePublicAllow, `allows principal "*", which makes the bucket public; name the principals instead, e.g. %s`, example)
	}
	if effect == "Allow" && !pinnedToEndpoints(st["Condition"]) {
		var foreign []string
		for _, p := range awsPrincipals(st["Principal"]) {
			if p != "*" && principalAccount(p) != owner {
				foreign = append(foreign, p)
			}
		}
		if len(foreign) > 0 {
			add(RuleCrossAccountWithoutEndpoint, `allows %s of another account without a VPC endpoint condition, so it works from anywhere; add "Condition": {"StringEquals": {"aws:SourceVpce": ["vpce-0123456789abcdef0"]}} (or aws:SourceVpc with a vpc- ID), as this stack's own grants do`,
				strings.Join(foreign, ", "))
		}
	}
	if effect == "Deny" && everyone(st["Principal"]) && hasVpcCondition(st["Condition"]) {
		add(RuleEveryoneVpcLockout, `denies principal "*" on an aws:SourceVpce/aws:SourceVpc condition, which also locks out the console, CI and this stack's own deploys; scope the Deny to the consumer roles`)
	}

	for _, el := range []string{"Resource", "NotResource"} {
		for _, r := range values(st[el]) {
			if v, ok := r.(string); !ok || (v != bucketARN && !strings.HasPrefix(v, bucketARN+"/")) {
				add(RuleForeignResource, `%s %s is not this bucket; a bucket policy can only name %s and keys in it, e.g. %s/audit/*`, el, quote(r), bucketARN, bucketARN)
			}
		}
	}
	for _, el := range []string{"Action", "NotAction"} {
		for _, a := range values(st[el]) {
			if msg := unknownActionProblem(a); msg != "" {
				add(RuleUnknownS3Action, "%s %s", el, msg)
			}
		}
	}
	return out
}

func unknownActionProblem(a any) string {
	v, ok := a.(string)
	switch {
	case !ok:
		return fmt.Sprintf("%s is not an action; write a string such as s3:GetObject", quote(a))
	case v == "*":
		return ""
	case !strings.HasPrefix(strings.ToLower(v), "s3:"):
		return fmt.Sprintf("%q is not an S3 action; a bucket policy takes s3: actions only, e.g. s3:GetObject", v)
	case len(spec.MatchS3Actions(v)) > 0:
		return ""
	case strings.ContainsAny(v, "*?"):
		return fmt.Sprintf("%q matches no S3 action (spec/data/s3-actions.txt lists the ones AWS documents); e.g. s3:Get* or s3:GetObject", v)
	}
	hint := "e.g. s3:GetObject"
	if near := spec.NearestS3Action(v); near != "" {
		hint = "did you mean " + near + "?"
	}
	return fmt.Sprintf("%q is not an S3 action (spec/data/s3-actions.txt lists the ones AWS documents); %s", v, hint)
}

func quote(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	b, err := marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func orExampleAccount(id string) string {
	if accountIDOnly.MatchString(id) {
		return id
	}
	return "111111111111"
}

// present: set to something other than null, "", [] or {}.
func present(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// values is a policy element as a list: one value or an array of them.
func values(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return []any{v}
}

func validPrincipalShape(p any) bool {
	if p == "*" {
		return true
	}
	_, ok := p.(map[string]any)
	return ok
}

// everyone: Principal "*" or {"AWS": "*"} (alone or in a list).
func everyone(principal any) bool {
	if principal == "*" {
		return true
	}
	for _, p := range awsPrincipals(principal) {
		if p == "*" {
			return true
		}
	}
	return false
}

// awsPrincipals are the values under Principal.AWS, as strings (others rendered as JSON).
func awsPrincipals(principal any) []string {
	m, ok := principal.(map[string]any)
	if !ok {
		return nil
	}
	var out []string
	for _, v := range values(m["AWS"]) {
		if s, ok := v.(string); ok {
			out = append(out, s)
		} else {
			out = append(out, quote(v))
		}
	}
	return out
}

// principalAccount is the account of an ARN or bare account ID; "" when it has none.
func principalAccount(p string) string {
	if accountIDOnly.MatchString(p) {
		return p
	}
	if m := accountARNPattern.FindStringSubmatch(p); m != nil {
		return m[1]
	}
	return ""
}

// hasVpcCondition: the Condition tests aws:SourceVpce or aws:SourceVpc, under any operator
// (condition keys are case-insensitive).
func hasVpcCondition(condition any) bool {
	ops, _ := condition.(map[string]any)
	for _, keys := range ops {
		m, _ := keys.(map[string]any)
		for k := range m {
			if isVpcKey(k) {
				return true
			}
		}
	}
	return false
}

func isVpcKey(k string) bool {
	return strings.EqualFold(k, keySourceVpce) || strings.EqualFold(k, "aws:SourceVpc")
}

// pinnedToEndpoints: some StringEquals or StringLike tests aws:SourceVpce with vpce- IDs, or
// aws:SourceVpc with vpc- IDs, every value a plain ID. A request without the key fails such a
// condition ("If the key ... is not present in the request context, the values do not match",
// docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html),
// so the Allow then holds only through those endpoints or VPCs.
func pinnedToEndpoints(condition any) bool {
	ops, _ := condition.(map[string]any)
	for op, keys := range ops {
		if op != "StringEquals" && op != "StringLike" {
			continue
		}
		m, _ := keys.(map[string]any)
		for k, raw := range m {
			pattern := vpcIDOnlyPattern
			switch {
			case strings.EqualFold(k, keySourceVpce):
				pattern = vpceIDPattern
			case !strings.EqualFold(k, "aws:SourceVpc"):
				continue
			}
			vs := values(raw)
			ok := len(vs) > 0
			for _, v := range vs {
				s, isString := v.(string)
				ok = ok && isString && pattern.MatchString(s)
			}
			if ok {
				return true
			}
		}
	}
	return false
}
