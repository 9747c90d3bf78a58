package policydoc

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"

	"cross-account-s3/spec"
)

// Sids of the statements that do not depend on an access shape.
const (
	SidDenyInsecureTransport = "DenyInsecureTransport"
	SidDenyOutsideEndpoints  = "DenyConsumerAccountsOutsideVpcEndpoints"
)

// EndpointIDs maps a consumer name to the ID of the endpoint its traffic comes through.
type EndpointIDs map[string]string

// BucketPolicy is the bucket owner's one policy. Statements:
//   - DenyInsecureTransport: everyone, plain HTTP. The only Deny on principal "*".
//   - Allow<Kind><shape>[Vpc<vpc>]: roles, only with aws:SourceVpce equal to their endpoint(s).
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
	for _, g := range allowGroups(s, endpoints) {
		for _, gr := range grants(bucketARN, g.access) {
			statements = append(statements, Statement{
				Sid:       "Allow" + gr.sidSuffix + g.id,
				Effect:    "Allow",
				Principal: AWSPrincipal(g.roles...),
				Action:    gr.actions,
				Resource:  gr.resources,
				Condition: gr.condition.with("StringEquals", keySourceVpce, g.endpoints...),
			})
		}
	}
	if len(s.Consumers) > 0 {
		statements = append(statements, denyOutsideEndpoints(s, bucketARN, endpoints))
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
func denyOutsideEndpoints(s spec.Spec, bucketARN string, endpoints EndpointIDs) Statement {
	partition := spec.Partition(s.Bucket.Account.Region)
	var accounts []string
	for _, a := range s.ConsumerAccounts() {
		accounts = append(accounts, "arn:"+partition+":iam::"+a.ID+":root")
	}
	var ids []string
	for _, c := range s.Consumers {
		if id := endpoints[c.Name]; id != "" {
			ids = append(ids, id)
		}
	}
	return Statement{
		Sid:       SidDenyOutsideEndpoints,
		Effect:    "Deny",
		Principal: AWSPrincipal(accounts...),
		Action:    Strings{"s3:*"},
		Resource:  Strings{bucketARN, bucketARN + "/*"},
		Condition: Condition{keyNotOurEndpoint: {keySourceVpce: Strings(sortedUnique(ids))}},
	}
}

// keyNotOurEndpoint is the perimeter's operator; see BucketPolicy.
const keyNotOurEndpoint = "StringNotEqualsIfExists"

// allowGroup is the consumers that share one Allow: their access, roles and endpoints.
type allowGroup struct {
	id        string
	sortKey   string
	access    spec.Access
	roles     []string
	endpoints []string
}

// allowGroups groups the consumers by canonical access and, per endpoint, by VPC. The ID is a
// hash of the access (and the VPC), so it does not change when consumers join or leave.
func allowGroups(s spec.Spec, endpoints EndpointIDs) []allowGroup {
	perEndpoint := s.Grouping() != spec.GroupByAccess
	byID := map[string]*allowGroup{}
	for _, c := range s.Consumers {
		access := canonical(c.Access)
		id, sortKey := shapeID(access), shapeID(access)
		if perEndpoint {
			vpc := sidPart(strings.TrimPrefix(c.VpcID, "vpc-"))
			id += "Vpc" + vpc
			sortKey = c.Account.ID + "/" + c.VpcID + "/" + sortKey
		}
		g := byID[id]
		if g == nil {
			g = &allowGroup{id: id, sortKey: sortKey, access: access}
			byID[id] = g
		}
		g.roles = append(g.roles, c.RoleARNs...)
		g.endpoints = append(g.endpoints, endpoints[c.Name])
	}
	out := make([]allowGroup, 0, len(byID))
	for _, g := range byID {
		g.roles = sortedUnique(g.roles)
		g.endpoints = sortedUnique(g.endpoints)
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].sortKey < out[j].sortKey })
	return out
}

// sidPart keeps the letters and digits of s: a Sid is alphanumeric.
func sidPart(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// canonical orders an access so that equal accesses written differently are one shape.
func canonical(a spec.Access) spec.Access {
	return spec.Access{Actions: sortedUnique(a.Actions), Prefixes: sortedUnique(a.Prefixes), AllowListing: a.AllowListing}
}

func shapeID(a spec.Access) string {
	text := strings.Join(a.Actions, ",") + "|" + strings.Join(a.Prefixes, "\x00") + "|"
	if a.AllowListing {
		text += "list"
	}
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:4])
}

func sortedUnique(values []string) []string {
	out := append([]string{}, values...)
	sort.Strings(out)
	n := 0
	for i, v := range out {
		if i == 0 || v != out[n-1] {
			out[n] = v
			n++
		}
	}
	return out[:n]
}

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
