package main

import (
	"context"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"cross-account-s3/testworld/world"
)

const (
	keyID        = "1234abcd-12ab-34cd-56ef-1234567890ab"
	keyARN       = "arn:aws:kms:eu-west-1:" + owner + ":key/" + keyID
	awsS3KeyID   = "0000aaaa-00aa-00aa-00aa-000000aaaaaa"
	keyPolicy    = `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}]}`
	appRoleARN   = "arn:aws:iam::" + consumer + ":role/app"
	batchRoleARN = "arn:aws:iam::" + consumer + ":role/batch"
	getKeyTok    = "aws:kms/getKey:getKey"
	getAliasTok  = "aws:kms/getAlias:getAlias"
)

func keyARNOf(account, region, id string) string {
	return "arn:aws:kms:" + region + ":" + account + ":key/" + id
}

// keys seeds the owner's customer managed key (alias/shared-data), its AWS managed aws/s3 key,
// and keys that cannot serve: disabled, pending deletion, asymmetric, in another Region, of
// another account.
func keys(w *world.World) {
	cmk := world.Key{Account: owner, Region: region, Manager: world.KeyManagerCustomer, Spec: world.KeySpecSymmetric, Enabled: true, Policy: keyPolicy, Description: "shared-data"}
	w.AddKey(keyID, cmk, "alias/shared-data")
	w.AddKey(awsS3KeyID, world.Key{Account: owner, Region: region, Manager: world.KeyManagerAWS, Spec: world.KeySpecSymmetric, Enabled: true, Policy: keyPolicy}, "alias/aws/s3")
	off := cmk
	off.Enabled = false
	w.AddKey("2222bbbb-22bb-22bb-22bb-222222bbbbbb", off)
	gone := cmk
	gone.Enabled, gone.PendingDeletion = false, true
	w.AddKey("3333cccc-33cc-33cc-33cc-333333cccccc", gone)
	rsa := cmk
	rsa.Spec = "RSA_2048"
	w.AddKey("4444dddd-44dd-44dd-44dd-444444dddddd", rsa)
	us := cmk
	us.Region = "us-east-1"
	w.AddKey("5555eeee-55ee-55ee-55ee-555555eeeeee", us)
	theirs := cmk
	theirs.Account = other
	w.AddKey("6666ffff-66ff-66ff-66ff-666666ffffff", theirs)
}

func grantInputsFor(role string, ops ...any) map[string]any {
	return map[string]any{
		"keyId": keyARN, "granteePrincipal": role, "name": "cross-account-s3-shared-bucket-" + consumer + "-app",
		"operations":     ops,
		"constraints":    []any{map[string]any{"encryptionContextSubset": map[string]any{"aws:s3:arn": "arn:aws:s3:::" + bucket}}},
		"retireOnDelete": false,
	}
}

func TestGrantLifecycle(t *testing.T) {
	f := newFixture(t, keys)
	srv := f.provider("owner", ownerConfig)
	before := f.world().Keys[keyID]

	in := grantInputsFor(appRoleARN, "GenerateDataKey", "Decrypt")
	created := f.mustCreate(srv, typeKMSGrant, "key-grant-app", in)
	grantID := strings.TrimPrefix(created.Id, keyARN+":")
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(grantID) {
		t.Fatalf("grant resource ID %q is not <key ARN>:<64 hex digits>", created.Id)
	}
	outs := f.unmarshal(created.Properties)
	if !outs["grantToken"].IsSecret() || getString(outs, "grantToken") == "" {
		t.Errorf("grantToken is not a secret output: %v", outs["grantToken"])
	}
	for k, want := range map[string]string{"grantId": grantID, "keyId": keyARN, "granteePrincipal": appRoleARN, "name": in["name"].(string)} {
		if got := getString(outs, k); got != want {
			t.Errorf("output %s = %q, want %q", k, got, want)
		}
	}
	if got := getStrings(outs, "operations"); !slices.Equal(got, []string{"Decrypt", "GenerateDataKey"}) {
		t.Errorf("operations %v", got)
	}
	k := f.world().Keys[keyID]
	if len(k.Grants) != 1 {
		t.Fatalf("grants after create: %+v", k.Grants)
	}
	g := k.Grants[0]
	if g.ID != grantID || g.GranteePrincipal != appRoleARN || !slices.Equal(g.Operations, []string{"Decrypt", "GenerateDataKey"}) ||
		g.EncryptionContextSubset["aws:s3:arn"] != "arn:aws:s3:::"+bucket || g.EncryptionContextEquals != nil || g.IssuingAccount != owner {
		t.Errorf("world grant: %+v", g)
	}
	if op := f.lastOp(); op.Op != "create" || op.Type != typeKMSGrant || op.Physical != world.GrantPhysical(keyID, grantID) || op.Account != owner {
		t.Errorf("create op: %+v", op)
	}

	// Creating the same named grant again returns it (CreateGrant is idempotent for a name).
	again := f.mustCreate(srv, typeKMSGrant, "key-grant-app-again", in)
	if again.Id != created.Id || len(f.world().Keys[keyID].Grants) != 1 {
		t.Errorf("a second identical create made another grant: %s, %d grants", again.Id, len(f.world().Keys[keyID].Grants))
	}
	// Another role's grant is another grant.
	other := grantInputsFor(batchRoleARN, "Decrypt")
	other["name"] = "cross-account-s3-shared-bucket-" + consumer + "-batch"
	batch := f.mustCreate(srv, typeKMSGrant, "key-grant-batch", other)

	read, err := f.read(srv, typeKMSGrant, "key-grant-app", created.Id, created.Properties)
	if err != nil || read.Id != created.Id || getString(f.unmarshal(read.Properties), "granteePrincipal") != appRoleARN {
		t.Fatalf("read: %v %+v", err, read)
	}
	if _, err := f.update(srv, typeKMSGrant, "key-grant-app", created.Id, created.Properties, in, grantInputsFor(appRoleARN, "Decrypt")); err == nil {
		t.Errorf("a grant was updated in place")
	}

	// Delete revokes only that grant; the key's policy and other fields never change.
	if err := f.delete(srv, typeKMSGrant, "key-grant-app", created.Id, created.Properties, in); err != nil {
		t.Fatal(err)
	}
	k = f.world().Keys[keyID]
	if len(k.Grants) != 1 || k.Grants[0].ID != strings.TrimPrefix(batch.Id, keyARN+":") {
		t.Fatalf("grants after deleting app's: %+v", k.Grants)
	}
	k.Grants, before.Grants = nil, nil
	if !keysEqual(k, before) {
		t.Errorf("the key changed beyond its grants:\n%+v\n%+v", k, before)
	}
	if err := f.delete(srv, typeKMSGrant, "key-grant-app", created.Id, created.Properties, in); err != nil {
		t.Errorf("deleting a revoked grant again: %v", err)
	}
	gone, err := f.read(srv, typeKMSGrant, "key-grant-app", created.Id, created.Properties)
	if err != nil || gone.Id != "" {
		t.Errorf("read of a revoked grant: %v %+v", err, gone)
	}
}

func keysEqual(a, b world.Key) bool {
	return a.Account == b.Account && a.Region == b.Region && a.Manager == b.Manager && a.Spec == b.Spec && a.Usage == b.Usage &&
		a.Enabled == b.Enabled && a.PendingDeletion == b.PendingDeletion && a.Description == b.Description && a.Policy == b.Policy &&
		slices.EqualFunc(a.Grants, b.Grants, func(x, y world.Grant) bool { return x.ID == y.ID })
}

func TestGrantErrors(t *testing.T) {
	withKey := func(key string) map[string]any {
		in := grantInputsFor(appRoleARN, "Decrypt")
		in["keyId"] = key
		return in
	}
	for _, tc := range []struct {
		name     string
		provider map[string]any
		inputs   map[string]any
		want     []string
	}{
		{"AWS managed key", ownerConfig, withKey(keyARNOf(owner, region, awsS3KeyID)),
			[]string{"creating KMS Grant for Key", "CreateGrant", "AccessDeniedException", "not authorized to perform: kms:CreateGrant"}},
		{"disabled key", ownerConfig, withKey(keyARNOf(owner, region, "2222bbbb-22bb-22bb-22bb-222222bbbbbb")), []string{"DisabledException", "is disabled."}},
		{"key pending deletion", ownerConfig, withKey(keyARNOf(owner, region, "3333cccc-33cc-33cc-33cc-333333cccccc")), []string{"KMSInvalidStateException", "is pending deletion."}},
		{"asymmetric key with a constraint", ownerConfig, withKey(keyARNOf(owner, region, "4444dddd-44dd-44dd-44dd-444444dddddd")), []string{"ValidationException", "RSA_2048"}},
		{"symmetric key, Sign", ownerConfig, func() map[string]any { in := grantInputsFor(appRoleARN, "Sign"); return in }(), []string{"ValidationException", "Sign"}},
		{"key of another Region", ownerConfig, withKey(keyARNOf(owner, "us-east-1", "5555eeee-55ee-55ee-55ee-555555eeeeee")), []string{"NotFoundException", "does not exist"}},
		{"key of another account", ownerConfig, withKey(keyARNOf(other, region, "6666ffff-66ff-66ff-66ff-666666ffffff")), []string{"AccessDeniedException"}},
		{"the owner's key with the consumer's provider", consumerConfig, grantInputsFor(appRoleARN, "Decrypt"), []string{"AccessDeniedException", "kms:CreateGrant"}},
		{"unknown key", ownerConfig, withKey(keyARNOf(owner, region, "7777aaaa-77aa-77aa-77aa-777777aaaaaa")), []string{"NotFoundException"}},
		{"role that does not exist", ownerConfig, grantInputsFor("arn:aws:iam::"+consumer+":role/ghost", "Decrypt"), []string{"InvalidArnException", "ARN does not refer to a valid principal"}},
		{"both constraint kinds", ownerConfig, func() map[string]any {
			in := grantInputsFor(appRoleARN, "Decrypt")
			in["constraints"] = []any{map[string]any{"encryptionContextEquals": map[string]any{"a": "b"}, "encryptionContextSubset": map[string]any{"c": "d"}}}
			return in
		}(), []string{"A grant constraint can't have both encryption_context_equals and encryption_context_subset set"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, keys)
			srv := f.provider("p", tc.provider)
			_, err := f.create(srv, typeKMSGrant, "g", tc.inputs)
			wantError(t, err, tc.want...)
			for id, k := range f.world().Keys {
				if len(k.Grants) > 0 {
					t.Errorf("key %s got a grant: %+v", id, k.Grants)
				}
			}
		})
	}
}

func TestGrantCheckAndDiff(t *testing.T) {
	f := newFixture(t, keys)
	in := grantInputsFor(appRoleARN, "Decrypt")
	delete(in, "retireOnDelete")
	in["operations"] = []any{"Decrypt", "Fly"}
	resp, err := f.server().Check(context.Background(), &pulumirpc.CheckRequest{Urn: string(urn(typeKMSGrant, "g")), News: f.marshal(in)})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Failures) != 1 || resp.Failures[0].Property != "operations" || !strings.Contains(resp.Failures[0].Reason, "expected operations.1 to be one of") {
		t.Errorf("failures %v", resp.Failures)
	}
	if v := f.unmarshal(resp.Inputs)["retireOnDelete"]; !v.IsBool() || v.BoolValue() {
		t.Errorf("retireOnDelete default not filled in: %v", v)
	}

	olds := grantInputsFor(appRoleARN, "Decrypt", "GenerateDataKey")
	for k, v := range map[string]any{
		"keyId":               keyARNOf(owner, region, "2222bbbb-22bb-22bb-22bb-222222bbbbbb"),
		"granteePrincipal":    batchRoleARN,
		"name":                "other",
		"operations":          []any{"Decrypt"},
		"constraints":         []any{},
		"retireOnDelete":      true,
		"retiringPrincipal":   appRoleARN,
		"grantCreationTokens": []any{"token"},
	} {
		news := maps.Clone(olds)
		news[k] = v
		d := f.diff(typeKMSGrant, olds, news)
		if !slices.Equal(d.Replaces, []string{k}) {
			t.Errorf("changing %s: replaces %v, want [%s]", k, d.Replaces, k)
		}
	}
	reordered := maps.Clone(olds)
	reordered["operations"] = []any{"GenerateDataKey", "Decrypt"}
	if d := f.diff(typeKMSGrant, olds, reordered); d.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("reordered operations: %v %v", d.Changes, d.Diffs)
	}
}

// A grant whose role was deleted shows the role's unique ID as grantee on refresh.
func TestGrantOfADeletedRole(t *testing.T) {
	f := newFixture(t, keys)
	srv := f.provider("owner", ownerConfig)
	created := f.mustCreate(srv, typeKMSGrant, "g", grantInputsFor(appRoleARN, "Decrypt"))
	if err := world.Update(f.worldPath, func(w *world.World) error {
		w.Roles[consumer] = slices.DeleteFunc(w.Roles[consumer], func(r string) bool { return r == "app" })
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	read, err := f.read(srv, typeKMSGrant, "g", created.Id, created.Properties)
	if err != nil {
		t.Fatal(err)
	}
	if got := getString(f.unmarshal(read.Properties), "granteePrincipal"); got != (&world.World{}).RoleUniqueID(consumer, "app") {
		t.Errorf("grantee after the role was deleted: %q", got)
	}
}

func TestGetKey(t *testing.T) {
	for _, tc := range []struct {
		name, ref, provider string
		wantID, wantErr     string
	}{
		{"by ID", keyID, "owner", keyID, ""},
		{"by ARN", keyARN, "owner", keyID, ""},
		{"by alias", "alias/shared-data", "owner", keyID, ""},
		{"by alias ARN", "arn:aws:kms:eu-west-1:" + owner + ":alias/shared-data", "owner", keyID, ""},
		{"the AWS managed key by alias", "alias/aws/s3", "owner", awsS3KeyID, ""},
		{"unknown", "7777aaaa-77aa-77aa-77aa-777777aaaaaa", "owner", "", "NotFoundException: Key 'arn:aws:kms:eu-west-1:111111111111:key/7777aaaa-77aa-77aa-77aa-777777aaaaaa' does not exist"},
		{"unknown alias", "alias/nope", "owner", "", "NotFoundException: Alias arn:aws:kms:eu-west-1:111111111111:alias/nope is not found."},
		{"another Region", keyARNOf(owner, "us-east-1", "5555eeee-55ee-55ee-55ee-555555eeeeee"), "owner", "", "NotFoundException"},
		{"another account's key, by the owner", keyARNOf(other, region, "6666ffff-66ff-66ff-66ff-666666ffffff"), "owner", "", "AccessDeniedException"},
		{"the owner's key by ID, from the consumer account", keyID, "consumer", "", "NotFoundException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, keys)
			cfg := ownerConfig
			if tc.provider == "consumer" {
				cfg = consumerConfig
			}
			out, err := f.invoke(f.provider(tc.provider, cfg), getKeyTok, map[string]any{"keyId": tc.ref})
			if tc.wantErr != "" {
				wantError(t, err, "reading KMS Key ("+tc.ref+")", "DescribeKey", tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := getString(out, "id"); got != tc.wantID {
				t.Errorf("id %q, want %q", got, tc.wantID)
			}
			if op := f.lastOp(); op.Physical != world.KeyPhysical(tc.wantID) || op.Type != getKeyTok {
				t.Errorf("op %+v", op)
			}
		})
	}
	f := newFixture(t, keys)
	srv := f.provider("owner", ownerConfig)
	for id, want := range map[string]map[string]any{
		keyID:                                  {"keyManager": "CUSTOMER", "keySpec": "SYMMETRIC_DEFAULT", "keyState": "Enabled", "keyUsage": "ENCRYPT_DECRYPT", "enabled": true, "arn": keyARN, "awsAccountId": owner},
		awsS3KeyID:                             {"keyManager": "AWS", "keyState": "Enabled"},
		"2222bbbb-22bb-22bb-22bb-222222bbbbbb": {"keyState": "Disabled", "enabled": false},
		"3333cccc-33cc-33cc-33cc-333333cccccc": {"keyState": "PendingDeletion", "enabled": false},
		"4444dddd-44dd-44dd-44dd-444444dddddd": {"keySpec": "RSA_2048", "customerMasterKeySpec": "RSA_2048"},
	} {
		out, err := f.invoke(srv, getKeyTok, map[string]any{"keyId": id})
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range want {
			got := out[resource.PropertyKey(k)]
			if (got.IsBool() && got.BoolValue() != v) || (got.IsString() && got.StringValue() != v) || (!got.IsBool() && !got.IsString()) {
				t.Errorf("%s: %s = %v, want %v", id, k, got, v)
			}
		}
	}
}

func TestGetAlias(t *testing.T) {
	f := newFixture(t, keys)
	srv := f.provider("owner", ownerConfig)
	out, err := f.invoke(srv, getAliasTok, map[string]any{"name": "alias/aws/s3"})
	if err != nil {
		t.Fatal(err)
	}
	if getString(out, "targetKeyId") != awsS3KeyID || getString(out, "targetKeyArn") != keyARNOf(owner, region, awsS3KeyID) ||
		getString(out, "arn") != "arn:aws:kms:eu-west-1:"+owner+":alias/aws/s3" {
		t.Errorf("alias/aws/s3: %v", out)
	}
	_, err = f.invoke(srv, getAliasTok, map[string]any{"name": "alias/nope"})
	wantError(t, err, "reading KMS Alias (alias/nope): empty result")
	_, err = f.invoke(f.provider("consumer", consumerConfig), getAliasTok, map[string]any{"name": "alias/shared-data"})
	wantError(t, err, "empty result")
}

// Without a name, every create makes a new grant, so a replacement overlaps instead of revoking
// the grant it got back (see spec.KeyGrant).
func TestUnnamedGrantsAreNeverShared(t *testing.T) {
	f := newFixture(t, keys)
	srv := f.provider("owner", ownerConfig)
	in := grantInputsFor(appRoleARN, "Decrypt")
	delete(in, "name")
	a := f.mustCreate(srv, typeKMSGrant, "a", in)
	b := f.mustCreate(srv, typeKMSGrant, "b", in)
	if a.Id == b.Id || len(f.world().Keys[keyID].Grants) != 2 {
		t.Fatalf("two unnamed creates: %s, %s, %d grants", a.Id, b.Id, len(f.world().Keys[keyID].Grants))
	}
	if err := f.delete(srv, typeKMSGrant, "a", a.Id, a.Properties, in); err != nil {
		t.Fatal(err)
	}
	if gs := f.world().Keys[keyID].Grants; len(gs) != 1 || keyARN+":"+gs[0].ID != b.Id {
		t.Errorf("after deleting the first: %+v", gs)
	}
}
