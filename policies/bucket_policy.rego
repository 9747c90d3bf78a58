package cross_account_s3

import rego.v1

# An Allow to everyone makes the bucket public.
deny_public_allow contains msg if {
	input.type == bucket_policy_type
	some st in statements(input)
	st.Effect == "Allow"
	everyone(st.Principal)
	msg := sprintf("bucket policy of %q allows principal \"*\" (statement %q); name the consumer roles instead", [input.bucket, sid(st)])
}

# Another account's principal may only come in through named VPC endpoints or VPCs: a
# StringEquals/StringLike condition on aws:SourceVpce (vpce- IDs) or aws:SourceVpc (vpc- IDs),
# without wildcards. Operators a request without the key passes (...IfExists, Not..., Null) do not
# pin it. The same rule as policydoc.RuleCrossAccountWithoutEndpoint.
deny_cross_account_without_endpoint contains msg if {
	input.type == bucket_policy_type
	owner := pinned_account(input.provider)
	some st in statements(input)
	st.Effect == "Allow"
	not pinned_to_endpoints(st)
	some p in aws_principals(st)
	p != "*"
	not owned_by(p, owner)
	msg := sprintf("bucket policy of %q allows %v from another account without a VPC endpoint condition (statement %q); condition it with StringEquals on aws:SourceVpce (or aws:SourceVpc) naming the consumer's endpoint", [input.bucket, p, sid(st)])
}

# A principal counts as the owner's only when its account parses as the owner's. (A helper, not
# "not principal_account(p) == owner": OPA hoists the call out of the negation, and an
# unparseable principal would then pass.)
owned_by(p, owner) if principal_account(p) == owner

# A Deny on everyone unless the request comes through an endpoint also denies the console, CI and
# the deploying role; only the account root can then repair the policy.
deny_everyone_vpc_lockout contains msg if {
	input.type == bucket_policy_type
	some st in statements(input)
	st.Effect == "Deny"
	everyone(st.Principal)
	vpc_condition(st)
	msg := sprintf("bucket policy of %q denies principal \"*\" on an aws:SourceVpce/aws:SourceVpc condition (statement %q), which locks out every administrator; scope the Deny to the consumer roles", [input.bucket, sid(st)])
}

# NotPrincipal with Deny applies to every principal not listed, and a listed role does not exempt
# its sessions: it locks out the consumer roles. With Allow it is not supported.
deny_not_principal contains msg if {
	input.type == bucket_policy_type
	some st in statements(input)
	has(st, "NotPrincipal")
	msg := sprintf("bucket policy of %q uses NotPrincipal (statement %q), which locks out every principal not listed, the listed roles' own sessions included; name the principals in Principal instead", [input.bucket, sid(st)])
}

deny_invalid_effect contains msg if {
	input.type == bucket_policy_type
	some st in statements(input)
	not object.get(st, "Effect", "") in {"Allow", "Deny"}
	msg := sprintf("bucket policy of %q has a statement (%q) whose Effect is not \"Allow\" or \"Deny\"", [input.bucket, sid(st)])
}

# S3 needs Principal, Action and Resource (or their Not... forms) in every statement, and a
# Principal of "*" or an object.
deny_statement_incomplete contains msg if {
	input.type == bucket_policy_type
	some st in statements(input)
	reason := incomplete_reason(st)
	msg := sprintf("bucket policy of %q has a statement (%q) %s", [input.bucket, sid(st), reason])
}

incomplete_reason(st) := sprintf("without %s; every statement needs Principal, Action and Resource", [concat(" and ", missing)]) if {
	missing := [el | some el in ["Principal", "Action", "Resource"]; not has(st, el); not has(st, concat("", ["Not", el]))]
	count(missing) > 0
} else := "whose Principal is neither \"*\" nor an object such as {\"AWS\": [...]}" if {
	has(st, "Principal")
	st.Principal != "*"
	not is_object(st.Principal)
}

# A bucket policy may only name its own bucket and keys in it.
deny_foreign_resource contains msg if {
	input.type == bucket_policy_type
	arn := bucket_arn(input)
	some st in statements(input)
	some el in ["Resource", "NotResource"]
	some r in as_array(object.get(st, el, null))
	r != null
	not in_bucket(r, arn)
	msg := sprintf("bucket policy of %q names %v in %s (statement %q), which is not this bucket; name %s or keys in it", [input.bucket, r, el, sid(st), arn])
}

# Every action must be an S3 action AWS documents (policies/aws_data.rego, from spec/data).
deny_unknown_s3_action contains msg if {
	input.type == bucket_policy_type
	some st in statements(input)
	some el in ["Action", "NotAction"]
	some a in as_array(object.get(st, el, null))
	a != null
	not known_s3_action(a)
	msg := sprintf("bucket policy of %q names %v in %s (statement %q), which is not an S3 action; use one such as s3:GetObject", [input.bucket, a, el, sid(st)])
}

# Only a document that admits principals through VPC endpoints (as this stack's do) must carry the
# TLS Deny: the release step (releaseBucketPolicy: true) writes back the kept statements alone,
# which the bucket had without one before this stack.
deny_missing_tls_deny contains msg if {
	input.type == bucket_policy_type
	sts := statements(input)
	admits_through_endpoints(sts)
	not denies_insecure_transport(sts)
	msg := sprintf("bucket policy of %q has no Deny for aws:SecureTransport false; add one so that plain-HTTP requests are refused", [input.bucket])
}

admits_through_endpoints(sts) if {
	some st in sts
	st.Effect == "Allow"
	vpc_condition(st)
}

denies_insecure_transport(sts) if {
	some st in sts
	st.Effect == "Deny"
	everyone(st.Principal)
	some value in as_array(st.Condition.Bool["aws:SecureTransport"])
	lower(sprintf("%v", [value])) == "false"
}

deny_bucket_policy_too_large contains msg if {
	input.type == bucket_policy_type
	is_string(input.policy)
	count(input.policy) > max_bucket_policy
	msg := sprintf("bucket policy of %q is %d characters, over S3's 20 KB limit (%d); share fewer prefixes or roles", [input.bucket, count(input.policy), max_bucket_policy])
}

# Advisory: s3:PutObjectAcl grants nothing on buckets with ACLs disabled (the default).
warn_put_object_acl contains msg if {
	input.type in {bucket_policy_type, role_policy_type}
	some st in statements(input)
	st.Effect == "Allow"
	"s3:PutObjectAcl" in actions(st)
	msg := sprintf("%s %q grants s3:PutObjectAcl (statement %q); on BucketOwnerEnforced buckets ACLs are disabled and it grants nothing, elsewhere require x-amz-acl bucket-owner-full-control", [input.type, input.name, object.get(st, "Sid", "")])
}

# Advisory: wildcard actions grant more than the workload needs. (KMS wildcards are refused
# outright, by deny_kms_wildcard_action.)
warn_wildcard_action contains msg if {
	input.type in {bucket_policy_type, role_policy_type}
	some st in statements(input)
	st.Effect == "Allow"
	some action in actions(st)
	contains(action, "*")
	not kms_action(action)
	msg := sprintf("%s %q allows the wildcard action %q (statement %q); name the object actions the workload needs", [input.type, input.name, action, object.get(st, "Sid", "")])
}
