package policydoc

import (
	"fmt"
	"strings"
	"testing"

	"cross-account-s3/spec"
)

// The stack of the cross-path tests: two consumers of one account in two VPCs (analytics, billing)
// and a third in another account (ingest), all with the same access, so that the compact grouping
// would put them in one statement. Each VPC has its endpoint; "foreign" is an endpoint of somebody
// else's, with AWS's default full-access policy.
const (
	analyticsRole = "arn:aws:iam::222222222222:role/analytics-ec2"
	billingRole   = "arn:aws:iam::222222222222:role/billing-ec2"
	ingestRole    = "arn:aws:iam::333333333333:role/ingest-ec2"
	ciRole        = "arn:aws:iam::222222222222:role/ci" // another principal of a consumer account

	analyticsVpce = "vpce-0aaaaaaaaaaaaaaaa"
	billingVpce   = "vpce-0bbbbbbbbbbbbbbbb"
	ingestVpce    = "vpce-0cccccccccccccccc"
	foreignVpce   = "vpce-0ffffffffffffffff"

	sharedObject = "arn:aws:s3:::shared-data/reports/q1.csv"
)

var (
	ownEndpoint = map[string]string{analyticsRole: analyticsVpce, billingRole: billingVpce, ingestRole: ingestVpce}
	roleAccount = map[string]string{analyticsRole: "222222222222", billingRole: "222222222222", ingestRole: "333333333333", ciRole: "222222222222"}
	// endpointAccount owns each endpoint: what S3 puts in aws:VpceAccount.
	endpointAccount = map[string]string{analyticsVpce: "222222222222", billingVpce: "222222222222", ingestVpce: "333333333333", foreignVpce: "999999999999"}
)

func threeConsumers(mode spec.EndpointPolicyMode, grouping spec.BucketPolicyGrouping) spec.Spec {
	s := baseSpec()
	s.BucketPolicyGrouping = grouping
	consumer := func(name, account, vpc, role string) spec.Consumer {
		return spec.Consumer{
			Name:          name,
			Account:       spec.Account{ID: account, Region: "eu-west-1"},
			VpcID:         vpc,
			RouteTableIDs: []string{"rtb-" + vpc[4:]},
			RoleARNs:      []string{role},
			Endpoint:      spec.Endpoint{Policy: mode},
			Access:        spec.Access{Actions: []string{"s3:GetObject", "s3:PutObject"}},
		}
	}
	s.Consumers = []spec.Consumer{
		consumer("analytics", "222222222222", "vpc-0aaaaaaaaaaaaaaaa", analyticsRole),
		consumer("billing", "222222222222", "vpc-0bbbbbbbbbbbbbbbb", billingRole),
		consumer("ingest", "333333333333", "vpc-0cccccccccccccccc", ingestRole),
	}
	return s
}

func threeIDs() EndpointIDs {
	return EndpointIDs{"analytics": analyticsVpce, "billing": billingVpce, "ingest": ingestVpce}
}

// worldOf renders every document of the stack, plus the foreign endpoint's.
func worldOf(t *testing.T, s spec.Spec) world {
	t.Helper()
	if ps := append(s.Validate(), Check(s)...); len(ps) > 0 {
		t.Fatalf("not a valid stack: %v", ps)
	}
	ids := threeIDs()
	w := world{bucketPolicy: BucketPolicy(s, ids).JSON(), endpoints: map[string]string{foreignVpce: FullAccessEndpointPolicy().JSON()}}
	for _, g := range s.Layout().Endpoints {
		w.endpoints[ids[g.Consumers[0].Name]] = EndpointPolicy(s, g).JSON()
	}
	return w
}

func object(principal, action, vpce string) request {
	return request{principal: principal, account: roleAccount[principal], action: action, resource: sharedObject, vpce: vpce}
}

var allEndpoints = []string{analyticsVpce, billingVpce, ingestVpce, foreignVpce, ""}

func TestEachRoleIsAdmittedOnlyThroughItsOwnEndpoint(t *testing.T) {
	for _, mode := range []spec.EndpointPolicyMode{spec.FullAccess, spec.Restricted} {
		w := worldOf(t, threeConsumers(mode, ""))
		for _, role := range []string{analyticsRole, billingRole, ingestRole} {
			for _, vpce := range allEndpoints {
				for _, action := range []string{"s3:GetObject", "s3:PutObject"} {
					got := w.decide(t, object(role, action, vpce)) == allowed
					if want := vpce == ownEndpoint[role]; got != want {
						t.Errorf("%s endpoints: %s %s through %q: allowed = %v, want %v", mode, role, action, vpce, got, want)
					}
				}
			}
		}
	}
}

// The same with the identity side managed by the stack instead of a broad identity policy.
func TestManagedRolePoliciesKeepTheBinding(t *testing.T) {
	s := threeConsumers(spec.FullAccess, "")
	w := worldOf(t, s)
	w.identity = map[string]string{}
	for _, c := range s.Consumers {
		c.ManageRolePolicy = true
		w.identity[c.RoleARNs[0]] = RolePolicy(s, c).JSON()
	}
	for _, role := range []string{analyticsRole, billingRole, ingestRole} {
		for _, vpce := range allEndpoints {
			if got, want := w.decide(t, object(role, "s3:GetObject", vpce)) == allowed, vpce == ownEndpoint[role]; got != want {
				t.Errorf("%s through %q: allowed = %v, want %v", role, vpce, got, want)
			}
		}
		if got := w.decide(t, object(role, "s3:DeleteObject", ownEndpoint[role])); got == allowed {
			t.Errorf("%s may delete, which it was not granted", role)
		}
	}
}

// Whatever else the consumer accounts are granted (here: a kept statement for their CI role),
// the perimeter denies it explicitly through any endpoint not of this stack and from outside a VPC.
func TestTheConsumerAccountsOtherPrincipalsAreDeniedThroughForeignEndpoints(t *testing.T) {
	for _, mode := range []spec.EndpointPolicyMode{spec.FullAccess, spec.Restricted} {
		s := threeConsumers(mode, "")
		s.ExtraBucketStatements = []map[string]any{{
			"Sid": "KeepCiRead", "Effect": "Allow", "Principal": map[string]any{"AWS": ciRole},
			"Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-data/*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceVpce": []any{foreignVpce, analyticsVpce}}},
		}}
		w := worldOf(t, s)
		for _, tc := range []struct {
			principal, vpce string
			want            decision
		}{
			{ciRole, foreignVpce, explicitDeny},
			{ciRole, "", explicitDeny},
			{analyticsRole, foreignVpce, explicitDeny},
			{ingestRole, "", explicitDeny},
			{ciRole, analyticsVpce, allowed}, // the kept grant, through a stack endpoint
			{ciRole, billingVpce, implicitDeny},
		} {
			if got := w.decide(t, object(tc.principal, "s3:GetObject", tc.vpce)); got != tc.want {
				t.Errorf("%s endpoints: %s through %q: %v, want %v", mode, tc.principal, tc.vpce, got, tc.want)
			}
		}
	}
}

// The compact grouping is the documented trade-off: a role reaches the endpoints of the other
// consumers with its access. A restricted endpoint policy closes the paths into another account's
// VPC, not those between two VPCs of one account; the perimeter still closes foreign endpoints.
func TestByAccessGroupingSharesEndpointsAsItsWarningSays(t *testing.T) {
	for _, tc := range []struct {
		mode                           spec.EndpointPolicyMode
		viaBilling, viaIngest, foreign bool
	}{
		{spec.FullAccess, true, true, false},
		{spec.Restricted, true, false, false},
	} {
		w := worldOf(t, threeConsumers(tc.mode, spec.GroupByAccess))
		got := []bool{
			w.decide(t, object(analyticsRole, "s3:GetObject", billingVpce)) == allowed,
			w.decide(t, object(analyticsRole, "s3:GetObject", ingestVpce)) == allowed,
			w.decide(t, object(analyticsRole, "s3:GetObject", foreignVpce)) == allowed,
		}
		if want := []bool{tc.viaBilling, tc.viaIngest, tc.foreign}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s endpoints: analytics via billing, ingest, foreign = %v, want %v", tc.mode, got, want)
		}
	}
	warnings := Warnings(threeConsumers(spec.FullAccess, spec.GroupByAccess))
	want := `bucketPolicyGrouping is "by-access": consumers with the same access share one bucket-policy statement listing all their roles and endpoints, ` +
		`so a role of one consumer is also admitted through the S3 endpoint of any other consumer with the same access, if it can send traffic there ` +
		`(a restricted endpoint policy on that endpoint still refuses principals of other accounts). ` +
		`Here: the roles of analytics, billing, ingest reach the endpoints of vpc-0aaaaaaaaaaaaaaaa, vpc-0bbbbbbbbbbbbbbbb, vpc-0cccccccccccccccc. ` +
		`The bucket policy takes 1085 of S3's 20480 bytes this way and would take 1606 with "per-endpoint" (the default, each role only through its own VPC's endpoint); set that unless it does not fit.`
	if len(warnings) != 1 || warnings[0] != want {
		t.Fatalf("warnings = %v\nwant %s", warnings, want)
	}
	if got := Warnings(threeConsumers(spec.FullAccess, "")); len(got) != 0 {
		t.Errorf("the default grouping warns: %v", got)
	}
}

func TestListedBucketsAreReadOnlyUnlessTheySayWrite(t *testing.T) {
	s := threeConsumers(spec.Restricted, "")
	s.Consumers[0].Endpoint.AllowedBuckets = []spec.AllowedBucket{
		{Name: "al2023-repos-eu-west-1-de612dc2"}, {Name: "example-logs", Write: true},
	}
	w := worldOf(t, s)
	policy := w.endpoints[analyticsVpce]
	repo, logs := "arn:aws:s3:::al2023-repos-eu-west-1-de612dc2", "arn:aws:s3:::example-logs"
	for _, tc := range []struct {
		principal, account, action, resource string
		want                                 bool
	}{
		{"", "", "s3:GetObject", repo + "/core/mirrors/latest/repomd.xml", true}, // anonymous, as dnf reads
		{analyticsRole, "222222222222", "s3:GetObject", repo + "/core/x.rpm", true},
		{analyticsRole, "222222222222", "s3:PutObject", repo + "/core/x.rpm", false},
		{analyticsRole, "222222222222", "s3:DeleteObject", repo + "/core/x.rpm", false},
		{analyticsRole, "222222222222", "s3:ListBucket", repo, false},
		{analyticsRole, "222222222222", "s3:PutBucketPolicy", repo, false},
		{analyticsRole, "222222222222", "s3:GetObject", logs + "/a.log", true},
		{analyticsRole, "222222222222", "s3:PutObject", logs + "/a.log", true},
		{analyticsRole, "222222222222", "s3:ListBucket", logs, true},
		{analyticsRole, "222222222222", "s3:PutBucketPolicy", logs, false},
		{analyticsRole, "222222222222", "s3:DeleteBucket", logs, false},
		{"arn:aws:iam::999999999999:role/intruder", "999999999999", "s3:PutObject", logs + "/loot", false},
		{"arn:aws:iam::999999999999:role/intruder", "999999999999", "s3:PutObject", "arn:aws:s3:::intruder-bucket/loot", false},
		{"arn:aws:iam::999999999999:role/intruder", "999999999999", "s3:GetObject", sharedObject, false},
	} {
		r := request{principal: tc.principal, account: tc.account, action: tc.action, resource: tc.resource, vpce: analyticsVpce}
		if got := evaluate(t, policy, r) == allowed; got != tc.want {
			t.Errorf("%s %s %s: endpoint allows = %v, want %v", tc.principal, tc.action, tc.resource, got, tc.want)
		}
	}
}

// An owner stack takes each consumer stack's endpoint IDs on its word. A consumer stack that names
// another account's endpoint (here analytics claims the foreign one, of account 999999999999)
// admits its roles through nothing: the Allow also requires aws:VpceAccount to be the consumer's
// own account. Without that binding the lie would let the role in through the foreign endpoint.
func TestAConsumerStackCannotAdmitItsRolesThroughAnotherAccountsEndpoint(t *testing.T) {
	s := threeConsumers(spec.FullAccess, "")
	lying := threeIDs()
	lying["analytics"] = foreignVpce
	policy := BucketPolicy(s, lying).JSON()
	w := world{bucketPolicy: policy, endpoints: map[string]string{foreignVpce: FullAccessEndpointPolicy().JSON()}}
	for _, g := range s.Layout().Endpoints {
		w.endpoints[lying[g.Consumers[0].Name]] = EndpointPolicy(s, g).JSON()
	}
	if got := w.decide(t, object(analyticsRole, "s3:GetObject", foreignVpce)); got == allowed {
		t.Fatalf("the role is admitted through the endpoint of another account its stack named: %s", got)
	}
	// The control: the same document without the account binding lets it in.
	w.bucketPolicy = strings.ReplaceAll(policy, `,"aws:VpceAccount":["222222222222"]`, "")
	if w.bucketPolicy == policy {
		t.Fatal("the policy has no account binding to remove")
	}
	if got := w.decide(t, object(analyticsRole, "s3:GetObject", foreignVpce)); got != allowed {
		t.Fatalf("without the binding the lie should have worked (the test proves nothing otherwise): %s", got)
	}
	// The other consumers keep their own endpoints.
	if got := w.decide(t, object(ingestRole, "s3:GetObject", ingestVpce)); got != allowed {
		t.Fatalf("ingest through its own endpoint: %s", got)
	}
}
