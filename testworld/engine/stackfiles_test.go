package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cross-account-s3/testworld/world"
	"cross-account-s3/tools/offlineplan"
)

// Every stack file in the repo that a user may start from previews on the real engine, against a
// world in which what it names exists, and deploys with a second update that changes nothing.
func TestEveryStackFileInTheRepoPreviewsAndDeploys(t *testing.T) {
	for _, f := range append(exampleStackFiles(t), filepath.Join(repoRoot, "Pulumi.dev.yaml")) {
		stack := stackName(t, f)
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

// exampleStackFiles are the stack files under examples/ (not the split ones) that users copy.
func exampleStackFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "examples", "Pulumi.*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example stack files: %v", err)
	}
	return files
}

func stackName(t *testing.T, file string) string {
	t.Helper()
	stack, err := offlineplan.StackName(file)
	if err != nil {
		t.Fatal(err)
	}
	return stack
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
	_, err := offlineplan.Build(filepath.Join(repoRoot, "Pulumi.yaml"), filepath.Join(e.dir, "Pulumi.refused.yaml"))
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

// A bucket key the stack cannot share is refused by validation, with the key the user wrote and
// what to do instead, before anything is registered: no AWS call but the providers' configure,
// no lookup, no resource.
func TestAKeyThatCannotBeSharedIsRefusedBeforeAnything(t *testing.T) {
	cases := []struct{ name, key, want string }{
		{"aws-s3", "alias/aws/s3", `bucketKmsKeyArn: "alias/aws/s3" is the AWS managed key for S3 (aws/s3), which no other account can use: ` +
			`its key policy is AWS's, lets only principals of account 111111111111 use it, through S3, and cannot be changed. Use a customer managed key instead`},
		{"other-account", "arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			"bucketKmsKeyArn: key arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab is in account 333333333333, not in bucketAccountId 111111111111: " +
				"this stack gives the consumers the key through grants that the bucket account's provider creates"},
		{"other-region", "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			"bucketKmsKeyArn: key arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab is in Region us-east-1, not in bucketRegion eu-west-1: " +
				"S3 encrypts a bucket's objects only with a key of the bucket's own Region"},
		{"alias", "alias/shared-data", `bucketKmsKeyArn: "alias/shared-data" is an alias; give the key ARN it points to (in account 111111111111: ` +
			`aws kms describe-key --key-id alias/shared-data --query KeyMetadata.Arn)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := flatStack + "  cross-account-s3:bucketKmsKeyArn: " + tc.key + "\n"
			e := newEngine(t, "kms-"+tc.name, text, worldFor(t, kmsFlatStack))
			r := e.run("up")
			if r.err == nil {
				t.Fatal("up succeeded")
			}
			if out := r.output + r.err.Error(); !strings.Contains(out, "invalid stack configuration, nothing was created (1 problem):") || !strings.Contains(out, "- "+tc.want) {
				t.Errorf("the output lacks %q:\n%s\n%v", tc.want, r.output, r.err)
			}
			for _, c := range r.calls {
				if c.Op != "configure" {
					t.Errorf("a refused key reached AWS: %+v", c)
				}
			}
			for op := range r.ops {
				if op != "create Stack" {
					t.Errorf("a refused key registered %s", r)
				}
			}
		})
	}
}

// A key that the ARN cannot show to be unusable (disabled, AWS managed, asymmetric) is refused by
// the preflight lookup with the bucket account's provider, before any AWS resource is registered:
// the only AWS calls are the providers' configure and that one lookup, in the bucket account.
func TestAKeyThatDoesNotFitFailsThePreflight(t *testing.T) {
	cases := []struct {
		name   string
		change func(*world.Key)
		want   string
	}{
		{"disabled", func(k *world.Key) { k.Enabled = false },
			"bucketKmsKeyArn: key " + kmsKey + " is Disabled, not Enabled: S3 can neither encrypt nor decrypt with it"},
		{"aws-managed", func(k *world.Key) { k.Manager = "AWS" },
			"bucketKmsKeyArn: key " + kmsKey + " is the AWS managed key for S3 (aws/s3), which no other account can use"},
		{"asymmetric", func(k *world.Key) { k.Spec, k.Usage = "RSA_2048", "SIGN_VERIFY" },
			"bucketKmsKeyArn: key " + kmsKey + " has key spec RSA_2048 and key usage SIGN_VERIFY; S3 uses only symmetric encryption keys"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := worldFor(t, kmsFlatStack)
			for id, k := range w.Keys {
				tc.change(&k)
				w.Keys[id] = k
			}
			e := newEngine(t, "preflight-"+tc.name, kmsFlatStack, w)
			r := e.run("preview")
			if r.err == nil {
				t.Fatal("preview succeeded")
			}
			if !strings.Contains(r.output+r.err.Error(), tc.want) {
				t.Errorf("the output lacks %q:\n%s", tc.want, r.output)
			}
			lookups := 0
			for _, c := range r.calls {
				switch {
				case c.Op == "configure":
				case c.Op == "invoke" && c.Type == "aws:kms/getKey:getKey" && c.Account == "111111111111":
					lookups++
				default:
					t.Errorf("the refused key led to another AWS call: %+v", c)
				}
			}
			if lookups != 1 {
				t.Errorf("%d key lookups, want 1", lookups)
			}
		})
	}
}
