package preflight

import (
	"fmt"
	"strings"

	"cross-account-s3/spec"
)

// Call is one read-only pulumi-aws function preflight needs, named by its invoke token (the
// token is what the engine logs and what the engine tests' fake AWS answers).
type Call string

// The calls. Each one is a Terraform data source of pulumi-aws v6 underneath.
const (
	// CallBucket is s3.LookupBucket: HeadBucket, then the bucket's Region.
	CallBucket Call = "aws:s3/getBucket:getBucket"
	// CallBucketPolicy is s3.LookupBucketPolicy: GetBucketPolicy.
	CallBucketPolicy Call = "aws:s3/getBucketPolicy:getBucketPolicy"
	// CallRole is iam.LookupRole: GetRole.
	CallRole Call = "aws:iam/getRole:getRole"
	// CallRouteTable is ec2.LookupRouteTable: DescribeRouteTables. Its routes leave out routes to
	// gateway endpoints, which is why endpoints are looked up on their own.
	CallRouteTable Call = "aws:ec2/getRouteTable:getRouteTable"
	// CallVpcEndpoint is ec2.LookupVpcEndpoint: DescribeVpcEndpoints. It answers one endpoint, or
	// fails with "no matching VPC Endpoint found" (none) or "multiple VPC Endpoints matched".
	CallVpcEndpoint Call = "aws:ec2/getVpcEndpoint:getVpcEndpoint"
	// CallPrefixList is ec2.GetPrefixList: DescribePrefixLists (S3's prefix list of a Region).
	CallPrefixList Call = "aws:ec2/getPrefixList:getPrefixList"
	// CallRouteTables is ec2.GetRouteTables: DescribeRouteTables with filters, answering IDs.
	CallRouteTables Call = "aws:ec2/getRouteTables:getRouteTables"
)

// calls describes each call: its Go SDK function and the IAM actions it needs, the API it is
// named after first. The VPC endpoint lookup also reads the prefix list of the service of the
// endpoint it finds (upstream's data source sets prefix_list_id and cidr_blocks from it).
var calls = map[Call]struct {
	function    string
	permissions []string
}{
	CallBucket:       {"s3.LookupBucket", []string{"s3:ListBucket"}},
	CallBucketPolicy: {"s3.LookupBucketPolicy", []string{"s3:GetBucketPolicy"}},
	CallRole:         {"iam.LookupRole", []string{"iam:GetRole"}},
	CallRouteTable:   {"ec2.LookupRouteTable", []string{"ec2:DescribeRouteTables"}},
	CallVpcEndpoint:  {"ec2.LookupVpcEndpoint", []string{"ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists"}},
	CallPrefixList:   {"ec2.GetPrefixList", []string{"ec2:DescribePrefixLists"}},
	CallRouteTables:  {"ec2.GetRouteTables", []string{"ec2:DescribeRouteTables"}},
}

// Function is the pulumi-aws Go SDK function of the call, e.g. "s3.LookupBucket".
func (c Call) Function() string { return calls[c].function }

// Permission is the IAM action of the API the call is named after.
func (c Call) Permission() string { return calls[c].permissions[0] }

// Permissions are every IAM action the call needs in the account it runs in.
func (c Call) Permissions() []string { return calls[c].permissions }

// BucketOwnerProvider is the name of the bucket account's provider (crossaccount's).
const BucketOwnerProvider = "bucket-owner"

// StackTagKey is the tag this stack puts on every endpoint it creates, with the value
// StackTagValue: how preflight tells this stack's own endpoint from anyone else's.
const StackTagKey = "cross-account-s3:stack"

// LegacyNameTag is the Name tag of an endpoint created before endpoints carried StackTagKey.
func LegacyNameTag(bucket string) string { return "s3-to-" + bucket }

// EndpointStates are the states in which a gateway endpoint holds its routes; the endpoint lookups
// filter on them, so that deleted endpoints AWS still lists are not counted.
var EndpointStates = []string{"pending", "available"}

// Lookup is one call preflight makes, in one account, about one target.
type Lookup struct {
	Call Call
	// Account, Region and Provider say where it runs: always through the stack's own
	// account-pinned provider of that account.
	Account  string
	Region   string
	Provider string
	// Target is what is looked up: a bucket name, role ARN, route table, VPC or endpoint ID, or
	// the name of S3's prefix list.
	Target string
	// VpcID is the VPC of the endpoint lookups ("" for the others).
	VpcID string
	// Args are the function's arguments, as the invoke takes them (filters as a list of
	// {name, values} objects).
	Args map[string]any
	// Key is the config key whose value the lookup checks.
	Key string
	// Checks says, for people, what preflight learns from it.
	Checks string
	// When is "" for lookups always made, else the condition under which it is made.
	When string
}

// String is one line for the offline plan.
func (l Lookup) String() string {
	s := fmt.Sprintf("%s: %s (%s %s in account %s, %s, provider %s; needs %s)", l.Key, l.Checks, l.Call.Function(), l.Target,
		l.Account, l.Region, l.Provider, strings.Join(l.Call.Permissions(), " and "))
	if l.When != "" {
		s += "; only " + l.When
	}
	return s
}

// Lookups lists every lookup preflight makes for the spec, in the order it makes them: the bucket,
// then each consumer account's roles, route tables and endpoints. They all need the live
// accounts: the offline plan lists them as such. With preflight off it is empty.
func Lookups(s spec.Spec, opts Options) []Lookup {
	if opts.Disabled {
		return nil
	}
	b, layout := s.Bucket, s.Layout()
	owner := func(call Call, key, checks string) Lookup {
		return Lookup{Call: call, Account: b.Account.ID, Region: b.Account.Region, Provider: BucketOwnerProvider,
			Target: b.Name, Args: map[string]any{"bucket": b.Name}, Key: key, Checks: checks}
	}
	var out []Lookup
	if opts.side().HasOwner() {
		out = append(out,
			owner(CallBucket, "bucketName", fmt.Sprintf("bucket %s exists in account %s and Region %s", b.Name, b.Account.ID, b.Account.Region)),
			owner(CallBucketPolicy, "bucketName", "every statement of the live bucket policy is this stack's own or kept in extraBucketPolicyStatements"))
	}
	if !opts.side().HasConsumers() {
		return out
	}
	for _, c := range s.SortedConsumers() {
		provider := layout.ProviderOf(c.Name)
		for i, arn := range c.RoleARNs {
			out = append(out, Lookup{Call: CallRole, Account: c.Account.ID, Region: c.Account.Region, Provider: provider,
				Target: arn, Args: map[string]any{"name": spec.RoleName(arn)}, Key: fmt.Sprintf("%s[%d]", c.Key("roleArns"), i),
				Checks: "the role exists with this ARN"})
		}
	}
	for _, g := range layout.Endpoints {
		c := g.Consumers[0]
		provider := layout.ProviderOf(c.Name)
		at := func(call Call, target string, args map[string]any, key, checks, when string) Lookup {
			l := Lookup{Call: call, Account: g.AccountID, Region: g.Region, Provider: provider, Target: target, Args: args, Key: key, Checks: checks, When: when}
			if call != CallRouteTable {
				l.VpcID = g.VpcID
			}
			return l
		}
		for _, rt := range g.RouteTableIDs {
			key := routeTableKey(g, rt)
			out = append(out, at(CallRouteTable, rt, map[string]any{"routeTableId": rt}, key, fmt.Sprintf("route table %s exists and belongs to %s", rt, g.VpcID), ""))
		}
		if g.AdoptID != "" {
			out = append(out, at(CallVpcEndpoint, g.AdoptID, map[string]any{"id": g.AdoptID}, c.Key("adoptEndpointId"),
				fmt.Sprintf("endpoint %s is an S3 gateway endpoint of %s in %s on every listed route table", g.AdoptID, g.Region, g.VpcID), ""))
			continue
		}
		several := "when " + g.VpcID + " has several S3 gateway endpoints"
		service := spec.ServiceName(g.Region)
		byVPC := func() map[string]any {
			return map[string]any{"vpcId": g.VpcID, "serviceName": service, "filters": []any{
				filter("vpc-endpoint-type", "Gateway"), filter("vpc-endpoint-state", EndpointStates...)}}
		}
		own := byVPC()
		own["tags"] = map[string]any{StackTagKey: StackTagValue(opts.Project, opts.Stack)}
		out = append(out,
			at(CallVpcEndpoint, g.VpcID, byVPC(), c.Key("adoptEndpointId"), "no S3 gateway endpoint but this stack's own serves a listed route table", ""),
			at(CallVpcEndpoint, g.VpcID, own, c.Key("adoptEndpointId"), "which of them is this stack's own (tag "+StackTagKey+")", several),
			at(CallPrefixList, service, map[string]any{"name": service}, c.Key("adoptEndpointId"), "S3's prefix list in "+g.Region, several),
			at(CallRouteTables, g.VpcID, map[string]any{"vpcId": g.VpcID, "filters": []any{filter("route.destination-prefix-list-id", PrefixListPlaceholder)}},
				c.Key("adoptEndpointId"), "which route tables of "+g.VpcID+" route to S3's prefix list", several),
		)
	}
	return out
}

// PrefixListPlaceholder stands, in the arguments of the CallRouteTables lookup, for the prefix
// list the CallPrefixList lookup before it finds; Gather puts it in.
const PrefixListPlaceholder = "<S3 prefix list>"

// filter is an EC2 filter argument.
func filter(name string, values ...string) map[string]any {
	vs := make([]any, len(values))
	for i, v := range values {
		vs[i] = v
	}
	return map[string]any{"name": name, "values": vs}
}

// routeTableKey is the config key of a route table of an endpoint group: the first consumer of
// the group that lists it, at its index there.
func routeTableKey(g spec.EndpointGroup, rt string) string {
	for _, c := range g.Consumers {
		for i, id := range c.RouteTableIDs {
			if id == rt {
				return fmt.Sprintf("%s[%d]", c.Key("routeTableIds"), i)
			}
		}
	}
	return g.Consumers[0].Key("routeTableIds")
}

// roleKey is the config key of a role ARN of a consumer.
func roleKey(c spec.Consumer, arn string) string {
	for i, a := range c.RoleARNs {
		if a == arn {
			return fmt.Sprintf("%s[%d]", c.Key("roleArns"), i)
		}
	}
	return c.Key("roleArns")
}

// Permissions lists, per account, the IAM actions preflight needs there, sorted: what README's
// table says, for the stack at hand.
func Permissions(s spec.Spec, opts Options) map[string][]string {
	seen := map[string]map[string]bool{}
	for _, l := range Lookups(s, opts) {
		if seen[l.Account] == nil {
			seen[l.Account] = map[string]bool{}
		}
		for _, p := range l.Call.Permissions() {
			seen[l.Account][p] = true
		}
	}
	out := map[string][]string{}
	for account, perms := range seen {
		for p := range perms {
			out[account] = append(out[account], p)
		}
		out[account] = spec.SortedUnique(out[account])
	}
	return out
}

// disableHint is how to run without preflight, for messages about lookups that cannot run.
const disableHint = "to deploy without reading the accounts first, set cross-account-s3:preflight: false (pulumi config set preflight false)"

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
