package preflight

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"cross-account-s3/spec"
)

const (
	owner     = "111111111111"
	workloads = "222222222222"
	ingest    = "333333333333"
	region    = "eu-west-1"
	bucket    = "shared-data"
	bucketARN = "arn:aws:s3:::shared-data"
	vpcA      = "vpc-0a0a0a0a0a0a0a0a0"
	vpcB      = "vpc-0b0b0b0b0b0b0b0b0"
	vpcC      = "vpc-0c0c0c0c0c0c0c0c0"
	rtbA1     = "rtb-0a0a0a0a0a0a0a0a1"
	rtbA2     = "rtb-0a0a0a0a0a0a0a0a2"
	rtbB1     = "rtb-0b0b0b0b0b0b0b0b1"
	rtbC1     = "rtb-0c0c0c0c0c0c0c0c1"
	roleWeb   = "arn:aws:iam::222222222222:role/web"
	roleBatch = "arn:aws:iam::222222222222:role/web-batch"
	roleRep   = "arn:aws:iam::222222222222:role/reporting"
	roleIng   = "arn:aws:iam::333333333333:role/ingest"
	vpceOurs  = "vpce-0123456789abcdef0"
	vpceThem  = "vpce-0fedcba9876543210"
)

// opts is a stack "dev" of the project.
var opts = Options{Project: "cross-account-s3", Stack: "dev"}

// flatSpec is the single-consumer form: consumer web of account 222222222222, two roles, two
// route tables of vpcA.
func flatSpec() spec.Spec {
	s := spec.Spec{
		Bucket: spec.BucketOwner{Account: spec.Account{ID: owner, Region: region, Credentials: spec.Credentials{Profile: "owner"}}, Name: bucket},
		Consumers: []spec.Consumer{{
			Name:          "web",
			Account:       spec.Account{ID: workloads, Region: region, Credentials: spec.Credentials{Profile: "workloads"}},
			VpcID:         vpcA,
			RouteTableIDs: []string{rtbA1, rtbA2},
			RoleARNs:      []string{roleWeb, roleBatch},
			Endpoint:      spec.Endpoint{Policy: spec.FullAccess},
			Access:        spec.Access{Actions: spec.DefaultActions},
		}},
	}
	return s
}

// listSpec is the list form: analytics and reporting share account 222222222222 in two VPCs,
// ingest is alone in 333333333333 (assumed role).
func listSpec() spec.Spec {
	s := flatSpec()
	item := func(i int, name, account string, creds spec.Credentials, vpc, rtb, role string) spec.Consumer {
		return spec.Consumer{
			Name: name, Account: spec.Account{ID: account, Region: region, Credentials: creds},
			VpcID: vpc, RouteTableIDs: []string{rtb}, RoleARNs: []string{role},
			Endpoint: spec.Endpoint{Policy: spec.FullAccess}, Access: spec.Access{Actions: spec.DefaultActions},
			Index: i,
		}
	}
	s.Consumers = []spec.Consumer{
		item(0, "analytics", workloads, spec.Credentials{Profile: "workloads"}, vpcA, rtbA1, roleWeb),
		item(1, "reporting", workloads, spec.Credentials{Profile: "workloads"}, vpcB, rtbB1, roleRep),
		item(2, "ingest", ingest, spec.Credentials{AssumeRoleARN: "arn:aws:iam::333333333333:role/pulumi-deployer"}, vpcC, rtbC1, roleIng),
	}
	return s
}

func mustValid(t *testing.T, s spec.Spec) spec.Spec {
	t.Helper()
	if ps := s.Validate(); len(ps) > 0 {
		t.Fatalf("test spec is invalid: %v", ps)
	}
	return s
}

// Errors as pulumi-aws v6 gives them to a Go program: the engine's and the bridge's wrapping
// around terraform-provider-aws's words.
func invokeErr(token, text string) error {
	return fmt.Errorf("rpc error: code = Unknown desc = invocation of %s returned an error: invoking %s: 1 error occurred:\n\t* %s\n\n", token, token, text)
}

var (
	errNoPolicy     = invokeErr(string(CallBucketPolicy), "reading S3 Bucket (shared-data) Policy: couldn't find resource")
	errPolicyDenied = invokeErr(string(CallBucketPolicy), `reading S3 Bucket (shared-data) Policy: operation error S3: GetBucketPolicy, https response error StatusCode: 403, RequestID: 4Q1, HostID: x, api error AccessDenied: User: arn:aws:sts::111111111111:assumed-role/deployer/pulumi is not authorized to perform: s3:GetBucketPolicy on resource: "arn:aws:s3:::shared-data" because no identity-based policy allows the s3:GetBucketPolicy action`)
	errNoBucket     = invokeErr(string(CallBucket), "Failed getting S3 bucket (shared-data): operation error S3: HeadBucket, https response error StatusCode: 404, RequestID: 1, HostID: 2, api error NotFound: Not Found")
	errBucketMoved  = invokeErr(string(CallBucket), "Failed getting S3 bucket (shared-data): operation error S3: HeadBucket, https response error StatusCode: 301, RequestID: , HostID: , api error MovedPermanently: Moved Permanently")
	errBucketForbid = invokeErr(string(CallBucket), "Failed getting S3 bucket (shared-data): operation error S3: HeadBucket, https response error StatusCode: 403, RequestID: 1, HostID: 2, api error Forbidden: Forbidden")
	errThrottled    = invokeErr(string(CallBucket), "Failed getting S3 bucket (shared-data): operation error S3: HeadBucket, exceeded maximum number of attempts, 25, https response error StatusCode: 503, api error SlowDown: Please reduce your request rate")
	errNoRole       = func(name string) error {
		return invokeErr(string(CallRole), fmt.Sprintf("reading IAM Role (%s): operation error IAM: GetRole, https response error StatusCode: 404, RequestID: 7, api error NoSuchEntity: The role with name %s cannot be found.", name, name))
	}
	errRoleDenied    = invokeErr(string(CallRole), "reading IAM Role (web): operation error IAM: GetRole, https response error StatusCode: 403, RequestID: 7, api error AccessDenied: User: arn:aws:sts::222222222222:assumed-role/deployer/pulumi is not authorized to perform: iam:GetRole on resource: role web because no identity-based policy allows the iam:GetRole action")
	errNoRouteTable  = invokeErr(string(CallRouteTable), "no matching EC2 Route Table found")
	errRTDenied      = invokeErr(string(CallRouteTable), "reading EC2 Route Tables: operation error EC2: DescribeRouteTables, https response error StatusCode: 403, RequestID: 9, api error UnauthorizedOperation: You are not authorized to perform this operation. User: arn:aws:sts::222222222222:assumed-role/deployer/pulumi is not authorized to perform: ec2:DescribeRouteTables because no identity-based policy allows the ec2:DescribeRouteTables action")
	errNoEndpoint    = invokeErr(string(CallVpcEndpoint), "no matching VPC Endpoint found")
	errSeveral       = invokeErr(string(CallVpcEndpoint), "multiple VPC Endpoints matched; use additional constraints to reduce matches to a single VPC Endpoint")
	errEndpointsDeny = invokeErr(string(CallVpcEndpoint), "reading EC2 VPC Endpoints: operation error EC2: DescribeVpcEndpoints, https response error StatusCode: 403, RequestID: 9, api error UnauthorizedOperation: You are not authorized to perform this operation. User: arn:aws:sts::222222222222:assumed-role/deployer/pulumi is not authorized to perform: ec2:DescribeVpcEndpoints because no identity-based policy allows the ec2:DescribeVpcEndpoints action")
	errPLDenied      = invokeErr(string(CallPrefixList), "reading EC2 Prefix Lists: operation error EC2: DescribePrefixLists, https response error StatusCode: 403, RequestID: 9, api error UnauthorizedOperation: You are not authorized to perform this operation.")
)

// uniqueID is a made-up unique ID of a role.
func uniqueID(name string) string {
	id := "AROA" + strings.ToUpper(strings.ReplaceAll(name, "-", "")) + "00000000000000000"
	return id[:21]
}

// goodFacts are the answers of an account where everything the spec names exists as it says,
// the bucket has no policy and no VPC has an S3 gateway endpoint.
func goodFacts(s spec.Spec) Facts {
	f := Facts{
		Bucket:      BucketFacts{Region: s.Bucket.Account.Region, PolicyErr: errNoPolicy},
		Roles:       map[string]RoleFacts{},
		RouteTables: map[string]RouteTableFacts{},
		VPCs:        map[string]VPCFacts{},
		Adopted:     map[string]AdoptedFacts{},
	}
	for _, c := range s.Consumers {
		for _, arn := range c.RoleARNs {
			f.Roles[arn] = RoleFacts{ARN: arn, UniqueID: uniqueID(spec.RoleName(arn))}
		}
	}
	for _, g := range s.Layout().Endpoints {
		for _, rt := range g.RouteTableIDs {
			f.RouteTables[RouteKey(g.AccountID, rt)] = RouteTableFacts{VpcID: g.VpcID}
		}
		if g.AdoptID != "" {
			f.Adopted[VPCKey(g.AccountID, g.AdoptID)] = AdoptedFacts{Endpoint: Endpoint{
				ID: g.AdoptID, VpcID: g.VpcID, ServiceName: spec.ServiceName(g.Region), Type: "Gateway", State: "available", RouteTableIDs: g.RouteTableIDs}}
		} else {
			f.VPCs[VPCKey(g.AccountID, g.VpcID)] = VPCFacts{Err: errNoEndpoint}
		}
	}
	return f
}

// policyJSON renders a policy of the given statements.
func policyJSON(statements ...map[string]any) string {
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// statement decodes one statement written as JSON.
func statement(text string) map[string]any {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		panic(fmt.Sprintf("%v: %s", err, text))
	}
	return m
}

// render is a report as the golden files hold it.
func render(r Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "problems: %d\n", len(r.Problems))
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "- %s: %s\n", p.Key, p.Message)
	}
	fmt.Fprintf(&b, "warnings: %d\n", len(r.Warnings))
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "- %s\n", w)
	}
	return b.String()
}
