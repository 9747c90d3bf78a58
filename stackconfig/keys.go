// Package stackconfig reads the stack's Pulumi configuration into a spec.Spec, reporting every
// problem with the config key the user has to fix. It is the one place that knows the keys: their
// names, types, defaults and descriptions (Keys), from which docs/configuration.md's table is
// generated and against which Pulumi.yaml is checked.
package stackconfig

import "cross-account-s3/spec"

// Config keys of the project namespace, as the user sets them with `pulumi config set KEY`.
const (
	KeyBucketAccountID     = "bucketAccountId"
	KeyBucketRegion        = "bucketRegion"
	KeyBucketName          = "bucketName"
	KeyBucketProfile       = "bucketProfile"
	KeyBucketAssumeRoleARN = "bucketAssumeRoleArn"
	KeyBucketExternalID    = "bucketExternalId"
	KeyBucketSessionName   = "bucketSessionName"
	KeyBucketKMSKeyARN     = "bucketKmsKeyArn"
	KeyBucketKeyEnabled    = "bucketKeyEnabled"

	KeyConsumerName          = "consumerName"
	KeyConsumerAccountID     = "consumerAccountId"
	KeyConsumerRegion        = "consumerRegion"
	KeyConsumerProfile       = "consumerProfile"
	KeyConsumerAssumeRoleARN = "consumerAssumeRoleArn"
	KeyConsumerExternalID    = "consumerExternalId"
	KeyConsumerSessionName   = "consumerSessionName"
	KeyConsumerRoleARNs      = "consumerRoleArns"

	KeyVpcID                  = "vpcId"
	KeyRouteTableIDs          = "routeTableIds"
	KeyAdoptEndpointID        = "adoptEndpointId"
	KeyEndpointPolicy         = "endpointPolicy"
	KeyEndpointAllowedBuckets = "endpointAllowedBuckets"

	KeyActions          = "actions"
	KeyPrefixes         = "prefixes"
	KeyAllowListing     = "allowListing"
	KeyManageRolePolicy = "manageRolePolicy"
	KeyViaAwsServices   = "viaAwsServices"

	KeyBucketPolicyGrouping = "bucketPolicyGrouping"
	KeyOrganizationID       = "organizationId"

	KeyTags                  = "tags"
	KeyExtraBucketStatements = "extraBucketPolicyStatements"
	KeyConsumers             = "consumers"

	KeyPreflight             = "preflight"
	KeyDropForeignStatements = "dropForeignBucketPolicyStatements"
	KeyProtectBucketPolicy   = "protectBucketPolicy"
	KeyProtectEndpoints      = "protectEndpoints"
	KeyReleaseBucketPolicy   = "releaseBucketPolicy"

	KeySide                  = "side"
	KeyConsumerStacks        = "consumerStacks"
	KeyMissingConsumerStacks = "missingConsumerStacks"
)

// Types of config values. Only string, boolean and array are types Pulumi.yaml can declare; a
// key of another type is never declared there, and this program checks its shape itself.
const (
	TypeString  = "string"
	TypeBoolean = "boolean"
	TypeArray   = "array"   // a list of strings
	TypeMap     = "map"     // string keys to string values
	TypeObjects = "objects" // a list of maps
)

// Need says when a key must be set.
type Need int

const (
	// Optional keys may be left unset; Default, if any, applies.
	Optional Need = iota
	// Required keys must be set in every stack. Pulumi.yaml declares them without a default, so the
	// CLI refuses a stack without them before the program runs.
	Required
	// RequiredFlat keys describe the single consumer of the flat form: required there, and not
	// allowed with the consumers list. Pulumi.yaml cannot say "required unless", so it does not
	// declare them; the program checks them.
	RequiredFlat
)

// Key is one config key of the project.
type Key struct {
	Name string
	Type string
	Need Need
	// Default is the value applied when the stack does not set the key, as Pulumi passes it to
	// the program (arrays JSON-encoded); "" means none.
	Default string
	// Example is a valid value, shown in the message about a missing key.
	Example string
	Secret  bool
	// ItemField is the consumers-item field this key describes or defaults ("" for none).
	ItemField string
	// FlatOnly keys describe the single consumer and cannot be combined with the consumers list.
	FlatOnly bool
	// Scope says in which stacks (the side key) the key may be set.
	Scope Scope
	Doc   string
}

// Scope is where a key belongs when the two sides are split over stacks.
type Scope int

const (
	// Anywhere: every stack reads it (the bucket's identity, tags, preflight, the access keys).
	Anywhere Scope = iota
	// OwnerSide keys describe the bucket owner's account or its bucket policy: refused in a
	// consumer stack, whose pipeline should not hold them.
	OwnerSide
	// ConsumerSide keys describe consumers: refused in an owner stack, which takes its consumers
	// from the consumer stacks.
	ConsumerSide
	// SplitOwner keys only mean something in an owner stack (side: owner).
	SplitOwner
)

// AllowedIn reports whether a stack of this side may set the key.
func (k Key) AllowedIn(side spec.Side) bool {
	switch k.Scope {
	case OwnerSide:
		return side.HasOwner()
	case ConsumerSide:
		return side.HasConsumers()
	case SplitOwner:
		return side == spec.SideOwner
	}
	return true
}

// Declared reports whether Pulumi.yaml declares the key: the CLI then checks it (presence for
// required keys, type for typed keys) and applies its default. Optional keys without a default are
// not declared, because the CLI treats every declared key without a default as required.
func (k Key) Declared() bool { return k.Need == Required || k.Default != "" }

// Keys is every key this program reads, in the order Pulumi.yaml and docs/configuration.md list them.
var Keys = []Key{
	{Name: KeyBucketAccountID, Type: TypeString, Need: Required, Example: "111111111111",
		Doc: "Account ID (12 digits, quoted) that owns the bucket. The bucket provider refuses any other account."},
	{Name: KeyBucketRegion, Type: TypeString, Need: Required, Example: "eu-west-1",
		Doc: "Region of the bucket, e.g. eu-west-1. Every consumer's Region must equal it (gateway endpoints are regional)."},
	{Name: KeyBucketName, Type: TypeString, Need: Required, Example: "shared-data-bucket",
		Doc: "Name of the existing bucket to share. Its bucket policy is replaced by this stack's."},
	{Name: KeyBucketProfile, Scope: OwnerSide, Type: TypeString,
		Doc: "AWS CLI profile for the bucket account. Unset uses the shell's credentials."},
	{Name: KeyBucketAssumeRoleARN, Scope: OwnerSide, Type: TypeString,
		Doc: "Role in the bucket account for the provider to assume (after bucketProfile, if set)."},
	{Name: KeyBucketExternalID, Scope: OwnerSide, Type: TypeString, Secret: true,
		Doc: "External ID for bucketAssumeRoleArn. Set it with --secret."},
	{Name: KeyBucketSessionName, Scope: OwnerSide, Type: TypeString,
		Doc: "Session name for bucketAssumeRoleArn."},
	{Name: KeyBucketKMSKeyARN, Type: TypeString, Example: "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		Doc: "Key ARN of the customer managed KMS key the bucket is encrypted with (SSE-KMS), in the bucket's account and Region. Each consumer role gets a KMS grant for what its actions need, and, with manageRolePolicy, key statements that limit the key to S3. Not alias/aws/s3 (it cannot be shared), an alias or a key ID."},
	{Name: KeyBucketKeyEnabled, Type: TypeBoolean, Default: "false",
		Doc: "The bucket uses an S3 Bucket Key: the grants are then limited to this bucket (encryption context aws:s3:arn = the bucket's ARN). Only with bucketKmsKeyArn."},

	{Name: KeyConsumerName, Scope: ConsumerSide, Type: TypeString, Default: "consumer", ItemField: "name", FlatOnly: true,
		Doc: "Short name of the single consumer (lowercase letters, digits, '-'); outputs are keyed by it. Renaming it changes no resource."},
	{Name: KeyConsumerAccountID, Scope: ConsumerSide, Type: TypeString, Need: RequiredFlat, Example: "222222222222", ItemField: "accountId", FlatOnly: true,
		Doc: "Account ID (12 digits, quoted) of the VPC and the roles. The consumer provider refuses any other account."},
	{Name: KeyConsumerRegion, Scope: ConsumerSide, Type: TypeString, Need: RequiredFlat, Example: "eu-west-1", ItemField: "region", FlatOnly: true,
		Doc: "Region of the VPC; must equal bucketRegion. In a consumers item it defaults to bucketRegion."},
	{Name: KeyConsumerProfile, Scope: ConsumerSide, Type: TypeString, ItemField: "profile", FlatOnly: true,
		Doc: "AWS CLI profile for the consumer account. Unset uses the shell's credentials."},
	{Name: KeyConsumerAssumeRoleARN, Scope: ConsumerSide, Type: TypeString, ItemField: "assumeRoleArn", FlatOnly: true,
		Doc: "Role in the consumer account for the provider to assume (after the profile, if set)."},
	{Name: KeyConsumerExternalID, Scope: ConsumerSide, Type: TypeString, Secret: true, ItemField: "externalId", FlatOnly: true,
		Doc: "External ID for the consumer's assumed role. Set it with --secret."},
	{Name: KeyConsumerSessionName, Scope: ConsumerSide, Type: TypeString, ItemField: "sessionName", FlatOnly: true,
		Doc: "Session name for the consumer's assumed role."},
	{Name: KeyConsumerRoleARNs, Scope: ConsumerSide, Type: TypeArray, Need: RequiredFlat, Example: `'["arn:aws:iam::222222222222:role/app"]'`, ItemField: "roleArns", FlatOnly: true,
		Doc: "IAM role ARNs in the consumer account (e.g. the EC2 instance role) that get access."},
	{Name: KeyVpcID, Scope: ConsumerSide, Type: TypeString, Need: RequiredFlat, Example: "vpc-0123456789abcdef0", ItemField: "vpcId", FlatOnly: true,
		Doc: "VPC in the consumer account that gets the S3 gateway endpoint."},
	{Name: KeyRouteTableIDs, Scope: ConsumerSide, Type: TypeArray, Need: RequiredFlat, Example: `'["rtb-0123456789abcdef0"]'`, ItemField: "routeTableIds", FlatOnly: true,
		Doc: "Route tables of the subnets whose workloads reach the bucket. Each gets a route to S3's prefix list."},
	{Name: KeyAdoptEndpointID, Scope: ConsumerSide, Type: TypeString, ItemField: "adoptEndpointId", FlatOnly: true,
		Doc: "Existing S3 gateway endpoint (vpce-...) to use instead of creating one; it is read, never changed."},

	{Name: KeyEndpointPolicy, Scope: ConsumerSide, Type: TypeString, Default: "full-access", ItemField: "endpointPolicy",
		Doc: "full-access (AWS's default; the endpoint filters nothing) or restricted (only the consumer account to the shared bucket, plus endpointAllowedBuckets)."},
	{Name: KeyEndpointAllowedBuckets, Scope: ConsumerSide, Type: TypeObjects, ItemField: "endpointAllowedBuckets",
		Doc: "With endpointPolicy restricted, further buckets the endpoint lets through, read only (e.g. OS package repositories); an item {bucket: NAME, write: true} also lets the consumer account write there."},
	{Name: KeyActions, Type: TypeArray, Default: `["s3:GetObject","s3:PutObject"]`, ItemField: "actions",
		Doc: "Object-level S3 actions granted. No wildcards."},
	{Name: KeyPrefixes, Type: TypeArray, ItemField: "prefixes",
		Doc: "Key prefixes, each ending in / (e.g. reports/), that limit access; unset shares the whole bucket."},
	{Name: KeyAllowListing, Type: TypeBoolean, Default: "false", ItemField: "allowListing",
		Doc: "Also grant s3:ListBucket, limited to the prefixes."},
	{Name: KeyViaAwsServices, Type: TypeArray, ItemField: "viaAwsServices",
		Doc: "AWS services (e.g. athena.amazonaws.com) that may read and write for the roles with their credentials; such requests come through no endpoint, so without this the perimeter denies them (docs/consumers.md, \"AccessDenied from Athena\")."},
	{Name: KeyManageRolePolicy, Scope: ConsumerSide, Type: TypeBoolean, Default: "false", ItemField: "manageRolePolicy",
		Doc: "Also put an inline policy on each consumer role granting the same access (cross-account access needs both sides)."},
	{Name: KeyBucketPolicyGrouping, Scope: OwnerSide, Type: TypeString, Default: "per-endpoint",
		Doc: "per-endpoint (each role only through its own VPC's endpoint), by-access (smaller: consumers with the same access share a statement, so each of their roles is admitted through any of their endpoints) by-account (smallest: the accounts, not their roles, each only through endpoints it owns) or by-organization (any principal of organizationId, each only through endpoints its account owns); docs/scale.md compares them."},
	{Name: KeyOrganizationID, Scope: OwnerSide, Type: TypeString, Example: "o-a1b2c3d4e5",
		Doc: "AWS Organizations ID (o-…) whose principals bucketPolicyGrouping: by-organization admits; only with that grouping."},

	{Name: KeyConsumers, Scope: ConsumerSide, Type: TypeObjects,
		Doc: "List form for several consumers, instead of the single-consumer keys: one map per consumer (see docs/consumers.md)."},
	{Name: KeyTags, Type: TypeMap,
		Doc: "Map of tags for every taggable resource, applied through every provider's default tags."},
	{Name: KeyExtraBucketStatements, Scope: OwnerSide, Type: TypeObjects,
		Doc: "YAML list of bucket-policy statements to keep (each with a unique Sid); merged into the one policy this stack writes."},

	{Name: KeyPreflight, Type: TypeBoolean, Default: "true",
		Doc: "Read the live accounts (read-only) in preview and again in up, before writing anything: the bucket and its Region, its live policy, the roles, the route tables and the S3 gateway endpoints of each VPC. false skips it (preview then warns)."},
	{Name: KeyDropForeignStatements, Scope: OwnerSide, Type: TypeBoolean, Default: "false",
		Doc: "Let pulumi up delete the statements of the live bucket policy that this stack neither writes nor keeps (preview warns with the list). Unset, preview fails and shows the YAML that keeps them."},
	{Name: KeyProtectBucketPolicy, Scope: OwnerSide, Type: TypeBoolean, Default: "false",
		Doc: "Protect the bucket policy: destroy, and any update that would delete it, stop in their preview. It is protected anyway while statements are kept and the stack is not released."},
	{Name: KeyProtectEndpoints, Scope: ConsumerSide, Type: TypeBoolean, Default: "false",
		Doc: "Protect the S3 gateway endpoints this stack creates: destroy, removing a consumer's VPC and replacing an endpoint stop in their preview."},
	{Name: KeyReleaseBucketPolicy, Scope: OwnerSide, Type: TypeBoolean, Default: "false",
		Doc: "The step before pulumi destroy: pulumi up writes only the kept statements (no consumer is admitted any more) and destroy leaves them on the bucket. Refused together with protectBucketPolicy."},

	{Name: KeySide, Type: TypeString, Default: "both",
		Doc: "both (one stack holds the bucket owner's side and every consumer's), consumer (only consumer accounts: endpoints and role policies, exported as the output crossAccountS3) or owner (only the bucket policy, built from the consumer stacks in consumerStacks). See README, \"Split stacks\"."},
	{Name: KeyConsumerStacks, Type: TypeObjects, Scope: SplitOwner,
		Doc: "With side: owner, the consumer stacks to grant: one map per stack, {stack: NAME, accountIds: [...]}, optionally vpcIds (the only VPCs it may connect), the most it may be granted (actions, prefixes, allowListing; default: the top-level keys) and ifMissing."},
	{Name: KeyMissingConsumerStacks, Type: TypeString, Default: "fail", Scope: SplitOwner,
		Doc: "With side: owner, what to do about a consumer stack that is not found or has no outputs: fail (stop, naming it), keep (grant what the owner's last update granted it) or drop (grant it nothing). Per stack: ifMissing."},
}

// Defaults of optional keys, by name. The CLI applies the same ones from Pulumi.yaml (a test keeps
// them equal); they are applied here too because Pulumi's mocks do not apply project defaults.
var Defaults = func() map[string]string {
	out := map[string]string{}
	for _, k := range Keys {
		if k.Default != "" {
			out[k.Name] = k.Default
		}
	}
	return out
}()

// AllKeys lists every key this program reads, in the order of Keys.
var AllKeys = func() []string {
	out := make([]string, len(Keys))
	for i, k := range Keys {
		out[i] = k.Name
	}
	return out
}()

// Lookup returns the key of a name.
func Lookup(name string) (Key, bool) {
	for _, k := range Keys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}
