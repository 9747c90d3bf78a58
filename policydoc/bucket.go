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

// BucketPolicy is the bucket owner's one policy. It stays compact as consumers are added: the
// consumers that share an access shape (actions, prefixes, listing) share its statements, whose
// principals and endpoint IDs are sorted lists; a new consumer only inserts its role ARNs and
// endpoint ID there, or adds the statements of a new shape. Statements:
//   - DenyInsecureTransport: everyone, plain HTTP.
//   - Allow<Kind><shape>: the shape's roles, only through the shape's endpoints.
//   - DenyConsumerAccountsOutsideVpcEndpoints: every principal of the consumer accounts, unless the
//     request comes through a VPC endpoint. Never principal "*": that would lock out the owner.
func BucketPolicy(s spec.Spec, endpoints EndpointIDs) Document {
	bucketARN := spec.BucketARN(s.Bucket.Account.Region, s.Bucket.Name)
	statements := []any{denyInsecureTransport(bucketARN)}
	for _, sh := range accessShapes(s, endpoints) {
		for _, g := range grants(bucketARN, sh.access) {
			statements = append(statements, Statement{
				Sid:       "Allow" + g.sidSuffix + sh.id,
				Effect:    "Allow",
				Principal: AWSPrincipal(sh.roles...),
				Action:    g.actions,
				Resource:  g.resources,
				Condition: g.condition.with("StringEquals", keySourceVpce, sh.endpoints...),
			})
		}
	}
	if len(s.Consumers) > 0 {
		statements = append(statements, denyOutsideEndpoints(s, bucketARN))
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

// denyOutsideEndpoints names the consumer accounts (as root ARNs, the form AWS stores) so that it
// costs one entry per account, not per role: that is what lets 150 accounts fit in 20 KB.
func denyOutsideEndpoints(s spec.Spec, bucketARN string) Statement {
	partition := spec.Partition(s.Bucket.Account.Region)
	var accounts []string
	for _, a := range s.ConsumerAccounts() {
		accounts = append(accounts, "arn:"+partition+":iam::"+a.ID+":root")
	}
	return Statement{
		Sid:       SidDenyOutsideEndpoints,
		Effect:    "Deny",
		Principal: AWSPrincipal(accounts...),
		Action:    Strings{"s3:*"},
		Resource:  Strings{bucketARN, bucketARN + "/*"},
		Condition: Condition{"Null": {keySourceVpce: {"true"}}},
	}
}

// shape is the consumers that share one access, with their roles and endpoints.
type shape struct {
	id        string
	access    spec.Access
	roles     []string
	endpoints []string
}

// accessShapes groups the consumers by canonical access, ordered by shape ID. The ID is a hash of
// the access itself, so it does not change when consumers join or leave the shape.
func accessShapes(s spec.Spec, endpoints EndpointIDs) []shape {
	byID := map[string]*shape{}
	for _, c := range s.Consumers {
		access := canonical(c.Access)
		id := shapeID(access)
		sh := byID[id]
		if sh == nil {
			sh = &shape{id: id, access: access}
			byID[id] = sh
		}
		sh.roles = append(sh.roles, c.RoleARNs...)
		sh.endpoints = append(sh.endpoints, endpoints[c.Name])
	}
	out := make([]shape, 0, len(byID))
	for _, sh := range byID {
		sh.roles = sortedUnique(sh.roles)
		sh.endpoints = sortedUnique(sh.endpoints)
		out = append(out, *sh)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
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
	doc := BucketPolicy(spec.Spec{Bucket: s.Bucket, Consumers: s.Consumers}, nil)
	sids := make([]string, 0, len(doc.Statement))
	for _, st := range doc.Statement {
		sids = append(sids, st.(Statement).Sid)
	}
	return sids
}
