package main

import (
	"regexp"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"cross-account-s3/internal/enginetest/world"
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

	got, err := f.invoke(owner, "aws:s3/getBucket:getBucket", map[string]any{"bucket": "us-bucket"})
	if err != nil || getString(got, "region") != "us-east-1" || getString(got, "arn") != "arn:aws:s3:::us-bucket" {
		t.Fatalf("getBucket = %v, %v", got, err)
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
	wantError(t, err, "NoSuchBucketPolicy")

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
