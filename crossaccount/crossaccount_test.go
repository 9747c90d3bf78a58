package crossaccount

import (
	"strings"
	"testing"

	"cross-account-s3/spec"
)

func consumerSpec(actions ...string) (spec.Spec, spec.Consumer) {
	c := spec.Consumer{
		Name: "analytics", Account: spec.Account{ID: "222222222222", Region: "eu-west-1"},
		VpcID: "vpc-0a1b2c3d4e5f60718", RouteTableIDs: []string{"rtb-0a1b2c3d4e5f60718"},
		RoleARNs: []string{"arn:aws:iam::222222222222:role/app"},
		Endpoint: spec.Endpoint{Policy: spec.FullAccess},
		Access:   spec.Access{Actions: actions},
	}
	s := spec.Spec{
		Bucket:    spec.BucketOwner{Account: spec.Account{ID: "111111111111", Region: "eu-west-1"}, Name: "shared-data"},
		Consumers: []spec.Consumer{c},
	}
	return s, c
}

func TestRiskyActionsAreWarnedAbout(t *testing.T) {
	s, _ := consumerSpec("s3:GetObject", "s3:PutObject")
	if w := Warnings(s, spec.SideBoth); len(w) != 0 {
		t.Errorf("unexpected warnings %v", w)
	}
	s, _ = consumerSpec("s3:PutObject", "s3:PutObjectAcl")
	want := "consumers[0].actions grants s3:PutObjectAcl to account 222222222222: where ACLs are honoured (Object Ownership ObjectWriter or BucketOwnerPreferred) it changes who may read an object, other accounts or the public included unless Block Public Access stops it; on BucketOwnerEnforced buckets (the default for new buckets) ACLs are disabled and it grants nothing, and this stack's grant then requires uploads to carry the header x-amz-acl: bucket-owner-full-control (https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html)."
	if w := Warnings(s, spec.SideBoth); len(w) != 1 || w[0] != want {
		t.Errorf("warnings %v\nwant %s", w, want)
	}
}

func TestTestCommandMatchesTheGrantedAccess(t *testing.T) {
	s, c := consumerSpec("s3:GetObject")
	want := "aws s3api get-object --region eu-west-1 --bucket shared-data --key REPLACE-WITH-AN-EXISTING-KEY /dev/stdout"
	if got := TestCommand(s, c); got != want {
		t.Errorf("read-only:\n got %s\nwant %s", got, want)
	}
	s, c = consumerSpec("s3:PutObject", "s3:PutObjectAcl")
	want = "echo ok > /tmp/endpoint-check.txt && aws s3api put-object --region eu-west-1 --bucket shared-data --key endpoint-check.txt --body /tmp/endpoint-check.txt --acl bucket-owner-full-control"
	if got := TestCommand(s, c); got != want {
		t.Errorf("write with ACL:\n got %s\nwant %s", got, want)
	}
}

func TestCheckAdoptedAcceptsAFittingEndpoint(t *testing.T) {
	s, _ := consumerSpec("s3:GetObject")
	s.Consumers[0].Endpoint.AdoptID = "vpce-0123456789abcdef0"
	g := s.Layout().Endpoints[0]
	if err := CheckAdopted(g, "Gateway", "com.amazonaws.eu-west-1.s3", g.VpcID, []string{"rtb-0a1b2c3d4e5f60718", "rtb-0f1e2d3c4b5a69788"}); err != nil {
		t.Error(err)
	}
}

// Each side's preview warns about what its user can change: a consumer stack about its roles (the
// PutObjectAcl grant, a role whose identity policy does not hold the key to S3), the owner about
// the bucket policy and the key's grants; the single stack about all of it.
func TestWarningsBySide(t *testing.T) {
	s, _ := consumerSpec("s3:GetObject", "s3:PutObjectAcl")
	s.Bucket.Encryption = spec.Encryption{KMSKeyARN: "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
	s.BucketPolicyGrouping = spec.GroupByAccess
	kinds := func(ws []string) string {
		var out []string
		for _, w := range ws {
			switch {
			case strings.Contains(w, "grants s3:PutObjectAcl"):
				out = append(out, "acl")
			case strings.Contains(w, "manageRolePolicy is false"):
				out = append(out, "role-key")
			case strings.Contains(w, "bucket.keyEnabled is not set"):
				out = append(out, "bucket-key")
			case strings.Contains(w, `bucketPolicyGrouping is "by-access"`):
				out = append(out, "grouping")
			default:
				out = append(out, "other: "+w)
			}
		}
		return strings.Join(out, ",")
	}
	for side, want := range map[spec.Side]string{
		spec.SideConsumer: "acl,role-key",
		spec.SideOwner:    "grouping,bucket-key,role-key",
		spec.SideBoth:     "acl,grouping,bucket-key,role-key",
	} {
		if got := kinds(Warnings(s, side)); got != want {
			t.Errorf("side %s warns %s, want %s", side, got, want)
		}
	}
}
