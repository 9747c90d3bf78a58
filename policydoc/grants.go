package policydoc

import (
	"strings"

	"cross-account-s3/spec"
)

// Condition keys and values used across the documents.
const (
	keySourceVpce      = "aws:SourceVpce"
	keyVpceAccount     = "aws:VpceAccount"
	keySecureTransport = "aws:SecureTransport"
	keyPrincipalAcct   = "aws:PrincipalAccount"
	keyCalledVia       = "aws:CalledVia"
	keyPrincipalOrgID  = "aws:PrincipalOrgID"
	keyPrefix          = "s3:prefix"
	keyACL             = "s3:x-amz-acl"
	ownerFullControl   = "bucket-owner-full-control"
	actionListBucket   = "s3:ListBucket"
	actionPutObject    = "s3:PutObject"
)

// grant is one Allow of the consumer's access, before it is given a principal (bucket policy) or
// not (role policy) and an endpoint condition.
type grant struct {
	sidSuffix string
	actions   []string
	resources []string
	condition Condition
}

// grants turns a consumer's access into the Allows both sides must carry. When s3:PutObjectAcl is
// granted, writes are split off and must carry the bucket-owner-full-control ACL, so that objects
// stay owned by the bucket owner on buckets that still honour ACLs.
func grants(bucketARN string, a spec.Access) []grant {
	var objects, writes []string
	for _, action := range a.Actions {
		if a.Grants(spec.PutObjectACL) && (strings.EqualFold(action, actionPutObject) || strings.EqualFold(action, spec.PutObjectACL)) {
			writes = append(writes, action)
		} else {
			objects = append(objects, action)
		}
	}
	resources := objectResources(bucketARN, a.Prefixes)
	var gs []grant
	if len(objects) > 0 {
		gs = append(gs, grant{sidSuffix: "Objects", actions: objects, resources: resources})
	}
	if len(writes) > 0 {
		gs = append(gs, grant{sidSuffix: "WritesOwnedByBucketOwner", actions: writes, resources: resources,
			condition: Condition{"StringEquals": {keyACL: {ownerFullControl}}}})
	}
	if a.AllowListing {
		g := grant{sidSuffix: "List", actions: []string{actionListBucket}, resources: []string{bucketARN}}
		if len(a.Prefixes) > 0 {
			g.condition = Condition{"StringLike": {keyPrefix: prefixPatterns(a.Prefixes)}}
		}
		gs = append(gs, g)
	}
	return gs
}

func objectResources(bucketARN string, prefixes []string) []string {
	if len(prefixes) == 0 {
		return []string{bucketARN + "/*"}
	}
	out := make([]string, len(prefixes))
	for i, p := range prefixes {
		out[i] = bucketARN + "/" + p + "*"
	}
	return out
}

func prefixPatterns(prefixes []string) []string {
	out := make([]string, len(prefixes))
	for i, p := range prefixes {
		out[i] = p + "*"
	}
	return out
}

// with returns a copy of c with key set under op, leaving c untouched.
func (c Condition) with(op, key string, values ...string) Condition {
	out := Condition{}
	for o, keys := range c {
		out[o] = map[string]Strings{}
		for k, v := range keys {
			out[o][k] = v
		}
	}
	if out[op] == nil {
		out[op] = map[string]Strings{}
	}
	out[op][key] = values
	return out
}

// merge is c with every key of other added (other's value wins for a key both have).
func (c Condition) merge(other Condition) Condition {
	out := c
	for op, keys := range other {
		for k, v := range keys {
			out = out.with(op, k, v...)
		}
	}
	return out
}
