package splitstacks

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/testworld/cli"
	"cross-account-s3/testworld/world"
)

// These tests run small inline programs on the real Pulumi CLI (testworld/pulumicli/build.sh) with a
// file backend, to pin down the engine behaviour the split mode is designed on. Without the CLI
// they skip, except under CI.

const repoRoot = ".."

const project = `name: cross-account-s3
runtime: go
config:
  pulumi:disable-default-providers:
    value: ["*"]
`

type backend struct {
	t        *testing.T
	dir      string
	cli      auto.PulumiCommand
	env      map[string]string
	worldLog string
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	root, err := cli.Root(repoRoot)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	cli, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "pulumi-resource-aws"), "./testworld/fakeaws")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the fake plugin: %v\n%s", err, out)
	}
	for _, sub := range []string{"state", "home"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(project), 0o644); err != nil {
		t.Fatal(err)
	}
	w := world.New()
	w.Credentials["ambient"] = "999999999999"
	w.Credentials["profile:owner"] = "111111111111"
	w.Buckets["shared-data"] = world.Bucket{Account: "111111111111", Region: "eu-west-1"}
	if err := world.Save(filepath.Join(dir, "world.json"), w); err != nil {
		t.Fatal(err)
	}
	return &backend{t: t, dir: dir, cli: cli, worldLog: filepath.Join(dir, "aws-calls.jsonl"), env: map[string]string{
		"PULUMI_BACKEND_URL":                   "file://" + filepath.Join(dir, "state"),
		"PULUMI_CONFIG_PASSPHRASE":             "splitstacks-test",
		"PULUMI_SKIP_UPDATE_CHECK":             "1",
		"PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": "true",
		"FAKE_AWS_WORLD":                       filepath.Join(dir, "world.json"),
		"FAKE_AWS_LOG":                         filepath.Join(dir, "aws-calls.jsonl"),
		"PATH":                                 bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"AWS_REGION":                           "", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "",
	}}
}

// stack creates (or selects) a stack that runs program.
func (b *backend) stack(name string, program pulumi.RunFunc) auto.Stack {
	b.t.Helper()
	ctx := context.Background()
	ws, err := auto.NewLocalWorkspace(ctx, auto.WorkDir(b.dir), auto.Program(program), auto.Pulumi(b.cli),
		auto.PulumiHome(filepath.Join(b.dir, "home")), auto.EnvVars(b.env))
	if err != nil {
		b.t.Fatal(err)
	}
	s, err := auto.UpsertStack(ctx, name, ws)
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// ops runs op and counts its steps by "op type-suffix", leaving out "same".
func (b *backend) ops(s auto.Stack, op string) (map[string]int, string) {
	b.t.Helper()
	ctx := context.Background()
	ch := make(chan events.EngineEvent)
	done := make(chan map[string]int)
	go func() {
		ops := map[string]int{}
		for ev := range ch {
			if ev.ResourcePreEvent != nil && ev.ResourcePreEvent.Metadata.Op != apitype.OpSame {
				md := ev.ResourcePreEvent.Metadata
				ops[string(md.Op)+" "+md.Type[strings.LastIndex(md.Type, ":")+1:]]++
			}
		}
		done <- ops
	}()
	var out string
	var err error
	switch op {
	case "preview":
		var r auto.PreviewResult
		r, err = s.Preview(ctx, optpreview.EventStreams(ch))
		out = r.StdOut + r.StdErr
	case "up":
		var r auto.UpResult
		r, err = s.Up(ctx, optup.EventStreams(ch))
		out = r.StdOut + r.StdErr
	case "destroy":
		var r auto.DestroyResult
		r, err = s.Destroy(ctx, optdestroy.EventStreams(ch))
		out = r.StdOut + r.StdErr
	}
	if err != nil {
		b.t.Fatalf("%s of %s: %v\n%s", op, s.Name(), err, out)
	}
	return <-done, out
}

// TestReadClassifiesStacks: a stack never created, created but never deployed, deployed, and
// destroyed, as an owner program sees them in preview and in up; and the owner's own outputs of
// its last update, read from inside the update.
func TestReadClassifiesStacks(t *testing.T) {
	b := newBackend(t)
	consumer := func(endpoint string) pulumi.RunFunc {
		return func(ctx *pulumi.Context) error {
			ctx.Export("crossAccountS3", pulumi.Map{"schemaVersion": pulumi.Int(1), "endpointId": pulumi.String(endpoint)})
			ctx.Export("token", pulumi.ToSecret(pulumi.String("s3cr3t")))
			return nil
		}
	}
	// The owner reads every name and exports what it found, plus its own outputs of last time.
	generation := 0
	var seen map[string]Stack
	owner := func(ctx *pulumi.Context) error {
		seen = map[string]Stack{}
		for _, name := range []string{"never-created", "created-only", "deployed", "destroyed", "self"} {
			full := FullName(ctx, name)
			if name == "self" {
				full = Self(ctx)
			}
			st, err := ReadStack(ctx, full)
			if err != nil {
				return err
			}
			seen[name] = st
		}
		ctx.Export("generation", pulumi.Int(generation))
		return nil
	}

	b.stack("created-only", consumer("vpce-00000000000000001"))
	deployed := b.stack("deployed", consumer("vpce-00000000000000002"))
	b.ops(deployed, "up")
	destroyed := b.stack("destroyed", consumer("vpce-00000000000000003"))
	b.ops(destroyed, "up")
	b.ops(destroyed, "destroy")
	o := b.stack("owner", owner)

	for _, step := range []struct {
		op             string
		generation     int
		selfStatus     Status
		selfGeneration float64
	}{
		{"preview", 1, NoOutputs, 0},
		{"up", 1, NoOutputs, 0},
		{"up", 2, OK, 1},
		{"preview", 3, OK, 2},
	} {
		generation = step.generation
		b.ops(o, step.op)
		want := map[string]Status{"never-created": NotFound, "created-only": NoOutputs, "deployed": OK, "destroyed": NoOutputs, "self": step.selfStatus}
		for name, status := range want {
			if seen[name].Status != status {
				t.Errorf("%s %d: %s is %s, want %s (%+v)", step.op, step.generation, name, seen[name].Status, status, seen[name])
			}
		}
		if got := seen["never-created"]; !strings.Contains(got.Detail, `unknown stack "organization/cross-account-s3/never-created"`) {
			t.Errorf("never-created detail %q", got.Detail)
		}
		d := seen["deployed"]
		if m, _ := d.Outputs["crossAccountS3"].(map[string]any); m["endpointId"] != "vpce-00000000000000002" || fmt.Sprint(d.SecretOutputs) != "[token]" {
			t.Errorf("deployed outputs %+v, secrets %v", d.Outputs, d.SecretOutputs)
		}
		if self := seen["self"]; self.Status == OK && self.Outputs["generation"] != step.selfGeneration {
			t.Errorf("%s %d: own outputs read back %v, want generation %v", step.op, step.generation, self.Outputs, step.selfGeneration)
		}
	}

	// What Read avoids: a StackReference resource to a missing stack fails the whole preview.
	ref := b.stack("with-reference", func(ctx *pulumi.Context) error {
		_, err := pulumi.NewStackReference(ctx, "never-created", &pulumi.StackReferenceArgs{Name: pulumi.String(FullName(ctx, "never-created"))})
		return err
	})
	if r, err := ref.Preview(context.Background()); err == nil || !strings.Contains(r.StdOut+r.StdErr+err.Error(), `unknown stack "organization/cross-account-s3/never-created"`) {
		t.Errorf("preview with a StackReference to a missing stack: %v", err)
	}
}

// The bucket owner's side, laid out three ways.
const (
	typeShared = "cross-account-s3:index:SharedBucketAccess"
	typeOwner  = "cross-account-s3:index:BucketOwnerAccount"

	// single: SharedBucketAccess shared-bucket > BucketOwnerAccount bucket-owner > provider and
	// policy, as the single-stack program nests them.
	single = "single"
	// splitFlat: provider and policy at the root, no component.
	splitFlat = "split-flat"
	// splitComponents: BucketOwnerAccount at the root > provider and policy.
	splitComponents = "split-components"
)

type component struct{ pulumi.ResourceState }

// ownerTree declares the bucket owner's provider and bucket policy in a layout; leafOpts go to
// both (the aliases under test).
func ownerTree(layout string, leafOpts ...pulumi.ResourceOption) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		var parent []pulumi.ResourceOption
		if layout == single {
			shared := &component{}
			if err := ctx.RegisterComponentResource(typeShared, "shared-bucket", shared); err != nil {
				return err
			}
			parent = []pulumi.ResourceOption{pulumi.Parent(shared)}
		}
		if layout != splitFlat {
			owner := &component{}
			if err := ctx.RegisterComponentResource(typeOwner, "bucket-owner", owner, parent...); err != nil {
				return err
			}
			parent = []pulumi.ResourceOption{pulumi.Parent(owner)}
		}
		opts := append(parent, leafOpts...)
		p, err := aws.NewProvider(ctx, "bucket-owner", &aws.ProviderArgs{Region: pulumi.String("eu-west-1"), Profile: pulumi.String("owner"),
			AllowedAccountIds: pulumi.StringArray{pulumi.String("111111111111")}}, opts...)
		if err != nil {
			return err
		}
		_, err = s3.NewBucketPolicy(ctx, "shared-data", &s3.BucketPolicyArgs{Bucket: pulumi.String("shared-data"),
			Policy: pulumi.String(`{"Version":"2012-10-17","Statement":[]}`)}, append(opts, pulumi.Provider(p))...)
		// An output the stack did not have before the move, as a split stack's crossAccountS3 will be.
		ctx.Export("layout", pulumi.String(layout))
		return err
	}
}

var noParent = pulumi.Aliases([]pulumi.Alias{{NoParent: pulumi.Bool(true)}})

// move runs pulumi state move and returns its error output ("" when it succeeded).
func (b *backend) move(from, to, urn string) string {
	b.t.Helper()
	stdout, stderr, code, err := b.cli.Run(context.Background(), b.dir, nil, nil, nil, envList(b.env),
		"state", "move", "--source", from, "--dest", to, "--yes", urn)
	if code != 0 || err != nil {
		return fmt.Sprintf("exit %d: %v\n%s%s", code, err, stdout, stderr)
	}
	return ""
}

// TestStateMove pins what pulumi state move (CLI v3.274.1) does to this project's tree, which the
// migration between single and split stacks relies on:
//
//   - moving a component whose parent stays behind fails when the component has a provider as a
//     child (the copied provider keeps the old parent chain: "refers to missing parent"), so the
//     BucketOwnerAccount / ConsumerAccount components cannot be moved as a whole;
//   - moving the leaves (bucket policy; endpoints and role policies) works: they and copies of
//     their providers land at the destination's root;
//   - a split program that declares provider and policy at the root then sees no change at all;
//     one that keeps a component above them needs {NoParent: true} aliases on them, and creates
//     the component; without aliases, the policy would be created anew and the moved one deleted;
//   - back into a single stack, the leaves land at its root again, and the single program takes
//     them over with the same aliases.
//
// AWS sees no write during any of it.
func TestStateMove(t *testing.T) {
	b := newBackend(t)
	src := b.stack("single", ownerTree(single))
	if ops, _ := b.ops(src, "up"); ops["create BucketPolicy"] != 1 {
		t.Fatalf("first up: %v", ops)
	}
	writes := countWrites(t, b.worldLog)
	b.stack("owner", ownerTree(splitFlat))

	// The component: refused by the CLI's integrity check, and nothing moved.
	component := "urn:pulumi:single::cross-account-s3::" + typeShared + "$" + typeOwner + "::bucket-owner"
	if out := b.move("single", "owner", component); !strings.Contains(out, "refers to missing parent") {
		t.Errorf("moving the component: want the CLI's integrity error (if it now works, the migration may move components):\n%s", out)
	}
	if ops, _ := b.ops(src, "preview"); len(ops) != 0 {
		t.Errorf("the single stack changed after the refused move: %v", ops)
	}

	// The leaf.
	leaf := "urn:pulumi:single::cross-account-s3::" + typeShared + "$" + typeOwner + "$aws:s3/bucketPolicy:BucketPolicy::shared-data"
	if out := b.move("single", "owner", leaf); out != "" {
		t.Fatalf("moving the bucket policy: %s", out)
	}
	want := func(step string, got, want map[string]int) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", step, got, want)
		}
	}
	ops, _ := b.ops(b.stack("owner", ownerTree(splitComponents)), "preview")
	want("component above the moved leaves, no alias", ops, map[string]int{"create BucketOwnerAccount": 1, "create BucketPolicy": 1,
		"create aws": 1, "delete BucketPolicy": 1, "delete aws": 1})
	ops, _ = b.ops(b.stack("owner", ownerTree(splitComponents, noParent)), "preview")
	want("component above the moved leaves, aliased", ops, map[string]int{"create BucketOwnerAccount": 1})
	flat := b.stack("owner", ownerTree(splitFlat))
	ops, _ = b.ops(flat, "preview")
	want("leaves at the root", ops, map[string]int{})
	// A new stack output is not a change for --expect-no-changes.
	if _, err := flat.Preview(context.Background(), optpreview.ExpectNoChanges()); err != nil {
		t.Errorf("preview --expect-no-changes of the moved leaves: %v", err)
	}
	ops, _ = b.ops(flat, "up")
	want("up, leaves at the root", ops, map[string]int{})

	// Left in the single stack: nothing that stands for an AWS resource but the provider copy.
	dep, err := src.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, m := range regexp.MustCompile(`"type":\s*"([^"]+)"`).FindAllStringSubmatch(string(dep.Deployment), -1) {
		if strings.Contains(m[1], ":") { // not the secrets provider's "passphrase"
			left = append(left, m[1])
		}
	}
	if fmt.Sprint(left) != fmt.Sprint([]string{"pulumi:pulumi:Stack", typeShared, typeOwner, "pulumi:providers:aws"}) {
		t.Errorf("left in the single stack: %v", left)
	}

	// And back, into a new single stack.
	b.stack("again", ownerTree(single))
	if out := b.move("owner", "again", "urn:pulumi:owner::cross-account-s3::aws:s3/bucketPolicy:BucketPolicy::shared-data"); out != "" {
		t.Fatalf("moving back: %s", out)
	}
	ops, _ = b.ops(b.stack("again", ownerTree(single)), "preview")
	want("back in a single stack, no alias", ops, map[string]int{"create SharedBucketAccess": 1, "create BucketOwnerAccount": 1,
		"create BucketPolicy": 1, "create aws": 1, "delete BucketPolicy": 1, "delete aws": 1})
	again := b.stack("again", ownerTree(single, noParent))
	ops, _ = b.ops(again, "up")
	want("back in a single stack, aliased", ops, map[string]int{"create SharedBucketAccess": 1, "create BucketOwnerAccount": 1})
	if ops, _ = b.ops(again, "preview"); len(ops) != 0 {
		t.Errorf("preview after the aliased up: %v", ops)
	}
	if n := countWrites(t, b.worldLog); n != writes {
		t.Errorf("AWS saw %d writes during the moves, want none", n-writes)
	}
}

// countWrites counts the fake AWS's create, update and delete calls.
func countWrites(t *testing.T, log string) int {
	ops, err := world.ReadLog(log)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, op := range ops {
		if op.Op == "create" || op.Op == "update" || op.Op == "delete" {
			n++
		}
	}
	return n
}

func envList(env map[string]string) []string {
	var out []string
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}
