package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/preflight"
	enginecli "cross-account-s3/testworld/cli"
	"cross-account-s3/testworld/world"
)

// Every fenced block of README.md and docs/*.md says its language, and every command block how it
// is proven (docs_blocks_test.go); an offline block runs no pulumi, an engine block does, and a ci
// block is what .ci/run runs. Each problem names file:line.
func TestDocsCommandBlocksAreTagged(t *testing.T) {
	pages, err := docsPages(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	ciRun := readFile(t, filepath.Join(repoRoot, ".ci", "run"))
	counts := map[string]int{}
	for _, page := range pages {
		blocks, problems, err := docsBlocksOf(repoRoot, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Error(p)
		}
		for _, b := range blocks {
			if b.tag == "" {
				continue
			}
			counts[b.tag]++
			pulumi := false
			for _, l := range b.lines {
				pulumi = pulumi || l.runsPulumi()
				if b.tag == "offline" && l.runsPulumi() {
					t.Errorf("%s:%d: an offline block runs the engine (%s): tag it engine", b.file, l.n, strings.TrimSpace(l.command()))
				}
				if b.tag == "ci" && !docsInScript(ciRun, l.command()) {
					t.Errorf("%s:%d: a ci block's command %q is not in .ci/run", b.file, l.n, strings.TrimSpace(l.command()))
				}
			}
			if b.tag == "engine" && !pulumi {
				t.Errorf("%s: an engine block that runs neither pulumi nor cmd/rollout: tag it offline", b.where())
			}
		}
	}
	t.Logf("command blocks by tag: %v", counts)
}

// docsInScript reports whether a command is one of a script's command lines.
func docsInScript(script, command string) bool {
	command = strings.TrimSpace(command)
	for _, line := range strings.Split(script, "\n") {
		if l := strings.TrimSpace(docsCommandPart(line)); l != "" && strings.Contains(l, command) {
			return true
		}
	}
	return false
}

// docsPrelude is where a reader of docs/ stands who followed the README's Quick start: logged in
// to a local backend, with the passphrase of its secrets exported. The README's own run starts
// from nothing.
var docsPrelude = []string{
	"pulumi login --local",
	"export PULUMI_CONFIG_PASSPHRASE='docs-test-passphrase'",
}

// The offline and engine blocks of each page run as written, in order, in one shell session per
// page: README.md from outside the repository (its Quick start clones it), each docs/ page in a
// fresh clone of the work tree (as edited, uncommitted files included) after docsPrelude. A line
// that fails fails the test naming file:line; so does a pulumi command or flag the test cannot
// run (docsPulumiCommands). Placeholders get docsPlaceholders' values; $EDITOR is docs-editor.
// The world of fake AWS is built from the stack files the blocks create, as they create them.
func TestDocsCommandBlocksRun(t *testing.T) {
	if skipped != "" {
		t.Skip(skipped)
	}
	if testing.Short() {
		t.Skip("the docs' command blocks take minutes")
	}
	realCLI, err := enginecli.Path(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	// One run at a time uses the copy's path (two test processes of the same machine wait here).
	if err := os.MkdirAll(docsCopyParent, 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(docsCopyParent+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(docsCopyParent) })
	t.Setenv(pulumi.EnvConfig, "") // set by each operation, restored at the end

	src := docsSource(t)
	pages, err := docsPages(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	used, ran := map[string]bool{}, map[string]bool{}
	for _, page := range pages {
		blocks, _, err := docsBlocksOf(repoRoot, page)
		if err != nil {
			t.Fatal(err)
		}
		var runnable []docsBlock
		for _, b := range blocks {
			if b.tag == "offline" || b.tag == "engine" {
				runnable = append(runnable, b)
			}
		}
		if len(runnable) == 0 {
			continue
		}
		t.Run(page, func(t *testing.T) {
			ran[page] = true
			start := time.Now()
			s := newDocsSession(t, src, realCLI, page != "README.md")
			if page != "README.md" {
				s.block = docsBlock{file: "prelude"}
				for _, l := range docsPrelude {
					s.must(l)
				}
			}
			for _, b := range runnable {
				s.block, s.line = b, docsLine{n: b.line}
				key := b.file + ": " + b.first()
				h := docsHooks[key]
				used[key] = true
				if h.before != nil {
					h.before(s)
				}
				for _, l := range b.lines {
					s.line = l
					if out, err := s.run(l.text); err != nil {
						t.Fatalf("%s:%d: %s\n%v\n%s", b.file, l.n, l.text, err, out)
					}
				}
				if h.after != nil {
					s.line = docsLine{n: b.line}
					h.after(s)
				}
			}
			t.Logf("%s: %d blocks in %s", page, len(runnable), time.Since(start).Round(time.Second))
		})
	}
	if !t.Failed() {
		for key := range docsHooks {
			page, _, _ := strings.Cut(key, ": ")
			if ran[page] && !used[key] {
				t.Errorf("docsHooks[%q] is the hook of no runnable block: the block's first command changed", key)
			}
		}
	}
}

// docsHook prepares what a block assumes and checks what it did. Hooks are keyed by the page and
// the block's first command.
type docsHook struct {
	before func(s *docsSession)
	after  func(s *docsSession)
}

var docsHooks = map[string]docsHook{
	// "Drift and tampering": the fix, once preflight has stopped on a bucket policy changed out of
	// band, writes the stack's document back.
	"docs/preflight.md: pulumi refresh --stack dev --yes": {
		before: func(s *docsSession) {
			s.must("pulumi stack init dev")
			s.must("pulumi up --yes")
			s.saved = s.bucketPolicy("example-shared-data-dev")
			s.weakenPerimeter("example-shared-data-dev")
			s.mustFail("pulumi preview --stack dev", "is not the document this stack wrote")
		},
		after: func(s *docsSession) {
			if got := s.bucketPolicy("example-shared-data-dev"); got != s.saved {
				s.t.Errorf("%s: after the fix the live policy is\n%s\nwant the stack's document\n%s", s.where(), got, s.saved)
			}
			s.must("pulumi preview --stack dev --expect-no-changes")
		},
	},
	// "Removing a stack": on a stack that keeps a statement, whose destroy stops at the protected
	// policy (the program's warning saying what to run instead), release, up and destroy leave
	// exactly the kept statement on the bucket and nothing else of the stack.
	"docs/preflight.md: pulumi config set releaseBucketPolicy true": {
		before: func(s *docsSession) {
			s.must("cp examples/Pulumi.restricted.yaml Pulumi.prod.yaml")
			s.must("$EDITOR Pulumi.prod.yaml   # delete encryptionsalt and consumerExternalId")
			s.must("pulumi stack init prod")
			s.must("pulumi config set --secret consumerExternalId docs-test-external-id")
			s.must("pulumi up --yes")
			s.mustFail("pulumi destroy --yes", "protected")
			out := s.must("pulumi preview")
			for _, want := range []string{"pulumi config set releaseBucketPolicy true, then pulumi up", "then pulumi destroy", "Never pulumi state unprotect it"} {
				if !strings.Contains(out, want) {
					s.t.Errorf("%s: the preview of a stack with a kept statement does not say %q:\n%s", s.where(), want, out)
				}
			}
		},
		after: func(s *docsSession) {
			kept := preflight.KeptPolicy(specOf(s.t, readFile(s.t, filepath.Join(s.cwd, "Pulumi.prod.yaml")))).JSON()
			if got := s.bucketPolicy("example-shared-data-prod"); got != kept {
				s.t.Errorf("%s: after release, up and destroy the bucket's policy is\n%s\nwant exactly the kept statements\n%s", s.where(), got, kept)
			}
			w, err := world.Load(s.world)
			if err != nil {
				s.t.Fatal(err)
			}
			for id, e := range w.Endpoints {
				if e.VpcID == "vpc-0123456789abcdef0" {
					s.t.Errorf("%s: endpoint %s of the destroyed stack is left", s.where(), id)
				}
			}
		},
	},
}

// bucketPolicy is the live policy of a bucket of the session's world.
func (s *docsSession) bucketPolicy(bucket string) string {
	s.t.Helper()
	w, err := world.Load(s.world)
	if err != nil {
		s.t.Fatal(err)
	}
	return w.Buckets[bucket].Policy
}

// weakenPerimeter changes the live bucket policy out of band as docs/preflight.md's example does:
// the perimeter Deny's condition becomes one that no request through an endpoint meets.
func (s *docsSession) weakenPerimeter(bucket string) {
	s.t.Helper()
	err := world.Update(s.world, func(w *world.World) error {
		b := w.Buckets[bucket]
		var doc map[string]any
		if err := json.Unmarshal([]byte(b.Policy), &doc); err != nil {
			return err
		}
		for _, st := range doc["Statement"].([]any) {
			if st := st.(map[string]any); st["Sid"] == "DenyConsumerAccountsOutsideVpcEndpoints" {
				st["Condition"] = map[string]any{"Null": map[string]any{"aws:SourceVpce": "true"}}
			}
		}
		out, err := json.Marshal(doc)
		b.Policy = string(out)
		w.Buckets[bucket] = b
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
}

// The pulumi the docs test runs takes the commands and flags of docsPulumiCommands and nothing
// else: a block that needs more is taught there or tagged aws, never skipped.
func TestDocsPulumiCommandsAreStrict(t *testing.T) {
	for _, args := range [][]string{
		{"login", "--local"}, {"stack", "init", "prod"}, {"stack", "select", "dev"},
		{"config", "set", "--secret", "--path", "consumers[0].externalId", "x"},
		{"config", "set-all", "--plaintext", "a=b", "--secret", "c=d"},
		{"preview", "--diff", "--expect-no-changes"}, {"up", "--yes"}, {"up", "-y", "-s", "dev"},
		{"refresh", "--stack", "dev", "--yes"}, {"destroy"}, {"stack", "output", "consumers", "--json"},
	} {
		if _, err := docsParsePulumi(args); err != nil {
			t.Errorf("pulumi %s: %v", strings.Join(args, " "), err)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plugin", "install", "analyzer", "policy-opa"}, "not a command the docs test runs"},
		{[]string{"state", "unprotect", "urn:pulumi:dev::cross-account-s3::x"}, "not a command the docs test runs"},
		{[]string{"preview", "--policy-pack", "./policies"}, "flag --policy-pack of pulumi preview is not one the docs test runs"},
		{[]string{"login"}, "tag the block aws"},
		{[]string{"login", "s3://state-bucket"}, "tag the block aws"},
		{[]string{"stack", "init", "prod", "--secrets-provider", "awskms://alias/pulumi-secrets"}, "tag the block aws"},
		{[]string{"config", "set", "consumerExternalId"}, "takes 2 to 2 arguments, not 1"},
	} {
		_, err := docsParsePulumi(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("pulumi %s: got %v, want an error saying %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}
