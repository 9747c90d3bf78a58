package main

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"cross-account-s3/testworld/world"
)

const endpointPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-bucket/*"}]}`

func endpointInputs(rts ...string) map[string]any {
	ids := make([]any, len(rts))
	for i, rt := range rts {
		ids[i] = rt
	}
	return map[string]any{
		"vpcId": "vpc-a", "serviceName": s3Name, "vpcEndpointType": "Gateway",
		"routeTableIds": ids, "policy": endpointPolicy, "tags": map[string]any{"Name": "s3"},
	}
}

func TestEndpointLifecycle(t *testing.T) {
	f := newFixture(t, nil)
	srv := f.provider("consumer", consumerConfig)

	created := f.mustCreate(srv, typeVpcEndpoint, "ep", endpointInputs("rtb-a2", "rtb-a1"))
	id := created.Id
	if !regexp.MustCompile(`^vpce-[0-9a-f]{17}$`).MatchString(id) {
		t.Fatalf("endpoint ID %q is not vpce- and 17 hex digits", id)
	}
	outs := f.unmarshal(created.Properties)
	for k, want := range map[string]string{
		"id": id, "ownerId": consumer, "prefixListId": "pl-6da54004", "state": "available", "policy": endpointPolicy,
		"arn": "arn:aws:ec2:eu-west-1:" + consumer + ":vpc-endpoint/" + id, "vpcId": "vpc-a", "serviceName": s3Name,
	} {
		if got := getString(outs, k); got != want {
			t.Errorf("output %s = %q, want %q", k, got, want)
		}
	}
	e := f.world().Endpoints[id]
	if e.Account != consumer || e.Region != region || e.VpcID != "vpc-a" || e.Type != "Gateway" || e.Policy != endpointPolicy ||
		!slices.Equal(e.RouteTableIDs, []string{"rtb-a1", "rtb-a2"}) || e.PrefixListID != "pl-6da54004" || e.State != "available" {
		t.Fatalf("world endpoint after create: %+v", e)
	}
	op := f.lastOp()
	if op.Op != "create" || op.Type != typeVpcEndpoint || op.ID != id || op.Physical != world.EndpointPhysical(id) ||
		op.Account != consumer || op.Region != region || op.Inputs["vpcId"] != "vpc-a" {
		t.Fatalf("create op: %+v", op)
	}

	// Route tables and policy change in place.
	news := endpointInputs("rtb-a3")
	news["policy"] = world.DefaultEndpointPolicy
	updated, err := f.update(srv, typeVpcEndpoint, "ep", id, created.Properties, endpointInputs("rtb-a1", "rtb-a2"), news)
	if err != nil {
		t.Fatal(err)
	}
	e = f.world().Endpoints[id]
	if !slices.Equal(e.RouteTableIDs, []string{"rtb-a3"}) || e.Policy != world.DefaultEndpointPolicy {
		t.Fatalf("world endpoint after update: %+v", e)
	}
	// A policy left out (Optional+Computed upstream) keeps the one AWS has.
	kept := endpointInputs("rtb-a3")
	kept["tags"] = map[string]any{"Name": "renamed"}
	delete(kept, "policy")
	if _, err := f.update(srv, typeVpcEndpoint, "ep", id, updated.Properties, news, kept); err != nil {
		t.Fatal(err)
	}
	if e := f.world().Endpoints[id]; e.Policy != world.DefaultEndpointPolicy || e.Tags["Name"] != "renamed" {
		t.Fatalf("world endpoint after an update without policy: %+v", e)
	}
	if got := getStrings(f.unmarshal(updated.Properties), "routeTableIds"); !slices.Equal(got, []string{"rtb-a3"}) {
		t.Fatalf("updated routeTableIds output %v", got)
	}
	if op := f.lastOp(); op.Op != "update" || op.ID != id || op.Physical != world.EndpointPhysical(id) {
		t.Fatalf("update op: %+v", op)
	}

	read, err := f.read(srv, typeVpcEndpoint, "ep", id, updated.Properties)
	if err != nil || read.Id != id || getString(f.unmarshal(read.Properties), "policy") != world.DefaultEndpointPolicy {
		t.Fatalf("read = %v, %v", read, err)
	}

	if err := f.delete(srv, typeVpcEndpoint, "ep", id, updated.Properties, news); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.world().Endpoints[id]; ok {
		t.Fatal("endpoint still in the world after delete")
	}
	if op := f.lastOp(); op.Op != "delete" || op.Physical != world.EndpointPhysical(id) {
		t.Fatalf("delete op: %+v", op)
	}
	read, err = f.read(srv, typeVpcEndpoint, "ep", id, updated.Properties)
	if err != nil || read.Properties != nil {
		t.Fatalf("read after delete = %v, %v; want the resource gone", read, err)
	}
}

func TestEndpointWithoutPolicyGetsFullAccess(t *testing.T) {
	f := newFixture(t, nil)
	srv := f.provider("consumer", consumerConfig)
	in := endpointInputs("rtb-a1")
	delete(in, "policy")
	resp := f.mustCreate(srv, typeVpcEndpoint, "ep", in)
	if got := getString(f.unmarshal(resp.Properties), "policy"); got != world.DefaultEndpointPolicy {
		t.Fatalf("policy output %s, want AWS's default", got)
	}
}

func TestEndpointFailures(t *testing.T) {
	other := func(w *world.World) {
		w.Endpoints["vpce-0000000000000000a"] = world.Endpoint{Account: consumer, Region: region, VpcID: "vpc-a", ServiceName: s3Name,
			Type: "Gateway", RouteTableIDs: []string{"rtb-a3"}, PrefixListID: "pl-6da54004", State: "available"}
	}
	tests := []struct {
		name   string
		change func(map[string]any)
		err    []string
	}{
		{"VPC missing", func(m map[string]any) { m["vpcId"] = "vpc-nope"; m["routeTableIds"] = []any{} },
			[]string{"InvalidVpcId.NotFound", "vpc-nope"}},
		{"VPC of another account", func(m map[string]any) { m["vpcId"] = "vpc-owner"; m["routeTableIds"] = []any{} },
			[]string{"InvalidVpcId.NotFound", "vpc-owner"}},
		{"VPC of another Region", func(m map[string]any) { m["vpcId"] = "vpc-us"; m["routeTableIds"] = []any{} },
			[]string{"InvalidVpcId.NotFound", "vpc-us"}},
		{"route table missing", func(m map[string]any) { m["routeTableIds"] = []any{"rtb-nope"} },
			[]string{"InvalidRouteTableId.NotFound", "rtb-nope"}},
		{"route table of another account", func(m map[string]any) { m["routeTableIds"] = []any{"rtb-owner1"} },
			[]string{"InvalidRouteTableId.NotFound", "rtb-owner1"}},
		{"route table of another VPC", func(m map[string]any) { m["routeTableIds"] = []any{"rtb-b1"} },
			[]string{"InvalidParameter", "rtb-b1", "vpc-a"}},
		{"route table already has an S3 endpoint", func(m map[string]any) { m["routeTableIds"] = []any{"rtb-a1", "rtb-a3"} },
			[]string{"RouteAlreadyExists", "rtb-a3", "pl-6da54004"}},
		{"service of another Region", func(m map[string]any) { m["serviceName"] = "com.amazonaws.us-east-1.s3" },
			[]string{"InvalidServiceName", "com.amazonaws.us-east-1.s3"}},
		{"policy over 20,480 characters", func(m map[string]any) {
			m["policy"] = `{"Version":"2012-10-17","Statement":[],"Pad":"` + strings.Repeat(" ", 20480) + `"}`
		}, []string{"20480"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, other)
			srv := f.provider("consumer", consumerConfig)
			in := endpointInputs("rtb-a1")
			tt.change(in)
			_, err := f.create(srv, typeVpcEndpoint, "ep", in)
			wantError(t, err, append([]string{"creating EC2 VPC Endpoint", "CreateVpcEndpoint"}, tt.err...)...)
			if n := len(f.world().Endpoints); n != 1 {
				t.Fatalf("failed create left %d endpoints in the world", n)
			}
			if op := f.lastOp(); op.Op != "create" || !strings.Contains(op.Error, tt.err[0]) {
				t.Fatalf("failed create not logged with its error: %+v", op)
			}
		})
	}
}

func TestEndpointUpdateOntoTakenRouteTable(t *testing.T) {
	f := newFixture(t, nil)
	srv := f.provider("consumer", consumerConfig)
	first := f.mustCreate(srv, typeVpcEndpoint, "first", endpointInputs("rtb-a1"))
	second := f.mustCreate(srv, typeVpcEndpoint, "second", endpointInputs("rtb-a2"))
	// Re-sending its own route table is no conflict.
	if _, err := f.update(srv, typeVpcEndpoint, "first", first.Id, first.Properties, endpointInputs("rtb-a1"), endpointInputs("rtb-a1")); err != nil {
		t.Fatal(err)
	}
	_, err := f.update(srv, typeVpcEndpoint, "second", second.Id, second.Properties, endpointInputs("rtb-a2"), endpointInputs("rtb-a2", "rtb-a1"))
	wantError(t, err, "RouteAlreadyExists", "rtb-a1")
	if got := f.world().Endpoints[second.Id].RouteTableIDs; !slices.Equal(got, []string{"rtb-a2"}) {
		t.Fatalf("failed update changed the world: %v", got)
	}
}

func TestEndpointInvisibleToOtherAccount(t *testing.T) {
	f := newFixture(t, nil)
	ep := f.mustCreate(f.provider("consumer", consumerConfig), typeVpcEndpoint, "ep", endpointInputs("rtb-a1"))
	owner := f.provider("owner", ownerConfig)
	read, err := f.read(owner, typeVpcEndpoint, "ep", ep.Id, ep.Properties)
	if err != nil || read.Properties != nil {
		t.Fatalf("another account read the endpoint: %v, %v", read, err)
	}
	// AWS answers "not found", which the provider takes as deleted: nothing happens.
	if err := f.delete(owner, typeVpcEndpoint, "ep", ep.Id, ep.Properties, endpointInputs("rtb-a1")); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.world().Endpoints[ep.Id]; !ok {
		t.Fatal("another account deleted the endpoint")
	}
}

func bucketPolicy(principals ...string) string {
	quoted := make([]string, len(principals))
	for i, p := range principals {
		quoted[i] = fmt.Sprintf("%q", p)
	}
	return `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Principal":{"AWS":[` + strings.Join(quoted, ",") +
		`]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-bucket/*"}]}`
}

func TestBucketPolicyLifecycle(t *testing.T) {
	f := newFixture(t, nil)
	srv := f.provider("bucket-owner", ownerConfig)
	first := bucketPolicy("arn:aws:iam::" + consumer + ":role/app")
	created := f.mustCreate(srv, typeBucketPolicy, bucket, map[string]any{"bucket": bucket, "policy": first})
	if created.Id != bucket {
		t.Fatalf("bucket policy ID %q, want the bucket name", created.Id)
	}
	if got := f.world().Buckets[bucket].Policy; got != first {
		t.Fatalf("world bucket policy after create: %s", got)
	}
	if op := f.lastOp(); op.Op != "create" || op.Physical != world.BucketPolicyPhysical(bucket) || op.Account != owner || op.Profile != "owner" {
		t.Fatalf("create op: %+v", op)
	}

	second := bucketPolicy("arn:aws:iam::"+consumer+":role/app", "arn:aws:iam::"+consumer+":root", consumer)
	updated, err := f.update(srv, typeBucketPolicy, bucket, bucket, created.Properties,
		map[string]any{"bucket": bucket, "policy": first}, map[string]any{"bucket": bucket, "policy": second})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.world().Buckets[bucket].Policy; got != second {
		t.Fatalf("world bucket policy after update: %s", got)
	}

	read, err := f.read(srv, typeBucketPolicy, bucket, bucket, updated.Properties)
	if err != nil || getString(f.unmarshal(read.Properties), "policy") != second {
		t.Fatalf("read = %v, %v", read, err)
	}

	if err := f.delete(srv, typeBucketPolicy, bucket, bucket, updated.Properties, map[string]any{"bucket": bucket, "policy": second}); err != nil {
		t.Fatal(err)
	}
	if b := f.world().Buckets[bucket]; b.Policy != "" || b.Account != owner {
		t.Fatalf("world bucket after delete: %+v", b)
	}
	if op := f.lastOp(); op.Op != "delete" || op.Physical != world.BucketPolicyPhysical(bucket) {
		t.Fatalf("delete op: %+v", op)
	}
	read, err = f.read(srv, typeBucketPolicy, bucket, bucket, updated.Properties)
	if err != nil || read.Properties != nil {
		t.Fatalf("read after delete = %v, %v; want the resource gone", read, err)
	}
}

func TestBucketPolicyFailures(t *testing.T) {
	good := bucketPolicy("arn:aws:iam::" + consumer + ":role/app")
	tests := []struct {
		name           string
		config         map[string]any
		bucket, policy string
		err            []string
	}{
		{"bucket missing", ownerConfig, "no-such-bucket", good, []string{"NoSuchBucket", "StatusCode: 404"}},
		{"bucket of another account", consumerConfig, bucket, good, []string{"AccessDenied", "StatusCode: 403"}},
		{"bucket of another Region", ownerConfig, "us-bucket", good, []string{"PermanentRedirect", "StatusCode: 301"}},
		{"role principal missing", ownerConfig, bucket, bucketPolicy("arn:aws:iam::" + consumer + ":role/ghost"),
			[]string{"MalformedPolicy", "Invalid principal in policy"}},
		{"role principal in an account without it", ownerConfig, bucket, bucketPolicy("arn:aws:iam::" + other + ":role/app"),
			[]string{"MalformedPolicy", "Invalid principal in policy"}},
		{"not JSON", ownerConfig, bucket, "Allow everything", []string{"MalformedPolicy"}},
		{"over 20 KB", ownerConfig, bucket, `{"Version":"2012-10-17","Statement":[],"Pad":"` + strings.Repeat("x", 20*1024) + `"}`,
			[]string{"MalformedPolicy", "maximum allowed document size"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			srv := f.provider("p", tt.config)
			_, err := f.create(srv, typeBucketPolicy, "bp", map[string]any{"bucket": tt.bucket, "policy": tt.policy})
			wantError(t, err, append([]string{"putting S3 Bucket (" + tt.bucket + ") Policy", "PutBucketPolicy"}, tt.err...)...)
			for name, b := range f.world().Buckets {
				if b.Policy != "" {
					t.Fatalf("failed create set a policy on %s", name)
				}
			}
			if op := f.lastOp(); op.Physical != world.BucketPolicyPhysical(tt.bucket) || op.Error == "" {
				t.Fatalf("failed create op: %+v", op)
			}
		})
	}
}

func rolePolicyDoc(action string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"arn:aws:s3:::shared-bucket/*"}]}`
}

func TestRolePolicyLifecycle(t *testing.T) {
	f := newFixture(t, nil)
	srv := f.provider("consumer", consumerConfig)
	in := map[string]any{"name": "s3-shared-bucket", "role": "app", "policy": rolePolicyDoc("s3:GetObject")}
	created := f.mustCreate(srv, typeRolePolicy, "consumer-app", in)
	if created.Id != "app:s3-shared-bucket" {
		t.Fatalf("role policy ID %q, want role:name", created.Id)
	}
	key := world.RolePolicyKey(consumer, "app", "s3-shared-bucket")
	if got := f.world().RolePolicies[key]; got != in["policy"] {
		t.Fatalf("world role policy after create: %q", got)
	}
	if op := f.lastOp(); op.Op != "create" || op.Physical != "role-policy:"+key {
		t.Fatalf("create op: %+v", op)
	}

	news := map[string]any{"name": "s3-shared-bucket", "role": "app", "policy": rolePolicyDoc("s3:*")}
	updated, err := f.update(srv, typeRolePolicy, "consumer-app", created.Id, created.Properties, in, news)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.world().RolePolicies[key]; got != news["policy"] {
		t.Fatalf("world role policy after update: %q", got)
	}
	read, err := f.read(srv, typeRolePolicy, "consumer-app", created.Id, updated.Properties)
	if err != nil || getString(f.unmarshal(read.Properties), "policy") != news["policy"] {
		t.Fatalf("read = %v, %v", read, err)
	}
	if err := f.delete(srv, typeRolePolicy, "consumer-app", created.Id, updated.Properties, news); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.world().RolePolicies[key]; ok {
		t.Fatal("role policy still in the world after delete")
	}
	read, err = f.read(srv, typeRolePolicy, "consumer-app", created.Id, updated.Properties)
	if err != nil || read.Properties != nil {
		t.Fatalf("read after delete = %v, %v; want the resource gone", read, err)
	}
}

func TestRolePolicyFailures(t *testing.T) {
	f := newFixture(t, nil)
	srv := f.provider("consumer", consumerConfig)
	_, err := f.create(srv, typeRolePolicy, "rp", map[string]any{"name": "p", "role": "ghost", "policy": rolePolicyDoc("s3:GetObject")})
	wantError(t, err, "putting IAM Role (ghost) Policy (p)", "NoSuchEntity", "The role with name ghost cannot be found")
	// The bucket owner's provider does not see the consumer's roles.
	_, err = f.create(f.provider("owner", ownerConfig), typeRolePolicy, "rp", map[string]any{"name": "p", "role": "app", "policy": rolePolicyDoc("s3:GetObject")})
	wantError(t, err, "NoSuchEntity")
	_, err = f.create(srv, typeRolePolicy, "rp", map[string]any{"name": "p", "role": "app", "policy": "nope"})
	wantError(t, err, "MalformedPolicyDocument")
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("b", 6000) + `"}]}`
	f.mustCreate(srv, typeRolePolicy, "rp1", map[string]any{"name": "one", "role": "app", "policy": big})
	_, err = f.create(srv, typeRolePolicy, "rp2", map[string]any{"name": "two", "role": "app", "policy": big})
	wantError(t, err, "LimitExceeded")
	if n := len(f.world().RolePolicies); n != 1 {
		t.Fatalf("%d role policies after one success and four failures", n)
	}
}

func TestPreviewLeavesWorldAlone(t *testing.T) {
	f := newFixture(t, nil)
	srv := f.provider("consumer", consumerConfig)
	before := len(f.ops())
	resp, err := srv.Create(context.Background(), &pulumirpc.CreateRequest{
		Urn: string(urn(typeVpcEndpoint, "ep")), Properties: f.marshal(endpointInputs("rtb-a1")), Preview: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	outs := f.unmarshal(resp.Properties)
	if !outs["prefixListId"].IsComputed() || getString(outs, "vpcId") != "vpc-a" {
		t.Fatalf("preview outputs: %v", outs)
	}
	if len(f.world().Endpoints) != 0 || len(f.ops()) != before {
		t.Fatal("a preview changed the world or the log")
	}
}

func TestTwoProvidersConcurrently(t *testing.T) {
	f := newFixture(t, nil)
	a, b := f.provider("a", consumerConfig), f.provider("b", map[string]any{"region": region, "profile": "consumer"})
	const n = 15
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := 0; i < n; i++ {
		for j, srv := range []pulumirpc.ResourceProviderServer{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				role := []string{"app", "batch"}[j]
				_, err := srv.Create(context.Background(), &pulumirpc.CreateRequest{
					Urn:        string(urn(typeRolePolicy, fmt.Sprintf("%s-%d", role, i))),
					Properties: f.marshal(map[string]any{"name": fmt.Sprintf("p%d", i), "role": role, "policy": rolePolicyDoc("s3:GetObject")}),
				})
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := len(f.world().RolePolicies); got != 2*n {
		t.Fatalf("%d role policies in the world, want %d: writes were lost", got, 2*n)
	}
	ops := f.ops()
	for i, op := range ops {
		if op.Seq != i+1 {
			t.Fatalf("op %d has Seq %d", i+1, op.Seq)
		}
	}
}

func TestUnsupportedTypeIsNamed(t *testing.T) {
	f := newFixture(t, nil)
	_, err := f.create(f.provider("c", consumerConfig), "aws:s3/bucket:Bucket", "b", map[string]any{"bucket": "x"})
	wantError(t, err, "aws:s3/bucket:Bucket", "not modelled")
}
