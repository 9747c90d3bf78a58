package enginetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cross-account-s3/internal/enginetest/world"
	"cross-account-s3/internal/plan"
)

// Every stack file in the repo that a user may start from previews on the real engine, against a
// world in which what it names exists, and deploys with a second update that changes nothing.
func TestEveryStackFileInTheRepoPreviewsAndDeploys(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "examples", "Pulumi.*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join(repoRoot, "Pulumi.dev.yaml"))
	for _, f := range files {
		stack, err := plan.StackName(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(stack, func(t *testing.T) {
			text := readFile(t, f)
			e := newEngine(t, stack, text, worldFor(t, text))
			for _, op := range []string{"preview", "up", "up"} {
				r := e.run(op)
				if r.err != nil {
					t.Fatalf("%s: %v\n%s", op, r.err, r.output)
				}
				t.Logf("stack file %s: %s %s", filepath.Base(f), op, r)
				if op == "up" {
					checkPinned(t, op, e, r)
				}
			}
			if r := e.run("up"); len(r.ops) != 0 {
				t.Errorf("a third up still changes %s", r)
			}
		})
	}
}

// A stack the CLI refuses stops before the program runs, and the offline plan refuses it with the
// same words.
func TestTheCLIAndThePlanRefuseAStackAlike(t *testing.T) {
	text := "config:\n  cross-account-s3:bucketAccountId: \"111111111111\"\n  cross-account-s3:allowListing: maybe\n"
	e := newEngine(t, "refused", text, world.New())
	r := e.run("preview")
	want := "validating stack config: Stack 'refused' is missing configuration values 'bucketName' and 'bucketRegion'"
	if r.err == nil || !strings.Contains(r.err.Error(), want) {
		t.Fatalf("preview: %v, want %q", r.err, want)
	}
	if len(r.calls) != 0 {
		t.Errorf("the refused preview reached AWS: %v", r.calls)
	}
	_, err := plan.Build(filepath.Join(repoRoot, "Pulumi.yaml"), filepath.Join(e.dir, "Pulumi.refused.yaml"))
	if err == nil || err.Error() != want {
		t.Errorf("plan: %v\nwant %s", err, want)
	}
}

// A stack the program refuses registers nothing: every problem is reported, nothing reaches AWS.
func TestInvalidConfigCreatesNothing(t *testing.T) {
	text := strings.Replace(flatStack, "vpcId: vpc-0a0a0a0a0a0a0a0a0", "vpcId: vpc-nope", 1)
	text = strings.Replace(text, "consumerRegion: eu-west-1", "consumerRegion: us-east-1", 1) + "  cross-account-s3:allowlisting: true\n"
	e := newEngine(t, "invalid", text, worldFor(t, flatStack))
	r := e.run("up")
	if r.err == nil {
		t.Fatal("up of an invalid stack succeeded")
	}
	for _, want := range []string{
		"invalid stack configuration, nothing was created (3 problems):",
		"allowlisting: is not a key of this project; did you mean allowListing?",
		`vpcId: "vpc-nope" is not a VPC ID; use the form vpc-0123456789abcdef0`,
		"consumerRegion: us-east-1 differs from bucketRegion eu-west-1",
	} {
		if !strings.Contains(r.output+r.err.Error(), want) {
			t.Errorf("the output lacks %q:\n%s", want, r.output)
		}
	}
	for _, c := range r.calls {
		if c.Op != "configure" {
			t.Errorf("an invalid stack reached AWS: %+v", c)
		}
	}
	if creates := r.ops["create BucketPolicy"] + r.ops["create VpcEndpoint"] + r.ops["create RolePolicy"]; creates != 0 {
		t.Errorf("an invalid stack created resources: %s", r)
	}
	if _, err := os.Stat(e.logPath); err == nil {
		t.Logf("AWS calls of the refused update: %d", len(r.calls))
	}
}

// An adopted endpoint that does not serve a listed route table fails preview in the account that
// owns it, under the key the user wrote, before anything is written.
func TestAnAdoptedEndpointThatDoesNotFitFailsPreview(t *testing.T) {
	text := flatStack + "  cross-account-s3:adoptEndpointId: vpce-0eeeeeeeeeeeeeee0\n"
	w := worldFor(t, text)
	e := w.Endpoints["vpce-0eeeeeeeeeeeeeee0"]
	e.RouteTableIDs = []string{"rtb-0a0a0a0a0a0a0a0a9"}
	w.Endpoints["vpce-0eeeeeeeeeeeeeee0"] = e
	eng := newEngine(t, "adopt-misfit", text, w)
	r := eng.run("preview")
	want := "routeTableIds: rtb-0a0a0a0a0a0a0a0a1 is not associated with the adopted endpoint vpce-0eeeeeeeeeeeeeee0"
	if r.err == nil || !strings.Contains(r.output+r.err.Error(), want) {
		t.Fatalf("preview: %v, want %q\n%s", r.err, want, r.output)
	}
	for _, c := range r.calls {
		if c.Op == "create" || c.Op == "update" || c.Op == "delete" {
			t.Errorf("the refused preview wrote to AWS: %+v", c)
		}
	}
}
