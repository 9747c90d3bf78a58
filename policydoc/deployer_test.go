package policydoc

import (
	"strings"
	"testing"

	"cross-account-s3/spec"
)

// The deployer policies, byte for byte: one per account, the owner's and the consumer's.
func TestDeployerPolicies(t *testing.T) {
	kmsKey := "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	for name, tc := range map[string]struct {
		s        spec.Spec
		side     spec.Side
		grantees []string
	}{
		"both":          {s: baseSpec(), side: spec.SideBoth},
		"role-policies": {s: with(func(s *spec.Spec, c *spec.Consumer) { c.ManageRolePolicy = true }), side: spec.SideBoth},
		"kms":           {s: with(func(s *spec.Spec, c *spec.Consumer) { s.Bucket.Encryption.KMSKeyARN = kmsKey }), side: spec.SideBoth},
		"adopted":       {s: with(func(s *spec.Spec, c *spec.Consumer) { c.Endpoint.AdoptID = endpointID }), side: spec.SideConsumer},
		"owner-stack": {s: with(func(s *spec.Spec, c *spec.Consumer) { s.Bucket.Encryption.KMSKeyARN = kmsKey; s.Consumers = nil }), side: spec.SideOwner,
			grantees: []string{"arn:aws:iam::222222222222:role/*"}},
	} {
		t.Run(name, func(t *testing.T) {
			var out []string
			for _, d := range DeployerPolicies(tc.s, tc.side, tc.grantees) {
				out = append(out, d.Account+" ("+strings.Join(d.Sides, ", ")+"): "+d.Policy.JSON())
			}
			golden(t, "deployer-"+name, strings.Join(out, "\n"))
		})
	}
}
