package crossaccount

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/policydoc"
	"cross-account-s3/preflight"
	"cross-account-s3/spec"
)

// ConsumerAccount holds one consumer account's side: its provider(s), the S3 gateway endpoint of
// each of its VPCs (created or adopted) and, when opted in, the inline policies on its roles.
type ConsumerAccount struct {
	pulumi.ResourceState

	// Providers and Endpoints are keyed by provider name and VPC ID.
	Providers map[string]*aws.Provider
	Endpoints map[string]*Endpoint
	at        placement
}

// Endpoint is what the bucket side and the outputs need of a gateway endpoint.
type Endpoint struct {
	ID           pulumi.StringOutput
	PrefixListID pulumi.StringOutput
	Policy       pulumi.StringOutput
}

func newConsumerAccount(ctx *pulumi.Context, s spec.Spec, account spec.ConsumerAccount, at placement, opts ...pulumi.ResourceOption) (*ConsumerAccount, error) {
	comp := &ConsumerAccount{Providers: map[string]*aws.Provider{}, Endpoints: map[string]*Endpoint{}}
	comp.at = at.in(comp)
	if at.component {
		if err := ctx.RegisterComponentResource(TypeConsumerAccount, account.Component, comp, opts...); err != nil {
			return nil, err
		}
	}
	for _, p := range account.Providers {
		provider, err := newProvider(ctx, p.Name, p.Account, s.Tags, comp.at.children()...)
		if err != nil {
			return nil, err
		}
		comp.Providers[p.Name] = provider
	}
	return comp, nil
}

// declare registers the account's endpoints and role policies, once preflight has passed.
func (comp *ConsumerAccount) declare(ctx *pulumi.Context, s spec.Spec, account spec.ConsumerAccount, lifecycle preflight.Lifecycle, opts preflight.Options) error {
	for _, g := range account.Endpoints {
		in := comp.on(g.Provider)
		var endpoint *Endpoint
		var err error
		if g.AdoptID != "" {
			endpoint, err = adoptEndpoint(ctx, g, in)
		} else {
			endpoint, err = createEndpoint(ctx, s, g, in, opts, pulumi.Protect(lifecycle.ProtectEndpoints))
		}
		if err != nil {
			return err
		}
		comp.Endpoints[g.VpcID] = endpoint
	}
	for _, rp := range account.RolePolicies {
		if err := newRolePolicy(ctx, s, rp, comp.on(rp.Provider)); err != nil {
			return err
		}
	}
	if !comp.at.component {
		return nil
	}
	outputs := pulumi.Map{}
	for vpc, e := range comp.Endpoints {
		outputs[vpc+"EndpointId"] = e.ID
	}
	return ctx.RegisterResourceOutputs(comp, outputs)
}

// on places resources and lookups in this account: on the named provider, under this component
// (or at the stack's root in a consumer stack).
func (comp *ConsumerAccount) on(provider string) placement {
	return comp.at.on(comp.Providers[provider])
}

// createEndpoint declares the gateway endpoint with its route tables inline. Route tables are never
// also managed with VpcEndpointRouteTableAssociation: the two fight over the associations.
// Its tag StackTagKey tells preflight, in later previews, that the endpoint is this stack's own.
func createEndpoint(ctx *pulumi.Context, s spec.Spec, g spec.EndpointGroup, in placement, opts preflight.Options, extra ...pulumi.ResourceOption) (*Endpoint, error) {
	policy := policydoc.EndpointPolicy(s, g).JSON()
	endpoint, err := ec2.NewVpcEndpoint(ctx, g.Name, &ec2.VpcEndpointArgs{
		VpcId:           pulumi.String(g.VpcID),
		ServiceName:     pulumi.String(spec.ServiceName(g.Region)),
		VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds:   pulumi.ToStringArray(g.RouteTableIDs),
		Policy:          pulumi.String(policy),
		Tags: pulumi.StringMap{
			"Name":                pulumi.String(preflight.LegacyNameTag(s.Bucket.Name)),
			preflight.StackTagKey: pulumi.String(preflight.StackTagValue(opts.Project, opts.Stack)),
		},
	}, append(in.resource(), extra...)...)
	if err != nil {
		return nil, err
	}
	return &Endpoint{ID: endpoint.ID().ToStringOutput(), PrefixListID: endpoint.PrefixListId, Policy: pulumi.String(policy).ToStringOutput()}, nil
}

// adoptEndpoint reads an existing endpoint and proves it can carry the traffic: an S3 gateway
// endpoint of the bucket's Region, in the configured VPC, on every configured route table. The
// endpoint itself, its route tables and its policy are left as they are.
func adoptEndpoint(ctx *pulumi.Context, g spec.EndpointGroup, in placement) (*Endpoint, error) {
	c := g.Consumers[0]
	id := g.AdoptID
	found, err := ec2.LookupVpcEndpoint(ctx, &ec2.LookupVpcEndpointArgs{Id: &id}, in.invoke()...)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read endpoint %s in account %s: %w", c.Key("adoptEndpointId"), id, g.AccountID, err)
	}
	if err := CheckAdopted(g, found.VpcEndpointType, found.ServiceName, found.VpcId, found.RouteTableIds); err != nil {
		return nil, err
	}
	return &Endpoint{
		ID:           pulumi.String(found.Id).ToStringOutput(),
		PrefixListID: pulumi.String(found.PrefixListId).ToStringOutput(),
		Policy:       pulumi.String(found.Policy).ToStringOutput(),
	}, nil
}

// CheckAdopted reports why an existing endpoint cannot serve its consumers, or nil.
func CheckAdopted(g spec.EndpointGroup, endpointType, serviceName, vpcID string, routeTables []string) error {
	c := g.Consumers[0]
	key, id := c.Key("adoptEndpointId"), g.AdoptID
	var ps spec.Problems
	if endpointType != "Gateway" {
		ps = append(ps, spec.Problem{Key: key, Message: fmt.Sprintf("%s is a %s endpoint; adopt an S3 endpoint of type Gateway", id, endpointType)})
	}
	if want := spec.ServiceName(g.Region); serviceName != want {
		ps = append(ps, spec.Problem{Key: key, Message: fmt.Sprintf("%s serves %s, not %s; adopt the S3 gateway endpoint of the bucket's Region", id, serviceName, want)})
	}
	if vpcID != g.VpcID {
		ps = append(ps, spec.Problem{Key: key, Message: fmt.Sprintf("%s is in %s, not in vpcId %s", id, vpcID, g.VpcID)})
	}
	associated := map[string]bool{}
	for _, rt := range routeTables {
		associated[rt] = true
	}
	for _, rt := range g.RouteTableIDs {
		if !associated[rt] {
			ps = append(ps, spec.Problem{Key: c.Key("routeTableIds"), Message: fmt.Sprintf(
				"%s is not associated with the adopted endpoint %s; associate it where that endpoint is managed, or remove it here", rt, id)})
		}
	}
	return ps.Err()
}

// newRolePolicy puts this stack's inline policy on one role. Its logical name follows the role;
// the alias keeps the policy of a stack deployed when the name followed the consumer.
func newRolePolicy(ctx *pulumi.Context, s spec.Spec, rp spec.RolePolicy, in placement) error {
	aliases := pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(rp.Alias)}})
	_, err := iam.NewRolePolicy(ctx, rp.Name, &iam.RolePolicyArgs{
		Name:   pulumi.String(rp.PolicyName),
		Role:   pulumi.String(rp.Role),
		Policy: pulumi.String(policydoc.RolePolicy(s, rp.Consumer).JSON()),
	}, append(in.resource(), aliases)...)
	return err
}
