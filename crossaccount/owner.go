package crossaccount

import (
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/policydoc"
	"cross-account-s3/spec"
)

// BucketOwnerAccount holds the bucket owner's side: its provider and the bucket policy.
type BucketOwnerAccount struct {
	pulumi.ResourceState

	Provider *aws.Provider
	Policy   pulumi.StringOutput
}

func newBucketOwnerAccount(ctx *pulumi.Context, s spec.Spec, names spec.Owner, endpointIDs map[string]pulumi.StringOutput, opts ...pulumi.ResourceOption) (*BucketOwnerAccount, error) {
	comp := &BucketOwnerAccount{}
	if err := ctx.RegisterComponentResource(TypeBucketOwnerAccount, names.Component, comp, opts...); err != nil {
		return nil, err
	}
	provider, err := newProvider(ctx, names.Provider, s.Bucket.Account, s.Tags, pulumi.Parent(comp))
	if err != nil {
		return nil, err
	}
	comp.Provider = provider
	comp.Policy = bucketPolicyJSON(s, endpointIDs)
	// A bucket has exactly one policy: this resource replaces whatever policy it had.
	if _, err := s3.NewBucketPolicy(ctx, names.BucketPolicy, &s3.BucketPolicyArgs{
		Bucket: pulumi.String(s.Bucket.Name),
		Policy: comp.Policy,
	}, pulumi.Provider(provider), pulumi.Parent(comp)); err != nil {
		return nil, err
	}
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{"bucketPolicy": comp.Policy})
}

// bucketPolicyJSON renders the policy once every endpoint ID is known. Taking the IDs from the
// endpoints' outputs is what makes the engine create the endpoints before the bucket policy.
func bucketPolicyJSON(s spec.Spec, endpointIDs map[string]pulumi.StringOutput) pulumi.StringOutput {
	names := make([]string, 0, len(endpointIDs))
	for name := range endpointIDs {
		names = append(names, name)
	}
	sort.Strings(names)
	ids := make([]any, len(names))
	for i, name := range names {
		ids[i] = endpointIDs[name]
	}
	return pulumi.All(ids...).ApplyT(func(resolved []any) string {
		byName := policydoc.EndpointIDs{}
		for i, name := range names {
			byName[name] = resolved[i].(string)
		}
		return policydoc.BucketPolicy(s, byName).JSON()
	}).(pulumi.StringOutput)
}
