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
		orgOnly = `, whose account is not the bucket owner's (111111111111): with bucketPolicyGrouping "by-organization" a kept statement may grant only the owner's account, because the organization grant (aws:PrincipalOrgID o-a1b2c3d4e5) already admits the organization's accounts, each through its own endpoints, and the perimeter Deny names no account that a kept grant to another could be checked against (docs/kept-statements.md); give that access through the stack's own grants (actions, prefixes; they reach every account of the organization), or grant a principal of the owner's account, e.g. "Principal": {"AWS": "arn:aws:iam::111111111111:role/auditor"}`
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
