package policydoc

import (
	"strings"
	"testing"

	"cross-account-s3/spec"
)

// orgSpec is baseSpec (owner 111111111111, consumer analytics in 222222222222) with the
// by-organization grouping.
func orgSpec() spec.Spec {
	s := baseSpec()
	s.BucketPolicyGrouping = spec.GroupByOrganization
	s.OrganizationID = "o-a1b2c3d4e5"
	return s
}

// The kept-statement rules read the by-organization forms: "*" limited by StringEquals on
// aws:PrincipalOrgID to fixed organization IDs is not public; the by-organization perimeter (the
// organization but the owner's account) locks nobody out; and with by-organization a kept Allow
// may grant only the owner's account, whichever of Check, CheckOwner and StatementFindings judges
// it. Each case: the statement alone, with the exact message ("" for none).
func TestKeptStatementsInTheOrganizationForms(t *testing.T) {
	const (
		public  = `allows principal "*", which makes the bucket public; name the principals instead, e.g. "Principal": {"AWS": "arn:aws:iam::111111111111:role/auditor"}`
		lockOut = `denies principal "*" on a VPC endpoint condition (aws:SourceVpce, aws:SourceVpc, aws:VpceAccount, aws:VpceOrgID or aws:VpceOrgPaths), which also locks out the console, CI and this stack's own deploys; scope the Deny to the consumer roles, or to other accounts than the bucket owner's (111111111111) with "StringEquals": {"aws:PrincipalAccount": [...]}`
		// An Allow to "*" limited to organizations but pinned to no endpoint.
		unpinned = ` without a VPC endpoint condition (or an aws:CalledVia one), so any account there that the perimeter Deny does not bind to endpoints can use it from anywhere; add "StringEquals": {"aws:VpceAccount": "${aws:PrincipalAccount}"} next to aws:PrincipalOrgID, so that each principal comes only through its own account's endpoints, or "aws:SourceVpce" naming the endpoints, e.g. ["vpce-0123456789abcdef0"]`
		orgOnly  = `, whose account is not the bucket owner's (111111111111): with bucketPolicyGrouping "by-organization" a kept statement may grant only the owner's account, because the organization grant (aws:PrincipalOrgID o-a1b2c3d4e5) already admits the organization's accounts, each through its own endpoints, and the perimeter Deny names no account that a kept grant to another could be checked against (docs/kept-statements.md); give that access through the stack's own grants (actions, prefixes; they reach every account of the organization), or grant a principal of the owner's account, e.g. "Principal": {"AWS": "arn:aws:iam::111111111111:role/auditor"}`
	)
	everyone := func(orgIDs any) map[string]any {
		return map[string]any{"Sid": "Keep", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-data/audit/*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": orgIDs, "aws:VpceAccount": CallerAccount}}}
	}
	deny := func(condition map[string]any) map[string]any {
		return map[string]any{"Sid": "Keep", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::shared-data/*", "Condition": condition}
	}
	allowTo := func(principal string) map[string]any {
		return map[string]any{"Sid": "Keep", "Effect": "Allow", "Principal": map[string]any{"AWS": principal}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-data/audit/*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:VpceAccount": CallerAccount}}}
	}
	// everyone limited to orgIDs and pinned to no endpoint, or pinned by the StringEquals pin.
	anywhere := func(orgIDs any, pin map[string]any) map[string]any {
		st := everyone(orgIDs)
		eq := map[string]any{"aws:PrincipalOrgID": orgIDs}
		for k, v := range pin {
			eq[k] = v
		}
		st["Condition"] = map[string]any{"StringEquals": eq}
		return st
	}
	twoOrgs := []any{"o-a1b2c3d4e5", "o-0123456789abcdef"}
	orgScope := map[string]any{"aws:PrincipalOrgID": []any{"o-a1b2c3d4e5"}}
	notOwner := map[string]any{"aws:PrincipalAccount": []any{"111111111111"}}
	outsideEndpoints := map[string]any{"aws:VpceAccount": []any{CallerAccount}}
	for _, tc := range []struct {
		name     string
		grouping spec.BucketPolicyGrouping
		st       map[string]any
		want     string
	}{
		{"* limited to a fixed organization", spec.GroupByOrganization, everyone("o-a1b2c3d4e5"), ""},
		{"AWS * limited to fixed organizations, any grouping", spec.GroupPerEndpoint, func() map[string]any {
			st := everyone([]any{"o-a1b2c3d4e5", "o-0123456789abcdef"})
			st["Principal"] = map[string]any{"AWS": []any{"*"}}
			return st
		}(), ""},
		{"* limited to any organization", spec.GroupByOrganization, everyone("o-*"), public},
		{"* limited by a policy variable", spec.GroupByOrganization, everyone("${aws:ResourceOrgID}"), public},
		{"* limited by StringLike", spec.GroupByOrganization, func() map[string]any {
			st := everyone("o-a1b2c3d4e5")
			st["Condition"] = map[string]any{"StringLike": map[string]any{"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
			return st
		}(), public},
		{"CanonicalUser * with a fixed organization", spec.GroupByOrganization, func() map[string]any {
			st := everyone("o-a1b2c3d4e5")
			st["Principal"] = map[string]any{"CanonicalUser": "*"}
			return st
		}(), public},
		{"* pinned only by aws:VpceAccount", spec.GroupByOrganization, func() map[string]any {
			st := everyone("o-a1b2c3d4e5")
			st["Condition"] = map[string]any{"StringEquals": map[string]any{"aws:VpceAccount": CallerAccount}}
			return st
		}(), public},
		{"* pinned only by aws:CalledVia", spec.GroupByOrganization, func() map[string]any {
			st := everyone("o-a1b2c3d4e5")
			st["Condition"] = map[string]any{"ForAnyValue:StringEquals": map[string]any{"aws:CalledVia": []any{"athena.amazonaws.com"}}}
			return st
		}(), public},
		// Unpinned, "*" limited to the organization admits every account of it: outside
		// by-organization the perimeter Deny binds only the consumer accounts, so it must be
		// pinned; by-organization the perimeter binds every account of the stack's organization
		// but the owner's, and holds it, but not the accounts of another organization.
		{"* of the organization, unpinned, per-endpoint", spec.GroupPerEndpoint, anywhere("o-a1b2c3d4e5", nil),
			`allows principal "*" limited by aws:PrincipalOrgID to the organization o-a1b2c3d4e5` + unpinned},
		{"AWS * of the organization, unpinned, by-account", spec.GroupByAccount, func() map[string]any {
			st := anywhere("o-a1b2c3d4e5", nil)
			st["Principal"] = map[string]any{"aws": []any{"*"}}
			return st
		}(), `allows principal "*" limited by aws:PrincipalOrgID to the organization o-a1b2c3d4e5` + unpinned},
		{"* of the organization, unpinned, by-organization", spec.GroupByOrganization, anywhere("o-a1b2c3d4e5", nil), ""},
		{"* of two organizations, unpinned, by-organization", spec.GroupByOrganization, anywhere(twoOrgs, nil),
			`allows principal "*" limited by aws:PrincipalOrgID to the organizations o-0123456789abcdef, o-a1b2c3d4e5` + unpinned},
		{"* of two organizations, unpinned, by-account", spec.GroupByAccount, anywhere(twoOrgs, nil),
			`allows principal "*" limited by aws:PrincipalOrgID to the organizations o-0123456789abcdef, o-a1b2c3d4e5` + unpinned},
		{"* of the organization, IfExists does not pin", spec.GroupPerEndpoint, func() map[string]any {
			st := anywhere("o-a1b2c3d4e5", nil)
			st["Condition"].(map[string]any)["StringEqualsIfExists"] = map[string]any{"aws:VpceAccount": CallerAccount}
			return st
		}(), `allows principal "*" limited by aws:PrincipalOrgID to the organization o-a1b2c3d4e5` + unpinned},
		{"* of two organizations, pinned to the caller's endpoints, per-endpoint", spec.GroupPerEndpoint,
			anywhere(twoOrgs, map[string]any{"aws:VpceAccount": CallerAccount}), ""},
		{"* of two organizations, pinned to the caller's endpoints, by-account", spec.GroupByAccount,
			anywhere(twoOrgs, map[string]any{"aws:VpceAccount": CallerAccount}), ""},
		{"* of two organizations, pinned to the caller's endpoints, by-organization", spec.GroupByOrganization,
			anywhere(twoOrgs, map[string]any{"aws:VpceAccount": CallerAccount}), ""},
		{"* of the organization, pinned to endpoints, by-account", spec.GroupByAccount,
			anywhere("o-a1b2c3d4e5", map[string]any{"aws:SourceVpce": "vpce-0123456789abcdef0"}), ""},
		{"the by-organization perimeter", spec.GroupByOrganization,
			deny(map[string]any{"StringEquals": orgScope, "StringNotEquals": notOwner, "StringNotEqualsIfExists": outsideEndpoints}), ""},
		{"the by-organization perimeter, another grouping", spec.GroupByAccount,
			deny(map[string]any{"StringEquals": orgScope, "StringNotEquals": notOwner, "StringNotEqualsIfExists": outsideEndpoints}), ""},
		{"the organization without the owner's exclusion", spec.GroupByOrganization,
			deny(map[string]any{"StringEquals": orgScope, "StringNotEqualsIfExists": outsideEndpoints}), lockOut},
		{"the organization without another account", spec.GroupByOrganization,
			deny(map[string]any{"StringEquals": orgScope, "StringNotEquals": map[string]any{"aws:PrincipalAccount": "222222222222"}, "StringNotEqualsIfExists": outsideEndpoints}), lockOut},
		{"the owner's exclusion without the organization", spec.GroupByOrganization,
			deny(map[string]any{"StringNotEquals": notOwner, "StringNotEqualsIfExists": outsideEndpoints}), lockOut},
		{"a consumer account, pinned", spec.GroupByOrganization, allowTo("arn:aws:iam::222222222222:role/auditor"),
			`allows arn:aws:iam::222222222222:role/auditor` + orgOnly},
		{"a consumer account, pinned, by-account", spec.GroupByAccount, allowTo("arn:aws:iam::222222222222:role/auditor"), ""},
		{"another account, pinned", spec.GroupByOrganization, allowTo("999999999999"), `allows 999999999999` + orgOnly},
		{"the owner's account", spec.GroupByOrganization, allowTo("arn:aws:iam::111111111111:role/auditor"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := orgSpec()
			if tc.grouping != spec.GroupByOrganization {
				s.BucketPolicyGrouping, s.OrganizationID = tc.grouping, ""
			}
			s.ExtraBucketStatements = []map[string]any{tc.st}
			got := Check(s)
			switch {
			case tc.want == "" && len(got) != 0:
				t.Errorf("got %v, want nothing", got)
			case tc.want != "" && (len(got) != 1 || got[0].String() != "extraBucketPolicyStatements[0]: "+tc.want):
				t.Errorf("got %v\nwant extraBucketPolicyStatements[0]: %s", got, tc.want)
			}
		})
	}
}

// An unpinned Allow to "*" of the organization and to a principal of a consumer account breaks
// cross_account_without_endpoint twice, once for each: for the principal, and for the organization.
func TestAnUnpinnedOrganizationAllowWithAnotherPrincipalIsRefusedForBoth(t *testing.T) {
	s := baseSpec()
	st := map[string]any{"Sid": "Keep", "Effect": "Allow", "Principal": map[string]any{"AWS": []any{"*", "arn:aws:iam::222222222222:role/auditor"}},
		"Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-data/audit/*",
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
	got := StatementFindings(s, st)
	want := []string{
		`allows arn:aws:iam::222222222222:role/auditor of another account without a VPC endpoint condition`,
		`allows principal "*" limited by aws:PrincipalOrgID to the organization o-a1b2c3d4e5 without a VPC endpoint condition`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %d findings", got, len(want))
	}
	for i, f := range got {
		if f.Rule != RuleCrossAccountWithoutEndpoint || !strings.HasPrefix(f.Message, want[i]) {
			t.Errorf("finding %d: got %s %q, want %s %q...", i, f.Rule, f.Message, RuleCrossAccountWithoutEndpoint, want[i])
		}
	}
}

// By-organization, an unpinned "*" Allow of the stack's organization is held by the perimeter Deny,
// which BucketPolicy writes only once there is a consumer: without one (nor, for CheckOwner, an
// account its consumer stacks may grant) nothing binds the organization's accounts, and it is
// refused, as the pack refuses it on a policy without that Deny.
func TestAnUnpinnedOrganizationAllowNeedsThePerimeter(t *testing.T) {
	st := map[string]any{"Sid": "Keep", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-data/audit/*",
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
	s := orgSpec()
	s.ExtraBucketStatements = []map[string]any{st}
	if !strings.Contains(BucketPolicy(s, nil).JSON(), `"Sid":"`+SidDenyOutsideEndpoints+`"`) {
		t.Fatalf("no perimeter with a consumer")
	}
	owner := s
	owner.Consumers = nil
	if strings.Contains(BucketPolicy(owner, nil).JSON(), SidDenyOutsideEndpoints) {
		t.Fatalf("a perimeter without consumers")
	}
	for name, tc := range map[string]struct {
		rules []string
		want  string
	}{
		"Check, a consumer":            {findingRules(StatementFindings(s, st)), ""},
		"Check, no consumer":           {findingRules(StatementFindings(owner, st)), RuleCrossAccountWithoutEndpoint},
		"CheckOwner, accounts to come": {problemsRules(t, CheckOwner(owner, []string{"222222222222"})), ""},
		"CheckOwner, no account":       {problemsRules(t, CheckOwner(owner, nil)), RuleCrossAccountWithoutEndpoint},
	} {
		if strings.Join(tc.rules, ",") != tc.want {
			t.Errorf("%s: got %v, want %q", name, tc.rules, tc.want)
		}
	}
}

// CheckOwner (an owner stack before it has read its consumer stacks) passes the accounts its
// consumerStacks may grant as the perimeter; with by-organization they do not widen it, as they do
// not for Check and StatementFindings.
func TestOrganizationKeptAllowsAreTheOwnersWhoeverChecks(t *testing.T) {
	s := orgSpec()
	st := map[string]any{"Sid": "Keep", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::222222222222:role/auditor"},
		"Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-data/audit/*",
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceVpce": "vpce-0123456789abcdef0"}}}
	s.ExtraBucketStatements = []map[string]any{st}
	owner := s
	owner.Consumers = nil
	for name, rules := range map[string][]string{
		"Check":             problemsRules(t, Check(s)),
		"CheckOwner":        problemsRules(t, CheckOwner(owner, []string{"222222222222"})),
		"StatementFindings": findingRules(StatementFindings(s, st)),
	} {
		if len(rules) != 1 || rules[0] != RuleOutsidePerimeter {
			t.Errorf("%s: got %v, want [%s]", name, rules, RuleOutsidePerimeter)
		}
	}
	if got := PerimeterAccounts(s); len(got) != 1 || got[0] != "222222222222" {
		t.Errorf("PerimeterAccounts = %v: it lists the consumer accounts in every grouping; statementFindings drops them", got)
	}
}

// problemsRules maps each problem back to its rule by its message (Check reports messages only).
func problemsRules(t *testing.T, ps spec.Problems) []string {
	t.Helper()
	var out []string
	for _, p := range ps {
		switch {
		case containsAll(p.Message, "whose account is not the bucket owner's", "by-organization"):
			out = append(out, RuleOutsidePerimeter)
		case containsAll(p.Message, `allows principal "*" limited by aws:PrincipalOrgID`, "without a VPC endpoint condition"):
			out = append(out, RuleCrossAccountWithoutEndpoint)
		default:
			out = append(out, p.String())
		}
	}
	return out
}

func findingRules(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return out
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
