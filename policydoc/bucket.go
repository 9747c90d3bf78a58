package policydoc

import "cross-account-s3/spec"

// SidDenyInsecureTransport is the Sid of the statement that refuses plain-HTTP requests.
const SidDenyInsecureTransport = "DenyInsecureTransport"

// EndpointIDs maps a consumer name to the ID of the endpoint its traffic comes through.
type EndpointIDs map[string]string

// BucketPolicy is the bucket owner's policy: TLS only; each consumer's roles get their access only
// through their endpoint, and are denied everything in the bucket from anywhere else. Denies are
// always scoped to the consumer roles, never to everyone, so the owner cannot be locked out.
func BucketPolicy(s spec.Spec, endpoints EndpointIDs) Document {
	bucketARN := spec.BucketARN(s.Bucket.Account.Region, s.Bucket.Name)
	statements := []any{denyInsecureTransport(bucketARN)}
	for _, c := range s.Consumers {
		statements = append(statements, consumerStatements(bucketARN, c, endpoints[c.Name])...)
	}
	for _, extra := range s.ExtraBucketStatements {
		statements = append(statements, extra)
	}
	return Document{Version: Version, Statement: statements}
}

func denyInsecureTransport(bucketARN string) Statement {
	return Statement{
		Sid:       SidDenyInsecureTransport,
		Effect:    "Deny",
		Principal: Everyone,
		Action:    Strings{"s3:*"},
		Resource:  Strings{bucketARN, bucketARN + "/*"},
		Condition: Condition{"Bool": {keySecureTransport: {"false"}}},
	}
}

func consumerStatements(bucketARN string, c spec.Consumer, endpointID string) []any {
	prefix := SidPrefix(c.Name)
	var out []any
	for _, g := range grants(bucketARN, c.Access) {
		out = append(out, Statement{
			Sid:       "Allow" + prefix + g.sidSuffix,
			Effect:    "Allow",
			Principal: AWSPrincipal(c.RoleARNs...),
			Action:    g.actions,
			Resource:  g.resources,
			Condition: g.condition.with("StringEquals", keySourceVpce, endpointID),
		})
	}
	return append(out, Statement{
		Sid:       "Deny" + prefix + "OutsideEndpoint",
		Effect:    "Deny",
		Principal: AWSPrincipal(c.RoleARNs...),
		Action:    Strings{"s3:*"},
		Resource:  Strings{bucketARN, bucketARN + "/*"},
		Condition: Condition{"StringNotEquals": {keySourceVpce: {endpointID}}},
	})
}

// OwnSids are the Sids this stack writes into the bucket policy, for clash checks.
func OwnSids(s spec.Spec) []string {
	doc := BucketPolicy(spec.Spec{Bucket: s.Bucket, Consumers: s.Consumers}, nil)
	sids := make([]string, 0, len(doc.Statement))
	for _, st := range doc.Statement {
		sids = append(sids, st.(Statement).Sid)
	}
	return sids
}
