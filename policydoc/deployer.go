package policydoc

import (
	"sort"

	"cross-account-s3/spec"
)

// Deployer is the identity policy that the identity deploying one account's side of a stack needs
// in that account: the reads preflight makes there and the API calls of the resources the stack
// manages there, each scoped as tightly as the API allows. A user attaches it to the role each
// provider uses (bucketProfile/bucketAssumeRoleArn, a consumer's profile or role).
type Deployer struct {
	Account string
	// Sides are "bucket owner" and/or "consumer": what the stack manages in the account.
	Sides  []string
	Policy Document
}

// The API calls behind each statement, from the pulumi-aws resources (terraform-provider-aws
// underneath, internal/service/...):
//   - s3/bucket_policy.go: PutBucketPolicy, then GetBucketPolicy until it reads back;
//     GetBucketPolicy on read; DeleteBucketPolicy on delete.
//   - ec2/vpc_endpoint.go: CreateVpcEndpoint with TagSpecifications (tag-on-create needs
//     ec2:CreateTags with ec2:CreateAction = CreateVpcEndpoint), DescribeVpcEndpoints while it
//     waits and reads, DescribePrefixLists for prefix_list_id, ModifyVpcEndpoint (route tables,
//     policy), CreateTags/DeleteTags when tags change, DeleteVpcEndpoints. CreateVpcEndpoint and
//     ModifyVpcEndpoint authorise the VPC and each route table as resources too (Service
//     Authorization Reference, Amazon EC2).
//   - iam/role_policy.go: PutRolePolicy, GetRolePolicy, DeleteRolePolicy.
//   - kms/grant.go: CreateGrant, ListGrants to read, RevokeGrant to delete (retire_on_delete
//     false); kms.LookupKey is DescribeKey.
//   - preflight (package preflight, Lookups): s3:ListBucket (HeadBucket), s3:GetBucketPolicy,
//     iam:GetRole, ec2:DescribeRouteTables, ec2:DescribeVpcEndpoints, ec2:DescribePrefixLists.
//
// EC2's Describe actions take no resource ("*"). An endpoint the stack creates has no ID before
// it exists, so its writes are scoped to the account's VPC endpoints of the Region, and to the
// stack's VPCs and route tables where EC2 authorises those.

// DeployerPolicies are the deployer policies of every account the stack's side reaches, in
// account order. grantees are the role ARNs (or arn:…:role/* patterns) the bucket key may be
// granted to when the spec lists no consumer (an owner stack: its consumer stacks' pinned
// accounts).
func DeployerPolicies(s spec.Spec, side spec.Side, grantees []string) []Deployer {
	byAccount := map[string]*Deployer{}
	get := func(account, role string) *Deployer {
		d := byAccount[account]
		if d == nil {
			d = &Deployer{Account: account, Policy: Document{Version: Version}}
			byAccount[account] = d
		}
		d.Sides = append(d.Sides, role)
		return d
	}
	if side.HasOwner() {
		d := get(s.Bucket.Account.ID, "bucket owner")
		d.Policy.Statement = append(d.Policy.Statement, ownerStatements(s, grantees)...)
	}
	if side.HasConsumers() {
		for _, account := range s.Layout().Accounts {
			d := get(account.ID, "consumer")
			d.Policy.Statement = append(d.Policy.Statement, consumerStatements(s, account.ID)...)
		}
	}
	out := make([]Deployer, 0, len(byAccount))
	for _, d := range byAccount {
		d.Sides = spec.SortedUnique(d.Sides)
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Account < out[j].Account })
	return out
}

func ownerStatements(s spec.Spec, grantees []string) []any {
	bucket := spec.BucketARN(s.Bucket.Account.Region, s.Bucket.Name)
	out := []any{
		Statement{Sid: "PreflightReadsTheBucket", Effect: "Allow", Action: Strings{"s3:GetBucketPolicy", "s3:ListBucket"}, Resource: Strings{bucket}},
		Statement{Sid: "WritesTheBucketPolicy", Effect: "Allow", Action: Strings{"s3:DeleteBucketPolicy", "s3:GetBucketPolicy", "s3:PutBucketPolicy"}, Resource: Strings{bucket}},
	}
	key := s.Bucket.Encryption.KMSKeyARN
	if key == "" {
		return out
	}
	var roles []string
	for _, c := range s.Consumers {
		roles = append(roles, c.RoleARNs...)
	}
	if len(roles) == 0 {
		roles = grantees
	}
	out = append(out, Statement{Sid: "ReadsTheBucketKey", Effect: "Allow", Action: Strings{"kms:DescribeKey"}, Resource: Strings{key}})
	if len(roles) > 0 {
		out = append(out, Statement{Sid: "GrantsTheBucketKeyToConsumerRoles", Effect: "Allow", Action: Strings{"kms:CreateGrant"}, Resource: Strings{key},
			Condition: Condition{"StringLike": {"kms:GranteePrincipal": spec.SortedUnique(roles)}}})
	}
	return append(out, Statement{Sid: "ManagesTheBucketKeyGrants", Effect: "Allow", Action: Strings{"kms:ListGrants", "kms:RevokeGrant"}, Resource: Strings{key}})
}

func consumerStatements(s spec.Spec, account string) []any {
	var roles, managed []string
	for _, c := range s.Consumers {
		if c.Account.ID != account {
			continue
		}
		roles = append(roles, c.RoleARNs...)
		if c.ManageRolePolicy {
			managed = append(managed, c.RoleARNs...)
		}
	}
	out := []any{
		Statement{Sid: "PreflightReadsTheRoles", Effect: "Allow", Action: Strings{"iam:GetRole"}, Resource: spec.SortedUnique(roles)},
		Statement{Sid: "ReadsTheNetwork", Effect: "Allow", Action: Strings{"ec2:DescribePrefixLists", "ec2:DescribeRouteTables", "ec2:DescribeVpcEndpoints"}, Resource: Strings{"*"}},
	}
	var networks, routeTables, endpoints []string
	for _, g := range s.Layout().Endpoints {
		if g.AccountID != account || g.AdoptID != "" {
			continue // an adopted endpoint is only read
		}
		arn := "arn:" + spec.Partition(g.Region) + ":ec2:" + g.Region + ":" + account + ":"
		networks = append(networks, arn+"vpc/"+g.VpcID)
		for _, rt := range g.RouteTableIDs {
			routeTables = append(routeTables, arn+"route-table/"+rt)
		}
		endpoints = append(endpoints, arn+"vpc-endpoint/*")
	}
	if len(endpoints) > 0 {
		endpoints, routeTables = spec.SortedUnique(endpoints), spec.SortedUnique(routeTables)
		out = append(out,
			Statement{Sid: "CreatesGatewayEndpoints", Effect: "Allow", Action: Strings{"ec2:CreateVpcEndpoint"},
				Resource: spec.SortedUnique(append(append(append([]string{}, endpoints...), spec.SortedUnique(networks)...), routeTables...))},
			Statement{Sid: "TagsGatewayEndpointsAsCreated", Effect: "Allow", Action: Strings{"ec2:CreateTags"}, Resource: endpoints,
				Condition: Condition{"StringEquals": {"ec2:CreateAction": {"CreateVpcEndpoint"}}}},
			Statement{Sid: "ManagesGatewayEndpoints", Effect: "Allow", Action: Strings{"ec2:CreateTags", "ec2:DeleteTags", "ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint"}, Resource: endpoints},
			Statement{Sid: "RoutesGatewayEndpoints", Effect: "Allow", Action: Strings{"ec2:ModifyVpcEndpoint"}, Resource: routeTables},
		)
	}
	if len(managed) > 0 {
		out = append(out, Statement{Sid: "WritesTheRolePolicies", Effect: "Allow", Action: Strings{"iam:DeleteRolePolicy", "iam:GetRolePolicy", "iam:PutRolePolicy"}, Resource: spec.SortedUnique(managed)})
	}
	return out
}
