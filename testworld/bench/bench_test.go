package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"cross-account-s3/spec"
	"cross-account-s3/stackconfig"
	"cross-account-s3/testworld/world"
	"cross-account-s3/tools/offlineplan"
	"cross-account-s3/tools/stackfile"
)

// The generated stacks are valid for the program (the offline plan validates them as the program
// does), and the world holds what they name.
func TestGeneratedProjectIsValid(t *testing.T) {
	dir := t.TempDir()
	st, err := writeProject("../..", dir, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Flat) != 3 || st.Single != "list-3" || st.Split != nil || st.SplitOwner != "" {
		t.Fatalf("stacks %+v", st)
	}
	for _, s := range append([]string{st.Single}, st.Flat...) {
		if _, err := offlineplan.Build(filepath.Join(dir, "Pulumi.yaml"), filepath.Join(dir, "Pulumi."+s+".yaml")); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	w, err := world.Load(filepath.Join(dir, "world.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := consumerN(3)
	if w.Credentials["profile:"+c.Profile] != c.Account || !w.HasRole(c.Account, c.Role) || w.RouteTables[c.RouteTable].VPC != c.VPC {
		t.Errorf("world lacks consumer 3: %+v", c)
	}
}

// The split project's consumer stacks plan offline like any stack. Its owner stack cannot: the
// program reads the consumer stacks' outputs through the engine, which an offline plan does not
// have, so the owner's file gets every check that comes before the program (the CLI's own, from
// Pulumi.yaml, and the program's config validation: keys, which side they belong to,
// consumerStacks), and the test checks it lists every consumer stack with its account.
func TestGeneratedSplitProjectIsValid(t *testing.T) {
	dir := t.TempDir()
	st, err := writeProject("../..", dir, 3, true)
	if err != nil {
		t.Fatal(err)
	}
	if st.Single != "" || st.Flat != nil || len(st.Split) != 3 || st.Split[2] != "split-c0003" || st.SplitOwner != "split-owner" {
		t.Fatalf("stacks %+v", st)
	}
	project := filepath.Join(dir, "Pulumi.yaml")
	for _, s := range st.Split {
		p, err := offlineplan.Build(project, filepath.Join(dir, "Pulumi."+s+".yaml"))
		if err != nil {
			t.Errorf("%s: %v", s, err)
			continue
		}
		if len(p.Accounts) != 1 {
			t.Errorf("%s: %d accounts in the plan, want the consumer's only: %+v", s, len(p.Accounts), p.Accounts)
		}
	}

	file, err := stackfile.LoadFile(project, filepath.Join(dir, "Pulumi."+st.SplitOwner+".yaml"), st.SplitOwner)
	if err != nil {
		t.Fatal(err)
	}
	s, set, problems := stackconfig.Load(stackconfig.MapSource{Values: file.Values, Secrets: file.Secrets})
	if len(problems) > 0 {
		t.Fatalf("%s: %v", st.SplitOwner, problems)
	}
	if set.Side != spec.SideOwner || len(s.Consumers) != 0 || s.Bucket.Account.Credentials.Profile != "owner" || s.Grouping() != spec.GroupByAccess {
		t.Errorf("owner stack: side %s, %d consumers, bucket profile %q, grouping %s", set.Side, len(s.Consumers), s.Bucket.Account.Credentials.Profile, s.Grouping())
	}
	if len(set.ConsumerStacks) != 3 {
		t.Fatalf("owner lists %d consumer stacks: %+v", len(set.ConsumerStacks), set.ConsumerStacks)
	}
	for i, cs := range set.ConsumerStacks {
		c := consumerN(i + 1)
		if cs.Stack != st.Split[i] || len(cs.AccountIDs) != 1 || cs.AccountIDs[0] != c.Account {
			t.Errorf("consumerStacks[%d] = %+v, want %s pinned to %s", i, cs, st.Split[i], c.Account)
		}
	}
}

func TestSummaryCountsAndStatistics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	text := "STACK ...\npreview of 151 stack(s) with 4 worker(s) in 2m: 149 ok, 1 failed, 1 skipped\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := readSummary(path, ""); s.OK != 149 || s.Failed != 1 {
		t.Errorf("counts %+v", s)
	}
	// The closing table of a split rollout: stacks without changes, and the owner's time.
	text = `rollout: up of 2 consumer stack(s), then owner stack split-owner, 2 at a time
20:05:50 [2/3] split-c0002  ok in 2.6s: no changes
20:05:51 [3/3] split-owner  owner started

STACK        ROLE      RESULT  TIME    CHANGES     DETAIL
split-c0001  consumer  ok      2.8s    no changes  
split-c0002  consumer  ok      2.6s    update 1    
split-owner  owner     ok      1m2.5s  no changes  
up of 3 stack(s) with 2 worker(s) in 1m8s: 3 ok, 0 failed, 0 skipped
`
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := readSummary(path, "split-owner"); s.OK != 3 || s.Failed != 0 || s.NoChanges != 2 || s.OwnerTime != 62500*time.Millisecond {
		t.Errorf("split summary %+v", s)
	}
	runs := []run{{Wall: 3 * time.Second}, {Wall: time.Second}, {Wall: 2 * time.Second}, {Wall: 10 * time.Second}}
	wall := func(r run) float64 { return r.Wall.Seconds() }
	if median(runs, wall) != 2.5 || median(runs[:3], wall) != 2 || minOf(runs, wall) != 1 || maxOf(runs, wall) != 10 {
		t.Error("statistics")
	}
}

func TestWorkerStack(t *testing.T) {
	for args, want := range map[string]string{
		"/tmp/bin/rollout __worker -stack split-c0001 -op up -dir /x": "split-c0001",
		"/tmp/bin/rollout -op up -config rollout.yaml":                "",
		"/tmp/bin/rollout __worker -op up":                            "",
		"pulumi up --stack split-c0001":                               "",
	} {
		if got := workerStackOf(strings.Fields(args)); got != want {
			t.Errorf("%s: %q, want %q", args, got, want)
		}
	}
	if workerStack(os.Getpid()) != "" {
		t.Error("this test process is no worker")
	}
}

// The sampler sees this test process itself.
func TestSampleTree(t *testing.T) {
	s := sampleTree(os.Getpid())
	if s.Processes < 1 || s.RSS <= 0 {
		t.Errorf("sample of this process: %+v", s)
	}
	if memAvailable() <= 0 {
		t.Error("no MemAvailable")
	}
}

// A child whose command line is a rollout worker's (…  __worker -stack NAME) counts, with its own
// children, under its stack.
func TestSampleTreeByStack(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "__worker"), []byte("sleep 5 & wait; true\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	cmd := &exec.Cmd{Path: sh, Args: []string{"sh", "__worker", "-stack", "split-c0001"}, Dir: dir}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, pid := range descendants(cmd.Process.Pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		_ = cmd.Wait()
	}()
	var s treeSample
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if s = sampleTree(os.Getpid()); s.Stacks["split-c0001"].Processes >= 2 {
			break
		}
	}
	st := s.Stacks["split-c0001"]
	if st.Processes < 2 || st.RSS <= 0 || st.RSS >= s.RSS || s.RootRSS <= 0 || len(s.Stacks) != 1 {
		t.Errorf("stacks %+v of sample %+v", s.Stacks, s)
	}
	var p peak
	p.add(s, "split-c0001")
	p.add(treeSample{RSS: 1}, "split-c0001")
	if p.OwnerPhaseRSS != s.RSS || p.Stacks["split-c0001"] != st {
		t.Errorf("peak %+v", p)
	}
}
