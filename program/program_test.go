package program

import (
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/testworld/golden"
	"cross-account-s3/tools/offline"
	"cross-account-s3/tools/stackfile"
)

const (
	typeProvider     = "pulumi:providers:aws"
	typeEndpoint     = "aws:ec2/vpcEndpoint:VpcEndpoint"
	typeBucketPolicy = "aws:s3/bucketPolicy:BucketPolicy"
	typeRolePolicy   = "aws:iam/rolePolicy:RolePolicy"
	typeGetEndpoint  = "aws:ec2/getVpcEndpoint:getVpcEndpoint"
)

// baseConfig is a valid flat-form stack, as Pulumi passes config to the program.
func baseConfig() map[string]string {
	return map[string]string{
		"bucketAccountId":   "111111111111",
		"bucketRegion":      "eu-west-1",
		"bucketName":        "shared-data",
		"bucketProfile":     "owner-admin",
		"consumerName":      "analytics",
		"consumerAccountId": "222222222222",
		"consumerRegion":    "eu-west-1",
		"consumerRoleArns":  `["arn:aws:iam::222222222222:role/analytics-ec2","arn:aws:iam::222222222222:role/batch/nightly"]`,
		"vpcId":             "vpc-0a1b2c3d4e5f60718",
		"routeTableIds":     `["rtb-0a1b2c3d4e5f60718","rtb-0f1e2d3c4b5a69788"]`,
	}
}

func run(t *testing.T, config map[string]string, secrets ...string) *offline.Mocks {
	t.Helper()
	m := &offline.Mocks{}
	if err := m.Run(Run, config, secrets...); err != nil {
		t.Fatalf("program failed: %v", err)
	}
	return m
}

func one(t *testing.T, m *offline.Mocks, typ string) offline.Resource {
	t.Helper()
	rs := m.OfType(typ)
	if len(rs) != 1 {
		t.Fatalf("want one %s, got %d", typ, len(rs))
	}
	return rs[0]
}

func strings_(v resource.PropertyValue) []string {
	var out []string
	for _, x := range v.ArrayValue() {
		out = append(out, x.StringValue())
	}
	return out
}

func TestEveryResourceHasAnExplicitProviderOfItsAccount(t *testing.T) {
	cfg := baseConfig()
	cfg["manageRolePolicy"] = "true"
	m := run(t, cfg)
	wantProvider := map[string]string{
		typeEndpoint:     "consumer-222222222222",
		typeRolePolicy:   "consumer-222222222222",
		typeBucketPolicy: "bucket-owner",
	}
	counted := 0
	for _, r := range m.Resources {
		if !r.Custom || r.Type == typeProvider {
			continue
		}
		counted++
		want, known := wantProvider[r.Type]
		if !known {
			t.Errorf("unexpected resource %s %s: nothing outside the stated scope may be created", r.Type, r.Name)
			continue
		}
		if got := r.ProviderName(); got != want {
			t.Errorf("%s %s: provider %q, want %q", r.Type, r.Name, got, want)
		}
	}
	if counted != 4 { // endpoint, bucket policy, two role policies
		t.Errorf("counted %d resources, want 4", counted)
	}
}

func TestProvidersArePinnedToTheirAccountsAndRegion(t *testing.T) {
	cfg := baseConfig()
	cfg["consumerAssumeRoleArn"] = "arn:aws:iam::222222222222:role/deployer"
	cfg["consumerExternalId"] = "ext-1234"
	cfg["consumerSessionName"] = "pulumi-deploy"
	cfg["tags"] = `{"team":"platform","env":"dev"}`
	m := run(t, cfg, "consumerExternalId")

	providers := map[string]offline.Resource{}
	for _, p := range m.OfType(typeProvider) {
		providers[p.Name] = p
	}
	if len(providers) != 2 {
		t.Fatalf("want 2 providers, got %v", providers)
	}
	owner, consumer := providers["bucket-owner"], providers["consumer-222222222222"]
	for _, tc := range []struct {
		p       offline.Resource
		account string
	}{{owner, "111111111111"}, {consumer, "222222222222"}} {
		if got := strings_(tc.p.Inputs["allowedAccountIds"]); !reflect.DeepEqual(got, []string{tc.account}) {
			t.Errorf("%s allowedAccountIds = %v, want [%s]", tc.p.Name, got, tc.account)
		}
		if tc.p.Str("region") != "eu-west-1" {
			t.Errorf("%s region = %q", tc.p.Name, tc.p.Str("region"))
		}
		tags := tc.p.Inputs["defaultTags"].ObjectValue()["tags"].ObjectValue()
		if tags["team"].StringValue() != "platform" || tags["env"].StringValue() != "dev" {
			t.Errorf("%s default tags = %v", tc.p.Name, tags)
		}
	}
	if owner.Str("profile") != "owner-admin" || owner.Inputs.HasValue("assumeRole") {
		t.Errorf("bucket-owner credentials: profile %q, assumeRole %v", owner.Str("profile"), owner.Inputs["assumeRole"])
	}
	role := consumer.Inputs["assumeRole"].ObjectValue()
	if role["roleArn"].StringValue() != "arn:aws:iam::222222222222:role/deployer" || role["sessionName"].StringValue() != "pulumi-deploy" {
		t.Errorf("consumer assumeRole = %v", role)
	}
	ext := role["externalId"]
	if !ext.IsSecret() || ext.SecretValue().Element.StringValue() != "ext-1234" {
		t.Errorf("externalId must be passed as a secret, got %v", ext)
	}
	if consumer.Inputs.HasValue("profile") {
		t.Errorf("consumer profile set without config: %v", consumer.Inputs["profile"])
	}
}

func TestEndpointIsAnS3GatewayOnTheConfiguredRouteTables(t *testing.T) {
	m := run(t, baseConfig())
	e := one(t, m, typeEndpoint)
	checks := map[string]string{
		"vpcEndpointType": "Gateway",
		"serviceName":     "com.amazonaws.eu-west-1.s3",
		"vpcId":           "vpc-0a1b2c3d4e5f60718",
		"policy":          `{"Version":"2012-10-17","Statement":[{"Sid":"AllowAll","Effect":"Allow","Principal":"*","Action":["*"],"Resource":["*"]}]}`,
	}
	for k, want := range checks {
		if got := e.Str(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if got := strings_(e.Inputs["routeTableIds"]); !reflect.DeepEqual(got, []string{"rtb-0a1b2c3d4e5f60718", "rtb-0f1e2d3c4b5a69788"}) {
		t.Errorf("routeTableIds = %v", got)
	}
	if got := endpointLookupsByID(m); len(got) != 0 {
		t.Errorf("creating an endpoint must not look one up: %v", got)
	}
}

func TestBucketPolicyCarriesTheEndpointIDTheEndpointGot(t *testing.T) {
	m := run(t, baseConfig())
	p := one(t, m, typeBucketPolicy)
	if p.Str("bucket") != "shared-data" {
		t.Errorf("bucket = %q", p.Str("bucket"))
	}
	doc := p.Str("policy")
	if !strings.Contains(doc, `"Condition":{"StringEquals":{"aws:SourceVpce":["`+offline.EndpointID(devEndpoint)+`"],"aws:VpceAccount":["222222222222"]}}`) {
		t.Errorf("policy does not admit the roles through the endpoint's ID %s: %s", offline.EndpointID(devEndpoint), doc)
	}
}

func TestRestrictedEndpointPolicyGoesOnTheEndpoint(t *testing.T) {
	cfg := baseConfig()
	cfg["endpointPolicy"] = "restricted"
	cfg["endpointAllowedBuckets"] = `["al2023-repos-eu-west-1-de612dc2"]`
	m := run(t, cfg)
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"AllowConsumerAccountToSharedBucket","Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"StringEquals":{"aws:PrincipalAccount":["222222222222"]}}},` +
		`{"Sid":"AllowListedBucketsRead","Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::al2023-repos-eu-west-1-de612dc2/*"]}]}`
	if got := one(t, m, typeEndpoint).Str("policy"); got != want {
		t.Errorf("endpoint policy\n got %s\nwant %s", got, want)
	}
}

func TestRolePoliciesOnlyWhenOptedIn(t *testing.T) {
	if got := run(t, baseConfig()).OfType(typeRolePolicy); len(got) != 0 {
		t.Fatalf("role policies created without manageRolePolicy: %v", got)
	}
	cfg := baseConfig()
	cfg["manageRolePolicy"] = "true"
	policies := run(t, cfg).OfType(typeRolePolicy)
	var roles []string
	for _, p := range policies {
		roles = append(roles, p.Str("role"))
		if p.Str("name") != "cross-account-s3-shared-data" {
			t.Errorf("%s name = %q", p.Name, p.Str("name"))
		}
		want := `{"Version":"2012-10-17","Statement":[{"Sid":"SharedBucketObjects","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::shared-data/*"]}]}`
		if p.Str("policy") != want {
			t.Errorf("%s policy = %s", p.Name, p.Str("policy"))
		}
	}
	sort.Strings(roles)
	if !reflect.DeepEqual(roles, []string{"analytics-ec2", "nightly"}) {
		t.Errorf("role policies on %v, want the role names without path", roles)
	}
}

// adoptable is what the endpoint lookup returns for an endpoint that fits baseConfig.
func adoptable() resource.PropertyMap {
	return resource.NewPropertyMapFromMap(map[string]any{
		"id":              "vpce-0123456789abcdef0",
		"vpcEndpointType": "Gateway",
		"serviceName":     "com.amazonaws.eu-west-1.s3",
		"vpcId":           "vpc-0a1b2c3d4e5f60718",
		"routeTableIds":   []any{"rtb-0f1e2d3c4b5a69788", "rtb-0a1b2c3d4e5f60718", "rtb-00000000000000000"},
		"prefixListId":    "pl-6da54004",
		"policy":          `{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}],"Version":"2008-10-17"}`,
	})
}

func TestAdoptingAnExistingEndpointCreatesNoEndpoint(t *testing.T) {
	cfg := baseConfig()
	cfg["adoptEndpointId"] = "vpce-0123456789abcdef0"
	m := &offline.Mocks{Endpoints: map[string]resource.PropertyMap{"vpce-0123456789abcdef0": adoptable()}}
	if err := m.Run(Run, cfg); err != nil {
		t.Fatal(err)
	}
	if got := m.OfType(typeEndpoint); len(got) != 0 {
		t.Fatalf("adoption created an endpoint: %v", got)
	}
	// Preflight reads it, then the component for its outputs (prefix list, policy).
	lookups := endpointLookupsByID(m)
	if len(lookups) != 2 {
		t.Fatalf("lookups of the endpoint = %v", lookups)
	}
	for _, l := range lookups {
		if p := l.Provider; !strings.Contains(p, "pulumi:providers:aws::consumer-222222222222::") {
			t.Errorf("lookup ran on provider %q, want the consumer's", p)
		}
	}
	doc := one(t, m, typeBucketPolicy).Str("policy")
	if !strings.Contains(doc, `"aws:SourceVpce":["vpce-0123456789abcdef0"]`) {
		t.Errorf("bucket policy does not name the adopted endpoint: %s", doc)
	}
}

func TestAdoptionRefusesAnEndpointThatCannotCarryTheTraffic(t *testing.T) {
	cfg := baseConfig()
	cfg["adoptEndpointId"] = "vpce-0123456789abcdef0"
	wrong := adoptable()
	wrong["vpcEndpointType"] = resource.NewStringProperty("Interface")
	wrong["serviceName"] = resource.NewStringProperty("com.amazonaws.us-east-1.s3")
	wrong["vpcId"] = resource.NewStringProperty("vpc-99999999999999999")
	wrong["routeTableIds"] = resource.NewArrayProperty([]resource.PropertyValue{resource.NewStringProperty("rtb-0a1b2c3d4e5f60718")})
	m := &offline.Mocks{Endpoints: map[string]resource.PropertyMap{"vpce-0123456789abcdef0": wrong}}
	err := m.Run(Run, cfg)
	for _, want := range []string{
		"adoptEndpointId: vpce-0123456789abcdef0 is an Interface endpoint; adopt an S3 endpoint of type Gateway",
		"adoptEndpointId: vpce-0123456789abcdef0 serves com.amazonaws.us-east-1.s3, not com.amazonaws.eu-west-1.s3",
		"adoptEndpointId: vpce-0123456789abcdef0 is in vpc-99999999999999999, not in vpcId vpc-0a1b2c3d4e5f60718",
		"routeTableIds: rtb-0f1e2d3c4b5a69788 is not associated with the adopted endpoint vpce-0123456789abcdef0",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nlacks %q", err, want)
		}
	}
	if got := m.OfType(typeBucketPolicy); len(got) != 0 {
		t.Errorf("bucket policy registered despite an unusable endpoint")
	}
}

func TestAdoptingAnEndpointThatDoesNotExist(t *testing.T) {
	cfg := baseConfig()
	cfg["adoptEndpointId"] = "vpce-0123456789abcdef0"
	err := (&offline.Mocks{}).Run(Run, cfg)
	want := "adoptEndpointId: endpoint vpce-0123456789abcdef0 does not exist in account 222222222222"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
}

func TestComponentTreeIsOneSubtreePerAccount(t *testing.T) {
	m := run(t, baseConfig())
	parents := map[string]string{}
	for _, r := range m.Resources {
		parents[r.Type+"::"+r.Name] = resource.URN(r.Parent).Name()
	}
	want := map[string]string{
		"cross-account-s3:index:SharedBucketAccess::shared-bucket":     "cross-account-s3-dev",
		"cross-account-s3:index:ConsumerAccount::account-222222222222": "shared-bucket",
		"cross-account-s3:index:BucketOwnerAccount::bucket-owner":      "shared-bucket",
		typeProvider + "::consumer-222222222222":                       "account-222222222222",
		typeEndpoint + "::s3-gateway-vpc-0a1b2c3d4e5f60718":            "account-222222222222",
		typeProvider + "::bucket-owner":                                "bucket-owner",
		typeBucketPolicy + "::shared-data":                             "bucket-owner",
	}
	if !reflect.DeepEqual(parents, want) {
		t.Errorf("tree\n got %v\nwant %v", parents, want)
	}
}

func TestStackOutputs(t *testing.T) {
	cfg := baseConfig()
	cfg["prefixes"] = `["reports/"]`
	cfg["allowListing"] = "true"
	got, err := (&offline.Mocks{}).RunOutputs(offline.Stack, Outputs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"endpointId":       offline.EndpointID(devEndpoint),
		"prefixListId":     offline.PrefixListID,
		"routeTableIds":    []string{"rtb-0a1b2c3d4e5f60718", "rtb-0f1e2d3c4b5a69788"},
		"bucketArn":        "arn:aws:s3:::shared-data",
		"consumerRoleArns": []string{"arn:aws:iam::222222222222:role/analytics-ec2", "arn:aws:iam::222222222222:role/batch/nightly"},
		"endpointPolicy":   `{"Version":"2012-10-17","Statement":[{"Sid":"AllowAll","Effect":"Allow","Principal":"*","Action":["*"],"Resource":["*"]}]}`,
		"testCommand": "echo ok > /tmp/endpoint-check.txt && aws s3api put-object --region eu-west-1 --bucket shared-data --key reports/endpoint-check.txt --body /tmp/endpoint-check.txt" +
			" && aws s3api get-object --region eu-west-1 --bucket shared-data --key reports/endpoint-check.txt /dev/stdout" +
			" && aws s3api list-objects-v2 --region eu-west-1 --bucket shared-data --prefix 'reports/' --max-items 5",
	}
	policy, _ := got["bucketPolicy"].(string)
	delete(got, "bucketPolicy")
	// One consumer: its outputs stand at the top level and under consumers.<name>.
	perConsumer := map[string]any{}
	for k, v := range want {
		if k != "bucketArn" {
			perConsumer[k] = v
		}
	}
	want["consumers"] = map[string]any{"analytics": perConsumer}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("outputs\n got %#v\nwant %#v", got, want)
	}
	if !strings.Contains(policy, offline.EndpointID(devEndpoint)) {
		t.Errorf("bucketPolicy output = %s", policy)
	}
}

// The single-consumer example must deploy, and its policies are kept as golden files that the policy
// pack's tests read too.
func TestDevStackMatchesItsGoldenDocuments(t *testing.T) {
	st, err := stackfile.LoadFile("../Pulumi.yaml", "../examples/Pulumi.single-consumer.yaml", "single-consumer")
	if err != nil {
		t.Fatal(err)
	}
	m := run(t, st.Values)
	docs := map[string]string{
		"dev.bucket-policy.json":   one(t, m, typeBucketPolicy).Str("policy"),
		"dev.endpoint-policy.json": one(t, m, typeEndpoint).Str("policy"),
		"dev.role-policy.json":     one(t, m, typeRolePolicy).Str("policy"),
	}
	for name, got := range docs {
		golden.Compare(t, filepath.Join("testdata", "documents", name), got+"\n")
	}
}

// devEndpoint is the logical name of baseConfig's endpoint.
const devEndpoint = "s3-gateway-vpc-0a1b2c3d4e5f60718"

// endpointLookupsByID are the lookups of an endpoint by its ID (an adopted one).
func endpointLookupsByID(m *offline.Mocks) []pulumi.MockCallArgs {
	var out []pulumi.MockCallArgs
	for _, c := range m.Invokes {
		if _, byID := c.Args["id"]; c.Token == typeGetEndpoint && byID {
			out = append(out, c)
		}
	}
	return out
}
