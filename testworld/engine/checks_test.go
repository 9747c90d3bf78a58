package engine

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"cross-account-s3/spec"
	"cross-account-s3/stackconfig"
	"cross-account-s3/testworld/world"
	"cross-account-s3/tools/stackfile"
)

// operator is the account of the ambient credentials when every provider assumes a role or uses a
// profile: the account the operator's shell is signed in to.
const operator = "999999999999"

// worldFor is an AWS in which the stack file's bucket, VPCs, route tables and roles exist in their
// accounts and Regions, and its profiles resolve to their accounts: what a user who filled the
// stack file in correctly has. extra adds roles that exist although no stack lists them yet.
func worldFor(t *testing.T, stackFile string) *world.World {
	t.Helper()
	s := specOf(t, stackFile)
	w := world.New()
	w.Credentials["ambient"] = operator
	account := func(a spec.Account) {
		c := a.Credentials
		switch {
		case c.Profile != "":
			w.Credentials["profile:"+c.Profile] = a.ID
			if c.AssumeRoleARN != "" {
				w.Credentials["profile:"+c.Profile] = operator
			}
		case c.AssumeRoleARN == "":
			w.Credentials["ambient"] = a.ID
		}
	}
	account(s.Bucket.Account)
	w.Buckets[s.Bucket.Name] = world.Bucket{Account: s.Bucket.Account.ID, Region: s.Bucket.Account.Region}
	for _, c := range s.Consumers {
		account(c.Account)
		w.VPCs[c.VpcID] = world.VPC{Account: c.Account.ID, Region: c.Account.Region}
		for _, rt := range c.RouteTableIDs {
			w.RouteTables[rt] = world.RouteTable{Account: c.Account.ID, VPC: c.VpcID}
		}
		for _, arn := range c.RoleARNs {
			name := spec.RoleName(arn)
			w.AddRole(c.Account.ID, name)
			if path := arn[strings.Index(arn, ":role/")+len(":role") : len(arn)-len(name)]; path != "/" {
				w.SetRolePath(c.Account.ID, name, path)
			}
		}
		if id := c.Endpoint.AdoptID; id != "" {
			e := w.Endpoints[id]
			e.Account, e.Region, e.VpcID, e.Type = c.Account.ID, c.Account.Region, c.VpcID, "Gateway"
			e.ServiceName, e.State, e.Policy = spec.ServiceName(c.Account.Region), "available", world.DefaultEndpointPolicy
			e.PrefixListID = world.PrefixListID(c.Account.Region)
			e.RouteTableIDs = append(e.RouteTableIDs, c.RouteTableIDs...)
			w.Endpoints[id] = e
		}
	}
	// The bucket's key exists in the bucket's account and Region, customer managed, with a key
	// policy that the stack must never change.
	if e := s.Bucket.Encryption; e.KMS() {
		if k, ok := spec.ParseKMSKeyARN(e.KMSKeyARN); ok {
			w.AddKey(k.KeyID, world.Key{Account: k.AccountID, Region: k.Region, Manager: world.KeyManagerCustomer,
				Spec: world.KeySpecSymmetric, Enabled: true, Policy: seededKeyPolicy(k.AccountID)}, "alias/shared-data")
		}
	}
	// Roles that kept bucket-policy statements name exist too (S3 refuses a policy naming a role
	// that does not).
	for _, st := range s.ExtraBucketStatements {
		for _, arn := range principalARNs(st["Principal"]) {
			if role, ok := spec.ParseRoleARN(arn); ok {
				w.AddRole(role.AccountID, role.Name)
			}
		}
	}
	return w
}

// principalARNs lists the ARNs of a statement's Principal {"AWS": "..." | [...]}.
func principalARNs(principal any) []string {
	m, _ := principal.(map[string]any)
	switch v := m["AWS"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// specOf reads a stack file's spec as the program would, problems and all.
func specOf(t *testing.T, stackFile string) spec.Spec {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "Pulumi.world.yaml")
	if err := os.WriteFile(path, []byte(stackFile), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := stackfile.LoadFile(filepath.Join(repoRoot, "Pulumi.yaml"), path, "world")
	if err != nil {
		t.Fatal(err)
	}
	s, _, _ := stackconfig.Load(st.Source())
	return s
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkOps asserts the exact multiset of steps by type.
func checkOps(t *testing.T, step string, got result, want map[string]int) {
	t.Helper()
	if want == nil {
		want = map[string]int{}
	}
	if !reflect.DeepEqual(got.ops, want) {
		t.Errorf("%s: steps %s\nwant %s", step, got, result{ops: want})
	}
}

// checkNothingWrittenThenDeleted asserts that no one-per-target document (a bucket's policy, a
// role's inline policy of a name) was deleted after being written in the same operation: that
// delete would remove what the write had just put there.
func checkNothingWrittenThenDeleted(t *testing.T, step string, r result) {
	t.Helper()
	written := map[string]bool{}
	for _, c := range r.calls {
		if c.Error != "" || !oneperTarget(c.Physical) {
			continue
		}
		switch c.Op {
		case "create", "update":
			written[c.Physical] = true
		case "delete":
			if written[c.Physical] {
				t.Errorf("%s: %s was written, then deleted in the same update (call %d)", step, c.Physical, c.Seq)
			}
		}
	}
}

func oneperTarget(physical string) bool {
	return strings.HasPrefix(physical, "bucket-policy:") || strings.HasPrefix(physical, "role-policy:") ||
		strings.HasPrefix(physical, "kms-grant:")
}

// seededKeyPolicy is the key policy a key of the world starts with: KMS's default key policy,
// which gives the key's account (its IAM policies) the key.
func seededKeyPolicy(account string) string {
	return `{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow",` +
		`"Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"kms:*","Resource":"*"}]}`
}

// checkPinned asserts that every AWS call of the operation ran in the account that owns its target,
// and that every resource in the stack's state has an explicit provider that allows only that
// account.
func checkPinned(t *testing.T, step string, e *engine, r result) {
	t.Helper()
	w := e.world()
	for _, c := range r.calls {
		if c.Op == "configure" || c.Op == "invoke" || c.Error != "" {
			continue
		}
		if want := ownerOf(w, c.Physical, c.Inputs); want != "" && c.Account != want {
			t.Errorf("%s: %s %s ran in account %s, but %s belongs to %s", step, c.Op, c.Type, c.Account, c.Physical, want)
		}
	}
	for _, res := range e.deployment().Resources {
		if !res.Custom || strings.HasPrefix(string(res.Type), "pulumi:providers:") {
			continue
		}
		provider := e.providerOf(res)
		if provider == nil {
			t.Errorf("%s: %s has no explicit provider (%q)", step, res.URN, res.Provider)
			continue
		}
		allowed, _ := provider.Inputs["allowedAccountIds"].([]any)
		want := stateOwner(w, res)
		if len(allowed) != 1 || allowed[0] != want {
			t.Errorf("%s: %s is on provider %s, which allows %v; its target belongs to %s", step, res.URN, provider.URN, allowed, want)
		}
	}
}

// ownerOf is the account that owns a physical target in the world.
func ownerOf(w *world.World, physical string, inputs map[string]any) string {
	kind, key, _ := strings.Cut(physical, ":")
	switch kind {
	case "bucket-policy":
		return w.Buckets[key].Account
	case "role-policy":
		account, _, _ := strings.Cut(key, "/")
		return account
	case "vpc-endpoint":
		vpc, _ := inputs["vpcId"].(string)
		return w.VPCs[vpc].Account
	case "kms-grant", "kms-key":
		keyID, _, _ := strings.Cut(key, "/")
		return w.Keys[keyID].Account
	}
	return ""
}

// stateOwner is the account that owns the target of a resource in the state.
func stateOwner(w *world.World, res apitype.ResourceV3) string {
	str := func(k string) string { s, _ := res.Outputs[k].(string); return s }
	switch shortType(string(res.Type)) {
	case "BucketPolicy":
		return w.Buckets[str("bucket")].Account
	case "VpcEndpoint":
		return w.VPCs[str("vpcId")].Account
	case "Grant":
		if k, ok := spec.ParseKMSKeyARN(str("keyId")); ok {
			return k.AccountID
		}
	case "RolePolicy":
		for account := range w.Roles {
			if w.HasRole(account, str("role")) {
				return account
			}
		}
	}
	return ""
}

func (e *engine) deployment() apitype.DeploymentV3 {
	e.t.Helper()
	exported, err := e.stack.Export(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	var d apitype.DeploymentV3
	if err := json.Unmarshal(exported.Deployment, &d); err != nil {
		e.t.Fatal(err)
	}
	return d
}

// providerOf is the explicit provider of a resource in the state, nil for a default provider.
func (e *engine) providerOf(res apitype.ResourceV3) *apitype.ResourceV3 {
	urn, _, _ := strings.Cut(res.Provider, "::"+lastPart(res.Provider))
	if strings.Contains(urn, "::default") {
		return nil
	}
	for _, p := range e.deployment().Resources {
		if string(p.URN) == urn {
			return &p
		}
	}
	return nil
}

func lastPart(ref string) string {
	i := strings.LastIndex(ref, "::")
	if i < 0 {
		return ""
	}
	return ref[i+2:]
}
