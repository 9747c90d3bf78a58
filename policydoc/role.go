package policydoc

import "cross-account-s3/spec"

// RolePolicy is the consumer roles' identity policy: the same actions on the same ARNs as the
// bucket policy grants, since cross-account access needs an Allow on both sides, and, for a bucket
// encrypted with a customer managed key, the key statements of RoleKeyStatements.
func RolePolicy(s spec.Spec, c spec.Consumer) Document {
	bucketARN := spec.BucketARN(s.Bucket.Account.Region, s.Bucket.Name)
	var statements []any
	for _, g := range grants(bucketARN, spec.CanonicalAccess(c.Access)) {
		statements = append(statements, Statement{
			Sid:       "SharedBucket" + g.sidSuffix,
			Effect:    "Allow",
			Action:    g.actions,
			Resource:  g.resources,
			Condition: g.condition,
		})
	}
	for _, st := range RoleKeyStatements(s, c) {
		statements = append(statements, st)
	}
	return Document{Version: Version, Statement: statements}
}
