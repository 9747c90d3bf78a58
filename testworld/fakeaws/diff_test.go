package main

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"cross-account-s3/testworld/world"
)

func TestDiffReplaceKeys(t *testing.T) {
	endpoint := map[string]any{
		"vpcId": "vpc-a", "serviceName": s3Name, "vpcEndpointType": "Gateway",
		"routeTableIds": []any{"rtb-a1", "rtb-a2"}, "policy": endpointPolicy, "tags": map[string]any{"Name": "s3"},
	}
	bucketPol := map[string]any{"bucket": bucket, "policy": bucketPolicy("arn:aws:iam::" + consumer + ":role/app")}
	rolePol := map[string]any{"name": "s3-shared-bucket", "role": "app", "policy": rolePolicyDoc("s3:GetObject")}
	tests := []struct {
		name    string
		typ     string
		olds    map[string]any
		change  map[string]any // keys set (nil value: removed)
		diffs   []string
		replace []string
	}{
		{"endpoint VPC", typeVpcEndpoint, endpoint, map[string]any{"vpcId": "vpc-b"}, []string{"vpcId"}, []string{"vpcId"}},
		{"endpoint service", typeVpcEndpoint, endpoint, map[string]any{"serviceName": "com.amazonaws.us-east-1.s3"}, []string{"serviceName"}, []string{"serviceName"}},
		{"endpoint type", typeVpcEndpoint, endpoint, map[string]any{"vpcEndpointType": "Interface"}, []string{"vpcEndpointType"}, []string{"vpcEndpointType"}},
		{"endpoint service region", typeVpcEndpoint, endpoint, map[string]any{"serviceRegion": "us-east-1"}, []string{"serviceRegion"}, []string{"serviceRegion"}},
		{"endpoint resource configuration", typeVpcEndpoint, endpoint, map[string]any{"resourceConfigurationArn": "arn:aws:vpc-lattice:eu-west-1:1:resourceconfiguration/rcfg-1"},
			[]string{"resourceConfigurationArn"}, []string{"resourceConfigurationArn"}},
		{"endpoint service network", typeVpcEndpoint, endpoint, map[string]any{"serviceNetworkArn": "arn:aws:vpc-lattice:eu-west-1:1:servicenetwork/sn-1"},
			[]string{"serviceNetworkArn"}, []string{"serviceNetworkArn"}},
		{"endpoint route tables in place", typeVpcEndpoint, endpoint, map[string]any{"routeTableIds": []any{"rtb-a1"}}, []string{"routeTableIds"}, nil},
		{"endpoint route table order is no change", typeVpcEndpoint, endpoint, map[string]any{"routeTableIds": []any{"rtb-a2", "rtb-a1"}}, nil, nil},
		{"endpoint policy in place", typeVpcEndpoint, endpoint, map[string]any{"policy": world.DefaultEndpointPolicy}, []string{"policy"}, nil},
		// Optional+Computed upstream: leaving them out keeps what AWS has.
		{"endpoint policy left out is no change", typeVpcEndpoint, endpoint, map[string]any{"policy": nil}, nil, nil},
		{"endpoint route tables left out is no change", typeVpcEndpoint, endpoint, map[string]any{"routeTableIds": nil}, nil, nil},
		{"role policy name left out is no change", typeRolePolicy, rolePol, map[string]any{"name": nil}, nil, nil},
		{"endpoint equivalent policy JSON is no change", typeVpcEndpoint, endpoint, map[string]any{"policy": indent(endpointPolicy)}, nil, nil},
		{"endpoint tags in place", typeVpcEndpoint, endpoint, map[string]any{"tags": map[string]any{"Name": "other"}}, []string{"tags"}, nil},
		{"endpoint private DNS in place (ForceNew only upstream 6.x)", typeVpcEndpoint, endpoint, map[string]any{"privateDnsEnabled": true}, []string{"privateDnsEnabled"}, nil},
		{"endpoint unknown VPC replaces", typeVpcEndpoint, endpoint, map[string]any{"vpcId": resource.MakeComputed(resource.NewStringProperty(""))}, []string{"vpcId"}, []string{"vpcId"}},
		{"bucket policy bucket", typeBucketPolicy, bucketPol, map[string]any{"bucket": "other-bucket"}, []string{"bucket"}, []string{"bucket"}},
		{"bucket policy document in place", typeBucketPolicy, bucketPol, map[string]any{"policy": bucketPolicy("arn:aws:iam::" + consumer + ":role/batch")}, []string{"policy"}, nil},
		{"bucket policy secret-wrapped same value is no change", typeBucketPolicy, bucketPol, map[string]any{"bucket": resource.MakeSecret(resource.NewStringProperty(bucket))}, nil, nil},
		{"role policy name", typeRolePolicy, rolePol, map[string]any{"name": "other"}, []string{"name"}, []string{"name"}},
		{"role policy name prefix", typeRolePolicy, rolePol, map[string]any{"namePrefix": "s3-"}, []string{"namePrefix"}, []string{"namePrefix"}},
		{"role policy role", typeRolePolicy, rolePol, map[string]any{"role": "batch"}, []string{"role"}, []string{"role"}},
		{"role policy document in place", typeRolePolicy, rolePol, map[string]any{"policy": rolePolicyDoc("s3:*")}, []string{"policy"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			news := maps.Clone(tt.olds)
			for k, v := range tt.change {
				if v == nil {
					delete(news, k)
				} else {
					news[k] = v
				}
			}
			resp := f.diff(tt.typ, tt.olds, news)
			diffs, replaces := slices.Sorted(slices.Values(resp.Diffs)), slices.Sorted(slices.Values(resp.Replaces))
			if !slices.Equal(diffs, tt.diffs) || !slices.Equal(replaces, tt.replace) {
				t.Fatalf("diffs %v replaces %v; want diffs %v replaces %v", diffs, replaces, tt.diffs, tt.replace)
			}
			wantChanges := pulumirpc.DiffResponse_DIFF_NONE
			if len(tt.diffs) > 0 {
				wantChanges = pulumirpc.DiffResponse_DIFF_SOME
			}
			if resp.Changes != wantChanges {
				t.Fatalf("changes %v, want %v", resp.Changes, wantChanges)
			}
			for _, k := range tt.replace {
				if kind := resp.DetailedDiff[k].GetKind(); kind != pulumirpc.PropertyDiff_UPDATE_REPLACE && kind != pulumirpc.PropertyDiff_ADD_REPLACE {
					t.Fatalf("detailed diff of %s is %v, want a replacement", k, kind)
				}
			}
		})
	}
}

func TestForceNewTableCoversTheProgramsTypes(t *testing.T) {
	for _, typ := range []string{typeVpcEndpoint, typeBucketPolicy, typeRolePolicy, typeKMSGrant} {
		if len(forceNew[typ]) == 0 {
			t.Errorf("no ForceNew inputs listed for %s", typ)
		}
	}
	for typ, keys := range map[string][]string{
		typeVpcEndpoint:  {"vpcId", "serviceName", "vpcEndpointType"},
		typeBucketPolicy: {"bucket"},
		typeRolePolicy:   {"name", "namePrefix", "role"},
		typeKMSGrant:     {"keyId", "granteePrincipal", "operations", "constraints"},
	} {
		for _, k := range keys {
			if !slices.Contains(forceNew[typ], k) {
				t.Errorf("%s.%s must force replacement", typ, k)
			}
		}
	}
}

func TestCheckReportsMissingAndInvalidInputs(t *testing.T) {
	f := newFixture(t, nil)
	resp, err := f.server().Check(context.Background(), &pulumirpc.CheckRequest{
		Urn:  string(urn(typeBucketPolicy, "bp")),
		News: f.marshal(map[string]any{"policy": "{not json"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	var props []string
	for _, fl := range resp.Failures {
		props = append(props, fl.Property)
	}
	slices.Sort(props)
	if !slices.Equal(props, []string{"bucket", "policy"}) {
		t.Fatalf("Check failures on %v, want bucket (missing) and policy (invalid JSON)", props)
	}
}

// indent re-renders a JSON document with other white space: the same document to AWS.
func indent(doc string) string {
	out := []byte{}
	for _, c := range []byte(doc) {
		out = append(out, c)
		if c == ',' || c == '{' {
			out = append(out, '\n', ' ', ' ')
		}
	}
	return string(out)
}

func TestDiffWithoutOldInputsUsesOutputs(t *testing.T) {
	f := newFixture(t, nil)
	in := map[string]any{"bucket": bucket, "policy": bucketPolicy("arn:aws:iam::" + consumer + ":role/app")}
	outs := maps.Clone(in)
	outs["id"] = bucket
	resp, err := f.server().Diff(context.Background(), &pulumirpc.DiffRequest{
		Urn: string(urn(typeBucketPolicy, "bp")), Id: bucket, Olds: f.marshal(outs), News: f.marshal(in),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("diff against outputs only: %v %v; outputs that are no inputs must not count", resp.Changes, resp.Diffs)
	}
}
