package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	enginecli "cross-account-s3/testworld/cli"
	"cross-account-s3/testworld/world"
)

// docsSession is one page's run: a shell state (environment and working directory) carried from
// line to line as a terminal carries it, a home of its own (the local backend, the CLI's
// settings), the fake AWS world its stack files describe, and the socket its pulumi answers on.
type docsSession struct {
	t      *testing.T
	src    string            // the repository <this repository> names
	dir    string            // the session's own files: home, bin, world, log, socket
	env    map[string]string // the shell's exported environment
	cwd    string
	world  string
	conns  chan net.Conn
	merged map[string]bool // stack files already in the world, by path and content
	block  docsBlock       // the block being run, for messages
	line   docsLine
	saved  string // what a hook keeps for its check after the block
}

// docsCopyParent holds the copy every session works in, at the same path each time, so that the
// Go build cache serves every session (and every run) after the first: a package's cache key
// includes its directory.
var docsCopyParent = filepath.Join(os.TempDir(), "cross-account-s3-docs")

// docsCopyDir is the copy: what `git clone <this repository> && cd cross-account-s3` makes.
var docsCopyDir = filepath.Join(docsCopyParent, "cross-account-s3")

// newDocsSession starts a session in dir (README's starts outside the copy, where its first line
// clones it; the docs pages' start in a fresh clone of src).
func newDocsSession(t *testing.T, src, realCLI string, clone bool) *docsSession {
	t.Helper()
	dir, err := os.MkdirTemp("", "docs-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, sub := range []string{"home", "bin", "state", "tmp"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{docsShimName, docsEditorName} {
		if err := os.Symlink(self, filepath.Join(dir, "bin", name)); err != nil {
			t.Fatal(err)
		}
	}
	// The README starts here, with nothing but its clone to be (the lock is beside, not inside).
	if err := os.RemoveAll(docsCopyParent); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(docsCopyParent, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &docsSession{t: t, src: src, dir: dir, cwd: docsCopyParent, world: filepath.Join(dir, "world.json"),
		conns: make(chan net.Conn), merged: map[string]bool{}}
	if clone {
		docsGit(t, docsCopyParent, "clone", "--quiet", src, docsCopyDir)
		s.cwd = docsCopyDir
	}
	s.env = docsBaseEnv(t, dir, realCLI)
	s.env["FAKE_AWS_WORLD"] = s.world
	s.env["FAKE_AWS_LOG"] = filepath.Join(dir, "aws-calls.jsonl")

	l, err := net.Listen("unix", s.env["DOCS_PULUMI_SOCKET"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.conns <- c
		}
	}()
	return s
}

// docsBaseEnv is the environment of a new terminal: the test's own, without its Pulumi and AWS
// settings, with HOME in the session (so ~/.pulumi is the session's), Go's caches where they are,
// the session's pulumi and docs-editor first on PATH, then the fake AWS plugin.
func docsBaseEnv(t *testing.T, dir, realCLI string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PULUMI_") || strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "FAKE_AWS_") || strings.HasPrefix(k, "DOCS_") {
			continue
		}
		env[k] = v
	}
	out, err := exec.Command("go", "env", "GOPATH", "GOMODCACHE", "GOCACHE", "GOENV").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	for i, k := range []string{"GOPATH", "GOMODCACHE", "GOCACHE", "GOENV"} {
		env[k] = strings.Split(string(out), "\n")[i]
	}
	root, err := enginecli.Root(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	env["HOME"] = filepath.Join(dir, "home")
	env["PULUMI_HOME"] = filepath.Join(dir, "home", ".pulumi") // the CLI would take ~ from the user database
	env["TMPDIR"] = filepath.Join(dir, "tmp")                  // what the commands leave there (rollout's logs) goes with the session
	env["PATH"] = filepath.Join(dir, "bin") + string(os.PathListSeparator) + pluginDir + string(os.PathListSeparator) + os.Getenv("PATH")
	env["EDITOR"] = docsEditorName
	env["PULUMI_SKIP_UPDATE_CHECK"] = "1"
	env["PULUMI_DIY_BACKEND_NO_LEGACY_WARNING"] = "true"
	env["PULUMI_CLI_DIR"] = root // testworld/pulumicli/build.sh finds the CLI already built
	env["DOCS_PULUMI_SOCKET"] = filepath.Join(dir, "pulumi.sock")
	env["DOCS_REAL_PULUMI"] = realCLI
	return env
}

func docsGit(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main", "-c", "user.name=docs test",
		"-c", "user.email=docs-test@example.invalid", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// docsSource is a git repository holding what the work tree holds now (tracked files and new
// ones git does not ignore, as edited): the repository the docs' `git clone` clones.
func docsSource(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	// Named as the repository is, so that `git clone <this repository>` makes cross-account-s3.
	src := filepath.Join(t.TempDir(), "cross-account-s3")
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		from, to := filepath.Join(root, name), filepath.Join(src, name)
		info, err := os.Lstat(from)
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the work tree, or a link (the .cache of a work tree)
		}
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	docsGit(t, src, "init", "--quiet")
	docsGit(t, src, "add", "-A")
	docsGit(t, src, "commit", "--quiet", "-m", "the work tree, for the docs test")
	return src
}

// docsPlaceholders stand in for what the reader types: each <…> of a command that runs.
var docsPlaceholders = map[string]string{
	"<account ID>": "111111111111", // the bucket account of the examples
	"<id>":         "docs-test-external-id",
}

var docsPlaceholder = regexp.MustCompile(`<[A-Za-z][A-Za-z ._-]*>`)

// fill replaces the placeholders of a command (not of its comment); one the test does not know
// fails the line.
func (s *docsSession) fill(line string) (string, error) {
	cmd, comment := docsSplitComment(line)
	var unknown []string
	cmd = docsPlaceholder.ReplaceAllStringFunc(cmd, func(p string) string {
		if v, ok := docsPlaceholders[p]; ok {
			return "'" + v + "'"
		}
		if p == "<this repository>" {
			return "'" + s.src + "'"
		}
		unknown = append(unknown, p)
		return p
	})
	if len(unknown) > 0 {
		return "", fmt.Errorf("placeholder %s has no value in the docs test (docsPlaceholders)", strings.Join(unknown, ", "))
	}
	if comment != "" {
		cmd += " # " + comment
	}
	return cmd, nil
}

// run runs one line in bash in the session's directory and environment, then keeps the directory
// and environment the line left; pulumi calls made meanwhile are answered here. It returns what
// the line printed (stdout and stderr).
func (s *docsSession) run(line string) (string, error) {
	s.t.Helper()
	filled, err := s.fill(line)
	if err != nil {
		return "", err
	}
	s.syncWorld(s.cwd)
	state := filepath.Join(s.dir, "state")
	script := fmt.Sprintf("set -eo pipefail\ncd %q\n%s\nenv -0 > %q\npwd > %q\n",
		s.cwd, filled, filepath.Join(state, "env"), filepath.Join(state, "pwd"))
	cmd := exec.Command("bash", "-c", script)
	_, comment := docsSplitComment(line)
	cmd.Env = append(docsEnvList(s.env), "DOCS_LINE_COMMENT="+comment)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timeout := time.After(15 * time.Minute)
	for {
		select {
		case c := <-s.conns:
			s.serve(c)
			continue
		case err = <-done:
		case <-timeout:
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			err = fmt.Errorf("still running after 15 minutes: %v", <-done)
		}
		break
	}
	s.t.Logf("%s:%d: $ %s  [%s, %v]", s.block.file, s.line.n, line, time.Since(start).Round(time.Millisecond), errText(err))
	if err != nil {
		return out.String(), err
	}
	if err := s.readState(state); err != nil {
		return out.String(), err
	}
	return out.String(), nil
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// readState takes the environment and directory the line left.
func (s *docsSession) readState(state string) error {
	data, err := os.ReadFile(filepath.Join(state, "env"))
	if err != nil {
		return err
	}
	env := map[string]string{}
	for _, kv := range strings.Split(strings.TrimRight(string(data), "\x00"), "\x00") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "_", "SHLVL", "PWD", "OLDPWD", "DOCS_LINE_COMMENT":
			continue
		}
		env[k] = v
	}
	pwd, err := os.ReadFile(filepath.Join(state, "pwd"))
	if err != nil {
		return err
	}
	s.env, s.cwd = env, strings.TrimSpace(string(pwd))
	return nil
}

func docsEnvList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// serve answers one pulumi call of the shell.
func (s *docsSession) serve(c net.Conn) {
	defer c.Close()
	var req docsRequest
	if err := json.NewDecoder(c).Decode(&req); err != nil {
		s.t.Errorf("%s: a pulumi call the test could not read: %v", s.where(), err)
		return
	}
	start := time.Now()
	resp := s.pulumi(req)
	s.t.Logf("%s:   pulumi %s  [exit %d, %s]", s.where(), strings.Join(req.Args, " "), resp.Code, time.Since(start).Round(time.Millisecond))
	if err := json.NewEncoder(c).Encode(resp); err != nil {
		s.t.Errorf("%s: answering pulumi %s: %v", s.where(), strings.Join(req.Args, " "), err)
	}
}

func (s *docsSession) where() string {
	return fmt.Sprintf("%s:%d (block at line %d)", s.block.file, s.line.n, s.block.line)
}

// syncWorld adds to the world what each stack file of the project dir describes (worldFor), the
// first time the file is seen with that content: the bucket, VPCs, route tables, roles and
// profiles a user who filled it in correctly has. What the world holds already stays as it is
// (the policies and endpoints the stacks wrote); two stack files that disagree about an account
// or Region fail the test.
func (s *docsSession) syncWorld(dir string) {
	s.t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err != nil {
		return
	}
	files, err := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	if err != nil {
		s.t.Fatal(err)
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			s.t.Fatal(err)
		}
		id := fmt.Sprintf("%s %x", f, sha256.Sum256(data))
		if s.merged[id] {
			continue
		}
		s.merged[id] = true
		add := worldFor(s.t, string(data))
		err = world.Update(s.world, func(w *world.World) error { return docsMergeWorld(w, add) })
		if err != nil {
			s.t.Fatalf("%s: the world of %s: %v", s.where(), filepath.Base(f), err)
		}
	}
}

// docsMergeWorld adds what add has and w has not. The ambient credentials of one stack file are
// the operator's only when no other stack file says whose they are.
func docsMergeWorld(w, add *world.World) error {
	for k, v := range add.Credentials {
		old, ok := w.Credentials[k]
		switch {
		case !ok || old == v || k == "ambient" && old == operator:
			w.Credentials[k] = v
		case k == "ambient" && v == operator:
		default:
			return fmt.Errorf("credentials %s belong to %s in one stack file and %s in another", k, old, v)
		}
	}
	for name, b := range add.Buckets {
		old, ok := w.Buckets[name]
		if ok && (old.Account != b.Account || old.Region != b.Region) {
			return fmt.Errorf("bucket %s is in %s/%s and in %s/%s", name, old.Account, old.Region, b.Account, b.Region)
		}
		if !ok {
			w.Buckets[name] = b
		}
	}
	for account, roles := range add.Roles {
		for _, r := range roles {
			w.AddRole(account, r)
		}
	}
	for id, v := range add.VPCs {
		if old, ok := w.VPCs[id]; ok && old != v {
			return fmt.Errorf("VPC %s is in %v and in %v", id, old, v)
		}
		w.VPCs[id] = v
	}
	for id, rt := range add.RouteTables {
		if old, ok := w.RouteTables[id]; ok && old != rt {
			return fmt.Errorf("route table %s is in %v and in %v", id, old, rt)
		}
		w.RouteTables[id] = rt
	}
	for id, e := range add.Endpoints {
		if _, ok := w.Endpoints[id]; !ok {
			w.Endpoints[id] = e
		}
	}
	for id, k := range add.Keys {
		if _, ok := w.Keys[id]; !ok {
			w.Keys[id] = k
		}
	}
	for k, v := range add.Aliases {
		if _, ok := w.Aliases[k]; !ok {
			w.Aliases[k] = v
		}
	}
	for k, v := range add.RolePaths {
		if w.RolePaths == nil {
			w.RolePaths = map[string]string{}
		}
		if old, ok := w.RolePaths[k]; ok && old != v {
			return fmt.Errorf("role %s has path %s and %s", k, old, v)
		}
		w.RolePaths[k] = v
	}
	return nil
}

// must runs test lines (a hook's) that must succeed.
func (s *docsSession) must(line string) string {
	s.t.Helper()
	out, err := s.run(line)
	if err != nil {
		s.t.Fatalf("%s: the test's own line %q failed: %v\n%s", s.where(), line, err, out)
	}
	return out
}

// mustFail runs a test line that must fail, printing each of want.
func (s *docsSession) mustFail(line string, want ...string) {
	s.t.Helper()
	out, err := s.run(line)
	if err == nil {
		s.t.Fatalf("%s: the test's own line %q succeeded; it must fail\n%s", s.where(), line, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			s.t.Fatalf("%s: %q failed without saying %q:\n%s", s.where(), line, w, out)
		}
	}
}

// ctx is the context of the session's engine calls.
func (s *docsSession) ctx() context.Context { return context.Background() }
