package cross_account_s3

import rego.v1

# An Allow to everyone makes the bucket public.
deny_public_allow contains msg if {
	input.type == bucket_policy_type
	some st in statements(input)
	st.Effect == "Allow"
	everyone(st.Principal)
	msg := sprintf("bucket policy of %q allows principal \"*\" (statement %q); name the consumer roles instead", [input.bucket, object.get(st, "Sid", "")])
}

# Another account's principal may only come in through a VPC endpoint (or VPC) condition: that is
# the point of this stack.
deny_cross_account_without_endpoint contains msg if {
	input.type == bucket_policy_type
	owner := pinned_account(input.provider)
	some st in statements(input)
	st.Effect == "Allow"
	not vpc_condition(st)
	some p in aws_principals(st)
	principal_account(p) != owner
	msg := sprintf("bucket policy of %q allows %s from another account without an aws:SourceVpce or aws:SourceVpc condition (statement %q); condition it on the consumer's endpoint", [input.bucket, p, object.get(st, "Sid", "")])
}

# A Deny on everyone unless the request comes through an endpoint also denies the console, CI and
# the deploying role; only the account root can then repair the policy.
deny_everyone_vpc_lockout contains msg if {
	input.type == bucket_policy_type
	some st in statements(input)
	st.Effect == "Deny"
	everyone(st.Principal)
	vpc_condition(st)
	msg := sprintf("bucket policy of %q denies principal \"*\" on an aws:SourceVpce/aws:SourceVpc condition (statement %q), which locks out every administrator; scope the Deny to the consumer roles", [input.bucket, object.get(st, "Sid", "")])
}

deny_missing_tls_deny contains msg if {
	input.type == bucket_policy_type
	sts := statements(input)
	not denies_insecure_transport(sts)
	msg := sprintf("bucket policy of %q has no Deny for aws:SecureTransport false; add one so that plain-HTTP requests are refused", [input.bucket])
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

# Advisory: wildcard actions grant more than the workload needs.
warn_wildcard_action contains msg if {
	input.type in {bucket_policy_type, role_policy_type}
	some st in statements(input)
	st.Effect == "Allow"
	some action in actions(st)
	contains(action, "*")
	msg := sprintf("%s %q allows the wildcard action %q (statement %q); name the object actions the workload needs", [input.type, input.name, action, object.get(st, "Sid", "")])
}
