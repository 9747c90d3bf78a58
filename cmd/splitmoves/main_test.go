package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// export is a `pulumi stack export` of a single stack with one consumer account, as the program
// lays it out (the engine test runs the printed commands against a real state).
func export(t *testing.T, resources ...apitype.ResourceV3) string {
	t.Helper()
	d, err := json.Marshal(apitype.DeploymentV3{Resources: resources})
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(apitype.UntypedDeployment{Version: 3, Deployment: d})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

const (
	root     = "urn:pulumi:dev::cross-account-s3::"
	shared   = root + "cross-account-s3:index:SharedBucketAccess::shared-bucket"
	ownerURN = root + "cross-account-s3:index:SharedBucketAccess$cross-account-s3:index:BucketOwnerAccount::bucket-owner"
	account  = root + "cross-account-s3:index:SharedBucketAccess$cross-account-s3:index:ConsumerAccount::account-222222222222"
)

func res(urn, typ, parent string) apitype.ResourceV3 {
	return apitype.ResourceV3{URN: resource.URN(urn), Type: tokens.Type(typ), Parent: resource.URN(parent), Custom: true}
}

func TestItPrintsTheMovesOfEveryLeaf(t *testing.T) {
	in := export(t,
		res(shared, "cross-account-s3:index:SharedBucketAccess", ""),
		res(account, "cross-account-s3:index:ConsumerAccount", shared),
		res(root+"cross-account-s3:index:SharedBucketAccess$cross-account-s3:index:ConsumerAccount$pulumi:providers:aws::consumer-222222222222", "pulumi:providers:aws", account),
		res(root+"cross-account-s3:index:SharedBucketAccess$cross-account-s3:index:ConsumerAccount$aws:ec2/vpcEndpoint:VpcEndpoint::s3-gateway-vpc-0a", "aws:ec2/vpcEndpoint:VpcEndpoint", account),
		res(root+"cross-account-s3:index:SharedBucketAccess$cross-account-s3:index:ConsumerAccount$aws:iam/rolePolicy:RolePolicy::role-policy-222222222222-app", "aws:iam/rolePolicy:RolePolicy", account),
		res(ownerURN, "cross-account-s3:index:BucketOwnerAccount", shared),
		res(root+"cross-account-s3:index:SharedBucketAccess$cross-account-s3:index:BucketOwnerAccount$aws:s3/bucketPolicy:BucketPolicy::shared-data", "aws:s3/bucketPolicy:BucketPolicy", ownerURN),
		res(root+"cross-account-s3:index:SharedBucketAccess$cross-account-s3:index:BucketOwnerAccount$aws:kms/grant:Grant::key-grant-222222222222-app", "aws:kms/grant:Grant", ownerURN),
	)
	var out, errOut bytes.Buffer
	if code := run([]string{"-source", "dev", "-consumer-stack", "team-{account}", "-owner-stack", "bucket"}, strings.NewReader(in), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	want := "pulumi state move --source dev --dest team-222222222222 --yes " +
		"'" + root + "cross-account-s3:index:SharedBucketAccess$cross-account-s3:index:ConsumerAccount$aws:ec2/vpcEndpoint:VpcEndpoint::s3-gateway-vpc-0a' " +
		"'" + root + "cross-account-s3:index:SharedBucketAccess$cross-account-s3:index:ConsumerAccount$aws:iam/rolePolicy:RolePolicy::role-policy-222222222222-app'\n" +
		"pulumi state move --source dev --dest bucket --yes " +
		"'" + root + "cross-account-s3:index:SharedBucketAccess$cross-account-s3:index:BucketOwnerAccount$aws:kms/grant:Grant::key-grant-222222222222-app' " +
		"'" + root + "cross-account-s3:index:SharedBucketAccess$cross-account-s3:index:BucketOwnerAccount$aws:s3/bucketPolicy:BucketPolicy::shared-data'\n"
	if out.String() != want {
		t.Errorf("printed\n%s\nwant\n%s", out.String(), want)
	}
}

func TestItRefusesWhatItCannotSplit(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		in   string
		code int
		want string
	}{
		"no source":     {nil, "{}", 2, "usage: pulumi stack export --stack NAME | go run ./cmd/splitmoves -source NAME"},
		"not an export": {[]string{"-source", "dev"}, "hello", 1, "splitmoves: standard input is not the output of pulumi stack export"},
		"a split stack's state": {[]string{"-source", "consumer-2"}, export(t,
			res("urn:pulumi:c::cross-account-s3::aws:ec2/vpcEndpoint:VpcEndpoint::s3-gateway-vpc-0a", "aws:ec2/vpcEndpoint:VpcEndpoint", "")),
			1, "is not under a cross-account-s3:index:ConsumerAccount component: is this the state of a single stack (side: both) of this program?"},
		"nothing to move": {[]string{"-source", "dev"}, export(t, res(shared, "cross-account-s3:index:SharedBucketAccess", "")),
			1, "splitmoves: the state holds no endpoint, role policy, bucket policy or key grant of this program: nothing to move"},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(tc.args, strings.NewReader(tc.in), &out, &errOut)
			if code != tc.code || !strings.Contains(errOut.String(), tc.want) || out.Len() != 0 {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out.String(), errOut.String(), tc.code, tc.want)
			}
		})
	}
}
