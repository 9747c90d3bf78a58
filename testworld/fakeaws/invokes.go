package main

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"cross-account-s3/testworld/world"
)

// invokeFunc answers one function: its result, the physical identity it read (may be ""), or the
// error the real provider would give.
type invokeFunc func(w *world.World, cfg providerConfig, args resource.PropertyMap) (map[string]any, string, error)

var invokes = map[string]invokeFunc{
	"aws:ec2/getVpcEndpoint:getVpcEndpoint":  getVpcEndpoint,
	"aws:ec2/getRouteTable:getRouteTable":    getRouteTable,
	"aws:ec2/getRouteTables:getRouteTables":  getRouteTables,
	"aws:ec2/getPrefixList:getPrefixList":    getPrefixList,
	"aws:iam/getRole:getRole":                getRole,
	"aws:s3/getBucket:getBucket":             getBucket,
	"aws:s3/getBucketPolicy:getBucketPolicy": getBucketPolicy,
	"aws:kms/getKey:getKey":                  getKey,
	"aws:kms/getAlias:getAlias":              getAlias,
}

// permissions are the IAM actions each function needs, and how AWS words a refusal: the
// data source's words, the API, and whether the answer has a body (HeadBucket's has none).
var permissions = map[string]struct{ action, what, service, api string }{
	"aws:ec2/getVpcEndpoint:getVpcEndpoint":  {"ec2:DescribeVpcEndpoints", "reading EC2 VPC Endpoints", "EC2", "DescribeVpcEndpoints"},
	"aws:ec2/getRouteTable:getRouteTable":    {"ec2:DescribeRouteTables", "reading EC2 Route Tables", "EC2", "DescribeRouteTables"},
	"aws:ec2/getRouteTables:getRouteTables":  {"ec2:DescribeRouteTables", "reading EC2 Route Tables", "EC2", "DescribeRouteTables"},
	"aws:ec2/getPrefixList:getPrefixList":    {"ec2:DescribePrefixLists", "reading EC2 Prefix Lists", "EC2", "DescribePrefixLists"},
	"aws:iam/getRole:getRole":                {"iam:GetRole", "reading IAM Role (%s)", "IAM", "GetRole"},
	"aws:s3/getBucket:getBucket":             {"s3:ListBucket", "Failed getting S3 bucket (%s)", "S3", "HeadBucket"},
	"aws:s3/getBucketPolicy:getBucketPolicy": {"s3:GetBucketPolicy", "reading S3 Bucket (%s) Policy", "S3", "GetBucketPolicy"},
}

// answer runs a function, unless the world refuses the provider's account the function's action
// (World.Denied): then it answers AWS's refusal in the words of the service, as the real provider
// passes it on.
func answer(tok string, fn invokeFunc, w *world.World, cfg providerConfig, args resource.PropertyMap) (map[string]any, string, error) {
	if p, ok := permissions[tok]; ok && w.IsDenied(cfg.Account, p.action) {
		target := str(args, "bucket")
		if target == "" {
			target = str(args, "name")
		}
		return nil, "", refusal(tok, cfg, target)
	}
	return fn(w, cfg, args)
}

// refusal is the error AWS gives a principal refused action; target names the resource asked
// about ("" for EC2's Describe calls, which name none).
func refusal(tok string, cfg providerConfig, target string) error {
	p := permissions[tok]
	what := p.what
	if strings.Contains(what, "%s") {
		what = fmt.Sprintf(what, target)
	}
	caller := callerARN(cfg)
	switch {
	case p.api == "HeadBucket":
		return awsError(what, p.service, p.api, 403, "Forbidden", "Forbidden")
	case p.service == "EC2":
		return awsError(what, p.service, p.api, 403, "UnauthorizedOperation", fmt.Sprintf(
			"You are not authorized to perform this operation. User: %s is not authorized to perform: %s because no identity-based policy allows the %s action", caller, p.action, p.action))
	case p.service == "IAM":
		return awsError(what, p.service, p.api, 403, "AccessDenied", fmt.Sprintf(
			"User: %s is not authorized to perform: %s on resource: role %s because no identity-based policy allows the %s action", caller, p.action, target, p.action))
	}
	return awsError(what, p.service, p.api, 403, "AccessDenied", fmt.Sprintf(
		"User: %s is not authorized to perform: %s on resource: \"arn:aws:s3:::%s\" because no identity-based policy allows the %s action", caller, p.action, target, p.action))
}

// callerARN is who the provider's credentials are, as AWS names them in a refusal.
func callerARN(cfg providerConfig) string {
	if m := roleARN.FindStringSubmatch(cfg.AssumeRoleArn); m != nil {
		session := cfg.SessionName
		if session == "" {
			session = "aws-go-sdk-1"
		}
		return fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", cfg.Account, m[2], session)
	}
	user := cfg.Profile
	if user == "" {
		user = "ambient"
	}
	return fmt.Sprintf("arn:aws:iam::%s:user/%s", cfg.Account, user)
}

func invokeTokens() string {
	return strings.Join(slices.Sorted(maps.Keys(invokes)), ", ")
}

// filter is one EC2 Describe* filter: {name, values}.
type filter struct {
	Name   string
	Values []string
}

func filters(args resource.PropertyMap) []filter {
	var out []filter
	list, _ := decodeJSONString(getPlain(args, "filters")).([]any)
	for _, f := range list {
		m, ok := f.(map[string]any)
		if !ok {
			continue
		}
		name, _ := m["name"].(string)
		out = append(out, filter{Name: name, Values: toStrings(m["values"])})
	}
	return out
}

// matches reports whether value matches one of the filter's values (EC2 filters take * and ?).
func (f filter) matches(value string) bool {
	for _, v := range f.Values {
		if ok, _ := path.Match(v, value); ok || v == value {
			return true
		}
	}
	return false
}

// matchTags reports whether every wanted tag is on the resource.
func matchTags(want map[string]string, have map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func invalidFilter(api, name string) error {
	return fmt.Errorf("operation error EC2: %s, https response error StatusCode: 400, api error InvalidParameterValue: The filter '%s' is invalid", api, name)
}

// getVpcEndpoint is the VPC endpoint lookup (upstream's aws_vpc_endpoint data source): by id,
// vpcId, serviceName, state, tags and filters, among this account's endpoints in this Region.
func getVpcEndpoint(w *world.World, cfg providerConfig, args resource.PropertyMap) (map[string]any, string, error) {
	id, vpcID, service, state := str(args, "id"), str(args, "vpcId"), str(args, "serviceName"), str(args, "state")
	tags := toStringMap(getPlain(args, "tags"))
	fs := filters(args)
	var found []string
	for _, eid := range slices.Sorted(maps.Keys(w.Endpoints)) {
		e, ok := endpointVisible(w, cfg, eid)
		if !ok || (id != "" && eid != id) || (vpcID != "" && e.VpcID != vpcID) ||
			(service != "" && e.ServiceName != service) || (state != "" && e.State != state) || !matchTags(tags, e.Tags) {
			continue
		}
		match := true
		for _, f := range fs {
			var value string
			switch {
			case f.Name == "vpc-id":
				value = e.VpcID
			case f.Name == "service-name":
				value = e.ServiceName
			case f.Name == "vpc-endpoint-type":
				value = e.Type
			case f.Name == "vpc-endpoint-id":
				value = eid
			case f.Name == "vpc-endpoint-state":
				value = e.State
			case strings.HasPrefix(f.Name, "tag:"):
				value = e.Tags[strings.TrimPrefix(f.Name, "tag:")]
			default:
				return nil, "", invalidFilter("DescribeVpcEndpoints", f.Name)
			}
			if !f.matches(value) {
				match = false
			}
		}
		if match {
			found = append(found, eid)
		}
	}
	switch len(found) {
	case 0:
		return nil, "", fmt.Errorf("no matching VPC Endpoint found")
	case 1:
	default:
		return nil, "", fmt.Errorf("multiple VPC Endpoints matched; use additional constraints to reduce matches to a single VPC Endpoint")
	}
	eid := found[0]
	if w.IsDenied(cfg.Account, "ec2:DescribePrefixLists") {
		// Upstream reads the found endpoint's service prefix list too (prefix_list_id, cidr_blocks).
		return nil, "", awsError(fmt.Sprintf("reading EC2 Prefix List (%s)", w.Endpoints[eid].ServiceName), "EC2", "DescribePrefixLists", 403, "UnauthorizedOperation",
			fmt.Sprintf("You are not authorized to perform this operation. User: %s is not authorized to perform: ec2:DescribePrefixLists because no identity-based policy allows the ec2:DescribePrefixLists action", callerARN(cfg)))
	}
	out := endpointFields(eid, w.Endpoints[eid])
	out["dnsOptions"] = []any{}
	if f := getPlain(args, "filters"); f != nil {
		out["filters"] = f
	}
	return out, world.EndpointPhysical(eid), nil
}

// getRouteTable is the route table lookup: by routeTableId, vpcId and filters, among this
// account's route tables in this Region. Like upstream, routes to gateway endpoints are left out
// (and no other routes are modelled), so routes is empty.
func getRouteTable(w *world.World, cfg providerConfig, args resource.PropertyMap) (map[string]any, string, error) {
	id, vpcID := str(args, "routeTableId"), str(args, "vpcId")
	if str(args, "subnetId") != "" || str(args, "gatewayId") != "" {
		return nil, "", fmt.Errorf("fake pulumi-resource-aws: getRouteTable by subnetId or gatewayId is not modelled")
	}
	tags := getPlain(args, "tags")
	if len(toStringMap(tags)) > 0 {
		return nil, "", fmt.Errorf("fake pulumi-resource-aws: route table tags are not modelled")
	}
	var found []string
	for _, rid := range slices.Sorted(maps.Keys(w.RouteTables)) {
		r := w.RouteTables[rid]
		if r.Account != cfg.Account || w.VPCs[r.VPC].Region != cfg.Region || (id != "" && rid != id) || (vpcID != "" && r.VPC != vpcID) {
			continue
		}
		match := true
		for _, f := range filters(args) {
			var value string
			switch f.Name {
			case "route-table-id":
				value = rid
			case "vpc-id":
				value = r.VPC
			case "owner-id":
				value = r.Account
			default:
				return nil, "", invalidFilter("DescribeRouteTables", f.Name)
			}
			if !f.matches(value) {
				match = false
			}
		}
		if match {
			found = append(found, rid)
		}
	}
	switch len(found) {
	case 0:
		return nil, "", fmt.Errorf("no matching EC2 Route Table found")
	case 1:
	default:
		return nil, "", fmt.Errorf("multiple EC2 Route Tables matched; use additional constraints to reduce matches to a single EC2 Route Table")
	}
	rid := found[0]
	r := w.RouteTables[rid]
	out := map[string]any{
		"arn":          fmt.Sprintf("arn:aws:ec2:%s:%s:route-table/%s", cfg.Region, r.Account, rid),
		"associations": []any{},
		"gatewayId":    "",
		"id":           rid,
		"ownerId":      r.Account,
		"routeTableId": rid,
		"routes":       []any{},
		"subnetId":     "",
		"tags":         map[string]string{},
		"vpcId":        r.VPC,
	}
	if f := getPlain(args, "filters"); f != nil {
		out["filters"] = f
	}
	return out, "", nil
}

func getRole(w *world.World, cfg providerConfig, args resource.PropertyMap) (map[string]any, string, error) {
	name := str(args, "name")
	if !w.HasRole(cfg.Account, name) {
		return nil, "", awsError(fmt.Sprintf("reading IAM Role (%s)", name), "IAM", "GetRole", 404, "NoSuchEntity",
			fmt.Sprintf("The role with name %s cannot be found.", name))
	}
	return map[string]any{
		"arn":                 fmt.Sprintf("arn:aws:iam::%s:role%s%s", cfg.Account, w.RolePath(cfg.Account, name), name),
		"assumeRolePolicy":    "",
		"createDate":          "2020-01-01T00:00:00Z",
		"description":         "",
		"id":                  name,
		"maxSessionDuration":  3600,
		"name":                name,
		"path":                w.RolePath(cfg.Account, name),
		"permissionsBoundary": "",
		"roleLastUseds":       []any{},
		"tags":                map[string]string{},
		"uniqueId":            w.RoleUniqueID(cfg.Account, name),
	}, "", nil
}

// s3HostedZones are the Route 53 hosted zones of S3's website endpoints, for the Regions the tests
// use.
var s3HostedZones = map[string]string{
	"eu-west-1": "Z1BKCTXD74EZPE",
	"us-east-1": "Z3AQBSTGFYJSTF",
}

// getBucket reads a bucket of this account. HeadBucket answers 404 for a missing bucket, 301 for
// a bucket of another Region than the provider's (the AWS SDK for Go v2 does not follow it), and
// 403 for one this account does not own; a HEAD answer has no body, hence the bare codes.
func getBucket(w *world.World, cfg providerConfig, args resource.PropertyMap) (map[string]any, string, error) {
	name := str(args, "bucket")
	b, ok := w.Buckets[name]
	what := fmt.Sprintf("Failed getting S3 bucket (%s)", name)
	switch {
	case !ok:
		return nil, "", awsError(what, "S3", "HeadBucket", 404, "NotFound", "Not Found")
	case b.Region != cfg.Region:
		return nil, "", awsError(what, "S3", "HeadBucket", 301, "MovedPermanently", "Moved Permanently")
	case b.Account != cfg.Account:
		return nil, "", awsError(what, "S3", "HeadBucket", 403, "Forbidden", "Forbidden")
	}
	return map[string]any{
		"arn":                      "arn:aws:s3:::" + name,
		"bucket":                   name,
		"bucketDomainName":         name + ".s3.amazonaws.com",
		"bucketRegionalDomainName": name + ".s3." + b.Region + ".amazonaws.com",
		"hostedZoneId":             s3HostedZones[b.Region],
		"id":                       name,
		"region":                   b.Region,
		"websiteDomain":            "",
		"websiteEndpoint":          "",
	}, "", nil
}

// getBucketPolicy reads a bucket's policy. Like upstream's findBucketPolicy, a missing bucket or
// policy (NoSuchBucket, NoSuchBucketPolicy) is "couldn't find resource", without AWS's words;
// other errors are AWS's.
func getBucketPolicy(w *world.World, cfg providerConfig, args resource.PropertyMap) (map[string]any, string, error) {
	name := str(args, "bucket")
	physical := world.BucketPolicyPhysical(name)
	what := fmt.Sprintf("reading S3 Bucket (%s) Policy", name)
	b, status, code, msg := s3Access(w, cfg, name)
	switch {
	case code == "NoSuchBucket" || status == 0 && b.Policy == "":
		return nil, physical, fmt.Errorf("%s: couldn't find resource", what)
	case status != 0:
		return nil, physical, awsError(what, "S3", "GetBucketPolicy", status, code, msg)
	}
	return map[string]any{"bucket": name, "id": name, "policy": b.Policy}, physical, nil
}

// routes are a route table's routes to gateway endpoints, as DescribeRouteTables lists them: one
// to the Region's S3 prefix list per endpoint of this account and Region that serves it.
func routes(w *world.World, cfg providerConfig, rt string) []map[string]string {
	var out []map[string]string
	for _, id := range slices.Sorted(maps.Keys(w.Endpoints)) {
		e, ok := endpointVisible(w, cfg, id)
		if ok && slices.Contains(e.RouteTableIDs, rt) && (e.State == "available" || e.State == "pending") {
			out = append(out, map[string]string{"destinationPrefixListId": e.PrefixListID, "gatewayId": id})
		}
	}
	return out
}

// getRouteTables lists the IDs of this account's route tables in this Region that match vpcId and
// the filters (upstream's aws_route_tables: no match is an empty list, not an error). Route
// filters match when one of the table's routes does.
func getRouteTables(w *world.World, cfg providerConfig, args resource.PropertyMap) (map[string]any, string, error) {
	vpcID := str(args, "vpcId")
	if len(toStringMap(getPlain(args, "tags"))) > 0 {
		return nil, "", fmt.Errorf("fake pulumi-resource-aws: route table tags are not modelled")
	}
	ids := []any{}
	for _, rid := range slices.Sorted(maps.Keys(w.RouteTables)) {
		r := w.RouteTables[rid]
		if r.Account != cfg.Account || w.VPCs[r.VPC].Region != cfg.Region || (vpcID != "" && r.VPC != vpcID) {
			continue
		}
		match := true
		for _, f := range filters(args) {
			var values []string
			switch f.Name {
			case "route-table-id":
				values = []string{rid}
			case "vpc-id":
				values = []string{r.VPC}
			case "owner-id":
				values = []string{r.Account}
			case "route.destination-prefix-list-id", "route.gateway-id":
				for _, route := range routes(w, cfg, rid) {
					values = append(values, route[map[string]string{"route.destination-prefix-list-id": "destinationPrefixListId", "route.gateway-id": "gatewayId"}[f.Name]])
				}
			default:
				return nil, "", invalidFilter("DescribeRouteTables", f.Name)
			}
			if !slices.ContainsFunc(values, f.matches) {
				match = false
			}
		}
		if match {
			ids = append(ids, rid)
		}
	}
	out := map[string]any{"id": cfg.Region, "ids": ids}
	if vpcID != "" {
		out["vpcId"] = vpcID
	}
	if f := getPlain(args, "filters"); f != nil {
		out["filters"] = f
	}
	return out, "", nil
}

// getPrefixList finds an AWS-managed prefix list of this Region by name or ID (filters
// prefix-list-name and prefix-list-id too). Only S3's is modelled.
func getPrefixList(w *world.World, cfg providerConfig, args resource.PropertyMap) (map[string]any, string, error) {
	name, id := s3ServiceName(cfg.Region), world.PrefixListID(cfg.Region)
	match := (str(args, "name") == "" || str(args, "name") == name) && (str(args, "prefixListId") == "" || str(args, "prefixListId") == id)
	for _, f := range filters(args) {
		switch f.Name {
		case "prefix-list-name":
			match = match && f.matches(name)
		case "prefix-list-id":
			match = match && f.matches(id)
		default:
			return nil, "", invalidFilter("DescribePrefixLists", f.Name)
		}
	}
	if !match {
		return nil, "", fmt.Errorf("no matching EC2 Prefix List found")
	}
	out := map[string]any{"id": id, "name": name, "prefixListId": id, "cidrBlocks": []string{"52.218.0.0/17", "3.5.64.0/21"}}
	if f := getPlain(args, "filters"); f != nil {
		out["filters"] = f
	}
	return out, "", nil
}
