package cross_account_s3

import rego.v1

# An Allow to everyone makes the bucket public: Principal "*", or "*" under AWS, CanonicalUser or
# Federated, the type keys in any case ({"aws": "*"}). Not "*" or AWS "*" that a StringEquals on
# aws:PrincipalOrgID limits to fixed organization IDs (limited_to_organization: S3 does not count
# it as public; the by-organization grouping's form); a "*" pinned only by aws:CalledVia or
# aws:VpceAccount stays public. The same rule as policydoc.RulePublicAllow.
deny_public_allow contains msg if {
	input.type == bucket_policy_type
	some st in statements(input)
	st.Effect == "Allow"
	public_principal(st)
	msg := sprintf("bucket policy of %q allows principal \"*\" (statement %q); name the consumer roles instead", [input.bucket, sid(st)])
}

# Only the elements AWS defines, spelt as AWS spells them: a misspelt or mis-cased element is not
# the element the other rules judge. The same rule as policydoc.RuleUnknownElement.
deny_unknown_element contains msg if {
	input.type == bucket_policy_type
	some st in statements(input)
	some key, _ in st
	not key in statement_elements
	not case_twin(st, key)
	msg := sprintf("bucket policy of %q has a statement (%q) with the element %q, which is not a statement element; use only %s, spelt so", [input.bucket, sid(st), key, concat(", ", sort(statement_elements))])
}

# Two elements that differ only in case ("Principal" and "principal"): which one AWS reads is not
# ours to guess, and the other would pass unjudged. The same rule as policydoc.RuleDuplicateElement.
deny_duplicate_element contains msg if {
	input.type == bucket_policy_type
	some st in statements(input)
	some key, _ in st
	case_twin(st, key)
	twins := sort([k | some k, _ in st; lower(k) == lower(key)])
	key == twins[0]
	msg := sprintf("bucket policy of %q has a statement (%q) with the elements %s, which differ only in case; keep one, spelt as AWS does", [input.bucket, sid(st), concat(" and ", twins)])
}

# {"Service": "*"} in an Allow: every AWS service, acting for any account. The same rule as
# policydoc.RuleServiceWildcard.
deny_service_wildcard contains msg if {
	input.type == bucket_policy_type
	some st in statements(input)
	st.Effect == "Allow"
	some p in principals(st)
	p.type == "Service"
	regex.match(`[*?]`, sprintf("%v", [p.value]))
	msg := sprintf("bucket policy of %q allows the service principal %q (statement %q), every AWS service acting for any account; name the service, and the account it acts for in aws:SourceAccount", [input.bucket, p.value, sid(st)])
}

# A service principal that may write to the bucket must be told whose resource it acts for
# (aws:SourceAccount, aws:SourceArn or aws:SourceOrgID), or it writes for any account that points
# it here: the confused-deputy problem (docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
# The same rule as policydoc.RuleServiceWithoutSource.
deny_service_without_source contains msg if {
	input.type == bucket_policy_type
	some st in statements(input)
	st.Effect == "Allow"
	grants_writes(st)
	not confined_to_source(st)
	some p in principals(st)
	p.type == "Service"
	not regex.match(`[*?]`, sprintf("%v", [p.value]))
	msg := sprintf("bucket policy of %q lets the service %v write without a condition on aws:SourceAccount, aws:SourceArn or aws:SourceOrgID (statement %q), so it writes for any account that points it here (the confused-deputy problem); add one naming the account the service acts for", [input.bucket, p.value, sid(st)])
}

# Another account's principal may only come in through VPC endpoints, or through AWS services
# calling for it: a StringEquals/StringLike condition on aws:SourceVpce (vpce- IDs) or
# aws:SourceVpc (vpc- IDs); a StringEquals on aws:VpceAccount (account IDs, or
# ${aws:PrincipalAccount}: the endpoint's owner must be the caller's own account, as the
# by-account grouping writes it; the key is absent outside endpoints); or a
# ForAnyValue:StringEquals (or StringEquals) on aws:CalledVia naming service principals (the grant
# then holds only for requests those services make with the principal's credentials, as the
# ...ViaServices Allows write it). No wildcards. Operators a request without the key passes
# (...IfExists, Not..., Null) do not pin it. A CanonicalUser, and any principal whose account
# cannot be read, counts as another account's. So does "*" (or AWS "*") limited to organizations
# (limited_to_organization: not public), which admits every account of them: outside
# by-organization the perimeter Deny binds only the consumer accounts. Not when the document's
# perimeter is the by-organization form and the Allow admits that organization only
# (held_by_organization_perimeter): that Deny binds every account of the organization but the
# owner's to endpoints the account owns. The same rule as policydoc.RuleCrossAccountWithoutEndpoint.
deny_cross_account_without_endpoint contains msg if {
	input.type == bucket_policy_type
	sts := statements(input)
	some st in sts
	st.Effect == "Allow"
	not pinned_to_endpoints(st)
	some msg in unpinned_grants(st, sts)
}

# The messages for an unpinned Allow: one for each principal of another account than the owner's,
# and one when it admits organizations the perimeter does not hold.
unpinned_grants(st, sts) := {msg |
	owner := pinned_account(input.provider)
	some p in principals(st)
	p.type != "Service"
	p.value != "*"
	not owned_by(p, owner)
	msg := sprintf("bucket policy of %q allows %s from another account without a VPC endpoint condition (or an aws:CalledVia one) (statement %q); condition it with StringEquals on aws:SourceVpce (or aws:SourceVpc, or aws:VpceAccount with account IDs or ${aws:PrincipalAccount}) naming the consumer's endpoint, or, for requests an AWS service makes with the principal's credentials, with ForAnyValue:StringEquals on aws:CalledVia naming the service", [input.bucket, principal_label(p), sid(st)])
} | {msg |
	organization_wide(st)
	not held_by_organization_perimeter(st, sts, input.provider)
	msg := sprintf("bucket policy of %q allows principal \"*\" limited by aws:PrincipalOrgID to %s (statement %q) without a VPC endpoint condition (or an aws:CalledVia one), so any account there that the perimeter Deny does not bind to endpoints can use it from anywhere; add StringEquals on aws:VpceAccount with ${aws:PrincipalAccount} next to aws:PrincipalOrgID, so that each principal comes only through its own account's endpoints, or on aws:SourceVpce naming the endpoints", [input.bucket, organizations_label(organization_ids(st)), sid(st)])
}

# An Allow may admit only the owner's account and the accounts the perimeter Deny binds to this
# stack's endpoints (the consumer accounts); any other account would be held only by its
# statement's own condition, on endpoints this stack neither created nor checks. The
# by-organization perimeter binds no account the pack can name (perimeter_accounts), so there an
# Allow may name the owner's account only. The same rule as policydoc.RuleOutsidePerimeter;
# docs/kept-statements.md says why.
deny_outside_perimeter contains msg if {
	input.type == bucket_policy_type
	owner := pinned_account(input.provider)
	sts := statements(input)
	perimeter := perimeter_accounts(sts)
	some st in sts
	st.Effect == "Allow"
	some p in principals(st)
	p.type != "Service"
	p.value != "*"
	not owned_by(p, owner)
	not inside(p, perimeter)
	msg := outside_perimeter_message(sts, perimeter, owner, p, st)
}

outside_perimeter_message(sts, perimeter, owner, p, st) := sprintf("bucket policy of %q allows %s (statement %q), whose account is not the owner's (%s): the perimeter Deny %s names the organization, not accounts, so with bucketPolicyGrouping by-organization a statement may grant only the owner's account, because the organization grant already admits the organization's accounts; grant the access through the stack's own grants, or remove the statement", [input.bucket, principal_label(p), sid(st), owner, perimeter_sid]) if {
	organization_perimeter(sts)
} else := sprintf("bucket policy of %q allows %s (statement %q), whose account is neither the owner's (%s) nor one that the perimeter Deny %s binds to this stack's endpoints (%s); make the account a consumer, or remove the statement", [input.bucket, principal_label(p), sid(st), owner, perimeter_sid, concat(", ", sort(perimeter))])

# A principal counts as the owner's only when its account parses as the owner's. (A helper, not
# "not account_of(p) == owner": OPA hoists the call out of the negation, and an unparseable
# principal would then pass.)
owned_by(p, owner) if account_of(p) == owner

inside(p, perimeter) if account_of(p) in perimeter

# A Deny on everyone unless the request comes through an endpoint (a condition on aws:SourceVpce,
# aws:SourceVpc, aws:VpceAccount, aws:VpceOrgID or aws:VpceOrgPaths) also denies the console, CI
# and the deploying role; only the account root can then repair the policy. Unless a StringEquals
# on aws:PrincipalAccount scopes it to other accounts than the owner's, as the by-account
# perimeter is, or a StringEquals on aws:PrincipalOrgID with a StringNotEquals on
# aws:PrincipalAccount listing the owner's account scopes it to the organization but the owner's
# account, as the by-organization perimeter is (aws:PrincipalOrgID alone does not: the owner is in
# the organization). The same rule as policydoc.RuleEveryoneVpcLockout.
deny_everyone_vpc_lockout contains msg if {
	input.type == bucket_policy_type
	some st in statements(input)
	st.Effect == "Deny"
	everyone(st.Principal)
	endpoint_condition(st)
	not scoped_to_other_accounts(st, input.provider)
	not organization_but_owner(st, input.provider)
	msg := sprintf("bucket policy of %q denies principal \"*\" on a VPC endpoint condition (aws:SourceVpce, aws:SourceVpc, aws:VpceAccount, aws:VpceOrgID or aws:VpceOrgPaths) (statement %q), which locks out every administrator; scope the Deny to the consumer roles, or to other accounts than the owner's (%s) with StringEquals on aws:PrincipalAccount", [input.bucket, sid(st), account_or_unpinned(input.provider)])
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
} else := sprintf("whose Principal has %s, which is not a principal type; use AWS, Service, CanonicalUser or Federated", [concat(" and ", unknown)]) if {
	has(st, "Principal")
	is_object(st.Principal)
	unknown := sort([k | some k, _ in st.Principal; not principal_types[lower(k)]])
	count(unknown) > 0
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
	endpoint_condition(st)
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
