package policydoc

import (
	"fmt"

	"cross-account-s3/spec"
)

// SSE-KMS across accounts: S3 calls KMS with the caller's own permissions, so a consumer role
// needs permission to use the bucket's key, besides the bucket policy and its identity policy's
// S3 grant. Two things can give it:
//
//   - a KMS grant for the role, created in the key's (the bucket's) account. "When you create a
//     grant for a KMS key, the grant allows the grantee principal to call the specified grant
//     operations on the KMS key provided that all conditions specified in the grant are met ...
//     You can create a grant for a KMS key in a different AWS account ... The grantee principal can
//     use the permissions that the grant gives them without specifying the grant, just as they
//     would if the permissions came from a key policy or IAM policy"
//     (docs.aws.amazon.com/kms/latest/developerguide/grants.html). This stack creates one per role
//     (spec.Layout's KeyGrants), and never touches the key policy.
//   - a key policy statement naming the role (or its account), which for a principal of another
//     account works only together with an Allow in the role's identity policy: "Cross-account
//     access requires permission in the key policy of the KMS key and in an IAM policy in the
//     external user's account" (docs.aws.amazon.com/kms/latest/developerguide/
//     key-policy-modifying-external-accounts.html).
//
// The role's inline policy (with manageRolePolicy) carries the KMS statements of RoleKeyStatements:
// the Allow that the key-policy path needs, limited to S3 in the bucket's Region and to this
// bucket's encryption context, and a Deny of the same actions outside S3, which is what keeps the
// grant's permission (a grant cannot test kms:ViaService) to S3's use: an explicit Deny in any
// policy that applies to the request overrides every Allow
// (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).

// KMS actions (IAM action names) and the matching grant operations (KMS API operation names).
const (
	KMSDecrypt         = spec.KMSDecrypt
	KMSGenerateDataKey = spec.KMSGenerateDataKey
	GrantDecrypt       = "Decrypt"
	GrantGenerateKey   = "GenerateDataKey"
)

// KeyActions are the KMS actions the access needs on the bucket's key, sorted (spec.KeyActions,
// where the sources are cited); none for an access that neither reads nor writes object data.
func KeyActions(a spec.Access) []string { return spec.KeyActions(a) }

// GrantOperations are KeyActions as grant operations ("Decrypt", "GenerateDataKey").
func GrantOperations(a spec.Access) []string { return spec.GrantOperations(a) }

// Sids of the role policy's key statements.
const (
	SidRoleKey          = "SharedBucketKey"
	SidRoleKeyOutsideS3 = "DenySharedBucketKeyOutsideS3"
	keyViaService       = "kms:ViaService"
	keyS3EncryptionCtx  = "kms:EncryptionContext:aws:s3:arn"
)

// RoleKeyStatements are the KMS statements of the consumer's roles' identity policy; none when
// the bucket has no KMS key or the access needs no key:
//   - SharedBucketKey: Allow the access's KMS actions on the key only, only when S3 of the bucket's
//     Region calls (kms:ViaService s3.<region>.<dns suffix>, see spec.S3ViaService), and only for
//     this bucket's objects: S3 passes aws:s3:arn as encryption context, the object's ARN, or the
//     bucket's ARN with an S3 Bucket Key (docs.aws.amazon.com/AmazonS3/latest/userguide/
//     UsingKMSEncryption.html#encryption-context), so StringLike [bucket ARN, bucket ARN/*] holds
//     for both. (Policy conditions take wildcards; grant constraints do not.)
//   - DenySharedBucketKeyOutsideS3: Deny the same actions on the key unless S3 of the bucket's
//     Region calls. A direct call has no kms:ViaService, and StringNotEquals is then true ("If the
//     key that you specify in a policy condition is not present in the request context, the values
//     do not match" makes a negated operator hold), so it is denied, whatever a grant allows.
func RoleKeyStatements(s spec.Spec, c spec.Consumer) []Statement {
	e := s.Bucket.Encryption
	actions := KeyActions(c.Access)
	if !e.KMS() || len(actions) == 0 {
		return nil
	}
	region := s.Bucket.Account.Region
	bucketARN := spec.BucketARN(region, s.Bucket.Name)
	via := spec.S3ViaService(region)
	return []Statement{
		{
			Sid:      SidRoleKey,
			Effect:   "Allow",
			Action:   actions,
			Resource: Strings{e.KMSKeyARN},
			Condition: Condition{
				"StringEquals": {keyViaService: {via}},
				"StringLike":   {keyS3EncryptionCtx: {bucketARN, bucketARN + "/*"}},
			},
		},
		{
			Sid:       SidRoleKeyOutsideS3,
			Effect:    "Deny",
			Action:    actions,
			Resource:  Strings{e.KMSKeyARN},
			Condition: Condition{"StringNotEquals": {keyViaService: {via}}},
		},
	}
}

// RoleKeyPolicy is RoleKeyStatements as a document of its own: what a role needs in its identity
// policy when the stack does not manage it (manageRolePolicy false), for the offline plan and docs/kms.md.
// Its Statement is empty when the access needs no key.
func RoleKeyPolicy(s spec.Spec, c spec.Consumer) Document {
	statements := []any{}
	for _, st := range RoleKeyStatements(s, c) {
		statements = append(statements, st)
	}
	return Document{Version: Version, Statement: statements}
}

// kmsWarnings are what a preview shows about a KMS bucket: grants that cannot be limited to the
// bucket, and roles whose identity policy the stack does not manage.
func kmsWarnings(s spec.Spec) []string {
	e := s.Bucket.Encryption
	if !e.KMS() || len(s.Layout().KeyGrants) == 0 {
		return nil
	}
	var out []string
	if !e.BucketKey {
		out = append(out, fmt.Sprintf("%s is not set, so the grants on %s cannot be limited to this bucket: without an S3 Bucket Key S3 uses each object's ARN as encryption context, and a grant constraint matches exact values only. "+
			"The roles could then use the key with any encryption context, also outside S3, unless their identity policy denies it (the stack's role policy does, with manageRolePolicy). "+
			"If the bucket uses an S3 Bucket Key, set %s: true; objects written before the Bucket Key was enabled keep their object ARN as context and need the key policy instead, or a copy onto themselves.",
			spec.PathBucketKeyEnabled, e.KMSKeyARN, spec.PathBucketKeyEnabled))
	}
	return append(out, RoleKeyWarnings(s)...)
}

// RoleKeyWarnings are the KMS warnings about consumers' roles (their identity policy, which the
// stack does not manage): what a consumer stack's own preview shows, as the single stack's does.
func RoleKeyWarnings(s spec.Spec) []string {
	e := s.Bucket.Encryption
	if !e.KMS() || len(s.Layout().KeyGrants) == 0 {
		return nil
	}
	var out []string
	for _, c := range s.SortedConsumers() {
		if c.ManageRolePolicy || len(KeyActions(c.Access)) == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%s is false for consumer %q: its roles get the key through their grants, but nothing keeps them from using the key outside S3; "+
			"add the statements the plan shows as their key policy (SharedBucketKey, DenySharedBucketKeyOutsideS3) to each role's identity policy, or set manageRolePolicy: true",
			c.Key("manageRolePolicy"), c.Name))
	}
	return out
}
