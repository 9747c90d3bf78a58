package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"cross-account-s3/policydoc"
	"cross-account-s3/program"
	"cross-account-s3/spec"
	enginecli "cross-account-s3/testworld/cli"
	"cross-account-s3/testworld/world"
	"cross-account-s3/tools/statemoves"
)

// Split mode on the real engine: consumer stacks (side: consumer), each with only its account's
// credentials, and an owner stack (side: owner) that reads their outputs and writes the bucket
// policy; all in one work dir, one backend and one world, as a team running them from one repo.

// splitAccounts are the consumer accounts of the split tests; each has its own profile.
var splitAccounts = []string{"222222222222", "333333333333", "444444444444", "555555555555"}

func consumerStackName(account string) string { return "consumer-" + account }

// splitConsumerFile is the stack file of one account's consumer stack.
func splitConsumerFile(account string) string {
	d := account[:1]
	return fmt.Sprintf(`config:
  cross-account-s3:side: consumer
  cross-account-s3:bucketAccountId: "111111111111"
  cross-account-s3:bucketRegion: eu-west-1
  cross-account-s3:bucketName: shared-data
  cross-account-s3:consumerName: team-%[2]s
  cross-account-s3:consumerAccountId: "%[1]s"
  cross-account-s3:consumerRegion: eu-west-1
  cross-account-s3:consumerProfile: consumer-%[1]s
  cross-account-s3:consumerRoleArns: ["arn:aws:iam::%[1]s:role/app-%[2]s"]
  cross-account-s3:vpcId: vpc-0%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s
  cross-account-s3:routeTableIds: [rtb-0%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s%[2]s]
  cross-account-s3:manageRolePolicy: true
`, account, d)
}

// splitOwnerFile is the owner stack's file granting these accounts' stacks; extra is appended.
func splitOwnerFile(extra string, accounts ...string) string {
	var b strings.Builder
	b.WriteString(`config:
  cross-account-s3:side: owner
  cross-account-s3:bucketAccountId: "111111111111"
  cross-account-s3:bucketRegion: eu-west-1
  cross-account-s3:bucketName: shared-data
  cross-account-s3:bucketProfile: bucket-owner
  cross-account-s3:consumerStacks:
`)
	if len(accounts) == 0 {
		b.WriteString("    []\n")
	}
	for _, a := range accounts {
		fmt.Fprintf(&b, "    - {stack: %s, accountIds: [\"%s\"]}\n", consumerStackName(a), a)
	}
	b.WriteString(extra)
	return b.String()
}

// singleEquivalent is the single-stack (list form) file with the same consumers as these
// consumer stacks: its spec gives the world and the bucket policy the owner must write.
func singleEquivalent(accounts ...string) string {
	var b strings.Builder
	b.WriteString(`config:
  cross-account-s3:bucketAccountId: "111111111111"
  cross-account-s3:bucketRegion: eu-west-1
  cross-account-s3:bucketName: shared-data
  cross-account-s3:bucketProfile: bucket-owner
  cross-account-s3:consumers:
`)
	for _, a := range accounts {
		d := a[:1]
		fmt.Fprintf(&b, "    - {name: team-%[2]s, accountId: \"%[1]s\", profile: consumer-%[1]s, roleArns: [\"arn:aws:iam::%[1]s:role/app-%[2]s\"], vpcId: vpc-0%[3]s, routeTableIds: [rtb-0%[3]s], manageRolePolicy: true}\n",
			a, d, strings.Repeat(d, 16))
	}
	return b.String()
}

// split is several stacks over one work dir, backend and world.
type split struct {
	t      *testing.T
	dir    string
	ws     auto.Workspace
	stacks map[string]*engine
	world  string
	log    string
}

func newSplit(t *testing.T, w *world.World) *split {
	t.Helper()
	if skipped != "" {
		t.Skip(skipped)
	}
	dir := t.TempDir()
	sp := &split{t: t, dir: dir, stacks: map[string]*engine{},
		world: filepath.Join(dir, "world.json"), log: filepath.Join(dir, "aws-calls.jsonl")}
	copyFile(t, filepath.Join(repoRoot, "Pulumi.yaml"), filepath.Join(dir, "Pulumi.yaml"))
	if err := world.Save(sp.world, w); err != nil {
		t.Fatal(err)
	}
	sp.ws = newWorkspace(t, dir, program.Run, sp.world, sp.log)
	return sp
}

// stack creates (or returns) a stack of the split setup with this stack file.
func (sp *split) stack(name, stackFile string) *engine {
	sp.t.Helper()
	e, ok := sp.stacks[name]
	if !ok {
		e = &engine{t: sp.t, dir: sp.dir, name: name, worldPath: sp.world, logPath: sp.log}
		var err error
		if e.stack, err = auto.UpsertStack(context.Background(), name, sp.ws); err != nil {
			sp.t.Fatal(err)
		}
		sp.stacks[name] = e
	}
	e.writeStackFile(stackFile)
	return e
}

// must runs an operation that has to succeed.
func (sp *split) must(e *engine, op string) result {
	sp.t.Helper()
	r := e.run(op)
	if r.err != nil {
		sp.t.Fatalf("%s of %s: %v\n%s", op, e.name, r.err, r.output)
	}
	return r
}

// endpointIDs are the consumers' endpoint IDs as their stacks exported them, by consumer name.
func (sp *split) endpointIDs(accounts ...string) policydoc.EndpointIDs {
	sp.t.Helper()
	ids := policydoc.EndpointIDs{}
	for _, a := range accounts {
		outs, err := sp.stacks[consumerStackName(a)].stack.Outputs(context.Background())
		if err != nil {
			sp.t.Fatal(err)
		}
		id, _ := outs["endpointId"].Value.(string)
		if !strings.HasPrefix(id, "vpce-") {
			sp.t.Fatalf("stack %s exported endpointId %q", consumerStackName(a), id)
		}
		ids["team-"+a[:1]] = id
	}
	return ids
}

// wantPolicy is the bucket policy the single-stack form writes for these consumers and endpoints.
func (sp *split) wantPolicy(ids policydoc.EndpointIDs, accounts ...string) string {
	sp.t.Helper()
	if len(accounts) == 0 {
		return policydoc.BucketPolicy(spec.Spec{Bucket: specOf(sp.t, singleEquivalent(splitAccounts[0])).Bucket}, ids).JSON()
	}
	return policydoc.BucketPolicy(specOf(sp.t, singleEquivalent(accounts...)), ids).JSON()
}

func (sp *split) bucketPolicy() string { return sp.bucketPolicyOf("shared-data") }

func (sp *split) bucketPolicyOf(bucket string) string {
	sp.t.Helper()
	w, err := world.Load(sp.world)
	if err != nil {
		sp.t.Fatal(err)
	}
	return w.Buckets[bucket].Policy
}

// checkOnlyAccount asserts that every provider an operation configured resolved to this account:
// a consumer stack never uses the bucket account's credentials, nor the owner stack a consumer's.
func checkOnlyAccount(t *testing.T, step string, r result, account string) {
	t.Helper()
	seen := false
	for _, c := range r.calls {
		if c.Op == "configure" {
			seen = true
			if c.Account != account {
				t.Errorf("%s: a provider was configured for account %s (profile %q); this stack may act only in %s", step, c.Account, c.Profile, account)
			}
		}
	}
	if !seen {
		t.Errorf("%s: no provider was configured", step)
	}
}

func stackOutput(t *testing.T, e *engine, name string) any {
	t.Helper()
	outs, err := e.stack.Outputs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return outs[name].Value
}

func TestEngineSplitStacks(t *testing.T) {
	sp := newSplit(t, worldFor(t, singleEquivalent(splitAccounts...)))
	first := splitAccounts[:3]

	// Three consumer stacks, each with only its own account's credentials.
	for _, a := range first {
		e := sp.stack(consumerStackName(a), splitConsumerFile(a))
		r := sp.must(e, "up")
		// "create pulumi" is the engine's provider of its builtin functions (pulumi:providers:pulumi,
		// exempt from disable-default-providers), which reads the stack's own last outputs (a
		// split stack refuses to drop what it deployed as another side) and, in the owner, the
		// consumer stacks' outputs; it manages nothing and makes no AWS call.
		checkOps(t, "up "+e.name, r, map[string]int{"create aws": 1, "create VpcEndpoint": 1, "create RolePolicy": 1, "create Stack": 1, "create pulumi": 1})
		checkPinned(t, "up "+e.name, e, r)
		checkOnlyAccount(t, "up "+e.name, r, a)
	}
	if p := sp.bucketPolicy(); p != "" {
		t.Fatalf("consumer stacks wrote the bucket policy: %s", p)
	}

	// The owner: one provider, one bucket policy, byte-identical to the single-stack form's.
	owner := sp.stack("owner", splitOwnerFile("", first...))
	r := sp.must(owner, "up")
	checkOps(t, "up owner", r, map[string]int{"create aws": 1, "create BucketPolicy": 1, "create Stack": 1, "create pulumi": 1})
	checkPinned(t, "up owner", owner, r)
	checkOnlyAccount(t, "up owner", r, "111111111111")
	if got, want := sp.bucketPolicy(), sp.wantPolicy(sp.endpointIDs(first...), first...); got != want {
		t.Fatalf("owner's bucket policy:\n%s\nwant (the single-stack form's for the same consumers):\n%s", got, want)
	}
	checkStatus(t, "up owner", owner, map[string]string{"consumer-222222222222": "ok granted", "consumer-333333333333": "ok granted", "consumer-444444444444": "ok granted"})
	checkOps(t, "preview owner again", sp.must(owner, "preview"), map[string]int{})

	// A fourth consumer stack, then the owner lists it: exactly one update of the bucket policy.
	all := splitAccounts
	fourth := sp.stack(consumerStackName(all[3]), splitConsumerFile(all[3]))
	checkOnlyAccount(t, "up fourth", sp.must(fourth, "up"), all[3])
	owner.writeStackFile(splitOwnerFile("", all...))
	r = sp.must(owner, "up")
	checkOps(t, "owner grants the fourth", r, map[string]int{"update BucketPolicy": 1})
	checkPinned(t, "owner grants the fourth", owner, r)
	if got, want := sp.bucketPolicy(), sp.wantPolicy(sp.endpointIDs(all...), all...); got != want {
		t.Fatalf("bucket policy with four:\n%s\nwant:\n%s", got, want)
	}
	for _, a := range first {
		checkOps(t, "preview "+consumerStackName(a)+" after the fourth", sp.must(sp.stacks[consumerStackName(a)], "preview"), map[string]int{})
	}

	// Removing one, the documented way: the owner first (its grants go), then destroy its stack.
	gone, kept := all[1], []string{all[0], all[2], all[3]}
	goneIDs := sp.endpointIDs(gone)
	owner.writeStackFile(splitOwnerFile("", kept...))
	checkOps(t, "owner without "+gone, sp.must(owner, "up"), map[string]int{"update BucketPolicy": 1})
	policy := sp.bucketPolicy()
	if want := sp.wantPolicy(sp.endpointIDs(kept...), kept...); policy != want {
		t.Fatalf("bucket policy without %s:\n%s\nwant:\n%s", gone, policy, want)
	}
	if strings.Contains(policy, gone) || strings.Contains(policy, goneIDs["team-3"]) {
		t.Fatalf("the policy still names account %s or its endpoint %s:\n%s", gone, goneIDs["team-3"], policy)
	}
	r = sp.must(sp.stacks[consumerStackName(gone)], "destroy")
	checkOps(t, "destroy "+gone, r, map[string]int{"delete aws": 1, "delete VpcEndpoint": 1, "delete RolePolicy": 1, "delete Stack": 1, "delete pulumi": 1})
	checkOnlyAccount(t, "destroy "+gone, r, gone)
	if p := sp.bucketPolicy(); p != policy {
		t.Fatalf("destroying a consumer stack changed the bucket policy:\n%s", p)
	}
	t.Logf("split: three consumer stacks + owner, a fourth added, one removed: the bucket policy followed each step")
}

// checkStatus compares the owner's consumerStackStatus output ("<status> <action>" per stack).
func checkStatus(t *testing.T, step string, owner *engine, want map[string]string) {
	t.Helper()
	raw, _ := stackOutput(t, owner, "consumerStackStatus").(map[string]any)
	got := map[string]string{}
	for name, v := range raw {
		m, _ := v.(map[string]any)
		got[strings.TrimPrefix(name, "organization/cross-account-s3/")] = fmt.Sprintf("%v %v", m["status"], m["action"])
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: consumerStackStatus %v, want %v", step, got, want)
	}
}

// checkNoWrite asserts that an operation wrote nothing to AWS.
func checkNoWrite(t *testing.T, step string, r result) {
	t.Helper()
	for _, c := range r.calls {
		if c.Op == "create" || c.Op == "update" || c.Op == "delete" {
			t.Errorf("%s: %s %s %s: nothing may be written", step, c.Op, c.Type, c.ID)
		}
	}
}

// mustFail runs an operation that has to fail with an error containing every one of want.
func (sp *split) mustFail(e *engine, op string, want ...string) result {
	sp.t.Helper()
	r := e.run(op)
	if r.err == nil {
		sp.t.Fatalf("%s of %s succeeded; want it to fail with %q", op, e.name, want)
	}
	// A failed operation's output is in its error.
	out := r.output + r.err.Error()
	for _, w := range want {
		if !strings.Contains(out, w) {
			sp.t.Errorf("%s of %s: the output lacks %q:\n%s", op, e.name, w, out)
		}
	}
	return r
}

func TestEngineSplitMissingAndInvalidConsumerStacks(t *testing.T) {
	w := worldFor(t, singleEquivalent(splitAccounts...))
	w.Credentials["profile:consumer-777777777777"] = "777777777777"
	w.VPCs["vpc-07777777777777777"] = world.VPC{Account: "777777777777", Region: "eu-west-1"}
	w.RouteTables["rtb-07777777777777777"] = world.RouteTable{Account: "777777777777", VPC: "vpc-07777777777777777"}
	w.AddRole("777777777777", "app-7")
	sp := newSplit(t, w)
	two := splitAccounts[:2]
	for _, a := range two {
		sp.must(sp.stack(consumerStackName(a), splitConsumerFile(a)), "up")
	}

	// A listed stack that was never created: the default (fail) stops the owner, naming it.
	owner := sp.stack("owner", splitOwnerFile(`    - {stack: consumer-999999999999, accountIds: ["999999999999"]}
`, two...))
	r := sp.mustFail(owner, "preview",
		`consumerStacks[2] (organization/cross-account-s3/consumer-999999999999): stack: not found (`,
		"Deploy it first (pulumi up --stack consumer-999999999999); or remove it from consumerStacks, which drops its grants; or set ifMissing: keep")
	checkOps(t, "owner with a missing stack", r, map[string]int{"create Stack": 1, "create pulumi": 1})
	checkNoWrite(t, "owner with a missing stack", r)

	// Both stacks deployed and listed: granted.
	owner.writeStackFile(splitOwnerFile("", two...))
	sp.must(owner, "up")
	granted := sp.bucketPolicy()
	if want := sp.wantPolicy(sp.endpointIDs(two...), two...); granted != want {
		t.Fatalf("bucket policy:\n%s\nwant:\n%s", granted, want)
	}

	// A consumer stack destroyed while still listed: fail by default ...
	gone := two[1]
	sp.must(sp.stacks[consumerStackName(gone)], "destroy")
	r = sp.mustFail(owner, "preview", "consumerStacks[1] (organization/cross-account-s3/consumer-333333333333): stack: no outputs (created but never deployed, or destroyed). Deploy it first")
	checkNoWrite(t, "owner after a destroyed stack", r)

	// ... keep: the grants of the owner's last update stay, and stay over further updates.
	owner.writeStackFile(splitOwnerFile("  cross-account-s3:missingConsumerStacks: keep\n", two...))
	for _, step := range []string{"keep", "keep again"} {
		r = sp.must(owner, "up")
		checkOps(t, step, r, map[string]int{})
		if !strings.Contains(r.output, "consumer stack organization/cross-account-s3/consumer-333333333333: no outputs (created but never deployed, or destroyed); kept the grants of the owner's last update (consumers team-3; 1 role; endpoint vpce-") {
			t.Errorf("%s: the output does not say what was kept:\n%s", step, r.output)
		}
		if sp.bucketPolicy() != granted {
			t.Fatalf("%s changed the bucket policy", step)
		}
		checkStatus(t, step, owner, map[string]string{"consumer-222222222222": "ok granted", "consumer-333333333333": "no-outputs kept"})
	}

	// ... drop, for that stack only: its grants go.
	owner.writeStackFile(splitOwnerFile("", two[0]) + "    - {stack: consumer-333333333333, accountIds: [\"333333333333\"], ifMissing: drop}\n")
	r = sp.must(owner, "up")
	checkOps(t, "drop", r, map[string]int{"update BucketPolicy": 1})
	if got, want := sp.bucketPolicy(), sp.wantPolicy(sp.endpointIDs(two[0]), two[0]); got != want {
		t.Fatalf("after drop:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(r.output, "granted nothing, as ifMissing: drop says (drops consumers team-3; 1 role; endpoint vpce-") {
		t.Errorf("drop: the output does not say what was dropped:\n%s", r.output)
	}
	checkStatus(t, "drop", owner, map[string]string{"consumer-222222222222": "ok granted", "consumer-333333333333": "no-outputs dropped"})

	// A consumer stack that speaks for an account the owner did not pin to it, and asks for more
	// than the owner allows it: refused, every problem at once, nothing written.
	rogue := sp.stack("consumer-777777777777", strings.ReplaceAll(strings.ReplaceAll(splitConsumerFile("777777777777"), "team-7", "rogue"), "app-7", "app-7"))
	sp.must(rogue, "up")
	before := sp.bucketPolicy()
	owner.writeStackFile(splitOwnerFile(`    - {stack: consumer-777777777777, accountIds: ["888888888888"], actions: [s3:GetObject]}
`, two[0]))
	r = sp.mustFail(owner, "preview",
		"the consumer stacks cannot be granted as they are, nothing was changed (2 problems):",
		"consumerStacks[1] (organization/cross-account-s3/consumer-777777777777): crossAccountS3.consumers[0].accountId: 777777777777 is not among the accounts the owner grants this stack (consumerStacks[1].accountIds: 888888888888)",
		"consumerStacks[1] (organization/cross-account-s3/consumer-777777777777): crossAccountS3.consumers[0].access: exceeds what the owner grants this stack: action s3:PutObject is not among the actions it may be granted (s3:GetObject)")
	checkNoWrite(t, "rogue consumer stack", r)
	if sp.bucketPolicy() != before {
		t.Fatal("a refused consumer stack changed the bucket policy")
	}
}

// move runs pulumi state move of these URNs from one stack to another of the split setup.
func (sp *split) move(from, to string, urns ...string) {
	sp.t.Helper()
	env, err := sp.ws.GetEnvVars(), error(nil)
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	args := append([]string{"state", "move", "--source", from, "--dest", to, "--yes"}, urns...)
	stdout, stderr, code, err := cli.Run(context.Background(), sp.dir, nil, nil, nil, list, args...)
	if code != 0 || err != nil {
		sp.t.Fatalf("pulumi %s: exit %d: %v\n%s%s", strings.Join(args, " "), code, err, stdout, stderr)
	}
}

// shell runs a command line as a user would paste it, with the engine tests' pulumi first on PATH
// and the split setup's backend.
func (sp *split) shell(command string) {
	sp.t.Helper()
	root, err := enginecli.Root(repoRoot)
	if err != nil {
		sp.t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", command)
	cmd.Dir = sp.dir
	cmd.Env = os.Environ()
	for k, v := range sp.ws.GetEnvVars() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "PATH="+filepath.Join(root, "bin")+string(os.PathListSeparator)+sp.ws.GetEnvVars()["PATH"])
	if out, err := cmd.CombinedOutput(); err != nil {
		sp.t.Fatalf("%s: %v\n%s", command, err, out)
	}
}

// urnsOf lists the URNs in a stack's state whose URN ends with one of these suffixes
// ("::s3-gateway-vpc-0…").
func urnsOf(e *engine, suffixes ...string) []string {
	e.t.Helper()
	var out []string
	for _, res := range e.deployment().Resources {
		for _, s := range suffixes {
			if strings.HasSuffix(string(res.URN), "::"+s) {
				out = append(out, string(res.URN))
			}
		}
	}
	if len(out) != len(suffixes) {
		e.t.Fatalf("stack %s: found %d of the resources %v: %v", e.name, len(out), suffixes, out)
	}
	return out
}

// leavesOf are the names of the endpoint and role policy of one of the split tests' accounts.
func leavesOf(account string) []string {
	d := account[:1]
	return []string{"s3-gateway-vpc-0" + strings.Repeat(d, 16), "role-policy-" + account + "-app-" + d}
}

// The documented moves between the single-stack form and split stacks (docs/split-stacks.md):
// only state moves, so AWS sees no write at any step and access never stops.
func TestEngineMoveBetweenSingleAndSplitStacks(t *testing.T) {
	two := splitAccounts[:2]
	sp := newSplit(t, worldFor(t, singleEquivalent(two...)))
	dev := sp.stack("dev", singleEquivalent(two...))
	sp.must(dev, "up")
	policy := sp.bucketPolicy()
	logStart := len(dev.calls())

	// Single -> split: move each account's endpoint and role policy to its consumer stack, the
	// bucket policy to the owner, with the commands cmd/splitmoves prints (run as printed); the
	// split programs then find what they declare already there.
	for _, a := range two {
		sp.stack(consumerStackName(a), splitConsumerFile(a))
	}
	owner := sp.stack("owner", splitOwnerFile("", two...))
	moves, err := statemoves.Split(dev.deployment(), consumerStackName, "owner")
	if err != nil {
		t.Fatal(err)
	}
	want := []statemoves.Move{
		{Dest: consumerStackName(two[0]), URNs: urnsOf(dev, leavesOf(two[0])...)},
		{Dest: consumerStackName(two[1]), URNs: urnsOf(dev, leavesOf(two[1])...)},
		{Dest: "owner", URNs: urnsOf(dev, "shared-data")},
	}
	for _, m := range want {
		sort.Strings(m.URNs)
	}
	if !reflect.DeepEqual(moves, want) {
		t.Fatalf("splitmoves planned\n%v\nwant\n%v", moves, want)
	}
	for _, command := range statemoves.Commands("dev", moves) {
		sp.shell(command)
	}
	// The moved endpoint still carries the tag cross-account-s3:stack=cross-account-s3/dev, so
	// preflight takes it for another stack's: the first up after the move runs without preflight
	// and retags it, in place (routes and policy untouched); then preflight is back on.
	for _, a := range two {
		c := sp.stacks[consumerStackName(a)]
		c.writeStackFile(splitConsumerFile(a) + "  cross-account-s3:preflight: false\n")
		before := c.world()
		r := sp.must(c, "up")
		checkOps(t, "up "+c.name+" after the move", r, map[string]int{"update VpcEndpoint": 1, "create pulumi": 1})
		checkOnlyTagsChanged(t, "up "+c.name+" after the move", r, "cross-account-s3/"+c.name, before, c.world())
		c.writeStackFile(splitConsumerFile(a))
		checkOps(t, "preview "+c.name+" with preflight", sp.must(c, "preview"), map[string]int{})
	}
	// The owner's only step is the engine's builtin provider that reads the consumer stacks.
	checkOps(t, "up owner after the move", sp.must(owner, "up"), map[string]int{"create pulumi": 1})
	if got := sp.bucketPolicy(); got != policy {
		t.Fatalf("the bucket policy changed in the move to split stacks:\n%s\nwas:\n%s", got, policy)
	}
	for _, res := range dev.deployment().Resources {
		if res.Custom && !strings.HasPrefix(string(res.Type), "pulumi:providers:") {
			t.Errorf("dev still holds %s after the move", res.URN)
		}
	}

	// Split -> single: move the leaves back; the single program's root aliases take them over
	// under its components.
	for _, a := range two {
		c := sp.stacks[consumerStackName(a)]
		sp.move(c.name, "dev", urnsOf(c, leavesOf(a)...)...)
	}
	sp.move("owner", "dev", urnsOf(owner, "shared-data")...)
	dev.writeStackFile(singleEquivalent(two...) + "  cross-account-s3:preflight: false\n")
	before := dev.world()
	r := sp.must(dev, "up")
	// dev kept its components and providers (state move copies providers), so the root aliases
	// take the moved leaves over under them; the provider copies that came along at the root are
	// unused and deleted (a provider's delete makes no AWS call). The only AWS writes are the
	// endpoints' tags, back to dev.
	checkOps(t, "up dev after the move back", r, map[string]int{"update VpcEndpoint": 2, "delete aws": 3})
	checkOnlyTagsChanged(t, "up dev after the move back", r, "cross-account-s3/dev", before, dev.world())
	checkPinned(t, "up dev after the move back", dev, r)
	dev.writeStackFile(singleEquivalent(two...))
	checkOps(t, "preview dev with preflight", sp.must(dev, "preview"), map[string]int{})
	if got := sp.bucketPolicy(); got != policy {
		t.Fatalf("the bucket policy changed in the move back:\n%s\nwas:\n%s", got, policy)
	}
	for _, c := range dev.calls()[logStart:] {
		if c.Op == "create" || c.Op == "delete" || c.Op == "update" && c.Type != "aws:ec2/vpcEndpoint:VpcEndpoint" {
			t.Errorf("AWS saw %s %s %s during the moves; a move writes nothing but the endpoints' tags", c.Op, c.Type, c.ID)
		}
	}
}

// checkOnlyTagsChanged asserts that every update of the operation set the endpoint's stack tag to
// this value, and that the endpoints are otherwise as they were (same IDs, VPCs, route tables and
// policies: no access changed).
func checkOnlyTagsChanged(t *testing.T, step string, r result, tag string, before, after *world.World) {
	t.Helper()
	for _, c := range r.calls {
		if c.Op != "update" {
			continue
		}
		tags, _ := c.Inputs["tags"].(map[string]any)
		if tags["cross-account-s3:stack"] != tag {
			t.Errorf("%s: update %s %s: tags %v, want cross-account-s3:stack=%s", step, c.Type, c.ID, tags, tag)
		}
	}
	untagged := func(w *world.World) map[string]world.Endpoint {
		out := map[string]world.Endpoint{}
		for id, e := range w.Endpoints {
			e.Tags = nil
			out[id] = e
		}
		return out
	}
	if b, a := untagged(before), untagged(after); !reflect.DeepEqual(b, a) {
		t.Errorf("%s: the endpoints changed beyond their tags:\nbefore %v\nafter  %v", step, b, a)
	}
}

// The split examples deploy in the documented order (consumer stacks, then the owner), each stack
// at its root with only its own account's resources, and the owner writes the same bucket policy
// as the single-stack example they split (examples/Pulumi.several-accounts.yaml).
func TestEngineSplitExamplesDeploy(t *testing.T) {
	single := readFile(t, filepath.Join(repoRoot, "examples", "Pulumi.several-accounts.yaml"))
	sp := newSplit(t, worldFor(t, single))
	consumers := []string{"consumer-222222222222", "consumer-333333333333"}
	wantURNs := map[string][]string{
		"consumer-222222222222": {"pulumi:providers:aws::consumer-222222222222", "aws:ec2/vpcEndpoint:VpcEndpoint::s3-gateway-vpc-0a0a0a0a0a0a0a0a0",
			"aws:iam/rolePolicy:RolePolicy::role-policy-222222222222-reporting-ec2", "pulumi:providers:pulumi::default"},
		"consumer-333333333333": {"pulumi:providers:aws::consumer-333333333333", "aws:ec2/vpcEndpoint:VpcEndpoint::s3-gateway-vpc-0b0b0b0b0b0b0b0b0", "pulumi:providers:pulumi::default"},
		"owner":                 {"pulumi:providers:aws::bucket-owner", "aws:s3/bucketPolicy:BucketPolicy::example-shared-data", "pulumi:providers:pulumi::default"},
	}
	for _, name := range append(consumers, "owner") {
		e := sp.stack(name, readFile(t, filepath.Join(repoRoot, "examples", "split", "Pulumi."+name+".yaml")))
		r := sp.must(e, "up")
		checkPinned(t, "up "+name, e, r)
		var got []string
		for _, res := range e.deployment().Resources {
			if res.Type == "pulumi:pulumi:Stack" {
				continue
			}
			if res.Parent != "" && !strings.HasSuffix(string(res.Parent), "::cross-account-s3-"+name) {
				t.Errorf("%s: %s is not at the stack's root (parent %s)", name, res.URN, res.Parent)
			}
			urn := string(res.URN)
			got = append(got, urn[strings.Index(urn, "::cross-account-s3::")+len("::cross-account-s3::"):])
		}
		sort.Strings(got)
		want := append([]string(nil), wantURNs[name]...)
		sort.Strings(want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: resources %v\nwant %v", name, got, want)
		}
		checkOps(t, "second up of "+name, sp.must(e, "up"), map[string]int{})
	}
	ids := policydoc.EndpointIDs{}
	for _, name := range consumers {
		outs, err := sp.stacks[name].stack.Outputs(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for consumer, v := range outs["consumers"].Value.(map[string]any) {
			ids[consumer] = v.(map[string]any)["endpointId"].(string)
		}
	}
	if got, want := sp.bucketPolicyOf("example-shared-data"), policydoc.BucketPolicy(specOf(t, single), ids).JSON(); got != want {
		t.Errorf("the split examples' bucket policy:\n%s\nwant the single-stack example's:\n%s", got, want)
	}
}

// A deployed single stack switched to one side, without moving the other side's resources out
// first, would have the engine delete them at the end of the update: the program refuses, and
// nothing is deleted.
func TestEngineSwitchingSideInPlaceIsRefused(t *testing.T) {
	two := splitAccounts[:2]
	sp := newSplit(t, worldFor(t, singleEquivalent(splitAccounts[:3]...)))
	dev := sp.stack("dev", singleEquivalent(two...))
	sp.must(dev, "up")
	policy := sp.bucketPolicy()
	asConsumer := strings.Replace(singleEquivalent(two...), "  cross-account-s3:bucketProfile: bucket-owner\n", "  cross-account-s3:side: consumer\n", 1)
	asOwner := splitOwnerFile("", two...)
	for _, side := range []string{"consumer", "owner"} {
		dev.writeStackFile(map[string]string{"consumer": asConsumer, "owner": asOwner}[side])
		for _, op := range []string{"preview", "up"} {
			r := sp.mustFail(dev, op, "side: is "+side+", but this stack's last update deployed the ", "which a "+side+" stack does not declare: pulumi up would delete it. Move it to the stack that takes it over first")
			// The reader of the stack's own outputs, created by the first failed up, is the only step.
			delete(r.ops, "create pulumi")
			checkOps(t, side+" "+op, r, map[string]int{})
			checkNoWrite(t, side+" "+op, r)
		}
	}
	if sp.bucketPolicy() != policy {
		t.Fatal("the bucket policy changed")
	}

	// A consumer stack set back to both (its side line deleted, say) would write the bucket's one
	// policy with only its own consumers: refused too.
	c := sp.stack(consumerStackName(splitAccounts[2]), splitConsumerFile(splitAccounts[2]))
	sp.must(c, "up")
	c.writeStackFile(strings.Replace(splitConsumerFile(splitAccounts[2]), "  cross-account-s3:side: consumer\n", "", 1))
	r := sp.mustFail(c, "preview", "side: is both, but this stack's last update deployed it as one side of split stacks (side: consumer): as both it would also write what the other stacks of the split hold (a bucket has one policy)")
	checkOps(t, "consumer stack as both", r, map[string]int{})
	checkNoWrite(t, "consumer stack as both", r)
}

// A KMS-encrypted bucket in split stacks: each consumer stack's role policy names the key (both
// sides read bucketKmsKeyArn); the owner stack grants each role on the key with the bucket
// account's provider, exactly as one stack would, and leaves the key's policy as it was.
func TestEngineSplitStacksOnAKMSBucket(t *testing.T) {
	two := splitAccounts[:2]
	sp := newSplit(t, worldFor(t, singleEquivalent(two...)+kmsLines))
	for _, a := range two {
		c := sp.stack(consumerStackName(a), splitConsumerFile(a)+kmsLines)
		r := sp.must(c, "up")
		checkOnlyAccount(t, "up "+c.name, r, a)
		d := a[:1]
		policy := c.world().RolePolicies[a+"/app-"+d+"/"+spec.RolePolicyName("shared-data")]
		if !strings.Contains(policy, `"kms:Decrypt"`) || !strings.Contains(policy, kmsKey) {
			t.Errorf("%s: the role policy does not let the role use the bucket's key:\n%s", c.name, policy)
		}
	}
	owner := sp.stack("owner", splitOwnerFile(kmsLines, two...))
	r := sp.must(owner, "up")
	checkOps(t, "up owner", r, map[string]int{"create aws": 1, "create BucketPolicy": 1, "create Grant": 2, "create Stack": 1, "create pulumi": 1})
	checkPinned(t, "up owner", owner, r)
	checkOnlyAccount(t, "up owner", r, "111111111111")
	kmsGrants(map[string]string{
		"arn:aws:iam::222222222222:role/app-2": "Decrypt,GenerateDataKey",
		"arn:aws:iam::333333333333:role/app-3": "Decrypt,GenerateDataKey",
	}, nil)(t, owner.world())
	checkOps(t, "second up of owner", sp.must(owner, "up"), map[string]int{})
}
