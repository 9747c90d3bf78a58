# Rules for a bucket encrypted with a customer managed KMS key: the consumer roles' KMS statements
# (in their inline role policy) and the KMS grants on the bucket's key. The stack's own documents
# are policydoc.RoleKeyStatements and policydoc.KeyGrants; these rules keep any later edit from
# widening them.
package cross_account_s3

import rego.v1

grant_type := "aws:kms/grant:Grant"

# The grant operations S3 needs: Decrypt for reads, GenerateDataKey (and Decrypt, for multipart
# uploads) for writes. CreateGrant would let the grantee pass the key on.
s3_grant_operations := {"Decrypt", "GenerateDataKey"}

# KMS actions that use the key material, which S3 calls for SSE-KMS objects.
kms_crypto_action(a) if {
	is_string(a)
	some prefix in ["kms:decrypt", "kms:encrypt", "kms:generatedatakey", "kms:reencrypt"]
	startswith(lower(a), prefix)
}

kms_action(a) if {
	is_string(a)
	startswith(lower(a), "kms:")
}

kms_statement(st) if {
	some a in actions(st)
	kms_action(a)
}

# The resource's logical name: role policies and grants have a "name" property of their own,
# which the analyzer puts on top of input.name, so the metadata copy __name comes first.
logical_name(res) := object.get(res, "__name", res.name)

wildcard(v) if {
	is_string(v)
	regex.match(`[*?]`, v)
}

# An Allow of KMS actions must name keys by ARN: Resource "*" (or any wildcard, or NotResource)
# would let the role use every key that trusts its account, in any Region.
deny_kms_wildcard_key contains msg if {
	input.type == role_policy_type
	some st in statements(input)
	st.Effect == "Allow"
	kms_statement(st)
	resource := wildcard_resource(st)
	msg := sprintf("role policy %q allows KMS actions on %v (statement %q); name the bucket's key by its key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID), never a wildcard", [logical_name(input), resource, sid(st)])
}

wildcard_resource(st) := r if {
	some r in as_array(object.get(st, "Resource", []))
	wildcard(r)
} else := "NotResource" if has(st, "NotResource")

# kms:* (or any KMS wildcard) includes the key's administration: its policy, grants and deletion.
deny_kms_wildcard_action contains msg if {
	input.type == role_policy_type
	some st in statements(input)
	st.Effect == "Allow"
	some a in actions(st)
	kms_action(a)
	wildcard(a)
	msg := sprintf("role policy %q allows the wildcard action %q (statement %q); allow only kms:Decrypt and kms:GenerateDataKey, which S3 needs for reads and writes", [logical_name(input), a, sid(st)])
}

# A role may use the key only when S3 calls KMS for it: StringEquals (or StringLike) on
# kms:ViaService with s3.<region>.<dns suffix> values only.
deny_kms_without_via_service contains msg if {
	input.type == role_policy_type
	some st in statements(input)
	st.Effect == "Allow"
	crypto := [a | some a in actions(st); kms_crypto_action(a)]
	count(crypto) > 0
	not via_s3_only(st)
	msg := sprintf("role policy %q allows %s without a kms:ViaService condition naming S3 (statement %q); add \"Condition\": {\"StringEquals\": {\"kms:ViaService\": \"s3.REGION.amazonaws.com\"}} so that the role can use the key only through S3", [logical_name(input), concat(", ", crypto), sid(st)])
}

via_s3_only(st) if {
	some op, keys in object.get(st, "Condition", {})
	op in {"StringEquals", "StringLike"}
	some key, raw in keys
	lower(key) == "kms:viaservice"
	vals := as_array(raw)
	count(vals) > 0
	every v in vals {
		is_string(v)
		regex.match(`^s3\.[a-z0-9-]+\.[a-z0-9.-]+$`, v)
	}
}

# A grant gives only what S3 needs.
deny_kms_grant_operations contains msg if {
	input.type == grant_type
	some op in as_array(object.get(input, "operations", []))
	not op in s3_grant_operations
	msg := sprintf("KMS grant %q allows %v; S3 needs only Decrypt (reads) and GenerateDataKey (writes), and a grant with CreateGrant could pass the key on", [logical_name(input), op])
}

# A grant is for one consumer role: a grant to an account lets every principal that account's
# IAM policies allow use the key.
deny_kms_grant_not_a_role contains msg if {
	input.type == grant_type
	principal := object.get(input, "granteePrincipal", "")
	is_string(principal)
	not regex.match(`^arn:[a-z-]+:iam::\d{12}:role/.+$`, principal)
	msg := sprintf("KMS grant %q is for %v, not a role; grant each consumer role (arn:aws:iam::ACCOUNT:role/NAME)", [logical_name(input), principal])
}

# The grant names the key by ARN, and the key is of its provider's account and Region: the
# bucket owner's provider creates the grants on the bucket's key.
deny_kms_grant_key_elsewhere contains msg if {
	input.type == grant_type
	reason := key_elsewhere(input)
	msg := sprintf("KMS grant %q %s", [logical_name(input), reason])
}

key_elsewhere(res) := sprintf("names the key %v, not its key ARN; name it arn:aws:kms:REGION:ACCOUNT:key/KEY-ID", [res.keyId]) if {
	is_string(res.keyId)
	not key_arn_parts(res.keyId)
} else := sprintf("is on key %s of account %s in %s, but its provider is pinned to account %v in %v; create a key's grants with the provider of the key's own account and Region (the bucket owner's)", [res.keyId, parts[2], parts[1], account_or_unpinned(res.provider), provider_prop(res.provider, "region")]) if {
	parts := key_arn_parts(res.keyId)
	not key_of_provider(parts, res.provider)
}

key_arn_parts(arn) := [m[1], m[2], m[3]] if {
	ms := regex.find_all_string_submatch_n(`^arn:([a-z-]+):kms:([a-z0-9-]+):(\d{12}):key/[0-9a-z-]+$`, arn, 1)
	count(ms) == 1
	m := ms[0]
}

key_of_provider(parts, provider) if {
	parts[2] == pinned_account(provider)
	parts[1] == provider_prop(provider, "region")
}

# Advisory: without an encryption-context constraint the grant is not limited to the bucket.
warn_kms_grant_unconstrained contains msg if {
	input.type == grant_type
	count(object.get(input, "constraints", [])) == 0
	msg := sprintf("KMS grant %q has no encryption-context constraint, so its role may use the key with any encryption context, for other buckets too; with an S3 Bucket Key, set bucketKeyEnabled: true to limit it to aws:s3:arn = the bucket's ARN", [logical_name(input)])
}

# Advisory: a named grant makes CreateGrant idempotent, so a replacement that keeps the KMS
# parameters gets back the grant it replaces and then revokes it (policydoc.KeyGrant explains).
warn_kms_grant_named contains msg if {
	input.type == grant_type
	# The property, not input.name: that is the logical name when the grant has no name property.
	name := object.get(object.get(input, "properties", {}), "name", "")
	is_string(name)
	name != ""
	msg := sprintf("KMS grant %q has the name %q: CreateGrant then returns an existing grant with the same name and parameters, so a replacement (create, then delete) would revoke the grant it just got back; leave the name unset", [logical_name(input), name])
}
