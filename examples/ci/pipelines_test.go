// Package ci holds the GitHub Actions pipelines of docs/ci.md and the tests that keep them true:
// the pipelines are linted, their stack lists come from the repo's own rollout config, and they
// call only commands the test suite exercises.
package ci

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Pinned tools, built from the Go module proxy.
const (
	actionlint = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"
	yq         = "github.com/mikefarah/yq/v4@v4.54.3" // the yq of GitHub's ubuntu runners
)

const repoRoot = "../.."

// tool builds a pinned tool into a temporary GOBIN and returns its folder.
func tool(t *testing.T, pkg string) string {
	t.Helper()
	bin := t.TempDir()
	cmd := exec.Command("go", "install", pkg)
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("cannot build %s here: %v\n%s", pkg, err, out)
		}
		t.Fatalf("building %s: %v\n%s", pkg, err, out)
	}
	return bin
}

func workflows(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.yml")
	if err != nil || len(files) != 3 {
		t.Fatalf("want the three pipelines, found %v (%v)", files, err)
	}
	return files
}

func TestPipelinesPassActionlint(t *testing.T) {
	bin := tool(t, actionlint)
	cmd := exec.Command(filepath.Join(bin, "actionlint"), append([]string{"-no-color"}, workflows(t)...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("actionlint: %v\n%s", err, out)
	}
}

// workflow is the part of a GitHub Actions workflow these tests read.
type workflow struct {
	Env  map[string]string
	Jobs map[string]struct {
		Strategy struct {
			Matrix map[string]any
		}
		Steps []struct {
			ID   string
			Name string
			Uses string
			Run  string
			With map[string]any
		}
	}
}

func load(t *testing.T, file string) workflow {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return w
}

// runStep runs a step's script as the runner would, with yq on PATH, from the repo root, and
// returns what it wrote to $GITHUB_OUTPUT.
func runStep(t *testing.T, yqBin, script string, env map[string]string) map[string]string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "output")
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "PATH="+yqBin+string(os.PathListSeparator)+os.Getenv("PATH"), "GITHUB_OUTPUT="+out)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("step script failed: %v\n%s\n%s", err, script, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			got[k] = v
		}
	}
	return got
}

// The split pipeline's matrix is the rollout config's consumer stacks, computed by the
// pipeline's own step: the two cannot disagree, and every stack named has its stack file, of
// the side the pipeline gives it, in one account.
func TestSplitPipelineStacksAreTheRolloutConfigs(t *testing.T) {
	w := load(t, "split-stacks.yml")
	config := w.Env["ROLLOUT_CONFIG"]
	var rollout struct {
		Dir       string
		Owner     string
		Consumers []string
	}
	b, err := os.ReadFile(filepath.Join(repoRoot, config))
	if err != nil {
		t.Fatalf("ROLLOUT_CONFIG %q: %v", config, err)
	}
	if err := yaml.Unmarshal(b, &rollout); err != nil {
		t.Fatal(err)
	}
	var list string
	for _, s := range w.Jobs["stacks"].Steps {
		if s.ID == "list" {
			list = s.Run
		}
	}
	if matrix := w.Jobs["consumer"].Strategy.Matrix["stack"]; matrix != "${{ fromJSON(needs.stacks.outputs.consumers) }}" {
		t.Fatalf("the consumer matrix is %v, not the stacks job's list", matrix)
	}
	yqBin := tool(t, yq)
	got := runStep(t, yqBin, list, map[string]string{"ROLLOUT_CONFIG": config})
	want := `["` + strings.Join(rollout.Consumers, `","`) + `"]`
	if got["consumers"] != want || got["owner"] != rollout.Owner {
		t.Fatalf("the pipeline lists consumers %s and owner %s; %s says %s and %s", got["consumers"], got["owner"], config, want, rollout.Owner)
	}
	dir := filepath.Join(filepath.Dir(config), rollout.Dir)
	if got["dir"] != filepath.Clean(dir) {
		t.Fatalf("the pipeline runs in %q, the rollout config in %q", got["dir"], dir)
	}
	// The stack files sit in examples/split until a user copies them next to Pulumi.yaml.
	sides := map[string]string{rollout.Owner: "owner"}
	for _, c := range rollout.Consumers {
		sides[c] = "consumer"
	}
	for stack, side := range sides {
		out := runStep(t, yqBin, `examples/ci/stack-accounts.sh "examples/split/Pulumi.`+stack+`.yaml" >> "$GITHUB_OUTPUT"`, nil)
		if out["side"] != side || out[map[string]string{"owner": "bucket", "consumer": "consumer"}[side]+"_account"] == "" {
			t.Errorf("stack %s: %v, want side %s with its account", stack, out, side)
		}
	}
}

// stack-accounts.sh on the stack files the pipelines may meet: the flat dev stack gives both
// profiles; a stack of both sides with no profile, or with consumers in several accounts, is
// refused with the reason.
func TestStackAccounts(t *testing.T) {
	yqBin := tool(t, yq)
	got := runStep(t, yqBin, `examples/ci/stack-accounts.sh Pulumi.dev.yaml >> "$GITHUB_OUTPUT"`, nil)
	want := map[string]string{"side": "both", "bucket_account": "111111111111", "bucket_profile": "bucket-owner-dev", "consumer_account": "222222222222", "consumer_profile": "analytics-dev"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	cmd := exec.Command("bash", "examples/ci/stack-accounts.sh", "examples/Pulumi.several-accounts.yaml")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "PATH="+yqBin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "examples/Pulumi.several-accounts.yaml: set cross-account-s3:bucketProfile") {
		t.Fatalf("a stack of both sides without profiles: %v\n%s", err, out)
	}
}

// tested maps each command the pipelines call to where the test suite runs it with the same
// flags. A pipeline that calls anything else fails here until a test covers it (or the command
// is listed as one that cannot run here, with why).
var tested = map[string]string{
	"go run ./cmd/plan --json --stack":                       "TestPlanCommandsOfThePipelines (below) runs it on Pulumi.dev.yaml",
	"go run ./cmd/plan --stack":                              "TestPlanCommandsOfThePipelines (below) runs it on Pulumi.dev.yaml",
	"examples/ci/stack-accounts.sh":                          "TestStackAccounts and TestSplitPipelineStacksAreTheRolloutConfigs",
	"examples/ci/write-profile.sh":                           "not here: it needs the aws CLI and a session; it only runs aws configure set",
	"pulumi plugin install analyzer policy-opa":              "not here: the analyzer cannot be downloaded; the pack is tested with OPA (policies/)",
	"pulumi stack output consumerStackStatus --json --stack": "the engine's split tests read consumerStackStatus through the Automation API, which runs pulumi stack output --json",
	"pulumi/actions preview":                                 "the engine tests (testworld/engine) preview every scenario",
	"pulumi/actions up":                                      "the engine tests (testworld/engine) run up on every scenario",
	"pulumi/actions preview --expect-no-changes":             "TestEngineDriftJobFailsOnATamperedPolicy (testworld/engine)",
}

var commandLine = regexp.MustCompile(`(?m)(go run \./cmd/\S+(?: --?[a-z-]+)*|pulumi [a-z]+(?: [a-zA-Z-]+)*|examples/ci/[a-z-]+\.sh)`)

func TestPipelinesCallOnlyTestedCommands(t *testing.T) {
	seen := map[string]bool{}
	for _, file := range workflows(t) {
		for _, job := range load(t, file).Jobs {
			for _, s := range job.Steps {
				for _, m := range commandLine.FindAllString(s.Run, -1) {
					seen[normalise(m)] = true
				}
				if strings.HasPrefix(s.Uses, "pulumi/actions@") && s.With["command"] != nil {
					for _, c := range []string{"preview", "up"} {
						if strings.Contains(s.With["command"].(string), c) {
							cmd := "pulumi/actions " + c
							if s.With["expect-no-changes"] == true {
								cmd += " --expect-no-changes"
							}
							seen[cmd] = true
						}
					}
				}
			}
		}
	}
	var untested []string
	for c := range seen {
		if _, ok := tested[c]; !ok {
			untested = append(untested, c)
		}
	}
	sort.Strings(untested)
	if len(untested) > 0 {
		t.Fatalf("the pipelines call commands no test runs: %q", untested)
	}
	for c := range tested {
		if !seen[c] {
			t.Errorf("no pipeline calls %q any more: drop it from the table", c)
		}
	}
}

// normalise drops values from a command line, keeping the command and its flags.
func normalise(cmd string) string {
	fields := strings.Fields(cmd)
	out := fields[:0]
	for _, f := range fields {
		if strings.HasPrefix(f, "$") || strings.HasPrefix(f, `"`) {
			continue
		}
		out = append(out, f)
	}
	return strings.Join(out, " ")
}

// The offline plan's commands in the pipelines, with the same flags, on the repo's stack.
func TestPlanCommandsOfThePipelines(t *testing.T) {
	for _, args := range [][]string{{"--json", "--stack", "dev"}, {"--stack", "dev"}} {
		cmd := exec.Command("go", append([]string{"run", "./cmd/plan"}, args...)...)
		cmd.Dir = repoRoot
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go run ./cmd/plan %v: %v\n%s", args, err, out)
		}
		if !strings.Contains(string(out), "111111111111") {
			t.Errorf("go run ./cmd/plan %v printed no plan:\n%s", args, out)
		}
	}
}
