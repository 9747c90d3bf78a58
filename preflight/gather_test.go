package preflight

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// scripted answers lookups from a table keyed by "call target", and records them.
type scripted struct {
	answers map[string]any // map[string]any result, or error
	mu      sync.Mutex
	calls   []string
}

func (sc *scripted) invoke(l Lookup) (map[string]any, error) {
	key := string(l.Call) + " " + l.Target
	if l.When != "" && l.Call == CallVpcEndpoint {
		key += " own"
	}
	sc.mu.Lock()
	sc.calls = append(sc.calls, fmt.Sprintf("%s %s %v", l.Call.Function(), l.Provider, l.Args))
	sc.mu.Unlock()
	switch a := sc.answers[key].(type) {
	case error:
		return nil, a
	case map[string]any:
		return a, nil
	}
	return nil, fmt.Errorf("no answer for %s", key)
}

// at is the position of a call, -1 when it was not made.
func (sc *scripted) at(call string) int {
	for i, c := range sc.calls {
		if c == call {
			return i
		}
	}
	return -1
}

func TestGather(t *testing.T) {
	s := flatSpec()
	base := func() map[string]any {
		return map[string]any{
			string(CallBucket) + " shared-data":                    map[string]any{"region": "eu-west-1"},
			string(CallBucketPolicy) + " shared-data":              errNoPolicy,
			string(CallRole) + " " + roleWeb:                       map[string]any{"arn": roleWeb, "uniqueId": "AROAWEB00000000000000"},
			string(CallRole) + " " + roleBatch:                     errNoRole("web-batch"),
			string(CallRouteTable) + " " + rtbA1:                   map[string]any{"vpcId": vpcA},
			string(CallRouteTable) + " " + rtbA2:                   map[string]any{"vpcId": vpcB},
			string(CallVpcEndpoint) + " " + vpcA:                   errNoEndpoint,
			string(CallVpcEndpoint) + " " + vpcA + " own":          errNoEndpoint,
			string(CallPrefixList) + " com.amazonaws.eu-west-1.s3": map[string]any{"id": "pl-6da54004"},
			string(CallRouteTables) + " " + vpcA:                   map[string]any{"ids": []any{rtbA2}},
		}
	}

	sc := &scripted{answers: base()}
	f := Gather(s, opts, sc.invoke)
	if len(sc.calls) != 7 {
		t.Fatalf("one VPC endpoint lookup answered none: want 7 calls, got %d:\n%s", len(sc.calls), strings.Join(sc.calls, "\n"))
	}
	if f.Bucket.Region != "eu-west-1" || Classify(f.Bucket.PolicyErr) != NotFound || f.Roles[roleWeb].UniqueID != "AROAWEB00000000000000" ||
		Classify(f.Roles[roleBatch].Err) != NotFound || f.RouteTables[RouteKey(workloads, rtbA2)].VpcID != vpcB || Classify(f.VPCs[VPCKey(workloads, vpcA)].Err) != NotFound {
		t.Fatalf("facts %+v", f)
	}
	byVPC := "ec2.LookupVpcEndpoint consumer-222222222222 map[filters:[map[name:vpc-endpoint-type values:[Gateway]] map[name:vpc-endpoint-state values:[pending available]]] serviceName:com.amazonaws.eu-west-1.s3 vpcId:vpc-0a0a0a0a0a0a0a0a0]"
	if sc.at(byVPC) < 0 {
		t.Errorf("no endpoint lookup %s in:\n%s", byVPC, strings.Join(sc.calls, "\n"))
	}

	// Several endpoints: the three further lookups, the last with the prefix list found.
	sc = &scripted{answers: base()}
	sc.answers[string(CallVpcEndpoint)+" "+vpcA] = errSeveral
	f = Gather(s, opts, sc.invoke)
	v := f.VPCs[VPCKey(workloads, vpcA)]
	if len(sc.calls) != 10 || Classify(v.OwnErr) != NotFound || v.PrefixList != "pl-6da54004" || strings.Join(v.Routed, ",") != rtbA2 {
		t.Fatalf("several: %d calls, facts %+v:\n%s", len(sc.calls), v, strings.Join(sc.calls, "\n"))
	}
	own := "ec2.LookupVpcEndpoint consumer-222222222222 map[filters:[map[name:vpc-endpoint-type values:[Gateway]] map[name:vpc-endpoint-state values:[pending available]]] serviceName:com.amazonaws.eu-west-1.s3 tags:map[cross-account-s3:stack:cross-account-s3/dev] vpcId:vpc-0a0a0a0a0a0a0a0a0]"
	pl := "ec2.GetPrefixList consumer-222222222222 map[name:com.amazonaws.eu-west-1.s3]"
	routed := "ec2.GetRouteTables consumer-222222222222 map[filters:[map[name:route.destination-prefix-list-id values:[pl-6da54004]]] vpcId:vpc-0a0a0a0a0a0a0a0a0]"
	if !(sc.at(byVPC) >= 0 && sc.at(byVPC) < sc.at(own) && sc.at(own) < sc.at(pl) && sc.at(pl) < sc.at(routed)) {
		t.Errorf("the VPC's lookups, in order, %s, %s, %s, %s; got:\n%s", byVPC, own, pl, routed, strings.Join(sc.calls, "\n"))
	}
	if r := Check(s, opts, f); len(r.Problems) != 3 {
		t.Errorf("the gathered facts judge as: %s", render(r))
	}

	// No prefix list: no route-table lookup, and Check says why.
	sc = &scripted{answers: base()}
	sc.answers[string(CallVpcEndpoint)+" "+vpcA] = errSeveral
	sc.answers[string(CallPrefixList)+" com.amazonaws.eu-west-1.s3"] = errPLDenied
	f = Gather(s, opts, sc.invoke)
	if len(sc.calls) != 9 || Classify(f.VPCs[VPCKey(workloads, vpcA)].PrefixListErr) != Denied {
		t.Fatalf("prefix list denied: %d calls", len(sc.calls))
	}
	sc.answers[string(CallPrefixList)+" com.amazonaws.eu-west-1.s3"] = map[string]any{}
	if f = Gather(s, opts, sc.invoke); f.VPCs[VPCKey(workloads, vpcA)].PrefixListErr == nil {
		t.Fatal("a prefix list lookup without an id must count as failed")
	}

	// An adopted endpoint is looked up by its ID.
	adopt := flatSpec()
	adopt.Consumers[0].Endpoint.AdoptID = vpceThem
	sc = &scripted{answers: base()}
	sc.answers[string(CallVpcEndpoint)+" "+vpceThem] = map[string]any{"id": vpceThem, "vpcId": vpcA, "serviceName": "com.amazonaws.eu-west-1.s3",
		"vpcEndpointType": "Gateway", "state": "available", "routeTableIds": []any{rtbA1, rtbA2}, "tags": map[string]any{"Name": "shared"}}
	f = Gather(adopt, opts, sc.invoke)
	if e := f.Adopted[VPCKey(workloads, vpceThem)].Endpoint; e.ID != vpceThem || len(e.RouteTableIDs) != 2 || e.Tags["Name"] != "shared" || len(sc.calls) != 7 {
		t.Fatalf("adopted: %+v, %d calls", e, len(sc.calls))
	}
}
