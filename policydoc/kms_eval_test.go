package policydoc

import (
	"strings"
	"testing"

	"cross-account-s3/spec"
)

// The evaluator of evaluate_test.go extended to KMS, for SSE-KMS objects. S3 calls KMS with the
// caller's permissions and the caller as principal, adding the request-context keys
// kms:ViaService (s3.<region>.<dns suffix>) and kms:EncryptionContext:aws:s3:arn (the object's
// ARN, or the bucket's with an S3 Bucket Key). The KMS decision for a principal of another account
// than the key's follows the documents cited in kms.go:
//   - an explicit Deny in the key policy or in the caller's identity policy denies;
//   - the key policy and the identity policy together allow ("Cross-account access requires
//     permission in the key policy of the KMS key and in an IAM policy in the external user's
//     account");
//   - a grant for the caller allows on its own, for its operations, when its constraints hold
//     ("the grant allows the grantee principal to call the specified grant operations on the KMS
//     key provided that all conditions specified in the grant are met"; EncryptionContextSubset:
//     every pair of the constraint is in the request's context, keys compared case-insensitively,
//     values exactly, docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html).
// An object operation succeeds only when S3 allows it (the bucket, identity and endpoint policies
// of world.decide) and every KMS call S3 makes for it is allowed.

// kmsWorld is every policy and grant that decides a KMS call on the bucket's key.
type kmsWorld struct {
	keyARN    string
	keyPolicy string
	grants    []spec.KeyGrant
	// identity gives the caller's identity policy; a caller not listed has none.
	identity map[string]string
}

const noPolicy = `{"Version":"2012-10-17","Statement":[]}`

// defaultKeyPolicy is the key policy KMS gives a key created without one: its own account's IAM
// policies may allow its use (docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
const defaultKeyPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}]}`

type kmsCall struct {
	principal, account string
	action             string // kms:Decrypt, kms:GenerateDataKey
	viaService         string // "" for a direct call
	context            map[string]string
}

func (c kmsCall) request(key string) request {
	extra := map[string]string{}
	if c.viaService != "" {
		extra["kms:viaservice"] = c.viaService
	}
	for k, v := range c.context {
		extra["kms:encryptioncontext:"+strings.ToLower(k)] = v
	}
	return request{principal: c.principal, account: c.account, action: c.action, resource: key, extra: extra}
}

func (w kmsWorld) decide(t *testing.T, c kmsCall) decision {
	t.Helper()
	r := c.request(w.keyARN)
	identity := noPolicy
	if doc, ok := w.identity[c.principal]; ok {
		identity = doc
	}
	byKeyPolicy, byIdentity := evaluate(t, w.keyPolicy, r), evaluate(t, identity, r)
	switch {
	case byKeyPolicy == explicitDeny || byIdentity == explicitDeny:
		return explicitDeny
	case byKeyPolicy == allowed && byIdentity == allowed:
		return allowed
	}
	for _, g := range w.grants {
		if grantAllows(g, c) {
			return allowed
		}
	}
	return implicitDeny
}

func grantAllows(g spec.KeyGrant, c kmsCall) bool {
	if g.RoleARN != c.principal {
		return false
	}
	op := strings.TrimPrefix(c.action, "kms:")
	found := false
	for _, o := range g.Operations {
		found = found || o == op
	}
	if !found {
		return false
	}
	lowered := map[string]string{}
	for k, v := range c.context {
		lowered[strings.ToLower(k)] = v
	}
	for _, con := range g.Constraints {
		for k, v := range con.EncryptionContextSubset {
			if got, ok := lowered[strings.ToLower(k)]; !ok || got != v {
				return false
			}
		}
		if con.EncryptionContextEquals != nil {
			if len(con.EncryptionContextEquals) != len(lowered) {
				return false
			}
			for k, v := range con.EncryptionContextEquals {
				if got, ok := lowered[strings.ToLower(k)]; !ok || got != v {
					return false
				}
			}
		}
	}
	return true
}

// s3Operation is an S3 API call and what S3 needs for it: the IAM action, and the KMS actions it
// calls on an SSE-KMS object (see s3KMSActions for the sources).
type s3Operation struct {
	name   string
	action string
	kms    []string
}

var (
	getObject      = s3Operation{"GetObject", "s3:GetObject", []string{KMSDecrypt}}
	putObject      = s3Operation{"PutObject", "s3:PutObject", []string{KMSGenerateDataKey}}
	createUpload   = s3Operation{"CreateMultipartUpload", "s3:PutObject", []string{KMSGenerateDataKey}}
	uploadPart     = s3Operation{"UploadPart", "s3:PutObject", []string{KMSDecrypt}}
	completeUpload = s3Operation{"CompleteMultipartUpload", "s3:PutObject", []string{KMSDecrypt}}
	reads          = []s3Operation{getObject}
	writes         = []s3Operation{putObject, createUpload, uploadPart, completeUpload}
)

// kmsStack is a stack's S3 world and KMS world together.
type kmsStack struct {
	s   spec.Spec
	s3  world
	kms kmsWorld
}

// kmsStackOf renders every document of the stack: the bucket and endpoint policies, the roles'
// inline policies (with their key statements where the stack manages them, the S3 statements
// alone where it does not), the default key policy and the stack's grants.
func kmsStackOf(t *testing.T, s spec.Spec) kmsStack {
	t.Helper()
	w := worldOf(t, s)
	w.identity = map[string]string{}
	k := kmsWorld{keyARN: s.Bucket.Encryption.KMSKeyARN, keyPolicy: defaultKeyPolicy, grants: s.Layout().KeyGrants, identity: map[string]string{}}
	plain := s
	plain.Bucket.Encryption = spec.Encryption{}
	for _, c := range s.Consumers {
		doc := RolePolicy(plain, c).JSON()
		if c.ManageRolePolicy {
			doc = RolePolicy(s, c).JSON()
		}
		for _, role := range c.RoleARNs {
			w.identity[role] = doc
			k.identity[role] = doc
		}
	}
	return kmsStack{s: s, s3: w, kms: k}
}

// do decides one object operation by a role through an endpoint: S3's decision, then each KMS
// call S3 makes for it, with S3's encryption context for the object.
func (k kmsStack) do(t *testing.T, role string, op s3Operation, vpce string) decision {
	t.Helper()
	if d := k.s3.decide(t, object(role, op.action, vpce)); d != allowed {
		return d
	}
	for _, action := range op.kms {
		if d := k.kms.decide(t, k.viaS3(role, action, sharedObject)); d != allowed {
			return d
		}
	}
	return allowed
}

// viaS3 is the KMS call S3 of the bucket's Region makes for a role on an object.
func (k kmsStack) viaS3(role, action, objectARN string) kmsCall {
	region := k.s.Bucket.Account.Region
	context := objectARN
	if k.s.Bucket.Encryption.BucketKey {
		context = spec.BucketARN(region, k.s.Bucket.Name)
	}
	return kmsCall{principal: role, account: roleAccount[role], action: action, viaService: spec.S3ViaService(region),
		context: map[string]string{"aws:s3:arn": context}}
}

func TestEachRoleReadsAndWritesAKMSBucketThroughItsOwnEndpointOnly(t *testing.T) {
	for _, bucketKey := range []bool{true, false} {
		s := kmsThree() // analytics and billing write, ingest reads
		s.Bucket.Encryption.BucketKey = bucketKey
		k := kmsStackOf(t, s)
		for _, tc := range []struct {
			role string
			ops  []s3Operation
			want bool
		}{
			{analyticsRole, append(append([]s3Operation{}, reads...), writes...), true},
			{billingRole, append(append([]s3Operation{}, reads...), writes...), true},
			{ingestRole, reads, true},
			{ingestRole, writes, false},
		} {
			for _, op := range tc.ops {
				for _, vpce := range allEndpoints {
					want := tc.want && vpce == ownEndpoint[tc.role]
					if got := k.do(t, tc.role, op, vpce) == allowed; got != want {
						t.Errorf("bucket key %v: %s %s through %q: allowed = %v, want %v", bucketKey, tc.role, op.name, vpce, got, want)
					}
				}
			}
		}
		// The read-only role has no key permission to write either, whatever S3 says.
		if d := k.kms.decide(t, k.viaS3(ingestRole, KMSGenerateDataKey, sharedObject)); d == allowed {
			t.Errorf("bucket key %v: ingest may generate data keys", bucketKey)
		}
	}
}

// Without the key permission (no grant, and a key policy that only trusts its own account) no role
// reads or writes, whatever its identity policy says: the key's account must allow it too.
func TestWithoutTheKeyPermissionNothingIsReadOrWritten(t *testing.T) {
	k := kmsStackOf(t, kmsThree())
	k.kms.grants = nil
	for _, role := range []string{analyticsRole, billingRole, ingestRole} {
		if d := k.do(t, role, getObject, ownEndpoint[role]); d != implicitDeny {
			t.Errorf("%s GetObject without a grant: %v", role, d)
		}
	}
	if d := k.do(t, analyticsRole, putObject, analyticsVpce); d != implicitDeny {
		t.Errorf("analytics PutObject without a grant: %v", d)
	}
}

// When the key permission comes from the key policy instead of a grant, the role needs both it and
// its identity statement: the stack's SharedBucketKey is that statement.
func TestWithAKeyPolicyStatementBothSidesAreNeeded(t *testing.T) {
	keyStatement := `{"Sid":"ConsumerRoles","Effect":"Allow","Principal":{"AWS":"` + analyticsRole + `"},"Action":["kms:Decrypt","kms:GenerateDataKey"],"Resource":"*"}`
	withKeyStatement := strings.Replace(defaultKeyPolicy, `]}`, `,`+keyStatement+`]}`, 1)
	s := kmsThree()
	for _, tc := range []struct {
		name              string
		keyPolicy         string
		identityStatement bool
		want              decision
	}{
		{"key policy and identity statement", withKeyStatement, true, allowed},
		{"key policy alone", withKeyStatement, false, implicitDeny},
		{"identity statement alone", defaultKeyPolicy, true, implicitDeny},
	} {
		k := kmsStackOf(t, s)
		k.kms.grants = nil
		k.kms.keyPolicy = tc.keyPolicy
		if !tc.identityStatement {
			plain := s
			plain.Bucket.Encryption = spec.Encryption{}
			k.kms.identity[analyticsRole] = RolePolicy(plain, s.Consumers[0]).JSON()
		}
		for _, op := range append(append([]s3Operation{}, reads...), writes...) {
			if got := k.do(t, analyticsRole, op, analyticsVpce); got != tc.want {
				t.Errorf("%s: %s: %v, want %v", tc.name, op.name, got, tc.want)
			}
		}
	}
}

// A grant is the key permission on its own (KMS documents no identity-policy requirement for a
// grantee): billing, whose identity policy the stack does not manage and which has no KMS
// statement, reads and writes through its grant. Which is why the stack's role policy carries
// DenySharedBucketKeyOutsideS3, and why it warns about consumers without it.
func TestAGrantAloneIsTheKeyPermissionAsKMSDocuments(t *testing.T) {
	k := kmsStackOf(t, kmsThree())
	if strings.Contains(k.kms.identity[billingRole], "kms:") {
		t.Fatalf("billing's identity policy has KMS statements: %s", k.kms.identity[billingRole])
	}
	for _, op := range append(append([]s3Operation{}, reads...), writes...) {
		if d := k.do(t, billingRole, op, billingVpce); d != allowed {
			t.Errorf("billing %s through its grant: %v", op.name, d)
		}
	}
	// And without the stack's Deny, the grant also allows direct calls with the bucket's context.
	direct := k.viaS3(billingRole, KMSDecrypt, sharedObject)
	direct.viaService = ""
	if d := k.kms.decide(t, direct); d != allowed {
		t.Errorf("billing's direct Decrypt: %v; the grant allows it, as kmsWarnings says", d)
	}
}

// A role whose policy the stack manages uses the key only through S3 of the bucket's Region and,
// with an S3 Bucket Key, only for this bucket: not directly, not through another service, not
// through S3 of another Region, not for another bucket.
func TestTheKeyIsUsableOnlyByS3OfTheBucketsRegionForThisBucket(t *testing.T) {
	k := kmsStackOf(t, kmsThree())
	for _, action := range []string{KMSDecrypt, KMSGenerateDataKey} {
		ok := k.viaS3(analyticsRole, action, sharedObject)
		if d := k.kms.decide(t, ok); d != allowed {
			t.Fatalf("%s through S3: %v", action, d)
		}
		for _, tc := range []struct {
			name   string
			change func(c *kmsCall)
			want   decision
		}{
			{"called directly", func(c *kmsCall) { c.viaService = "" }, explicitDeny},
			{"through EC2", func(c *kmsCall) { c.viaService = "ec2.eu-west-1.amazonaws.com" }, explicitDeny},
			{"through S3 of another Region", func(c *kmsCall) { c.viaService = "s3.us-east-1.amazonaws.com" }, explicitDeny},
			{"for another bucket", func(c *kmsCall) { c.context = map[string]string{"aws:s3:arn": "arn:aws:s3:::other-bucket"} }, implicitDeny},
			{"for an object of another bucket", func(c *kmsCall) { c.context = map[string]string{"aws:s3:arn": "arn:aws:s3:::other-bucket/a.csv"} }, implicitDeny},
			{"for a look-alike bucket", func(c *kmsCall) { c.context = map[string]string{"aws:s3:arn": "arn:aws:s3:::shared-data-archive"} }, implicitDeny},
		} {
			c := ok
			tc.change(&c)
			if got := k.kms.decide(t, c); got != tc.want {
				t.Errorf("%s %s: %v, want %v", action, tc.name, got, tc.want)
			}
		}
	}
}

// What kmsWarnings says of a bucket without an S3 Bucket Key: its grants are not limited to the
// bucket, so a role without the stack's role policy can use the key for another bucket's objects;
// with the stack's role policy, only through S3 of the Region. And what it says of objects written
// before the Bucket Key: their context is their own ARN, which the constrained grant refuses.
func TestWhatTheKMSWarningsSay(t *testing.T) {
	s := kmsThree()
	s.Bucket.Encryption.BucketKey = false
	k := kmsStackOf(t, s)
	other := k.viaS3(billingRole, KMSDecrypt, "arn:aws:s3:::other-bucket/a.csv")
	if d := k.kms.decide(t, other); d != allowed {
		t.Errorf("without a Bucket Key, billing's grant for another bucket's object: %v, want allowed (the warned-about gap)", d)
	}
	direct := k.viaS3(analyticsRole, KMSDecrypt, "arn:aws:s3:::other-bucket/a.csv")
	direct.viaService = ""
	if d := k.kms.decide(t, direct); d != explicitDeny {
		t.Errorf("without a Bucket Key, analytics' direct call: %v, want the role policy's explicit deny", d)
	}

	k = kmsStackOf(t, kmsThree())
	old := k.viaS3(billingRole, KMSDecrypt, sharedObject)
	old.context = map[string]string{"aws:s3:arn": sharedObject}
	if d := k.kms.decide(t, old); d != implicitDeny {
		t.Errorf("an object written before the Bucket Key, through the constrained grant: %v, want implicit deny", d)
	}
}

func TestGrantConstraintSemantics(t *testing.T) {
	g := spec.KeyGrant{RoleARN: analyticsRole, Operations: []string{"Decrypt"},
		Constraints: []spec.GrantConstraint{{EncryptionContextSubset: map[string]string{"aws:s3:arn": "arn:aws:s3:::b"}}}}
	call := func(action string, ctx map[string]string) kmsCall {
		return kmsCall{principal: analyticsRole, action: action, context: ctx}
	}
	for _, tc := range []struct {
		c    kmsCall
		want bool
	}{
		{call("kms:Decrypt", map[string]string{"aws:s3:arn": "arn:aws:s3:::b"}), true},
		{call("kms:Decrypt", map[string]string{"AWS:S3:ARN": "arn:aws:s3:::b", "x": "y"}), true}, // keys case-insensitive, extra pairs fine
		{call("kms:Decrypt", map[string]string{"aws:s3:arn": "arn:aws:s3:::B"}), false},          // values exact
		{call("kms:Decrypt", map[string]string{"aws:s3:arn": "arn:aws:s3:::b/k"}), false},        // no wildcards
		{call("kms:Decrypt", nil), false},
		{call("kms:GenerateDataKey", map[string]string{"aws:s3:arn": "arn:aws:s3:::b"}), false},
		{kmsCall{principal: billingRole, action: "kms:Decrypt", context: map[string]string{"aws:s3:arn": "arn:aws:s3:::b"}}, false},
	} {
		if got := grantAllows(g, tc.c); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.c, got, tc.want)
		}
	}
}
