// Package crossaccount is the Pulumi component that connects consumers' VPCs to a bucket in
// another account: an S3 gateway endpoint per consumer VPC, on its route tables, and one bucket
// policy that lets each consumer's roles in only through VPC endpoints. Each account gets its own
// explicit, account-pinned provider.
package crossaccount

import (
	"errors"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/policydoc"
	"cross-account-s3/preflight"
	"cross-account-s3/spec"
)

// Type tokens. They are part of every child's URN: changing one replaces live resources unless
// the old token is given as an alias.
const (
	TypeSharedBucketAccess = "cross-account-s3:index:SharedBucketAccess"
	TypeBucketOwnerAccount = "cross-account-s3:index:BucketOwnerAccount"
	TypeConsumerAccount    = "cross-account-s3:index:ConsumerAccount"
)

// Args are the component's typed inputs.
type Args struct {
	Spec spec.Spec
	// Describe rewrites the spec's field paths (consumers[0].vpcId) in warnings and errors into
	// what the user wrote (vpcId); nil leaves the paths.
	Describe func(text string) string
	// Preflight says whether and how the live accounts are read before anything is written, and
	// how the bucket policy and the endpoints are protected (package preflight). Its zero value
	// reads them; Project and Stack default to the running stack's.
	Preflight preflight.Options
}

// SharedBucketAccess is the whole construct; its children read as one tree per account.
type SharedBucketAccess struct {
	pulumi.ResourceState

	BucketArn    pulumi.StringOutput
	BucketPolicy pulumi.StringOutput
	// Accounts are keyed by consumer account ID, Consumers by consumer name.
	Accounts  map[string]*ConsumerAccount
	Consumers map[string]ConsumerOutputs
}

// ConsumerOutputs is what one consumer's users need to know.
type ConsumerOutputs struct {
	EndpointID     pulumi.StringOutput
	PrefixListID   pulumi.StringOutput
	EndpointPolicy pulumi.StringOutput
	RouteTableIDs  pulumi.StringArrayOutput
	RoleArns       pulumi.StringArrayOutput
	TestCommand    string
}

// Check runs every validation the component relies on, without Pulumi.
func Check(s spec.Spec) error {
	if ps := s.Validate(); len(ps) > 0 {
		return ps
	}
	return policydoc.Check(s).Err()
}

// NewSharedBucketAccess validates the spec and, only when it is valid, registers the component,
// its providers and resources. Invalid input registers nothing.
func NewSharedBucketAccess(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*SharedBucketAccess, error) {
	s := args.Spec
	describe := args.Describe
	if describe == nil {
		describe = func(text string) string { return text }
	}
	if err := Check(s); err != nil {
		return nil, describeError(err, describe)
	}
	pf := args.Preflight
	if pf.Project == "" {
		pf.Project = ctx.Project()
	}
	if pf.Stack == "" {
		pf.Stack = ctx.Stack()
	}
	lifecycle := preflight.PlanLifecycle(s, pf)
	if len(lifecycle.Problems) > 0 {
		return nil, describeError(lifecycle.Problems, describe)
	}
	comp := &SharedBucketAccess{Accounts: map[string]*ConsumerAccount{}, Consumers: map[string]ConsumerOutputs{}}
	if err := ctx.RegisterComponentResource(TypeSharedBucketAccess, name, comp, opts...); err != nil {
		return nil, err
	}
	for _, w := range Warnings(s) {
		_ = ctx.Log.Warn(describe(w), &pulumi.LogArgs{Resource: comp})
	}

	// The deployment is decided once; everything below walks it. The owner's side comes first so
	// that a bucket key that does not fit is refused before any consumer resource is registered.
	l := s.Layout()
	owner, err := newBucketOwnerAccount(ctx, s, l.Owner, pulumi.Parent(comp))
	if err != nil {
		return nil, describeError(err, describe)
	}
	for _, account := range l.Accounts {
		consumerAccount, err := newConsumerAccount(ctx, s, account, pulumi.Parent(comp))
		if err != nil {
			return nil, describeError(err, describe)
		}
		comp.Accounts[account.ID] = consumerAccount
	}

	// Every provider is registered (which writes nothing); nothing else is yet. Preflight reads
	// the live accounts through them and stops the deployment before anything is written.
	report := runPreflight(ctx, s, pf, owner, comp.Accounts)
	for _, w := range append(report.Warnings, lifecycle.Warnings...) {
		_ = ctx.Log.Warn(describe(w), &pulumi.LogArgs{Resource: comp})
	}
	if len(report.Problems) > 0 {
		return nil, preflight.Err(describeProblems(report.Problems, describe))
	}
	for _, account := range l.Accounts {
		if err := comp.Accounts[account.ID].declare(ctx, s, account, lifecycle, pf); err != nil {
			return nil, describeError(err, describe)
		}
	}
	endpointIDs := map[string]pulumi.StringOutput{}
	for _, c := range s.Consumers {
		endpoint := comp.Accounts[c.Account.ID].Endpoints[c.VpcID]
		endpointIDs[c.Name] = endpoint.ID
		comp.Consumers[c.Name] = ConsumerOutputs{
			EndpointID:     endpoint.ID,
			PrefixListID:   endpoint.PrefixListID,
			EndpointPolicy: endpoint.Policy,
			RouteTableIDs:  pulumi.ToStringArray(c.RouteTableIDs).ToStringArrayOutput(),
			RoleArns:       pulumi.ToStringArray(c.RoleARNs).ToStringArrayOutput(),
			TestCommand:    TestCommand(s, c),
		}
	}

	if err := owner.declare(ctx, l, endpointIDs, lifecycle); err != nil {
		return nil, err
	}
	comp.BucketArn = pulumi.String(spec.BucketARN(s.Bucket.Account.Region, s.Bucket.Name)).ToStringOutput()
	comp.BucketPolicy = owner.Policy
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{"bucketArn": comp.BucketArn, "bucketPolicy": comp.BucketPolicy})
}

// runPreflight reads the live accounts (preflight.Gather) through the stack's own providers and
// judges what it read (preflight.Check); with preflight off it reads nothing and only warns.
func runPreflight(ctx *pulumi.Context, s spec.Spec, opts preflight.Options, owner *BucketOwnerAccount, accounts map[string]*ConsumerAccount) preflight.Report {
	if opts.Disabled {
		return preflight.Check(s, opts, preflight.Facts{})
	}
	providers := map[string]*aws.Provider{preflight.BucketOwnerProvider: owner.Provider}
	for _, a := range accounts {
		for name, p := range a.Providers {
			providers[name] = p
		}
	}
	invoke := func(l preflight.Lookup) (map[string]any, error) {
		var out map[string]any
		err := ctx.Invoke(string(l.Call), l.Args, &out, pulumi.Provider(providers[l.Provider]))
		return out, err
	}
	return preflight.Check(s, opts, preflight.Gather(s, opts, invoke))
}

// describeError rewrites the field paths of an error: problem by problem for spec.Problems.
func describeError(err error, describe func(string) string) error {
	var ps spec.Problems
	if errors.As(err, &ps) {
		return describeProblems(ps, describe)
	}
	return errors.New(describe(err.Error()))
}

func describeProblems(ps spec.Problems, describe func(string) string) spec.Problems {
	out := make(spec.Problems, len(ps))
	for i, p := range ps {
		out[i] = spec.Problem{Key: describe(p.Key), Message: describe(p.Message)}
	}
	return out
}

// Warnings are what a preview shows about choices that are valid but probably not what the user
// meant.
func Warnings(s spec.Spec) []string {
	var out []string
	for _, c := range s.Consumers {
		if c.Access.Grants(spec.PutObjectACL) {
			out = append(out, c.Key("actions")+" grants s3:PutObjectAcl: on buckets with Object Ownership "+
				"BucketOwnerEnforced (the default for new buckets) ACLs are disabled and this grants nothing; "+
				"where ACLs are still honoured, uploads must now carry the header x-amz-acl: bucket-owner-full-control.")
		}
	}
	return append(out, policydoc.Warnings(s)...)
}
