package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cross-account-s3/testworld/golden"
	"cross-account-s3/tools/offline"
)

const project = "../../Pulumi.yaml"

// examples are the stack files users copy; the plan of each is kept as a golden file.
var examples = []string{"single-consumer", "restricted", "adopt", "several-accounts", "kms",
	"split/consumer-222222222222", "split/consumer-333333333333"}

func example(name string) string {
	dir, stack := filepath.Split(name)
	return "../../examples/" + dir + "Pulumi." + stack + ".yaml"
}

func testStack(name string) string { return "testdata/Pulumi." + name + ".yaml" }

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
	for _, stack := range examples {
		for _, format := range []string{"txt", "json"} {
			t.Run(stack+"."+format, func(t *testing.T) {
				args := []string{"--project", project, example(stack)}
				if format == "json" {
					args = append(args, "--json")
				}
				code, out, errOut := runPlan(t, args...)
				if code != 0 || errOut != "" {
					t.Fatalf("exit %d, stderr %s", code, errOut)
				}
				compareGolden(t, strings.ReplaceAll(stack, "/", "-")+"."+format, out)
				_, again, _ := runPlan(t, args...)
				if again != out {
					t.Error("a second run printed different bytes")
				}
			})
		}
	}
}

func TestSecretsAreNeverShown(t *testing.T) {
	_, out, _ := runPlan(t, "--project", project, example("restricted"), "--json")
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
	_, out, _ := runPlan(t, "--project", project, example("single-consumer"), "--json")
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
		want, err := os.ReadFile("../../program/testdata/documents/" + goldenFiles[d.Title])
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
		{"invalid config", []string{"--project", project, testStack("invalid")}, 1, []string{
			`plan: testdata/Pulumi.invalid.yaml: invalid stack configuration, nothing was created (3 problems):`,
			`  - bucketAccountId: "11111111111" is not an AWS account ID; use the 12 digits, e.g. 111111111111`,
			"  - consumerRegion: us-east-1 differs from bucketRegion eu-west-1; an S3 gateway endpoint reaches only buckets in its own Region, so set both to eu-west-1",
			`  - routeTableIds: needs at least one route table ID, e.g. ["rtb-0123456789abcdef0"]`,
		}},
		{"refused by the CLI's own check", []string{"--project", project, testStack("missing")}, 1, []string{
			"plan: testdata/Pulumi.missing.yaml: validating stack config: Stack 'missing' is missing configuration value 'bucketName'\n",
		}},
		{"missing stack file", []string{"--project", project, "--stack", "nosuch"}, 2, []string{
			`plan: no stack file ../../Pulumi.nosuch.yaml for stack "nosuch": copy an example from examples/ to Pulumi.nosuch.yaml and edit it`,
		}},
		{"malformed stack file", []string{"--project", project, testStack("malformed")}, 2, []string{
			"plan: reading testdata/Pulumi.malformed.yaml",
		}},
		{"a file that names no stack", []string{"--project", project, "testdata/golden/adopt.txt"}, 2, []string{
			"plan: testdata/golden/adopt.txt is not named Pulumi.<stack>.yaml, so it names no stack",
		}},
		{"two stacks", []string{"--stack", "dev", example("adopt")}, 2, []string{
			"plan: name one stack file or --stack; usage: go run ./cmd/plan [--json | --deployer-policy ACCOUNT] [--project Pulumi.yaml] (--stack NAME | PATH/Pulumi.NAME.yaml)",
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

// Each value of a list is encrypted on its own, and one encrypted externalId makes Pulumi call the
// whole consumers key secret: the plan judges each item's externalId by the stack file.
func TestAPlainExternalIDAmongEncryptedOnesIsRefused(t *testing.T) {
	code, out, errOut := runPlan(t, "--project", project, testStack("mixed-secrets"))
	want := "plan: testdata/Pulumi.mixed-secrets.yaml: invalid stack configuration, nothing was created (1 problem):\n" +
		"  - consumers[1].externalId: is stored in plain text in the stack file, although other values in consumers are encrypted (which makes Pulumi report the whole key as secret); store it encrypted with: pulumi config set --secret --path 'consumers[1].externalId' VALUE\n"
	if code != 1 || out != "" || errOut != want {
		t.Errorf("exit %d, stdout %q, stderr\n%s\nwant\n%s", code, out, errOut, want)
	}
	text, err := os.ReadFile(testStack("mixed-secrets"))
	if err != nil {
		t.Fatal(err)
	}
	const secure = "\n        secure: v1:YkIv5cDZNNUzUVqy:QPOSSMBuM22EjT4Uxrqo894E14nRJOgCqioIelrIH0zMH7CrVS1Q6A=="
	both := strings.Replace(string(text), "externalId: analytics-external-id", "externalId:"+secure, 1)
	if both == string(text) {
		t.Fatal("the test stack file changed")
	}
	fixed := filepath.Join(t.TempDir(), "Pulumi.mixed-secrets.yaml")
	if err := os.WriteFile(fixed, []byte(both), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runPlan(t, "--project", project, fixed); code != 0 {
		t.Errorf("both encrypted: exit %d: %s", code, errOut)
	}
}

func TestPlanWarnsWhenDefaultProvidersAreNotDisabled(t *testing.T) {
	text, err := os.ReadFile(project)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(text), "  pulumi:disable-default-providers:\n    value: [\"*\"]\n", "", 1)
	if edited == string(text) {
		t.Fatal("Pulumi.yaml no longer declares pulumi:disable-default-providers as this test expects")
	}
	edit := filepath.Join(t.TempDir(), "Pulumi.yaml")
	if err := os.WriteFile(edit, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runPlan(t, "--project", edit, example("adopt"))
	want := `  - pulumi:disable-default-providers is not ["*"]: a resource that forgot its provider would use the shell's account; restore it in Pulumi.yaml`
	if code != 0 || !strings.Contains(out, "Warnings:\n"+want+"\n") {
		t.Errorf("exit %d, plan lacks the warning:\n%s", code, out)
	}
}

func TestPlanWarnsThatAWSKeysDoNothing(t *testing.T) {
	code, out, errOut := runPlan(t, "--project", project, testStack("awsregion"))
	want := "  - aws:region is set, but every AWS provider of this program is explicit and does not read aws: keys; remove it"
	if code != 0 || !strings.Contains(out, "Warnings:\n"+want) {
		t.Errorf("exit %d, stderr %s, plan lacks the warning:\n%s", code, errOut, out)
	}
}

// Two consumers of one VPC that adopt one endpoint share it: the plan answers the lookup with the
// endpoint on both consumers' route tables, as the program asks it once for the VPC.
func TestConsumersSharingAnAdoptedEndpointPlan(t *testing.T) {
	code, out, errOut := runPlan(t, "--project", project, testStack("shared-adopted"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "vpce-0aaaabbbbccccdddd") {
		t.Errorf("plan does not mention the adopted endpoint:\n%s", out)
	}
}

// Every stack file a user may start from plans: the dev stack and every example.
func TestEveryStackFileInTheRepoPlans(t *testing.T) {
	files, err := filepath.Glob("../../examples/Pulumi.*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../../Pulumi.dev.yaml")
	if len(files) < 5 {
		t.Fatalf("found only %v", files)
	}
	for _, f := range files {
		if code, _, errOut := runPlan(t, "--project", project, f); code != 0 {
			t.Errorf("%s: exit %d: %s", f, code, errOut)
		}
	}
}

// An owner stack's bucket policy comes from its consumer stacks' outputs, which only the backend
// has: the plan says so and points at what can be planned, instead of planning half a stack.
func TestAnOwnerStackIsNotPlannedOffline(t *testing.T) {
	code, out, errOut := runPlan(t, "--project", project, example("split/owner"))
	want := "plan: ../../examples/split/Pulumi.owner.yaml is an owner stack (side: owner): its bucket policy is built from the outputs of the stacks in consumerStacks, which only the state backend holds, so it cannot be planned offline; plan each consumer stack's file here, and preview the owner with pulumi preview --stack owner (or go run ./cmd/rollout -op preview)\n"
	if code != exitUsage || out != "" || errOut != want {
		t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit %d and:\n%s", code, out, errOut, exitUsage, want)
	}
}

// --deployer-policy prints one account's policy, owner stacks included, exactly as the plan holds
// it; an account the stack does not deploy in is refused with the accounts it does.
func TestDeployerPolicyOfOneAccount(t *testing.T) {
	code, stdout, stderr := runPlan(t, "--project", project, "--deployer-policy", "222222222222", example("several-accounts"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	compareGolden(t, "deployer-several-accounts-222222222222.json", stdout)
	var doc struct{ Statement []map[string]any }
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || len(doc.Statement) == 0 {
		t.Fatalf("not a policy document: %v\n%s", err, stdout)
	}

	code, stdout, stderr = runPlan(t, "--project", project, "--deployer-policy", "111111111111", example("split/owner"))
	if code != exitOK || !strings.Contains(stdout, `"s3:PutBucketPolicy"`) || strings.Contains(stdout, "ec2:") {
		t.Fatalf("owner stack: exit %d\n%s%s", code, stdout, stderr)
	}

	code, _, stderr = runPlan(t, "--project", project, "--deployer-policy", "999999999999", example("single-consumer"))
	if want := "deploys nothing in account 999999999999; its accounts are 111111111111, 222222222222\n"; code != exitUsage || !strings.HasSuffix(stderr, want) {
		t.Fatalf("exit %d, stderr %q, want it to end %q", code, stderr, want)
	}
}
