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

// EndpointPolicy is the policy of one endpoint in its configured mode. Restricted, it lets the
// endpoint's account reach the shared bucket with the actions its consumers need, and anyone reach
// the buckets the consumers list.
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
		Sid:       "AllowConsumerAccountToSharedBucket",
		Effect:    "Allow",
		Principal: Everyone,
		Action:    sortedUnique(actions),
		Resource:  Strings{bucketARN, bucketARN + "/*"},
		Condition: Condition{"StringEquals": {keyPrincipalAcct: {g.AccountID}}},
	}}
	if len(g.AllowedBuckets) > 0 {
		// No principal condition here: OS package repositories and other public buckets are read
		// anonymously, and an anonymous request has no principal account.
		var resources Strings
		for _, b := range g.AllowedBuckets {
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
