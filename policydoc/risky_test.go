package policydoc

import (
	"reflect"
	"strings"
	"testing"

	"cross-account-s3/spec"
)

// Every action warned about by name is one AWS documents (a misspelt entry would never warn).
func TestRiskyActionsAreS3Actions(t *testing.T) {
	if got, want := len(RiskyActions()), len(riskyActions); got != want {
		t.Errorf("%d of the %d risky actions are in spec/data/s3-actions.txt", got, want)
	}
	for _, name := range []string{"s3:BypassGovernanceRetention", "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:PutObjectLegalHold",
		"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ObjectOwnerOverrideToBucketOwner", "s3:PutObjectAcl", "s3:PutObjectVersionAcl",
		"s3:PutBucketPolicy", "s3:DeleteBucketPolicy"} {
		if _, ok := riskyActions[strings.ToLower(name)]; !ok {
			t.Errorf("%s is not warned about", name)
		}
	}
	for _, r := range riskyActions {
		if !strings.HasPrefix(r.source, "https://docs.aws.amazon.com/") {
			t.Errorf("source %q is not a page of AWS's documentation", r.source)
		}
	}
}

// A consumer's risky actions each get a warning naming the key, the action, the account, why and
// the source; its ordinary ones none.
func TestAccessWarningsNameEachRiskyAction(t *testing.T) {
	s := with(func(s *spec.Spec, c *spec.Consumer) {
		c.Access.Actions = []string{"s3:GetObject", "s3:PutObject", "s3:putobjectacl", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"}
	})
	want := []string{
		"consumers[0].actions grants s3:BypassGovernanceRetention to account 222222222222: with the header x-amz-bypass-governance-retention: true it deletes object versions and shortens or removes retention that Object Lock governance mode protects (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html).",
		"consumers[0].actions grants s3:DeleteObjectVersion to account 222222222222: it deletes an object version permanently, which versioning otherwise keeps recoverable (a plain DeleteObject only adds a delete marker) (https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html).",
		"consumers[0].actions grants s3:PutObjectAcl to account 222222222222: where ACLs are honoured (Object Ownership ObjectWriter or BucketOwnerPreferred) it changes who may read an object, other accounts or the public included unless Block Public Access stops it; on BucketOwnerEnforced buckets (the default for new buckets) ACLs are disabled and it grants nothing, and this stack's grant then requires uploads to carry the header x-amz-acl: bucket-owner-full-control (https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html).",
	}
	if got := AccessWarnings(s); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := AccessWarnings(baseSpec()); len(got) != 0 {
		t.Errorf("s3:GetObject and s3:PutObject warned: %v", got)
	}
	// The consumers' access is the consumer stacks' to warn about: the owner's Warnings do not.
	if got := Warnings(s); len(got) != 0 {
		t.Errorf("Warnings repeats the access warnings: %v", got)
	}
}

// A kept Allow to another account warns of each risky action it names or matches, through
// wildcards and NotAction too; an Allow to the owner's account or to a service, and a Deny, do not.
func TestKeptStatementWarnings(t *testing.T) {
	s := baseSpec()
	pinned := map[string]any{"StringEquals": map[string]any{"aws:SourceVpce": "vpce-0123456789abcdef0"}}
	s.ExtraBucketStatements = []map[string]any{
		{"Sid": "Own", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::111111111111:role/ops"}, "Action": "s3:*", "Resource": "arn:aws:s3:::shared-data/*"},
		{"Sid": "Logs", "Effect": "Allow", "Principal": map[string]any{"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::shared-data/logs/*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": "111111111111"}}},
		{"Sid": "NoLocks", "Effect": "Deny", "Principal": map[string]any{"AWS": "arn:aws:iam::222222222222:root"}, "Action": "s3:PutObjectRetention", "Resource": "arn:aws:s3:::shared-data/*"},
		{"Sid": "Archive", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::222222222222:role/archiver"},
			"Action": []any{"s3:GetObject", "s3:PutObjectRetention", "s3:Replicate*"}, "Resource": "arn:aws:s3:::shared-data/*", "Condition": pinned},
	}
	want := []string{
		"extraBucketPolicyStatements[3] grants s3:PutObjectRetention to arn:aws:iam::222222222222:role/archiver: it sets Object Lock retention: in compliance mode no one, the bucket owner's root user included, can delete the version or shorten the period until it ends (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html).",
		`extraBucketPolicyStatements[3] grants s3:ReplicateDelete (matched by "s3:Replicate*") to arn:aws:iam::222222222222:role/archiver: it is the permission a replication destination gives a source's replication role: with it, that account's replication writes delete markers into this bucket, which hide objects (https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html).`,
		`extraBucketPolicyStatements[3] grants s3:ReplicateObject (matched by "s3:Replicate*") to arn:aws:iam::222222222222:role/archiver: it is the permission a replication destination gives a source's replication role: with it, that account's replication writes objects (replicas) into this bucket (https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html).`,
		`extraBucketPolicyStatements[3] grants s3:ReplicateTags (matched by "s3:Replicate*") to arn:aws:iam::222222222222:role/archiver: it is the permission a replication destination gives a source's replication role: with it, that account's replication overwrites object tags, which lifecycle rules and tag conditions act on (https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html).`,
	}
	if got := KeptStatementWarnings(s); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := Warnings(s); !reflect.DeepEqual(got, want) {
		t.Errorf("Warnings leaves out the kept statements' risky actions:\n%s", strings.Join(got, "\n"))
	}
}

// s3:* to another account names every risky action, and the other writes of the bucket's
// configuration in one warning; NotAction allows what it leaves out.
func TestKeptStatementWarningsExpandWildcards(t *testing.T) {
	s := baseSpec()
	s.ExtraBucketStatements = []map[string]any{
		{"Sid": "Everything", "Effect": "Allow", "Principal": map[string]any{"aws": "222222222222"}, "Action": "s3:*",
			"Resource":  []any{"arn:aws:s3:::shared-data", "arn:aws:s3:::shared-data/*"},
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceVpce": "vpce-0123456789abcdef0"}}},
		{"Sid": "AllButReads", "Effect": "Allow", "Principal": map[string]any{"AWS": "222222222222"}, "NotAction": []any{"s3:Get*", "s3:List*", "s3:Put*", "s3:Delete*", "s3:Replicate*", "s3:Bypass*"},
			"Resource": "arn:aws:s3:::shared-data/*", "Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceVpce": "vpce-0123456789abcdef0"}}},
	}
	got := KeptStatementWarnings(s)
	var named []string
	for _, w := range got {
		if strings.HasPrefix(w, "extraBucketPolicyStatements[0] grants ") {
			action, _, _ := strings.Cut(strings.TrimPrefix(w, "extraBucketPolicyStatements[0] grants "), " ")
			named = append(named, action)
		}
	}
	if len(named) != len(RiskyActions())+1 || strings.Join(named[:len(named)-1], " ") != strings.Join(RiskyActions(), " ") {
		t.Errorf("s3:* names\n%v\nwant\n%v and the configuration writes", named, RiskyActions())
	}
	config := got[len(RiskyActions())]
	for _, part := range []string{`extraBucketPolicyStatements[0] grants s3:CreateBucket, `, `s3:PutBucketCORS, `, `s3:PutBucketWebsite, `,
		" to 222222222222: they write the bucket's configuration (access level Write on the bucket), which only the bucket owner's account should manage (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html)."} {
		if !strings.Contains(config, part) {
			t.Errorf("the configuration warning lacks %q:\n%s", part, config)
		}
	}
	for _, w := range []string{`s3:PutBucketPolicy (matched by "s3:*")`, `s3:BypassGovernanceRetention (matched by "s3:*")`} {
		if !strings.Contains(strings.Join(got, "\n"), w) {
			t.Errorf("no warning says %s", w)
		}
	}
	notAction := "extraBucketPolicyStatements[1] grants s3:ObjectOwnerOverrideToBucketOwner (NotAction leaves it in) to 222222222222: it belongs only in a replication destination's policy, for the source's replication role (the replica owner override); elsewhere it should not be granted (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-change-owner.html)."
	// The NotAction statement names keys only: the bucket's configuration writes do not act on them.
	if got[len(got)-1] != notAction {
		t.Errorf("NotAction: got\n%s\nwant\n%s", got[len(got)-1], notAction)
	}
}
