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
	// Spec is valid: stackconfig.Load has validated it (with policydoc.Check), and for an owner
	// stack splitstacks.Decide its consumers and policydoc.Check the documents they make. The
	// component does not validate it again.
	Spec spec.Spec
	// RewritePaths rewrites the spec's field paths (consumers[0].vpcId) in warnings and errors
	// into the keys the user wrote (vpcId); nil leaves the paths.
	RewritePaths func(text string) string
	// Preflight says whether and how the live accounts are read before anything is written, and
	// how the bucket policy and the endpoints are protected (package preflight). Its zero value
	// reads them; Project and Stack default to the running stack's.
	Preflight preflight.Options
	// EndpointIDs are, for NewOwnerSide, the ID of each consumer's endpoint by consumer name, as
	// the consumer stacks exported them.
	EndpointIDs map[string]string
	// TakeOverMoved gives, in the single-stack form, every provider and resource an alias to the
	// same type and name at the stack's root: where `pulumi state move` puts the resources of
	// split stacks moved into this one, which the component then takes over instead of creating
	// them again. Off, a program with another root resource of the same type and name is safe.
	TakeOverMoved bool
}

// SharedBucketAccess is the whole construct; its children read as one tree per account.
type SharedBucketAccess struct {
	pulumi.ResourceState
	Deployed
}

// Deployed is what a stack deployed, whichever side it holds.
type Deployed struct {
	// BucketArn is the shared bucket's ARN.
	BucketArn pulumi.StringOutput
	// BucketPolicy is the bucket's policy document; unset in a consumer stack.
	BucketPolicy pulumi.StringOutput
	// Accounts are keyed by consumer account ID, Consumers by consumer name; both are empty in an
	// owner stack.
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

// NewSharedBucketAccess registers the component, its providers and resources (side: both).
func NewSharedBucketAccess(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*SharedBucketAccess, error) {
	args.Preflight.Side = spec.SideBoth
	d := newDeployment(ctx, args)
	comp := &SharedBucketAccess{}
	if err := ctx.RegisterComponentResource(TypeSharedBucketAccess, name, comp, opts...); err != nil {
		return nil, err
	}
	d.root = comp
	var err error
	if comp.Deployed, err = d.deploy(ctx); err != nil {
		return nil, err
	}
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{"bucketArn": comp.BucketArn, "bucketPolicy": comp.BucketPolicy})
}

// NewConsumerSide registers a consumer stack's side (side: consumer): each consumer account's
// provider(s), endpoints and role policies, at the root of the stack with the same types and
// logical names as under the components of the single-stack form. No bucket owner resource.
func NewConsumerSide(ctx *pulumi.Context, args Args) (Deployed, error) {
	args.Preflight.Side = spec.SideConsumer
	return newDeployment(ctx, args).deploy(ctx)
}

// NewOwnerSide registers an owner stack's side (side: owner): the bucket owner's provider, the
// bucket policy and the key grants, at the root of the stack, for consumers whose endpoints
// exist already (Args.EndpointIDs). No consumer account resource.
func NewOwnerSide(ctx *pulumi.Context, args Args) (Deployed, error) {
	args.Preflight.Side = spec.SideOwner
	return newDeployment(ctx, args).deploy(ctx)
}

// deployment is one validated spec on its way into the engine.
type deployment struct {
	s            spec.Spec
	rewritePaths func(string) string
	pf           preflight.Options
	lifecycle    preflight.Lifecycle
	// endpointIDs are the known endpoint IDs of an owner stack.
	endpointIDs map[string]string
	// root is the single-stack form's component; nil puts everything at the stack's root.
	root pulumi.Resource
	// takeOverMoved is Args.TakeOverMoved.
	takeOverMoved bool
}

// newDeployment completes the settings and decides the lifecycle.
func newDeployment(ctx *pulumi.Context, args Args) *deployment {
	d := &deployment{s: args.Spec, rewritePaths: args.RewritePaths, pf: args.Preflight, endpointIDs: args.EndpointIDs, takeOverMoved: args.TakeOverMoved}
	if d.rewritePaths == nil {
		d.rewritePaths = func(text string) string { return text }
	}
	if d.pf.Project == "" {
		d.pf.Project = ctx.Project()
	}
	if d.pf.Stack == "" {
		d.pf.Stack = ctx.Stack()
	}
	d.pf.EndpointIDs = args.EndpointIDs
	d.lifecycle = preflight.DecideLifecycle(d.s, d.pf)
	return d
}

func (d *deployment) side() spec.Side { return d.pf.Side }

// placement says where the account components place their children.
func (d *deployment) placement() placement {
	return placement{component: d.root != nil, takeOverMoved: d.root != nil && d.takeOverMoved}
}

// placement is where an account's resources and lookups go: under the account's component (the
// single-stack form) or at the stack's root (split stacks), on one of the account's providers.
// Under the component, takeOverMoved adds the alias of the same resource at the root
// (Args.TakeOverMoved). Pulumi's options for resources and lookups are distinct types, so each is
// built from the same provider and parent rather than converted.
type placement struct {
	component, takeOverMoved bool
	parent                   pulumi.Resource
	provider                 *aws.Provider
}

// in is the placement of the children of comp, an account's component.
func (p placement) in(comp pulumi.Resource) placement {
	p.parent = comp
	return p
}

// on is the placement on a provider.
func (p placement) on(provider *aws.Provider) placement {
	p.provider = provider
	return p
}

// children places a resource under the component when it is registered, else at the root.
func (p placement) children() []pulumi.ResourceOption {
	if !p.component {
		return nil
	}
	opts := []pulumi.ResourceOption{pulumi.Parent(p.parent)}
	if p.takeOverMoved {
		opts = append(opts, pulumi.Aliases([]pulumi.Alias{{NoParent: pulumi.Bool(true)}}))
	}
	return opts
}

func (p placement) resource() []pulumi.ResourceOption {
	return append(p.children(), pulumi.Provider(p.provider))
}

func (p placement) invoke() []pulumi.InvokeOption {
	if !p.component {
		return []pulumi.InvokeOption{pulumi.Provider(p.provider)}
	}
	return []pulumi.InvokeOption{pulumi.Provider(p.provider), pulumi.Parent(p.parent)}
}

// under places a child of the single-stack form's component, or at the root.
func (d *deployment) under() []pulumi.ResourceOption {
	if d.root == nil {
		return nil
	}
	return []pulumi.ResourceOption{pulumi.Parent(d.root)}
}

// deploy registers the side's providers, runs preflight through them, then registers the rest.
func (d *deployment) deploy(ctx *pulumi.Context) (Deployed, error) {
	s, rewrite := d.s, d.rewritePaths
	out := Deployed{Accounts: map[string]*ConsumerAccount{}, Consumers: map[string]ConsumerOutputs{}}
	log := func(text string) { _ = ctx.Log.Warn(rewrite(text), &pulumi.LogArgs{Resource: d.root}) }
	for _, w := range Warnings(s, d.side()) {
		log(w)
	}

	// The deployment is decided once; everything below walks it. The owner's side comes first so
	// that a bucket key that does not fit is refused before any consumer resource is registered.
	l := s.Layout()
	var owner *BucketOwnerAccount
	if d.side().HasOwner() {
		var err error
		if owner, err = newBucketOwnerAccount(ctx, s, l.Owner, d.placement(), d.under()...); err != nil {
			return out, rewriteError(err, rewrite)
		}
	}
	if d.side().HasConsumers() {
		for _, account := range l.Accounts {
			consumerAccount, err := newConsumerAccount(ctx, s, account, d.placement(), d.under()...)
			if err != nil {
				return out, rewriteError(err, rewrite)
			}
			out.Accounts[account.ID] = consumerAccount
		}
	}

	// Every provider is registered (which writes nothing); nothing else is yet. Preflight reads
	// the live accounts through them and stops the deployment before anything is written.
	report := runPreflight(ctx, s, d.pf, owner, out.Accounts)
	for _, w := range append(report.Warnings, d.lifecycle.Warnings...) {
		log(w)
	}
	if len(report.Problems) > 0 {
		return out, preflight.Err(report.Problems.Rewrite(rewrite))
	}
	endpointIDs := map[string]pulumi.StringOutput{}
	if d.side().HasConsumers() {
		for _, account := range l.Accounts {
			if err := out.Accounts[account.ID].declare(ctx, s, account, d.lifecycle, d.pf); err != nil {
				return out, rewriteError(err, rewrite)
			}
		}
		for _, c := range s.Consumers {
			endpoint := out.Accounts[c.Account.ID].Endpoints[c.VpcID]
			endpointIDs[c.Name] = endpoint.ID
			out.Consumers[c.Name] = ConsumerOutputs{
				EndpointID:     endpoint.ID,
				PrefixListID:   endpoint.PrefixListID,
				EndpointPolicy: endpoint.Policy,
				RouteTableIDs:  pulumi.ToStringArray(c.RouteTableIDs).ToStringArrayOutput(),
				RoleArns:       pulumi.ToStringArray(c.RoleARNs).ToStringArrayOutput(),
				TestCommand:    TestCommand(s, c),
			}
		}
	} else {
		for name, id := range d.endpointIDs {
			endpointIDs[name] = pulumi.String(id).ToStringOutput()
		}
	}
	out.BucketArn = pulumi.String(spec.BucketARN(s.Bucket.Account.Region, s.Bucket.Name)).ToStringOutput()
	if owner != nil {
		if err := owner.declare(ctx, l, endpointIDs, d.lifecycle); err != nil {
			return out, err
		}
		out.BucketPolicy = owner.Policy
	}
	return out, nil
}

// runPreflight reads the live accounts (preflight.Gather) through the stack's own providers and
// judges what it read (preflight.Check); with preflight off it reads nothing and only warns.
func runPreflight(ctx *pulumi.Context, s spec.Spec, opts preflight.Options, owner *BucketOwnerAccount, accounts map[string]*ConsumerAccount) preflight.Report {
	if opts.Disabled {
		return preflight.Check(s, opts, preflight.Facts{})
	}
	providers := map[string]*aws.Provider{}
	if owner != nil {
		providers[preflight.BucketOwnerProvider] = owner.Provider
	}
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

// rewriteError rewrites the field paths of an error: problem by problem for spec.Problems.
func rewriteError(err error, rewrite func(string) string) error {
	var ps spec.Problems
	if errors.As(err, &ps) {
		return ps.Rewrite(rewrite)
	}
	return errors.New(rewrite(err.Error()))
}

// Warnings are what a preview of a stack of this side shows about choices that are valid but
// probably not what the user meant.
func Warnings(s spec.Spec, side spec.Side) []string {
	var out []string
	// An owner stack's consumers were warned about their actions in their own stacks.
	if side.HasConsumers() {
		out = policydoc.AccessWarnings(s)
	}
	if !side.HasOwner() {
		return append(out, policydoc.RoleKeyWarnings(s)...)
	}
	return append(out, policydoc.Warnings(s)...)
}
