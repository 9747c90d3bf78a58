# Helpers shared by the rules of this pack. Nothing here is a rule the analyzer reports.
package cross_account_s3

import rego.v1

bucket_policy_type := "aws:s3/bucketPolicy:BucketPolicy"

endpoint_type := "aws:ec2/vpcEndpoint:VpcEndpoint"

role_policy_type := "aws:iam/rolePolicy:RolePolicy"

max_bucket_policy := 20480

max_endpoint_policy := 20480

# A policy property parsed as a document, when it is known. In a preview, a policy built from an
# output that is not known yet (such as the endpoint ID on the first deploy) is not a string; the
# rules then wait for `pulumi up`, where the analyzer sees the final value.
document(res) := doc if {
	is_string(res.policy)
	json.is_valid(res.policy)
	doc := json.unmarshal(res.policy)
}

statements(res) := sts if {
	doc := document(res)
	is_array(doc.Statement)
	sts := doc.Statement
}

statements(res) := [doc.Statement] if {
	doc := document(res)
	is_object(doc.Statement)
}

as_array(x) := x if is_array(x)

as_array(x) := [x] if not is_array(x)

# The principal types of a Principal object, by their lowercased key: the rules read the keys in
# any case, so that {"aws": "*"} is judged as {"AWS": "*"} (as policydoc.principalsOf).
principal_types := {"aws": "AWS", "canonicaluser": "CanonicalUser", "service": "Service", "federated": "Federated"}

# The values of a statement's Principal object, each as {"type": <type as AWS spells it>,
# "value": v}; none for Principal "*" or anything that is not an object.
principals(st) := [{"type": principal_types[lower(key)], "value": v} |
	some key, raw in st.Principal
	principal_types[lower(key)]
	some v in as_array(raw)
] if {
	is_object(object.get(st, "Principal", null))
} else := []

# Principal "*", or "*" under AWS, CanonicalUser or Federated (alone or in a list). Service "*"
# is deny_service_wildcard's.
everyone(principal) if principal == "*"

everyone(principal) if {
	some p in principals({"Principal": principal})
	p.type != "Service"
	p.value == "*"
}

# The account of an IAM principal: an ARN or a bare 12-digit account ID.
principal_account(p) := acct if {
	parts := regex.find_all_string_submatch_n(`^arn:[a-z-]+:(?:iam|sts)::(\d{12}):`, p, 1)
	count(parts) == 1
	acct := parts[0][1]
}

principal_account(p) := p if regex.match(`^\d{12}$`, p)

# How messages name one of principals(st): an AWS value alone, others after their type.
principal_label(p) := sprintf("%v", [p.value]) if p.type == "AWS"

principal_label(p) := sprintf("%s %v", [p.type, p.value]) if p.type != "AWS"

# The account of one of principals(st): an AWS ARN or account ID, or a Federated ARN of an
# account. A CanonicalUser names no account, nor do values of another shape.
account_of(p) := principal_account(p.value) if p.type == "AWS"

account_of(p) := acct if {
	p.type == "Federated"
	parts := regex.find_all_string_submatch_n(`^arn:[a-z-]+:(?:iam|sts)::(\d{12}):`, p.value, 1)
	count(parts) == 1
	acct := parts[0][1]
}

# The top-level elements of a statement, as AWS spells them.
statement_elements := {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}

# A key of the statement that another of its keys repeats in another case.
case_twin(st, key) if {
	some other, _ in st
	other != key
	lower(other) == lower(key)
}

# The Sid of the perimeter Deny (policydoc.SidDenyOutsideEndpoints), and the accounts it binds to
# this stack's endpoints: the accounts of its AWS principals (root ARNs, as policydoc renders it
# per-endpoint and by-access), or, when its Principal is "*" (by-account), the 12-digit IDs of its
# StringEquals on aws:PrincipalAccount. A document without it (no consumer, or the release step's
# kept statements alone) binds none. Nor does the by-organization form (Principal "*" scoped by a
# StringEquals on aws:PrincipalOrgID): it names the organization, and which accounts are in it is
# not in the document, so a kept Allow may then name the owner's account only (as
# policydoc.statementFindings, which judges spec.GroupByOrganization with no perimeter).
perimeter_sid := "DenyConsumerAccountsOutsideVpcEndpoints"

perimeter_accounts(sts) := {acct |
	some st in sts
	object.get(st, "Sid", "") == perimeter_sid
	st.Effect == "Deny"
	some acct in perimeter_bound(st)
}

perimeter_bound(st) := {acct |
	some p in principals(st)
	p.type == "AWS"
	acct := principal_account(p.value)
} if {
	not everyone(object.get(st, "Principal", null))
}

perimeter_bound(st) := principal_account_scope(st) if {
	everyone(object.get(st, "Principal", null))
	not organization_scoped(st)
}

perimeter_bound(st) := set() if {
	everyone(object.get(st, "Principal", null))
	organization_scoped(st)
}

# True when the document's perimeter Deny is the by-organization form.
organization_perimeter(sts) if {
	some st in sts
	object.get(st, "Sid", "") == perimeter_sid
	st.Effect == "Deny"
	everyone(object.get(st, "Principal", null))
	organization_scoped(st)
}

# True when some StringEquals tests aws:PrincipalOrgID (the key in any case) with some string (as
# in policydoc.organizationButOwner).
organization_scoped(st) if {
	some key, raw in object.get(object.get(st, "Condition", {}), "StringEquals", {})
	lower(key) == "aws:principalorgid"
	some v in as_array(raw)
	is_string(v)
}

# True when some StringEquals limits the statement to fixed organization IDs: aws:PrincipalOrgID
# (the key in any case) with o- IDs only, at least one, no wildcard, no policy variable (as
# policydoc.limitedToOrganization). S3 does not count a "*" so limited as public: "To be considered
# non-public, a bucket policy must grant access only to fixed values (values that don't contain a
# wildcard or an AWS Identity and Access Management Policy Variable) for one or more of the
# following: An AWS principal, user, role, or service principal (e.g. aws:PrincipalOrgID)" (S3 user
# guide, "The meaning of public", docs.aws.amazon.com/AmazonS3/latest/userguide/
# access-control-block-public-access.html#access-control-block-public-access-policy-status).
limited_to_organization(st) if {
	some key, raw in object.get(object.get(st, "Condition", {}), "StringEquals", {})
	lower(key) == "aws:principalorgid"
	vals := as_array(raw)
	count(vals) > 0
	every v in vals {
		is_string(v)
		regex.match(`^o-[a-z0-9]{10,32}$`, v)
	}
}

# True when the statement's Principal makes an Allow public (as policydoc.publicPrincipal): "*",
# or "*" under AWS, CanonicalUser or Federated; "*" and AWS "*" not when limited_to_organization.
public_principal(st) if {
	st.Principal == "*"
	not limited_to_organization(st)
}

public_principal(st) if {
	some p in principals(st)
	p.type != "Service"
	p.value == "*"
	not organization_exempt(p, st)
}

organization_exempt(p, st) if {
	p.type == "AWS"
	limited_to_organization(st)
}

# True when an Allow's Principal is "*" or has AWS "*", and limited_to_organization: not public,
# but every account of those organizations is admitted (as policydoc.organizationWide).
organization_wide(st) if {
	st.Principal == "*"
	limited_to_organization(st)
}

organization_wide(st) if {
	some p in principals(st)
	p.type == "AWS"
	p.value == "*"
	limited_to_organization(st)
}

# The fixed organization IDs of the StringEquals keys on aws:PrincipalOrgID (the key in any case)
# that limited_to_organization counts, sorted (as policydoc.organizationIDs).
organization_ids(st) := sort({v |
	some key, raw in object.get(object.get(st, "Condition", {}), "StringEquals", {})
	lower(key) == "aws:principalorgid"
	vals := as_array(raw)
	fixed_organization_ids(vals)
	some v in vals
})

fixed_organization_ids(vals) if {
	count(vals) > 0
	every v in vals {
		is_string(v)
		regex.match(`^o-[a-z0-9]{10,32}$`, v)
	}
}

organizations_label(ids) := concat("", ["the organization ", ids[0]]) if {
	count(ids) == 1
} else := concat("", ["the organizations ", concat(", ", ids)])

# True when the document's perimeter Deny is the by-organization form that binds the organization
# to endpoints: Principal "*", Action s3:* (or *), organization_but_owner, and a
# StringNotEqualsIfExists on aws:VpceAccount with ${aws:PrincipalAccount} alone; and when some
# StringEquals on aws:PrincipalOrgID of st names only organizations that Deny scopes to. The Deny
# then binds every account st admits but the owner's to endpoints that account owns (as
# policydoc.statementFindings with spec.GroupByOrganization and policydoc.withinOrganization).
held_by_organization_perimeter(st, sts, provider) if {
	some d in sts
	object.get(d, "Sid", "") == perimeter_sid
	d.Effect == "Deny"
	everyone(object.get(d, "Principal", null))
	some a in actions(d)
	a in {"s3:*", "*"}
	organization_but_owner(d, provider)
	some vkey, vraw in object.get(d.Condition, "StringNotEqualsIfExists", {})
	lower(vkey) == "aws:vpceaccount"
	as_array(vraw) == ["${aws:PrincipalAccount}"]
	scope := {v |
		some key, raw in d.Condition.StringEquals
		lower(key) == "aws:principalorgid"
		some v in as_array(raw)
		is_string(v)
	}
	some key, raw in object.get(st.Condition, "StringEquals", {})
	lower(key) == "aws:principalorgid"
	vals := as_array(raw)
	count(vals) > 0
	every v in vals {
		v in scope
	}
}

# The 12-digit account IDs a StringEquals on aws:PrincipalAccount (the key in any case) limits the
# statement to.
principal_account_scope(st) := {v |
	some key, raw in object.get(object.get(st, "Condition", {}), "StringEquals", {})
	lower(key) == "aws:principalaccount"
	some v in as_array(raw)
	is_string(v)
	regex.match(`^\d{12}$`, v)
}

# True when the statement applies only to principals of other accounts than the owner's: some
# StringEquals on aws:PrincipalAccount lists 12-digit IDs only, none of them the owner's (as
# policydoc.scopedToOtherAccounts). False when the owner's account is not known.
scoped_to_other_accounts(st, provider) if {
	owner := pinned_account(provider)
	regex.match(`^\d{12}$`, owner)
	some key, raw in object.get(object.get(st, "Condition", {}), "StringEquals", {})
	lower(key) == "aws:principalaccount"
	vals := as_array(raw)
	count(vals) > 0
	every v in vals {
		is_string(v)
		regex.match(`^\d{12}$`, v)
		v != owner
	}
}

# True when the statement applies only to the organization but the owner's account: a StringEquals
# on aws:PrincipalOrgID, and a StringNotEquals on aws:PrincipalAccount listing 12-digit IDs only,
# the owner's among them (the by-organization perimeter, as policydoc.organizationButOwner). False
# when the owner's account is not known.
organization_but_owner(st, provider) if {
	owner := pinned_account(provider)
	regex.match(`^\d{12}$`, owner)
	organization_scoped(st)
	some key, raw in object.get(object.get(st, "Condition", {}), "StringNotEquals", {})
	lower(key) == "aws:principalaccount"
	vals := as_array(raw)
	owner in vals
	every v in vals {
		is_string(v)
		regex.match(`^\d{12}$`, v)
	}
}

# True when the statement allows something in the bucket (Action "*" or an action that matches one)
# whose access level is Write, or has a NotAction (which allows everything it does not list).
grants_writes(st) if has(st, "NotAction")

grants_writes(st) if "*" in actions(st)

grants_writes(st) if {
	some a in actions(st)
	is_string(a)
	lower(a) in s3_write_actions
}

grants_writes(st) if {
	some a in actions(st)
	is_string(a)
	regex.match(`[*?]`, a)
	some name in s3_write_actions
	glob.match(lower(a), null, name)
}

# True when some StringEquals/StringLike/ArnEquals/ArnLike condition names whose resource a service
# acts for: aws:SourceAccount with account IDs, aws:SourceArn with ARNs, aws:SourceOrgID with
# organization IDs (as policydoc.confinedToSource).
confined_to_source(st) if {
	some op, keys in object.get(st, "Condition", {})
	op in {"StringEquals", "StringLike", "ArnEquals", "ArnLike"}
	some key, raw in keys
	pattern := source_key_patterns[lower(key)]
	vals := as_array(raw)
	count(vals) > 0
	every v in vals {
		is_string(v)
		regex.match(pattern, v)
	}
}

source_key_patterns := {"aws:sourceaccount": `^\d{12}$`, "aws:sourcearn": `^arn:`, "aws:sourceorgid": `^o-[a-z0-9]{10,32}$`}

# True when a statement's Condition tests a key set only for requests through a VPC endpoint (or
# from a VPC), under any operator (as policydoc.hasEndpointCondition).
endpoint_condition(st) if {
	some _, keys in object.get(st, "Condition", {})
	some key, _ in keys
	lower(key) in endpoint_keys
}

endpoint_keys := {"aws:sourcevpce", "aws:sourcevpc", "aws:vpceaccount", "aws:vpceorgid", "aws:vpceorgpaths"}

actions(st) := as_array(object.get(st, "Action", []))

# Provider properties arrive as values or, from some SDKs, as JSON-encoded strings.
provider_prop(provider, key) := v if {
	raw := provider.properties[key]
	not is_string(raw)
	v := raw
}

provider_prop(provider, key) := v if {
	raw := provider.properties[key]
	is_string(raw)
	json.is_valid(raw)
	startswith(raw, "[")
	v := json.unmarshal(raw)
}

provider_prop(provider, key) := raw if {
	raw := provider.properties[key]
	is_string(raw)
	not startswith(raw, "[")
}

# The single account a provider is pinned to.
pinned_account(provider) := acct if {
	ids := provider_prop(provider, "allowedAccountIds")
	count(ids) == 1
	acct := ids[0]
}

is_s3_service(name) if regex.match(`^com\.amazonaws\.[a-z0-9-]+\.s3$`, name)

s3_endpoint(res) if {
	res.type == endpoint_type
	is_s3_service(object.get(res, "serviceName", ""))
}

sid(st) := object.get(st, "Sid", "")

# An element is present when it is set to something other than null, "", [] or {}.
has(st, key) if {
	v := object.get(st, key, null)
	v != null
	v != ""
	v != []
	v != {}
}

# True when some condition pins the request (as policydoc.pinnedToEndpoints): StringEquals or
# StringLike naming plain vpce- IDs under aws:SourceVpce or plain vpc- IDs under aws:SourceVpc;
# StringEquals naming account IDs or ${aws:PrincipalAccount} under aws:VpceAccount; or
# ForAnyValue:StringEquals or StringEquals naming plain service principals under aws:CalledVia.
# Condition keys are case-insensitive; every value must be of the key's form.
pinned_to_endpoints(st) if {
	some op, keys in object.get(st, "Condition", {})
	some key, raw in keys
	pattern := pin_patterns[op][lower(key)]
	vals := as_array(raw)
	count(vals) > 0
	every v in vals {
		is_string(v)
		regex.match(pattern, v)
	}
}

vpce_id_pattern := `^vpce-[0-9a-f]+$`

vpc_id_pattern := `^vpc-[0-9a-f]+$`

service_principal_pattern := `^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*\.amazonaws\.com(\.cn)?$`

pin_patterns := {
	"StringEquals": {
		"aws:sourcevpce": vpce_id_pattern,
		"aws:sourcevpc": vpc_id_pattern,
		"aws:vpceaccount": `^(\d{12}|\$\{aws:PrincipalAccount\})$`,
		"aws:calledvia": service_principal_pattern,
	},
	"StringLike": {"aws:sourcevpce": vpce_id_pattern, "aws:sourcevpc": vpc_id_pattern},
	"ForAnyValue:StringEquals": {"aws:calledvia": service_principal_pattern},
}

# The bucket's ARN in its provider's partition.
bucket_arn(res) := sprintf("arn:%s:s3:::%s", [partition_of(res.provider), res.bucket])

# The partition of the provider's Region, "aws" when the Region is unknown (as spec.Partition).
partition_of(provider) := p if {
	p := region_partition[provider_prop(provider, "region")]
} else := "aws"

in_bucket(r, arn) if r == arn

in_bucket(r, arn) if {
	is_string(r)
	startswith(r, concat("", [arn, "/"]))
}

known_s3_action(a) if a == "*"

known_s3_action(a) if {
	is_string(a)
	lower(a) in s3_actions
}

known_s3_action(a) if {
	is_string(a)
	startswith(lower(a), "s3:")
	regex.match(`[*?]`, a)
	some name in s3_actions
	glob.match(lower(a), null, name)
}
