package preflight

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestPlan(t *testing.T) {
	adopt := listSpec()
	adopt.Consumers[2].Endpoint.AdoptID = vpceThem
	var lines []string
	for _, l := range Lookups(mustValid(t, adopt), opts) {
		lines = append(lines, l.String())
	}
	got := strings.Join(lines, "\n")
	want := `bucketName: bucket shared-data exists in account 111111111111 and Region eu-west-1 (s3.LookupBucket shared-data in account 111111111111, eu-west-1, provider bucket-owner; needs s3:ListBucket)
bucketName: every statement of the live bucket policy is this stack's own or kept in extraBucketPolicyStatements (s3.LookupBucketPolicy shared-data in account 111111111111, eu-west-1, provider bucket-owner; needs s3:GetBucketPolicy)
consumers[0].roleArns[0]: the role exists with this ARN (iam.LookupRole arn:aws:iam::222222222222:role/web in account 222222222222, eu-west-1, provider consumer-222222222222; needs iam:GetRole)
consumers[2].roleArns[0]: the role exists with this ARN (iam.LookupRole arn:aws:iam::333333333333:role/ingest in account 333333333333, eu-west-1, provider consumer-333333333333; needs iam:GetRole)
consumers[1].roleArns[0]: the role exists with this ARN (iam.LookupRole arn:aws:iam::222222222222:role/reporting in account 222222222222, eu-west-1, provider consumer-222222222222; needs iam:GetRole)
consumers[0].routeTableIds[0]: route table rtb-0a0a0a0a0a0a0a0a1 exists and belongs to vpc-0a0a0a0a0a0a0a0a0 (ec2.LookupRouteTable rtb-0a0a0a0a0a0a0a0a1 in account 222222222222, eu-west-1, provider consumer-222222222222; needs ec2:DescribeRouteTables)
consumers[0].adoptEndpointId: no S3 gateway endpoint but this stack's own serves a listed route table (ec2.LookupVpcEndpoint vpc-0a0a0a0a0a0a0a0a0 in account 222222222222, eu-west-1, provider consumer-222222222222; needs ec2:DescribeVpcEndpoints and ec2:DescribePrefixLists)
consumers[0].adoptEndpointId: which of them is this stack's own (tag cross-account-s3:stack) (ec2.LookupVpcEndpoint vpc-0a0a0a0a0a0a0a0a0 in account 222222222222, eu-west-1, provider consumer-222222222222; needs ec2:DescribeVpcEndpoints and ec2:DescribePrefixLists); only when vpc-0a0a0a0a0a0a0a0a0 has several S3 gateway endpoints
consumers[0].adoptEndpointId: S3's prefix list in eu-west-1 (ec2.GetPrefixList com.amazonaws.eu-west-1.s3 in account 222222222222, eu-west-1, provider consumer-222222222222; needs ec2:DescribePrefixLists); only when vpc-0a0a0a0a0a0a0a0a0 has several S3 gateway endpoints
consumers[0].adoptEndpointId: which route tables of vpc-0a0a0a0a0a0a0a0a0 route to S3's prefix list (ec2.GetRouteTables vpc-0a0a0a0a0a0a0a0a0 in account 222222222222, eu-west-1, provider consumer-222222222222; needs ec2:DescribeRouteTables); only when vpc-0a0a0a0a0a0a0a0a0 has several S3 gateway endpoints
consumers[1].routeTableIds[0]: route table rtb-0b0b0b0b0b0b0b0b1 exists and belongs to vpc-0b0b0b0b0b0b0b0b0 (ec2.LookupRouteTable rtb-0b0b0b0b0b0b0b0b1 in account 222222222222, eu-west-1, provider consumer-222222222222; needs ec2:DescribeRouteTables)
consumers[1].adoptEndpointId: no S3 gateway endpoint but this stack's own serves a listed route table (ec2.LookupVpcEndpoint vpc-0b0b0b0b0b0b0b0b0 in account 222222222222, eu-west-1, provider consumer-222222222222; needs ec2:DescribeVpcEndpoints and ec2:DescribePrefixLists)
consumers[1].adoptEndpointId: which of them is this stack's own (tag cross-account-s3:stack) (ec2.LookupVpcEndpoint vpc-0b0b0b0b0b0b0b0b0 in account 222222222222, eu-west-1, provider consumer-222222222222; needs ec2:DescribeVpcEndpoints and ec2:DescribePrefixLists); only when vpc-0b0b0b0b0b0b0b0b0 has several S3 gateway endpoints
consumers[1].adoptEndpointId: S3's prefix list in eu-west-1 (ec2.GetPrefixList com.amazonaws.eu-west-1.s3 in account 222222222222, eu-west-1, provider consumer-222222222222; needs ec2:DescribePrefixLists); only when vpc-0b0b0b0b0b0b0b0b0 has several S3 gateway endpoints
consumers[1].adoptEndpointId: which route tables of vpc-0b0b0b0b0b0b0b0b0 route to S3's prefix list (ec2.GetRouteTables vpc-0b0b0b0b0b0b0b0b0 in account 222222222222, eu-west-1, provider consumer-222222222222; needs ec2:DescribeRouteTables); only when vpc-0b0b0b0b0b0b0b0b0 has several S3 gateway endpoints
consumers[2].routeTableIds[0]: route table rtb-0c0c0c0c0c0c0c0c1 exists and belongs to vpc-0c0c0c0c0c0c0c0c0 (ec2.LookupRouteTable rtb-0c0c0c0c0c0c0c0c1 in account 333333333333, eu-west-1, provider consumer-333333333333; needs ec2:DescribeRouteTables)
consumers[2].adoptEndpointId: endpoint vpce-0fedcba9876543210 is an S3 gateway endpoint of eu-west-1 in vpc-0c0c0c0c0c0c0c0c0 on every listed route table (ec2.LookupVpcEndpoint vpce-0fedcba9876543210 in account 333333333333, eu-west-1, provider consumer-333333333333; needs ec2:DescribeVpcEndpoints and ec2:DescribePrefixLists)`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	perms := Permissions(adopt, opts)
	if fmt.Sprint(perms) != "map[111111111111:[s3:GetBucketPolicy s3:ListBucket] 222222222222:[ec2:DescribePrefixLists ec2:DescribeRouteTables ec2:DescribeVpcEndpoints iam:GetRole] 333333333333:[ec2:DescribePrefixLists ec2:DescribeRouteTables ec2:DescribeVpcEndpoints iam:GetRole]]" {
		t.Errorf("permissions %v", perms)
	}
}

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want Outcome
	}{
		{errNoPolicy, NotFound},
		{errNoBucket, NotFound},
		{errNoRole("web"), NotFound},
		{errNoRouteTable, NotFound},
		{errNoEndpoint, NotFound},
		{invokeErr("x", "api error InvalidVpcEndpointId.NotFound: The Vpc Endpoint Id 'vpce-1' does not exist"), NotFound},
		{invokeErr("x", "reading S3 Bucket (b) Policy: operation error S3: GetBucketPolicy, https response error StatusCode: 404, api error NoSuchBucketPolicy: The bucket policy does not exist"), NotFound},
		{errSeveral, Several},
		{invokeErr("x", "multiple EC2 Route Tables matched; use additional constraints to reduce matches to a single EC2 Route Table"), Several},
		{errPolicyDenied, Denied},
		{errRoleDenied, Denied},
		{errRTDenied, Denied},
		{errBucketForbid, Denied},
		{invokeErr("x", "operation error S3: GetBucketPolicy, https response error StatusCode: 403, api error AccessDenied: Access Denied"), Denied},
		{errBucketMoved, WrongRegion},
		{invokeErr("x", "operation error S3: GetBucketPolicy, https response error StatusCode: 301, api error PermanentRedirect: The bucket you are attempting to access must be addressed using the specified endpoint."), WrongRegion},
		{invokeErr("x", "api error AuthorizationHeaderMalformed: The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'"), WrongRegion},
		{errThrottled, Failed},
		{errors.New("dial tcp: lookup sts.amazonaws.com: no such host"), Failed},
		{nil, Failed},
	} {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

func TestErrorWords(t *testing.T) {
	if got := lastLine(errNoPolicy); got != "reading S3 Bucket (shared-data) Policy: couldn't find resource" {
		t.Errorf("lastLine = %q", got)
	}
	if got := lastLine(errors.New("plain. ")); got != "plain" {
		t.Errorf("lastLine = %q", got)
	}
	if got := deniedAction(CallRouteTables, errRTDenied); got != "ec2:DescribeRouteTables" {
		t.Errorf("deniedAction = %q", got)
	}
	if got := deniedAction(CallBucketPolicy, errors.New("api error AccessDenied: Access Denied")); got != "s3:GetBucketPolicy" {
		t.Errorf("deniedAction without words = %q", got)
	}
	for _, c := range []Call{CallBucket, CallBucketPolicy, CallRole, CallRouteTable, CallVpcEndpoint, CallPrefixList, CallRouteTables} {
		if c.Function() == "" || c.Permission() == "" {
			t.Errorf("%s lacks its function or permission", c)
		}
	}
}
