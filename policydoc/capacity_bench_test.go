package policydoc

import (
	"slices"
	"testing"

	"cross-account-s3/spec"
)

// BenchmarkBucketPolicyCapacity reports, per grouping, how many consumers and consumer accounts
// one bucket policy holds (S3's 20 KB), for the two shapes of TestBucketPolicyCostAndCapacity:
// one consumer per account with one role, and the realistic mix (4 consumers and 4-8 roles per
// account), out of 2,000 consumers tried. It is a report, not a timed test: the figures are the
// metrics (consumers/op, accounts/op, roles/op, and the policy's bytes/op with those consumers;
// ns/op is the time to find them). by-organization names no account, so all 2,000 fit. Run:
//
//	go test ./policydoc -run '^$' -bench Capacity
func BenchmarkBucketPolicyCapacity(b *testing.B) {
	shapes := []struct {
		name  string
		build func(int) spec.Spec
	}{
		{"one-role-per-account", func(n int) spec.Spec { return manyConsumers(n, 32) }},
		{"realistic-mix", mixedConsumers},
	}
	for _, shape := range shapes {
		for _, g := range append(slices.Clone(groupingsByExactness), spec.GroupByOrganization) {
			s := withGrouping(shape.build(2000), g)
			if g == spec.GroupByOrganization {
				s.OrganizationID = "o-a1b2c3d4e5"
			}
			b.Run(shape.name+"/"+string(g), func(b *testing.B) {
				var fit int
				for b.Loop() {
					fit = fittingConsumers(s)
				}
				held := s
				held.Consumers = s.SortedConsumers()[:fit]
				roles := 0
				for _, c := range held.Consumers {
					roles += len(c.RoleARNs)
				}
				b.ReportMetric(float64(fit), "consumers/op")
				b.ReportMetric(float64(len(PerimeterAccounts(held))), "accounts/op")
				b.ReportMetric(float64(roles), "roles/op")
				b.ReportMetric(float64(bucketPolicySize(held)), "bytes/op")
			})
		}
	}
}
