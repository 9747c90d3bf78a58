package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"cross-account-s3/testworld/world"
)

// maxEndpointPolicy is AWS's limit on an endpoint policy, white space included.
const maxEndpointPolicy = 20480

func s3ServiceName(region string) string { return "com.amazonaws." + region + ".s3" }

// endpointVisible reports whether the endpoint exists for this provider: AWS shows an account only
// its own endpoints, and only in the Region asked.
func endpointVisible(w *world.World, cfg providerConfig, id string) (world.Endpoint, bool) {
	e, ok := w.Endpoints[id]
	return e, ok && e.Account == cfg.Account && e.Region == cfg.Region
}

func createEndpoint(w *world.World, cfg providerConfig, news resource.PropertyMap) (result, error) {
	serviceName := str(news, "serviceName")
	vpcID := str(news, "vpcId")
	typ := str(news, "vpcEndpointType")
	if typ == "" {
		typ = "Gateway"
	}
	rts := sortedSet(strs(news, "routeTableIds"))
	fail := func(code, message string) (result, error) {
		return result{}, awsError(fmt.Sprintf("creating EC2 VPC Endpoint (%s)", serviceName), "EC2", "CreateVpcEndpoint", 400, code, message)
	}
	if typ != "Gateway" {
		return fail("InvalidParameter", fmt.Sprintf("fake AWS models only Gateway endpoints, not %s", typ))
	}
	if serviceName != s3ServiceName(cfg.Region) {
		return fail("InvalidServiceName", fmt.Sprintf("The Vpc Endpoint Service '%s' does not exist", serviceName))
	}
	if vpc, ok := w.VPCs[vpcID]; !ok || vpc.Account != cfg.Account || vpc.Region != cfg.Region {
		return fail("InvalidVpcId.NotFound", fmt.Sprintf("The vpc ID '%s' does not exist", vpcID))
	}
	if code, msg := checkRouteTables(w, cfg, vpcID, "", rts); code != "" {
		return fail(code, msg)
	}
	policy := str(news, "policy")
	if code, msg := checkEndpointPolicy(policy); code != "" {
		return fail(code, msg)
	}
	if policy == "" {
		policy = world.DefaultEndpointPolicy
	}
	id := w.NewID("vpce", 17)
	w.Endpoints[id] = world.Endpoint{
		Account:       cfg.Account,
		Region:        cfg.Region,
		VpcID:         vpcID,
		ServiceName:   serviceName,
		Type:          typ,
		RouteTableIDs: rts,
		Policy:        policy,
		PrefixListID:  world.PrefixListID(cfg.Region),
		State:         "available",
		Tags:          toStringMap(getPlain(news, "tags")),
	}
	return endpointResult(cfg, id, w.Endpoints[id]), nil
}

// checkRouteTables returns the AWS error code and message for the first route table the endpoint
// self (empty when creating) in vpcID cannot be associated with, or "".
func checkRouteTables(w *world.World, cfg providerConfig, vpcID, self string, rts []string) (string, string) {
	ids := slices.Sorted(maps.Keys(w.Endpoints))
	for _, rt := range rts {
		r, ok := w.RouteTables[rt]
		if !ok || r.Account != cfg.Account || w.VPCs[r.VPC].Region != cfg.Region {
			return "InvalidRouteTableId.NotFound", fmt.Sprintf("The routeTable ID '%s' does not exist", rt)
		}
		if r.VPC != vpcID {
			return "InvalidParameter", fmt.Sprintf("route table %s is in %s, not in the endpoint's VPC %s", rt, r.VPC, vpcID)
		}
		for _, id := range ids {
			e := w.Endpoints[id]
			if id != self && world.IsS3Service(e.ServiceName) && slices.Contains(e.RouteTableIDs, rt) {
				return "RouteAlreadyExists", fmt.Sprintf("route table %s already has a route with destination-prefix-list-id %s", rt, e.PrefixListID)
			}
		}
	}
	return "", ""
}

func checkEndpointPolicy(policy string) (string, string) {
	if policy == "" {
		return "", ""
	}
	if err := validJSON(policy); err != nil {
		return "MalformedPolicyDocument", "The policy document is not valid JSON: " + err.Error()
	}
	if n := len([]rune(policy)); n > maxEndpointPolicy {
		return "InvalidParameter", fmt.Sprintf("Policy document is %d characters long; the maximum is %d, white space included", n, maxEndpointPolicy)
	}
	return "", ""
}

func updateEndpoint(w *world.World, cfg providerConfig, rid resource.ID, olds, news resource.PropertyMap) (result, error) {
	id := string(rid)
	fail := func(code, message string) (result, error) {
		return result{physical: world.EndpointPhysical(id)}, awsError(fmt.Sprintf("updating EC2 VPC Endpoint (%s)", id), "EC2", "ModifyVpcEndpoint", 400, code, message)
	}
	e, ok := endpointVisible(w, cfg, id)
	if !ok {
		return fail("InvalidVpcEndpointId.NotFound", fmt.Sprintf("The Vpc Endpoint Id '%s' does not exist", id))
	}
	if v := str(news, "vpcId"); v != "" && v != e.VpcID {
		return fail("InvalidParameter", "vpcId cannot be modified (the engine should have replaced the endpoint)")
	}
	if v := str(news, "serviceName"); v != "" && v != e.ServiceName {
		return fail("InvalidParameter", "serviceName cannot be modified (the engine should have replaced the endpoint)")
	}
	// Unset Optional+Computed inputs keep what AWS has.
	rts := sortedSet(strs(news, "routeTableIds"))
	if len(rts) == 0 {
		rts = e.RouteTableIDs
	}
	var added []string
	for _, rt := range rts {
		if !slices.Contains(e.RouteTableIDs, rt) {
			added = append(added, rt)
		}
	}
	if code, msg := checkRouteTables(w, cfg, e.VpcID, id, added); code != "" {
		return fail(code, msg)
	}
	policy := str(news, "policy")
	if code, msg := checkEndpointPolicy(policy); code != "" {
		return fail(code, msg)
	}
	if policy == "" {
		policy = e.Policy
	}
	e.RouteTableIDs = rts
	e.Policy = policy
	e.Tags = toStringMap(getPlain(news, "tags"))
	w.Endpoints[id] = e
	return endpointResult(cfg, id, e), nil
}

// deleteEndpoint deletes the endpoint if this provider can see it. One it cannot see is, to AWS,
// not found, which the provider takes as already deleted: nothing happens and nothing fails.
func deleteEndpoint(w *world.World, cfg providerConfig, rid resource.ID, _ resource.PropertyMap) (string, error) {
	id := string(rid)
	if _, ok := endpointVisible(w, cfg, id); ok {
		delete(w.Endpoints, id)
	}
	return world.EndpointPhysical(id), nil
}

func readEndpoint(w *world.World, cfg providerConfig, rid resource.ID, _ resource.PropertyMap) (result, error) {
	id := string(rid)
	e, ok := endpointVisible(w, cfg, id)
	if !ok {
		return result{physical: world.EndpointPhysical(id)}, nil
	}
	return endpointResult(cfg, id, e), nil
}

func endpointARN(e world.Endpoint, id string) string {
	return fmt.Sprintf("arn:aws:ec2:%s:%s:vpc-endpoint/%s", e.Region, e.Account, id)
}

// endpointFields are the endpoint's attributes shared by the resource and the lookup.
func endpointFields(id string, e world.Endpoint) map[string]any {
	return map[string]any{
		"id":                  id,
		"arn":                 endpointARN(e, id),
		"cidrBlocks":          []string{},
		"dnsEntries":          []any{},
		"ipAddressType":       "",
		"networkInterfaceIds": []string{},
		"ownerId":             e.Account,
		"policy":              e.Policy,
		"prefixListId":        e.PrefixListID,
		"privateDnsEnabled":   false,
		"requesterManaged":    false,
		"routeTableIds":       nonNil(e.RouteTableIDs),
		"securityGroupIds":    []string{},
		"serviceName":         e.ServiceName,
		"state":               e.State,
		"subnetIds":           []string{},
		"tags":                nonNilMap(e.Tags),
		"vpcEndpointType":     e.Type,
		"vpcId":               e.VpcID,
	}
}

func endpointResult(cfg providerConfig, id string, e world.Endpoint) result {
	out := endpointFields(id, e)
	all := maps.Clone(cfg.DefaultTags)
	if all == nil {
		all = map[string]string{}
	}
	maps.Copy(all, e.Tags)
	out["tagsAll"] = all
	out["autoAccept"] = false
	inputs := map[string]any{
		"vpcId":           e.VpcID,
		"serviceName":     e.ServiceName,
		"vpcEndpointType": e.Type,
		"routeTableIds":   nonNil(e.RouteTableIDs),
		"policy":          e.Policy,
	}
	if len(e.Tags) > 0 {
		inputs["tags"] = e.Tags
	}
	return result{
		id:       resource.ID(id),
		physical: world.EndpointPhysical(id),
		outputs:  outputs(out),
		inputs:   outputs(inputs),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// validJSON reports why s is not a JSON document, or nil.
func validJSON(s string) error {
	var v any
	return json.Unmarshal([]byte(s), &v)
}
