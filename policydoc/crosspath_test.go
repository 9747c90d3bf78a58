package policydoc

import (
	"testing"

	"cross-account-s3/spec"
)

// Consumers with the same access share one Allow statement, which lists all their roles and all
// their endpoints. A role of one consumer can therefore be let in through another consumer's
// endpoint, if it can send traffic there. These tests pin down that claim and what closes the path:
// the other endpoint's restricted policy, which admits only its own account's principals.
func crossPathSpec(yMode spec.EndpointPolicyMode) spec.Spec {
	s := baseSpec()
	x := s.Consumers[0]
	y := x
	y.Name, y.VpcID = "billing", "vpc-0b0b0b0b0b0b0b0b0"
	y.Account.ID = "333333333333"
	y.RoleARNs = []string{"arn:aws:iam::333333333333:role/billing-ec2"}
	y.RouteTableIDs = []string{"rtb-0b0b0b0b0b0b0b0b1"}
	y.Endpoint.Policy = yMode
	s.Consumers = []spec.Consumer{x, y}
	return s
}

const (
	xRole     = "arn:aws:iam::222222222222:role/analytics-ec2"
	xEndpoint = "vpce-0aaaaaaaaaaaaaaaa"
	yEndpoint = "vpce-0bbbbbbbbbbbbbbbb"
)

// reaches decides a request of analytics' role through the given endpoint: the bucket policy must
// allow it and, through an endpoint, that endpoint's policy too.
func reaches(s spec.Spec, vpce string) bool {
	ids := EndpointIDs{"analytics": xEndpoint, "billing": yEndpoint}
	r := request{principal: xRole, account: "222222222222", action: "s3:GetObject",
		resource: "arn:aws:s3:::shared-data/report.csv", vpce: vpce}
	if !decide(BucketPolicy(s, ids), r) {
		return false
	}
	for _, g := range s.EndpointGroups() {
		if (vpce == xEndpoint && g.VpcID == "vpc-0a1b2c3d4e5f60718") || (vpce == yEndpoint && g.VpcID == "vpc-0b0b0b0b0b0b0b0b0") {
			return decide(EndpointPolicy(s, g), r)
		}
	}
	return true
}

func TestGroupingOpensAnotherConsumersEndpointUnlessItIsRestricted(t *testing.T) {
	open := crossPathSpec(spec.FullAccess)
	closed := crossPathSpec(spec.Restricted)
	for _, tc := range []struct {
		name string
		s    spec.Spec
		vpce string
		want bool
	}{
		{"own endpoint", open, xEndpoint, true},
		{"no endpoint (internet, NAT)", open, "", false},
		{"another consumer's full-access endpoint", open, yEndpoint, true},
		{"another consumer's restricted endpoint", closed, yEndpoint, false},
		{"own endpoint, the other restricted", closed, xEndpoint, true},
		{"an endpoint of nobody's", open, "vpce-0cccccccccccccccc", false},
	} {
		if got := reaches(tc.s, tc.vpce); got != tc.want {
			t.Errorf("%s: reaches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestTheEvaluatorDeniesWhatThePolicyDoesNotGrant(t *testing.T) {
	s := crossPathSpec(spec.FullAccess)
	doc := BucketPolicy(s, EndpointIDs{"analytics": xEndpoint, "billing": yEndpoint})
	for name, r := range map[string]request{
		"unlisted action":  {principal: xRole, account: "222222222222", action: "s3:DeleteObject", resource: "arn:aws:s3:::shared-data/a", vpce: xEndpoint},
		"unlisted role":    {principal: "arn:aws:iam::222222222222:role/other", account: "222222222222", action: "s3:GetObject", resource: "arn:aws:s3:::shared-data/a", vpce: xEndpoint},
		"another bucket":   {principal: xRole, account: "222222222222", action: "s3:GetObject", resource: "arn:aws:s3:::other/a", vpce: xEndpoint},
		"consumer account": {principal: "arn:aws:iam::222222222222:role/ci", account: "222222222222", action: "s3:GetObject", resource: "arn:aws:s3:::shared-data/a"},
	} {
		if decide(doc, r) {
			t.Errorf("%s: allowed", name)
		}
	}
}
