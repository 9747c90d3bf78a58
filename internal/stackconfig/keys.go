// Package stackconfig reads the stack's Pulumi configuration into a spec.Spec, reporting every
// problem with the config key the user has to fix.
package stackconfig

// Config keys of the project namespace, as the user sets them with `pulumi config set KEY`.
const (
	KeyBucketAccountID     = "bucketAccountId"
	KeyBucketRegion        = "bucketRegion"
	KeyBucketName          = "bucketName"
	KeyBucketProfile       = "bucketProfile"
	KeyBucketAssumeRoleARN = "bucketAssumeRoleArn"
	KeyBucketExternalID    = "bucketExternalId"
	KeyBucketSessionName   = "bucketSessionName"

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

	KeyTags                  = "tags"
	KeyExtraBucketStatements = "extraBucketPolicyStatements"
)

// Defaults of optional keys. Pulumi.yaml declares the same defaults (a test keeps them equal);
// they are applied here too because Pulumi's mocks, and older CLIs, do not apply project defaults.
var Defaults = map[string]string{
	KeyConsumerName:     "consumer",
	KeyEndpointPolicy:   "full-access",
	KeyActions:          `["s3:GetObject","s3:PutObject"]`,
	KeyAllowListing:     "false",
	KeyManageRolePolicy: "false",
}

// required keys and an example value for each, shown when one is missing.
var required = map[string]string{
	KeyBucketAccountID:   "111111111111",
	KeyBucketRegion:      "eu-west-1",
	KeyBucketName:        "shared-data-bucket",
	KeyConsumerAccountID: "222222222222",
	KeyConsumerRegion:    "eu-west-1",
	KeyConsumerRoleARNs:  `'["arn:aws:iam::222222222222:role/app"]'`,
	KeyVpcID:             "vpc-0123456789abcdef0",
	KeyRouteTableIDs:     `'["rtb-0123456789abcdef0"]'`,
}

// AllKeys lists every key this program reads, in the order Pulumi.yaml declares them.
var AllKeys = []string{
	KeyBucketAccountID, KeyBucketRegion, KeyBucketName, KeyBucketProfile, KeyBucketAssumeRoleARN,
	KeyBucketExternalID, KeyBucketSessionName,
	KeyConsumerName, KeyConsumerAccountID, KeyConsumerRegion, KeyConsumerProfile, KeyConsumerAssumeRoleARN,
	KeyConsumerExternalID, KeyConsumerSessionName, KeyConsumerRoleARNs,
	KeyVpcID, KeyRouteTableIDs, KeyAdoptEndpointID, KeyEndpointPolicy, KeyEndpointAllowedBuckets,
	KeyActions, KeyPrefixes, KeyAllowListing, KeyManageRolePolicy,
	KeyTags, KeyExtraBucketStatements, KeyConsumers,
}
