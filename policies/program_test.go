package policies

import (
	"encoding/json"
	"strings"
	"testing"

	"cross-account-s3/program"
	"cross-account-s3/tools/offline"
	"cross-account-s3/tools/stackfile"
)

// programResources runs the stack program under mocks and describes what it registers the way the
// analyzer would see it on `pulumi up`.
func programResources(t *testing.T, config map[string]string) []analyzerResource {
	t.Helper()
	m := &offline.Mocks{}
	if err := m.Run(program.Run, config); err != nil {
		t.Fatal(err)
	}
	providers := map[string]map[string]any{}
	for _, r := range m.OfType("pulumi:providers:aws") {
		providers[r.Name] = map[string]any{
			"type": r.Type, "name": r.Name, "properties": r.Inputs.Mappable(),
			"urn": "urn:pulumi:dev::cross-account-s3::pulumi:providers:aws::" + r.Name,
		}
	}
	var out []analyzerResource
	for _, r := range m.Resources {
		if !r.Custom || r.Type == "pulumi:providers:aws" {
			continue
		}
		out = append(out, analyzerResource{Type: r.Type, Name: r.Name, Properties: r.Inputs.Mappable(), Provider: providers[r.ProviderName()]})
	}
	return out
}

func mandatoryFindings(t *testing.T, p *pack, rs []analyzerResource) []finding {
	var bad []finding
	for _, r := range rs {
		for _, f := range p.checkResource(t, r) {
			if !strings.HasPrefix(f.rule, "warn") {
				bad = append(bad, f)
			}
		}
	}
	return append(bad, p.checkStack(t, rs...)...)
}

func TestTheExampleStackPassesThePack(t *testing.T) {
	p := loadPack(t)
	st, err := stackfile.Load("..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	rs := programResources(t, st.Values)
	if len(rs) != 3 { // endpoint, bucket policy, role policy
		t.Fatalf("got %d resources", len(rs))
	}
	if bad := mandatoryFindings(t, p, rs); len(bad) != 0 {
		t.Errorf("mandatory violations: %v", bad)
	}
	// The example keeps AWS's default endpoint policy, and the pack says so.
	var advisories []string
	for _, r := range rs {
		for _, f := range p.checkResource(t, r) {
			advisories = append(advisories, f.rule)
		}
	}
	if strings.Join(advisories, ",") != "warn_endpoint_full_access" {
		t.Errorf("advisories = %v", advisories)
	}
}

func TestARestrictedStackWithEveryOptionPassesThePack(t *testing.T) {
	p := loadPack(t)
	st, err := stackfile.Load("..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	cfg := st.Values
	cfg["endpointPolicy"] = "restricted"
	cfg["endpointAllowedBuckets"] = `["al2023-repos-eu-west-1-de612dc2"]`
	cfg["actions"] = `["s3:GetObject","s3:PutObject","s3:DeleteObject"]`
	cfg["extraBucketPolicyStatements"] = `[{"Sid":"KeepAuditRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/auditor"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::example-shared-data-dev/audit/*"}]`
	rs := programResources(t, cfg)
	if bad := mandatoryFindings(t, p, rs); len(bad) != 0 {
		t.Errorf("mandatory violations: %v", bad)
	}
	for _, r := range rs {
		if got := p.checkResource(t, r); len(got) != 0 {
			t.Errorf("%s %s: %v", r.Type, r.Name, got)
		}
	}
}

func TestASharedBucketStackPassesThePack(t *testing.T) {
	p := loadPack(t)
	st, err := stackfile.LoadFile("../Pulumi.yaml", "../examples/Pulumi.several-accounts.yaml", "several-accounts")
	if err != nil {
		t.Fatal(err)
	}
	rs := programResources(t, st.Values)
	if len(rs) != 4 { // two endpoints, bucket policy, role policy
		t.Fatalf("got %d resources", len(rs))
	}
	if bad := mandatoryFindings(t, p, rs); len(bad) != 0 {
		t.Errorf("mandatory violations: %v", bad)
	}
}

// A consumer stack of the split mode holds endpoints and role policies only (no bucket policy):
// the pack's rules, the stack-wide one included, pass it as they pass the single-stack form.
func TestASplitConsumerStackPassesThePack(t *testing.T) {
	p := loadPack(t)
	for _, name := range []string{"consumer-222222222222", "consumer-333333333333"} {
		st, err := stackfile.LoadFile("../Pulumi.yaml", "../examples/split/Pulumi."+name+".yaml", name)
		if err != nil {
			t.Fatal(err)
		}
		rs := programResources(t, st.Values)
		var types []string
		for _, r := range rs {
			types = append(types, r.Type)
		}
		if len(rs) == 0 || strings.Contains(strings.Join(types, ","), "bucketPolicy") {
			t.Fatalf("%s registers %v; want endpoints and role policies only", name, types)
		}
		if bad := mandatoryFindings(t, p, rs); len(bad) != 0 {
			t.Errorf("%s: mandatory violations: %v", name, bad)
		}
	}
}

// byAccountStack is the several-accounts example with the scale grouping (by-account) and a
// consumer (ingest) that lets Athena call for its role.
func byAccountStack(t *testing.T) map[string]string {
	t.Helper()
	st, err := stackfile.LoadFile("../Pulumi.yaml", "../examples/Pulumi.several-accounts.yaml", "several-accounts")
	if err != nil {
		t.Fatal(err)
	}
	cfg := st.Values
	var consumers []map[string]any
	if err := json.Unmarshal([]byte(cfg["consumers"]), &consumers); err != nil {
		t.Fatal(err)
	}
	for _, c := range consumers {
		if c["name"] == "ingest" {
			c["viaAwsServices"] = []any{"athena.amazonaws.com"}
		}
	}
	b, err := json.Marshal(consumers)
	if err != nil {
		t.Fatal(err)
	}
	cfg["consumers"] = string(b)
	cfg["bucketPolicyGrouping"] = "by-account"
	return cfg
}

// The rendered bucket policy among what the program registers.
func renderedBucketPolicy(t *testing.T, rs []analyzerResource) analyzerResource {
	t.Helper()
	for _, r := range rs {
		if r.Type == bucketPolicyType {
			return r
		}
	}
	t.Fatal("no bucket policy registered")
	return analyzerResource{}
}

// The by-account grouping names the consumer accounts as account principals bound to endpoints
// they own (aws:VpceAccount = ${aws:PrincipalAccount}), writes the perimeter on Principal "*"
// scoped by aws:PrincipalAccount, and adds a ...ViaServices Allow on aws:CalledVia: none of that
// trips a mandatory rule (cross_account_without_endpoint, outside_perimeter, everyone_vpc_lockout
// and missing_tls_deny read these forms).
func TestAByAccountStackWithServicesPassesThePack(t *testing.T) {
	p := loadPack(t)
	rs := programResources(t, byAccountStack(t))
	if bad := mandatoryFindings(t, p, rs); len(bad) != 0 {
		t.Errorf("mandatory violations: %v", bad)
	}
	policy, _ := renderedBucketPolicy(t, rs).Properties["policy"].(string)
	for _, want := range []string{
		`"Principal":{"AWS":["arn:aws:iam::333333333333:root"]}`,
		`{"StringEquals":{"aws:VpceAccount":["${aws:PrincipalAccount}"]}}`,
		`ViaServices","Effect":"Allow"`,
		`{"ForAnyValue:StringEquals":{"aws:CalledVia":["athena.amazonaws.com"]}}`,
		`"Sid":"DenyConsumerAccountsOutsideVpcEndpoints","Effect":"Deny","Principal":"*"`,
		`"StringEquals":{"aws:PrincipalAccount":["222222222222","333333333333"]}`,
	} {
		if !strings.Contains(policy, want) {
			t.Errorf("the by-account policy lacks %s: %s", want, policy)
		}
	}
}

// In the by-account grouping a public Allow, or a cross-account Allow without any condition (a "*"
// limited to the organization among them), is still refused twice: by the program's validation (nothing is registered) and, should it reach
// the rendered policy, by the pack's rule alone.
func TestAByAccountStackStillRefusesBadKeptStatements(t *testing.T) {
	p := loadPack(t)
	for _, tc := range []refusal{
		publicRefusal,
		{"deny_cross_account_without_endpoint",
			`{"Sid":"Anywhere","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:role/ingest-ec2"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::example-shared-data/*"}`,
			`allows arn:aws:iam::333333333333:role/ingest-ec2 of another account without a VPC endpoint condition`},
		// Not public, but the by-account perimeter binds only the consumer accounts, not the
		// organization's others.
		{"deny_cross_account_without_endpoint",
			`{"Sid":"OrgAnywhere","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}`,
			`allows principal "*" limited by aws:PrincipalOrgID to the organization o-a1b2c3d4e5 without a VPC endpoint condition`},
	} {
		refusedTwice(t, p, "by-account", byAccountStack, tc)
	}
}

// A kept statement the program refuses, the pack rule that alone must fire on it, and what the
// program's error says.
type refusal struct{ rule, statement, goSays string }

// publicRefusal is a public kept Allow, refused in every grouping.
var publicRefusal = refusal{"deny_public_allow",
	`{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-shared-data/*"}`,
	`allows principal "*", which makes the bucket public`}

// refusedTwice: with tc.statement kept in the stack config(t) describes, the program fails
// saying tc.goSays and registers nothing, and the pack, on the policy the program renders without
// it plus that statement, reports tc.rule and no other mandatory rule.
func refusedTwice(t *testing.T, p *pack, name string, config func(*testing.T) map[string]string, tc refusal) {
	t.Helper()
	good := renderedBucketPolicy(t, programResources(t, config(t)))
	cfg := config(t)
	cfg["extraBucketPolicyStatements"] = "[" + tc.statement + "]"
	m := &offline.Mocks{}
	err := m.Run(program.Run, cfg)
	if err == nil || !strings.Contains(err.Error(), tc.goSays) {
		t.Errorf("%s %s: the program ran with %v, want an error saying %q", name, tc.rule, err, tc.goSays)
	}
	if len(m.Resources) != 0 {
		t.Errorf("%s %s: the program registered %d resources", name, tc.rule, len(m.Resources))
	}
	if rules := mandatoryRulesWith(t, p, good, tc.statement); strings.Join(rules, ",") != tc.rule {
		t.Errorf("the pack on the %s policy with %s: got %v, want %s", name, tc.statement, rules, tc.rule)
	}
}

// mandatoryRulesWith: the mandatory rules the pack reports on the bucket policy good with the
// statement appended.
func mandatoryRulesWith(t *testing.T, p *pack, good analyzerResource, statement string) []string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(good.Properties["policy"].(string)), &doc); err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal([]byte(statement), &st); err != nil {
		t.Fatal(err)
	}
	doc["Statement"] = append(doc["Statement"].([]any), st)
	b, _ := json.Marshal(doc)
	bad := good
	bad.Properties = map[string]any{"bucket": good.Properties["bucket"], "policy": string(b)}
	var rules []string
	for _, f := range p.checkResource(t, bad) {
		if !strings.HasPrefix(f.rule, "warn") {
			rules = append(rules, f.rule)
		}
	}
	return rules
}

// organizationStack is the by-organization example (examples/Pulumi.organization.yaml), with
// ingest letting Athena call for its role when viaAthena.
func organizationStack(viaAthena bool) func(*testing.T) map[string]string {
	return func(t *testing.T) map[string]string {
		t.Helper()
		st, err := stackfile.LoadFile("../Pulumi.yaml", "../examples/Pulumi.organization.yaml", "organization")
		if err != nil {
			t.Fatal(err)
		}
		cfg := st.Values
		if viaAthena {
			var consumers []map[string]any
			if err := json.Unmarshal([]byte(cfg["consumers"]), &consumers); err != nil {
				t.Fatal(err)
			}
			for _, c := range consumers {
				if c["name"] == "ingest" {
					c["viaAwsServices"] = []any{"athena.amazonaws.com"}
				}
			}
			b, err := json.Marshal(consumers)
			if err != nil {
				t.Fatal(err)
			}
			cfg["consumers"] = string(b)
		}
		return cfg
	}
}

// The by-organization grouping admits Principal "*" limited to the organization (a fixed
// aws:PrincipalOrgID: not public) and bound to endpoints of the caller's own account, writes the
// perimeter on Principal "*" scoped to the organization but the owner's account, and, with
// viaAwsServices, a ...ViaServices Allow on aws:PrincipalOrgID and aws:CalledVia: none of that
// trips a mandatory rule (public_allow, everyone_vpc_lockout and outside_perimeter read these
// forms). A kept "*" Allow limited to the organization passes too.
func TestAnOrganizationStackPassesThePack(t *testing.T) {
	p := loadPack(t)
	for _, viaAthena := range []bool{false, true} {
		rs := programResources(t, organizationStack(viaAthena)(t))
		if bad := mandatoryFindings(t, p, rs); len(bad) != 0 {
			t.Errorf("viaAthena %v: mandatory violations: %v", viaAthena, bad)
		}
		policy, _ := renderedBucketPolicy(t, rs).Properties["policy"].(string)
		want := []string{
			`"Effect":"Allow","Principal":"*"`,
			`{"StringEquals":{"aws:PrincipalOrgID":["o-a1b2c3d4e5"],"aws:VpceAccount":["${aws:PrincipalAccount}"]}}`,
			`"Sid":"DenyConsumerAccountsOutsideVpcEndpoints","Effect":"Deny","Principal":"*"`,
			`"StringEquals":{"aws:PrincipalOrgID":["o-a1b2c3d4e5"]},"StringNotEquals":{"aws:PrincipalAccount":["111111111111"]}`,
		}
		if viaAthena {
			want = append(want, `{"ForAnyValue:StringEquals":{"aws:CalledVia":["athena.amazonaws.com"]},"StringEquals":{"aws:PrincipalOrgID":["o-a1b2c3d4e5"]}}`)
		}
		for _, w := range want {
			if !strings.Contains(policy, w) {
				t.Errorf("viaAthena %v: the by-organization policy lacks %s: %s", viaAthena, w, policy)
			}
		}
	}

	// A kept "*" Allow limited to the organization, pinned to the caller's endpoints or not: the
	// perimeter binds every account of the organization but the owner's to its own endpoints.
	for _, condition := range []string{
		`{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5","aws:VpceAccount":"${aws:PrincipalAccount}"}}`,
		`{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}`,
	} {
		cfg := organizationStack(true)(t)
		cfg["extraBucketPolicyStatements"] = `[{"Sid":"KeepOrgRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-shared-data/audit/*","Condition":` + condition + `}]`
		rs := programResources(t, cfg)
		if bad := mandatoryFindings(t, p, rs); len(bad) != 0 {
			t.Errorf("with a kept Allow limited to the organization (%s): mandatory violations: %v", condition, bad)
		}
	}
}

// In the by-organization grouping a public kept Allow (and one whose organization is a wildcard)
// is still refused, and so is a kept Allow to a consumer account, pinned to its endpoints: there
// the organization grant covers the consumer accounts, and a kept statement may grant only the
// owner's account; and so is an unpinned "*" Allow limited to another organization, which the
// perimeter does not bind. Each is refused twice, by the program's validation and by the pack's
// rule alone.
func TestAnOrganizationStackStillRefusesBadKeptStatements(t *testing.T) {
	p := loadPack(t)
	for _, tc := range []refusal{
		publicRefusal,
		{"deny_public_allow",
			`{"Sid":"AnyOrg","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-*","aws:VpceAccount":"${aws:PrincipalAccount}"}}}`,
			`allows principal "*", which makes the bucket public`},
		{"deny_outside_perimeter",
			`{"Sid":"KeepIngestRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:role/ingest-ec2"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::example-shared-data/*","Condition":{"StringEquals":{"aws:VpceAccount":"${aws:PrincipalAccount}"}}}`,
			`allows arn:aws:iam::333333333333:role/ingest-ec2, whose account is not the bucket owner's (111111111111): with bucketPolicyGrouping "by-organization" a kept statement may grant only the owner's account`},
		// The perimeter binds the stack's organization only.
		{"deny_cross_account_without_endpoint",
			`{"Sid":"OtherOrgAnywhere","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-0123456789abcdef"}}}`,
			`allows principal "*" limited by aws:PrincipalOrgID to the organization o-0123456789abcdef without a VPC endpoint condition`},
	} {
		refusedTwice(t, p, "by-organization", organizationStack(true), tc)
	}
}
