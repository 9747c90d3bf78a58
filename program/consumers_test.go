package program

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"cross-account-s3/testworld/golden"
	"cross-account-s3/tools/offline"
)

// consumerItem is one consumers entry as a user writes it.
type consumerItem map[string]any

func analytics() consumerItem {
	return consumerItem{"name": "analytics", "accountId": "222222222222", "vpcId": "vpc-0a0a0a0a0a0a0a0a0",
		"routeTableIds": []string{"rtb-0a0a0a0a0a0a0a0a1"}, "roleArns": []string{"arn:aws:iam::222222222222:role/analytics-ec2"}}
}

func reporting() consumerItem { // same account and VPC as analytics: shares its endpoint
	return consumerItem{"name": "reporting", "accountId": "222222222222", "vpcId": "vpc-0a0a0a0a0a0a0a0a0",
		"routeTableIds": []string{"rtb-0a0a0a0a0a0a0a0a2"}, "roleArns": []string{"arn:aws:iam::222222222222:role/reporting-ec2"},
		"actions": []string{"s3:GetObject"}, "manageRolePolicy": true}
}

func ingest() consumerItem {
	return consumerItem{"name": "ingest", "accountId": "333333333333", "vpcId": "vpc-0b0b0b0b0b0b0b0b0",
		"routeTableIds": []string{"rtb-0b0b0b0b0b0b0b0b1"}, "roleArns": []string{"arn:aws:iam::333333333333:role/ingest-ec2"},
		"assumeRoleArn": "arn:aws:iam::333333333333:role/deployer", "endpointPolicy": "restricted",
		"prefixes": []string{"incoming/"}}
}

// listConfig is a stack in the list form with the given consumers.
func listConfig(items ...consumerItem) map[string]string {
	b, err := json.Marshal(items)
	if err != nil {
		panic(err)
	}
	return map[string]string{
		"bucketAccountId": "111111111111",
		"bucketRegion":    "eu-west-1",
		"bucketName":      "shared-data",
		"prefixes":        `["reports/"]`,
		"consumers":       string(b),
	}
}

func urns(m *offline.Mocks) map[string]string {
	out := map[string]string{}
	for _, r := range m.Resources {
		out[string(r.URN(offline.Stack))] = r.Type
	}
	return out
}

func TestOneProviderPerConsumerAccountPinnedToIt(t *testing.T) {
	m := run(t, listConfig(analytics(), reporting(), ingest()))
	got := map[string]string{}
	for _, p := range m.OfType(typeProvider) {
		ids := strings_(p.Inputs["allowedAccountIds"])
		got[p.Name] = strings.Join(ids, ",") + " " + p.Str("region")
	}
	want := map[string]string{
		"bucket-owner":          "111111111111 eu-west-1",
		"consumer-222222222222": "222222222222 eu-west-1",
		"consumer-333333333333": "333333333333 eu-west-1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("providers\n got %v\nwant %v", got, want)
	}
	role := providerNamed(t, m, "consumer-333333333333").Inputs["assumeRole"].ObjectValue()["roleArn"].StringValue()
	if role != "arn:aws:iam::333333333333:role/deployer" {
		t.Errorf("ingest's provider assumes %q", role)
	}
}

func providerNamed(t *testing.T, m *offline.Mocks, name string) offline.Resource {
	for _, p := range m.OfType(typeProvider) {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no provider %s", name)
	return offline.Resource{}
}

func TestConsumersOfOneVPCShareOneEndpointOnTheirAccountsProvider(t *testing.T) {
	m := run(t, listConfig(analytics(), reporting(), ingest()))
	endpoints := map[string]offline.Resource{}
	for _, e := range m.OfType(typeEndpoint) {
		endpoints[e.Name] = e
	}
	if len(endpoints) != 2 {
		t.Fatalf("want 2 endpoints (one per VPC), got %v", endpoints)
	}
	shared := endpoints["s3-gateway-vpc-0a0a0a0a0a0a0a0a0"]
	if got := strings_(shared.Inputs["routeTableIds"]); !reflect.DeepEqual(got, []string{"rtb-0a0a0a0a0a0a0a0a1", "rtb-0a0a0a0a0a0a0a0a2"}) {
		t.Errorf("shared endpoint route tables = %v, want both consumers'", got)
	}
	for name, provider := range map[string]string{
		"s3-gateway-vpc-0a0a0a0a0a0a0a0a0": "consumer-222222222222",
		"s3-gateway-vpc-0b0b0b0b0b0b0b0b0": "consumer-333333333333",
	} {
		if got := endpoints[name].ProviderName(); got != provider {
			t.Errorf("%s on %s, want %s", name, got, provider)
		}
	}
	roles := m.OfType(typeRolePolicy)
	if len(roles) != 1 || roles[0].Name != "role-policy-222222222222-reporting-ec2" || roles[0].ProviderName() != "consumer-222222222222" {
		t.Errorf("role policies = %+v, want reporting's only, on account 222222222222", roles)
	}
}

func TestReorderingConsumersChangesNothing(t *testing.T) {
	a := run(t, listConfig(analytics(), reporting(), ingest()))
	b := run(t, listConfig(ingest(), analytics(), reporting()))
	if !reflect.DeepEqual(urns(a), urns(b)) {
		t.Errorf("URNs differ:\n%v\n%v", urns(a), urns(b))
	}
	if one(t, a, typeBucketPolicy).Str("policy") != one(t, b, typeBucketPolicy).Str("policy") {
		t.Error("bucket policy differs after reordering")
	}
}

func TestRemovingAConsumerRemovesOnlyItsResources(t *testing.T) {
	all := urns(run(t, listConfig(analytics(), reporting(), ingest())))
	without := urns(run(t, listConfig(analytics(), ingest())))
	var removed []string
	for urn := range all {
		if _, ok := without[urn]; !ok {
			removed = append(removed, urn)
		}
	}
	for urn := range without {
		if _, ok := all[urn]; !ok {
			t.Errorf("removing reporting added %s", urn)
		}
	}
	want := []string{"urn:pulumi:dev::cross-account-s3::cross-account-s3:index:SharedBucketAccess$cross-account-s3:index:ConsumerAccount$aws:iam/rolePolicy:RolePolicy::role-policy-222222222222-reporting-ec2"}
	if !reflect.DeepEqual(removed, want) {
		t.Errorf("removed %v, want only reporting's role policy (its endpoint is shared with analytics)", removed)
	}
	withoutIngest := urns(run(t, listConfig(analytics(), reporting())))
	var gone []string
	for urn, typ := range all {
		if _, ok := withoutIngest[urn]; !ok {
			gone = append(gone, typ)
		}
	}
	sort.Strings(gone)
	if want := []string{typeEndpoint, "cross-account-s3:index:ConsumerAccount", typeProvider}; !reflect.DeepEqual(gone, want) {
		t.Errorf("removing ingest removed %v, want its account's component, provider and endpoint", gone)
	}
}

// A stack that moves from the flat keys to a one-item list keeps every resource, with the same
// inputs: an S3 endpoint replaced in production cuts traffic.
func TestMovingFromTheFlatFormToAListKeepsEveryResource(t *testing.T) {
	flat := baseConfig()
	flat["prefixes"] = `["reports/"]`
	flat["manageRolePolicy"] = "true"
	item := consumerItem{"name": "analytics", "accountId": "222222222222", "region": "eu-west-1",
		"profile": "", "vpcId": "vpc-0a1b2c3d4e5f60718",
		"routeTableIds":    []string{"rtb-0a1b2c3d4e5f60718", "rtb-0f1e2d3c4b5a69788"},
		"roleArns":         []string{"arn:aws:iam::222222222222:role/analytics-ec2", "arn:aws:iam::222222222222:role/batch/nightly"},
		"manageRolePolicy": true}
	list := listConfig(item)
	list["bucketProfile"] = "owner-admin"
	a, b := run(t, flat), run(t, list)
	if !reflect.DeepEqual(urns(a), urns(b)) {
		t.Fatalf("URNs differ:\nflat %v\nlist %v", urns(a), urns(b))
	}
	for _, ra := range a.Resources {
		for _, rb := range b.Resources {
			if ra.URN(offline.Stack) == rb.URN(offline.Stack) && !ra.Inputs.DeepEquals(rb.Inputs) {
				t.Errorf("%s: inputs differ\nflat %v\nlist %v", ra.Name, ra.Inputs, rb.Inputs)
			}
		}
	}
}

func TestThreeConsumerDocumentsMatchTheirGoldenFiles(t *testing.T) {
	m := run(t, listConfig(analytics(), reporting(), ingest()))
	docs := map[string]string{"three-consumers.bucket-policy.json": one(t, m, typeBucketPolicy).Str("policy")}
	for _, e := range m.OfType(typeEndpoint) {
		docs["three-consumers."+e.Name+".endpoint-policy.json"] = e.Str("policy")
	}
	docs["three-consumers.reporting.role-policy.json"] = one(t, m, typeRolePolicy).Str("policy")
	for name, got := range docs {
		golden.Compare(t, filepath.Join("testdata", "documents", name), got+"\n")
	}
}

func TestConsumersAcrossValidationErrors(t *testing.T) {
	dupName := reporting()
	dupName["name"] = "analytics"
	sharedRole := ingest()
	sharedRole["accountId"] = "222222222222"
	sharedRole["roleArns"] = []string{"arn:aws:iam::222222222222:role/analytics-ec2"}
	delete(sharedRole, "assumeRoleArn")
	stolenRoute := ingest()
	stolenRoute["routeTableIds"] = []string{"rtb-0a0a0a0a0a0a0a0a1"}
	otherRegion := ingest()
	otherRegion["region"] = "us-east-1"
	otherRegion["roleArns"] = []string{"arn:aws:iam::333333333333:role/ingest-ec2"}
	disagree := reporting()
	disagree["endpointPolicy"] = "restricted"
	disagree["profile"] = "other"
	cases := []struct {
		name  string
		items []consumerItem
		want  []string
	}{
		{"duplicate names", []consumerItem{analytics(), dupName}, []string{
			`consumers[1].name: "analytics" names more than one consumer; give each consumer its own name`}},
		{"a role under two consumers", []consumerItem{analytics(), sharedRole}, []string{
			`consumers[1].roleArns: arn:aws:iam::222222222222:role/analytics-ec2 is also a role of consumer "analytics"; list each role under one consumer`}},
		{"a route table in two VPCs", []consumerItem{analytics(), stolenRoute}, []string{
			`consumers[1].routeTableIds: rtb-0a0a0a0a0a0a0a0a1 is claimed by consumer "analytics" too, in 222222222222/vpc-0a0a0a0a0a0a0a0a0; a route table belongs to one VPC`}},
		{"an endpoint outside the bucket's Region", []consumerItem{analytics(), otherRegion}, []string{
			"consumers[1].region: us-east-1 differs from bucketRegion eu-west-1; an S3 gateway endpoint reaches only buckets in its own Region, so set both to eu-west-1"}},
		{"consumers of one VPC disagree on its endpoint", []consumerItem{analytics(), disagree}, []string{
			`consumers[1].endpointPolicy: "restricted" differs from "full-access" of consumer "analytics", which shares vpc-0a0a0a0a0a0a0a0a0 and its S3 gateway endpoint; set the same mode`,
			`consumers[1].assumeRoleArn: credentials (profile other) differ from those of consumer "analytics", which shares vpc-0a0a0a0a0a0a0a0a0 and its S3 gateway endpoint (ambient credentials); one provider manages the endpoint, so use the same profile and role`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := &offline.Mocks{}
			err := m.Run(Run, listConfig(tc.items...))
			for _, want := range tc.want {
				if err == nil || !strings.Contains(err.Error(), "\n  - "+want) {
					t.Errorf("error %v\nlacks %s", err, want)
				}
			}
			if len(m.Resources) != 0 {
				t.Errorf("registered %d resources", len(m.Resources))
			}
		})
	}
}

// One account reached with two sets of credentials gets two providers, named by account and a
// hash of the credentials, each pinned to the account and used by its own consumers only.
func TestOneAccountWithTwoCredentialSetsGetsTwoProviders(t *testing.T) {
	second := ingest()
	second["accountId"] = "222222222222"
	second["roleArns"] = []string{"arn:aws:iam::222222222222:role/ingest-ec2"}
	second["assumeRoleArn"] = "arn:aws:iam::222222222222:role/deployer"
	m := run(t, listConfig(analytics(), second))
	byName := map[string]offline.Resource{}
	for _, p := range m.OfType(typeProvider) {
		byName[p.Name] = p
	}
	var consumerProviders []string
	for name, p := range byName {
		if name == "bucket-owner" {
			continue
		}
		consumerProviders = append(consumerProviders, name)
		if ids := strings_(p.Inputs["allowedAccountIds"]); !reflect.DeepEqual(ids, []string{"222222222222"}) {
			t.Errorf("%s pinned to %v", name, ids)
		}
	}
	sort.Strings(consumerProviders)
	if len(consumerProviders) != 2 || !strings.HasPrefix(consumerProviders[0], "consumer-222222222222-") {
		t.Fatalf("providers = %v, want two named consumer-222222222222-<hash>", consumerProviders)
	}
	for _, e := range m.OfType(typeEndpoint) {
		p := byName[e.ProviderName()]
		assumes := p.Inputs.HasValue("assumeRole")
		if (e.Name == "s3-gateway-vpc-0b0b0b0b0b0b0b0b0") != assumes {
			t.Errorf("endpoint %s is on provider %s (assumes a role: %v)", e.Name, p.Name, assumes)
		}
	}
}
