package offline

import (
	"crypto/sha256"
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/spec"
)

// Tokens of the lookups preflight makes (package preflight) besides the endpoint's and the key's.
const (
	typeGetBucket       = "aws:s3/getBucket:getBucket"
	typeGetBucketPolicy = "aws:s3/getBucketPolicy:getBucketPolicy"
	typeGetRole         = "aws:iam/getRole:getRole"
	typeGetRouteTable   = "aws:ec2/getRouteTable:getRouteTable"
	typeGetRouteTables  = "aws:ec2/getRouteTables:getRouteTables"
	typeGetPrefixList   = "aws:ec2/getPrefixList:getPrefixList"
)

// asConfigured answers preflight's lookups as AWS would if the accounts were exactly as the stack
// says: the bucket in its Region with no policy, every role and route table where the stack names
// it, and no S3 gateway endpoint in any VPC. The offline plan never reads the accounts: it lists
// these lookups as needing them (tools/offlineplan); the answers only let the program run to the end.
type asConfigured struct {
	s spec.Spec
	// roles by account and name: the ARN (a role's path is not in its name).
	roles map[string]string
	// vpcs by account and route table.
	vpcs map[string]string
}

func newAsConfigured(s spec.Spec) *asConfigured {
	a := &asConfigured{s: s, roles: map[string]string{}, vpcs: map[string]string{}}
	for _, c := range s.Consumers {
		for _, arn := range c.RoleARNs {
			a.roles[c.Account.ID+"/"+spec.RoleName(arn)] = arn
		}
		for _, rt := range c.RouteTableIDs {
			a.vpcs[c.Account.ID+"/"+rt] = c.VpcID
		}
	}
	return a
}

// accountOf reads the account from a provider's logical name (bucket-owner, consumer-<id>…).
var consumerProvider = regexp.MustCompile(`^consumer-(\d{12})`)

func (a *asConfigured) accountOf(provider string) string {
	if m := consumerProvider.FindStringSubmatch(Resource{Provider: provider}.ProviderName()); m != nil {
		return m[1]
	}
	return a.s.Bucket.Account.ID
}

// answer answers one lookup; ok is false for tokens that are not preflight's.
func (a *asConfigured) answer(args pulumi.MockCallArgs) (out resource.PropertyMap, err error, ok bool) {
	str := func(k string) string {
		if v, found := args.Args[resource.PropertyKey(k)]; found && v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	props := func(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }
	account := a.accountOf(args.Provider)
	switch args.Token {
	case typeGetBucket:
		b := str("bucket")
		if b != a.s.Bucket.Name {
			//lint:ignore ST1005 the real provider's wording, capital and all
			return nil, fmt.Errorf("Failed getting S3 bucket (%s): operation error S3: HeadBucket, https response error StatusCode: 404, api error NotFound: Not Found", b), true
		}
		return props(map[string]any{"bucket": b, "region": a.s.Bucket.Account.Region, "arn": "arn:aws:s3:::" + b, "id": b}), nil, true
	case typeGetBucketPolicy:
		return nil, fmt.Errorf("reading S3 Bucket (%s) Policy: couldn't find resource", str("bucket")), true
	case typeGetRole:
		name := str("name")
		arn, found := a.roles[account+"/"+name]
		if !found {
			return nil, fmt.Errorf("reading IAM Role (%s): operation error IAM: GetRole, https response error StatusCode: 404, api error NoSuchEntity: The role with name %s cannot be found", name, name), true
		}
		sum := sha256.Sum256([]byte(arn))
		return props(map[string]any{"arn": arn, "name": name, "id": name, "uniqueId": fmt.Sprintf("AROA%X", sum[:9])[:21]}), nil, true
	case typeGetRouteTable:
		rt := str("routeTableId")
		vpc, found := a.vpcs[account+"/"+rt]
		if !found {
			return nil, fmt.Errorf("no matching EC2 Route Table found"), true
		}
		return props(map[string]any{"routeTableId": rt, "id": rt, "vpcId": vpc}), nil, true
	case typeGetEndpoint:
		return nil, fmt.Errorf("no matching EC2 VPC Endpoint found"), true
	case typeGetPrefixList:
		return props(map[string]any{"id": PrefixListID, "name": str("name")}), nil, true
	case typeGetRouteTables:
		return props(map[string]any{"ids": []any{}}), nil, true
	}
	return nil, nil, false
}
