package spec

import (
	"crypto/sha256"
	"encoding/hex"
)

// Logical names. With the component's type tokens and the parent chain they make every URN, and a
// URN that changes without an alias is a new resource: the engine creates the new one and deletes
// the old one at the end of the update. For documents AWS keeps one of per target (a bucket's
// policy, a role's inline policy of a given name) that delete removes what the create just wrote.
// So every name here derives from the physical identity of what it manages (an account, a VPC, a
// bucket, a role), never from a label the user may change, such as a consumer's name or its list
// position. program's URN test pins them for every example stack.

// ownerName names the bucket owner's component and provider; there is one bucket per stack.
const ownerName = "bucket-owner"

// consumerAccountName is the component of one consumer account.
func consumerAccountName(accountID string) string { return "account-" + accountID }

// consumerProviderName is a consumer account's provider: after the account, and after the
// credentials (a hash, without the secret external ID) only when one account is reached with
// several.
func consumerProviderName(accountID, credentials string, several bool) string {
	name := "consumer-" + accountID
	if several {
		sum := sha256.Sum256([]byte(credentials))
		name += "-" + hex.EncodeToString(sum[:4])
	}
	return name
}

// endpointName is a VPC's S3 gateway endpoint: after the VPC, so consumers joining or leaving it
// never rename it.
func endpointName(vpcID string) string { return "s3-gateway-" + vpcID }

// bucketPolicyName is the bucket's one policy: after the bucket.
func bucketPolicyName(bucket string) string { return bucket }

// rolePolicyName is the inline policy this stack puts on one role: after the role's account and
// name, which is what IAM keys the policy by (with the policy name, fixed per bucket).
func rolePolicyName(accountID, role string) string { return "role-policy-" + accountID + "-" + role }

// keyGrantName is one role's KMS grant on the bucket's key: after the grantee, the role's account
// and name (IAM role names are unique per account), like rolePolicyName.
func keyGrantName(accountID, role string) string { return "key-grant-" + accountID + "-" + role }

// legacyRolePolicyName is what rolePolicyName was before it followed the role: the consumer's name
// and the role. It is kept as an alias so that stacks deployed then keep their policies.
func legacyRolePolicyName(consumer, role string) string { return consumer + "-" + role }

// RolePolicyName is the name, in IAM, of the inline policy put on each consumer role.
func RolePolicyName(bucket string) string { return "cross-account-s3-" + bucket }
