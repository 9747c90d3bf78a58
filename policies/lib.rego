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

# Principal "*" or {"AWS": "*"} (alone or in a list).
everyone(principal) if principal == "*"

everyone(principal) if {
	is_object(principal)
	some p in as_array(object.get(principal, "AWS", []))
	p == "*"
}

aws_principals(st) := [p | some p in as_array(object.get(object.get(st, "Principal", {}), "AWS", []))] if {
	is_object(object.get(st, "Principal", ""))
}

aws_principals(st) := [] if not is_object(object.get(st, "Principal", ""))

# The account of an IAM principal: an ARN or a bare 12-digit account ID.
principal_account(p) := acct if {
	parts := regex.find_all_string_submatch_n(`^arn:[a-z-]+:(?:iam|sts)::(\d{12}):`, p, 1)
	count(parts) == 1
	acct := parts[0][1]
}

principal_account(p) := p if regex.match(`^\d{12}$`, p)

# True when a statement's Condition tests aws:SourceVpce or aws:SourceVpc, under any operator.
vpc_condition(st) if {
	some _, keys in object.get(st, "Condition", {})
	some key, _ in keys
	lower(key) in {"aws:sourcevpce", "aws:sourcevpc"}
}

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

# True when some StringEquals/StringLike condition names plain vpce- IDs under aws:SourceVpce or
# plain vpc- IDs under aws:SourceVpc (condition keys are case-insensitive).
pinned_to_endpoints(st) if {
	some op, keys in object.get(st, "Condition", {})
	op in {"StringEquals", "StringLike"}
	some key, raw in keys
	pattern := endpoint_id_patterns[lower(key)]
	vals := as_array(raw)
	count(vals) > 0
	every v in vals {
		is_string(v)
		regex.match(pattern, v)
	}
}

endpoint_id_patterns := {"aws:sourcevpce": `^vpce-[0-9a-f]+$`, "aws:sourcevpc": `^vpc-[0-9a-f]+$`}

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
