package policydoc

import (
	"fmt"
	"strings"

	"cross-account-s3/spec"
)

// riskyAction says why a grant of an S3 action to another account deserves a word, and which
// page of AWS's documentation says what the action does.
type riskyAction struct {
	why    string
	source string
}

const (
	docObjectLock       = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html"
	docReplicationPerms = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html"
	docObjectOwnership  = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html"
	// DocS3Actions is the Service Authorization Reference for S3: each action's access level.
	DocS3Actions = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html"
)

// riskyActions are the S3 actions warned about by name when granted to another account, keyed by
// their lowercased name. Any other bucket-level action of access level Write (a write of the
// bucket's configuration, which only kept statements can grant: consumers are granted object
// actions only) is warned about too, together (bucketConfigWrites).
var riskyActions = map[string]riskyAction{
	"s3:bypassgovernanceretention": {"with the header x-amz-bypass-governance-retention: true it deletes object versions and shortens or removes retention that Object Lock governance mode protects", docObjectLock},
	"s3:deleteobjectversion": {"it deletes an object version permanently, which versioning otherwise keeps recoverable (a plain DeleteObject only adds a delete marker)",
		"https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html"},
	"s3:putobjectretention": {"it sets Object Lock retention: in compliance mode no one, the bucket owner's root user included, can delete the version or shorten the period until it ends", docObjectLock},
	"s3:putobjectlegalhold": {"it places and removes Object Lock legal holds, which keep a version from being deleted until the hold is removed", docObjectLock},
	"s3:replicateobject":    {"it is the permission a replication destination gives a source's replication role: with it, that account's replication writes objects (replicas) into this bucket", docReplicationPerms},
	"s3:replicatedelete":    {"it is the permission a replication destination gives a source's replication role: with it, that account's replication writes delete markers into this bucket, which hide objects", docReplicationPerms},
	"s3:replicatetags":      {"it is the permission a replication destination gives a source's replication role: with it, that account's replication overwrites object tags, which lifecycle rules and tag conditions act on", docReplicationPerms},
	"s3:objectowneroverridetobucketowner": {"it belongs only in a replication destination's policy, for the source's replication role (the replica owner override); elsewhere it should not be granted",
		"https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-change-owner.html"},
	"s3:putobjectacl":        {"where ACLs are honoured (Object Ownership ObjectWriter or BucketOwnerPreferred) it changes who may read an object, other accounts or the public included unless Block Public Access stops it; on BucketOwnerEnforced buckets (the default for new buckets) ACLs are disabled and it grants nothing", docObjectOwnership},
	"s3:putobjectversionacl": {"where ACLs are honoured (Object Ownership ObjectWriter or BucketOwnerPreferred) it changes who may read an object version, other accounts or the public included unless Block Public Access stops it; on BucketOwnerEnforced buckets ACLs are disabled and it grants nothing", docObjectOwnership},
	"s3:putbucketpolicy": {"it rewrites this bucket policy, the perimeter Deny included; S3 lets only identities of the bucket owner's account call it, so across accounts it grants nothing and does not belong here",
		"https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html"},
	"s3:deletebucketpolicy": {"it deletes this bucket policy, the perimeter and TLS Denies included; S3 lets only identities of the bucket owner's account call it, so across accounts it grants nothing and does not belong here",
		"https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketPolicy.html"},
	"s3:putbucketacl": {"where ACLs are honoured it grants others, the public included, access to the bucket", "https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html"},
	"s3:putbucketpublicaccessblock": {"it turns the bucket's Block Public Access settings off, the guard against public policies and ACLs",
		"https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"},
	"s3:putbucketownershipcontrols": {"it changes Object Ownership, which can turn ACLs back on and leave uploaded objects owned by the uploader", docObjectOwnership},
	"s3:putbucketversioning":        {"it suspends versioning, after which overwritten and deleted objects are no longer kept", "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html"},
	"s3:putlifecycleconfiguration":  {"it sets lifecycle rules, which can expire (delete) every object of the bucket", "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html"},
	"s3:putreplicationconfiguration": {"it changes the bucket's replication rules, which decide where copies of its objects go",
		"https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html"},
	"s3:putencryptionconfiguration": {"it changes the bucket's default encryption, e.g. to a KMS key that only the other account controls",
		"https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html"},
	"s3:putbucketobjectlockconfiguration": {"it sets a default Object Lock retention on every new object, in compliance mode one that no one can shorten", docObjectLock},
	"s3:putinventoryconfiguration": {"it has S3 deliver a list of every object key, with metadata, to a bucket the configuration names",
		"https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory.html"},
	"s3:putbucketnotification": {"it sends the bucket's event notifications (object keys on every write or delete) to a queue, topic or function the configuration names",
		"https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventNotifications.html"},
	"s3:deletebucket": {"it deletes the bucket once it is empty; its name is then free for anyone to take", "https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html"},
}

// RiskyActions are the S3 actions warned about by name, as AWS spells them, in name order.
func RiskyActions() []string {
	var out []string
	for _, a := range spec.S3Actions() {
		if _, ok := riskyActions[strings.ToLower(a.Name)]; ok {
			out = append(out, a.Name)
		}
	}
	return out
}

// bucketConfigWrite: a bucket-level action of access level Write that is not warned about by name.
func bucketConfigWrite(a spec.S3Action) bool {
	_, named := riskyActions[strings.ToLower(a.Name)]
	return !named && a.AppliesTo("bucket") && isWrite(a)
}

// AccessWarnings name each risky action the consumers' access grants (spec.Access.Actions, always
// to another account than the bucket owner's), one warning per consumer and action, with why and
// AWS's page. It is for the stacks that hold the consumers (side both or consumer).
func AccessWarnings(s spec.Spec) []string {
	var out []string
	for _, c := range s.Consumers {
		granted := map[string]bool{}
		for _, name := range c.Access.Actions {
			if a, ok := spec.LookupS3Action(name); ok {
				granted[a.Name] = true
			}
		}
		for _, a := range spec.S3Actions() {
			r, risky := riskyActions[strings.ToLower(a.Name)]
			if !granted[a.Name] || !risky {
				continue
			}
			why := r.why
			if a.Name == spec.PutObjectACL {
				why += ", and this stack's grant then requires uploads to carry the header x-amz-acl: bucket-owner-full-control"
			}
			out = append(out, fmt.Sprintf("%s grants %s to account %s: %s (%s).", c.Key("actions"), a.Name, c.Account.ID, why, r.source))
		}
	}
	return out
}

// KeptStatementWarnings name each risky action a kept statement allows to a principal of another
// account than the bucket owner's (services aside), wildcards and NotAction expanded, on resources
// the action acts on (bucket-level actions on the bucket's ARN, object-level ones on keys): one
// warning per statement and action named in riskyActions, and one per statement listing the other
// writes of the bucket's configuration.
func KeptStatementWarnings(s spec.Spec) []string {
	var out []string
	owner := s.Bucket.Account.ID
	for i, st := range s.ExtraBucketStatements {
		if effect, _ := st["Effect"].(string); effect != "Allow" {
			continue
		}
		var foreign []string
		for _, p := range principalsOf(st["Principal"]) {
			if p.typ != PrincipalService && p.account() != owner {
				foreign = append(foreign, p.String())
			}
		}
		if st["Principal"] == "*" {
			foreign = append(foreign, `"*"`)
		}
		if len(foreign) == 0 {
			continue
		}
		key := fmt.Sprintf("%s[%d]", extraKey, i)
		who := strings.Join(foreign, ", ")
		var config []string
		bucket, objects := resourceTypes(s, st)
		for _, g := range allowedActions(st) {
			if !(bucket && g.action.AppliesTo("bucket")) && !(objects && g.action.AppliesTo("object")) {
				continue // granted on resources it does not act on: it grants nothing there
			}
			if bucketConfigWrite(g.action) {
				config = append(config, g.action.Name)
				continue
			}
			r, risky := riskyActions[strings.ToLower(g.action.Name)]
			if !risky {
				continue
			}
			out = append(out, fmt.Sprintf("%s grants %s%s to %s: %s (%s).", key, g.action.Name, g.via(), who, r.why, r.source))
		}
		if len(config) > 0 {
			out = append(out, fmt.Sprintf("%s grants %s to %s: they write the bucket's configuration (access level Write on the bucket), which only the bucket owner's account should manage (%s).",
				key, strings.Join(config, ", "), who, DocS3Actions))
		}
	}
	return out
}

// resourceTypes says whether a statement's resources take bucket-level actions (the bucket's ARN)
// and object-level ones (keys in it). NotResource, and values of another shape (refused by
// RuleForeignResource), count as both.
func resourceTypes(s spec.Spec, st map[string]any) (bucket, objects bool) {
	if present(st["NotResource"]) {
		return true, true
	}
	bucketARN := spec.BucketARN(s.Bucket.Account.Region, s.Bucket.Name)
	for _, r := range spec.AsList(st["Resource"]) {
		v, _ := r.(string)
		switch {
		case v == bucketARN:
			bucket = true
		case strings.HasPrefix(v, bucketARN+"/"):
			objects = true
		default:
			return true, true
		}
	}
	return bucket, objects
}

// allowedAction is an S3 action a statement allows, with the Action value that matched it ("" when
// named exactly; "NotAction" when allowed by leaving it out).
type allowedAction struct {
	action  spec.S3Action
	pattern string
}

func (a allowedAction) via() string {
	switch {
	case a.pattern == "":
		return ""
	case a.pattern == "NotAction":
		return " (NotAction leaves it in)"
	}
	return fmt.Sprintf(" (matched by %q)", a.pattern)
}

// allowedActions are the S3 actions a statement's Action names or matches, or that its NotAction
// leaves out, each once, in name order.
func allowedActions(st map[string]any) []allowedAction {
	via := map[string]string{}
	if present(st["NotAction"]) {
		excluded := map[string]bool{}
		for _, v := range spec.AsList(st["NotAction"]) {
			pattern, _ := v.(string)
			for _, a := range spec.MatchS3Actions(pattern) {
				excluded[a.Name] = true
			}
		}
		for _, a := range spec.S3Actions() {
			if !excluded[a.Name] {
				via[a.Name] = "NotAction"
			}
		}
	}
	for _, v := range spec.AsList(st["Action"]) {
		pattern, _ := v.(string)
		for _, a := range spec.MatchS3Actions(pattern) {
			exact := strings.EqualFold(pattern, a.Name)
			if prev, seen := via[a.Name]; !seen || (exact && prev != "") {
				via[a.Name] = pattern
				if exact {
					via[a.Name] = ""
				}
			}
		}
	}
	var out []allowedAction
	for _, a := range spec.S3Actions() {
		if pattern, ok := via[a.Name]; ok {
			out = append(out, allowedAction{a, pattern})
		}
	}
	return out
}
