package stackfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"cross-account-s3/stackconfig"
)

const repoRoot = "../.."

// Pulumi.yaml repeats stackconfig.Keys for the CLI: the keys it can check (required, or with a
// default) are declared with the same type, default and description; the others are named in its
// comment, since declaring them would make the CLI require them.
func TestPulumiYAMLDeclaresExactlyTheKeysTheCLICanCheck(t *testing.T) {
	path := filepath.Join(repoRoot, "Pulumi.yaml")
	project, err := workspace.LoadProject(path)
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for key := range project.Config {
		if !strings.Contains(key, ":") {
			declared[key] = true
		}
	}
	for _, k := range stackconfig.Keys {
		decl, ok := project.Config[k.Name]
		delete(declared, k.Name)
		if !k.Declared() {
			if ok {
				t.Errorf("Pulumi.yaml declares optional key %s without a default: the CLI would require it", k.Name)
			}
			if !strings.Contains(string(text), k.Name) {
				t.Errorf("Pulumi.yaml's comment does not name the optional key %s", k.Name)
			}
			continue
		}
		if !ok {
			t.Errorf("Pulumi.yaml does not declare %s", k.Name)
			continue
		}
		if decl.Type == nil || *decl.Type != k.Type {
			t.Errorf("Pulumi.yaml: %s has type %v, want %s", k.Name, decl.Type, k.Type)
		}
		if got := ""; decl.Default != nil {
			if got = encode(decl.Default); got != k.Default {
				t.Errorf("Pulumi.yaml: %s defaults to %s, the program to %s", k.Name, got, k.Default)
			}
		} else if k.Need != stackconfig.Required {
			t.Errorf("Pulumi.yaml: %s has no default, so the CLI requires it", k.Name)
		}
		if decl.Description != k.Doc {
			t.Errorf("Pulumi.yaml: %s description\n got %q\nwant %q (stackconfig.Keys)", k.Name, decl.Description, k.Doc)
		}
	}
	for key := range declared {
		t.Errorf("Pulumi.yaml declares %s, which the program does not read", key)
	}
}

func TestDevStackReadsAsTheCLIWouldPassIt(t *testing.T) {
	s, err := LoadFile(filepath.Join(repoRoot, "Pulumi.yaml"), filepath.Join(repoRoot, "examples", "Pulumi.single-consumer.yaml"), "single-consumer")
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

// The CLI's own checks, in its words: a required key that is missing, and a declared type that the
// stack's value does not have.
func TestTheCLIsRefusalsAreReproducedWordForWord(t *testing.T) {
	cases := []struct{ name, config, want string }{
		{"missing", "  cross-account-s3:bucketAccountId: \"111111111111\"\n",
			"validating stack config: Stack 'bad' is missing configuration values 'bucketName' and 'bucketRegion'"},
		{"wrong type", "  cross-account-s3:bucketAccountId: \"111111111111\"\n  cross-account-s3:bucketRegion: eu-west-1\n" +
			"  cross-account-s3:bucketName: shared-data\n  cross-account-s3:allowListing: maybe\n",
			"validating stack config: Stack 'bad' with configuration key 'allowListing' must be of type 'boolean'"},
		{"list for a string", "  cross-account-s3:bucketAccountId: [\"111111111111\"]\n  cross-account-s3:bucketRegion: eu-west-1\n" +
			"  cross-account-s3:bucketName: shared-data\n",
			"validating stack config: Stack 'bad' with configuration key 'bucketAccountId' must be of type 'string'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			copyFile(t, filepath.Join(repoRoot, "Pulumi.yaml"), filepath.Join(dir, "Pulumi.yaml"))
			writeFile(t, filepath.Join(dir, "Pulumi.bad.yaml"), "config:\n"+tc.config)
			_, err := Load(dir, "bad")
			var cerr ConfigError
			if !errors.As(err, &cerr) || err.Error() != tc.want {
				t.Fatalf("err = %v\nwant %s", err, tc.want)
			}
		})
	}
}

// Optional keys are not declared, so the CLI passes any shape through and the program checks it:
// a YAML list of statements, a map of tags, a list of consumers.
func TestOptionalKeysOfAnyShapePassTheCLI(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(repoRoot, "Pulumi.yaml"), filepath.Join(dir, "Pulumi.yaml"))
	writeFile(t, filepath.Join(dir, "Pulumi.shapes.yaml"), `config:
  cross-account-s3:bucketAccountId: "111111111111"
  cross-account-s3:bucketRegion: eu-west-1
  cross-account-s3:bucketName: shared-data
  cross-account-s3:tags: {team: data}
  cross-account-s3:extraBucketPolicyStatements:
    - Sid: KeepAuditRead
      Effect: Allow
      Principal: {AWS: "arn:aws:iam::111111111111:role/audit"}
      Action: ["s3:GetObject"]
      Resource: ["arn:aws:s3:::shared-data/*"]
  cross-account-s3:consumers:
    - name: web
      accountId: "222222222222"
`)
	s, err := Load(dir, "shapes")
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"Action":["s3:GetObject"],"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/audit"},"Resource":["arn:aws:s3:::shared-data/*"],"Sid":"KeepAuditRead"}]`
	if got := s.Values["extraBucketPolicyStatements"]; got != want {
		t.Errorf("extraBucketPolicyStatements = %s\nwant %s", got, want)
	}
	if got := s.Values["actions"]; got != `["s3:GetObject","s3:PutObject"]` {
		t.Errorf("the project default of actions was not applied: %q", got)
	}
}

// When every key looks missing, the usual cause is named: config under another top-level key, or
// keys in another namespace.
func TestARefusedStackFileSaysWhyItsKeysLookMissing(t *testing.T) {
	cases := map[string]string{
		"confg:\n  cross-account-s3:bucketName: x\n": `has a top-level key "confg", which Pulumi does not read; the keys go under config:`,
		"config:\n  cross-acount-s3:bucketName: x\n": `sets keys of namespace "cross-acount-s3", which this project does not read; write them as cross-account-s3:KEY`,
		"config:\n  aws:region: eu-west-1\n":         `sets no key of this project's namespace "cross-account-s3"`,
	}
	for text, want := range cases {
		dir := t.TempDir()
		copyFile(t, filepath.Join(repoRoot, "Pulumi.yaml"), filepath.Join(dir, "Pulumi.yaml"))
		writeFile(t, filepath.Join(dir, "Pulumi.bad.yaml"), text)
		_, err := Load(dir, "bad")
		if err == nil || !strings.Contains(err.Error(), "\n  hint: "+filepath.Join(dir, "Pulumi.bad.yaml")+" "+want) {
			t.Errorf("%q: err = %v\nwant hint %s", text, err, want)
		}
	}
}

// Secrets says only that a key holds an encrypted value; Nested says which values inside it are.
func TestEncryptedValuesInsideAListAreFoundByPath(t *testing.T) {
	s, err := LoadFile(filepath.Join(repoRoot, "Pulumi.yaml"), filepath.Join(repoRoot, "cmd/plan/testdata/Pulumi.mixed-secrets.yaml"), "mixed-secrets")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Secrets["consumers"] {
		t.Error("consumers is not reported secret")
	}
	if got := s.Nested["consumers"]; len(got) != 1 || !got["consumers[0].externalId"] {
		t.Errorf("encrypted values of consumers: %v", got)
	}
	if got, ok := s.Nested["bucketName"]; !ok || len(got) != 0 {
		t.Errorf("bucketName: %v, %v", got, ok)
	}
	if src := s.Source(); src.Nested == nil {
		t.Error("Source drops Nested")
	}
}
