package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"cross-account-s3/policydoc"
	"cross-account-s3/preflight"
	"cross-account-s3/spec"
	"cross-account-s3/stackconfig"
	"cross-account-s3/testworld/world"
)

// preflightSpec shares shared-bucket with the seed's consumer account: roles app and batch, route
// tables rtb-a1 and rtb-a2 of vpc-a.
func preflightSpec() spec.Spec {
	return spec.Spec{
		Bucket: spec.BucketOwner{Account: spec.Account{ID: owner, Region: region, Credentials: spec.Credentials{Profile: "owner"}}, Name: bucket},
		Consumers: []spec.Consumer{{
			Name: "consumer", Account: spec.Account{ID: consumer, Region: region},
			VpcID: "vpc-a", RouteTableIDs: []string{"rtb-a1", "rtb-a2"},
			RoleARNs: []string{"arn:aws:iam::" + consumer + ":role/app", "arn:aws:iam::" + consumer + ":role/batch"},
			Endpoint: spec.Endpoint{Policy: spec.FullAccess}, Access: spec.Access{Actions: spec.DefaultActions},
		}},
	}
}

var preflightOpts = preflight.Options{Project: "cross-account-s3", Stack: "dev"}

// gather makes preflight's lookups against the fake, each through the plugin process of its
// provider, as the program does through the engine.
func gather(t *testing.T, f *fixture, s spec.Spec) preflight.Facts {
	t.Helper()
	servers := map[string]pulumirpc.ResourceProviderServer{
		preflight.BucketOwnerProvider: f.provider("owner", ownerConfig),
		"consumer-" + consumer:        f.provider("consumer", consumerConfig),
	}
	return preflight.Gather(s, preflightOpts, func(l preflight.Lookup) (map[string]any, error) {
		srv, ok := servers[l.Provider]
		if !ok {
			return nil, fmt.Errorf("the test has no provider %s", l.Provider)
		}
		out, err := f.invoke(srv, string(l.Call), l.Args)
		if err != nil {
			return nil, err
		}
		return plainMap(resource.PropertyMap(out), false), nil
	})
}

// Each world below is one thing preflight must catch, answered by the fake as AWS would.
func TestPreflightAgainstTheFake(t *testing.T) {
	ours := func(w *world.World, id string, rts ...string) {
		w.Endpoints[id] = world.Endpoint{Account: consumer, Region: region, VpcID: "vpc-a", ServiceName: s3Name, Type: "Gateway", RouteTableIDs: rts,
			Policy: world.DefaultEndpointPolicy, PrefixListID: world.PrefixListID(region), State: "available",
			Tags: map[string]string{preflight.StackTagKey: "cross-account-s3/dev"}}
	}
	theirs := func(w *world.World, id string, rts ...string) {
		w.Endpoints[id] = world.Endpoint{Account: consumer, Region: region, VpcID: "vpc-a", ServiceName: s3Name, Type: "Gateway", RouteTableIDs: rts,
			Policy: world.DefaultEndpointPolicy, PrefixListID: world.PrefixListID(region), State: "available"}
	}
	withPolicy := func(policy string) func(*world.World) {
		return func(w *world.World) {
			b := w.Buckets[bucket]
			b.Policy = policy
			w.Buckets[bucket] = b
		}
	}
	own := policydoc.BucketPolicy(preflightSpec(), policydoc.EndpointIDs{"consumer": "vpce-00000000000000001"}).JSON()
	auditor := `{"Sid":"AuditRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/deploy"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-bucket/audit/*"}`
	tests := []struct {
		name     string
		s        func(spec.Spec) spec.Spec
		world    func(*world.World)
		keys     string
		contains []string
		warns    []string
	}{
		{name: "nothing in the way"},
		{name: "this stack's own policy and endpoint", world: func(w *world.World) {
			withPolicy(own)(w)
			ours(w, "vpce-00000000000000001", "rtb-a1", "rtb-a2")
		}},
		{name: "a live policy with a statement the stack does not know", world: func(w *world.World) {
			withPolicy(strings.TrimSuffix(own, "]}") + "," + auditor + "]}")(w)
			ours(w, "vpce-00000000000000001", "rtb-a1", "rtb-a2")
		},
			keys: "extraBucketPolicyStatements", contains: []string{`statement 4 (Sid "AuditRead")`, "  cross-account-s3:extraBucketPolicyStatements:\n    - Sid: AuditRead\n"}},
		{name: "a missing role", world: func(w *world.World) { w.DeleteRole(consumer, "batch") },
			keys: "consumerRoleArns[1]", contains: []string{"role batch does not exist in account 222222222222", "NoSuchEntity"}},
		{name: "a role deleted and created again", world: func(w *world.World) {
			withPolicy(own)(w)
			ours(w, "vpce-00000000000000001", "rtb-a1", "rtb-a2")
			w.DeleteRole(consumer, "app")
			w.AddRole(consumer, "app")
		}, warns: []string{"exists but the live policy does not name it", "pulumi up --refresh"}},
		{name: "a route table served by another S3 endpoint", world: func(w *world.World) { theirs(w, "vpce-0000000000000000a", "rtb-a2", "rtb-a3") },
			keys: "adoptEndpointId", contains: []string{"route table rtb-a2 (routeTableIds[1]) already routes S3 traffic through gateway endpoint vpce-0000000000000000a", "  cross-account-s3:adoptEndpointId: vpce-0000000000000000a"}},
		{name: "several S3 endpoints, another one on a listed route table", world: func(w *world.World) {
			ours(w, "vpce-00000000000000001", "rtb-a1")
			theirs(w, "vpce-0000000000000000a", "rtb-a2")
			theirs(w, "vpce-0000000000000000b", "rtb-a3")
		}, keys: "adoptEndpointId", contains: []string{"route table rtb-a2 (routeTableIds[1]) already routes to S3's prefix list pl-6da54004 through a gateway endpoint of vpc-a"}},
		{name: "several S3 endpoints, ours on the listed route tables", world: func(w *world.World) {
			ours(w, "vpce-00000000000000001", "rtb-a1", "rtb-a2")
			theirs(w, "vpce-0000000000000000b", "rtb-a3")
		}},
		{name: "a route table of another VPC", s: func(s spec.Spec) spec.Spec {
			s.Consumers[0].RouteTableIDs = []string{"rtb-a1", "rtb-b1"}
			return s
		}, keys: "routeTableIds[1]", contains: []string{"route table rtb-b1 belongs to vpc-b, not to vpcId vpc-a"}},
		{name: "a bucket in another Region", s: func(s spec.Spec) spec.Spec {
			s.Bucket.Name = "us-bucket"
			return s
		}, keys: "bucketRegion", contains: []string{"bucket us-bucket is not in bucketRegion eu-west-1", "MovedPermanently"}},
		{name: "a bucket of another account", s: func(s spec.Spec) spec.Spec {
			s.Bucket.Name = "foreign-bucket"
			return s
		}, keys: "bucketName", contains: []string{"either the bucket belongs to another account"}},
		{name: "no permission to read the bucket policy", world: func(w *world.World) { w.Deny(owner, "s3:GetBucketPolicy") },
			keys: "bucketName", contains: []string{"lack s3:GetBucketPolicy", "in account 111111111111", "cross-account-s3:preflight: false"}},
		{name: "no permission to read roles and endpoints", world: func(w *world.World) {
			w.Deny(consumer, "iam:GetRole")
			w.Deny(consumer, "ec2:DescribeVpcEndpoints")
		}, keys: "consumerRoleArns[0], consumerRoleArns[1], adoptEndpointId", contains: []string{"lack iam:GetRole", "lack ec2:DescribeVpcEndpoints"}},
		{name: "an adopted endpoint", s: func(s spec.Spec) spec.Spec {
			s.Consumers[0].Endpoint.AdoptID = "vpce-0000000000000000a"
			return s
		}, world: func(w *world.World) { theirs(w, "vpce-0000000000000000a", "rtb-a1", "rtb-a2") }},
		{name: "an adopted endpoint, no permission to read prefix lists", s: func(s spec.Spec) spec.Spec {
			s.Consumers[0].Endpoint.AdoptID = "vpce-0000000000000000a"
			return s
		}, world: func(w *world.World) {
			theirs(w, "vpce-0000000000000000a", "rtb-a1", "rtb-a2")
			w.Deny(consumer, "ec2:DescribePrefixLists")
		}, keys: "adoptEndpointId", contains: []string{"lack ec2:DescribePrefixLists (ec2.LookupVpcEndpoint answered: reading EC2 Prefix List (com.amazonaws.eu-west-1.s3)"}},
		{name: "an adopted endpoint missing a route table", s: func(s spec.Spec) spec.Spec {
			s.Consumers[0].Endpoint.AdoptID = "vpce-0000000000000000a"
			return s
		}, world: func(w *world.World) { theirs(w, "vpce-0000000000000000a", "rtb-a1") },
			keys: "routeTableIds", contains: []string{"rtb-a2 is not associated with the adopted endpoint vpce-0000000000000000a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.world)
			s := preflightSpec()
			if tt.s != nil {
				s = tt.s(s)
			}
			r := preflight.Check(s, preflightOpts, gather(t, f, s))
			r.Problems = stackconfig.NamesOf(stackconfig.MapSource{}).Problems(r.Problems) // the flat form's keys
			var keys []string
			for _, p := range r.Problems {
				keys = append(keys, p.Key)
			}
			if got := strings.Join(keys, ", "); got != tt.keys {
				t.Fatalf("problem keys %q, want %q:\n%v", got, tt.keys, r.Problems)
			}
			all := r.Problems.Error()
			for _, c := range tt.contains {
				if !strings.Contains(all, c) {
					t.Errorf("problems lack %q:\n%s", c, all)
				}
			}
			warnings := strings.Join(r.Warnings, "\n")
			for _, w := range tt.warns {
				if !strings.Contains(warnings, w) {
					t.Errorf("warnings lack %q:\n%s", w, warnings)
				}
			}
			if len(tt.warns) == 0 && len(r.Warnings) > 0 {
				t.Errorf("unexpected warnings:\n%s", warnings)
			}
			for _, op := range f.ops() {
				if op.Op != "configure" && op.Op != "invoke" {
					t.Errorf("preflight made a %s call: %+v", op.Op, op)
				}
				if len(op.AllowedAccountIds) != 1 || op.Account != op.AllowedAccountIds[0] {
					t.Errorf("a lookup ran outside its provider's account: %+v", op)
				}
			}
		})
	}
}
