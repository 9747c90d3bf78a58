package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/program"
	enginecli "cross-account-s3/testworld/cli"
	"cross-account-s3/testworld/world"
)

const repoRoot = "../.."

// passphrase encrypts the secrets of every stack here, the examples' included (their
// encryptionsalt was made with it).
const passphrase = "examples-only"

var (
	// cli runs the Pulumi CLI built by testworld/pulumicli/build.sh.
	cli auto.PulumiCommand
	// pluginDir holds the fake pulumi-resource-aws.
	pluginDir string
	// skipped says why the engine tests cannot run here; "" when they can.
	skipped string
)

func TestMain(m *testing.M) {
	if code, ok := docsTool(); ok {
		os.Exit(code) // this binary as the docs test's pulumi or $EDITOR (docs_tools_test.go)
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	root, err := enginecli.Root(repoRoot)
	if err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintf(os.Stderr, "engine tests cannot run in CI: %v\n", err)
			return 1
		}
		skipped = err.Error()
		fmt.Printf("engine tests skipped: %v\n", err)
		return m.Run()
	}
	cli, err = auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root})
	if err != nil {
		fmt.Fprintf(os.Stderr, "engine tests: %v\n", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "fakeaws-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "pulumi-resource-aws"), "../fakeaws")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "engine tests: building the fake AWS plugin: %v\n", err)
		return 1
	}
	pluginDir = dir
	return m.Run()
}

// engine is one stack in its own work dir, backend, Pulumi home and AWS world.
type engine struct {
	t         *testing.T
	dir       string
	name      string
	worldPath string
	logPath   string
	stack     auto.Stack
}

// newEngine creates stack name in a fresh work dir holding the repo's Pulumi.yaml and the given
// stack file text, over a world.
func newEngine(t *testing.T, name, stackFile string, w *world.World) *engine {
	t.Helper()
	if skipped != "" {
		t.Skip(skipped)
	}
	dir := t.TempDir()
	e := &engine{t: t, dir: dir, name: name,
		worldPath: filepath.Join(dir, "world.json"), logPath: filepath.Join(dir, "aws-calls.jsonl")}
	copyFile(t, filepath.Join(repoRoot, "Pulumi.yaml"), filepath.Join(dir, "Pulumi.yaml"))
	e.writeStackFile(stackFile)
	if err := world.Save(e.worldPath, w); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ws := newWorkspace(t, dir, program.Run, e.worldPath, e.logPath)
	var err error
	e.stack, err = auto.UpsertStack(ctx, name, ws)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// newWorkspace is a workspace in dir, which holds Pulumi.yaml: program served in-process to the
// CLI, state in dir/state, Pulumi home in dir/home, and the fake AWS plugin first on PATH, acting
// on worldPath and logging to logPath.
func newWorkspace(t *testing.T, dir string, prog pulumi.RunFunc, worldPath, logPath string) auto.Workspace {
	t.Helper()
	for _, sub := range []string{"state", "home"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ws, err := auto.NewLocalWorkspace(context.Background(),
		auto.WorkDir(dir),
		auto.Program(prog),
		auto.Pulumi(cli),
		auto.PulumiHome(filepath.Join(dir, "home")),
		auto.EnvVars(map[string]string{
			"PULUMI_BACKEND_URL":                   "file://" + filepath.Join(dir, "state"),
			"PULUMI_CONFIG_PASSPHRASE":             passphrase,
			"PULUMI_SKIP_UPDATE_CHECK":             "1",
			"PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": "true",
			"FAKE_AWS_WORLD":                       worldPath,
			"FAKE_AWS_LOG":                         logPath,
			"PATH":                                 pluginDir + string(os.PathListSeparator) + os.Getenv("PATH"),
			// The shell running the tests must not move a provider: every one sets its own.
			"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "",
		}))
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// writeStackFile replaces the stack file, keeping the encryptionsalt the CLI wrote into it.
func (e *engine) writeStackFile(text string) {
	path := filepath.Join(e.dir, "Pulumi."+e.name+".yaml")
	if old, err := os.ReadFile(path); err == nil && !strings.Contains(text, "encryptionsalt:") {
		if salt := saltLine.Find(old); salt != nil {
			text = string(salt) + text
		}
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

var saltLine = regexp.MustCompile(`(?m)^encryptionsalt: .*\n`)

// result is what one engine operation did.
type result struct {
	err error
	// ops counts the steps by "op Type" (e.g. "update VpcEndpoint"), leaving out "same".
	ops map[string]int
	// calls are what the fake AWS was asked during the operation.
	calls []world.Op
	// output is the CLI's output (stdout and stderr).
	output string
}

func (r result) String() string {
	keys := make([]string, 0, len(r.ops))
	for k := range r.ops {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s×%d", k, r.ops[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// run runs one operation: "preview", "up", "refresh" or "destroy".
func (e *engine) run(op string) result {
	e.t.Helper()
	ctx := context.Background()
	e.setProgramConfig(ctx)
	before := len(e.calls())
	ch := make(chan events.EngineEvent)
	done := make(chan map[string]int)
	go func() {
		ops := map[string]int{}
		for ev := range ch {
			if ev.ResourcePreEvent == nil {
				continue
			}
			md := ev.ResourcePreEvent.Metadata
			if md.Op == apitype.OpSame {
				continue
			}
			ops[string(md.Op)+" "+shortType(md.Type)]++
		}
		done <- ops
	}()
	var res result
	start := time.Now()
	switch op {
	case "preview":
		r, err := e.stack.Preview(ctx, optpreview.EventStreams(ch))
		res.err, res.output = err, r.StdOut+r.StdErr
	case "up":
		r, err := e.stack.Up(ctx, optup.EventStreams(ch))
		res.err, res.output = err, r.StdOut+r.StdErr
	case "destroy":
		r, err := e.stack.Destroy(ctx, optdestroy.EventStreams(ch))
		res.err, res.output = err, r.StdOut+r.StdErr
	case "refresh":
		r, err := e.stack.Refresh(ctx, optrefresh.EventStreams(ch))
		res.err, res.output = err, r.StdOut+r.StdErr
	default:
		e.t.Fatalf("unknown operation %q", op)
	}
	// A failed operation may end before its event stream started, and then nobody closes it.
	select {
	case res.ops = <-done:
	case <-time.After(3 * time.Second):
		if res.err == nil {
			e.t.Fatalf("%s of %s: its event stream did not end", op, e.name)
		}
	}
	res.calls = e.calls()[before:]
	e.t.Logf("%s of %s: %s in %s", op, e.name, res, time.Since(start).Round(time.Millisecond))
	return res
}

// setProgramConfig gives the in-process program the PULUMI_CONFIG that the Go language host sets
// for a program under `pulumi preview`: the program's check for unknown keys reads it. An inline
// program under the Automation API gets its config by RPC only.
func (e *engine) setProgramConfig(ctx context.Context) {
	e.t.Helper()
	all, err := e.stack.GetAllConfig(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	plain := map[string]string{}
	for k, v := range all {
		plain[k] = v.Value
	}
	b, _ := json.Marshal(plain)
	e.t.Setenv("PULUMI_CONFIG", string(b))
}

func (e *engine) calls() []world.Op {
	e.t.Helper()
	ops, err := world.ReadLog(e.logPath)
	if err != nil {
		e.t.Fatal(err)
	}
	return ops
}

func (e *engine) world() *world.World {
	e.t.Helper()
	w, err := world.Load(e.worldPath)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// shortType is the last part of a type token: VpcEndpoint, BucketPolicy, RolePolicy, aws (a
// provider), ConsumerAccount, Stack.
func shortType(token string) string {
	return token[strings.LastIndex(token, ":")+1:]
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
