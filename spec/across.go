package spec

import "fmt"

// validateAcrossConsumers checks what no single consumer can get wrong alone: names, roles and
// route tables claimed twice, and consumers that share an endpoint or a provider but disagree on it.
func validateAcrossConsumers(ps *Problems, s Spec) {
	names := map[string]bool{}
	roles := map[string]string{}
	routes := map[string]Consumer{}
	vpcs := map[string]Consumer{}
	for _, c := range s.SortedConsumers() {
		if names[c.Name] {
			ps.add(c.Key("name"), "%q names more than one consumer; give each consumer its own name", c.Name)
		}
		names[c.Name] = true
		for _, arn := range c.RoleARNs {
			if other, ok := roles[arn]; ok && other != c.Name {
				ps.add(c.Key("roleArns"), "%s is also a role of consumer %q; list each role under one consumer", arn, other)
			}
			roles[arn] = c.Name
		}
		// The endpoint, and so the bucket policy's binding of roles to it, is per VPC: one VPC ID
		// under two accounts would give one VPC two endpoints in two providers' hands. (A VPC
		// shared through AWS RAM belongs to its owner, which is the account to name here.)
		if other, ok := vpcs[c.VpcID]; ok && c.VpcID != "" && other.Account.ID != c.Account.ID {
			ps.add(c.Key("vpcId"), "%s is also the VPC of consumer %q in account %s; a VPC belongs to one account (its owner, which creates the endpoint), so correct the VPC ID or the account ID",
				c.VpcID, other.Name, other.Account.ID)
		} else if !ok {
			vpcs[c.VpcID] = c
		}
		for _, rt := range c.RouteTableIDs {
			other, ok := routes[rt]
			if ok && (other.Account.ID != c.Account.ID || other.VpcID != c.VpcID) {
				ps.add(c.Key("routeTableIds"), "%s is claimed by consumer %q too, in %s/%s; a route table belongs to one VPC", rt, other.Name, other.Account.ID, other.VpcID)
			}
			routes[rt] = c
		}
	}
	l := s.Layout()
	for _, g := range l.Endpoints {
		validateSharedEndpoint(ps, g)
	}
	for _, a := range l.Accounts {
		for _, p := range a.Providers {
			first := p.Consumers[0]
			for _, c := range p.Consumers[1:] {
				if c.Account.Credentials.ExternalID != first.Account.Credentials.ExternalID {
					ps.add(c.Key("externalId"), "differs from consumer %q's, which assumes the same role; use one external ID per role", first.Name)
				}
			}
		}
	}
}

// validateSharedEndpoint: consumers of one account and VPC share one endpoint, so they must agree
// on it and on the provider that manages it.
func validateSharedEndpoint(ps *Problems, g EndpointGroup) {
	first := g.Consumers[0]
	for _, c := range g.Consumers[1:] {
		shared := fmt.Sprintf("consumer %q, which shares %s and its S3 gateway endpoint", first.Name, g.VpcID)
		if c.Endpoint.AdoptID != first.Endpoint.AdoptID {
			ps.add(c.Key("adoptEndpointId"), "%q differs from %q of %s; set the same value", c.Endpoint.AdoptID, first.Endpoint.AdoptID, shared)
		}
		if c.Endpoint.Policy != first.Endpoint.Policy {
			ps.add(c.Key("endpointPolicy"), "%q differs from %q of %s; set the same mode", c.Endpoint.Policy, first.Endpoint.Policy, shared)
		}
		for i, b := range c.Endpoint.AllowedBuckets {
			if lister, write, ok := listedBy(g, b.Name); ok && lister.Name != c.Name && write != b.Write {
				ps.add(fmt.Sprintf("%s[%d]", c.Key("endpointAllowedBuckets"), i),
					"lists %s with write %v but consumer %q, which shares %s and its S3 gateway endpoint, lists it with write %v; one endpoint policy serves both, so set the same",
					b.Name, b.Write, lister.Name, g.VpcID, write)
			}
		}
		if credentialsKey(c.Account.Credentials) != credentialsKey(first.Account.Credentials) {
			ps.add(c.Key("assumeRoleArn"), "credentials (%s) differ from those of %s (%s); one provider manages the endpoint, so use the same profile and role",
				c.Account.Credentials.Mode(), shared, first.Account.Credentials.Mode())
		}
	}
}

// listedBy returns the first consumer of the group that lists the bucket, and its Write flag.
func listedBy(g EndpointGroup, bucket string) (Consumer, bool, bool) {
	for _, c := range g.Consumers {
		for _, b := range c.Endpoint.AllowedBuckets {
			if b.Name == bucket {
				return c, b.Write, true
			}
		}
	}
	return Consumer{}, false, false
}
