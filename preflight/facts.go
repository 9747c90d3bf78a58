package preflight

import "cross-account-s3/spec"

// Options are the stack's choices about preflight and the lifecycle of what it writes. They come
// from config keys (stackconfig.Keys lists them).
type Options struct {
	// Project and Stack name the stack: messages name its stack file (Pulumi.<stack>.yaml) and
	// its endpoints carry the tag StackTagKey = StackTagValue(Project, Stack).
	Project, Stack string
	// Disabled skips every lookup (preflight: false); preview then warns what is not checked.
	Disabled bool
	// DropForeign lets `pulumi up` replace a live bucket policy holding statements this stack
	// neither writes nor keeps (dropForeignBucketPolicyStatements: true); preview then warns
	// with the list of what is dropped.
	DropForeign bool
	// ProtectBucketPolicy and ProtectEndpoints are the protectBucketPolicy and protectEndpoints
	// keys (see Lifecycle).
	ProtectBucketPolicy bool
	ProtectEndpoints    bool
	// ReleaseBucketPolicy is the teardown step that writes back only the kept statements (see
	// Lifecycle).
	ReleaseBucketPolicy bool
	// Side limits the lookups and checks to the accounts the stack manages: a consumer stack
	// reads only consumer accounts, an owner stack only the bucket's. "" means spec.SideBoth.
	Side spec.Side
	// Record is what the stack's last update wrote to the bucket policy (see Record).
	Record Record
	// EndpointIDs are an owner stack's endpoint IDs by consumer name, as its consumer stacks
	// exported them; preflight renders with them what the stack would write now.
	EndpointIDs map[string]string
	// ListForm says the stack lists its consumers under cross-account-s3:consumers: messages
	// then show item fields rather than the single-consumer keys.
	ListForm bool
}

// StackTagValue is the value of StackTagKey on the endpoints of a stack.
func StackTagValue(project, stack string) string { return project + "/" + stack }

// Facts are what the Lookups answered. A nil error means the lookup answered; an error
// is kept as the lookup returned it and read with Classify. Maps are keyed as their fields say;
// a missing entry means the lookup was not made, which Check reports as such.
type Facts struct {
	Bucket BucketFacts
	// Roles by role ARN, as configured.
	Roles map[string]RoleFacts
	// RouteTables by RouteKey(account, route table ID).
	RouteTables map[string]RouteTableFacts
	// VPCs by VPCKey(account, VPC ID): the S3 gateway endpoints of each VPC that gets a created
	// endpoint.
	VPCs map[string]VPCFacts
	// Adopted by VPCKey(account, endpoint ID): each adoptEndpointId.
	Adopted map[string]AdoptedFacts
}

// RouteKey keys Facts.RouteTables.
func RouteKey(account, routeTable string) string { return account + "/" + routeTable }

// VPCKey keys Facts.VPCs and Facts.Adopted.
func VPCKey(account, id string) string { return account + "/" + id }

// BucketFacts are the bucket's lookups through the bucket-owner provider.
type BucketFacts struct {
	// Err is s3.LookupBucket's error; Region is its answer.
	Err    error
	Region string
	// PolicyErr is s3.LookupBucketPolicy's error (NotFound: the bucket has no policy); Policy is
	// the live document.
	PolicyErr error
	Policy    string
}

// RoleFacts are iam.LookupRole's answer for one role.
type RoleFacts struct {
	Err      error
	ARN      string
	UniqueID string
}

// RouteTableFacts are ec2.LookupRouteTable's answer for one route table.
type RouteTableFacts struct {
	Err   error
	VpcID string
}

// Endpoint is what ec2.LookupVpcEndpoint answers about one endpoint.
type Endpoint struct {
	ID            string
	VpcID         string
	ServiceName   string
	Type          string
	State         string
	RouteTableIDs []string
	Tags          map[string]string
}

// VPCFacts are the S3 gateway endpoints of one VPC: ec2.LookupVpcEndpoint filtered by vpc-id,
// service-name com.amazonaws.<region>.s3, vpc-endpoint-type Gateway and vpc-endpoint-state
// EndpointStates. It answers one endpoint or fails (none: NotFound; several: Several). Only when
// it finds several are the other three lookups made.
type VPCFacts struct {
	Err      error
	Endpoint Endpoint
	// Own is the same lookup with the tag StackTagKey = StackTagValue added (NotFound: none).
	OwnErr error
	Own    Endpoint
	// PrefixList is S3's prefix list of the Region (ec2.GetPrefixList by name
	// com.amazonaws.<region>.s3), the destination of every route to an S3 gateway endpoint.
	PrefixListErr error
	PrefixList    string
	// Routed are the route tables of the VPC with a route to PrefixList (ec2.GetRouteTables
	// filtered by vpc-id and route.destination-prefix-list-id).
	RoutedErr error
	Routed    []string
}

// AdoptedFacts are ec2.LookupVpcEndpoint's answer for an adoptEndpointId (looked up by ID).
type AdoptedFacts struct {
	Err      error
	Endpoint Endpoint
}

// side is Options.Side, spec.SideBoth when unset.
func (o Options) side() spec.Side {
	if o.Side == "" {
		return spec.SideBoth
	}
	return o.Side
}
