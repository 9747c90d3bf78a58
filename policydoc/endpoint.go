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

// EndpointPolicy is the policy of the consumer's endpoint in its configured mode.
func EndpointPolicy(s spec.Spec, c spec.Consumer) Document {
	if c.Endpoint.Policy != spec.Restricted {
		return FullAccessEndpointPolicy()
	}
	region := s.Bucket.Account.Region
	bucketARN := spec.BucketARN(region, s.Bucket.Name)
	actions := append([]string{}, c.Access.Actions...)
	if c.Access.AllowListing {
		actions = append(actions, actionListBucket)
	}
	statements := []any{Statement{
		Sid:       "AllowConsumerAccountToSharedBucket",
		Effect:    "Allow",
		Principal: Everyone,
		Action:    actions,
		Resource:  Strings{bucketARN, bucketARN + "/*"},
		Condition: Condition{"StringEquals": {keyPrincipalAcct: {c.Account.ID}}},
	}}
	if len(c.Endpoint.AllowedBuckets) > 0 {
		// No principal condition here: OS package repositories and other public buckets are read
		// anonymously, and an anonymous request has no principal account.
		var resources Strings
		for _, b := range c.Endpoint.AllowedBuckets {
			arn := spec.BucketARN(region, b)
			resources = append(resources, arn, arn+"/*")
		}
		statements = append(statements, Statement{
			Sid:       "AllowListedBuckets",
			Effect:    "Allow",
			Principal: Everyone,
			Action:    Strings{"s3:*"},
			Resource:  resources,
		})
	}
	return Document{Version: Version, Statement: statements}
}
