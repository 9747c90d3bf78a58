package preflight

import (
	"fmt"
	"strings"
	"sync"

	"cross-account-s3/spec"
)

// Invoker makes one lookup: it calls l.Call's function with l.Args through the stack's provider
// named l.Provider (which is pinned to l.Account), and returns the result as plain values
// (strings, numbers, booleans, []any, map[string]any), or the function's error as it came.
type Invoker func(l Lookup) (map[string]any, error)

// Parallel is how many lookups Gather runs at a time. The Invoker must be safe for concurrent use
// (pulumi's ctx.Invoke is).
const Parallel = 8

// Gather makes the Lookups through invoke and records the answers as Facts. The lookups
// of one VPC's endpoints run in order, the further ones (Lookup.When) only when the first finds
// several S3 gateway endpoints; all other lookups are independent and run Parallel at a time. It
// never stops early: Check reports every failure at once.
func Gather(s spec.Spec, opts Options, invoke Invoker) Facts {
	f := Facts{Roles: map[string]RoleFacts{}, RouteTables: map[string]RouteTableFacts{}, VPCs: map[string]VPCFacts{}, Adopted: map[string]AdoptedFacts{}}
	var mu sync.Mutex
	record := func(fn func()) {
		mu.Lock()
		defer mu.Unlock()
		fn()
	}
	var tasks []func()
	chains := map[string]int{} // VPC key -> index of its task
	var chainLookups [][]Lookup
	for _, l := range Lookups(s, opts) {
		if l.Call == CallVpcEndpoint && !strings.HasPrefix(l.Target, "vpce-") || l.When != "" {
			key := VPCKey(l.Account, l.VpcID)
			i, ok := chains[key]
			if !ok {
				i = len(chainLookups)
				chains[key] = i
				chainLookups = append(chainLookups, nil)
			}
			chainLookups[i] = append(chainLookups[i], l)
			continue
		}
		tasks = append(tasks, func() {
			res, err := invoke(l)
			record(func() {
				switch l.Call {
				case CallBucket:
					f.Bucket.Err, f.Bucket.Region = err, asString(res["region"])
				case CallBucketPolicy:
					f.Bucket.PolicyErr, f.Bucket.Policy = err, asString(res["policy"])
				case CallRole:
					f.Roles[l.Target] = RoleFacts{Err: err, ARN: asString(res["arn"]), UniqueID: asString(res["uniqueId"])}
				case CallRouteTable:
					f.RouteTables[RouteKey(l.Account, l.Target)] = RouteTableFacts{Err: err, VpcID: asString(res["vpcId"])}
				case CallVpcEndpoint:
					f.Adopted[VPCKey(l.Account, l.Target)] = AdoptedFacts{Err: err, Endpoint: endpointOf(res, err)}
				}
			})
		})
	}
	for _, chain := range chainLookups {
		tasks = append(tasks, func() {
			v := gatherVPC(chain, invoke)
			record(func() { f.VPCs[VPCKey(chain[0].Account, chain[0].VpcID)] = v })
		})
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, Parallel)
	for _, task := range tasks {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			task()
		}()
	}
	wg.Wait()
	return f
}

// gatherVPC makes the lookups of one VPC's S3 gateway endpoints, in the order of Lookups.
func gatherVPC(chain []Lookup, invoke Invoker) VPCFacts {
	var v VPCFacts
	for _, l := range chain {
		several := v.Err != nil && Classify(v.Err) == Several
		switch {
		case l.When == "":
			res, err := invoke(l)
			v.Err, v.Endpoint = err, endpointOf(res, err)
		case !several:
			// None or one endpoint: the first lookup told all.
		case l.Call == CallVpcEndpoint:
			res, err := invoke(l)
			v.OwnErr, v.Own = err, endpointOf(res, err)
		case l.Call == CallPrefixList:
			res, err := invoke(l)
			v.PrefixListErr, v.PrefixList = err, asString(res["id"])
			if err == nil && v.PrefixList == "" {
				v.PrefixListErr = fmt.Errorf("%s answered no id", l.Call.Function())
			}
		case l.Call == CallRouteTables && v.PrefixListErr == nil:
			l.Args = withPrefixList(l.Args, v.PrefixList)
			res, err := invoke(l)
			v.RoutedErr, v.Routed = err, asStrings(res["ids"])
		}
	}
	return v
}

// withPrefixList puts the prefix list found in place of PrefixListPlaceholder (a copy).
func withPrefixList(args map[string]any, pl string) map[string]any {
	out := copyMap(args)
	var filters []any
	for _, f := range spec.AsList(args["filters"]) {
		m, ok := f.(map[string]any)
		if !ok {
			filters = append(filters, f)
			continue
		}
		m = copyMap(m)
		var values []any
		for _, v := range spec.AsList(m["values"]) {
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

func asStrings(v any) []string {
	var out []string
	for _, e := range spec.AsList(v) {
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
