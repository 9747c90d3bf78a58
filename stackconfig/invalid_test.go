package stackconfig

import (
	"strings"
	"testing"
)

// baseConfig is a valid single-consumer stack with a profile for the bucket account.
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

// Each invalid single-consumer configuration, with the line the user sees: the key they wrote and
// a valid form. (program keeps a few of them end to end, checking nothing is registered.)
func TestInvalidConfigurationsAreRefusedWithTheirKey(t *testing.T) {
	cases := []struct {
		name   string
		change func(c map[string]string)
		want   string
	}{
		{"missing bucket account", func(c map[string]string) { delete(c, "bucketAccountId") },
			"bucketAccountId: is required; set it with: pulumi config set bucketAccountId 111111111111"},
		{"short account ID", func(c map[string]string) { c["bucketAccountId"] = "12345" },
			`bucketAccountId: "12345" is not an AWS account ID; use the 12 digits, e.g. 111111111111`},
		{"account ID with letters", func(c map[string]string) { c["consumerAccountId"] = "22222222222x" },
			`consumerAccountId: "22222222222x" is not an AWS account ID; use the 12 digits, e.g. 111111111111`},
		{"same account twice", func(c map[string]string) {
			c["consumerAccountId"] = "111111111111"
			c["consumerRoleArns"] = `["arn:aws:iam::111111111111:role/app"]`
		}, "consumerAccountId: is the bucket owner's account too (111111111111); this stack connects two different accounts"},
		{"malformed Region", func(c map[string]string) { c["bucketRegion"] = "Ireland" },
			`bucketRegion: "Ireland" is not an AWS Region name; use a code such as eu-west-1`},
		{"Regions differ", func(c map[string]string) { c["consumerRegion"] = "us-east-1" },
			"consumerRegion: us-east-1 differs from bucketRegion eu-west-1; an S3 gateway endpoint reaches only buckets in its own Region, so set both to eu-west-1"},
		{"bucket name with capitals", func(c map[string]string) { c["bucketName"] = "Shared_Data" },
			`bucketName: "Shared_Data" has characters other than lowercase letters, digits, '.' and '-', or does not start and end with a letter or digit; use 3 to 63 lowercase letters, digits, '.' and '-', e.g. shared-data-bucket`},
		{"bucket name too short", func(c map[string]string) { c["bucketName"] = "ab" },
			`bucketName: "ab" is not 3 to 63 characters long`},
		{"bucket name like an IP", func(c map[string]string) { c["bucketName"] = "192.168.1.10" },
			`bucketName: "192.168.1.10" is shaped like an IP address`},
		{"bucket name with two periods", func(c map[string]string) { c["bucketName"] = "shared..data" },
			`bucketName: "shared..data" has two adjacent periods`},
		{"VPC ID shape", func(c map[string]string) { c["vpcId"] = "vpc-xyz" },
			`vpcId: "vpc-xyz" is not a VPC ID; use the form vpc-0123456789abcdef0`},
		{"no route tables", func(c map[string]string) { c["routeTableIds"] = `[]` },
			`routeTableIds: needs at least one route table ID, e.g. ["rtb-0123456789abcdef0"]`},
		{"route table ID shape", func(c map[string]string) { c["routeTableIds"] = `["rtb-0a1b2c3d4e5f60718","subnet-0a1b2c3d"]` },
			`routeTableIds[1]: "subnet-0a1b2c3d" is not a route table ID; use the form rtb-0123456789abcdef0`},
		{"duplicate route table", func(c map[string]string) { c["routeTableIds"] = `["rtb-0a1b2c3d4e5f60718","rtb-0a1b2c3d4e5f60718"]` },
			"routeTableIds: lists rtb-0a1b2c3d4e5f60718 more than once"},
		{"route tables not a list", func(c map[string]string) { c["routeTableIds"] = "rtb-0a1b2c3d4e5f60718" },
			"routeTableIds: must be a list of strings, e.g. pulumi config set --path 'routeTableIds[0]' VALUE, or in the stack file a YAML list"},
		{"endpoint ID shape", func(c map[string]string) { c["adoptEndpointId"] = "vpce-123" },
			`adoptEndpointId: "vpce-123" is not a VPC endpoint ID; use the form vpce-0123456789abcdef0, or leave it unset to create an endpoint`},
		{"no roles", func(c map[string]string) { c["consumerRoleArns"] = `[]` },
			`consumerRoleArns: needs at least one IAM role ARN in the consumer account, e.g. ["arn:aws:iam::222222222222:role/app"]`},
		{"role ARN malformed", func(c map[string]string) { c["consumerRoleArns"] = `["arn:aws:iam::222222222222:user/alice"]` },
			`consumerRoleArns[0]: "arn:aws:iam::222222222222:user/alice" is not an IAM role ARN; use arn:aws:iam::222222222222:role/app`},
		{"role in the wrong account", func(c map[string]string) { c["consumerRoleArns"] = `["arn:aws:iam::333333333333:role/app"]` },
			"consumerRoleArns[0]: role arn:aws:iam::333333333333:role/app is in account 333333333333, not in the consumer account 222222222222"},
		{"role in the wrong partition", func(c map[string]string) { c["consumerRoleArns"] = `["arn:aws-cn:iam::222222222222:role/app"]` },
			"consumerRoleArns[0]: role arn:aws-cn:iam::222222222222:role/app is in partition aws-cn but Region eu-west-1 is in aws"},
		{"wildcard action", func(c map[string]string) { c["actions"] = `["s3:*"]` },
			`actions[0]: "s3:*" is a wildcard; name each object action, e.g. s3:GetObject`},
		{"star action", func(c map[string]string) { c["actions"] = `["*"]` },
			`actions[0]: "*" is a wildcard; name each object action, e.g. s3:GetObject`},
		{"not an S3 action", func(c map[string]string) { c["actions"] = `["ec2:RunInstances"]` },
			`actions[0]: "ec2:RunInstances" is not an S3 action; use the form s3:GetObject`},
		{"bucket-level action", func(c map[string]string) { c["actions"] = `["s3:GetObject","s3:ListBucket"]` },
			`actions[1]: "s3:ListBucket" is a bucket-level action; only object actions are granted (set allowListing: true for s3:ListBucket)`},
		{"no actions", func(c map[string]string) { c["actions"] = `[]` },
			`actions: needs at least one S3 object action, e.g. ["s3:GetObject", "s3:PutObject"]`},
		{"prefix with leading slash", func(c map[string]string) { c["prefixes"] = `["/reports/"]` },
			`prefixes[0]: "/reports/" starts with '/'; S3 keys do not, so write "reports/"`},
		{"prefix with wildcard", func(c map[string]string) { c["prefixes"] = `["reports/*"]` },
			`prefixes[0]: "reports/*" has a wildcard; write the plain key prefix, e.g. reports/`},
		{"endpoint policy mode", func(c map[string]string) { c["endpointPolicy"] = "strict" },
			`endpointPolicy: "strict" is not a mode; use "full-access" (AWS's default, the endpoint filters nothing) or "restricted"`},
		{"allowed buckets without restricted mode", func(c map[string]string) { c["endpointAllowedBuckets"] = `["os-mirror"]` },
			`endpointAllowedBuckets: is only used with endpointPolicy "restricted"; remove it or set the mode`},
		{"restricted policy on an adopted endpoint", func(c map[string]string) {
			c["adoptEndpointId"] = "vpce-0123456789abcdef0"
			c["endpointPolicy"] = "restricted"
		}, `endpointPolicy: "restricted" applies only to an endpoint this stack creates; an adopted endpoint keeps its own policy, so use "full-access" with adoptEndpointId`},
		{"allowListing not a boolean", func(c map[string]string) { c["allowListing"] = "yes" },
			`allowListing: "yes" is not a boolean; use true or false`},
		{"assume role in another account", func(c map[string]string) { c["bucketAssumeRoleArn"] = "arn:aws:iam::222222222222:role/deployer" },
			"bucketAssumeRoleArn: role arn:aws:iam::222222222222:role/deployer is in account 222222222222, not in bucketAccountId (111111111111); the provider would act in the wrong account"},
		{"external ID without a role", func(c map[string]string) { c["bucketExternalId"] = "abc123" },
			"bucketExternalId: is set but bucketAssumeRoleArn is not; an external ID only goes with a role to assume"},
		{"session name shape", func(c map[string]string) {
			c["consumerAssumeRoleArn"] = "arn:aws:iam::222222222222:role/deployer"
			c["consumerSessionName"] = "has spaces in it"
		}, `consumerSessionName: "has spaces in it" must be 2 to 64 characters of letters, digits and +=,.@_-, e.g. pulumi-deploy`},
		{"tag key reserved", func(c map[string]string) { c["tags"] = `{"aws:owner":"me"}` },
			`tags: key "aws:owner" uses the prefix aws:, which AWS reserves`},
		{"tag value too long", func(c map[string]string) { c["tags"] = `{"note":"` + strings.Repeat("x", 300) + `"}` },
			`tags: value of "note" is 300 characters; AWS allows at most 256`},
		{"tags not a map", func(c map[string]string) { c["tags"] = `["team"]` },
			"tags: must be a map of string keys to string values, e.g. in the stack file:  tags: {team: platform}"},
		{"extra statements not JSON", func(c map[string]string) { c["extraBucketPolicyStatements"] = `{"Sid":` },
			"extraBucketPolicyStatements: is not a JSON array of policy statements"},
		{"extra statement Sid clash", func(c map[string]string) {
			c["extraBucketPolicyStatements"] = `[{"Sid":"DenyInsecureTransport","Effect":"Allow"}]`
		}, `extraBucketPolicyStatements[0]: Sid "DenyInsecureTransport" is already used by this stack's own statements`},
		{"KMS: the AWS managed key", func(c map[string]string) { c["bucketKmsKeyArn"] = "alias/aws/s3" },
			`bucketKmsKeyArn: "alias/aws/s3" is the AWS managed key for S3 (aws/s3), which no other account can use: its key policy is AWS's, lets only principals of account 111111111111 use it, through S3, and cannot be changed. ` +
				`Use a customer managed key instead: create a symmetric key in account 111111111111 and Region eu-west-1 (aws kms create-key), make it the bucket's default encryption, ` +
				`copy the existing objects onto themselves so that S3 re-encrypts them under it, and set bucketKmsKeyArn to its key ARN (arn:aws:kms:eu-west-1:111111111111:key/...)`},
		{"KMS: an alias", func(c map[string]string) { c["bucketKmsKeyArn"] = "alias/shared-data" },
			`bucketKmsKeyArn: "alias/shared-data" is an alias; give the key ARN it points to (in account 111111111111: aws kms describe-key --key-id alias/shared-data --query KeyMetadata.Arn). ` +
				`An alias can be pointed at another key at any time, and S3 resolves an alias in the account of whoever makes the request, so for a consumer it would name a key of the consumer's account`},
		{"KMS: a key of another account", func(c map[string]string) {
			c["bucketKmsKeyArn"] = "arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		}, `bucketKmsKeyArn: key arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab is in account 333333333333, not in bucketAccountId 111111111111: ` +
			`this stack gives the consumers the key through grants that the bucket account's provider creates, so the key must be the bucket account's (the one its default encryption names)`},
		{"KMS: a key of another Region", func(c map[string]string) {
			c["bucketKmsKeyArn"] = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		}, `bucketKmsKeyArn: key arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab is in Region us-east-1, not in bucketRegion eu-west-1: ` +
			`S3 encrypts a bucket's objects only with a key of the bucket's own Region, so give the key of eu-west-1 (for a multi-Region key, its replica there)`},
		{"KMS: a bare key ID", func(c map[string]string) { c["bucketKmsKeyArn"] = "1234abcd-12ab-34cd-56ef-1234567890ab" },
			`bucketKmsKeyArn: "1234abcd-12ab-34cd-56ef-1234567890ab" is a key ID; give the full key ARN, arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab: a key of another account can only be named by its ARN`},
		{"KMS: a Bucket Key without a key", func(c map[string]string) { c["bucketKeyEnabled"] = "true" },
			"bucketKeyEnabled: is only used with bucketKmsKeyArn; remove it, or set bucketKmsKeyArn to the key ARN of the bucket's SSE-KMS key"},
		{"KMS: key enabled not a boolean", func(c map[string]string) { c["bucketKeyEnabled"] = "yes" },
			`bucketKeyEnabled: "yes" is not a boolean; use true or false`},
		{"consumer name shape", func(c map[string]string) { c["consumerName"] = "Data Lake" },
			`consumerName: "Data Lake" is not a usable name; use 2 to 32 lowercase letters, digits and '-', starting with a letter, e.g. analytics`},
	}
	if len(cases) < 25 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig()
			tc.change(cfg)
			_, _, ps := Load(MapSource{Values: cfg, Secrets: map[string]bool{"bucketExternalId": true, "consumerExternalId": true}})
			if len(ps) == 0 {
				t.Fatal("accepted")
			}
			if err := ps.Error(); !strings.Contains(err, "\n  - "+tc.want) {
				t.Errorf("problems:\n%s\nwant a line starting:\n  - %s", err, tc.want)
			}
		})
	}
}

// The bucket has one key, whoever writes: a consumers item cannot name a key of its own.
func TestAConsumersItemHasNoKeyOfItsOwn(t *testing.T) {
	cfg := baseConfig()
	for _, k := range []string{"consumerName", "consumerAccountId", "consumerRegion", "consumerRoleArns", "vpcId", "routeTableIds"} {
		delete(cfg, k)
	}
	cfg["bucketKmsKeyArn"] = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	cfg["consumers"] = `[{"name":"web","accountId":"222222222222","vpcId":"vpc-0a1b2c3d4e5f60718","routeTableIds":["rtb-0a1b2c3d4e5f60718"],` +
		`"roleArns":["arn:aws:iam::222222222222:role/web"],"kmsKeyArn":"arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]`
	s, _, ps := Load(MapSource{Values: cfg})
	if len(ps) != 1 || !strings.HasPrefix(ps[0].String(), "consumers[0].kmsKeyArn: is not a consumer field") {
		t.Errorf("got %v", ps)
	}
	if s.Bucket.Encryption.KMSKeyARN != cfg["bucketKmsKeyArn"] {
		t.Errorf("key %q", s.Bucket.Encryption.KMSKeyARN)
	}
}

// A valid key is read into the spec, Bucket Key included, and accepted.
func TestAKeyIsRead(t *testing.T) {
	cfg := baseConfig()
	cfg["bucketKmsKeyArn"] = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	cfg["bucketKeyEnabled"] = "true"
	s, _, ps := Load(MapSource{Values: cfg})
	if len(ps) != 0 {
		t.Fatal(ps)
	}
	if e := s.Bucket.Encryption; e.KMSKeyARN != cfg["bucketKmsKeyArn"] || !e.BucketKey {
		t.Errorf("got %+v", e)
	}
}
