package policydoc

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"cross-account-s3/spec"
)

func grantsJSON(t *testing.T, gs []spec.KeyGrant) string {
	t.Helper()
	if gs == nil {
		gs = []spec.KeyGrant{}
	}
	b, err := json.MarshalIndent(gs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// kmsThree is the three-consumer stack of the cross-path tests on a KMS bucket with an S3 Bucket
// Key, in the list form: analytics writes (role policy managed), billing writes (role policy not
// managed), ingest only reads.
func kmsThree() spec.Spec {
	s := threeConsumers(spec.Restricted, "")
	s.Bucket.Encryption = spec.Encryption{KMSKeyARN: keyARN, BucketKey: true}
	for i := range s.Consumers {
		s.Consumers[i].Index = i
	}
	s.Consumers[0].ManageRolePolicy = true
	s.Consumers[2].ManageRolePolicy = true
	s.Consumers[2].Access = spec.Access{Actions: []string{"s3:GetObject"}, Prefixes: []string{"reports/"}}
	return s
}

func TestGoldenThreeConsumerKMSDocuments(t *testing.T) {
	s := kmsThree()
	if ps := append(s.Validate(), Check(s)...); len(ps) > 0 {
		t.Fatalf("not a valid spec: %v", ps)
	}
	golden(t, "three-consumers-kms.key-grants", grantsJSON(t, s.Layout().KeyGrants))
	for _, c := range s.Consumers {
		golden(t, "three-consumers-kms."+c.Name+".role-policy", RolePolicy(s, c).JSON())
		golden(t, "three-consumers-kms."+c.Name+".role-key-policy", RoleKeyPolicy(s, c).JSON())
	}
}

// The key changes nothing of the bucket policy or the endpoint policies: S3 calls KMS itself, not
// through the consumer's gateway endpoint, so a restricted endpoint policy needs no KMS statement
// (a gateway endpoint serves S3 only: docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html).
func TestTheKeyChangesNeitherTheBucketNorTheEndpointPolicies(t *testing.T) {
	withKey := kmsThree()
	without := kmsThree()
	without.Bucket.Encryption = spec.Encryption{}
	if a, b := BucketPolicy(withKey, threeIDs()).JSON(), BucketPolicy(without, threeIDs()).JSON(); a != b {
		t.Errorf("bucket policy differs:\n%s\n%s", a, b)
	}
	for i, g := range withKey.Layout().Endpoints {
		if a, b := EndpointPolicy(withKey, g).JSON(), EndpointPolicy(without, without.Layout().Endpoints[i]).JSON(); a != b {
			t.Errorf("endpoint policy of %s differs:\n%s\n%s", g.VpcID, a, b)
		}
	}
	for name, s := range cases {
		if !s.Bucket.Encryption.KMS() {
			continue
		}
		plain := s
		plain.Bucket.Encryption = spec.Encryption{}
		if BucketPolicy(s, EndpointIDs{"analytics": endpointID}).JSON() != BucketPolicy(plain, EndpointIDs{"analytics": endpointID}).JSON() {
			t.Errorf("%s: the bucket policy depends on the key", name)
		}
	}
}

func TestKeyActionsPerAccess(t *testing.T) {
	for _, tc := range []struct {
		actions  []string
		kms, ops []string
	}{
		{[]string{"s3:GetObject"}, []string{"kms:Decrypt"}, []string{"Decrypt"}},
		{[]string{"S3:getObjectVersion"}, []string{"kms:Decrypt"}, []string{"Decrypt"}},
		{[]string{"s3:PutObject"}, []string{"kms:Decrypt", "kms:GenerateDataKey"}, []string{"Decrypt", "GenerateDataKey"}},
		{[]string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, []string{"kms:Decrypt", "kms:GenerateDataKey"}, []string{"Decrypt", "GenerateDataKey"}},
		{[]string{"s3:DeleteObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload"}, nil, nil},
	} {
		a := spec.Access{Actions: tc.actions}
		if got := KeyActions(a); !reflect.DeepEqual(got, tc.kms) && !(len(got) == 0 && len(tc.kms) == 0) {
			t.Errorf("%v: KMS actions %v, want %v", tc.actions, got, tc.kms)
		}
		if got := GrantOperations(a); !reflect.DeepEqual(got, tc.ops) && !(len(got) == 0 && len(tc.ops) == 0) {
			t.Errorf("%v: grant operations %v, want %v", tc.actions, got, tc.ops)
		}
	}
}

// Grant names follow the role: reordering or renaming consumers changes none, and removing a
// consumer removes exactly its roles' grants.
func TestGrantNamesFollowTheRolesOnly(t *testing.T) {
	s := kmsThree()
	before := s.Layout().KeyGrants

	reordered := kmsThree()
	reordered.Consumers[0], reordered.Consumers[2] = reordered.Consumers[2], reordered.Consumers[0]
	reordered.Consumers[1].Name = "finance"
	after := reordered.Layout().KeyGrants
	for i := range after {
		after[i].Consumer = before[i].Consumer
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("reordering and renaming changed the grants:\n%s\n%s", grantsJSON(t, before), grantsJSON(t, after))
	}

	removed := kmsThree()
	removed.Consumers = removed.Consumers[:2] // ingest goes
	left := removed.Layout().KeyGrants
	var kept []spec.KeyGrant
	for _, g := range before {
		if g.Consumer != "ingest" {
			kept = append(kept, g)
		}
	}
	if !reflect.DeepEqual(left, kept) {
		t.Errorf("removing ingest:\n%s\nwant\n%s", grantsJSON(t, left), grantsJSON(t, kept))
	}

	plain := kmsThree()
	plain.Bucket.Encryption = spec.Encryption{}
	if gs := plain.Layout().KeyGrants; len(gs) != 0 {
		t.Errorf("grants without a key: %v", gs)
	}
	noKeyUse := kmsThree()
	noKeyUse.Consumers[2].Access = spec.Access{Actions: []string{"s3:DeleteObject"}}
	for _, g := range noKeyUse.Layout().KeyGrants {
		if g.Consumer == "ingest" {
			t.Errorf("a grant for an access that uses no key: %+v", g)
		}
	}
}

func TestKMSWarnings(t *testing.T) {
	s := kmsThree()
	s.Bucket.Encryption.BucketKey = false
	want := []string{
		"bucket.keyEnabled is not set, so the grants on " + keyARN + " cannot be limited to this bucket: without an S3 Bucket Key S3 uses each object's ARN as encryption context, and a grant constraint matches exact values only. " +
			"The roles could then use the key with any encryption context, also outside S3, unless their identity policy denies it (the stack's role policy does, with manageRolePolicy). " +
			"If the bucket uses an S3 Bucket Key, set bucket.keyEnabled: true; objects written before the Bucket Key was enabled keep their object ARN as context and need the key policy instead, or a copy onto themselves.",
		`consumers[1].manageRolePolicy is false for consumer "billing": its roles get the key through their grants, but nothing keeps them from using the key outside S3; ` +
			"add the statements the plan shows as their key policy (SharedBucketKey, DenySharedBucketKeyOutsideS3) to each role's identity policy, or set manageRolePolicy: true",
	}
	if got := Warnings(s); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := Warnings(kmsThree()); len(got) != 1 || !strings.HasPrefix(got[0], "consumers[1].manageRolePolicy") {
		t.Errorf("with a Bucket Key: %v", got)
	}
}

// The KMS statements count towards IAM's inline-policy limit like the S3 ones: a role policy that
// fits without them can be over the limit with them.
func TestTheRolePolicySizeCountsTheKeyStatements(t *testing.T) {
	plain := with(func(s *spec.Spec, c *spec.Consumer) { c.ManageRolePolicy = true })
	keyed := plain
	keyed.Bucket.Encryption = spec.Encryption{KMSKeyARN: keyARN}
	for i := 0; len(RolePolicy(keyed, keyed.Consumers[0]).JSON()) <= MaxRoleInlinePolicyChars; i++ {
		prefixes := append(plain.Consumers[0].Access.Prefixes, fmt.Sprintf("t/%03d/", i))
		plain.Consumers = []spec.Consumer{plain.Consumers[0]}
		plain.Consumers[0].Access.Prefixes = prefixes
		keyed.Consumers = plain.Consumers
	}
	if ps := Check(plain); len(ps) != 0 {
		t.Fatalf("without a key: %v", ps)
	}
	if ps := Check(keyed); len(ps) != 1 || ps[0].Key != "consumers[0].prefixes" {
		t.Errorf("with a key: %v", ps)
	}
}
