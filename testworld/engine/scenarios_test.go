package engine

import (
	"reflect"
	"strings"
	"testing"

	"cross-account-s3/spec"
	"cross-account-s3/testworld/world"
)

// listStack is a deployed stack in the list form: two consumers of account 222222222222 in two
// VPCs, one of account 333333333333, every role with its inline policy.
const listStack = `config:
  cross-account-s3:bucketAccountId: "111111111111"
  cross-account-s3:bucketRegion: eu-west-1
  cross-account-s3:bucketName: shared-data
  cross-account-s3:bucketProfile: owner
  cross-account-s3:manageRolePolicy: true
  cross-account-s3:consumers:
` + analytics + reporting + ingest

// analytics is listStack's first item.
const analytics = `    - name: analytics
      accountId: "222222222222"
      profile: workloads
      vpcId: vpc-0a0a0a0a0a0a0a0a0
      routeTableIds: [rtb-0a0a0a0a0a0a0a0a1]
      roleArns: [arn:aws:iam::222222222222:role/analytics]
`

// billing is a fourth consumer, in an account of its own.
const billing = `    - name: billing
      accountId: "444444444444"
      profile: billing
      vpcId: vpc-0d0d0d0d0d0d0d0d0
      routeTableIds: [rtb-0d0d0d0d0d0d0d0d1]
      roleArns: [arn:aws:iam::444444444444:role/billing]
`

// reporting is listStack's second item.
const reporting = `    - name: reporting
      accountId: "222222222222"
      profile: workloads
      vpcId: vpc-0b0b0b0b0b0b0b0b0
      routeTableIds: [rtb-0b0b0b0b0b0b0b0b1]
      roleArns: [arn:aws:iam::222222222222:role/reporting]
      actions: [s3:GetObject]
`

// ingest is listStack's third item, to remove or move.
const ingest = `    - name: ingest
      accountId: "333333333333"
      profile: ingest
      vpcId: vpc-0c0c0c0c0c0c0c0c0
      routeTableIds: [rtb-0c0c0c0c0c0c0c0c1]
      roleArns: [arn:aws:iam::333333333333:role/ingest]
`

// flatStack is the single-consumer example with the role policy managed.
var flatStack = `config:
  cross-account-s3:bucketAccountId: "111111111111"
  cross-account-s3:bucketRegion: eu-west-1
  cross-account-s3:bucketName: shared-data
  cross-account-s3:bucketProfile: owner
  cross-account-s3:consumerName: web
  cross-account-s3:consumerAccountId: "222222222222"
  cross-account-s3:consumerRegion: eu-west-1
  cross-account-s3:consumerProfile: workloads
  cross-account-s3:consumerRoleArns:
    - arn:aws:iam::222222222222:role/web
    - arn:aws:iam::222222222222:role/web-batch
  cross-account-s3:vpcId: vpc-0a0a0a0a0a0a0a0a0
  cross-account-s3:routeTableIds:
    - rtb-0a0a0a0a0a0a0a0a1
  cross-account-s3:manageRolePolicy: true
`

// The steps of deploying flatStack from scratch.
// "create pulumi" is the engine's provider of its builtin functions (pulumi:providers:pulumi),
// which reads the stack's own last outputs (a stack refuses to switch side in place); it manages
// nothing and makes no AWS call.
var flatDeploy = map[string]int{
	"create Stack": 1, "create SharedBucketAccess": 1, "create BucketOwnerAccount": 1, "create ConsumerAccount": 1,
	"create aws": 2, "create BucketPolicy": 1, "create VpcEndpoint": 1, "create RolePolicy": 2, "create pulumi": 1,
}

// kmsKey is the bucket's customer managed key in the KMS stacks.
const kmsKey = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// kmsLines give a stack the bucket's key, with an S3 Bucket Key.
const kmsLines = "  cross-account-s3:bucketKmsKeyArn: " + kmsKey + "\n  cross-account-s3:bucketKeyEnabled: true\n"

// kmsFlatStack and kmsListStack are flatStack and listStack on a bucket encrypted with kmsKey.
var (
	kmsFlatStack = flatStack + kmsLines
	kmsListStack = strings.Replace(listStack, "  cross-account-s3:bucketProfile: owner\n", "  cross-account-s3:bucketProfile: owner\n"+kmsLines, 1)
)

// The steps of deploying kmsFlatStack from scratch: flatDeploy and a grant per role.
var kmsFlatDeploy = func() map[string]int {
	out := map[string]int{"create Grant": 2}
	for k, v := range flatDeploy {
		out[k] = v
	}
	return out
}()

// The grants of kmsListStack: analytics and ingest read and write, reporting reads.
var kmsListGrants = map[string]string{
	"arn:aws:iam::222222222222:role/analytics": "Decrypt,GenerateDataKey",
	"arn:aws:iam::222222222222:role/reporting": "Decrypt",
	"arn:aws:iam::333333333333:role/ingest":    "Decrypt,GenerateDataKey",
}

// step is one change to a deployed stack and what the engine must do about it.
type step struct {
	name string
	// edit turns the stack file's text into the new one; nil leaves it.
	edit func(string) string
	// op is "up" (the default), "preview" or "destroy".
	op string
	// want is the exact multiset of steps, by "op Type"; "same" steps are not counted.
	want map[string]int
	// check asserts the world after the step.
	check func(t *testing.T, w *world.World)
}

func replace(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("stack file lacks " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

type scenario struct {
	name  string
	stack string
	steps []step
}

// Each row starts from its stack deployed with `pulumi up`, then runs its steps in order on the
// real engine. Every step asserts the exact steps by type, that every AWS call ran in the account
// that owns its target, that every resource is on an explicit provider allowing only that account,
// and that no bucket policy or inline role policy was deleted after being written in the same
// update.
var scenarios = []scenario{
	{"deploy from scratch, update with no changes, destroy", flatStack, []step{
		{name: "second up", want: nil},
		{name: "preview after up", op: "preview", want: nil},
		{name: "destroy", op: "destroy", want: destroyOps(1, 1, 2), check: nothingLeft},
	}},
	{"add a route table", flatStack, []step{
		{name: "add rtb-0a0a0a0a0a0a0a0a2", edit: replace("    - rtb-0a0a0a0a0a0a0a0a1\n", "    - rtb-0a0a0a0a0a0a0a0a1\n    - rtb-0a0a0a0a0a0a0a0a2\n"),
			want: map[string]int{"update VpcEndpoint": 1}, check: func(t *testing.T, w *world.World) {
				for _, e := range w.Endpoints {
					if len(e.RouteTableIDs) != 2 {
						t.Errorf("endpoint route tables %v, want both", e.RouteTableIDs)
					}
				}
			}},
	}},
	{"switch the endpoint policy both ways", flatStack, []step{
		{name: "to restricted", edit: replace("manageRolePolicy: true\n", "manageRolePolicy: true\n  cross-account-s3:endpointPolicy: restricted\n"),
			want: map[string]int{"update VpcEndpoint": 1}, check: endpointPolicyHas(`"aws:PrincipalAccount"`)},
		{name: "back to full access", edit: replace("  cross-account-s3:endpointPolicy: restricted\n", ""),
			want: map[string]int{"update VpcEndpoint": 1}, check: endpointPolicyHas(`"AllowAll"`)},
	}},
	{"change the actions", flatStack, []step{
		{name: "read only", edit: replace("manageRolePolicy: true\n", "manageRolePolicy: true\n  cross-account-s3:actions: [s3:GetObject]\n"),
			want: map[string]int{"update BucketPolicy": 1, "update RolePolicy": 2}, check: rolePoliciesOf("web", "web-batch")},
	}},
	{"rename the consumer (flat consumerName)", flatStack, []step{
		{name: "web to webapp", edit: replace("consumerName: web\n", "consumerName: webapp\n"), want: nil,
			check: rolePoliciesOf("web", "web-batch")},
	}},
	{"move from the flat form to the list form", flatStack, []step{
		{name: "same consumer as a list item", edit: func(string) string {
			return `config:
  cross-account-s3:bucketAccountId: "111111111111"
  cross-account-s3:bucketRegion: eu-west-1
  cross-account-s3:bucketName: shared-data
  cross-account-s3:bucketProfile: owner
  cross-account-s3:manageRolePolicy: true
  cross-account-s3:consumers:
    - name: web
      accountId: "222222222222"
      profile: workloads
      vpcId: vpc-0a0a0a0a0a0a0a0a0
      routeTableIds: [rtb-0a0a0a0a0a0a0a0a1]
      roleArns: [arn:aws:iam::222222222222:role/web, arn:aws:iam::222222222222:role/web-batch]
`
		}, want: nil, check: rolePoliciesOf("web", "web-batch")},
	}},
	{"change the bucket", flatStack, []step{
		{name: "to other-data", edit: replace("bucketName: shared-data\n", "bucketName: other-data\n"),
			want: map[string]int{
				"create BucketPolicy": 1, "delete BucketPolicy": 1, "update VpcEndpoint": 1,
				"create-replacement RolePolicy": 2, "replace RolePolicy": 2, "delete-replaced RolePolicy": 2,
			}, check: func(t *testing.T, w *world.World) {
				if w.Buckets["shared-data"].Policy != "" || w.Buckets["other-data"].Policy == "" {
					t.Errorf("policies: shared-data %q, other-data %q", w.Buckets["shared-data"].Policy, w.Buckets["other-data"].Policy)
				}
				rolePoliciesNamed("cross-account-s3-other-data", "web", "web-batch")(t, w)
			}},
	}},
	{"adopt an endpoint", flatStack, []step{
		{name: "adopt vpce-0eeeeeeeeeeeeeee0 on rtb-0a0a0a0a0a0a0a0a9", edit: func(s string) string {
			s = replace("    - rtb-0a0a0a0a0a0a0a0a1\n", "    - rtb-0a0a0a0a0a0a0a0a9\n")(s)
			return s + "  cross-account-s3:adoptEndpointId: vpce-0eeeeeeeeeeeeeee0\n"
		}, want: map[string]int{"delete VpcEndpoint": 1, "update BucketPolicy": 1}, check: func(t *testing.T, w *world.World) {
			if len(w.Endpoints) != 1 || !strings.Contains(w.Buckets["shared-data"].Policy, "vpce-0eeeeeeeeeeeeeee0") {
				t.Errorf("endpoints %v; bucket policy %s", w.Endpoints, w.Buckets["shared-data"].Policy)
			}
		}},
	}},
	{"add a consumer", listStack, []step{
		{name: "billing in a new account", edit: func(s string) string { return s + billing },
			want:  map[string]int{"create ConsumerAccount": 1, "create aws": 1, "create VpcEndpoint": 1, "create RolePolicy": 1, "update BucketPolicy": 1},
			check: rolePoliciesOf("analytics", "reporting", "ingest", "billing")},
	}},
	{"remove a consumer", listStack, []step{
		{name: "ingest, alone in its account", edit: replace(ingest, ""),
			want:  map[string]int{"delete ConsumerAccount": 1, "delete aws": 1, "delete VpcEndpoint": 1, "delete RolePolicy": 1, "update BucketPolicy": 1},
			check: rolePoliciesOf("analytics", "reporting")},
		{name: "reporting, which shares its account", edit: replace(reporting, ""),
			want:  map[string]int{"delete VpcEndpoint": 1, "delete RolePolicy": 1, "update BucketPolicy": 1},
			check: rolePoliciesOf("analytics")},
	}},
	{"rename a list item", listStack, []step{
		{name: "reporting to finance-reports", edit: replace("name: reporting\n", "name: finance-reports\n"),
			want: nil, check: rolePoliciesOf("analytics", "reporting", "ingest")},
	}},
	{"reorder the list", listStack, []step{
		{name: "ingest first", edit: func(s string) string {
			s = replace(ingest, "")(s)
			return strings.Replace(s, "  cross-account-s3:consumers:\n", "  cross-account-s3:consumers:\n"+ingest, 1)
		}, want: nil},
	}},
	{"KMS: deploy, update with no changes, destroy", kmsFlatStack, []step{
		{name: "second up", want: nil, check: kmsGrants(map[string]string{
			"arn:aws:iam::222222222222:role/web":       "Decrypt,GenerateDataKey",
			"arn:aws:iam::222222222222:role/web-batch": "Decrypt,GenerateDataKey",
		}, nil)},
		{name: "preview after up", op: "preview", want: nil},
		{name: "destroy", op: "destroy", want: map[string]int{
			"delete Stack": 1, "delete SharedBucketAccess": 1, "delete BucketOwnerAccount": 1, "delete ConsumerAccount": 1,
			"delete aws": 2, "delete BucketPolicy": 1, "delete VpcEndpoint": 1, "delete RolePolicy": 2, "delete pulumi": 1, "delete Grant": 2,
		}, check: kmsGrants(map[string]string{}, nil)},
	}},
	func() scenario {
		ids := map[string]string{}
		return scenario{"KMS: add a consumer, then remove one", kmsListStack, []step{
			{name: "second up", want: nil, check: kmsGrants(kmsListGrants, ids)},
			{name: "billing in a new account", edit: func(s string) string { return s + billing },
				want:  map[string]int{"create ConsumerAccount": 1, "create aws": 1, "create VpcEndpoint": 1, "create RolePolicy": 1, "update BucketPolicy": 1, "create Grant": 1},
				check: kmsGrants(with(kmsListGrants, "arn:aws:iam::444444444444:role/billing", "Decrypt,GenerateDataKey"), ids)},
			{name: "ingest, alone in its account", edit: replace(ingest, ""),
				want:  map[string]int{"delete ConsumerAccount": 1, "delete aws": 1, "delete VpcEndpoint": 1, "delete RolePolicy": 1, "update BucketPolicy": 1, "delete Grant": 1},
				check: kmsGrants(with(with(kmsListGrants, "arn:aws:iam::444444444444:role/billing", "Decrypt,GenerateDataKey"), "arn:aws:iam::333333333333:role/ingest", ""), ids)},
			{name: "rename and reorder the items", edit: func(s string) string {
				s = replace("name: reporting\n", "name: finance-reports\n")(s)
				s = replace(billing, "")(s)
				return strings.Replace(s, "  cross-account-s3:consumers:\n", "  cross-account-s3:consumers:\n"+billing, 1)
			}, want: nil, check: kmsGrants(with(with(kmsListGrants, "arn:aws:iam::444444444444:role/billing", "Decrypt,GenerateDataKey"), "arn:aws:iam::333333333333:role/ingest", ""), ids)},
		}}
	}(),
	func() scenario {
		ids := map[string]string{}
		return scenario{"KMS: a read-only consumer starts writing", kmsListStack, []step{
			{name: "second up", want: nil, check: kmsGrants(kmsListGrants, ids)},
			{name: "reporting reads and writes", edit: replace("      actions: [s3:GetObject]\n", "      actions: [s3:GetObject, s3:PutObject]\n"),
				want: map[string]int{"update BucketPolicy": 1, "update RolePolicy": 1,
					"create-replacement Grant": 1, "replace Grant": 1, "delete-replaced Grant": 1},
				check: func(t *testing.T, w *world.World) {
					t.Helper()
					delete(ids, "arn:aws:iam::222222222222:role/reporting") // replaced: a new grant
					kmsGrants(with(kmsListGrants, "arn:aws:iam::222222222222:role/reporting", "Decrypt,GenerateDataKey"), ids)(t, w)
				}},
		}}
	}(),
	// The scale grouping (docs/scale.md): switching to it and back rewrites the one bucket policy in
	// place; a consumer joining adds its account's root ARN.
	{"by-account: switch the grouping, add an account, switch back, destroy", listStack, []step{
		{name: "to by-account", edit: replace("  cross-account-s3:consumers:\n", "  cross-account-s3:bucketPolicyGrouping: by-account\n  cross-account-s3:consumers:\n"),
			want: map[string]int{"update BucketPolicy": 1}, check: bucketPolicyHas(true, `"aws:VpceAccount":["${aws:PrincipalAccount}"]`, `"arn:aws:iam::222222222222:root","arn:aws:iam::333333333333:root"`)},
		{name: "second up", want: nil},
		{name: "billing in a new account", edit: func(s string) string { return s + billing },
			want:  map[string]int{"create ConsumerAccount": 1, "create aws": 1, "create VpcEndpoint": 1, "create RolePolicy": 1, "update BucketPolicy": 1},
			check: bucketPolicyHas(true, `"arn:aws:iam::444444444444:root"`, `"aws:PrincipalAccount":["222222222222","333333333333","444444444444"]`)},
		{name: "preview after up", op: "preview", want: nil},
		{name: "back to per-endpoint", edit: replace("  cross-account-s3:bucketPolicyGrouping: by-account\n", ""),
			want: map[string]int{"update BucketPolicy": 1}, check: bucketPolicyHas(false, `${aws:PrincipalAccount}`)},
		{name: "destroy", op: "destroy", want: destroyOps(3, 4, 4), check: nothingLeft},
	}},
	// The organization grouping: the bucket policy names the organization, not the accounts, so a
	// consumer joining changes nothing in it.
	{"by-organization: switch the grouping, add an account, switch back, destroy", listStack, []step{
		{name: "to by-organization", edit: replace("  cross-account-s3:consumers:\n", "  cross-account-s3:bucketPolicyGrouping: by-organization\n  cross-account-s3:organizationId: o-a1b2c3d4e5\n  cross-account-s3:consumers:\n"),
			want: map[string]int{"update BucketPolicy": 1}, check: bucketPolicyHas(true, `"aws:PrincipalOrgID":["o-a1b2c3d4e5"]`, `"StringNotEquals":{"aws:PrincipalAccount":["111111111111"]}`)},
		{name: "second up", want: nil},
		{name: "billing in a new account", edit: func(s string) string { return s + billing },
			want:  map[string]int{"create ConsumerAccount": 1, "create aws": 1, "create VpcEndpoint": 1, "create RolePolicy": 1},
			check: bucketPolicyHas(false, `444444444444`)},
		{name: "preview after up", op: "preview", want: nil},
		{name: "back to per-endpoint", edit: func(s string) string {
			return replace("  cross-account-s3:bucketPolicyGrouping: by-organization\n  cross-account-s3:organizationId: o-a1b2c3d4e5\n", "")(s)
		}, want: map[string]int{"update BucketPolicy": 1}, check: bucketPolicyHas(false, `aws:PrincipalOrgID`)},
		{name: "destroy", op: "destroy", want: destroyOps(3, 4, 4), check: nothingLeft},
	}},
	// AWS services by choice (viaAwsServices): opting in and out changes the bucket policy only.
	{"viaAwsServices: opt in, second up, opt out, destroy", flatStack, []step{
		{name: "let Athena read for the roles", edit: replace("manageRolePolicy: true\n", "manageRolePolicy: true\n  cross-account-s3:viaAwsServices: [athena.amazonaws.com]\n"),
			want: map[string]int{"update BucketPolicy": 1}, check: bucketPolicyHas(true, `"ForAnyValue:StringEquals":{"aws:CalledVia":["athena.amazonaws.com"]}`, `"ForAllValues:StringNotEquals":{"aws:CalledVia":["athena.amazonaws.com"]}`)},
		{name: "second up", want: nil},
		{name: "preview after up", op: "preview", want: nil},
		{name: "opt out", edit: replace("  cross-account-s3:viaAwsServices: [athena.amazonaws.com]\n", ""),
			want: map[string]int{"update BucketPolicy": 1}, check: bucketPolicyHas(false, `aws:CalledVia`)},
		{name: "destroy", op: "destroy", want: destroyOps(1, 1, 2), check: nothingLeft},
	}},
}

// destroyOps are the steps of destroying a stack with this many consumer accounts (each with its
// provider), endpoints and role policies, and one bucket policy.
func destroyOps(accounts, endpoints, rolePolicies int) map[string]int {
	return map[string]int{
		"delete Stack": 1, "delete SharedBucketAccess": 1, "delete BucketOwnerAccount": 1, "delete ConsumerAccount": accounts,
		"delete aws": accounts + 1, "delete BucketPolicy": 1, "delete VpcEndpoint": endpoints, "delete RolePolicy": rolePolicies, "delete pulumi": 1,
	}
}

// nothingLeft asserts that a destroy removed every endpoint, role policy and shared-data's policy.
func nothingLeft(t *testing.T, w *world.World) {
	t.Helper()
	if len(w.Endpoints) != 0 || len(w.RolePolicies) != 0 || w.Buckets["shared-data"].Policy != "" {
		t.Errorf("destroy left endpoints %v, role policies %v, bucket policy %q", w.Endpoints, w.RolePolicies, w.Buckets["shared-data"].Policy)
	}
}

// bucketPolicyHas asserts that shared-data's live policy holds (or, with has false, lacks) each text.
func bucketPolicyHas(has bool, texts ...string) func(*testing.T, *world.World) {
	return func(t *testing.T, w *world.World) {
		t.Helper()
		policy := w.Buckets["shared-data"].Policy
		for _, text := range texts {
			if strings.Contains(policy, text) != has {
				t.Errorf("bucket policy holds %s: %v, want %v: %s", text, !has, has, policy)
			}
		}
	}
}

// with is grants with one role's operations set ("" removes the role).
func with(grants map[string]string, role, ops string) map[string]string {
	out := map[string]string{}
	for k, v := range grants {
		out[k] = v
	}
	if ops == "" {
		delete(out, role)
	} else {
		out[role] = ops
	}
	return out
}

// kmsGrants asserts that the bucket's key holds exactly one grant per role listed, with these
// operations, limited to the bucket (Bucket Key), issued by the bucket account; that nothing else
// on the key changed (its policy, state, manager and spec are as seeded); and, with ids, that a
// role's grant keeps the ID it had at the previous check (a grant not replaced is not touched).
func kmsGrants(want map[string]string, ids map[string]string) func(*testing.T, *world.World) {
	return func(t *testing.T, w *world.World) {
		t.Helper()
		k, _ := spec.ParseKMSKeyARN(kmsKey)
		key, ok := w.Keys[k.KeyID]
		if !ok {
			t.Fatalf("the key %s is gone", k.KeyID)
		}
		seeded := world.Key{Account: k.AccountID, Region: k.Region, Manager: world.KeyManagerCustomer,
			Spec: world.KeySpecSymmetric, Enabled: true, Policy: seededKeyPolicy(k.AccountID)}
		grants := key.Grants
		key.Grants = nil
		if !reflect.DeepEqual(key, seeded) {
			t.Errorf("the key changed beyond its grants:\n got %+v\nwant %+v", key, seeded)
		}
		got := map[string]string{}
		for _, g := range grants {
			if _, dup := got[g.GranteePrincipal]; dup {
				t.Errorf("%s holds two grants", g.GranteePrincipal)
			}
			got[g.GranteePrincipal] = strings.Join(g.Operations, ",")
			if c := g.EncryptionContextSubset["aws:s3:arn"]; c != "arn:aws:s3:::shared-data" || g.Name != "" || g.IssuingAccount != k.AccountID {
				t.Errorf("grant %s of %s: constraint %q, name %q, issued by %s", g.ID, g.GranteePrincipal, c, g.Name, g.IssuingAccount)
			}
			if ids != nil {
				if before, seen := ids[g.GranteePrincipal]; seen && before != g.ID {
					t.Errorf("the grant of %s changed from %s to %s", g.GranteePrincipal, before, g.ID)
				}
				ids[g.GranteePrincipal] = g.ID
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("grants %v\nwant %v", got, want)
		}
	}
}

func endpointPolicyHas(text string) func(*testing.T, *world.World) {
	return func(t *testing.T, w *world.World) {
		for id, e := range w.Endpoints {
			if !strings.Contains(e.Policy, text) {
				t.Errorf("endpoint %s policy lacks %s: %s", id, text, e.Policy)
			}
		}
	}
}

// rolePoliciesOf asserts that exactly these roles hold this stack's inline policy of shared-data.
func rolePoliciesOf(roles ...string) func(*testing.T, *world.World) {
	return rolePoliciesNamed("cross-account-s3-shared-data", roles...)
}

func rolePoliciesNamed(policy string, roles ...string) func(*testing.T, *world.World) {
	return func(t *testing.T, w *world.World) {
		t.Helper()
		want := map[string]bool{}
		for _, r := range roles {
			want[r] = true
		}
		got := map[string]bool{}
		for key := range w.RolePolicies {
			parts := strings.Split(key, "/")
			if parts[2] != policy {
				t.Errorf("role policy %s is not this stack's %s", key, policy)
			}
			got[parts[1]] = true
		}
		for r := range want {
			if !got[r] {
				t.Errorf("role %s lost its inline policy %s (role policies: %v)", r, policy, keys(w.RolePolicies))
			}
		}
		for r := range got {
			if !want[r] {
				t.Errorf("role %s still holds an inline policy (role policies: %v)", r, keys(w.RolePolicies))
			}
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestScenarios(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			text := sc.stack
			e := newEngine(t, "scenario", text, worldFor(t, text))
			deploy := e.run("up")
			if deploy.err != nil {
				t.Fatalf("first up: %v\n%s", deploy.err, deploy.output)
			}
			checkPinned(t, "first up", e, deploy)
			switch sc.stack {
			case flatStack:
				checkOps(t, "first up", deploy, flatDeploy)
			case kmsFlatStack:
				checkOps(t, "first up", deploy, kmsFlatDeploy)
			}
			for _, st := range sc.steps {
				if st.edit != nil {
					text = st.edit(text)
					e.provide(text)
					e.writeStackFile(text)
				}
				op := st.op
				if op == "" {
					op = "up"
				}
				r := e.run(op)
				if r.err != nil {
					t.Fatalf("%s: %s: %v\n%s", st.name, op, r.err, r.output)
				}
				t.Logf("scenario %q, step %q: %s %s", sc.name, st.name, op, r)
				checkOps(t, st.name, r, st.want)
				checkNothingWrittenThenDeleted(t, st.name, r)
				if op != "destroy" {
					checkPinned(t, st.name, e, r)
				}
				if st.check != nil {
					st.check(t, e.world())
				}
			}
		})
	}
}

// provide adds to the world what a new stack file refers to (a bucket, VPC, route table, role or
// adopted endpoint it did not know), leaving everything the stack created as it is.
func (e *engine) provide(text string) {
	e.t.Helper()
	more := worldFor(e.t, text)
	err := world.Update(e.worldPath, func(w *world.World) error {
		for k, v := range more.Credentials {
			if _, ok := w.Credentials[k]; !ok {
				w.Credentials[k] = v
			}
		}
		for k, v := range more.Buckets {
			if _, ok := w.Buckets[k]; !ok {
				w.Buckets[k] = v
			}
		}
		for k, v := range more.VPCs {
			w.VPCs[k] = v
		}
		for k, v := range more.RouteTables {
			w.RouteTables[k] = v
		}
		for account, roles := range more.Roles {
			for _, r := range roles {
				w.AddRole(account, r)
			}
		}
		for k, v := range more.Endpoints {
			if _, ok := w.Endpoints[k]; !ok {
				w.Endpoints[k] = v
			}
		}
		// A key is never replaced: it holds the grants.
		for k, v := range more.Keys {
			if _, ok := w.Keys[k]; !ok {
				w.AddKey(k, v)
			}
		}
		for k, v := range more.Aliases {
			if _, ok := w.Aliases[k]; !ok {
				w.Aliases[k] = v
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}
