package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cross-account-s3/internal/golden"
	"cross-account-s3/internal/offline"
)

// stackDir returns a folder with the project's Pulumi.yaml and the named stack file: the repo root
// for dev, a temporary copy for the test stacks.
func stackDir(t *testing.T, stack string) string {
	t.Helper()
	if stack == "dev" {
		return "../.."
	}
	dir := t.TempDir()
	for from, to := range map[string]string{
		"../../Pulumi.yaml":                  "Pulumi.yaml",
		"testdata/Pulumi." + stack + ".yaml": "Pulumi." + stack + ".yaml",
	} {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runPlan(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func compareGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Compare(t, filepath.Join("testdata", "golden", name), got)
}

func TestPlanMatchesGoldenOutput(t *testing.T) {
	for _, stack := range []string{"dev", "restricted", "adopt", "shared"} {
		for _, format := range []string{"txt", "json"} {
			t.Run(stack+"."+format, func(t *testing.T) {
				args := []string{"--stack", stack, "--dir", stackDir(t, stack)}
				if format == "json" {
					args = append(args, "--json")
				}
				code, out, errOut := runPlan(t, args...)
				if code != 0 || errOut != "" {
					t.Fatalf("exit %d, stderr %s", code, errOut)
				}
				compareGolden(t, stack+"."+format, out)
				_, again, _ := runPlan(t, args...)
				if again != out {
					t.Error("a second run printed different bytes")
				}
			})
		}
	}
}

func TestSecretsAreNeverShown(t *testing.T) {
	_, out, _ := runPlan(t, "--stack", "restricted", "--dir", stackDir(t, "restricted"), "--json")
	if strings.Contains(out, "not-decrypted") || strings.Contains(out, "v1:iKRA7GXNQnTlC5DU") {
		t.Errorf("a secret value leaked into the plan")
	}
	if !strings.Contains(out, `"credentials": "assume role arn:aws:iam::333333333333:role/pulumi-deployer, external ID [secret], session name pulumi-ingest"`) {
		t.Errorf("consumer credentials not described:\n%s", out)
	}
}

// The plan runs the program itself, so its documents are the program's golden documents, with the
// endpoint ID still a placeholder.
func TestPlanDocumentsAreTheProgramsGoldenDocuments(t *testing.T) {
	_, out, _ := runPlan(t, "--stack", "dev", "--dir", "../..", "--json")
	var parsed struct {
		Documents []struct {
			Title  string
			Policy json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(out), &parsed); err != nil {
		t.Fatal(err)
	}
	goldenFiles := map[string]string{
		"Bucket policy":   "dev.bucket-policy.json",
		"Endpoint policy": "dev.endpoint-policy.json",
		"Role policy":     "dev.role-policy.json",
	}
	if len(parsed.Documents) != len(goldenFiles) {
		t.Fatalf("plan has %d documents, want %d", len(parsed.Documents), len(goldenFiles))
	}
	for _, d := range parsed.Documents {
		var compact bytes.Buffer
		if err := json.Compact(&compact, d.Policy); err != nil {
			t.Fatal(err)
		}
		got := strings.ReplaceAll(compact.String(), "<ID of endpoint s3-gateway-vpc-0a1b2c3d4e5f60718, known after deploy>", offline.EndpointID("s3-gateway-vpc-0a1b2c3d4e5f60718"))
		want, err := os.ReadFile("../../testdata/" + goldenFiles[d.Title])
		if err != nil {
			t.Fatal(err)
		}
		if got+"\n" != string(want) {
			t.Errorf("%s differs from %s:\n got %s\nwant %s", d.Title, goldenFiles[d.Title], got, want)
		}
	}
}

func TestBadInputExitsNonZeroWithAClearMessage(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		code  int
		lines []string
	}{
		{"invalid config", []string{"--stack", "invalid", "--dir", stackDir(t, "invalid")}, 1, []string{
			`plan: stack "invalid": invalid stack configuration, nothing was created (3 problems):`,
			`  - bucketAccountId: "11111111111" is not an AWS account ID; use the 12 digits, e.g. 111111111111`,
			"  - consumerRegion: us-east-1 differs from bucketRegion eu-west-1; an S3 gateway endpoint reaches only buckets in its own Region, so set both to eu-west-1",
			`  - routeTableIds: needs at least one route table ID, e.g. ["rtb-0123456789abcdef0"]`,
		}},
		{"missing stack file", []string{"--stack", "nosuch", "--dir", "../.."}, 2, []string{
			`plan: no stack file ../../Pulumi.nosuch.yaml for stack "nosuch": create it (pulumi stack init nosuch, then pulumi config set ...), or copy Pulumi.dev.yaml`,
		}},
		{"malformed stack file", []string{"--stack", "malformed", "--dir", stackDir(t, "malformed")}, 2, []string{
			"plan: reading ",
		}},
		{"stray argument", []string{"dev"}, 2, []string{
			`plan: unexpected argument "dev"; usage: go run ./cmd/plan --stack dev [--json]`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runPlan(t, tc.args...)
			if code != tc.code || out != "" {
				t.Errorf("exit %d (want %d), stdout %q", code, tc.code, out)
			}
			for _, line := range tc.lines {
				if !strings.Contains(errOut, line) {
					t.Errorf("stderr lacks %q:\n%s", line, errOut)
				}
			}
		})
	}
}

func TestPlanWarnsWhenDefaultProvidersAreNotDisabled(t *testing.T) {
	dir := stackDir(t, "adopt")
	project, err := os.ReadFile(filepath.Join(dir, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(project), "  pulumi:disable-default-providers:\n    value: [\"*\"]\n", "", 1)
	if edited == string(project) {
		t.Fatal("Pulumi.yaml no longer declares pulumi:disable-default-providers as this test expects")
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runPlan(t, "--stack", "adopt", "--dir", dir)
	want := `  - pulumi:disable-default-providers is not ["*"]: a resource that forgot its provider would use the shell's account; restore it in Pulumi.yaml`
	if code != 0 || !strings.Contains(out, "Warnings:\n"+want+"\n") {
		t.Errorf("exit %d, plan lacks the warning:\n%s", code, out)
	}
}
