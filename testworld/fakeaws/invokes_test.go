package main

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"cross-account-s3/testworld/world"
)

const getVpcEndpointTok = "aws:ec2/getVpcEndpoint:getVpcEndpoint"

// endpoints seeds: one S3 gateway endpoint in vpc-a, two in vpc-b (as an odd account might have
// after adopting), one in another Region and one of another account.
func endpoints(w *world.World) {
	add := func(id, account, region, vpc string, rts ...string) {
		w.Endpoints[id] = world.Endpoint{Account: account, Region: region, VpcID: vpc, ServiceName: "com.amazonaws." + region + ".s3",
			Type: "Gateway", RouteTableIDs: rts, Policy: world.DefaultEndpointPolicy, PrefixListID: world.PrefixListID(region), State: "available"}
	}
	add("vpce-000000000000000a1", consumer, region, "vpc-a", "rtb-a1", "rtb-a2")
	add("vpce-000000000000000b1", consumer, region, "vpc-b", "rtb-b1")
	add("vpce-000000000000000b2", consumer, region, "vpc-b")
	add("vpce-0000000000000000e", consumer, "us-east-1", "vpc-us", "rtb-us1")
	add("vpce-0000000000000000f", owner, region, "vpc-owner", "rtb-owner1")
}

func TestGetVpcEndpoint(t *testing.T) {
	filter := func(name string, values ...any) map[string]any { return map[string]any{"name": name, "values": values} }
	tests := []struct {
		name string
		args map[string]any
		want string // endpoint ID, or "" when an error is expected
		err  string
	}{
		{"by id", map[string]any{"id": "vpce-000000000000000a1"}, "vpce-000000000000000a1", ""},
		{"by vpc and service", map[string]any{"vpcId": "vpc-a", "serviceName": s3Name}, "vpce-000000000000000a1", ""},
		{"by filters", map[string]any{"filters": []any{filter("vpc-id", "vpc-a"), filter("service-name", s3Name), filter("vpc-endpoint-type", "Gateway")}},
			"vpce-000000000000000a1", ""},
		{"filters take wildcards", map[string]any{"filters": []any{filter("vpc-id", "vpc-a"), filter("service-name", "com.amazonaws.*.s3")}},
			"vpce-000000000000000a1", ""},
		{"none: unknown id", map[string]any{"id": "vpce-00000000000000404"}, "", "no matching VPC Endpoint found"},
		{"none: wrong type", map[string]any{"filters": []any{filter("vpc-id", "vpc-a"), filter("vpc-endpoint-type", "Interface")}}, "", "no matching VPC Endpoint found"},
		{"none: another Region's endpoint", map[string]any{"id": "vpce-0000000000000000e"}, "", "no matching VPC Endpoint found"},
		{"none: another account's endpoint", map[string]any{"id": "vpce-0000000000000000f"}, "", "no matching VPC Endpoint found"},
		{"several", map[string]any{"vpcId": "vpc-b", "serviceName": s3Name}, "",
			"multiple VPC Endpoints matched; use additional constraints to reduce matches to a single VPC Endpoint"},
		{"unknown filter", map[string]any{"filters": []any{filter("color", "blue")}}, "", "InvalidParameterValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, endpoints)
			srv := f.provider("consumer", consumerConfig)
			out, err := f.invoke(srv, getVpcEndpointTok, tt.args)
			op := f.lastOp()
			if op.Op != "invoke" || op.Type != getVpcEndpointTok || op.Account != consumer {
				t.Fatalf("invoke op: %+v", op)
			}
			if tt.err != "" {
				wantError(t, err, tt.err)
				if op.Error == "" {
					t.Fatal("failed invoke logged without its error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			e := f.world().Endpoints[tt.want]
			for k, want := range map[string]string{
				"id": tt.want, "vpcId": e.VpcID, "serviceName": s3Name, "vpcEndpointType": "Gateway", "policy": world.DefaultEndpointPolicy,
				"prefixListId": "pl-6da54004", "state": "available", "ownerId": consumer,
			} {
				if got := getString(out, k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if got := getStrings(out, "routeTableIds"); !slices.Equal(got, e.RouteTableIDs) {
				t.Errorf("routeTableIds = %v, want %v", got, e.RouteTableIDs)
			}
			if op.Physical != world.EndpointPhysical(tt.want) {
				t.Errorf("invoke op physical %q", op.Physical)
			}
		})
	}
}

func TestOtherLookups(t *testing.T) {
	f := newFixture(t, func(w *world.World) {
		b := w.Buckets[bucket]
		b.Policy = bucketPolicy("arn:aws:iam::" + consumer + ":role/app")
		w.Buckets[bucket] = b
	})
	owner := f.provider("owner", ownerConfig)
	consumerSrv := f.provider("consumer", consumerConfig)

	role, err := f.invoke(consumerSrv, "aws:iam/getRole:getRole", map[string]any{"name": "app"})
	if err != nil {
		t.Fatal(err)
	}
	if getString(role, "arn") != "arn:aws:iam::"+consumer+":role/app" || !regexp.MustCompile(`^AROA[A-Z2-7]{17}$`).MatchString(getString(role, "uniqueId")) {
		t.Fatalf("getRole = %v", role)
	}
	again, _ := f.invoke(consumerSrv, "aws:iam/getRole:getRole", map[string]any{"name": "app"})
	batch, _ := f.invoke(consumerSrv, "aws:iam/getRole:getRole", map[string]any{"name": "batch"})
	if getString(again, "uniqueId") != getString(role, "uniqueId") || getString(batch, "uniqueId") == getString(role, "uniqueId") {
		t.Fatal("role unique IDs must be stable and distinct")
	}
	_, err = f.invoke(consumerSrv, "aws:iam/getRole:getRole", map[string]any{"name": "ghost"})
	wantError(t, err, "NoSuchEntity")
	_, err = f.invoke(owner, "aws:iam/getRole:getRole", map[string]any{"name": "app"})
	wantError(t, err, "NoSuchEntity")

	got, err := f.invoke(owner, "aws:s3/getBucket:getBucket", map[string]any{"bucket": bucket})
	if err != nil || getString(got, "region") != region || getString(got, "arn") != "arn:aws:s3:::"+bucket {
		t.Fatalf("getBucket = %v, %v", got, err)
	}
	_, err = f.invoke(owner, "aws:s3/getBucket:getBucket", map[string]any{"bucket": "us-bucket"})
	wantError(t, err, "Failed getting S3 bucket (us-bucket): operation error S3: HeadBucket, https response error StatusCode: 301, api error MovedPermanently: Moved Permanently")
	usOwner := f.provider("owner-us", map[string]any{"region": "us-east-1", "profile": "owner", "allowedAccountIds": []any{owner}})
	if got, err := f.invoke(usOwner, "aws:s3/getBucket:getBucket", map[string]any{"bucket": "us-bucket"}); err != nil || getString(got, "region") != "us-east-1" {
		t.Fatalf("getBucket in its own Region = %v, %v", got, err)
	}
	_, err = f.invoke(owner, "aws:s3/getBucket:getBucket", map[string]any{"bucket": "nope"})
	wantError(t, err, "NotFound")
	_, err = f.invoke(consumerSrv, "aws:s3/getBucket:getBucket", map[string]any{"bucket": bucket})
	wantError(t, err, "Forbidden")

	pol, err := f.invoke(owner, "aws:s3/getBucketPolicy:getBucketPolicy", map[string]any{"bucket": bucket})
	if err != nil || getString(pol, "policy") != f.world().Buckets[bucket].Policy {
		t.Fatalf("getBucketPolicy = %v, %v", pol, err)
	}
	if op := f.lastOp(); op.Physical != world.BucketPolicyPhysical(bucket) {
		t.Fatalf("getBucketPolicy op physical %q", op.Physical)
	}
	_, err = f.invoke(owner, "aws:s3/getBucketPolicy:getBucketPolicy", map[string]any{"bucket": "us-bucket"})
	wantError(t, err, "PermanentRedirect")
	_, err = f.invoke(owner, "aws:s3/getBucketPolicy:getBucketPolicy", map[string]any{"bucket": "foreign-bucket"})
	wantError(t, err, "AccessDenied")
	f2 := newFixture(t, nil)
	_, err = f2.invoke(f2.provider("owner", ownerConfig), "aws:s3/getBucketPolicy:getBucketPolicy", map[string]any{"bucket": bucket})
	wantError(t, err, "reading S3 Bucket (shared-bucket) Policy: couldn't find resource")
	_, err = f2.invoke(f2.provider("owner", ownerConfig), "aws:s3/getBucketPolicy:getBucketPolicy", map[string]any{"bucket": "nope"})
	wantError(t, err, "reading S3 Bucket (nope) Policy: couldn't find resource")

	rt, err := f.invoke(consumerSrv, "aws:ec2/getRouteTable:getRouteTable", map[string]any{"routeTableId": "rtb-a1"})
	if err != nil || getString(rt, "vpcId") != "vpc-a" || getString(rt, "ownerId") != consumer || len(getStrings(rt, "routes")) != 0 {
		t.Fatalf("getRouteTable = %v, %v", rt, err)
	}
	_, err = f.invoke(consumerSrv, "aws:ec2/getRouteTable:getRouteTable", map[string]any{"routeTableId": "rtb-owner1"})
	wantError(t, err, "no matching EC2 Route Table found")
	_, err = f.invoke(consumerSrv, "aws:ec2/getRouteTable:getRouteTable", map[string]any{"vpcId": "vpc-a"})
	wantError(t, err, "multiple EC2 Route Tables matched")

	_, err = f.invoke(consumerSrv, "aws:ec2/getVpc:getVpc", map[string]any{"id": "vpc-a"})
	wantError(t, err, "aws:ec2/getVpc:getVpc", "not modelled")
}

func TestInvokeArgsSecretsRedacted(t *testing.T) {
	f := newFixture(t, nil)
	srv := f.provider("consumer", consumerConfig)
	_, _ = f.invoke(srv, "aws:iam/getRole:getRole", map[string]any{"name": resource.MakeSecret(resource.NewStringProperty("app"))})
	if op := f.lastOp(); op.Inputs["name"] != "[secret]" || op.Error != "" {
		t.Fatalf("invoke op with a secret arg: %+v", op)
	}
}

const (
	getRouteTablesTok = "aws:ec2/getRouteTables:getRouteTables"
	getPrefixListTok  = "aws:ec2/getPrefixList:getPrefixList"
)

// Route tables by their routes to gateway endpoints, and S3's prefix list: what tells which route
// tables of a VPC with several S3 gateway endpoints are served already.
func TestRouteTablesAndPrefixList(t *testing.T) {
	f := newFixture(t, func(w *world.World) {
		endpoints(w)
		e := w.Endpoints["vpce-000000000000000b2"]
		e.State = "deleted"
		e.RouteTableIDs = []string{"rtb-a3"}
		w.Endpoints["vpce-000000000000000b2"] = e
	})
	srv := f.provider("consumer", consumerConfig)
	filter := func(name string, values ...any) map[string]any { return map[string]any{"name": name, "values": values} }
	for _, tt := range []struct {
		name string
		args map[string]any
		want []string
	}{
		{"by VPC", map[string]any{"vpcId": "vpc-a"}, []string{"rtb-a1", "rtb-a2", "rtb-a3"}},
		{"routed to S3", map[string]any{"vpcId": "vpc-a", "filters": []any{filter("route.destination-prefix-list-id", "pl-6da54004")}}, []string{"rtb-a1", "rtb-a2"}},
		{"routed to an endpoint", map[string]any{"filters": []any{filter("route.gateway-id", "vpce-000000000000000b1")}}, []string{"rtb-b1"}},
		{"a deleted endpoint routes nothing", map[string]any{"filters": []any{filter("route.gateway-id", "vpce-*"), filter("route-table-id", "rtb-a3")}}, nil},
		{"none", map[string]any{"vpcId": "vpc-owner"}, nil},
	} {
		out, err := f.invoke(srv, getRouteTablesTok, tt.args)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := getStrings(out, "ids"); !slices.Equal(got, tt.want) {
			t.Errorf("%s: ids %v, want %v", tt.name, got, tt.want)
		}
	}
	_, err := f.invoke(srv, getRouteTablesTok, map[string]any{"filters": []any{filter("color", "blue")}})
	wantError(t, err, "InvalidParameterValue")

	pl, err := f.invoke(srv, getPrefixListTok, map[string]any{"name": s3Name})
	if err != nil || getString(pl, "id") != "pl-6da54004" || getString(pl, "name") != s3Name {
		t.Fatalf("getPrefixList = %v, %v", pl, err)
	}
	if _, err := f.invoke(srv, getPrefixListTok, map[string]any{"filters": []any{filter("prefix-list-name", "com.amazonaws.eu-west-1.*")}}); err != nil {
		t.Fatal(err)
	}
	_, err = f.invoke(srv, getPrefixListTok, map[string]any{"name": "com.amazonaws.us-east-1.s3"})
	wantError(t, err, "no matching EC2 Prefix List found")
}

// A world can refuse an account an action: each lookup then answers as AWS refuses it.
func TestDeniedLookups(t *testing.T) {
	f := newFixture(t, func(w *world.World) {
		for _, a := range []string{"s3:ListBucket", "s3:GetBucketPolicy", "iam:GetRole", "ec2:DescribeRouteTables", "ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists"} {
			w.Deny(owner, a)
			w.Deny(consumer, a)
		}
	})
	ownerSrv := f.provider("owner", ownerConfig)
	assumed := f.provider("assumed", map[string]any{"region": region, "assumeRole": map[string]any{"roleArn": "arn:aws:iam::" + consumer + ":role/deployer", "sessionName": "pulumi"}})
	for _, tt := range []struct {
		srv  string
		tok  string
		args map[string]any
		want string
	}{
		{"owner", "aws:s3/getBucket:getBucket", map[string]any{"bucket": bucket},
			"Failed getting S3 bucket (shared-bucket): operation error S3: HeadBucket, https response error StatusCode: 403, api error Forbidden: Forbidden"},
		{"owner", "aws:s3/getBucketPolicy:getBucketPolicy", map[string]any{"bucket": bucket},
			`reading S3 Bucket (shared-bucket) Policy: operation error S3: GetBucketPolicy, https response error StatusCode: 403, api error AccessDenied: User: arn:aws:iam::111111111111:user/owner is not authorized to perform: s3:GetBucketPolicy on resource: "arn:aws:s3:::shared-bucket" because no identity-based policy allows the s3:GetBucketPolicy action`},
		{"assumed", "aws:iam/getRole:getRole", map[string]any{"name": "app"},
			"reading IAM Role (app): operation error IAM: GetRole, https response error StatusCode: 403, api error AccessDenied: User: arn:aws:sts::222222222222:assumed-role/deployer/pulumi is not authorized to perform: iam:GetRole on resource: role app because no identity-based policy allows the iam:GetRole action"},
		{"assumed", "aws:ec2/getRouteTable:getRouteTable", map[string]any{"routeTableId": "rtb-a1"},
			"reading EC2 Route Tables: operation error EC2: DescribeRouteTables, https response error StatusCode: 403, api error UnauthorizedOperation: You are not authorized to perform this operation. User: arn:aws:sts::222222222222:assumed-role/deployer/pulumi is not authorized to perform: ec2:DescribeRouteTables because no identity-based policy allows the ec2:DescribeRouteTables action"},
		{"assumed", getRouteTablesTok, map[string]any{"vpcId": "vpc-a"}, "ec2:DescribeRouteTables because"},
		{"assumed", getVpcEndpointTok, map[string]any{"vpcId": "vpc-a"}, "api error UnauthorizedOperation: You are not authorized to perform this operation. User: arn:aws:sts::222222222222:assumed-role/deployer/pulumi is not authorized to perform: ec2:DescribeVpcEndpoints"},
		{"assumed", getPrefixListTok, map[string]any{"name": s3Name}, "not authorized to perform: ec2:DescribePrefixLists"},
	} {
		srv := ownerSrv
		if tt.srv == "assumed" {
			srv = assumed
		}
		_, err := f.invoke(srv, tt.tok, tt.args)
		wantError(t, err, tt.want)
		if op := f.lastOp(); op.Op != "invoke" || op.Error == "" {
			t.Errorf("%s: refusal not logged: %+v", tt.tok, op)
		}
	}
	// A VPC endpoint lookup that finds one reads its service's prefix list too.
	f3 := newFixture(t, func(w *world.World) {
		endpoints(w)
		w.Deny(consumer, "ec2:DescribePrefixLists")
	})
	srv3 := f3.provider("consumer", consumerConfig)
	_, err := f3.invoke(srv3, getVpcEndpointTok, map[string]any{"id": "vpce-000000000000000a1"})
	wantError(t, err, "reading EC2 Prefix List (com.amazonaws.eu-west-1.s3): operation error EC2: DescribePrefixLists, https response error StatusCode: 403, api error UnauthorizedOperation", "ec2:DescribePrefixLists because")
	_, err = f3.invoke(srv3, getVpcEndpointTok, map[string]any{"id": "vpce-00000000000000404"})
	wantError(t, err, "no matching VPC Endpoint found")

	// Other accounts are not refused.
	f2 := newFixture(t, func(w *world.World) { w.Deny(owner, "iam:GetRole") })
	if _, err := f2.invoke(f2.provider("consumer", consumerConfig), "aws:iam/getRole:getRole", map[string]any{"name": "app"}); err != nil {
		t.Fatalf("a refusal in the owner account reached the consumer account: %v", err)
	}
}

// Deleting a role rewrites the bucket policies that name it to its unique ID, and a role created
// again gets a new one; the bucket policy lookup then shows the old ID.
func TestDeletedRoleInBucketPolicy(t *testing.T) {
	f := newFixture(t, func(w *world.World) {
		b := w.Buckets[bucket]
		b.Policy = bucketPolicy("arn:aws:iam::" + consumer + ":role/app")
		w.Buckets[bucket] = b
		w.RolePolicies[world.RolePolicyKey(consumer, "app", "p")] = "{}"
	})
	srv := f.provider("consumer", consumerConfig)
	before, err := f.invoke(srv, "aws:iam/getRole:getRole", map[string]any{"name": "app"})
	if err != nil {
		t.Fatal(err)
	}
	oldID := getString(before, "uniqueId")
	if err := world.Update(f.worldPath, func(w *world.World) error {
		w.DeleteRole(consumer, "app")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	w := f.world()
	if w.HasRole(consumer, "app") || len(w.RolePolicies) != 0 || !strings.Contains(w.Buckets[bucket].Policy, `"`+oldID+`"`) || strings.Contains(w.Buckets[bucket].Policy, "role/app") {
		t.Fatalf("after DeleteRole: roles %v, role policies %v, bucket policy %s", w.Roles, w.RolePolicies, w.Buckets[bucket].Policy)
	}
	_, err = f.invoke(srv, "aws:iam/getRole:getRole", map[string]any{"name": "app"})
	wantError(t, err, "NoSuchEntity")
	if err := world.Update(f.worldPath, func(w *world.World) error {
		w.AddRole(consumer, "app")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	after, err := f.invoke(srv, "aws:iam/getRole:getRole", map[string]any{"name": "app"})
	if err != nil || getString(after, "uniqueId") == oldID || !regexp.MustCompile(`^AROA[A-Z2-7]{17}$`).MatchString(getString(after, "uniqueId")) {
		t.Fatalf("role created again: %v, %v (old ID %s)", after, err, oldID)
	}
	pol, err := f.invoke(f.provider("owner", ownerConfig), "aws:s3/getBucketPolicy:getBucketPolicy", map[string]any{"bucket": bucket})
	if err != nil || !strings.Contains(getString(pol, "policy"), oldID) {
		t.Fatalf("bucket policy after the role came back: %v, %v", pol, err)
	}
}
