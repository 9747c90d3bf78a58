package enginetest

import (
	"strings"
	"testing"

	"cross-account-s3/internal/enginetest/world"
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
    - name: analytics
      accountId: "222222222222"
      profile: workloads
      vpcId: vpc-0a0a0a0a0a0a0a0a0
      routeTableIds: [rtb-0a0a0a0a0a0a0a0a1]
      roleArns: [arn:aws:iam::222222222222:role/analytics]
    - name: reporting
      accountId: "222222222222"
      profile: workloads
      vpcId: vpc-0b0b0b0b0b0b0b0b0
      routeTableIds: [rtb-0b0b0b0b0b0b0b0b1]
      roleArns: [arn:aws:iam::222222222222:role/reporting]
      actions: [s3:GetObject]
    - name: ingest
      accountId: "333333333333"
      profile: ingest
      vpcId: vpc-0c0c0c0c0c0c0c0c0
      routeTableIds: [rtb-0c0c0c0c0c0c0c0c1]
      roleArns: [arn:aws:iam::333333333333:role/ingest]
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
var flatDeploy = map[string]int{
	"create Stack": 1, "create SharedBucketAccess": 1, "create BucketOwnerAccount": 1, "create ConsumerAccount": 1,
	"create aws": 2, "create BucketPolicy": 1, "create VpcEndpoint": 1, "create RolePolicy": 2,
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

// Each row starts from its stack deployed with `pulumi up`, then runs its steps in order on the
// real engine. Every step asserts the exact steps by type, that every AWS call ran in the account
// that owns its target, that every resource is on an explicit provider allowing only that account,
// and that no bucket policy or inline role policy was deleted after being written in the same
// update.
var scenarios = []struct {
	name  string
	stack string
	steps []step
}{
	{"deploy from scratch, update with no changes, destroy", flatStack, []step{
		{name: "second up", want: nil},
		{name: "preview after up", op: "preview", want: nil},
		{name: "destroy", op: "destroy", want: map[string]int{
			"delete Stack": 1, "delete SharedBucketAccess": 1, "delete BucketOwnerAccount": 1, "delete ConsumerAccount": 1,
			"delete aws": 2, "delete BucketPolicy": 1, "delete VpcEndpoint": 1, "delete RolePolicy": 2,
		}, check: func(t *testing.T, w *world.World) {
			if len(w.Endpoints) != 0 || len(w.RolePolicies) != 0 || w.Buckets["shared-data"].Policy != "" {
				t.Errorf("destroy left endpoints %v, role policies %v, bucket policy %q", w.Endpoints, w.RolePolicies, w.Buckets["shared-data"].Policy)
			}
		}},
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
			if sc.stack == flatStack {
				checkOps(t, "first up", deploy, flatDeploy)
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
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}
