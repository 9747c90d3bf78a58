package engine

import (
	"context"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"cross-account-s3/testworld/world"
)

// Preflight in the stack's program (program.Run) on the real engine: the lookups run in the first
// preview of a new stack through its account-pinned providers (not created yet), the fake's
// answers reach preflight through the engine's wrapping, and a failed preflight stops preview and
// up, naming the key, the account and the fix, before any write.

func preflightWorld() *world.World {
	w := world.New()
	w.Credentials["profile:owner"] = "111111111111"
	w.Credentials["profile:workloads"] = "222222222222"
	w.Buckets["shared-data"] = world.Bucket{Account: "111111111111", Region: "eu-west-1"}
	w.AddRole("222222222222", "web")
	w.VPCs["vpc-0a0a0a0a0a0a0a0a0"] = world.VPC{Account: "222222222222", Region: "eu-west-1"}
	w.RouteTables["rtb-0a0a0a0a0a0a0a0a1"] = world.RouteTable{Account: "222222222222", VPC: "vpc-0a0a0a0a0a0a0a0a0"}
	return w
}

// preflightStack is the stack file of the preflight tests: one consumer, web, in
// vpc-0a0a0a0a0a0a0a0a0 of account 222222222222, on the bucket shared-data of 111111111111.
const preflightStack = `config:
  cross-account-s3:bucketAccountId: "111111111111"
  cross-account-s3:bucketRegion: eu-west-1
  cross-account-s3:bucketName: shared-data
  cross-account-s3:bucketProfile: owner
  cross-account-s3:consumerName: web
  cross-account-s3:consumerAccountId: "222222222222"
  cross-account-s3:consumerRegion: eu-west-1
  cross-account-s3:consumerProfile: workloads
  cross-account-s3:consumerRoleArns: ["arn:aws:iam::222222222222:role/web"]
  cross-account-s3:vpcId: vpc-0a0a0a0a0a0a0a0a0
  cross-account-s3:routeTableIds: [rtb-0a0a0a0a0a0a0a0a1]
`

func TestEnginePreflight(t *testing.T) {
	auditRead := `{"Version":"2012-10-17","Statement":[{"Sid":"AuditRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/auditor"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/audit/*"}]}`
	tests := []struct {
		name  string
		world func(*world.World)
		want  []string // in preview's and up's error; none: both succeed
	}{
		{name: "nothing in the way"},
		{name: "a statement the stack does not know", world: func(w *world.World) {
			b := w.Buckets["shared-data"]
			b.Policy = auditRead
			w.Buckets["shared-data"] = b
		}, want: []string{`extraBucketPolicyStatements: the live policy of bucket shared-data (account 111111111111) holds 1 statement`,
			`statement 1 (Sid "AuditRead")`, "cross-account-s3:extraBucketPolicyStatements:", "- Sid: AuditRead", "pulumi config set-all --stack dev --json '"}},
		{name: "a missing role", world: func(w *world.World) { w.DeleteRole("222222222222", "web") },
			want: []string{"preflight: the live accounts stop this deployment, nothing was written (1 problem):", "consumerRoleArns[0]: role web does not exist in account 222222222222", "NoSuchEntity"}},
		{name: "a route table of another VPC", world: func(w *world.World) {
			w.VPCs["vpc-0b0b0b0b0b0b0b0b0"] = world.VPC{Account: "222222222222", Region: "eu-west-1"}
			w.RouteTables["rtb-0a0a0a0a0a0a0a0a1"] = world.RouteTable{Account: "222222222222", VPC: "vpc-0b0b0b0b0b0b0b0b0"}
		}, want: []string{"routeTableIds[0]: route table rtb-0a0a0a0a0a0a0a0a1 belongs to vpc-0b0b0b0b0b0b0b0b0"}},
		{name: "a route table served by another S3 endpoint", world: func(w *world.World) {
			w.Endpoints["vpce-0eeeeeeeeeeeeeee0"] = world.Endpoint{Account: "222222222222", Region: "eu-west-1", VpcID: "vpc-0a0a0a0a0a0a0a0a0",
				ServiceName: "com.amazonaws.eu-west-1.s3", Type: "Gateway", RouteTableIDs: []string{"rtb-0a0a0a0a0a0a0a0a1"},
				Policy: world.DefaultEndpointPolicy, PrefixListID: world.PrefixListID("eu-west-1"), State: "available"}
		}, want: []string{"adoptEndpointId: route table rtb-0a0a0a0a0a0a0a0a1 (routeTableIds[0]) already routes S3 traffic through gateway endpoint vpce-0eeeeeeeeeeeeeee0", "  cross-account-s3:adoptEndpointId: vpce-0eeeeeeeeeeeeeee0"}},
		{name: "a bucket in another Region", world: func(w *world.World) {
			w.Buckets["shared-data"] = world.Bucket{Account: "111111111111", Region: "us-east-1"}
		}, want: []string{"bucketRegion: bucket shared-data is not in bucketRegion eu-west-1"}},
		{name: "no permission to read the bucket policy", world: func(w *world.World) { w.Deny("111111111111", "s3:GetBucketPolicy") },
			want: []string{"bucketName: preflight cannot read the policy of bucket shared-data in account 111111111111: the credentials of provider bucket-owner (profile owner) lack s3:GetBucketPolicy",
				"cross-account-s3:preflight: false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := preflightWorld()
			if tt.world != nil {
				tt.world(w)
			}
			l := newEngine(t, "dev", preflightStack, w)
			before := l.world().Buckets["shared-data"].Policy
			preview, perr := l.stack.Preview(context.Background())
			up, uerr := l.stack.Up(context.Background())
			if len(tt.want) == 0 {
				if perr != nil || uerr != nil {
					t.Fatalf("preview: %v\n%s\nup: %v\n%s", perr, preview.StdOut, uerr, up.StdOut)
				}
				if l.world().Buckets["shared-data"].Policy == before {
					t.Fatal("up wrote no bucket policy")
				}
				return
			}
			for op, err := range map[string]error{"preview": perr, "up": uerr} {
				if err == nil {
					t.Fatalf("%s succeeded", op)
				}
				for _, want := range tt.want {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("%s's error lacks %q:\n%v", op, want, err)
					}
				}
			}
			ops, err := world.ReadLog(l.logPath)
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range ops {
				if op.Op != "configure" && op.Op != "invoke" {
					t.Errorf("a failed preflight let through a %s: %+v", op.Op, op)
				}
			}
			if after := l.world().Buckets["shared-data"].Policy; after != before {
				t.Errorf("the bucket policy changed: %q, was %q", after, before)
			}
		})
	}
}

// The whole life of a taken-over bucket policy, with preflight and DecideLifecycle as the program
// will use them: the command preflight gives to keep a foreign statement, run by the real CLI,
// keeps it (the next preview passes, up writes the policy with it, the preview after sees it as
// kept); destroy's preview then stops at the protected policy; releaseBucketPolicy and an up
// leave only the kept statement, and destroy leaves the bucket with the statement it had before.
func TestEnginePreflightKeepCommand(t *testing.T) {
	w := preflightWorld()
	b := w.Buckets["shared-data"]
	before := `{"Version":"2012-10-17","Statement":{"Sid":"AuditRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/auditor"},"Action":["s3:GetObject"],"Resource":"arn:aws:s3:::shared-data/audit/*","Condition":{"NumericLessThan":{"s3:TlsVersion":1.2}}}}`
	b.Policy = before
	w.Buckets["shared-data"] = b
	w.AddRole("111111111111", "auditor")
	l := newEngine(t, "dev", preflightStack, w)
	ctx := context.Background()
	_, err := l.stack.Preview(ctx)
	if err == nil {
		t.Fatal("preview passed over a foreign statement")
	}
	m := regexp.MustCompile(`pulumi config set-all --stack dev --json '([^\n]*)'`).FindStringSubmatch(err.Error())
	if m == nil {
		t.Fatalf("no command in:\n%v", err)
	}
	if err := l.stack.SetAllConfigJson(ctx, strings.ReplaceAll(m[1], `'\''`, "'"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := l.stack.Preview(ctx); err != nil {
		t.Fatalf("preview after the command: %v", err)
	}
	if _, err := l.stack.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	policy := l.world().Buckets["shared-data"].Policy
	if !strings.Contains(policy, `"Sid":"AuditRead"`) || !strings.Contains(policy, `"Sid":"DenyInsecureTransport"`) {
		t.Fatalf("policy after up: %s", policy)
	}
	if _, err := l.stack.Preview(ctx); err != nil {
		t.Fatalf("preview after up: %v", err)
	}

	if _, err := l.stack.PreviewDestroy(ctx); err == nil || !strings.Contains(err.Error(), "because it is protected") {
		t.Fatalf("destroy's preview with a kept statement: %v", err)
	}
	if err := l.stack.SetConfig(ctx, "cross-account-s3:releaseBucketPolicy", auto.ConfigValue{Value: "true"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.stack.Up(ctx); err != nil {
		t.Fatalf("up to release: %v", err)
	}
	if _, err := l.stack.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	after := l.world().Buckets["shared-data"].Policy
	var was, is map[string]any
	_ = json.Unmarshal([]byte(before), &was)
	_ = json.Unmarshal([]byte(after), &is)
	statements, _ := is["Statement"].([]any)
	if len(statements) != 1 {
		t.Fatalf("after destroy the bucket holds %s, not only the statement it had before: %s", after, before)
	}
	wasJSON, _ := json.Marshal(was["Statement"])
	isJSON, _ := json.Marshal(statements[0])
	if string(wasJSON) != string(isJSON) {
		t.Fatalf("after destroy: %s, before: %s", isJSON, wasJSON)
	}
}

// A deployed stack whose preflight fails later (here a role deleted since) keeps everything: the
// program fails before registering its resources, and the engine deletes unregistered resources
// only after a program that succeeds.
func TestEnginePreflightFailingLaterDeletesNothing(t *testing.T) {
	l := newEngine(t, "dev", preflightStack, preflightWorld())
	ctx := context.Background()
	if _, err := l.stack.Up(ctx); err != nil {
		t.Fatalf("first up: %v", err)
	}
	if err := world.Update(l.worldPath, func(w *world.World) error {
		w.DeleteRole("222222222222", "web")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.stack.Up(ctx); err == nil || !strings.Contains(err.Error(), "role web does not exist in account 222222222222") {
		t.Fatalf("up after the role was deleted: %v", err)
	}
	ops, err := world.ReadLog(l.logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if op.Op == "delete" || op.Op == "update" {
			t.Errorf("a failed preflight let through a %s: %+v", op.Op, op)
		}
	}
	// The policy is the one deployed, the deleted role's ARN replaced by its unique ID by IAM.
	if got := l.world().Buckets["shared-data"].Policy; !strings.Contains(got, `"Sid":"DenyInsecureTransport"`) || strings.Contains(got, "role/web") {
		t.Errorf("bucket policy after the failed up: %q", got)
	}
}

// With preflight: false the program asks AWS nothing before writing, and the preview says what
// that leaves unchecked: here a live statement the stack does not know, which up then replaces.
func TestEnginePreflightOffWarnsAndReadsNothing(t *testing.T) {
	w := preflightWorld()
	b := w.Buckets["shared-data"]
	b.Policy = `{"Version":"2012-10-17","Statement":[{"Sid":"AuditRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/auditor"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/audit/*"}]}`
	w.Buckets["shared-data"] = b
	e := newEngine(t, "dev", preflightStack+"  cross-account-s3:preflight: false\n", w)
	r := e.run("preview")
	if r.err != nil {
		t.Fatalf("preview: %v\n%s", r.err, r.output)
	}
	// The warning, as the CLI prints it (its diagnostics wrap nothing: one line).
	if !strings.Contains(r.output, "warning: cross-account-s3:preflight is false: nothing is read from the accounts before writing, so pulumi up replaces the bucket policy whatever statements it holds") {
		t.Errorf("the preview does not warn that preflight is off:\n%s", r.output)
	}
	for _, c := range r.calls {
		if c.Op == "invoke" {
			t.Errorf("preflight off, yet the preview looked up %s", c.Type)
		}
	}
	// The control: the same stack with preflight on looks the accounts up, and stops.
	e.writeStackFile(preflightStack)
	r = e.run("preview")
	invokes := 0
	for _, c := range r.calls {
		if c.Op == "invoke" {
			invokes++
		}
	}
	if r.err == nil || invokes == 0 {
		t.Errorf("preflight on: error %v, %d lookups; want the unknown statement to stop the preview after its lookups", r.err, invokes)
	}
}

// A consumer role deleted and created again under the same name: IAM wrote its old unique ID into
// the bucket policy in place of its ARN, so the policy admits nobody for it. The preview says so,
// names the role that exists again, and that a plain up does not rewrite an unchanged document
// (the engine compares with its state, which still holds the ARN), so the fix is up --refresh.
func TestEnginePreflightNamesARecreatedRole(t *testing.T) {
	e := newEngine(t, "dev", preflightStack, preflightWorld())
	if r := e.run("up"); r.err != nil {
		t.Fatalf("up: %v\n%s", r.err, r.output)
	}
	if err := world.Update(e.worldPath, func(w *world.World) error {
		w.DeleteRole("222222222222", "web")
		w.AddRole("222222222222", "web")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r := e.run("preview")
	if r.err != nil {
		t.Fatalf("preview: %v\n%s", r.err, r.output)
	}
	oneLine := strings.Join(strings.Fields(r.output), " ")
	for _, want := range []string{
		"the live policy of bucket shared-data names AROA",
		"arn:aws:iam::222222222222:role/web (consumerRoleArns[0], unique ID AROA",
		"exists but the live policy does not name it: if it was deleted and created again, it has no access now.",
		"if its preview shows no update of the bucket policy, run pulumi up --refresh to rewrite it.",
	} {
		if !strings.Contains(oneLine, want) {
			t.Errorf("the preview does not say %q:\n%s", want, r.output)
		}
	}
	checkOps(t, "preview after the role was recreated", r, map[string]int{})
}

// The live bucket policy against what the stack wrote, on the engine: each out-of-band edit stops
// preview and up with the statement that changed and writes nothing; `pulumi refresh` then
// `pulumi up` writes the stack's document back byte for byte; AWS's own rewrites of the stored
// document are no change at all.
func TestEngineBucketPolicyDrift(t *testing.T) {
	w := preflightWorld()
	w.AddRole("111111111111", "auditor")
	stackFile := preflightStack + `  cross-account-s3:extraBucketPolicyStatements:
    - Sid: AuditRead
      Effect: Allow
      Principal: {AWS: "arn:aws:iam::111111111111:role/auditor"}
      Action: s3:GetObject
      Resource: arn:aws:s3:::shared-data/audit/*
`
	e := newEngine(t, "dev", stackFile, w)
	if r := e.run("up"); r.err != nil {
		t.Fatalf("up: %v\n%s", r.err, r.output)
	}
	wrote := e.world().Buckets["shared-data"].Policy
	baseline := e.run("preview")
	backdoor := `{"Sid":"AllowBackdoorObjects","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::999999999999:role/exfil"]},"Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::shared-data/*"],"Condition":{"StringEquals":{"aws:SourceVpce":["vpce-0badbadbadbadbad0"]}}}`
	withStatement := func(st string) func(string) string {
		return func(p string) string { return strings.Replace(p, `"Statement":[`, `"Statement":[`+st+`,`, 1) }
	}
	edit := func(old, new string) func(string) string {
		return func(p string) string {
			if !strings.Contains(p, old) {
				t.Fatalf("the policy lacks %s:\n%s", old, p)
			}
			return strings.ReplaceAll(p, old, new)
		}
	}
	perimeter := regexp.MustCompile(`,?\{"Sid":"DenyConsumerAccountsOutsideVpcEndpoints"[^{}]*(\{[^{}]*(\{[^{}]*(\{[^{}]*\})?[^{}]*\})?[^{}]*\})*[^{}]*\}`)
	tls := regexp.MustCompile(`\{"Sid":"DenyInsecureTransport"[^{}]*(\{[^{}]*(\{[^{}]*\})?[^{}]*\})*[^{}]*\},?`)
	endpointID := regexp.MustCompile(`vpce-[0-9a-f]+`).FindString(wrote)
	tamperings := []struct {
		name string
		edit func(string) string
		want string // in the error, next to the drift's header
	}{
		{"a backdoor", withStatement(backdoor), `added: statement 1 (Sid "AllowBackdoorObjects")`},
		{"a backdoor under this stack's shape Sid", withStatement(strings.Replace(backdoor, "AllowBackdoorObjects", "AllowObjects3dd9fabb", 1)), `added: statement 1 (Sid "AllowObjects3dd9fabb")`},
		{"a backdoor under the first version's Sid", withStatement(strings.Replace(backdoor, "AllowBackdoorObjects", "AllowWebObjects", 1)), `added: statement 1 (Sid "AllowWebObjects")`},
		{"a backdoor without a Sid", withStatement(strings.Replace(backdoor, `"Sid":"AllowBackdoorObjects",`, "", 1)), `added: statement 1 (no Sid)`},
		{"a foreign Deny under an old Sid", withStatement(`{"Sid":"DenyContractorOutsideEndpoint","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::222222222222:role/contractor"},"Action":"s3:*","Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0c0c0c0c0c0c0c0c0"}}}`),
			`added: statement 1 (Sid "DenyContractorOutsideEndpoint")`},
		{"an extra endpoint", edit(`"`+endpointID+`"`, `"`+endpointID+`","vpce-0badbadbadbadbad0"`), `changed: statement 3 (Sid "DenyConsumerAccountsOutsideVpcEndpoints"): Condition live`},
		{"the perimeter weakened", edit(`"StringNotEqualsIfExists":{"aws:SourceVpce":["`+endpointID+`"]}`, `"Null":{"aws:SourceVpce":"true"}`), `changed: statement 3 (Sid "DenyConsumerAccountsOutsideVpcEndpoints"): Condition live {"Null":{"aws:SourceVpce":"true"}}`},
		{"the Denies deleted", func(p string) string { return tls.ReplaceAllString(perimeter.ReplaceAllString(p, ""), "") }, `removed: Sid "DenyInsecureTransport"`},
		{"a kept statement widened", edit(`"Principal":{"AWS":"arn:aws:iam::111111111111:role/auditor"}`, `"Principal":"*"`), `changed: statement 4 (Sid "AuditRead"): Principal live "*"`},
	}
	for _, tt := range tamperings {
		t.Run(tt.name, func(t *testing.T) {
			tampered := tt.edit(wrote)
			if tampered == wrote {
				t.Fatal("the edit changed nothing")
			}
			setPolicy(t, e, tampered)
			for _, op := range []string{"preview", "up"} {
				r := e.run(op)
				if r.err == nil {
					t.Fatalf("%s let the tampered policy through:\n%s", op, r.output)
				}
				for _, want := range []string{"bucketName: the live policy of bucket shared-data (account 111111111111) is not the document this stack wrote in its last update", tt.want,
					"run `pulumi refresh --stack dev --yes` (it takes the live policy into the stack's state), then `pulumi preview --stack dev`"} {
					if !strings.Contains(r.err.Error(), want) {
						t.Errorf("%s's error lacks %q:\n%v", op, want, r.err)
					}
				}
				checkNoWrite(t, op, r)
			}
			if got := e.world().Buckets["shared-data"].Policy; got != tampered {
				t.Fatalf("the failed preview and up changed the policy:\n%s", got)
			}
			if r := e.run("refresh"); r.err != nil {
				t.Fatalf("refresh: %v\n%s", r.err, r.output)
			}
			r := e.run("up")
			if r.err != nil {
				t.Fatalf("up after the refresh: %v\n%s", r.err, r.output)
			}
			if !strings.Contains(strings.Join(strings.Fields(r.output), " "), "pulumi up writes this stack's document back, undoing") {
				t.Errorf("the restoring up does not say what it undoes:\n%s", r.output)
			}
			checkOps(t, "up after the refresh", r, map[string]int{"update BucketPolicy": 1})
			if got := e.world().Buckets["shared-data"].Policy; got != wrote {
				t.Fatalf("the restoring up wrote\n%s\nnot what the stack wrote first\n%s", got, wrote)
			}
		})
	}

	t.Run("AWS's own rewrites are no change", func(t *testing.T) {
		setPolicy(t, e, awsRewrite(t, wrote))
		r := e.run("preview")
		if r.err != nil {
			t.Fatalf("preview: %v\n%s", r.err, r.output)
		}
		checkOps(t, "preview", r, map[string]int{})
		if got, want := warnings(r.output), warnings(baseline.output); got != want {
			t.Errorf("the preview warns\n%s\nwhere the preview of the policy as written warns\n%s", got, want)
		}
	})
}

// warnings are the distinct warning lines of a CLI output, sorted.
func warnings(output string) string {
	seen := map[string]bool{}
	var out []string
	for _, line := range strings.Split(output, "\n") {
		if i := strings.Index(line, "warning: "); i >= 0 && !seen[line[i:]] {
			seen[line[i:]] = true
			out = append(out, line[i:])
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func setPolicy(t *testing.T, e *engine, policy string) {
	t.Helper()
	if err := world.Update(e.worldPath, func(w *world.World) error {
		b := w.Buckets["shared-data"]
		b.Policy = policy
		w.Buckets["shared-data"] = b
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// awsRewrite stores a policy as S3 may return it: pretty-printed, keys in another order, lists
// of one value as that value, account IDs as root ARNs.
func awsRewrite(t *testing.T, policy string) string {
	t.Helper()
	var doc any
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(key string, v any) any
	walk = func(key string, v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(k, e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(key, e)
			}
			if len(x) == 1 && key != "Statement" {
				return x[0]
			}
		case string:
			if m := regexp.MustCompile(`^arn:aws:iam::(\d{12}):root$`).FindStringSubmatch(x); m != nil {
				return m[1]
			}
		}
		return v
	}
	b, err := json.MarshalIndent(walk("", doc), "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) == policy {
		t.Fatal("the rewrite changed nothing")
	}
	return string(b)
}
