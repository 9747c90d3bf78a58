package spec

import (
	"strings"
	"testing"
)

func validSpec() Spec {
	return Spec{
		Bucket: BucketOwner{Account: Account{ID: "111111111111", Region: "eu-west-1"}, Name: "shared-data"},
		Consumers: []Consumer{{
			Name:          "analytics",
			Account:       Account{ID: "222222222222", Region: "eu-west-1"},
			VpcID:         "vpc-0a1b2c3d4e5f60718",
			RouteTableIDs: []string{"rtb-0a1b2c3d4e5f60718"},
			RoleARNs:      []string{"arn:aws:iam::222222222222:role/analytics-ec2"},
			Endpoint:      Endpoint{Policy: FullAccess},
			Access:        Access{Actions: []string{"s3:GetObject", "s3:PutObject"}, Prefixes: []string{"reports/"}},
		}},
	}
}

func second() Consumer {
	c := validSpec().Consumers[0]
	c.Name, c.VpcID, c.RouteTableIDs = "billing", "vpc-0b0b0b0b0b0b0b0b0", []string{"rtb-0b0b0b0b0b0b0b0b1"}
	c.Account.ID, c.RoleARNs = "333333333333", []string{"arn:aws:iam::333333333333:role/billing-ec2"}
	return c
}

func TestTheValidSpecIsValid(t *testing.T) {
	if ps := validSpec().Validate(); len(ps) > 0 {
		t.Fatal(ps)
	}
}

// Each mistake alone, with the exact message the user reads.
func TestEachMistakeHasItsMessage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(s *Spec, c *Consumer)
		want   string
	}{
		{"unknown action", func(s *Spec, c *Consumer) { c.Access.Actions = []string{"s3:GetObjects"} },
			`consumers[0].actions[0]: "s3:GetObjects" is not an S3 action (spec/data/s3-actions.txt lists the 180 that AWS documents); did you mean s3:GetObject?`},
		{"bucket-level action", func(s *Spec, c *Consumer) { c.Access.Actions = []string{"s3:GetBucketPolicy"} },
			`consumers[0].actions[0]: "s3:GetBucketPolicy" is a bucket-level action; only object actions are granted (set allowListing: true for s3:ListBucket)`},
		{"action on neither", func(s *Spec, c *Consumer) { c.Access.Actions = []string{"s3:ListAllMyBuckets"} },
			`consumers[0].actions[0]: "s3:ListAllMyBuckets" does not act on objects, so granting it on the bucket's keys gives nothing; use object actions such as s3:GetObject`},
		{"nonexistent Region", func(s *Spec, c *Consumer) { s.Bucket.Account.Region = "eu-west-9" },
			`bucket.region: "eu-west-9" is not an AWS Region (it is not among the Regions listed in spec/data/regions.txt); use one of eu-west-1, eu-west-2, eu-west-3`},
		{"malformed Region", func(s *Spec, c *Consumer) { c.Account.Region = "Ireland" },
			`consumers[0].region: "Ireland" is not an AWS Region name; use a code such as eu-west-1`},
		{"prefix without trailing slash", func(s *Spec, c *Consumer) { c.Access.Prefixes = []string{"reports"} },
			`consumers[0].prefixes[0]: "reports" does not end with '/', so it would also grant every key that merely starts with it, such as reports-secret/… and reports.csv; write "reports/"`},
		{"policy variable", func(s *Spec, c *Consumer) { c.Access.Prefixes = []string{"home/${aws:username}/"} },
			`consumers[0].prefixes[0]: "home/${aws:username}/" has a policy variable (${...}); prefixes are granted as written, so write a plain key prefix ending in '/', e.g. reports/`},
		{"wildcard prefix", func(s *Spec, c *Consumer) { c.Access.Prefixes = []string{"reports/*"} },
			`consumers[0].prefixes[0]: "reports/*" has a wildcard; write the plain key prefix, e.g. reports/`},
		{"unknown grouping", func(s *Spec, c *Consumer) { s.BucketPolicyGrouping = "pairwise" },
			`bucketPolicyGrouping: "pairwise" is not a grouping; use "per-endpoint" (the default: each role only through its own VPC's endpoint), "by-access" (smaller: roles with the same access share each other's endpoints), "by-account" (each account's principals only through its own account's endpoints) or "by-organization" (any principal of organizationId, through its own account's endpoints); docs/scale.md compares them`},
		{"organization grouping without its ID", func(s *Spec, c *Consumer) { s.BucketPolicyGrouping = GroupByOrganization },
			`organizationId: is required with bucketPolicyGrouping: by-organization; set the ID of the organization whose principals the bucket admits, e.g. o-a1b2c3d4e5 (aws organizations describe-organization --query Organization.Id)`},
		{"organization ID without its grouping", func(s *Spec, c *Consumer) { s.OrganizationID = "o-a1b2c3d4e5" },
			`organizationId: is read only with bucketPolicyGrouping: by-organization (this stack's grouping is "per-endpoint"); remove it, or set that grouping`},
		{"malformed organization ID", func(s *Spec, c *Consumer) { s.BucketPolicyGrouping, s.OrganizationID = GroupByOrganization, "o-ABC" },
			`organizationId: "o-ABC" is not an organization ID; use o- and 10 to 32 lowercase letters or digits, e.g. o-a1b2c3d4e5`},
		{"via service not a service principal", func(s *Spec, c *Consumer) { c.Access.ViaServices = []string{"athena.amazonaws.com", "*.amazonaws.com"} },
			`consumers[0].viaAwsServices[1]: "*.amazonaws.com" is not an AWS service principal; name each service as AWS does, e.g. athena.amazonaws.com`},
		{"listed bucket invalid", func(s *Spec, c *Consumer) {
			c.Endpoint = Endpoint{Policy: Restricted, AllowedBuckets: []AllowedBucket{{Name: "Logs_Bucket"}}}
		}, `consumers[0].endpointAllowedBuckets[0]: "Logs_Bucket" has characters other than lowercase letters, digits, '.' and '-', or does not start and end with a letter or digit; use 3 to 63 lowercase letters, digits, '.' and '-', e.g. shared-data-bucket`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := validSpec()
			tc.change(&s, &s.Consumers[0])
			if got := s.Validate(); len(got) != 1 || got[0].String() != tc.want {
				t.Errorf("got %v\nwant %s", got, tc.want)
			}
		})
	}
}

func TestOneVPCUnderTwoAccountsIsRefused(t *testing.T) {
	s := validSpec()
	other := second()
	other.VpcID = s.Consumers[0].VpcID
	s.Consumers = append(s.Consumers, other)
	want := `consumers[1].vpcId: vpc-0a1b2c3d4e5f60718 is also the VPC of consumer "analytics" in account 222222222222; a VPC belongs to one account (its owner, which creates the endpoint), so correct the VPC ID or the account ID`
	s.Consumers[0].Index, s.Consumers[1].Index = 0, 1
	got := s.Validate()
	if len(got) != 1 || got[0].String() != want {
		t.Errorf("got %v\nwant %s", got, want)
	}
}

func TestConsumersOfOneEndpointMustAgreeOnAListedBucketsWriteFlag(t *testing.T) {
	s := validSpec()
	a := s.Consumers[0]
	a.Index = 0
	a.Endpoint = Endpoint{Policy: Restricted, AllowedBuckets: []AllowedBucket{{Name: "example-logs"}}}
	b := a
	b.Name, b.Index, b.RoleARNs = "reporting", 1, []string{"arn:aws:iam::222222222222:role/reporting"}
	b.Endpoint.AllowedBuckets = []AllowedBucket{{Name: "example-logs", Write: true}}
	s.Consumers = []Consumer{a, b}
	want := `consumers[1].endpointAllowedBuckets[0]: lists example-logs with write true but consumer "analytics", which shares vpc-0a1b2c3d4e5f60718 and its S3 gateway endpoint, lists it with write false; one endpoint policy serves both, so set the same`
	if got := s.Validate(); len(got) != 1 || got[0].String() != want {
		t.Errorf("got %v\nwant %s", got, want)
	}
}

func TestTheDataFilesAreWellFormed(t *testing.T) {
	actions := S3Actions()
	if len(actions) < 150 {
		t.Fatalf("only %d S3 actions", len(actions))
	}
	for _, name := range []string{"s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:PutObjectAcl", "s3:DeleteObject"} {
		if _, ok := LookupS3Action(name); !ok {
			t.Errorf("%s is missing", name)
		}
	}
	if a, _ := LookupS3Action("S3:getobject"); a.Name != "s3:GetObject" || !a.AppliesTo("object") {
		t.Errorf("case-insensitive lookup: %+v", a)
	}
	if a, _ := LookupS3Action("s3:ListBucket"); !a.AppliesTo("bucket") || a.AppliesTo("object") {
		t.Errorf("s3:ListBucket: %+v", a)
	}
	if got := len(MatchS3Actions("s3:GetObject*")); got < 5 {
		t.Errorf("s3:GetObject* matches %d actions", got)
	}
	for region, partition := range map[string]string{"eu-west-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov", "eusc-de-east-1": "aws-eusc", "us-isob-east-1": "aws-iso-b"} {
		if r, ok := LookupRegion(region); !ok || r.Partition != partition || Partition(region) != partition {
			t.Errorf("%s: %+v %v, partition %s", region, r, ok, Partition(region))
		}
	}
	for _, r := range Regions() {
		if strings.Contains(r.Name, "global") {
			t.Errorf("pseudo-Region %s listed", r.Name)
		}
	}
}

func TestProblemsInKeyOrder(t *testing.T) {
	ps := Problems{
		{Key: "tags", Message: "t"},
		{Key: "consumers[10].vpcId", Message: "c10"},
		{Key: "extraBucketPolicyStatements[1]", Message: "e1"},
		{Key: "consumers[2].name", Message: "c2a"},
		{Key: "bucketName", Message: "b"},
		{Key: "consumers[2].roleArns[0]", Message: "c2b"},
		{Key: "somethingElse", Message: "x"},
		{Key: "extraBucketPolicyStatements[0]", Message: "e0"},
	}
	got := ps.InKeyOrder([]string{"bucketName", "consumers", "tags", "extraBucketPolicyStatements"})
	var msgs []string
	for _, p := range got {
		msgs = append(msgs, p.Message)
	}
	if strings.Join(msgs, " ") != "b c2a c2b c10 t e0 e1 x" {
		t.Errorf("order %v", msgs)
	}
}
