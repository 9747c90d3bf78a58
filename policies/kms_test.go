package policies

import (
	"strings"
	"testing"

	"cross-account-s3/policydoc"
	"cross-account-s3/spec"
)

// kmsStack is a three-consumer stack on a KMS bucket, in a Region of the given partition.
func kmsStack(region string, bucketKey bool) spec.Spec {
	partition := spec.Partition(region)
	s := spec.Spec{Bucket: spec.BucketOwner{
		Account:    spec.Account{ID: "111111111111", Region: region},
		Name:       "shared-data",
		Encryption: spec.Encryption{KMSKeyARN: spec.KMSKeyARNOf(region, "111111111111", "1234abcd-12ab-34cd-56ef-1234567890ab"), BucketKey: bucketKey},
	}}
	for i, acct := range []string{"222222222222", "222222222222", "333333333333"} {
		name := []string{"analytics", "billing", "ingest"}[i]
		vpc := []string{"vpc-0aaaaaaaaaaaaaaaa", "vpc-0bbbbbbbbbbbbbbbb", "vpc-0cccccccccccccccc"}[i]
		actions := []string{"s3:GetObject", "s3:PutObject"}
		if name == "ingest" {
			actions = []string{"s3:GetObject"}
		}
		s.Consumers = append(s.Consumers, spec.Consumer{
			Name: name, Index: i, Account: spec.Account{ID: acct, Region: region}, VpcID: vpc,
			RouteTableIDs: []string{"rtb-" + vpc[4:]}, RoleARNs: []string{"arn:" + partition + ":iam::" + acct + ":role/" + name},
			Endpoint: spec.Endpoint{Policy: spec.FullAccess}, Access: spec.Access{Actions: actions}, ManageRolePolicy: true,
		})
	}
	return s
}

// kmsResources are the stack's role policies and grants as the analyzer sees them: each role policy
// on its consumer account's provider, each grant on the bucket owner's.
func kmsResources(s spec.Spec) []analyzerResource {
	region := s.Bucket.Account.Region
	var out []analyzerResource
	for _, c := range s.Consumers {
		for _, arn := range c.RoleARNs {
			role := spec.RoleName(arn)
			out = append(out, analyzerResource{Type: rolePolicyType, Name: "role-policy-" + c.Account.ID + "-" + role,
				Provider: provider("consumer-"+c.Account.ID, c.Account.ID, region),
				Properties: map[string]any{"role": role, "name": spec.RolePolicyName(s.Bucket.Name),
					"policy": policydoc.RolePolicy(s, c).JSON()}})
		}
	}
	for _, g := range s.Layout().KeyGrants {
		ops := []any{}
		for _, op := range g.Operations {
			ops = append(ops, op)
		}
		props := map[string]any{"keyId": g.KeyID, "granteePrincipal": g.RoleARN, "operations": ops}
		if len(g.Constraints) > 0 {
			var cs []any
			for _, c := range g.Constraints {
				subset := map[string]any{}
				for k, v := range c.EncryptionContextSubset {
					subset[k] = v
				}
				cs = append(cs, map[string]any{"encryptionContextSubset": subset})
			}
			props["constraints"] = cs
		}
		out = append(out, analyzerResource{Type: grantType, Name: g.Name, Provider: provider("bucket-owner", "111111111111", region), Properties: props})
	}
	return out
}

// The stack's own KMS documents pass every mandatory rule, in two partitions; with an S3 Bucket
// Key nothing at all fires, and without one only the advisory about unconstrained grants.
func TestTheStacksOwnKMSDocumentsPassThePack(t *testing.T) {
	p := loadPack(t)
	for _, region := range []string{"eu-west-1", "cn-north-1"} {
		for _, bucketKey := range []bool{true, false} {
			s := kmsStack(region, bucketKey)
			if ps := append(s.Validate(), policydoc.Check(s)...); len(ps) > 0 {
				t.Fatalf("invalid: %v", ps)
			}
			rs := kmsResources(s)
			if len(rs) != 6 { // three role policies, three grants
				t.Fatalf("%d resources", len(rs))
			}
			for _, r := range rs {
				for _, f := range p.checkResource(t, r) {
					if f.rule != "warn_kms_grant_unconstrained" || bucketKey || r.Type != grantType {
						t.Errorf("%s bucket key %v: %s %s: %v", region, bucketKey, r.Type, r.Name, f)
					}
				}
			}
		}
	}
}

// A grant created with the consumer's provider, or on a key named by ID only, is refused.
func TestAGrantOnTheWrongProviderIsRefused(t *testing.T) {
	p := loadPack(t)
	g := grant(nil)
	g.Provider = consumer()
	got := p.checkResource(t, g)
	if len(got) != 1 || got[0].rule != "deny_kms_grant_key_elsewhere" || !strings.Contains(got[0].msg, "pinned to account 222222222222 in eu-west-1") {
		t.Errorf("grant on the consumer's provider: %v", got)
	}
	byID := grant(func(p map[string]any) { p["keyId"] = "1234abcd-12ab-34cd-56ef-1234567890ab" })
	want := `deny_kms_grant_key_elsewhere: KMS grant "key-grant-222222222222-app" names the key 1234abcd-12ab-34cd-56ef-1234567890ab, not its key ARN; name it arn:aws:kms:REGION:ACCOUNT:key/KEY-ID`
	if got := p.checkResource(t, byID); len(got) != 1 || got[0].String() != want {
		t.Errorf("grant by key ID: %v\nwant %s", got, want)
	}
}
