package policydoc

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"cross-account-s3/spec"
)

func TestRenderingIsDeterministic(t *testing.T) {
	for name, s := range cases {
		first := BucketPolicy(s, EndpointIDs{"analytics": endpointID}).JSON()
		for i := 0; i < 50; i++ {
			// Conditions are maps: a second build must not reorder them.
			if again := BucketPolicy(s, EndpointIDs{"analytics": endpointID}).JSON(); again != first {
				t.Fatalf("%s: render %d differs:\n%s\n%s", name, i, first, again)
			}
		}
	}
}

func TestDocumentsAreMinifiedValidJSON(t *testing.T) {
	doc := BucketPolicy(cases["extra-statements"], EndpointIDs{"analytics": endpointID}).JSON()
	var parsed map[string]any
	if err := json.Unmarshal([]byte(doc), &parsed); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(doc, "\n\t") || strings.Contains(doc, `": `) {
		t.Errorf("not minified: %s", doc)
	}
}

func TestBucketPolicyNeverDeniesEveryoneOnAVpcCondition(t *testing.T) {
	for name, s := range cases {
		doc := BucketPolicy(s, EndpointIDs{"analytics": endpointID})
		for _, st := range doc.Statement {
			own, ok := st.(Statement)
			if !ok || own.Effect != "Deny" || own.Principal != Everyone {
				continue
			}
			if _, vpc := own.Condition["StringNotEquals"][keySourceVpce]; vpc {
				t.Errorf("%s: %s denies everyone on aws:SourceVpce", name, own.Sid)
			}
		}
	}
}

func TestCheckAcceptsTheGoldenCases(t *testing.T) {
	for name, s := range cases {
		if ps := Check(s); len(ps) > 0 {
			t.Errorf("%s: %v", name, ps)
		}
	}
}

func TestCheckRejectsABucketPolicyOverTwentyKB(t *testing.T) {
	s := with(func(s *spec.Spec, c *spec.Consumer) {
		for i := 0; i < 500; i++ {
			c.Access.Prefixes = append(c.Access.Prefixes, fmt.Sprintf("tenants/tenant-%04d/", i))
		}
	})
	got := Check(s)
	size := len(BucketPolicy(s, EndpointIDs{"analytics": "vpce-00000000000000000"}).JSON())
	want := fmt.Sprintf("bucketName: the bucket policy would be %d bytes, over S3's limit of 20480 bytes; "+
		"share fewer prefixes or roles, or shorten extraBucketPolicyStatements", size)
	if len(got) != 1 || got[0].String() != want {
		t.Errorf("got %v\nwant %s", got, want)
	}
}

func TestCheckRejectsAnEndpointPolicyOverItsLimit(t *testing.T) {
	s := with(func(s *spec.Spec, c *spec.Consumer) {
		c.Endpoint.Policy = spec.Restricted
		for i := 0; i < 300; i++ {
			c.Endpoint.AllowedBuckets = append(c.Endpoint.AllowedBuckets, fmt.Sprintf("some-rather-long-bucket-name-%04d", i))
		}
	})
	got := Check(s)
	n := len(EndpointPolicy(s, s.EndpointGroups()[0]).JSON())
	want := fmt.Sprintf("endpointAllowedBuckets: the endpoint policy would be %d characters, over AWS's limit of 20480; list fewer buckets", n)
	if len(got) != 1 || got[0].String() != want {
		t.Errorf("got %v\nwant %s", got, want)
	}
}

func TestCheckRejectsARolePolicyOverIAMsLimitOnlyWhenManaged(t *testing.T) {
	s := with(func(s *spec.Spec, c *spec.Consumer) {
		for i := 0; i < 300; i++ {
			c.Access.Prefixes = append(c.Access.Prefixes, fmt.Sprintf("t/%03d/", i))
		}
	})
	if ps := Check(s); len(ps) != 0 {
		t.Fatalf("unmanaged role policy was checked: %v", ps)
	}
	s.Consumers[0].ManageRolePolicy = true
	n := len(RolePolicy(s, s.Consumers[0]).JSON())
	want := fmt.Sprintf("prefixes: the role policy would be %d characters, over IAM's limit of 10240 for a role's inline policies; share fewer prefixes", n)
	if got := Check(s); len(got) != 1 || got[0].String() != want {
		t.Errorf("got %v\nwant %s", got, want)
	}
}

func TestCheckRejectsBadExtraStatements(t *testing.T) {
	s := with(func(s *spec.Spec, c *spec.Consumer) {
		s.ExtraBucketStatements = []map[string]any{
			{"Effect": "Allow"},
			{"Sid": "DenyInsecureTransport", "Effect": "Deny"},
			{"Sid": "Keep", "Effect": "Permit"},
			{"Sid": "Keep", "Effect": "Allow"},
			{"Sid": "LockOut", "Effect": "Deny", "Principal": map[string]any{"AWS": "*"},
				"Condition": map[string]any{"StringNotEquals": map[string]any{"aws:sourcevpce": "vpce-1"}}},
		}
	})
	want := []string{
		`extraBucketPolicyStatements[0]: has no Sid; give every kept statement a unique Sid, e.g. "KeepAuditRead"`,
		`extraBucketPolicyStatements[1]: Sid "DenyInsecureTransport" is already used by this stack's own statements; rename it (this stack uses DenyInsecureTransport, AllowObjects3dd9fabb, DenyConsumerAccountsOutsideVpcEndpoints)`,
		`extraBucketPolicyStatements[2]: Effect must be "Allow" or "Deny"`,
		`extraBucketPolicyStatements[3]: Sid "Keep" is already used by extraBucketPolicyStatements[2]; rename it (this stack uses DenyInsecureTransport, AllowObjects3dd9fabb, DenyConsumerAccountsOutsideVpcEndpoints)`,
		`extraBucketPolicyStatements[4]: denies principal "*" on an aws:SourceVpce/aws:SourceVpc condition, which also locks out the console, CI and this stack's own deploys; scope the Deny to the consumer roles`,
	}
	got := Check(s)
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("problem %d\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}
