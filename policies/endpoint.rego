package cross_account_s3

import rego.v1

# An S3 interface endpoint has no route tables and another price; this stack's design needs a
# gateway. An absent type is the AWS provider's default, Gateway.
deny_endpoint_not_gateway contains msg if {
	s3_endpoint(input)
	kind := object.get(input, "vpcEndpointType", "Gateway")
	kind != "Gateway"
	msg := sprintf("S3 endpoint %q is of type %s; use vpcEndpointType Gateway", [input.name, kind])
}

# A gateway endpoint without route tables carries no traffic: the subnets keep reaching S3 through
# the internet or NAT gateway, and the bucket policy then denies them.
deny_endpoint_without_route_tables contains msg if {
	s3_endpoint(input)
	object.get(input, "vpcEndpointType", "Gateway") == "Gateway"
	count(object.get(input, "routeTableIds", [])) == 0
	msg := sprintf("S3 gateway endpoint %q has no route tables; list the route tables of the workload subnets", [input.name])
}

# A gateway endpoint reaches only buckets of its own Region; the service and the provider must agree.
deny_endpoint_region_mismatch contains msg if {
	s3_endpoint(input)
	region := provider_prop(input.provider, "region")
	service_region := split(input.serviceName, ".")[2]
	service_region != region
	msg := sprintf("S3 endpoint %q serves %s but its provider is in %s; use com.amazonaws.%s.s3", [input.name, input.serviceName, region, region])
}

deny_endpoint_policy_too_large contains msg if {
	input.type == endpoint_type
	is_string(input.policy)
	count(input.policy) > max_endpoint_policy
	msg := sprintf("endpoint policy of %q is %d characters, over AWS's limit of %d; list fewer buckets", [input.name, count(input.policy), max_endpoint_policy])
}

# Advisory: with AWS's default policy the endpoint filters nothing; the bucket policy alone guards
# the bucket. Often the right choice, but it should be a choice.
warn_endpoint_full_access contains msg if {
	s3_endpoint(input)
	full_access(input)
	msg := sprintf("S3 endpoint %q has AWS's full-access policy: any principal may reach any bucket through it; set endpointPolicy: restricted to limit it to the shared bucket", [input.name])
}

full_access(res) if not res.policy

full_access(res) if {
	some st in statements(res)
	st.Effect == "Allow"
	everyone(st.Principal)
	"*" in actions(st)
	"*" in as_array(object.get(st, "Resource", []))
	not st.Condition
}
