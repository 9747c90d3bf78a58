package stackfile

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"cross-account-s3/internal/stackconfig"
)

const repoRoot = "../.."

func TestPulumiYAMLDeclaresEveryKeyTheProgramReads(t *testing.T) {
	project, err := workspace.LoadProject(filepath.Join(repoRoot, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for key, decl := range project.Config {
		if strings.Contains(key, ":") {
			continue
		}
		declared[key] = true
		if strings.TrimSpace(decl.Description) == "" {
			t.Errorf("Pulumi.yaml: %s has no description", key)
		}
	}
	for _, key := range stackconfig.AllKeys {
		if !declared[key] {
			t.Errorf("Pulumi.yaml does not declare %s", key)
		}
		delete(declared, key)
	}
	for key := range declared {
		t.Errorf("Pulumi.yaml declares %s, which the program does not read", key)
	}
	for _, key := range []string{stackconfig.KeyBucketExternalID, stackconfig.KeyConsumerExternalID} {
		if !project.Config[key].Secret {
			t.Errorf("Pulumi.yaml: %s must be declared secret: true", key)
		}
	}
}

func TestPulumiYAMLDefaultsEqualTheProgramsDefaults(t *testing.T) {
	s, err := Load(repoRoot, "dev")
	if err != nil {
		t.Fatal(err)
	}
	project, _ := workspace.LoadProject(filepath.Join(repoRoot, "Pulumi.yaml"))
	got := map[string]string{}
	for key, decl := range project.Config {
		if decl.Default != nil {
			got[key] = encode(decl.Default)
		}
	}
	if !reflect.DeepEqual(got, stackconfig.Defaults) {
		t.Errorf("Pulumi.yaml defaults %v\nprogram defaults     %v", got, stackconfig.Defaults)
	}
	if want := `["*"]`; s.Other["pulumi:disable-default-providers"] != want {
		t.Errorf("pulumi:disable-default-providers = %q, want %q", s.Other["pulumi:disable-default-providers"], want)
	}
}

func TestDevStackReadsAsTheCLIWouldPassIt(t *testing.T) {
	s, err := Load(repoRoot, "dev")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"bucketAccountId":  "111111111111",
		"routeTableIds":    `["rtb-0a1b2c3d4e5f60718","rtb-0f1e2d3c4b5a69788"]`,
		"tags":             `{"environment":"dev","owner":"platform-team"}`,
		"allowListing":     "true",
		"endpointPolicy":   "full-access", // project default, absent from the stack file
		"actions":          `["s3:GetObject","s3:PutObject"]`,
		"consumerRoleArns": `["arn:aws:iam::222222222222:role/analytics-ec2"]`,
	}
	for k, v := range want {
		if s.Values[k] != v {
			t.Errorf("%s = %q, want %q", k, s.Values[k], v)
		}
	}
}

func TestSecureValuesAreNeverDecrypted(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(repoRoot, "Pulumi.yaml"), filepath.Join(dir, "Pulumi.yaml"))
	copyFile(t, "testdata/Pulumi.secure.yaml", filepath.Join(dir, "Pulumi.secure.yaml"))
	s, err := Load(dir, "secure")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Values["consumerExternalId"]; got != Secret || !s.Secrets["consumerExternalId"] {
		t.Errorf("consumerExternalId = %q (secret %v), want %q marked secret", got, s.Secrets["consumerExternalId"], Secret)
	}
	if s.Secrets["bucketAccountId"] {
		t.Error("bucketAccountId is plain text but reads as secret")
	}
	if s.Other["aws:region"] != "eu-west-1" {
		t.Errorf("aws:region = %q", s.Other["aws:region"])
	}
}

func TestMissingStackFileSaysWhatToDo(t *testing.T) {
	_, err := Load(repoRoot, "nosuchstack")
	if err == nil || !strings.Contains(err.Error(), `no stack file ../../Pulumi.nosuchstack.yaml for stack "nosuchstack"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestMalformedStackFileIsAnError(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(repoRoot, "Pulumi.yaml"), filepath.Join(dir, "Pulumi.yaml"))
	writeFile(t, filepath.Join(dir, "Pulumi.bad.yaml"), "config: [not, a, map\n")
	_, err := Load(dir, "bad")
	if err == nil || !strings.Contains(err.Error(), "reading "+filepath.Join(dir, "Pulumi.bad.yaml")) {
		t.Fatalf("err = %v", err)
	}
}
