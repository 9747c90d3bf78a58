package policydoc

import (
	"path/filepath"
	"testing"

	"cross-account-s3/spec"
	goldenfile "cross-account-s3/testworld/golden"
)

// golden compares got with testdata/<name>.json byte for byte.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Compare(t, filepath.Join("testdata", name+".json"), got+"\n")
}

const endpointID = "vpce-0fedcba9876543210"

func baseSpec() spec.Spec {
	return spec.Spec{
		Bucket: spec.BucketOwner{Account: spec.Account{ID: "111111111111", Region: "eu-west-1"}, Name: "shared-data"},
		Consumers: []spec.Consumer{{
			Name:          "analytics",
			Account:       spec.Account{ID: "222222222222", Region: "eu-west-1"},
			VpcID:         "vpc-0a1b2c3d4e5f60718",
			RouteTableIDs: []string{"rtb-0a1b2c3d4e5f60718"},
			RoleARNs:      []string{"arn:aws:iam::222222222222:role/analytics-ec2"},
			Endpoint:      spec.Endpoint{Policy: spec.FullAccess},
			Access:        spec.Access{Actions: []string{"s3:GetObject", "s3:PutObject"}},
		}},
	}
}

func with(change func(s *spec.Spec, c *spec.Consumer)) spec.Spec {
	s := baseSpec()
	change(&s, &s.Consumers[0])
	return s
}

// Cases are the configurations whose documents are kept as golden files.
var cases = map[string]spec.Spec{
	"whole-bucket": baseSpec(),
	"prefixes-listing-two-roles": with(func(s *spec.Spec, c *spec.Consumer) {
		c.RoleARNs = append(c.RoleARNs, "arn:aws:iam::222222222222:role/batch/nightly-export")
		c.Access.Prefixes = []string{"reports/", "exports/daily/"}
		c.Access.AllowListing = true
	}),
	"put-object-acl": with(func(s *spec.Spec, c *spec.Consumer) {
		c.Access.Actions = []string{"s3:GetObject", "s3:PutObject", "s3:PutObjectAcl"}
	}),
	"read-only-restricted-endpoint": with(func(s *spec.Spec, c *spec.Consumer) {
		c.Access.Actions = []string{"s3:GetObject"}
		c.Access.AllowListing = true
		c.Endpoint = spec.Endpoint{Policy: spec.Restricted, AllowedBuckets: []spec.AllowedBucket{
			{Name: "al2023-repos-eu-west-1-de612dc2"}, {Name: "example-logs", Write: true}}}
	}),
	"extra-statements": with(func(s *spec.Spec, c *spec.Consumer) {
		s.ExtraBucketStatements = []map[string]any{{
			"Sid": "KeepAuditRead", "Effect": "Allow",
			"Principal": map[string]any{"AWS": "arn:aws:iam::222222222222:role/auditor"},
			"Action":    "s3:GetObject", "Resource": "arn:aws:s3:::shared-data/audit/*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceVpc": "vpc-0123456789abcdef0"}},
		}}
	}),
	// Athena reads for the role: an Allow via aws:CalledVia, and the perimeter's exemption.
	"via-athena": with(func(s *spec.Spec, c *spec.Consumer) {
		c.Access = spec.Access{Actions: []string{"s3:GetObject"}, AllowListing: true, ViaServices: []string{"athena.amazonaws.com"}}
	}),
	"china-partition": with(func(s *spec.Spec, c *spec.Consumer) {
		s.Bucket.Account.Region, c.Account.Region = "cn-north-1", "cn-north-1"
		c.RoleARNs = []string{"arn:aws-cn:iam::222222222222:role/analytics-ec2"}
	}),
	// KMS: the bucket and endpoint policies are those of the same stack without a key; the role
	// policy gains the key statements, and the key gains a grant per role (kms-*.key-grants.json).
	"kms-bucket-key": with(func(s *spec.Spec, c *spec.Consumer) {
		s.Bucket.Encryption = spec.Encryption{KMSKeyARN: keyARN, BucketKey: true}
		c.RoleARNs = append(c.RoleARNs, "arn:aws:iam::222222222222:role/batch/nightly-export")
		c.ManageRolePolicy = true
	}),
	"kms-read-only-restricted-endpoint": with(func(s *spec.Spec, c *spec.Consumer) {
		s.Bucket.Encryption = spec.Encryption{KMSKeyARN: keyARN}
		c.Access = spec.Access{Actions: []string{"s3:GetObject"}, Prefixes: []string{"reports/"}, AllowListing: true}
		c.Endpoint = spec.Endpoint{Policy: spec.Restricted}
	}),
	"kms-china-partition": with(func(s *spec.Spec, c *spec.Consumer) {
		s.Bucket.Account.Region, c.Account.Region = "cn-north-1", "cn-north-1"
		s.Bucket.Encryption = spec.Encryption{KMSKeyARN: "arn:aws-cn:kms:cn-north-1:111111111111:key/" + keyID, BucketKey: true}
		c.RoleARNs = []string{"arn:aws-cn:iam::222222222222:role/analytics-ec2"}
	}),
}

const (
	keyID  = "1234abcd-12ab-34cd-56ef-1234567890ab"
	keyARN = "arn:aws:kms:eu-west-1:111111111111:key/" + keyID
)

func TestGoldenDocuments(t *testing.T) {
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			if ps := s.Validate(); len(ps) > 0 {
				t.Fatalf("case is not a valid spec: %v", ps)
			}
			c := s.Consumers[0]
			golden(t, name+".bucket-policy", BucketPolicy(s, EndpointIDs{c.Name: endpointID}).JSON())
			golden(t, name+".endpoint-policy", EndpointPolicy(s, s.Layout().Endpoints[0]).JSON())
			golden(t, name+".role-policy", RolePolicy(s, c).JSON())
			if s.Bucket.Encryption.KMS() {
				golden(t, name+".key-grants", grantsJSON(t, s.Layout().KeyGrants))
			}
		})
	}
}

// The three-consumer stack of the cross-path tests (two VPCs of one account, one of another), in
// each grouping, with a restricted endpoint listing a package repository and a writable bucket.
func TestGoldenThreeConsumerDocuments(t *testing.T) {
	for name, grouping := range map[string]spec.BucketPolicyGrouping{"three-consumers-per-endpoint": "", "three-consumers-by-access": spec.GroupByAccess, "three-consumers-by-account": spec.GroupByAccount, "three-consumers-by-organization": spec.GroupByOrganization} {
		t.Run(name, func(t *testing.T) {
			s := threeConsumers(spec.Restricted, grouping)
			if grouping == spec.GroupByOrganization {
				s.OrganizationID = "o-a1b2c3d4e5"
			}
			s.Consumers[0].Endpoint.AllowedBuckets = []spec.AllowedBucket{{Name: "al2023-repos-eu-west-1-de612dc2"}, {Name: "example-logs", Write: true}}
			s.Consumers[1].Access = spec.Access{Actions: []string{"s3:GetObject"}, Prefixes: []string{"reports/"}, AllowListing: true}
			if ps := append(s.Validate(), Check(s)...); len(ps) > 0 {
				t.Fatalf("case is not a valid spec: %v", ps)
			}
			golden(t, name+".bucket-policy", BucketPolicy(s, threeIDs()).JSON())
			if name == "three-consumers-per-endpoint" {
				golden(t, name+".analytics.endpoint-policy", EndpointPolicy(s, s.Layout().Endpoints[0]).JSON())
			}
		})
	}
}
