package crossaccount

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/policydoc"
	"cross-account-s3/preflight"
	"cross-account-s3/spec"
)

// BucketOwnerAccount holds the bucket owner's side: its provider, the bucket policy and, for a
// bucket encrypted with a customer managed KMS key, one grant on that key per consumer role. In
// the single-stack form it is a component; in an owner stack it is not registered and its
// resources sit at the stack's root.
type BucketOwnerAccount struct {
	pulumi.ResourceState

	Provider *aws.Provider
	Policy   pulumi.StringOutput
	at       placement
}

func (comp *BucketOwnerAccount) children() []pulumi.ResourceOption {
	return comp.at.children()
}

// newBucketOwnerAccount registers the owner's component (in the single-stack form) and provider
// and, for a KMS bucket, looks the key up with that provider and checks it (spec.CheckKey) before
// anything else is registered: a key that is missing, disabled, AWS managed, asymmetric, or of
// another account or Region stops the stack with only the components (if any) and the provider
// registered, no AWS resource.
func newBucketOwnerAccount(ctx *pulumi.Context, s spec.Spec, names spec.Owner, at placement, opts ...pulumi.ResourceOption) (*BucketOwnerAccount, error) {
	comp := &BucketOwnerAccount{}
	comp.at = at.in(comp)
	if at.component {
		if err := ctx.RegisterComponentResource(TypeBucketOwnerAccount, names.Component, comp, opts...); err != nil {
			return nil, err
		}
	}
	provider, err := newProvider(ctx, names.Provider, s.Bucket.Account, s.Tags, comp.children()...)
	if err != nil {
		return nil, err
	}
	comp.Provider = provider
	if e := s.Bucket.Encryption; e.KMS() {
		lookup := []pulumi.InvokeOption{pulumi.Provider(provider)}
		if at.component {
			lookup = append(lookup, pulumi.Parent(comp))
		}
		key, err := kms.LookupKey(ctx, &kms.LookupKeyArgs{KeyId: e.KMSKeyARN}, lookup...)
		if err != nil {
			return nil, fmt.Errorf("%s: cannot read key %s in account %s with the bucket account's provider (it needs kms:DescribeKey on the key): %w",
				spec.PathBucketKMSKeyARN, e.KMSKeyARN, s.Bucket.Account.ID, err)
		}
		if ps := spec.CheckKey(s.Bucket, spec.KeyFacts{Arn: key.Arn, AwsAccountId: key.AwsAccountId, Enabled: key.Enabled,
			KeyManager: key.KeyManager, KeySpec: key.KeySpec, KeyState: key.KeyState, KeyUsage: key.KeyUsage}); len(ps) > 0 {
			return nil, ps
		}
	}
	return comp, nil
}

// declare registers the bucket policy and the key's grants, once every endpoint exists.
// With releaseBucketPolicy the policy holds only the kept statements (preflight.Lifecycle).
func (comp *BucketOwnerAccount) declare(ctx *pulumi.Context, l spec.Layout, endpointIDs map[string]pulumi.StringOutput, lifecycle preflight.Lifecycle) error {
	s := l.Spec
	comp.Policy = bucketPolicyJSON(s, endpointIDs)
	if lifecycle.KeptOnly {
		comp.Policy = pulumi.String(preflight.KeptPolicy(s).JSON()).ToStringOutput()
	}
	// A bucket has exactly one policy: this resource replaces whatever policy it had (preflight
	// has checked that it holds nothing this stack neither writes nor keeps).
	if _, err := s3.NewBucketPolicy(ctx, l.Owner.BucketPolicy, &s3.BucketPolicyArgs{
		Bucket: pulumi.String(s.Bucket.Name),
		Policy: comp.Policy,
	}, append(comp.children(), pulumi.Provider(comp.Provider),
		pulumi.Protect(lifecycle.ProtectBucketPolicy), pulumi.RetainOnDelete(lifecycle.RetainBucketPolicy))...); err != nil {
		return err
	}
	if err := newKeyGrants(ctx, l, comp); err != nil {
		return err
	}
	if !comp.at.component {
		return nil
	}
	return ctx.RegisterResourceOutputs(comp, pulumi.Map{"bucketPolicy": comp.Policy})
}

// newKeyGrants creates one KMS grant per role on the bucket's key, with the bucket account's
// provider (the key's account), for the operations the role's access needs and, with an S3 Bucket
// Key, only for this bucket's encryption context. Nothing else on the key is read or written: not
// its key policy, not other grants. The grants have no KMS name (spec.KeyGrant says why) and
// keep RetireOnDelete false, so a delete is a RevokeGrant by the key's account. They do not wait
// for the role policies or the endpoints: the roles already exist.
func newKeyGrants(ctx *pulumi.Context, l spec.Layout, comp *BucketOwnerAccount) error {
	for _, g := range l.KeyGrants {
		var constraints kms.GrantConstraintArray
		for _, c := range g.Constraints {
			constraints = append(constraints, kms.GrantConstraintArgs{EncryptionContextSubset: pulumi.ToStringMap(c.EncryptionContextSubset)})
		}
		if _, err := kms.NewGrant(ctx, g.Name, &kms.GrantArgs{
			KeyId:            pulumi.String(g.KeyID),
			GranteePrincipal: pulumi.String(g.RoleARN),
			Operations:       pulumi.ToStringArray(g.Operations),
			Constraints:      constraints,
		}, append(comp.children(), pulumi.Provider(comp.Provider))...); err != nil {
			return err
		}
	}
	return nil
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
