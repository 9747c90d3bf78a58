package main

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

// Resource type tokens this fake implements.
const (
	typeVpcEndpoint  = "aws:ec2/vpcEndpoint:VpcEndpoint"
	typeBucketPolicy = "aws:s3/bucketPolicy:BucketPolicy"
	typeRolePolicy   = "aws:iam/rolePolicy:RolePolicy"
	typeKMSGrant     = "aws:kms/grant:Grant"
)

// forceNew lists, per type, the inputs whose change makes pulumi-aws v6.83.4 replace the resource
// instead of updating it. pulumi-aws is bridged from terraform-provider-aws (v6.x of pulumi-aws
// bridges 5.x upstream) and its replacements are upstream's ForceNew schema attributes, renamed to
// camelCase. Sources:
//
//   - aws_vpc_endpoint, internal/service/ec2/vpc_endpoint.go: vpc_id (Required, ForceNew),
//     service_name (ForceNew), vpc_endpoint_type (ForceNew, Default "Gateway"),
//     resource_configuration_arn and service_network_arn (ForceNew, added in 5.8x; both are in the
//     v6.83.4 Go SDK), service_region (ForceNew; PR hashicorp/terraform-provider-aws#40583: "Changes
//     to this argument force the creation of a new resource"; in the v6.83.4 Go SDK).
//     Not ForceNew in 5.x: route_table_ids, policy, tags, private_dns_enabled (upstream made that
//     one ForceNew for non-Interface endpoints only in 6.x, PRs #45679/#46800, which pulumi-aws v6
//     never picked up), dns_options.* (the ForceNew private_dns_preference/_specified_domains
//     arrived in 6.x too; the v6.83.4 SDK lacks them).
//   - aws_s3_bucket_policy, internal/service/s3/bucket_policy.go: bucket (Required, ForceNew);
//     policy is updated in place.
//   - aws_iam_role_policy, internal/service/iam/role_policy.go: name (Optional, Computed,
//     ForceNew), name_prefix (ForceNew), role (Required, ForceNew); policy is updated in place.
//   - aws_kms_grant, internal/service/kms/grant.go: every argument is ForceNew (constraints and
//     both of its maps, grant_creation_tokens, grantee_principal, key_id, name, operations,
//     retire_on_delete, retiring_principal) and the resource has no Update function: a grant is
//     only ever created, read and revoked (or retired). Read in hashicorp/terraform-provider-aws
//     main; the grant resource has had this schema since long before v5 (the pulumi fork's copy of
//     the file is not in the index here).
//
// Checked in the pulumi/terraform-provider-aws fork at tag v5.5.0 (vpc_id, service_name,
// vpc_endpoint_type; bucket; name, name_prefix, role) and in hashicorp/terraform-provider-aws's
// current main for the endpoint attributes added since (resource_configuration_arn,
// service_network_arn, service_region: ForceNew there, and present in the v6.83.4 Go SDK).
// The exact upstream tag behind v6.83.4 could not be read here; the attributes above are ForceNew
// both before and after it.
var forceNew = map[string][]string{
	typeVpcEndpoint:  {"vpcId", "serviceName", "vpcEndpointType", "resourceConfigurationArn", "serviceNetworkArn", "serviceRegion"},
	typeBucketPolicy: {"bucket"},
	typeRolePolicy:   {"name", "namePrefix", "role"},
	typeKMSGrant: {"constraints", "grantCreationTokens", "granteePrincipal", "keyId", "name", "operations",
		"retireOnDelete", "retiringPrincipal"},
}

// optionalComputed lists, per type, the inputs upstream declares Optional and Computed: leaving
// one out of the inputs keeps what AWS has (Terraform plans the prior value), so its absence is no
// change. Removing an endpoint's policy from the program therefore does not reset it to full
// access, and removing routeTableIds does not disassociate them. Same sources as forceNew.
var optionalComputed = map[string][]string{
	typeVpcEndpoint: {"policy", "routeTableIds", "securityGroupIds", "subnetIds", "subnetConfigurations", "ipAddressType", "dnsOptions", "serviceRegion"},
	typeRolePolicy:  {"name", "namePrefix"},
}

// required lists the inputs each type must be given (upstream Required attributes), checked in
// Check with the bridge's wording.
var required = map[string][]string{
	typeVpcEndpoint:  {"vpcId"},
	typeBucketPolicy: {"bucket", "policy"},
	typeRolePolicy:   {"role", "policy"},
	typeKMSGrant:     {"granteePrincipal", "keyId", "operations"},
}

// defaults are the inputs with an upstream Default, which the bridge fills in at Check when the
// program leaves them out (so that leaving one out and setting its default are the same).
var defaults = map[string]map[string]any{
	typeKMSGrant: {"retireOnDelete": false},
}

// extraChecks are per-type checks of the inputs that upstream's schema validation makes at plan
// time (reported by the bridge as Check failures).
var extraChecks = map[string]func(news resource.PropertyMap) map[string][]string{
	typeKMSGrant: func(news resource.PropertyMap) map[string][]string {
		if reasons := checkGrant(news); len(reasons) > 0 {
			return map[string][]string{"operations": reasons}
		}
		return nil
	},
}
