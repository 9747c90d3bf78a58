package stackconfig

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"cross-account-s3/spec"
)

// Two consumers that each assume a deployer role with an external ID.
const twoExternalIDs = `[
 {"name":"ingest","accountId":"333333333333","vpcId":"vpc-0b0b0b0b0b0b0b0b0","routeTableIds":["rtb-0b0b0b0b0b0b0b0b1"],
  "roleArns":["arn:aws:iam::333333333333:role/ingest"],"assumeRoleArn":"arn:aws:iam::333333333333:role/deployer","externalId":"ext-ingest"},
 {"name":"analytics","accountId":"222222222222","vpcId":"vpc-0a0a0a0a0a0a0a0a0","routeTableIds":["rtb-0a0a0a0a0a0a0a0a1"],
  "roleArns":["arn:aws:iam::222222222222:role/analytics"],"assumeRoleArn":"arn:aws:iam::222222222222:role/deployer","externalId":"ext-analytics"}]`

const mixedSecretMessage = "is stored in plain text in the stack file, although other values in consumers are encrypted (which makes Pulumi report the whole key as secret); store it encrypted with: pulumi config set --secret --path 'consumers[1].externalId' VALUE"

// The consumers key is secret as soon as one value in it is: each item's externalId is judged by
// the stack file, value by value.
func TestEachItemsExternalIDMustBeEncrypted(t *testing.T) {
	for _, tc := range []struct {
		name   string
		secret bool
		nested NestedSecrets
		want   spec.Problems
	}{
		{"one encrypted, one plain", true, NestedSecrets{"consumers": {"consumers[0].externalId": true}},
			spec.Problems{{Key: "consumers[1].externalId", Message: mixedSecretMessage}}},
		{"both encrypted", true, NestedSecrets{"consumers": {"consumers[0].externalId": true, "consumers[1].externalId": true}}, nil},
		{"the whole list encrypted as one value", true, NestedSecrets{"consumers": {"consumers": true}}, nil},
		{"none encrypted", false, NestedSecrets{"consumers": {}}, spec.Problems{
			{Key: "consumers[0].externalId", Message: "is stored in plain text; store it encrypted with: pulumi config set --secret --path 'consumers[0].externalId' VALUE"},
			{Key: "consumers[1].externalId", Message: "is stored in plain text; store it encrypted with: pulumi config set --secret --path 'consumers[1].externalId' VALUE"},
		}},
		// No stack file to tell the values apart: the key is judged as a whole, as Pulumi reports it.
		{"no stack file, key secret", true, nil, nil},
		{"no stack file, key not secret", false, nil, spec.Problems{
			{Key: "consumers[0].externalId", Message: "is stored in plain text; store it encrypted with: pulumi config set --secret --path 'consumers[0].externalId' VALUE"},
			{Key: "consumers[1].externalId", Message: "is stored in plain text; store it encrypted with: pulumi config set --secret --path 'consumers[1].externalId' VALUE"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, got := Load(MapSource{Values: listForm(twoExternalIDs), Secrets: map[string]bool{"consumers": tc.secret}, Nested: tc.nested})
			if len(got)+len(tc.want) > 0 && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got\n%v\nwant\n%v", got, tc.want)
			}
		})
	}
}

// programSource stands for the running program's source, which knows only the secret keys: LoadAll
// then reads the stack file the Go language host points it at.
type programSource struct{ MapSource }

func (p programSource) NestedSecrets() {} // hides MapSource's: not a NestedSecretSource

const stackFile = `config:
  cross-account-s3:bucketAccountId: "111111111111"
  cross-account-s3:bucketRegion: eu-west-1
  cross-account-s3:bucketName: shared-data
  cross-account-s3:actions: ["s3:GetObject"]
  cross-account-s3:allowListing: "true"
  cross-account-s3:consumers:
    - name: ingest
      accountId: "333333333333"
      vpcId: vpc-0b0b0b0b0b0b0b0b0
      routeTableIds: [rtb-0b0b0b0b0b0b0b0b1]
      roleArns: ["arn:aws:iam::333333333333:role/ingest"]
      assumeRoleArn: arn:aws:iam::333333333333:role/deployer
      externalId:
        secure: v1:YkIv5cDZNNUzUVqy:QPOSSMBuM22EjT4Uxrqo894E14nRJOgCqioIelrIH0zMH7CrVS1Q6A==
    - name: analytics
      accountId: "222222222222"
      vpcId: vpc-0a0a0a0a0a0a0a0a0
      routeTableIds: [rtb-0a0a0a0a0a0a0a0a1]
      roleArns: ["arn:aws:iam::222222222222:role/analytics"]
      assumeRoleArn: arn:aws:iam::222222222222:role/deployer
      externalId: ext-analytics
`

// The program reads its own stack file (PULUMI_STACK, PULUMI_ROOT_DIRECTORY) to find the plain
// externalId among encrypted ones; a file that does not hold the values the engine passed is no
// witness, and the key is then judged as a whole.
func TestTheProgramReadsItsStackFileForSecretsPerItem(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Pulumi.yaml", "name: cross-account-s3\nruntime: go\n")
	write("Pulumi.dev.yaml", stackFile)
	t.Setenv("PULUMI_STACK", "dev")
	t.Setenv("PULUMI_ROOT_DIRECTORY", dir)

	nested, file := ProgramNestedSecrets(MapSource{Values: listForm(twoExternalIDs)}.Get)
	if file != "Pulumi.dev.yaml" || !reflect.DeepEqual(nested["consumers"], map[string]bool{"consumers[0].externalId": true}) {
		t.Fatalf("read %s: %v", file, nested)
	}
	engine := programSource{MapSource{Values: listForm(twoExternalIDs), Secrets: map[string]bool{"consumers": true}}}
	_, _, got := Load(engine)
	want := spec.Problems{{Key: "consumers[1].externalId", Message: mixedSecretMessage}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%v\nwant\n%v", got, want)
	}

	// The engine passed other values (another config file, say): judged as a whole.
	var items []map[string]any
	if err := json.Unmarshal([]byte(twoExternalIDs), &items); err != nil {
		t.Fatal(err)
	}
	items[1]["accountId"] = "444444444444"
	items[1]["roleArns"] = []any{"arn:aws:iam::444444444444:role/analytics"}
	items[1]["assumeRoleArn"] = "arn:aws:iam::444444444444:role/deployer"
	other, _ := json.Marshal(items)
	engine.Values = listForm(string(other))
	if _, _, got := Load(engine); len(got) != 0 {
		t.Errorf("a stack file of other values decided: %v", got)
	}

	// No stack file named by the environment: judged as a whole.
	t.Setenv("PULUMI_STACK", "prod")
	engine.Values = listForm(twoExternalIDs)
	if _, _, got := Load(engine); len(got) != 0 {
		t.Errorf("without a stack file: %v", got)
	}
}
