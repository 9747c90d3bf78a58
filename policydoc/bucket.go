package policydoc

import "cross-account-s3/spec"

// Sids of the statements that do not depend on an access shape.
const (
	SidDenyInsecureTransport = "DenyInsecureTransport"
	SidDenyOutsideEndpoints  = "DenyConsumerAccountsOutsideVpcEndpoints"
)

// EndpointIDs maps a consumer name to the ID of the endpoint its traffic comes through.
type EndpointIDs map[string]string

// of is the endpoint IDs of the consumers, sorted, each once; unknown ones are left out.
func (e EndpointIDs) of(consumers []string) []string {
	var ids []string
	for _, c := range consumers {
		if id := e[c]; id != "" {
			ids = append(ids, id)
		}
	}
	return spec.SortedUnique(ids)
}

// accountsOf is the accounts of the named consumers, sorted, each once.
func accountsOf(s spec.Spec, consumers []string) []string {
	var out []string
	for _, c := range s.Consumers {
		for _, name := range consumers {
			if c.Name == name {
				out = append(out, c.Account.ID)
			}
		}
	}
	return spec.SortedUnique(out)
}

// BucketPolicy is the bucket owner's one policy. Statements:
//   - DenyInsecureTransport: everyone, plain HTTP. The only Deny on principal "*".
//   - Allow<Kind><shape>[Vpc<vpc>]: roles, only with aws:SourceVpce equal to their endpoint(s)
//     and aws:VpceAccount equal to their account(s): the account that owns the endpoint a request
//     came through (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
//     #condition-keys-vpceaccount; S3 sets it for gateway endpoints too). An endpoint ID an owner
//     stack takes from a consumer stack then admits its roles only if that endpoint is of their
//     own account: a consumer stack that names another account's endpoint admits nobody through it.
//     With the default grouping (spec.GroupPerEndpoint) the consumers that share an access shape
//     (actions, prefixes, listing) AND an endpoint (their VPC) share a statement, so each role is
//     admitted only through the endpoint of its own consumer's VPC; the Sid derives from the shape
//     and the VPC. With spec.GroupByAccess the consumers of a shape share one statement listing all
//     their roles and endpoints (smaller, but any of those roles is then admitted through any of
//     those endpoints); the Sid derives from the shape alone. Either way a Sid never depends on
//     list positions, and a consumer joining or leaving only adds or removes entries or statements.
//   - DenyConsumerAccountsOutsideVpcEndpoints: the perimeter. Every principal of the consumer
//     accounts (as account-root ARNs, one entry per account) is denied unless the request comes
//     through one of this stack's endpoints: StringNotEqualsIfExists aws:SourceVpce [the stack's
//     endpoint IDs]. A request through another endpoint (anyone's) fails the StringNotEquals
//     part; a request through no endpoint has no aws:SourceVpce, and "...IfExists" then evaluates
//     to true ("If the key is not present, evaluate the condition element as true",
//     docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
//     #Conditions_IfExists), so it is denied too. Never principal "*": that would lock out the
//     owner, the console and CI.
//   - then the kept ExtraBucketStatements, as given.
func BucketPolicy(s spec.Spec, endpoints EndpointIDs) Document {
	bucketARN := spec.BucketARN(s.Bucket.Account.Region, s.Bucket.Name)
	statements := []any{denyInsecureTransport(bucketARN)}
	l := s.Layout()
	for _, g := range l.Grants {
		ids := endpoints.of(g.Consumers)
		accounts := accountsOf(s, g.Consumers)
		for _, gr := range grants(bucketARN, g.Access) {
			statements = append(statements, Statement{
				Sid:       "Allow" + gr.sidSuffix + g.ID,
				Effect:    "Allow",
				Principal: AWSPrincipal(g.Roles...),
				Action:    gr.actions,
				Resource:  gr.resources,
				Condition: gr.condition.with("StringEquals", keySourceVpce, ids...).with("StringEquals", keyVpceAccount, accounts...),
			})
		}
	}
	if len(s.Consumers) > 0 {
		statements = append(statements, denyOutsideEndpoints(l, bucketARN, endpoints))
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

// denyOutsideEndpoints names the consumer accounts as root ARNs (the form AWS stores; in a
// resource policy an account principal stands for every principal of the account) so that it
// costs one entry per account, not per role, and lists every endpoint ID of the stack.
func denyOutsideEndpoints(l spec.Layout, bucketARN string, endpoints EndpointIDs) Statement {
	partition := spec.Partition(l.Spec.Bucket.Account.Region)
	var accounts, consumers []string
	for _, a := range l.Accounts {
		accounts = append(accounts, "arn:"+partition+":iam::"+a.ID+":root")
	}
	for _, c := range l.Spec.Consumers {
		consumers = append(consumers, c.Name)
	}
	ids := endpoints.of(consumers)
	return Statement{
		Sid:       SidDenyOutsideEndpoints,
		Effect:    "Deny",
		Principal: AWSPrincipal(accounts...),
		Action:    Strings{"s3:*"},
		Resource:  Strings{bucketARN, bucketARN + "/*"},
		Condition: Condition{keyNotOurEndpoint: {keySourceVpce: Strings(ids)}},
	}
}

// keyNotOurEndpoint is the perimeter's operator; see BucketPolicy.
const keyNotOurEndpoint = "StringNotEqualsIfExists"

// OwnSids are the Sids this stack writes into the bucket policy, for clash checks.
func OwnSids(s spec.Spec) []string {
	own := s
	own.ExtraBucketStatements = nil
	doc := BucketPolicy(own, nil)
	sids := make([]string, 0, len(doc.Statement))
	for _, st := range doc.Statement {
		sids = append(sids, st.(Statement).Sid)
	}
	return sids
}
