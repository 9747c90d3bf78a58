package crossaccount

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/policydoc"
	"cross-account-s3/spec"
)

// ConsumerAccount holds one consumer's side: its provider, its S3 gateway endpoint (created or
// adopted) and, when opted in, the inline policies on its roles.
type ConsumerAccount struct {
	pulumi.ResourceState

	Provider       *aws.Provider
	EndpointID     pulumi.StringOutput
	PrefixListID   pulumi.StringOutput
	RouteTableIDs  pulumi.StringArrayOutput
	EndpointPolicy pulumi.StringOutput
	RoleArns       pulumi.StringArrayOutput
}

// endpointName is the logical name of a consumer's endpoint resource.
func endpointName(c spec.Consumer) string { return c.Name + "-s3-gateway" }

func newConsumerAccount(ctx *pulumi.Context, s spec.Spec, c spec.Consumer, opts ...pulumi.ResourceOption) (*ConsumerAccount, error) {
	comp := &ConsumerAccount{}
	if err := ctx.RegisterComponentResource(TypeConsumerAccount, c.Name, comp, opts...); err != nil {
		return nil, err
	}
	provider, err := newProvider(ctx, "consumer-"+c.Name, c.Account, s.Tags, pulumi.Parent(comp))
	if err != nil {
		return nil, err
	}
	comp.Provider = provider
	in := []pulumi.ResourceOption{pulumi.Provider(provider), pulumi.Parent(comp)}

	if c.Endpoint.AdoptID != "" {
		err = comp.adoptEndpoint(ctx, c, in)
	} else {
		err = comp.createEndpoint(ctx, s, c, in)
	}
	if err != nil {
		return nil, err
	}
	comp.RouteTableIDs = pulumi.ToStringArray(c.RouteTableIDs).ToStringArrayOutput()
	comp.RoleArns = pulumi.ToStringArray(c.RoleARNs).ToStringArrayOutput()

	if c.ManageRolePolicy {
		if err := newRolePolicies(ctx, s, c, in); err != nil {
			return nil, err
		}
	}
	return comp, ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"endpointId":     comp.EndpointID,
		"prefixListId":   comp.PrefixListID,
		"routeTableIds":  comp.RouteTableIDs,
		"endpointPolicy": comp.EndpointPolicy,
		"roleArns":       comp.RoleArns,
	})
}

// createEndpoint declares the gateway endpoint with its route tables inline. Route tables are never
// also managed with VpcEndpointRouteTableAssociation: the two fight over the associations.
func (comp *ConsumerAccount) createEndpoint(ctx *pulumi.Context, s spec.Spec, c spec.Consumer, opts []pulumi.ResourceOption) error {
	policy := policydoc.EndpointPolicy(s, c).JSON()
	endpoint, err := ec2.NewVpcEndpoint(ctx, endpointName(c), &ec2.VpcEndpointArgs{
		VpcId:           pulumi.String(c.VpcID),
		ServiceName:     pulumi.String(spec.ServiceName(c.Account.Region)),
		VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds:   pulumi.ToStringArray(c.RouteTableIDs),
		Policy:          pulumi.String(policy),
		Tags:            pulumi.StringMap{"Name": pulumi.String("s3-gateway-" + c.Name)},
	}, opts...)
	if err != nil {
		return err
	}
	comp.EndpointID = endpoint.ID().ToStringOutput()
	comp.PrefixListID = endpoint.PrefixListId
	comp.EndpointPolicy = pulumi.String(policy).ToStringOutput()
	return nil
}

// adoptEndpoint reads an existing endpoint and proves it can carry the traffic: an S3 gateway
// endpoint of the bucket's Region, in the configured VPC, on every configured route table. The
// endpoint itself, its route tables and its policy are left as they are.
func (comp *ConsumerAccount) adoptEndpoint(ctx *pulumi.Context, c spec.Consumer, opts []pulumi.ResourceOption) error {
	id := c.Endpoint.AdoptID
	invokeOpts := make([]pulumi.InvokeOption, 0, len(opts))
	for _, o := range opts {
		invokeOpts = append(invokeOpts, o.(pulumi.ResourceOrInvokeOption))
	}
	found, err := ec2.LookupVpcEndpoint(ctx, &ec2.LookupVpcEndpointArgs{Id: &id}, invokeOpts...)
	if err != nil {
		return fmt.Errorf("%s: cannot read endpoint %s in account %s: %w", c.Key("adoptEndpointId"), id, c.Account.ID, err)
	}
	if err := CheckAdopted(c, found.VpcEndpointType, found.ServiceName, found.VpcId, found.RouteTableIds); err != nil {
		return err
	}
	comp.EndpointID = pulumi.String(found.Id).ToStringOutput()
	comp.PrefixListID = pulumi.String(found.PrefixListId).ToStringOutput()
	comp.EndpointPolicy = pulumi.String(found.Policy).ToStringOutput()
	return nil
}

// CheckAdopted reports why an existing endpoint cannot serve the consumer, or nil.
func CheckAdopted(c spec.Consumer, endpointType, serviceName, vpcID string, routeTables []string) error {
	key, id := c.Key("adoptEndpointId"), c.Endpoint.AdoptID
	var ps spec.Problems
	if endpointType != "Gateway" {
		ps = append(ps, spec.Problem{Key: key, Message: fmt.Sprintf("%s is a %s endpoint; adopt an S3 endpoint of type Gateway", id, endpointType)})
	}
	if want := spec.ServiceName(c.Account.Region); serviceName != want {
		ps = append(ps, spec.Problem{Key: key, Message: fmt.Sprintf("%s serves %s, not %s; adopt the S3 gateway endpoint of the bucket's Region", id, serviceName, want)})
	}
	if vpcID != c.VpcID {
		ps = append(ps, spec.Problem{Key: key, Message: fmt.Sprintf("%s is in %s, not in vpcId %s", id, vpcID, c.VpcID)})
	}
	associated := map[string]bool{}
	for _, rt := range routeTables {
		associated[rt] = true
	}
	for _, rt := range c.RouteTableIDs {
		if !associated[rt] {
			ps = append(ps, spec.Problem{Key: c.Key("routeTableIds"), Message: fmt.Sprintf(
				"%s is not associated with the adopted endpoint %s; associate it where that endpoint is managed, or remove it here", rt, id)})
		}
	}
	return ps.Err()
}

func newRolePolicies(ctx *pulumi.Context, s spec.Spec, c spec.Consumer, opts []pulumi.ResourceOption) error {
	policy := policydoc.RolePolicy(s, c).JSON()
	for _, arn := range c.RoleARNs {
		role := spec.RoleName(arn)
		_, err := iam.NewRolePolicy(ctx, c.Name+"-"+role, &iam.RolePolicyArgs{
			Name:   pulumi.String(policydoc.RolePolicyName(s.Bucket.Name)),
			Role:   pulumi.String(role),
			Policy: pulumi.String(policy),
		}, opts...)
		if err != nil {
			return err
		}
	}
	return nil
}
