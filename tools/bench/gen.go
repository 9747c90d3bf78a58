package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"cross-account-s3/internal/enginetest/world"
)

// The generated setup: one bucket in account 111111111111 (profile "owner"), and n consumer
// accounts, consumer i in account 2000000NNNNN with profile cNNNN, one VPC, one route table and
// one role each; every consumer gets its endpoint and its inline role policy.
const (
	ownerAccount = "111111111111"
	region       = "eu-west-1"
	bucket       = "bench-shared-data"
)

type consumer struct {
	Name, Account, Profile, VPC, RouteTable, Role string
}

func consumerN(i int) consumer {
	return consumer{
		Name:       fmt.Sprintf("c%04d", i),
		Account:    fmt.Sprintf("2%011d", i),
		Profile:    fmt.Sprintf("c%04d", i),
		VPC:        fmt.Sprintf("vpc-%017x", i),
		RouteTable: fmt.Sprintf("rtb-%017x", i),
		Role:       fmt.Sprintf("workload-%04d", i),
	}
}

func (c consumer) roleArn() string { return "arn:aws:iam::" + c.Account + ":role/" + c.Role }

func consumers(n int) []consumer {
	out := make([]consumer, n)
	for i := range out {
		out[i] = consumerN(i + 1)
	}
	return out
}

// benchWorld is an AWS in which every account, profile, VPC, route table and role of n consumers
// exists.
func benchWorld(n int) *world.World {
	w := world.New()
	w.Credentials["ambient"] = "999999999999"
	w.Credentials["profile:owner"] = ownerAccount
	w.Buckets[bucket] = world.Bucket{Account: ownerAccount, Region: region}
	for _, c := range consumers(n) {
		w.Credentials["profile:"+c.Profile] = c.Account
		w.VPCs[c.VPC] = world.VPC{Account: c.Account, Region: region}
		w.RouteTables[c.RouteTable] = world.RouteTable{Account: c.Account, VPC: c.VPC}
		w.AddRole(c.Account, c.Role)
	}
	return w
}

const header = `config:
  cross-account-s3:bucketAccountId: "` + ownerAccount + `"
  cross-account-s3:bucketRegion: ` + region + `
  cross-account-s3:bucketName: ` + bucket + `
  cross-account-s3:bucketProfile: owner
  cross-account-s3:manageRolePolicy: true
`

// listStack is one stack of the list form holding all n consumers: one provider per account.
func listStack(n int) string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("  cross-account-s3:consumers:\n")
	for _, c := range consumers(n) {
		fmt.Fprintf(&b, "    - name: %s\n      accountId: %q\n      profile: %s\n      vpcId: %s\n      routeTableIds: [%s]\n      roleArns: [%s]\n",
			c.Name, c.Account, c.Profile, c.VPC, c.RouteTable, c.roleArn())
	}
	return b.String()
}

// flatStack is one consumer in the single-consumer form: what a consumer stack of the split mode
// will roughly be, plus the bucket owner's provider and bucket policy, which a consumer stack will
// not have (so its figures are an upper bound).
func flatStack(c consumer) string {
	return header + fmt.Sprintf(`  cross-account-s3:consumerName: %s
  cross-account-s3:consumerAccountId: %q
  cross-account-s3:consumerRegion: %s
  cross-account-s3:consumerProfile: %s
  cross-account-s3:consumerRoleArns: [%s]
  cross-account-s3:vpcId: %s
  cross-account-s3:routeTableIds: [%s]
`, c.Name, c.Account, region, c.Profile, c.roleArn(), c.VPC, c.RouteTable)
}

// writeProject makes dir a project: the repo's Pulumi.yaml, the world, and the stack files of
// both forms for n consumers. It returns the stack names: the list-form stack and the flat ones.
func writeProject(repo, dir string, n int) (single string, flat []string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	project, err := os.ReadFile(filepath.Join(repo, "Pulumi.yaml"))
	if err != nil {
		return "", nil, err
	}
	files := map[string]string{"Pulumi.yaml": string(project)}
	single = fmt.Sprintf("list-%d", n)
	files["Pulumi."+single+".yaml"] = listStack(n)
	for _, c := range consumers(n) {
		name := "flat-" + c.Name
		flat = append(flat, name)
		files["Pulumi."+name+".yaml"] = flatStack(c)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return "", nil, err
		}
	}
	return single, flat, world.Save(filepath.Join(dir, "world.json"), benchWorld(n))
}
