package world

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
)

// The test binary doubles as a helper process: with WORLD_HELPER set it hammers the world and the
// log from another process and exits.
func TestMain(m *testing.M) {
	if os.Getenv("WORLD_HELPER") != "" {
		if err := helper(os.Getenv("WORLD_HELPER"), os.Getenv("WORLD_HELPER_PATH"), os.Getenv("WORLD_HELPER_LOG")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const rounds = 40

func helper(who, path, logPath string) error {
	for i := 0; i < rounds; i++ {
		if err := bump(path, who, i); err != nil {
			return err
		}
		if _, err := AppendOp(logPath, Op{Op: "create", URN: fmt.Sprintf("%s-%d", who, i)}); err != nil {
			return err
		}
	}
	return nil
}

// bump is a read-modify-write that loses writes unless Update is exclusive: it increments the
// counter and adds a role named after the writer and round.
func bump(path, who string, i int) error {
	return Update(path, func(w *World) error {
		w.Next++
		w.AddRole("111111111111", fmt.Sprintf("%s-%d", who, i))
		return nil
	})
}

func checkNoLostWrites(t *testing.T, path, logPath string, writers []string) {
	t.Helper()
	w, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := rounds * len(writers); w.Next != want || len(w.Roles["111111111111"]) != want {
		t.Fatalf("after %d writers x %d rounds: Next=%d, %d roles; writes were lost", len(writers), rounds, w.Next, len(w.Roles["111111111111"]))
	}
	for _, who := range writers {
		for i := 0; i < rounds; i++ {
			if !w.HasRole("111111111111", fmt.Sprintf("%s-%d", who, i)) {
				t.Fatalf("role %s-%d lost", who, i)
			}
		}
	}
	ops, err := ReadLog(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != rounds*len(writers) {
		t.Fatalf("log has %d ops, want %d", len(ops), rounds*len(writers))
	}
	for i, op := range ops {
		if op.Seq != i+1 {
			t.Fatalf("op %d has Seq %d: sequence numbers collided", i+1, op.Seq)
		}
	}
}

func TestConcurrentUpdatesFromGoroutines(t *testing.T) {
	dir := t.TempDir()
	path, logPath := filepath.Join(dir, "world.json"), filepath.Join(dir, "ops.jsonl")
	if err := Save(path, New()); err != nil {
		t.Fatal(err)
	}
	writers := []string{"a", "b"}
	var wg sync.WaitGroup
	errs := make(chan error, len(writers))
	for _, who := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- helper(who, path, logPath)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	checkNoLostWrites(t, path, logPath, writers)
}

func TestConcurrentUpdatesFromProcesses(t *testing.T) {
	dir := t.TempDir()
	path, logPath := filepath.Join(dir, "world.json"), filepath.Join(dir, "ops.jsonl")
	if err := Save(path, New()); err != nil {
		t.Fatal(err)
	}
	writers := []string{"p1", "p2", "p3"}
	var cmds []*exec.Cmd
	for _, who := range writers {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "WORLD_HELPER="+who, "WORLD_HELPER_PATH="+path, "WORLD_HELPER_LOG="+logPath)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	checkNoLostWrites(t, path, logPath, writers)
}

func TestUpdateErrorSavesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	if err := Update(path, func(w *World) error { w.Credentials["ambient"] = "111111111111"; return nil }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Update(path, func(w *World) error { w.Credentials["ambient"] = "222222222222"; return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	w, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Credentials["ambient"]; got != "111111111111" {
		t.Fatalf("failed Update saved its change: ambient=%s", got)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load of a missing file: %v, want fs.ErrNotExist", err)
	}
	ops, err := ReadLog(filepath.Join(t.TempDir(), "none.jsonl"))
	if err != nil || len(ops) != 0 {
		t.Fatalf("ReadLog of a missing file: %v, %v; want an empty log", ops, err)
	}
}

func TestFileIsDeterministicJSON(t *testing.T) {
	dir := t.TempDir()
	build := func() *World {
		w := New()
		w.Credentials["profile:owner"] = "111111111111"
		w.Credentials["ambient"] = "222222222222"
		w.Buckets["b"] = Bucket{Account: "111111111111", Region: "eu-west-1"}
		w.AddRole("222222222222", "zeta")
		w.AddRole("222222222222", "alpha")
		w.VPCs["vpc-1"] = VPC{Account: "222222222222", Region: "eu-west-1"}
		w.RouteTables["rtb-1"] = RouteTable{Account: "222222222222", VPC: "vpc-1"}
		return w
	}
	var files [][]byte
	for i := 0; i < 2; i++ {
		path := filepath.Join(dir, strconv.Itoa(i)+".json")
		if err := Save(path, build()); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, data)
	}
	if string(files[0]) != string(files[1]) {
		t.Fatal("the same world saved twice gives different files")
	}
	var raw map[string]any
	if err := json.Unmarshal(files[0], &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"credentials", "buckets", "roles", "rolePolicies", "vpcs", "routeTables", "endpoints", "next"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("world file lacks key %q", k)
		}
	}
	w, err := Load(filepath.Join(dir, "0.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Roles["222222222222"]; len(got) != 2 || got[0] != "alpha" {
		t.Errorf("roles not kept sorted: %v", got)
	}
}

func TestIDsAndPrefixLists(t *testing.T) {
	a, b := New(), New()
	idA, idB := a.NewID("vpce", 17), b.NewID("vpce", 17)
	if idA != idB {
		t.Fatalf("same counter, different IDs: %s %s", idA, idB)
	}
	if !regexp.MustCompile(`^vpce-[0-9a-f]{17}$`).MatchString(idA) {
		t.Fatalf("ID %q is not vpce- and 17 lowercase hex digits", idA)
	}
	if next := a.NewID("vpce", 17); next == idA {
		t.Fatal("NewID repeated itself")
	}
	for region, want := range map[string]string{"eu-west-1": "pl-6da54004", "us-east-1": "pl-63a5400a"} {
		if got := PrefixListID(region); got != want {
			t.Errorf("PrefixListID(%s) = %s, want %s", region, got, want)
		}
	}
	other := PrefixListID("ap-southeast-2")
	if !regexp.MustCompile(`^pl-[0-9a-f]{8}$`).MatchString(other) || other != PrefixListID("ap-southeast-2") || other == PrefixListID("eu-central-1") {
		t.Errorf("PrefixListID for other Regions should be stable, distinct pl-<8 hex>: %s", other)
	}
	if RolePolicyPhysical("1", "r", "p") != "role-policy:1/r/p" || BucketPolicyPhysical("b") != "bucket-policy:b" || EndpointPhysical("vpce-1") != "vpc-endpoint:vpce-1" {
		t.Error("physical identities changed format")
	}
}

func TestDenyAndRoleGenerations(t *testing.T) {
	w := New()
	w.Deny("111111111111", "s3:GetBucketPolicy")
	w.Deny("111111111111", "s3:GetBucketPolicy")
	w.Deny("111111111111", "iam:GetRole")
	if !w.IsDenied("111111111111", "s3:GetBucketPolicy") || w.IsDenied("222222222222", "s3:GetBucketPolicy") || len(w.Denied["111111111111"]) != 2 {
		t.Fatalf("denied %v", w.Denied)
	}
	w.AddRole("222222222222", "app")
	first := w.RoleUniqueID("222222222222", "app")
	w.Buckets["b"] = Bucket{Account: "111111111111", Region: "eu-west-1", Policy: `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:role/app","arn:aws:iam::222222222222:role/other"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},` +
		`{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::222222222222:role/team/app"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}`}
	w.Buckets["untouched"] = Bucket{Account: "111111111111", Region: "eu-west-1", Policy: `{"Statement":[{"Principal":{"AWS":"arn:aws:iam::333333333333:role/app"}}]}`}
	w.DeleteRole("222222222222", "app")
	want := `{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Principal":{"AWS":["` + first + `","arn:aws:iam::222222222222:role/other"]},"Resource":"arn:aws:s3:::b/*"},` +
		`{"Action":"s3:*","Effect":"Deny","NotPrincipal":{"AWS":"` + first + `"},"Resource":"arn:aws:s3:::b/*"}],"Version":"2012-10-17"}`
	if got := w.Buckets["b"].Policy; got != want {
		t.Errorf("policy after DeleteRole:\n got  %s\n want %s", got, want)
	}
	if w.Buckets["untouched"].Policy != `{"Statement":[{"Principal":{"AWS":"arn:aws:iam::333333333333:role/app"}}]}` || w.HasRole("222222222222", "app") {
		t.Errorf("DeleteRole touched another account's role, or kept the role")
	}
	w.AddRole("222222222222", "app")
	if second := w.RoleUniqueID("222222222222", "app"); second == first || !regexp.MustCompile(`^AROA[A-Z2-7]{17}$`).MatchString(second) {
		t.Errorf("unique IDs %s then %s", first, second)
	}
}
