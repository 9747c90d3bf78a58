package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"cross-account-s3/internal/enginetest/world"
	"cross-account-s3/internal/plan"
)

// The generated stacks are valid for the program (the offline plan validates them as the program
// does), and the world holds what they name.
func TestGeneratedProjectIsValid(t *testing.T) {
	dir := t.TempDir()
	single, flat, err := writeProject("../..", dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(flat) != 3 || single != "list-3" {
		t.Fatalf("stacks %s %v", single, flat)
	}
	for _, s := range append([]string{single}, flat...) {
		if _, err := plan.Build(filepath.Join(dir, "Pulumi.yaml"), filepath.Join(dir, "Pulumi."+s+".yaml")); err != nil {
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

func TestSummaryCountsAndStatistics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	text := "STACK ...\npreview of 151 stack(s) with 4 worker(s) in 2m: 149 ok, 1 failed, 1 skipped\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if ok, failed := summaryCounts(path); ok != 149 || failed != 1 {
		t.Errorf("counts %d %d", ok, failed)
	}
	runs := []run{{Wall: 3 * time.Second}, {Wall: time.Second}, {Wall: 2 * time.Second}, {Wall: 10 * time.Second}}
	wall := func(r run) float64 { return r.Wall.Seconds() }
	if median(runs, wall) != 2.5 || median(runs[:3], wall) != 2 || minOf(runs, wall) != 1 || maxOf(runs, wall) != 10 {
		t.Error("statistics")
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
