package policydoc

import "cross-account-s3/spec"

// FullAccessEndpointPolicy is the policy AWS attaches to an endpoint created without one. It is
// written out rather than left unset so that switching back from the restricted mode resets it.
func FullAccessEndpointPolicy() Document {
	return Document{Version: Version, Statement: []any{Statement{
		Sid:       "AllowAll",
		Effect:    "Allow",
		Principal: Everyone,
		Action:    Strings{"*"},
		Resource:  Strings{"*"},
	}}}
}

// ListedBucketReadActions is what a restricted endpoint lets anyone do with a listed bucket that
// does not say Write: read objects. That is what package managers need: yum/dnf and apt fetch
// known keys (repository metadata, then the packages it names) and never list or write. It is
// also what AWS's endpoint-policy guidance for package stores grants: s3:GetObject on the
// store's bucket objects only ("Minimum Amazon S3 bucket permissions for AWS CodeArtifact",
// docs.aws.amazon.com/codeartifact/latest/ug/create-s3-gateway-endpoint.html), as do the
// Amazon Linux repository examples (arn:aws:s3:::al2023-repos-REGION-de612dc2/* and the like).
var ListedBucketReadActions = []string{"s3:GetObject"}

// ListedBucketWriteActions are added for a listed bucket that says Write, for the endpoint
// account's principals only: put and delete objects, with the multipart-upload actions that
// large uploads need (docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
// #mpuAndPermissions), and the bucket-level reads that copy and sync tools make first. Never
// s3:* : that would include the bucket's policy, ACLs and deletion.
var ListedBucketWriteActions = []string{
	"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetBucketLocation", "s3:GetObject",
	"s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:ListMultipartUploadParts", "s3:PutObject",
}

// Sids of the restricted endpoint policy.
const (
	SidEndpointSharedBucket      = "AllowConsumerAccountToSharedBucket"
	SidEndpointListedBucketsRead = "AllowListedBucketsRead"
	SidEndpointListedBucketWrite = "AllowListedBucketsWriteByThisAccount"
)

// EndpointPolicy is the policy of one endpoint in its configured mode. Restricted, it lets the
// endpoint's account reach the shared bucket with the actions its consumers need, anyone read the
// objects of the buckets the consumers list, and the endpoint's account write to those of them
// that say Write. All other S3 traffic from the VPC's route tables is refused.
func EndpointPolicy(s spec.Spec, g spec.EndpointGroup) Document {
	if g.Policy != spec.Restricted {
		return FullAccessEndpointPolicy()
	}
	region := s.Bucket.Account.Region
	bucketARN := spec.BucketARN(region, s.Bucket.Name)
	var actions []string
	for _, c := range g.Consumers {
		actions = append(actions, c.Access.Actions...)
		if c.Access.AllowListing {
			actions = append(actions, actionListBucket)
		}
	}
	statements := []any{Statement{
		Sid:       SidEndpointSharedBucket,
		Effect:    "Allow",
		Principal: Everyone,
		Action:    spec.SortedUnique(actions),
		Resource:  Strings{bucketARN, bucketARN + "/*"},
		Condition: Condition{"StringEquals": {keyPrincipalAcct: {g.AccountID}}},
	}}
	var reads, writes Strings
	for _, b := range g.AllowedBuckets {
		arn := spec.BucketARN(region, b.Name)
		reads = append(reads, arn+"/*")
		if b.Write {
			writes = append(writes, arn, arn+"/*")
		}
	}
	if len(reads) > 0 {
		// No principal condition: OS package repositories and other public buckets are read
		// anonymously, and an anonymous request has no principal account.
		statements = append(statements, Statement{
			Sid:       SidEndpointListedBucketsRead,
			Effect:    "Allow",
			Principal: Everyone,
			Action:    ListedBucketReadActions,
			Resource:  reads,
		})
	}
	if len(writes) > 0 {
		// Writes only by this account's principals: nobody else's credentials can carry data out
		// of the VPC into a listed bucket.
		statements = append(statements, Statement{
			Sid:       SidEndpointListedBucketWrite,
			Effect:    "Allow",
			Principal: Everyone,
			Action:    ListedBucketWriteActions,
			Resource:  writes,
			Condition: Condition{"StringEquals": {keyPrincipalAcct: {g.AccountID}}},
		})
	}
	return Document{Version: Version, Statement: statements}
}
