package preflight

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cross-account-s3/stackconfig"
	"cross-account-s3/tools/stackfile"
)

// Statements whose YAML needs care: numbers, booleans, a 12-digit string, "*", keys with colons.
var (
	tlsVersion  = `{"Sid":"DenyOldTLS","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"NumericLessThan":{"s3:TlsVersion":1.2}}}`
	logDelivery = `{"Sid":"AllowLogDelivery","Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared-data/logs/*","Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"},"Bool":{"aws:SecureTransport":true}}}`
)

func TestKeepYAML(t *testing.T) {
	got := KeepYAML([]map[string]any{statement(auditRead), statement(tlsVersion), statement(logDelivery), statement(cloudTrail)})
	want := `  cross-account-s3:extraBucketPolicyStatements:
    - Sid: AuditRead
      Effect: Allow
      Principal:
        AWS: arn:aws:iam::111111111111:role/auditor
      Action: s3:GetObject
      Resource: arn:aws:s3:::shared-data/audit/*
    - Sid: DenyOldTLS
      Effect: Deny
      Principal: "*"
      Action: s3:*
      Resource:
        - arn:aws:s3:::shared-data
        - arn:aws:s3:::shared-data/*
      Condition:
        NumericLessThan:
          s3:TlsVersion: 1.2
    - Sid: AllowLogDelivery
      Effect: Allow
      Principal:
        Service: logging.s3.amazonaws.com
      Action: s3:PutObject
      Resource: arn:aws:s3:::shared-data/logs/*
      Condition:
        Bool:
          aws:SecureTransport: true
        StringEquals:
          aws:SourceAccount: "111111111111"
    - Sid: AWSCloudTrailWrite
      Effect: Allow
      Principal:
        Service: cloudtrail.amazonaws.com
      Action: s3:PutObject
      Resource: arn:aws:s3:::shared-data/AWSLogs/111111111111/*
      Condition:
        StringEquals:
          aws:SourceArn: arn:aws:cloudtrail:eu-west-1:111111111111:trail/org
          s3:x-amz-acl: bucket-owner-full-control
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	odd := KeepYAML([]map[string]any{statement(`{"Sid":"Odd","Effect":"Allow","Principal":{"AWS":[]},"Action":[["s3:GetObject"]],"Resource":[{"a":1},{}],"Condition":{},"Extra":null,"Weird":2e3}`)})
	if odd != `  cross-account-s3:extraBucketPolicyStatements:
    - Sid: Odd
      Effect: Allow
      Principal:
        AWS: []
      Action:
        - - s3:GetObject
      Resource:
        - a: 1
        - {}
      Condition: {}
      Extra: null
      Weird: 2e3
` {
		t.Errorf("odd shapes:\n%s", odd)
	}
	if got := KeepYAML(nil); got != "  cross-account-s3:extraBucketPolicyStatements: []\n" {
		t.Errorf("empty: %q", got)
	}
}

func TestYAMLScalars(t *testing.T) {
	for in, want := range map[string]string{
		"s3:GetObject": "s3:GetObject", "*": `"*"`, "false": `"false"`, "Yes": `"Yes"`, "n": `"n"`, "null": `"null"`,
		"111111111111": `"111111111111"`, "1.2": `"1.2"`, "": `""`, "a b": `"a b"`, "key:": `"key:"`,
		"#x": `"#x"`, "-x": `"-x"`, "x<y&z": `"x<y&z"`, `q"uote`: `"q\"uote"`, "${aws:username}/*": `"${aws:username}/*"`,
		"arn:aws:s3:::b/home/${aws:userid}/*": `"arn:aws:s3:::b/home/${aws:userid}/*"`, "s3:Get*": "s3:Get*",
	} {
		if got := yamlScalar(in); got != want {
			t.Errorf("yamlScalar(%q) = %s, want %s", in, got, want)
		}
	}
}

// What KeepYAML renders, pasted under config: in a stack file, reads back through the Pulumi CLI's
// own loaders and this program's config reader as statements that preflight counts as kept.
func TestKeepYAMLReadsBackAsKept(t *testing.T) {
	live := []map[string]any{statement(auditRead), statement(tlsVersion), statement(logDelivery), statement(cloudTrail)}
	stack := `config:
  cross-account-s3:bucketAccountId: "111111111111"
  cross-account-s3:bucketRegion: eu-west-1
  cross-account-s3:bucketName: shared-data
  cross-account-s3:consumerAccountId: "222222222222"
  cross-account-s3:consumerRegion: eu-west-1
  cross-account-s3:consumerRoleArns: [arn:aws:iam::222222222222:role/web]
  cross-account-s3:vpcId: vpc-0a0a0a0a0a0a0a0a0
  cross-account-s3:routeTableIds: [rtb-0a0a0a0a0a0a0a0a1]
` + KeepYAML(live)
	dir := t.TempDir()
	path := filepath.Join(dir, "Pulumi.dev.yaml")
	if err := os.WriteFile(path, []byte(stack), 0o644); err != nil {
		t.Fatal(err)
	}
	loaded, err := stackfile.LoadFile(filepath.Join("..", "Pulumi.yaml"), path, "dev")
	if err != nil {
		t.Fatal(err)
	}
	s, _, problems := stackconfig.Load(loaded.Source())
	if len(problems) > 0 {
		t.Fatalf("the stack with the rendered YAML is refused: %v", problems)
	}
	sts, err := ReadPolicy(s, policyJSON(live...), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := classes(sts); got != "AuditRead=kept#0 DenyOldTLS=kept#1 AllowLogDelivery=kept#2 AWSCloudTrailWrite=kept#3" {
		t.Fatalf("read back: %s", got)
	}
}

func TestKeepCommand(t *testing.T) {
	st := statement(`{"Sid":"Quote","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::shared-data/o'brien/*"}`)
	cmd := KeepCommand("prod", []map[string]any{st})
	prefix := "pulumi config set-all --stack prod --json '"
	if !strings.HasPrefix(cmd, prefix) || !strings.HasSuffix(cmd, "'") || !strings.Contains(cmd, `o'\''brien`) {
		t.Fatalf("command %s", cmd)
	}
	arg := strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(cmd, prefix), "'"), `'\''`, "'")
	var parsed map[string]struct {
		Value       string `json:"value"`
		ObjectValue []any  `json:"objectValue"`
		Secret      bool   `json:"secret"`
	}
	if err := json.Unmarshal([]byte(arg), &parsed); err != nil {
		t.Fatal(err)
	}
	v := parsed[ExtraStatementsKey]
	var fromValue []any
	if err := json.Unmarshal([]byte(v.Value), &fromValue); err != nil || v.Secret || len(v.ObjectValue) != 1 || compactJSON(fromValue) != compactJSON(v.ObjectValue) {
		t.Fatalf("value %s, object %v, secret %v", v.Value, v.ObjectValue, v.Secret)
	}
	if !strings.HasPrefix(KeepCommand("", nil), "pulumi config set-all --json '") {
		t.Fatal("without a stack name")
	}
}
