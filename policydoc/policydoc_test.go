package policydoc

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
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

// The only Deny on principal "*" is the TLS one, but for the by-account perimeter, which a
// condition limits to the consumer accounts' principals (never the owner's): any other would lock
// out the owner, the console and CI. The perimeter binds the accounts to the stack's endpoints (to
// their own endpoints, by account) and lets by only the services consumers named.
func TestTheOnlyDenyOnEveryoneIsTheTLSOne(t *testing.T) {
	specs := map[string]spec.Spec{}
	for name, s := range cases {
		specs[name] = s
	}
	specs["three, per endpoint"] = threeConsumers(spec.Restricted, "")
	specs["three, by access"] = threeConsumers(spec.FullAccess, spec.GroupByAccess)
	specs["three, by account"] = threeConsumers(spec.FullAccess, spec.GroupByAccount)
	athena := threeConsumers(spec.FullAccess, spec.GroupByAccount)
	athena.Consumers[1].Access.ViaServices = []string{"athena.amazonaws.com"}
	specs["three, by account, one via Athena"] = athena
	for name, s := range specs {
		doc := BucketPolicy(s, threeIDs())
		byAccount := s.Grouping() == spec.GroupByAccount
		for _, st := range doc.Statement {
			own, ok := st.(Statement)
			if !ok || own.Effect != "Deny" {
				continue
			}
			scoped := own.Condition["StringEquals"][keyPrincipalAcct]
			if own.Principal == Everyone && own.Sid != SidDenyInsecureTransport &&
				!(byAccount && own.Sid == SidDenyOutsideEndpoints && slices.Equal(scoped, PerimeterAccounts(s)) && !slices.Contains(scoped, s.Bucket.Account.ID)) {
				t.Errorf("%s: %s denies everyone", name, own.Sid)
			}
			if own.Sid != SidDenyOutsideEndpoints {
				continue
			}
			want := Condition{"StringNotEqualsIfExists": {keySourceVpce: Strings(EndpointIDs(threeIDs()).of(consumerNames(s)))}}
			if byAccount {
				want = Condition{"StringEquals": {keyPrincipalAcct: PerimeterAccounts(s)}, "StringNotEqualsIfExists": {keyVpceAccount: {CallerAccount}}}
			}
			if services := viaServices(s); len(services) > 0 {
				want["ForAllValues:StringNotEquals"] = map[string]Strings{keyCalledVia: services}
			}
			if !reflect.DeepEqual(own.Condition, want) {
				t.Errorf("%s: the perimeter's condition is %v, want %v", name, own.Condition, want)
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
	want := fmt.Sprintf("bucket.name: the bucket policy would be %d bytes, over S3's limit of 20480 bytes; "+
		"share fewer prefixes or roles, or shorten extraBucketPolicyStatements", size)
	if len(got) != 1 || got[0].String() != want {
		t.Errorf("got %v\nwant %s", got, want)
	}
}

func TestCheckRejectsAnEndpointPolicyOverItsLimit(t *testing.T) {
	s := with(func(s *spec.Spec, c *spec.Consumer) {
		c.Endpoint.Policy = spec.Restricted
		for i := 0; i < 400; i++ {
			c.Endpoint.AllowedBuckets = append(c.Endpoint.AllowedBuckets, spec.AllowedBucket{Name: fmt.Sprintf("some-rather-long-bucket-name-%04d", i)})
		}
	})
	got := Check(s)
	n := len(EndpointPolicy(s, s.Layout().Endpoints[0]).JSON())
	want := fmt.Sprintf("consumers[0].endpointAllowedBuckets: the endpoint policy would be %d characters, over AWS's limit of 20480; list fewer buckets", n)
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
	want := fmt.Sprintf("consumers[0].prefixes: the role policy would be %d characters, over IAM's limit of 10240 for all inline policies of a role together (any other inline policy on the role counts too); share fewer prefixes", n)
	if got := Check(s); len(got) != 1 || got[0].String() != want {
		t.Errorf("got %v\nwant %s", got, want)
	}
}
