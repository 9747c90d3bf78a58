package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"cross-account-s3/testworld/world"
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

// flatStack is one consumer in the single-consumer form (side: both): the consumer's side plus
// the bucket owner's provider and bucket policy, two providers per stack.
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

const bucketKeys = `  cross-account-s3:bucketAccountId: "` + ownerAccount + `"
  cross-account-s3:bucketRegion: ` + region + `
  cross-account-s3:bucketName: ` + bucket + `
`

// splitOwner is the name of the owner stack of the split mode.
const splitOwner = "split-owner"

func splitConsumerName(c consumer) string { return "split-" + c.Name }

// splitConsumerStack is one consumer account in a consumer stack of the split mode (side:
// consumer): the consumer's provider, endpoint and role policy only; the bucket keys that name the
// bucket, none of the bucket owner's credentials.
func splitConsumerStack(c consumer) string {
	return "config:\n  cross-account-s3:side: consumer\n" + bucketKeys + fmt.Sprintf(`  cross-account-s3:manageRolePolicy: true
  cross-account-s3:consumerName: %s
  cross-account-s3:consumerAccountId: %q
  cross-account-s3:consumerRegion: %s
  cross-account-s3:consumerProfile: %s
  cross-account-s3:consumerRoleArns: [%s]
  cross-account-s3:vpcId: %s
  cross-account-s3:routeTableIds: [%s]
`, c.Name, c.Account, region, c.Profile, c.roleArn(), c.VPC, c.RouteTable)
}

// splitOwnerStack is the owner stack of the split mode (side: owner): the bucket owner's provider
// and bucket policy, granting the consumers of the n consumer stacks, each pinned to its account.
//
// bucketPolicyGrouping is by-access at every size: with the default (per-endpoint: each role only
// through its own VPC's endpoint) the bucket policy of these consumers fits S3's 20 KB for the
// first 55 only, and the owner of 150 refuses to run ("the bucket policy would be 54354 bytes,
// over S3's limit of 20480 bytes"); by-access (roles with the same access in through each other's
// endpoints) fits 150. The list-form and flat stacks keep the default: the flat ones grant one
// consumer each, and the list-form stack is not run past 50.
func splitOwnerStack(n int) string {
	var b strings.Builder
	b.WriteString("config:\n  cross-account-s3:side: owner\n" + bucketKeys + "  cross-account-s3:bucketProfile: owner\n  cross-account-s3:bucketPolicyGrouping: by-access\n  cross-account-s3:consumerStacks:\n")
	for _, c := range consumers(n) {
		fmt.Fprintf(&b, "    - {stack: %s, accountIds: [%q]}\n", splitConsumerName(c), c.Account)
	}
	return b.String()
}

// stacks are the stack names of a generated project.
type stacks struct {
	Single string   // the list-form stack (side: both) with all n consumers
	Flat   []string // the n single-consumer stacks (side: both)
	// Split holds the n consumer stacks of the split mode; SplitOwner their owner stack.
	Split      []string
	SplitOwner string
}

// writeProject makes dir a project: the repo's Pulumi.yaml, the world, and the stack files of
// every form for n consumers.
//
// The list-form and flat stacks are only ever previewed; the split stacks are deployed (up), which
// writes endpoints, role policies and the bucket policy into the world. A flat stack's preview
// would then meet the split owner's bucket policy and the split consumers' endpoints, so the split
// stacks get a project dir of their own (split true: only the split stacks, with their own world
// and state).
func writeProject(repo, dir string, n int, split bool) (stacks, error) {
	var st stacks
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return st, err
	}
	project, err := os.ReadFile(filepath.Join(repo, "Pulumi.yaml"))
	if err != nil {
		return st, err
	}
	files := map[string]string{"Pulumi.yaml": string(project)}
	if split {
		for _, c := range consumers(n) {
			name := splitConsumerName(c)
			st.Split = append(st.Split, name)
			files["Pulumi."+name+".yaml"] = splitConsumerStack(c)
		}
		st.SplitOwner = splitOwner
		files["Pulumi."+splitOwner+".yaml"] = splitOwnerStack(n)
	} else {
		st.Single = fmt.Sprintf("list-%d", n)
		files["Pulumi."+st.Single+".yaml"] = listStack(n)
		for _, c := range consumers(n) {
			name := "flat-" + c.Name
			st.Flat = append(st.Flat, name)
			files["Pulumi."+name+".yaml"] = flatStack(c)
		}
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return st, err
		}
	}
	return st, world.Save(filepath.Join(dir, "world.json"), benchWorld(n))
}
