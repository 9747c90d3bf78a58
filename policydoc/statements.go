package policydoc

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"cross-account-s3/spec"
)

// The rules a kept bucket-policy statement (spec.Spec.ExtraBucketStatements) must pass. They are
// the same rules as the policy pack's (policies/bucket_policy.rego, rule deny_<Rule>), which
// judges the whole rendered policy at `pulumi preview --policy-pack`; a test in policies/ runs one
// set of statements through both and requires the same rules to fire. Here they run in
// validation, before anything is registered, and name the statement's config key.
//
// Principal types (AWS, CanonicalUser, Service, Federated) are read in any case of the key, so
// that {"aws": "*"} is judged as {"AWS": "*"}; the statement's own elements are not (a
// "principal" next to a "Principal" is refused, RuleDuplicateElement).
const (
	// RuleInvalidEffect: Effect is neither "Allow" nor "Deny".
	RuleInvalidEffect = "invalid_effect"
	// RuleUnknownElement: a top-level element other than Sid, Effect, Principal, NotPrincipal,
	// Action, NotAction, Resource, NotResource and Condition, spelt exactly so. A misspelt or
	// mis-cased element ("principal") is not the element the rules judge. (Keys that differ only
	// in case from another key are RuleDuplicateElement's.)
	RuleUnknownElement = "unknown_element"
	// RuleDuplicateElement: two elements that differ only in case ("Principal" and "principal"):
	// which of them AWS reads is not this stack's to guess, and the other would pass unjudged.
	RuleDuplicateElement = "duplicate_element"
	// RuleStatementIncomplete: no Principal, Action or Resource (nor their Not* forms), or a
	// Principal that is neither "*" nor an object of principal types (AWS, Service,
	// CanonicalUser, Federated). S3 refuses such a policy.
	RuleStatementIncomplete = "statement_incomplete"
	// RuleNotPrincipal: any NotPrincipal. With Deny it applies to every principal not listed, and a
	// listed role does not exempt its sessions, so it locks out the consumer roles; with Allow it
	// is not supported (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
	RuleNotPrincipal = "not_principal"
	// RulePublicAllow: an Allow to principal "*", or "*" under AWS, CanonicalUser or Federated,
	// makes the bucket public. Not a "*" (or AWS "*") that a StringEquals on aws:PrincipalOrgID
	// limits to fixed organization IDs (o-…, no wildcard, no policy variable): S3 does not count
	// that as public ("To be considered non-public, a bucket policy must grant access only to
	// fixed values (values that don't contain a wildcard or an AWS Identity and Access Management
	// Policy Variable) for one or more of the following: An AWS principal, user, role, or service
	// principal (e.g. aws:PrincipalOrgID)", S3 user guide, "The meaning of public",
	// docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
	// #access-control-block-public-access-policy-status), and it is the by-organization grouping's
	// own form. Only aws:PrincipalOrgID counts here, not the other keys of that list; a "*" pinned
	// only by aws:CalledVia or aws:VpceAccount stays public.
	RulePublicAllow = "public_allow"
	// RuleServiceWildcard: an Allow to a Service principal with a wildcard ({"Service": "*"}):
	// every AWS service, acting for any account, may use the grant.
	RuleServiceWildcard = "service_wildcard"
	// RuleServiceWithoutSource: an Allow that lets a Service principal write to the bucket (any
	// action of access level Write, wildcards expanded, or NotAction) without a condition naming
	// whose resource the service acts for: StringEquals/StringLike/ArnEquals/ArnLike on
	// aws:SourceAccount (12-digit IDs), aws:SourceArn (ARNs) or aws:SourceOrgID (o- IDs).
	// Without one, the service writes for any account that points it at the bucket: the
	// confused-deputy problem (docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
	RuleServiceWithoutSource = "service_without_source"
	// RuleCrossAccountWithoutEndpoint: an Allow to a principal of another account than the owner's
	// without a condition that pins the request to VPC endpoints or to AWS services calling for
	// the principal. Pins: StringEquals or StringLike on aws:SourceVpce/aws:SourceVpc with
	// vpce-…/vpc-… IDs; StringEquals on aws:VpceAccount with 12-digit account IDs or exactly
	// "${aws:PrincipalAccount}" (the request comes through an endpoint owned by that account, or
	// by the caller's own: the by-account grouping's form; the key is absent outside endpoints,
	// docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-vpceaccount);
	// ForAnyValue:StringEquals (or StringEquals) on aws:CalledVia with plain service principals
	// such as athena.amazonaws.com (the grant holds only for requests those services make with the
	// principal's credentials: the ...ViaServices form). Every value must be of that form, with no
	// wildcards. Operators that a request without the key passes (…IfExists, Not…, Null) do not
	// pin it. A CanonicalUser, a Federated principal that is not an ARN of an account, and an AWS
	// value that is not an account's ARN or ID are of an unknown account, and so of another account.
	// So is "*" (or AWS "*") limited to organizations (limitedToOrganization: not RulePublicAllow),
	// which admits every account of them: outside spec.GroupByOrganization the perimeter Deny binds
	// only the consumer accounts, so it needs a pin too. With spec.GroupByOrganization it does not
	// when it admits the stack's organization only (withinOrganization) and the stack has a
	// consumer (so BucketPolicy writes the perimeter Deny): that Deny binds every account of the
	// organization but the owner's to endpoints that account owns, and holds the Allow.
	RuleCrossAccountWithoutEndpoint = "cross_account_without_endpoint"
	// RuleOutsidePerimeter: an Allow to a principal of an account that is neither the bucket
	// owner's nor a consumer account (unknown accounts included). The perimeter Deny
	// (DenyConsumerAccountsOutsideVpcEndpoints) binds only the consumer accounts to this stack's
	// endpoints; another account would be held only by its statement's own condition, on
	// endpoints this stack neither created nor checks. docs/kept-statements.md says why. With
	// spec.GroupByOrganization the perimeter Deny names the organization, not accounts, and
	// which accounts are in it is known to neither these rules nor the pack: the perimeter is
	// then empty, and a kept Allow may name the owner's account only (the organization's
	// accounts get their access from the stack's own grants).
	RuleOutsidePerimeter = "outside_perimeter"
	// RuleEveryoneVpcLockout: a Deny on principal "*" conditioned on a VPC endpoint key
	// (aws:SourceVpce, aws:SourceVpc, aws:VpceAccount, aws:VpceOrgID, aws:VpceOrgPaths) also denies
	// the console, CI and the deploying role; only the account root can repair it. Unless the Deny
	// is scoped to other accounts: a StringEquals on aws:PrincipalAccount whose values are all
	// 12-digit IDs, none of them the bucket owner's (the by-account grouping's perimeter); or a
	// StringEquals on aws:PrincipalOrgID together with a StringNotEquals on aws:PrincipalAccount
	// whose values are all 12-digit IDs, the owner's among them (the by-organization grouping's
	// perimeter: the organization but the owner's account). A Deny scoped by aws:PrincipalOrgID
	// alone still fires: the owner's account is in the organization.
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
	RuleInvalidEffect, RuleUnknownElement, RuleDuplicateElement, RuleStatementIncomplete, RuleNotPrincipal,
	RulePublicAllow, RuleServiceWildcard, RuleServiceWithoutSource, RuleCrossAccountWithoutEndpoint,
	RuleOutsidePerimeter, RuleEveryoneVpcLockout, RuleForeignResource, RuleUnknownS3Action,
}

// Finding is one rule a kept statement breaks, with the message for the user.
type Finding struct {
	Rule    string
	Message string
}

// StatementElements are the top-level elements of a bucket-policy statement, as AWS spells them.
var StatementElements = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}

// Principal types of a Principal object, as AWS spells them.
const (
	PrincipalAWS           = "AWS"
	PrincipalCanonicalUser = "CanonicalUser"
	PrincipalService       = "Service"
	PrincipalFederated     = "Federated"
)

var principalTypes = []string{PrincipalAWS, PrincipalCanonicalUser, PrincipalService, PrincipalFederated}

var (
	accountARNPattern = regexp.MustCompile(`^arn:[a-z-]+:(?:iam|sts)::(\d{12}):`)
	accountIDOnly     = regexp.MustCompile(`^\d{12}$`)
	vpceIDPattern     = regexp.MustCompile(`^vpce-[0-9a-f]+$`)
	vpcIDOnlyPattern  = regexp.MustCompile(`^vpc-[0-9a-f]+$`)
	orgIDPattern      = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	// An account ID, or the caller's own account, as a value of aws:VpceAccount.
	vpceAccountValue = regexp.MustCompile(`^(?:\d{12}|\$\{aws:PrincipalAccount\})$`)
	// A service principal without wildcards, as aws:CalledVia names a service (as spec's).
	servicePrincipalOnly = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*\.amazonaws\.com(\.cn)?$`)
)

// PerimeterAccounts are the accounts the perimeter Deny binds to this stack's endpoints: the
// consumer accounts of s, sorted, each once (as BucketPolicy renders them).
func PerimeterAccounts(s spec.Spec) []string {
	var ids []string
	for _, c := range s.Consumers {
		if c.Account.ID != "" {
			ids = append(ids, c.Account.ID)
		}
	}
	return spec.SortedUnique(ids)
}

// StatementFindings checks one kept statement against the shared rules, with the consumer accounts
// of s as the perimeter (none with spec.GroupByOrganization: statementFindings). Sid checks, which
// need this stack's own Sids, are Check's.
func StatementFindings(s spec.Spec, st map[string]any) []Finding {
	return statementFindings(s, PerimeterAccounts(s), st)
}

// statementFindings judges st with perimeter as the accounts the perimeter Deny binds; with
// spec.GroupByOrganization it ignores perimeter and judges with none, whoever calls it (Check,
// CheckOwner, StatementFindings): that perimeter names the organization, whose accounts neither
// these rules nor the pack can list, so a kept Allow may grant the owner's account only
// (RuleOutsidePerimeter), as the pack, which finds no account in that Deny, decides too.
func statementFindings(s spec.Spec, perimeter []string, st map[string]any) []Finding {
	byOrganization := s.Grouping() == spec.GroupByOrganization
	// The by-organization perimeter Deny is written once there is a consumer (BucketPolicy); for
	// CheckOwner, once the consumer stacks may grant an account. Only then does it bind the
	// organization's accounts to their endpoints (RuleCrossAccountWithoutEndpoint).
	organizationPerimeter := byOrganization && (len(s.Consumers) > 0 || len(perimeter) > 0)
	if byOrganization {
		perimeter = nil
	}
	var out []Finding
	add := func(rule, format string, args ...any) {
		out = append(out, Finding{Rule: rule, Message: fmt.Sprintf(format, args...)})
	}
	bucketARN := spec.BucketARN(s.Bucket.Account.Region, s.Bucket.Name)
	owner := s.Bucket.Account.ID
	partition := spec.Partition(s.Bucket.Account.Region)
	example := fmt.Sprintf(`"Principal": {"AWS": "arn:%s:iam::%s:role/auditor"}`, partition, orExampleAccount(owner))

	effect, _ := st["Effect"].(string)
	if effect != "Allow" && effect != "Deny" {
		add(RuleInvalidEffect, `Effect must be "Allow" or "Deny"`)
	}

	twins := sameButCase(st)
	for _, k := range spec.SortedKeys(st) {
		if known := elementNamed(k); known != k && !inGroups(twins, k) {
			hint := "remove it"
			if known != "" {
				hint = fmt.Sprintf("write it as %q", known)
			}
			add(RuleUnknownElement, `has the element %q, which is not a statement element (%s); %s`, k, strings.Join(StatementElements, ", "), hint)
		}
	}
	for _, group := range twins {
		add(RuleDuplicateElement, `has the elements %s, which differ only in case; keep one, spelt as AWS does, e.g. "Principal": {"AWS": [...]}`, strings.Join(quoteAll(group), " and "))
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
	case present(st["Principal"]) && len(unknownPrincipalTypes(st["Principal"])) > 0:
		add(RuleStatementIncomplete, `has a Principal with %s, which is not a principal type; use AWS, Service, CanonicalUser or Federated, e.g. %s`,
			strings.Join(quoteAll(unknownPrincipalTypes(st["Principal"])), " and "), example)
	}

	if present(st["NotPrincipal"]) {
		add(RuleNotPrincipal, `uses NotPrincipal: a Deny with NotPrincipal applies to every principal not listed, and listing a role does not exempt its sessions, so it locks out the consumer roles (and Allow with NotPrincipal is not supported); name the principals in Principal instead, e.g. %s`, example)
	}

	principals := principalsOf(st["Principal"])
	if effect == "Allow" && publicPrincipal(st["Principal"], st["Condition"]) {
		add(RulePublicAllow, `allows principal "*", which makes the bucket public; name the principals instead, e.g. %s`, example)
	}
	var services, wildServices []string
	for _, p := range principals {
		if p.typ == PrincipalService {
			if strings.ContainsAny(p.value, "*?") {
				wildServices = append(wildServices, p.value)
			} else {
				services = append(services, p.value)
			}
		}
	}
	if effect == "Allow" && len(wildServices) > 0 {
		add(RuleServiceWildcard, `allows the service principal %s, which is every AWS service acting for any account; name the service and the account it acts for, e.g. "Principal": {"Service": "logging.s3.amazonaws.com"}, "Condition": {"StringEquals": {"aws:SourceAccount": "%s"}}`,
			strings.Join(quoteAll(wildServices), ", "), orExampleAccount(owner))
	}
	if effect == "Allow" && len(services) > 0 && grantsWrites(st) && !confinedToSource(st["Condition"]) {
		add(RuleServiceWithoutSource, `lets the service %s write to the bucket without a condition on aws:SourceAccount, aws:SourceArn or aws:SourceOrgID, so the service writes for any account that points it here (the confused-deputy problem, https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html); add e.g. "Condition": {"StringEquals": {"aws:SourceAccount": "%s"}}`,
			strings.Join(services, ", "), orExampleAccount(owner))
	}
	if effect == "Allow" {
		var foreign, outside []string
		anyUnknown := false
		for _, p := range principals {
			if p.typ == PrincipalService || p.value == "*" {
				continue
			}
			acct := p.account()
			if acct == owner {
				continue
			}
			foreign = append(foreign, p.String())
			if !slices.Contains(perimeter, acct) {
				outside = append(outside, p.String())
				anyUnknown = anyUnknown || acct == ""
			}
		}
		if len(foreign) > 0 && !pinnedToEndpoints(st["Condition"]) {
			add(RuleCrossAccountWithoutEndpoint, `allows %s of another account without a VPC endpoint condition (or an aws:CalledVia one), so it works from anywhere; add "Condition": {"StringEquals": {"aws:SourceVpce": ["vpce-0123456789abcdef0"]}} (or aws:SourceVpc with a vpc- ID, or aws:VpceAccount with account IDs or "%s"), as this stack's own grants do; or, for requests an AWS service makes with the principal's credentials, "Condition": {"ForAnyValue:StringEquals": {"aws:CalledVia": ["athena.amazonaws.com"]}}`,
				strings.Join(foreign, ", "), CallerAccount)
		}
		if orgs := organizationWide(st["Principal"], st["Condition"]); len(orgs) > 0 && !pinnedToEndpoints(st["Condition"]) &&
			!(organizationPerimeter && withinOrganization(st["Condition"], s.OrganizationID)) {
			add(RuleCrossAccountWithoutEndpoint, `allows principal "*" limited by aws:PrincipalOrgID to %s without a VPC endpoint condition (or an aws:CalledVia one), so any account there that the perimeter Deny does not bind to endpoints can use it from anywhere; add "StringEquals": {"aws:VpceAccount": "%s"} next to aws:PrincipalOrgID, so that each principal comes only through its own account's endpoints, or "aws:SourceVpce" naming the endpoints, e.g. ["vpce-0123456789abcdef0"]`,
				organizationsLabel(orgs), CallerAccount)
		}
		if len(outside) > 0 && byOrganization {
			org := s.OrganizationID
			if org == "" {
				org = "(not set)"
			}
			add(RuleOutsidePerimeter, `allows %s, whose account is not the bucket owner's (%s): with %s %q a kept statement may grant only the owner's account, because the organization grant (aws:PrincipalOrgID %s) already admits the organization's accounts, each through its own endpoints, and the perimeter Deny names no account that a kept grant to another could be checked against (docs/kept-statements.md); give that access through the stack's own grants (actions, prefixes; they reach every account of the organization), or grant a principal of the owner's account, e.g. "Principal": {"AWS": "arn:%s:iam::%s:role/auditor"}`,
				strings.Join(outside, ", "), owner, spec.PathBucketPolicyGrouping, spec.GroupByOrganization, org, partition, orExampleAccount(owner))
		} else if len(outside) > 0 {
			unknown := ""
			if anyUnknown {
				unknown = " (a CanonicalUser, or a principal that is not an account's ARN or ID, names no account)"
			}
			add(RuleOutsidePerimeter, `allows %s, whose account is neither the bucket owner's (%s) nor a consumer account (%s)%s: the perimeter Deny binds only the consumer accounts to this stack's endpoints, so that account would be held only by this statement's own condition, on endpoints this stack neither created nor checks (docs/kept-statements.md); make the account a consumer, or grant a principal of a consumer account, e.g. "Principal": {"AWS": "arn:%s:iam::%s:role/auditor"}`,
				strings.Join(outside, ", "), owner, spec.JoinOrNone(perimeter), unknown, partition, firstOr(perimeter, "222222222222"))
		}
	}
	if effect == "Deny" && everyone(st["Principal"]) && hasEndpointCondition(st["Condition"]) &&
		!scopedToOtherAccounts(st["Condition"], owner) && !organizationButOwner(st["Condition"], owner) {
		add(RuleEveryoneVpcLockout, `denies principal "*" on a VPC endpoint condition (%s), which also locks out the console, CI and this stack's own deploys; scope the Deny to the consumer roles, or to other accounts than the bucket owner's (%s) with "StringEquals": {"aws:PrincipalAccount": [...]}`,
			strings.Join(endpointKeys[:len(endpointKeys)-1], ", ")+" or "+endpointKeys[len(endpointKeys)-1], owner)
	}

	for _, el := range []string{"Resource", "NotResource"} {
		for _, r := range spec.AsList(st[el]) {
			if v, ok := r.(string); !ok || (v != bucketARN && !strings.HasPrefix(v, bucketARN+"/")) {
				add(RuleForeignResource, `%s %s is not this bucket; a bucket policy can only name %s and keys in it, e.g. %s/audit/*`, el, quote(r), bucketARN, bucketARN)
			}
		}
	}
	for _, el := range []string{"Action", "NotAction"} {
		for _, a := range spec.AsList(st[el]) {
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

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

func orExampleAccount(id string) string {
	if accountIDOnly.MatchString(id) {
		return id
	}
	return "111111111111"
}

func firstOr(ids []string, fallback string) string {
	if len(ids) == 0 {
		return fallback
	}
	return ids[0]
}

// elementNamed is the statement element k names in any case ("" for none).
func elementNamed(k string) string {
	for _, el := range StatementElements {
		if strings.EqualFold(el, k) {
			return el
		}
	}
	return ""
}

// sameButCase groups the keys of m that are equal but for case, each group sorted; groups in
// order of their first key.
func sameButCase(m map[string]any) [][]string {
	byLower := map[string][]string{}
	for _, k := range spec.SortedKeys(m) {
		byLower[strings.ToLower(k)] = append(byLower[strings.ToLower(k)], k)
	}
	var out [][]string
	for _, k := range spec.SortedKeys(m) {
		if g := byLower[strings.ToLower(k)]; len(g) > 1 && g[0] == k {
			out = append(out, g)
		}
	}
	return out
}

func inGroups(groups [][]string, k string) bool {
	for _, g := range groups {
		if slices.Contains(g, k) {
			return true
		}
	}
	return false
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

func validPrincipalShape(p any) bool {
	if p == "*" {
		return true
	}
	_, ok := p.(map[string]any)
	return ok
}

// principalType is the principal type a Principal key names in any case ("" for none).
func principalType(k string) string {
	for _, t := range principalTypes {
		if strings.EqualFold(t, k) {
			return t
		}
	}
	return ""
}

// unknownPrincipalTypes are the keys of a Principal object that name no principal type, sorted.
func unknownPrincipalTypes(principal any) []string {
	m, _ := principal.(map[string]any)
	var out []string
	for _, k := range spec.SortedKeys(m) {
		if principalType(k) == "" {
			out = append(out, k)
		}
	}
	return out
}

// principal is one value of a Principal object, with its type as AWS spells it.
type principal struct {
	typ   string
	value string // non-strings rendered as JSON
}

func (p principal) String() string {
	if p.typ == PrincipalAWS {
		return p.value
	}
	return p.typ + " " + p.value
}

// account is the principal's account: an AWS or Federated ARN's, or a bare account ID under AWS;
// "" when it has none that can be read (every CanonicalUser: a canonical user ID does not say
// which account it belongs to).
func (p principal) account() string {
	switch p.typ {
	case PrincipalAWS:
		return principalAccount(p.value)
	case PrincipalFederated:
		if m := accountARNPattern.FindStringSubmatch(p.value); m != nil {
			return m[1]
		}
	}
	return ""
}

// principalsOf lists the values of a Principal object by type, the type keys in any case, in
// key order; nil for "*" or anything that is not an object.
func principalsOf(p any) []principal {
	m, ok := p.(map[string]any)
	if !ok {
		return nil
	}
	var out []principal
	for _, k := range spec.SortedKeys(m) {
		t := principalType(k)
		if t == "" {
			continue
		}
		for _, v := range spec.AsList(m[k]) {
			if s, ok := v.(string); ok {
				out = append(out, principal{t, s})
			} else {
				out = append(out, principal{t, quote(v)})
			}
		}
	}
	return out
}

// publicPrincipal: the Principal makes an Allow public (RulePublicAllow): everyone(p), except
// that "*" and "*" under AWS are not public when the Condition limits them to fixed organization
// IDs (limitedToOrganization). "*" under CanonicalUser or Federated always is.
func publicPrincipal(p any, condition any) bool {
	orgOnly := limitedToOrganization(condition)
	if p == "*" {
		return !orgOnly
	}
	for _, x := range principalsOf(p) {
		if x.value == "*" && x.typ != PrincipalService && !(x.typ == PrincipalAWS && orgOnly) {
			return true
		}
	}
	return false
}

// limitedToOrganization: some StringEquals tests aws:PrincipalOrgID (the key in any case) with
// fixed organization IDs only (^o-[a-z0-9]{10,32}$: no wildcard, no policy variable), at least
// one. A request from outside those organizations fails it, and S3 does not count the grant as
// public (RulePublicAllow). StringLike, ...IfExists, Not..., ForAnyValue: and the like do not
// count.
func limitedToOrganization(condition any) bool {
	ops, _ := condition.(map[string]any)
	m, _ := ops["StringEquals"].(map[string]any)
	for k, raw := range m {
		if strings.EqualFold(k, keyPrincipalOrgID) && allStrings(spec.AsList(raw), orgIDPattern.MatchString) {
			return true
		}
	}
	return false
}

// organizationWide is the organizations an Allow to "*" (or to "*" under AWS) that
// limitedToOrganization limits admits (organizationIDs); nil for any other Principal or
// Condition. Such an Allow is not public, but it admits the principals of every account of those
// organizations, so RuleCrossAccountWithoutEndpoint judges it as a grant to other accounts.
func organizationWide(p any, condition any) []string {
	if !limitedToOrganization(condition) {
		return nil
	}
	if p == "*" || slices.ContainsFunc(principalsOf(p), func(x principal) bool { return x.typ == PrincipalAWS && x.value == "*" }) {
		return organizationIDs(condition)
	}
	return nil
}

// organizationIDs are the fixed organization IDs of the StringEquals keys on aws:PrincipalOrgID
// (in any case) that limitedToOrganization counts, sorted, each once.
func organizationIDs(condition any) []string {
	ops, _ := condition.(map[string]any)
	m, _ := ops["StringEquals"].(map[string]any)
	var ids []string
	for k, raw := range m {
		vs := spec.AsList(raw)
		if strings.EqualFold(k, keyPrincipalOrgID) && allStrings(vs, orgIDPattern.MatchString) {
			for _, v := range vs {
				ids = append(ids, v.(string))
			}
		}
	}
	return spec.SortedUnique(ids)
}

// withinOrganization: some StringEquals on aws:PrincipalOrgID (in any case) names org and no
// other value, so the Allow admits the principals of that organization only. With
// spec.GroupByOrganization and org the stack's organization, the perimeter Deny binds every one
// of its accounts but the owner's to endpoints that account owns, and holds such an Allow; an
// Allow that also admits another organization is not held for that one.
func withinOrganization(condition any, org string) bool {
	if org == "" {
		return false
	}
	ops, _ := condition.(map[string]any)
	m, _ := ops["StringEquals"].(map[string]any)
	for k, raw := range m {
		if strings.EqualFold(k, keyPrincipalOrgID) && allStrings(spec.AsList(raw), func(v string) bool { return v == org }) {
			return true
		}
	}
	return false
}

// organizationsLabel names organization IDs in a message: "the organization o-…", or "the
// organizations o-…, o-…".
func organizationsLabel(ids []string) string {
	if len(ids) == 1 {
		return "the organization " + ids[0]
	}
	return "the organizations " + strings.Join(ids, ", ")
}

// everyone: Principal "*", or "*" under AWS, CanonicalUser or Federated (alone or in a list).
func everyone(p any) bool {
	if p == "*" {
		return true
	}
	for _, x := range principalsOf(p) {
		if x.value == "*" && x.typ != PrincipalService {
			return true
		}
	}
	return false
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

// grantsWrites: the statement's actions include one of access level Write (spec/data), "*", a
// wildcard matching one, or any NotAction (which grants everything it does not list).
func grantsWrites(st map[string]any) bool {
	if present(st["NotAction"]) {
		return true
	}
	for _, a := range spec.AsList(st["Action"]) {
		v, _ := a.(string)
		for _, action := range spec.MatchS3Actions(v) {
			if isWrite(action) {
				return true
			}
		}
	}
	return false
}

func isWrite(a spec.S3Action) bool { return strings.Contains(a.AccessLevel, "Write") }

// confinedToSource: some StringEquals, StringLike, ArnEquals or ArnLike tests aws:SourceAccount
// with account IDs, aws:SourceArn with ARNs or aws:SourceOrgID with organization IDs. Like the
// endpoint pin, an operator that a request without the key passes (…IfExists, Not…, Null) does
// not count.
func confinedToSource(condition any) bool {
	ops, _ := condition.(map[string]any)
	for op, keys := range ops {
		if op != "StringEquals" && op != "StringLike" && op != "ArnEquals" && op != "ArnLike" {
			continue
		}
		m, _ := keys.(map[string]any)
		for k, raw := range m {
			var ok func(string) bool
			switch strings.ToLower(k) {
			case "aws:sourceaccount":
				ok = accountIDOnly.MatchString
			case "aws:sourcearn":
				ok = func(s string) bool { return strings.HasPrefix(s, "arn:") }
			case "aws:sourceorgid":
				ok = orgIDPattern.MatchString
			default:
				continue
			}
			if allStrings(spec.AsList(raw), ok) {
				return true
			}
		}
	}
	return false
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

// allStrings: at least one value, every one a string that passes ok.
func allStrings(vs []any, ok func(string) bool) bool {
	for _, v := range vs {
		s, isString := v.(string)
		if !isString || !ok(s) {
			return false
		}
	}
	return len(vs) > 0
}

// endpointKeys are the condition keys set only for requests through a VPC endpoint (or from a
// VPC): a Deny on "*" unless one of them matches denies every request from outside, the
// console's and CI's included.
var endpointKeys = []string{keySourceVpce, "aws:SourceVpc", keyVpceAccount, "aws:VpceOrgID", "aws:VpceOrgPaths"}

// hasEndpointCondition: the Condition tests one of endpointKeys, under any operator (condition
// keys are case-insensitive).
func hasEndpointCondition(condition any) bool {
	ops, _ := condition.(map[string]any)
	for _, keys := range ops {
		m, _ := keys.(map[string]any)
		for k := range m {
			if slices.ContainsFunc(endpointKeys, func(e string) bool { return strings.EqualFold(e, k) }) {
				return true
			}
		}
	}
	return false
}

// scopedToOtherAccounts: some StringEquals tests aws:PrincipalAccount with 12-digit account IDs,
// none of them the owner's (itself an account ID), so that a Deny carrying it applies to
// principals of those accounts only, never to the owner's administrators. Every condition of a
// statement must hold for it to apply, so other conditions next to it only narrow it further.
func scopedToOtherAccounts(condition any, owner string) bool {
	if !accountIDOnly.MatchString(owner) {
		return false
	}
	ops, _ := condition.(map[string]any)
	m, _ := ops["StringEquals"].(map[string]any)
	for k, raw := range m {
		if strings.EqualFold(k, keyPrincipalAcct) && allStrings(spec.AsList(raw), func(v string) bool {
			return accountIDOnly.MatchString(v) && v != owner
		}) {
			return true
		}
	}
	return false
}

// organizationButOwner: some StringEquals tests aws:PrincipalOrgID (with some string) and some
// StringNotEquals tests aws:PrincipalAccount with 12-digit account IDs only, the owner's (itself an
// account ID) among them: the by-organization perimeter's scope, everyone of the organization but
// the owner's account. A Deny carrying it never applies to the owner's administrators, whose
// aws:PrincipalAccount is the owner's. Without the exclusion, the organization scope alone does
// not spare the owner, whose account is in the organization.
func organizationButOwner(condition any, owner string) bool {
	if !accountIDOnly.MatchString(owner) {
		return false
	}
	ops, _ := condition.(map[string]any)
	inOrg, _ := ops["StringEquals"].(map[string]any)
	notAccount, _ := ops["StringNotEquals"].(map[string]any)
	scoped := false
	for k, raw := range inOrg {
		scoped = scoped || (strings.EqualFold(k, keyPrincipalOrgID) && slices.ContainsFunc(spec.AsList(raw), isString))
	}
	if !scoped {
		return false
	}
	for k, raw := range notAccount {
		vs := spec.AsList(raw)
		if strings.EqualFold(k, keyPrincipalAcct) && allStrings(vs, accountIDOnly.MatchString) && slices.Contains(vs, any(owner)) {
			return true
		}
	}
	return false
}

// pinnedToEndpoints: some condition pins the request (RuleCrossAccountWithoutEndpoint):
// StringEquals or StringLike on aws:SourceVpce with vpce- IDs or on aws:SourceVpc with vpc- IDs;
// StringEquals on aws:VpceAccount with account IDs or ${aws:PrincipalAccount}; or
// ForAnyValue:StringEquals or StringEquals on aws:CalledVia with service principals; every value
// of that form. A request without the key fails such a condition ("If the key ... is not present
// in the request context, the values do not match",
// docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html;
// ForAnyValue likewise returns false for a missing key), so the Allow then holds only through
// those endpoints, VPCs or endpoint owners, or for requests those services make.
func pinnedToEndpoints(condition any) bool {
	ops, _ := condition.(map[string]any)
	for op, keys := range ops {
		m, _ := keys.(map[string]any)
		for k, raw := range m {
			if pattern := pinPattern(op, k); pattern != nil && allStrings(spec.AsList(raw), pattern.MatchString) {
				return true
			}
		}
	}
	return false
}

// pinPattern is what every value of key k under operator op must match for the condition to pin
// the request; nil when that operator on that key pins nothing.
func pinPattern(op, k string) *regexp.Regexp {
	switch {
	case (op == "StringEquals" || op == "StringLike") && strings.EqualFold(k, keySourceVpce):
		return vpceIDPattern
	case (op == "StringEquals" || op == "StringLike") && strings.EqualFold(k, "aws:SourceVpc"):
		return vpcIDOnlyPattern
	case op == "StringEquals" && strings.EqualFold(k, keyVpceAccount):
		return vpceAccountValue
	case (op == "StringEquals" || op == keyCalledViaAny) && strings.EqualFold(k, keyCalledVia):
		return servicePrincipalOnly
	}
	return nil
}
