package main

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"cross-account-s3/internal/enginetest/world"
)

// invokeFunc answers one function: its result, the physical identity it read (may be ""), or the
// error the real provider would give.
type invokeFunc func(w *world.World, cfg providerConfig, args resource.PropertyMap) (map[string]any, string, error)

var invokes = map[string]invokeFunc{
	"aws:ec2/getVpcEndpoint:getVpcEndpoint":  getVpcEndpoint,
	"aws:ec2/getRouteTable:getRouteTable":    getRouteTable,
	"aws:iam/getRole:getRole":                getRole,
	"aws:s3/getBucket:getBucket":             getBucket,
	"aws:s3/getBucketPolicy:getBucketPolicy": getBucketPolicy,
	"aws:kms/getKey:getKey":                  getKey,
	"aws:kms/getAlias:getAlias":              getAlias,
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

// roleUniqueID is a role's stable made-up unique ID: "AROA" and 17 upper-case letters and digits.
func roleUniqueID(account, name string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	sum := sha256.Sum256([]byte(account + "/" + name))
	var b strings.Builder
	b.WriteString("AROA")
	for i := 0; i < 17; i++ {
		b.WriteByte(alphabet[int(sum[i])%len(alphabet)])
	}
	return b.String()
}

func getRole(w *world.World, cfg providerConfig, args resource.PropertyMap) (map[string]any, string, error) {
	name := str(args, "name")
	if !w.HasRole(cfg.Account, name) {
		return nil, "", awsError(fmt.Sprintf("reading IAM Role (%s)", name), "IAM", "GetRole", 404, "NoSuchEntity",
			fmt.Sprintf("The role with name %s cannot be found.", name))
	}
	return map[string]any{
		"arn":                 fmt.Sprintf("arn:aws:iam::%s:role/%s", cfg.Account, name),
		"assumeRolePolicy":    "",
		"createDate":          "2020-01-01T00:00:00Z",
		"description":         "",
		"id":                  name,
		"maxSessionDuration":  3600,
		"name":                name,
		"path":                "/",
		"permissionsBoundary": "",
		"roleLastUseds":       []any{},
		"tags":                map[string]string{},
		"uniqueId":            roleUniqueID(cfg.Account, name),
	}, "", nil
}

// s3HostedZones are the Route 53 hosted zones of S3's website endpoints, for the Regions the tests
// use.
var s3HostedZones = map[string]string{
	"eu-west-1": "Z1BKCTXD74EZPE",
	"us-east-1": "Z3AQBSTGFYJSTF",
}

// getBucket reads a bucket of this account (HeadBucket answers 404 for a missing bucket and 403
// for one this account does not own); the bucket's own Region is returned, whatever the provider's.
func getBucket(w *world.World, cfg providerConfig, args resource.PropertyMap) (map[string]any, string, error) {
	name := str(args, "bucket")
	b, ok := w.Buckets[name]
	switch {
	case !ok:
		//lint:ignore ST1005 the real provider's wording, capital and all
		return nil, "", fmt.Errorf("Failed getting S3 bucket (%s): operation error S3: HeadBucket, https response error StatusCode: 404, api error NotFound: Not Found", name)
	case b.Account != cfg.Account:
		//lint:ignore ST1005 the real provider's wording, capital and all
		return nil, "", fmt.Errorf("Failed getting S3 bucket (%s): operation error S3: HeadBucket, https response error StatusCode: 403, api error Forbidden: Forbidden", name)
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

func getBucketPolicy(w *world.World, cfg providerConfig, args resource.PropertyMap) (map[string]any, string, error) {
	name := str(args, "bucket")
	physical := world.BucketPolicyPhysical(name)
	fail := func(status int, code, msg string) (map[string]any, string, error) {
		return nil, physical, awsError(fmt.Sprintf("reading S3 Bucket (%s) Policy", name), "S3", "GetBucketPolicy", status, code, msg)
	}
	b, status, code, msg := s3Access(w, cfg, name)
	if status != 0 {
		return fail(status, code, msg)
	}
	if b.Policy == "" {
		return fail(404, "NoSuchBucketPolicy", "The bucket policy does not exist")
	}
	return map[string]any{"bucket": name, "id": name, "policy": b.Policy}, physical, nil
}
