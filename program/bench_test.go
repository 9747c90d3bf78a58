package program

import (
	"encoding/json"
	"fmt"
	"testing"

	"cross-account-s3/tools/offline"
)

// benchConsumers is an organisation's shape: ten workloads per account, two per VPC (sharing its
// endpoint), one role each, all with the same access.
func benchConsumers(n int) map[string]string {
	items := make([]consumerItem, n)
	for i := range items {
		account := fmt.Sprintf("%012d", 200000000000+i/10)
		items[i] = consumerItem{
			"name":          fmt.Sprintf("workload-%03d", i),
			"accountId":     account,
			"vpcId":         fmt.Sprintf("vpc-%017x", i/2),
			"routeTableIds": []string{fmt.Sprintf("rtb-%017x", i)},
			"roleArns":      []string{fmt.Sprintf("arn:aws:iam::%s:role/workload-%03d", account, i)},
		}
	}
	b, _ := json.Marshal(items)
	return map[string]string{
		"bucketAccountId": "111111111111", "bucketRegion": "eu-west-1", "bucketName": "shared-data",
		"consumers": string(b),
	}
}

// BenchmarkProgram evaluates the whole program under mocks, and reports the bucket policy's size
// and what each consumer adds to it, in both groupings (250 consumers of this shape fit in 20 KB
// only with by-access).
func BenchmarkProgram(b *testing.B) {
	for _, run := range []struct {
		n        int
		grouping string
	}{{1, "per-endpoint"}, {10, "per-endpoint"}, {90, "per-endpoint"}, {100, "by-access"}, {250, "by-access"}} {
		n := run.n
		cfg := benchConsumers(n)
		cfg["bucketPolicyGrouping"] = run.grouping
		one := benchConsumers(1)
		one["bucketPolicyGrouping"] = run.grouping
		base := policySize(b, one)
		b.Run(fmt.Sprintf("consumers=%d/%s", n, run.grouping), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := (&offline.Mocks{}).Run(Run, cfg); err != nil {
					b.Fatal(err)
				}
			}
			size := policySize(b, cfg)
			b.ReportMetric(float64(size), "policy-bytes")
			if n > 1 {
				b.ReportMetric(float64(size-base)/float64(n-1), "bytes/consumer")
			}
		})
	}
}

func policySize(b *testing.B, cfg map[string]string) int {
	m := &offline.Mocks{}
	if err := m.Run(Run, cfg); err != nil {
		b.Fatal(err)
	}
	return len(m.OfType(typeBucketPolicy)[0].Str("policy"))
}
