package policies

import (
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
