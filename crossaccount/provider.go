package crossaccount

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/spec"
)

// newProvider is the only way resources here get a provider: pinned to the account (the AWS
// provider refuses to act if the credentials resolve to any other account), with an explicit
// Region so that AWS_REGION in the user's shell cannot move it.
func newProvider(ctx *pulumi.Context, name string, a spec.Account, tags map[string]string, opts ...pulumi.ResourceOption) (*aws.Provider, error) {
	args := &aws.ProviderArgs{
		Region:            pulumi.String(a.Region),
		AllowedAccountIds: pulumi.StringArray{pulumi.String(a.ID)},
	}
	c := a.Credentials
	if c.Profile != "" {
		args.Profile = pulumi.String(c.Profile)
	}
	if c.AssumeRoleARN != "" {
		role := &aws.ProviderAssumeRoleArgs{RoleArn: pulumi.String(c.AssumeRoleARN)}
		if c.ExternalID != "" {
			role.ExternalId = pulumi.ToSecret(pulumi.String(c.ExternalID)).(pulumi.StringOutput)
		}
		if c.SessionName != "" {
			role.SessionName = pulumi.String(c.SessionName)
		}
		args.AssumeRole = role
	}
	if len(tags) > 0 {
		args.DefaultTags = &aws.ProviderDefaultTagsArgs{Tags: pulumi.ToStringMap(tags)}
	}
	return aws.NewProvider(ctx, name, args, opts...)
}
