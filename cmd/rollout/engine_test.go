package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"cross-account-s3/testworld/cli"
	"cross-account-s3/testworld/world"
)

// The rollout on the real Pulumi CLI (built by testworld/pulumicli/build.sh), with the fake AWS
// plugin of testworld/fakeaws, over single-consumer stacks in a file backend. Without
// the CLI this test skips, except under CI.

const repoRoot = "../.."

// stackFile is one single-consumer stack of consumer i, with its own bucket so that stacks
// deployed side by side do not share a bucket policy.
func stackFile(i int) string {
	return fmt.Sprintf(`config:
  cross-account-s3:bucketAccountId: "111111111111"
  cross-account-s3:bucketRegion: eu-west-1
  cross-account-s3:bucketName: data-%[1]d
  cross-account-s3:bucketProfile: owner
  cross-account-s3:consumerName: c%[1]d
  cross-account-s3:consumerAccountId: "20000000000%[1]d"
  cross-account-s3:consumerRegion: eu-west-1
  cross-account-s3:consumerProfile: c%[1]d
  cross-account-s3:consumerRoleArns: [arn:aws:iam::20000000000%[1]d:role/app]
  cross-account-s3:vpcId: vpc-0000000000000000%[1]d
  cross-account-s3:routeTableIds: [rtb-0000000000000000%[1]d]
  cross-account-s3:manageRolePolicy: true
`, i)
}

func testWorld() *world.World {
	w := world.New()
	w.Credentials["ambient"] = "999999999999"
	w.Credentials["profile:owner"] = "111111111111"
	for i := 1; i <= 5; i++ {
		acct := fmt.Sprintf("20000000000%d", i)
		w.Credentials[fmt.Sprintf("profile:c%d", i)] = acct
		w.Buckets[fmt.Sprintf("data-%d", i)] = world.Bucket{Account: "111111111111", Region: "eu-west-1"}
		vpc := fmt.Sprintf("vpc-0000000000000000%d", i)
		w.VPCs[vpc] = world.VPC{Account: acct, Region: "eu-west-1"}
		w.RouteTables[fmt.Sprintf("rtb-0000000000000000%d", i)] = world.RouteTable{Account: acct, VPC: vpc}
		w.AddRole(acct, "app")
	}
	return w
}

type rolloutEnv struct {
	t        *testing.T
	bin, dir string
	env      []string
	cli      string
}

func newRolloutEnv(t *testing.T) *rolloutEnv {
	cli, err := cli.Path(repoRoot)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	e := &rolloutEnv{t: t, bin: t.TempDir(), dir: t.TempDir(), cli: cli}
	for target, pkg := range map[string]string{"pulumi-resource-aws": "./testworld/fakeaws", "rollout": "./cmd/rollout"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(e.bin, target), pkg)
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", pkg, err, out)
		}
	}
	project, err := os.ReadFile(filepath.Join(repoRoot, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	e.write("Pulumi.yaml", string(project))
	if err := world.Save(filepath.Join(e.dir, "world.json"), testWorld()); err != nil {
		t.Fatal(err)
	}
	state, home := filepath.Join(e.dir, "state"), filepath.Join(e.dir, "home")
	for _, d := range []string{state, home} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "PATH", "PULUMI_BACKEND_URL", "PULUMI_HOME", "PULUMI_CONFIG", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE":
			continue
		}
		e.env = append(e.env, kv)
	}
	e.env = append(e.env,
		"PATH="+e.bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"PULUMI_BACKEND_URL=file://"+state,
		"PULUMI_HOME="+home,
		"PULUMI_CONFIG_PASSPHRASE=rollout-test",
		"PULUMI_SKIP_UPDATE_CHECK=1",
		"PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true",
		"FAKE_AWS_WORLD="+filepath.Join(e.dir, "world.json"),
		"FAKE_AWS_LOG="+filepath.Join(e.dir, "aws-calls.jsonl"),
	)
	return e
}

func (e *rolloutEnv) write(name, text string) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(e.dir, name), []byte(text), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// run runs the rollout and returns its exit code, its output, and the RESULT column by stack.
func (e *rolloutEnv) run(args ...string) (int, string, map[string]string) {
	e.t.Helper()
	cmd := exec.Command(filepath.Join(e.bin, "rollout"), append([]string{"-dir", e.dir, "-pulumi", e.cli, "-log-dir", filepath.Join(e.dir, "logs")}, args...)...)
	cmd.Env = e.env
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatal(err)
	}
	e.t.Logf("rollout %s: exit %d\n%s", strings.Join(args, " "), code, out)
	return code, string(out), summaryTable(string(out))
}

var summaryRow = regexp.MustCompile(`^(\S+)\s+(consumer|owner)\s+(ok|failed|skipped)\s`)

func summaryTable(out string) map[string]string {
	got := map[string]string{}
	inTable := false
	lines := bufio.NewScanner(strings.NewReader(out))
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "STACK ") {
			inTable = true
			continue
		}
		if m := summaryRow.FindStringSubmatch(lines.Text()); inTable && m != nil {
			got[m[1]] = m[3]
		}
	}
	return got
}

func TestRolloutOnTheEngine(t *testing.T) {
	e := newRolloutEnv(t)
	for i := 1; i <= 4; i++ {
		e.write(fmt.Sprintf("Pulumi.c%d.yaml", i), stackFile(i))
	}
	// The owner here is any stack of the project: the rollout does not look inside stacks.
	e.write("Pulumi.owner.yaml", stackFile(5))
	// c3 misspells a key: the program's check for unknown keys must still see it in a worker.
	e.write("Pulumi.c3.yaml", stackFile(3)+"  cross-account-s3:allowlisting: true\n")

	code, out, results := e.run("-op", "up", "-create", "-consumers", "c1,c2,c3,c4", "-owner", "owner", "-workers", "2", "-v")
	want := map[string]string{"c1": "ok", "c2": "ok", "c3": "failed", "c4": "ok", "owner": "skipped"}
	if code != 1 || fmt.Sprint(results) != fmt.Sprint(want) {
		t.Fatalf("up with a bad consumer: exit %d, results %v, want 1 and %v", code, results, want)
	}
	for _, text := range []string{
		"FAILED in ", // with the program's own words on one line:
		"invalid stack configuration, nothing was created (1 problem): allowlisting: is not a key of this project; did you mean allowListing? (log: ",
		"1 consumer stack(s) failed (c3); fix them and run again, or pass -owner-despite-failures",
		"up of 5 stack(s) with 2 worker(s) in ",
		": 3 ok, 1 failed, 1 skipped",
		"create aws:ec2/vpcEndpoint:VpcEndpoint s3-gateway-vpc-00000000000000001", // -v progress
	} {
		if !strings.Contains(out, text) {
			t.Errorf("the output lacks %q", text)
		}
	}
	w, err := world.Load(filepath.Join(e.dir, "world.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Endpoints) != 3 || w.Buckets["data-5"].Policy != "" {
		t.Errorf("after the first up: %d endpoints (want 3), owner's bucket policy %q (want none)", len(w.Endpoints), w.Buckets["data-5"].Policy)
	}

	// A preview runs the owner even though c3 still fails.
	code, _, results = e.run("-op", "preview", "-create", "-consumers", "c1,c2,c3,c4", "-owner", "owner")
	if want["owner"] = "ok"; code != 1 || fmt.Sprint(results) != fmt.Sprint(want) {
		t.Errorf("preview: exit %d, results %v, want 1 and %v", code, results, want)
	}

	// A stack that does not exist, without -create.
	e.write("Pulumi.c9.yaml", stackFile(4))
	code, out, _ = e.run("-op", "preview", "-consumers", "c9")
	if code != 1 || !strings.Contains(out, "stack c9 does not exist in the backend the CLI is logged in to") {
		t.Errorf("missing stack: exit %d", code)
	}

	// Fixed, everything deploys, owner included; then nothing is left to change.
	e.write("Pulumi.c3.yaml", stackFile(3))
	code, _, results = e.run("-op", "up", "-consumers", "c1,c2,c3,c4", "-owner", "owner")
	want = map[string]string{"c1": "ok", "c2": "ok", "c3": "ok", "c4": "ok", "owner": "ok"}
	if code != 0 || fmt.Sprint(results) != fmt.Sprint(want) {
		t.Fatalf("up after the fix: exit %d, results %v", code, results)
	}
	code, out, _ = e.run("-op", "preview", "-expect-no-changes", "-consumers", "c1,c2,c3,c4", "-owner", "owner", "-workers", "3")
	if code != 0 || strings.Count(out, "no changes") < 5 {
		t.Errorf("preview -expect-no-changes after up: exit %d", code)
	}
	if w, _ = world.Load(filepath.Join(e.dir, "world.json")); len(w.Endpoints) != 5 || w.Buckets["data-5"].Policy == "" {
		t.Errorf("after the second up: %d endpoints (want 5)", len(w.Endpoints))
	}

	// With -expect-no-changes, an up previews each stack first and leaves one that would change
	// untouched.
	before := w.Buckets["data-1"].Policy
	e.write("Pulumi.c1.yaml", stackFile(1)+"  cross-account-s3:actions: [s3:GetObject]\n")
	code, out, results = e.run("-op", "up", "-expect-no-changes", "-consumers", "c1,c2")
	if code != 1 || fmt.Sprint(results) != fmt.Sprint(map[string]string{"c1": "failed", "c2": "ok"}) ||
		!strings.Contains(out, "the preview before the up proposes changes, so the stack was not updated (-expect-no-changes)") {
		t.Errorf("up -expect-no-changes of a changed stack: exit %d, results %v", code, results)
	}
	if w, _ = world.Load(filepath.Join(e.dir, "world.json")); w.Buckets["data-1"].Policy != before {
		t.Error("up -expect-no-changes changed the bucket policy of c1")
	}
}

// splitConsumerFile is consumer i's stack of the split mode, for the bucket data-1.
func splitConsumerFile(i int) string {
	return fmt.Sprintf(`config:
  cross-account-s3:side: consumer
  cross-account-s3:bucketAccountId: "111111111111"
  cross-account-s3:bucketRegion: eu-west-1
  cross-account-s3:bucketName: data-1
  cross-account-s3:consumerName: c%[1]d
  cross-account-s3:consumerAccountId: "20000000000%[1]d"
  cross-account-s3:consumerRegion: eu-west-1
  cross-account-s3:consumerProfile: c%[1]d
  cross-account-s3:consumerRoleArns: [arn:aws:iam::20000000000%[1]d:role/app]
  cross-account-s3:vpcId: vpc-0000000000000000%[1]d
  cross-account-s3:routeTableIds: [rtb-0000000000000000%[1]d]
  cross-account-s3:manageRolePolicy: true
`, i)
}

const splitOwnerFile = `config:
  cross-account-s3:side: owner
  cross-account-s3:bucketAccountId: "111111111111"
  cross-account-s3:bucketRegion: eu-west-1
  cross-account-s3:bucketName: data-1
  cross-account-s3:bucketProfile: owner
  cross-account-s3:consumerStacks:
    - {stack: s1, accountIds: ["200000000001"]}
    - {stack: s2, accountIds: ["200000000002"]}
    - {stack: s3, accountIds: ["200000000003"]}
`

// The rollout over split stacks of one bucket: consumer stacks in parallel, then the owner, which
// reads them. A broken consumer stack fails alone and the owner waits; fixed, the owner grants all.
func TestRolloutOfSplitStacks(t *testing.T) {
	e := newRolloutEnv(t)
	for i := 1; i <= 3; i++ {
		e.write(fmt.Sprintf("Pulumi.s%d.yaml", i), splitConsumerFile(i))
	}
	e.write("Pulumi.s2.yaml", splitConsumerFile(2)+"  cross-account-s3:bucketProfile: owner\n")
	e.write("Pulumi.owner.yaml", splitOwnerFile)
	code, out, results := e.run("-op", "up", "-create", "-consumers", "s1,s2,s3", "-owner", "owner", "-workers", "2")
	want := map[string]string{"s1": "ok", "s2": "failed", "s3": "ok", "owner": "skipped"}
	if code != 1 || fmt.Sprint(results) != fmt.Sprint(want) {
		t.Fatalf("up with a consumer stack holding the owner's credentials: exit %d, results %v, want 1 and %v", code, results, want)
	}
	if !strings.Contains(out, "bucketProfile: is the bucket owner's; a consumer stack (side: consumer) manages only consumer accounts and needs only their credentials") {
		t.Errorf("the output lacks why s2 failed")
	}
	w, err := world.Load(filepath.Join(e.dir, "world.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Endpoints) != 2 || w.Buckets["data-1"].Policy != "" {
		t.Fatalf("after the first up: %d endpoints (want 2), bucket policy %q (want none: the owner waits)", len(w.Endpoints), w.Buckets["data-1"].Policy)
	}

	e.write("Pulumi.s2.yaml", splitConsumerFile(2))
	code, _, results = e.run("-op", "up", "-create", "-consumers", "s1,s2,s3", "-owner", "owner", "-workers", "2")
	want = map[string]string{"s1": "ok", "s2": "ok", "s3": "ok", "owner": "ok"}
	if code != 0 || fmt.Sprint(results) != fmt.Sprint(want) {
		t.Fatalf("up after the fix: exit %d, results %v", code, results)
	}
	if w, _ = world.Load(filepath.Join(e.dir, "world.json")); len(w.Endpoints) != 3 {
		t.Errorf("after the fix: %d endpoints, want 3", len(w.Endpoints))
	}
	for i := 1; i <= 3; i++ {
		role := fmt.Sprintf("arn:aws:iam::20000000000%d:role/app", i)
		if !strings.Contains(w.Buckets["data-1"].Policy, role) {
			t.Errorf("the bucket policy does not grant %s:\n%s", role, w.Buckets["data-1"].Policy)
		}
	}
	code, out, _ = e.run("-op", "preview", "-expect-no-changes", "-consumers", "s1,s2,s3", "-owner", "owner")
	if code != 0 || strings.Count(out, "no changes") < 4 {
		t.Errorf("preview -expect-no-changes after up: exit %d", code)
	}
}
