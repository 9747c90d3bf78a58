package program

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/tools/offline"
)

// The wiring of preflight in the program, under the mocks. Every branch of preflight.Check is
// tested with its exact words in package preflight, and on the real engine in testworld/engine;
// these prove that the lookups go through the right providers, that a problem stops the program
// before any resource but the providers, and that the lifecycle options reach the engine.

func TestPreflightLooksUpThroughEachAccountsProvider(t *testing.T) {
	m := run(t, baseConfig())
	want := map[string]string{
		"aws:s3/getBucket:getBucket":             "bucket-owner",
		"aws:s3/getBucketPolicy:getBucketPolicy": "bucket-owner",
		"aws:iam/getRole:getRole":                "consumer-222222222222",
		"aws:ec2/getRouteTable:getRouteTable":    "consumer-222222222222",
		"aws:ec2/getVpcEndpoint:getVpcEndpoint":  "consumer-222222222222",
	}
	seen := map[string]bool{}
	for _, c := range m.Invokes {
		if provider, ok := want[c.Token]; ok {
			seen[c.Token] = true
			if got := (offline.Resource{Provider: c.Provider}).ProviderName(); got != provider {
				t.Errorf("%s ran on provider %q, want %q", c.Token, got, provider)
			}
		}
	}
	for token := range want {
		if !seen[token] {
			t.Errorf("no %s lookup", token)
		}
	}
}

func TestAForeignStatementStopsTheProgramBeforeAnyWrite(t *testing.T) {
	live := `{"Version":"2012-10-17","Statement":[{"Sid":"AuditRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/auditor"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/audit/*"}]}`
	m := &offline.Mocks{Live: func(args pulumi.MockCallArgs) (resource.PropertyMap, error, bool) {
		if args.Token != "aws:s3/getBucketPolicy:getBucketPolicy" {
			return nil, nil, false
		}
		return resource.NewPropertyMapFromMap(map[string]any{"bucket": "shared-data", "policy": live}), nil, true
	}}
	err := m.Run(Run, baseConfig())
	for _, want := range []string{"preflight: the live accounts stop this deployment, nothing was written (1 problem):",
		"extraBucketPolicyStatements: the live policy of bucket shared-data (account 111111111111) holds 1 statement", "Sid: AuditRead"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nlacks %q", err, want)
		}
	}
	for _, r := range m.Resources {
		if r.Custom && r.Type != typeProvider {
			t.Errorf("registered %s %q despite the foreign statement", r.Type, r.Name)
		}
	}
}

func TestPreflightOffReadsNothing(t *testing.T) {
	cfg := baseConfig()
	cfg["preflight"] = "false"
	for _, c := range run(t, cfg).Invokes {
		// The stack's own last outputs come from the state backend, not from AWS.
		if c.Token != "pulumi:pulumi:readStackOutputs" {
			t.Errorf("a lookup with preflight off: %s", c.Token)
		}
	}
}

func TestLifecycleOptionsReachTheEngine(t *testing.T) {
	cfg := baseConfig()
	cfg["extraBucketPolicyStatements"] = `[{"Sid":"KeepAuditRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/auditor"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/audit/*"}]`
	cfg["protectEndpoints"] = "true"
	m := run(t, cfg)
	if p := one(t, m, typeBucketPolicy); !p.Protect || p.RetainOnDelete {
		t.Errorf("a policy with kept statements: protect %v, retain %v; want protected", p.Protect, p.RetainOnDelete)
	}
	if e := one(t, m, typeEndpoint); !e.Protect {
		t.Error("protectEndpoints: the endpoint is not protected")
	}

	delete(cfg, "protectEndpoints")
	cfg["releaseBucketPolicy"] = "true"
	m = run(t, cfg)
	p := one(t, m, typeBucketPolicy)
	if p.Protect || !p.RetainOnDelete {
		t.Errorf("released: protect %v, retain %v; want retained only", p.Protect, p.RetainOnDelete)
	}
	if doc := p.Str("policy"); !strings.Contains(doc, `"Sid":"KeepAuditRead"`) || strings.Contains(doc, "DenyInsecureTransport") || strings.Contains(doc, "aws:SourceVpce") {
		t.Errorf("released policy is not the kept statements alone: %s", doc)
	}
	if e := one(t, m, typeEndpoint); e.Protect {
		t.Error("the endpoint is protected without protectEndpoints")
	}

	cfg["protectBucketPolicy"] = "true"
	if err := (&offline.Mocks{}).Run(Run, cfg); err == nil || !strings.Contains(err.Error(), "releaseBucketPolicy: is true while protectBucketPolicy is true too") {
		t.Errorf("release with protection: %v", err)
	}
}
