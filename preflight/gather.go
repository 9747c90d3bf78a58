package preflight

import (
	"fmt"
	"strings"

	"cross-account-s3/spec"
)

// Invoker makes one lookup: it calls l.Call's function with l.Args through the stack's provider
// named l.Provider (which is pinned to l.Account), and returns the result as plain values
// (strings, numbers, booleans, []any, map[string]any), or the function's error as it came.
type Invoker func(l Lookup) (map[string]any, error)

// Gather makes the lookups of Plan in order through invoke and records the answers as Facts. The
// lookups under a condition (Lookup.When) are made only when it holds: a VPC with several S3
// gateway endpoints. It never stops early: Check reports every failure at once.
func Gather(s spec.Spec, opts Options, invoke Invoker) Facts {
	f := Facts{Roles: map[string]RoleFacts{}, RouteTables: map[string]RouteTableFacts{}, VPCs: map[string]VPCFacts{}, Adopted: map[string]AdoptedFacts{}}
	for _, l := range Plan(s, opts) {
		key := VPCKey(l.Account, l.VpcID)
		v := f.VPCs[key]
		several := l.When != "" && v.Err != nil && Classify(v.Err) == Several
		switch {
		case l.Call == CallBucket:
			res, err := invoke(l)
			f.Bucket.Err, f.Bucket.Region = err, asString(res["region"])
		case l.Call == CallBucketPolicy:
			res, err := invoke(l)
			f.Bucket.PolicyErr, f.Bucket.Policy = err, asString(res["policy"])
		case l.Call == CallRole:
			res, err := invoke(l)
			f.Roles[l.Target] = RoleFacts{Err: err, ARN: asString(res["arn"]), UniqueID: asString(res["uniqueId"])}
		case l.Call == CallRouteTable:
			res, err := invoke(l)
			f.RouteTables[RouteKey(l.Account, l.Target)] = RouteTableFacts{Err: err, VpcID: asString(res["vpcId"])}
		case l.Call == CallVpcEndpoint && strings.HasPrefix(l.Target, "vpce-"):
			res, err := invoke(l)
			f.Adopted[VPCKey(l.Account, l.Target)] = AdoptedFacts{Err: err, Endpoint: endpointOf(res, err)}
		case l.Call == CallVpcEndpoint && l.When == "":
			res, err := invoke(l)
			f.VPCs[key] = VPCFacts{Err: err, Endpoint: endpointOf(res, err)}
		case !several:
			// A VPC with none or one endpoint: the one lookup told all.
		case l.Call == CallVpcEndpoint:
			res, err := invoke(l)
			v.OwnErr, v.Own = err, endpointOf(res, err)
			f.VPCs[key] = v
		case l.Call == CallPrefixList:
			res, err := invoke(l)
			v.PrefixListErr, v.PrefixList = err, asString(res["id"])
			if err == nil && v.PrefixList == "" {
				v.PrefixListErr = fmt.Errorf("%s answered no id", l.Call.Function())
			}
			f.VPCs[key] = v
		case l.Call == CallRouteTables && v.PrefixListErr == nil:
			l.Args = withPrefixList(l.Args, v.PrefixList)
			res, err := invoke(l)
			v.RoutedErr, v.Routed = err, asStrings(res["ids"])
			f.VPCs[key] = v
		}
	}
	return f
}

// withPrefixList puts the prefix list found in place of PrefixListPlaceholder (a copy).
func withPrefixList(args map[string]any, pl string) map[string]any {
	out := copyMap(args)
	var filters []any
	for _, f := range asList(args["filters"]) {
		m, ok := f.(map[string]any)
		if !ok {
			filters = append(filters, f)
			continue
		}
		m = copyMap(m)
		var values []any
		for _, v := range asList(m["values"]) {
			if v == PrefixListPlaceholder {
				v = pl
			}
			values = append(values, v)
		}
		m["values"] = values
		filters = append(filters, m)
	}
	out["filters"] = filters
	return out
}

func endpointOf(res map[string]any, err error) Endpoint {
	if err != nil {
		return Endpoint{}
	}
	return Endpoint{
		ID:            asString(res["id"]),
		VpcID:         asString(res["vpcId"]),
		ServiceName:   asString(res["serviceName"]),
		Type:          asString(res["vpcEndpointType"]),
		State:         asString(res["state"]),
		RouteTableIDs: asStrings(res["routeTableIds"]),
		Tags:          asStringMap(res["tags"]),
	}
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

func asList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return nil
}

func asStrings(v any) []string {
	var out []string
	for _, e := range asList(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func asStringMap(v any) map[string]string {
	out := map[string]string{}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok {
				out[k] = s
			}
		}
	case map[string]string:
		for k, e := range x {
			out[k] = e
		}
	}
	return out
}
