// Package spec describes, as plain Go values, what a stack builds: the bucket owner's account and
// bucket, and the consumers (each a VPC of some account, its route tables and roles) that reach the
// bucket through S3 gateway endpoints; and decides, once, how it is deployed (Layout). It has no
// Pulumi dependency, so it can be built and validated anywhere.
package spec

import "strings"

// Spec is the whole desired state of one stack.
type Spec struct {
	Bucket    BucketOwner
	Consumers []Consumer
	// Tags are applied to every taggable resource through each provider's default tags.
	Tags map[string]string
	// ExtraBucketStatements are bucket-policy statements the bucket owner must keep. A bucket has
	// exactly one policy and this stack replaces it, so they are merged into the document.
	ExtraBucketStatements []map[string]any
	// BucketPolicyGrouping says how the bucket policy binds roles to endpoints; "" means
	// GroupPerEndpoint.
	BucketPolicyGrouping BucketPolicyGrouping
	// OrganizationID is the AWS Organizations ID (o-…) whose principals GroupByOrganization admits;
	// set only with that grouping.
	OrganizationID string
}

// BucketPolicyGrouping selects how the bucket policy's Allow statements are grouped.
type BucketPolicyGrouping string

const (
	// GroupPerEndpoint (the default) admits each role only through the endpoint of its own
	// consumer's VPC: consumers share a statement only when they share both the access and the
	// endpoint. It costs a statement per VPC and access.
	GroupPerEndpoint BucketPolicyGrouping = "per-endpoint"
	// GroupByAccess is the compact form: consumers with the same access share one statement that
	// lists all their roles and all their endpoints, so any of those roles is admitted through any
	// of those endpoints. Only an explicit choice, for when per-endpoint does not fit in 20 KB.
	GroupByAccess BucketPolicyGrouping = "by-access"
	// GroupByAccount is the scale form: consumers with the same access share one statement that
	// names their accounts (as account principals), not their roles or endpoints, and admits a
	// request only through an S3 endpoint owned by the caller's own account (aws:VpceAccount equal
	// to ${aws:PrincipalAccount}). Its size grows with the accounts, not the roles or VPCs, and no
	// account's principal is admitted through another account's endpoint; but which of an account's
	// principals may use the grant is that account's IAM's to say, and any endpoint of the account
	// counts (docs/scale.md).
	GroupByAccount BucketPolicyGrouping = "by-account"
	// GroupByOrganization names no account at all: each access shape's Allow admits any principal
	// of the organization Spec.OrganizationID (aws:PrincipalOrgID), only through an S3 endpoint
	// owned by the caller's own account (aws:VpceAccount equal to ${aws:PrincipalAccount}). Its size
	// does not grow with accounts; every account of the organization is admitted to every access
	// the stack grants, as far as its own IAM allows (docs/scale.md).
	GroupByOrganization BucketPolicyGrouping = "by-organization"
)

// Groupings are the accepted BucketPolicyGrouping values, the default first.
var Groupings = []BucketPolicyGrouping{GroupPerEndpoint, GroupByAccess, GroupByAccount, GroupByOrganization}

// Grouping is the effective grouping: the configured one, GroupPerEndpoint when unset.
func (s Spec) Grouping() BucketPolicyGrouping {
	if s.BucketPolicyGrouping == "" {
		return GroupPerEndpoint
	}
	return s.BucketPolicyGrouping
}

// BucketOwner is the bucket's account: it owns the bucket and its policy.
type BucketOwner struct {
	Account Account
	// Name is the existing bucket's name.
	Name string
	// Encryption is the bucket's SSE-KMS key, if any, that the consumers need permission to use.
	Encryption Encryption
}

// Account is one AWS account and how to reach it.
type Account struct {
	ID          string
	Region      string
	Credentials Credentials
}

// Credentials say how the provider for an account authenticates. All empty means the ambient
// credentials of the shell that runs Pulumi.
type Credentials struct {
	// Profile is a named AWS CLI profile.
	Profile string
	// AssumeRoleARN is a role in the same account for the provider to assume (after Profile, if set).
	AssumeRoleARN string
	// ExternalID goes with AssumeRoleARN; kept secret in state.
	ExternalID string
	// SessionName goes with AssumeRoleARN.
	SessionName string
}

// Mode names how the provider gets credentials, for humans.
func (c Credentials) Mode() string {
	switch {
	case c.AssumeRoleARN != "" && c.Profile != "":
		return "assume role " + c.AssumeRoleARN + " from profile " + c.Profile
	case c.AssumeRoleARN != "":
		return "assume role " + c.AssumeRoleARN
	case c.Profile != "":
		return "profile " + c.Profile
	default:
		return "ambient credentials"
	}
}

// Consumer is one consumer: a VPC of its account whose route tables reach S3 through a gateway
// endpoint, and the IAM roles whose workloads read and write the bucket.
type Consumer struct {
	// Name is a short stable name; resource names and policy Sids derive from it.
	Name          string
	Account       Account
	VpcID         string
	RouteTableIDs []string
	RoleARNs      []string
	Endpoint      Endpoint
	Access        Access
	// ManageRolePolicy opts in to an inline identity policy on each role granting the same access:
	// cross-account access needs an Allow on both sides.
	ManageRolePolicy bool
	// Index is the consumer's position in Spec.Consumers: problems about it name the path
	// consumers[Index].<field>.
	Index int
}

// Endpoint says which S3 gateway endpoint carries the consumer's traffic.
type Endpoint struct {
	// AdoptID, when set, is an existing S3 gateway endpoint to use instead of creating one.
	AdoptID string
	Policy  EndpointPolicyMode
	// AllowedBuckets are further buckets the restricted endpoint policy lets through: read-only
	// unless the bucket says Write.
	AllowedBuckets []AllowedBucket
}

// AllowedBucket is a bucket other than the shared one that a restricted endpoint lets through,
// such as an OS package repository.
type AllowedBucket struct {
	Name string
	// Write lets this account's principals also write and delete objects there (and list the
	// bucket); without it the endpoint lets through only s3:GetObject, which is what package
	// managers need.
	Write bool
}

// AllowedBucketNames returns the names in list order.
func AllowedBucketNames(buckets []AllowedBucket) []string {
	out := make([]string, len(buckets))
	for i, b := range buckets {
		out[i] = b.Name
	}
	return out
}

// EndpointPolicyMode selects the endpoint policy of a created endpoint.
type EndpointPolicyMode string

const (
	// FullAccess is AWS's default endpoint policy: the endpoint does not filter S3 traffic.
	FullAccess EndpointPolicyMode = "full-access"
	// Restricted lets through only the consumer account's principals to the shared bucket, plus
	// reads by any principal of the buckets listed in AllowedBuckets (and writes by the account's
	// principals where a bucket says Write).
	Restricted EndpointPolicyMode = "restricted"
)

// Access is what the consumer roles may do in the bucket.
type Access struct {
	// Actions are object-level S3 actions, e.g. s3:GetObject.
	Actions []string
	// Prefixes limit access to keys under them; empty means the whole bucket.
	Prefixes []string
	// AllowListing grants s3:ListBucket, limited to Prefixes.
	AllowListing bool
	// ViaServices are AWS services (service principals such as athena.amazonaws.com) that may
	// make the requests for the roles (aws:CalledVia), which do not come through any VPC endpoint;
	// empty admits the roles only through their endpoints.
	ViaServices []string
}

// DefaultActions are granted when the stack names none.
var DefaultActions = []string{"s3:GetObject", "s3:PutObject"}

// PutObjectACL is accepted for compatibility with the original design but grants nothing useful on
// buckets with ACLs disabled (BucketOwnerEnforced, the default for new buckets).
const PutObjectACL = "s3:PutObjectAcl"

// Grants reports whether the access includes the action.
func (a Access) Grants(action string) bool {
	for _, x := range a.Actions {
		if strings.EqualFold(x, action) {
			return true
		}
	}
	return false
}

// ServiceName is the S3 gateway endpoint service of a Region.
func ServiceName(region string) string { return "com.amazonaws." + region + ".s3" }
