package main

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"cross-account-s3/testworld/world"
)

// KMS as pulumi-aws v6.83.4 (terraform-provider-aws underneath) shows it: the aws_kms_grant
// resource (internal/service/kms/grant.go) and the aws_kms_key / aws_kms_alias data sources
// (key_data_source.go, alias_data_source.go), against the world's keys. API errors are worded as
// KMS answers them; where the exact wording could not be checked, the exception name is KMS's
// and the message is close to it.

var (
	kmsKeyARN   = regexp.MustCompile(`^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key/(.+)$`)
	kmsAliasARN = regexp.MustCompile(`^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(alias/.+)$`)
)

// grantOperations is KMS's GrantOperation enum (aws-sdk-go-v2 service/kms/types), which
// terraform validates the operations input against.
var grantOperations = []string{
	"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo",
	"Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey", "GenerateDataKeyPair",
	"GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac", "DeriveSharedSecret",
}

// notForSymmetricKeys are the grant operations a symmetric encryption key does not support: "grants
// for symmetric encryption KMS keys cannot allow the Sign, Verify, GenerateMac or VerifyMac
// operations" (docs.aws.amazon.com/kms/latest/developerguide/grants.html), nor the asymmetric-only
// GetPublicKey and DeriveSharedSecret.
var notForSymmetricKeys = []string{"Sign", "Verify", "GenerateMac", "VerifyMac", "GetPublicKey", "DeriveSharedSecret"}

func kmsError(what, api, code, message string) error {
	return awsError(what, "KMS", api, 400, code, message)
}

// resolveKey finds the key a KeyId names for this provider: a key ID or alias name in the
// provider's account and Region, or a key or alias ARN (KMS is regional: an ARN of another Region
// is not found; another account's key is refused, since no key policy in this world trusts
// another account). It returns the key ID, the key, and the KMS error code and message.
func resolveKey(w *world.World, cfg providerConfig, ref, api string) (string, world.Key, string, string) {
	account, region, rest := cfg.Account, cfg.Region, ref
	if m := kmsKeyARN.FindStringSubmatch(ref); m != nil {
		region, account, rest = m[1], m[2], m[3]
	} else if m := kmsAliasARN.FindStringSubmatch(ref); m != nil {
		region, account, rest = m[1], m[2], m[3]
	}
	notFound := func() (string, world.Key, string, string) {
		if strings.HasPrefix(rest, "alias/") {
			return "", world.Key{}, "NotFoundException", fmt.Sprintf("Alias %s is not found.", world.AliasARN(account, region, rest))
		}
		return "", world.Key{}, "NotFoundException", fmt.Sprintf("Key '%s' does not exist", world.Key{Account: account, Region: region}.KeyARN(rest))
	}
	if region != cfg.Region {
		return notFound()
	}
	id := rest
	if strings.HasPrefix(rest, "alias/") {
		target, ok := w.Aliases[world.AliasKey(account, region, rest)]
		if !ok {
			return notFound()
		}
		id = target
	}
	k, ok := w.Keys[id]
	if !ok || k.Account != account || k.Region != region {
		return notFound()
	}
	if account != cfg.Account {
		return "", world.Key{}, "AccessDeniedException", fmt.Sprintf("User: arn:aws:sts::%s:assumed-role/deployer/session is not authorized to perform: kms:%s on resource: %s because no resource-based policy allows the kms:%s action",
			cfg.Account, api, k.KeyARN(id), api)
	}
	return id, k, "", ""
}

// grantInputs are a grant's inputs, as the resource takes them.
type grantInputs struct {
	keyRef, grantee, retiring, name string
	operations, creationTokens      []string
	equals, subset                  map[string]string
	retireOnDelete                  bool
}

func readGrantInputs(m resource.PropertyMap) grantInputs {
	g := grantInputs{
		keyRef: str(m, "keyId"), grantee: str(m, "granteePrincipal"), retiring: str(m, "retiringPrincipal"),
		name: str(m, "name"), operations: sortedSet(strs(m, "operations")), creationTokens: strs(m, "grantCreationTokens"),
	}
	g.retireOnDelete, _ = getPlain(m, "retireOnDelete").(bool)
	list, _ := decodeJSONString(getPlain(m, "constraints")).([]any)
	for _, c := range list {
		o, _ := c.(map[string]any)
		if e := toStringMap(o["encryptionContextEquals"]); len(e) > 0 {
			g.equals = e
		}
		if s := toStringMap(o["encryptionContextSubset"]); len(s) > 0 {
			g.subset = s
		}
	}
	return g
}

// checkGrant is what terraform checks of a grant's inputs before any call (the bridge reports
// these in Check): operations from KMS's enum.
func checkGrant(news resource.PropertyMap) []string {
	var reasons []string
	for i, op := range strs(news, "operations") {
		if !slices.Contains(grantOperations, op) {
			reasons = append(reasons, fmt.Sprintf("expected operations.%d to be one of %q, got %s", i, grantOperations, op))
		}
	}
	return reasons
}

// grantID is the resource ID terraform gives a grant: "<keyId as given>:<grant ID>".
func grantResourceID(keyRef, grantID string) string { return keyRef + ":" + grantID }

// parseGrantResourceID splits a grant's resource ID as terraform does (a key ARN holds colons).
func parseGrantResourceID(id string) (string, string, bool) {
	if i := strings.LastIndex(id, ":"); i > 0 {
		return id[:i], id[i+1:], true
	}
	return "", "", false
}

func grantToken(grantID string) string {
	sum := sha256.Sum256([]byte("grant-token/" + grantID))
	return "AQpAM" + base64.RawStdEncoding.EncodeToString(append(sum[:], sum[:]...))
}

func createGrant(w *world.World, cfg providerConfig, news resource.PropertyMap) (result, error) {
	in := readGrantInputs(news)
	fail := func(code, message string) (result, error) {
		return result{}, kmsError(fmt.Sprintf("creating KMS Grant for Key (%s)", in.keyRef), "CreateGrant", code, message)
	}
	if in.equals != nil && in.subset != nil {
		// terraform's own check (grantConstraintsIsValid), before the API refuses "More than one
		// constraint supplied". Terraform's words, capital included.
		//lint:ignore ST1005 terraform-provider-aws's message, verbatim
		return result{}, fmt.Errorf("A grant constraint can't have both encryption_context_equals and encryption_context_subset set")
	}
	keyID, key, code, msg := resolveKey(w, cfg, in.keyRef, "CreateGrant")
	if code != "" {
		return fail(code, msg)
	}
	arn := key.KeyARN(keyID)
	switch {
	case key.Manager == world.KeyManagerAWS:
		return fail("AccessDeniedException", fmt.Sprintf("User: arn:aws:sts::%s:assumed-role/deployer/session is not authorized to perform: kms:CreateGrant on resource: %s because no resource-based policy allows the kms:CreateGrant action", cfg.Account, arn))
	case key.PendingDeletion:
		return fail("KMSInvalidStateException", fmt.Sprintf("%s is pending deletion.", arn))
	case !key.Enabled:
		return fail("DisabledException", fmt.Sprintf("%s is disabled.", arn))
	}
	if len(in.operations) == 0 {
		return fail("ValidationException", "1 validation error detected: Value null at 'operations' failed to satisfy constraint: Member must not be null")
	}
	if key.Spec == world.KeySpecSymmetric {
		for _, op := range in.operations {
			if slices.Contains(notForSymmetricKeys, op) {
				return fail("ValidationException", fmt.Sprintf("Grant operation %s is not supported for a key with KeySpec %s", op, key.Spec))
			}
		}
	} else if in.equals != nil || in.subset != nil {
		return fail("ValidationException", fmt.Sprintf("Encryption context grant constraints are not supported for a key with KeySpec %s", key.Spec))
	}
	if m := roleARN.FindStringSubmatch(in.grantee); m == nil || !w.HasRole(m[1], m[2]) {
		if !regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:root$`).MatchString(in.grantee) {
			return fail("InvalidArnException", "ARN does not refer to a valid principal: "+in.grantee)
		}
	}
	// CreateGrant is idempotent for a named grant: the same name and parameters return the grant
	// that exists.
	for _, g := range key.Grants {
		if in.name != "" && g.Name == in.name && g.GranteePrincipal == in.grantee && slices.Equal(g.Operations, in.operations) &&
			mapsEqual(g.EncryptionContextEquals, in.equals) && mapsEqual(g.EncryptionContextSubset, in.subset) && g.RetiringPrincipal == in.retiring {
			return grantResult(in, keyID, g), nil
		}
	}
	g := world.Grant{
		ID: w.NewHex("grant", 64), Name: in.name, GranteePrincipal: in.grantee, RetiringPrincipal: in.retiring,
		Operations: in.operations, EncryptionContextEquals: in.equals, EncryptionContextSubset: in.subset, IssuingAccount: cfg.Account,
	}
	key.Grants = append(key.Grants, g)
	w.Keys[keyID] = key
	return grantResult(in, keyID, g), nil
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// grantResult is what terraform's Read sets: the grant as ListGrants shows it, the key ID as the
// ID names it, and the inputs KMS does not return (retire_on_delete, grant_creation_tokens) as
// given.
func grantResult(in grantInputs, keyID string, g world.Grant) result {
	constraints := []any{}
	if g.EncryptionContextEquals != nil || g.EncryptionContextSubset != nil {
		c := map[string]any{}
		if g.EncryptionContextEquals != nil {
			c["encryptionContextEquals"] = g.EncryptionContextEquals
		}
		if g.EncryptionContextSubset != nil {
			c["encryptionContextSubset"] = g.EncryptionContextSubset
		}
		constraints = append(constraints, c)
	}
	tokens := []any{}
	for _, t := range in.creationTokens {
		tokens = append(tokens, t)
	}
	ops := []any{}
	for _, op := range g.Operations {
		ops = append(ops, op)
	}
	id := grantResourceID(in.keyRef, g.ID)
	outs := outputs(map[string]any{
		"id": id, "grantId": g.ID, "keyId": in.keyRef, "granteePrincipal": g.GranteePrincipal, "name": g.Name,
		"operations": ops, "constraints": constraints, "retiringPrincipal": g.RetiringPrincipal,
		"retireOnDelete": in.retireOnDelete, "grantCreationTokens": tokens,
	})
	outs["grantToken"] = resource.MakeSecret(resource.NewStringProperty(grantToken(g.ID)))
	ins := outputs(map[string]any{"keyId": in.keyRef, "granteePrincipal": g.GranteePrincipal, "operations": ops, "retireOnDelete": in.retireOnDelete})
	if g.Name != "" {
		ins["name"] = resource.NewStringProperty(g.Name)
	}
	if len(constraints) > 0 {
		ins["constraints"] = outs["constraints"]
	}
	if g.RetiringPrincipal != "" {
		ins["retiringPrincipal"] = resource.NewStringProperty(g.RetiringPrincipal)
	}
	return result{id: resource.ID(id), physical: world.GrantPhysical(keyID, g.ID), outputs: outs, inputs: ins}
}

// updateGrant never happens: every input of aws_kms_grant is ForceNew and the resource has no
// Update, so the engine replaces a changed grant.
func updateGrant(*world.World, providerConfig, resource.ID, resource.PropertyMap, resource.PropertyMap) (result, error) {
	return result{}, fmt.Errorf("fake pulumi-resource-aws: %s cannot be updated: every input forces a replacement (upstream aws_kms_grant has no Update)", typeKMSGrant)
}

// findGrant finds the grant of a resource ID (or of the inputs' key and the ID's grant ID).
func findGrant(w *world.World, cfg providerConfig, id resource.ID, olds resource.PropertyMap, api string) (string, world.Key, int, string, string) {
	keyRef, grantID, ok := parseGrantResourceID(string(id))
	if !ok {
		keyRef, grantID = str(olds, "keyId"), str(olds, "grantId")
	}
	keyID, key, code, msg := resolveKey(w, cfg, keyRef, api)
	if code != "" {
		return keyID, key, -1, code, msg
	}
	for i, g := range key.Grants {
		if g.ID == grantID {
			return keyID, key, i, "", ""
		}
	}
	return keyID, key, -1, "NotFoundException", fmt.Sprintf("Grant ID %s not found", grantID)
}

// deleteGrant revokes the grant (RevokeGrant, by the key's account), or retires it with
// retireOnDelete (RetireGrant). A grant or key that is gone counts as deleted, as upstream ignores
// NotFoundException.
func deleteGrant(w *world.World, cfg providerConfig, id resource.ID, olds resource.PropertyMap) (string, error) {
	retire, _ := getPlain(olds, "retireOnDelete").(bool)
	api := "RevokeGrant"
	if retire {
		api = "RetireGrant"
	}
	keyID, key, i, code, msg := findGrant(w, cfg, id, olds, api)
	_, grantID, _ := parseGrantResourceID(string(id))
	physical := world.GrantPhysical(keyID, grantID)
	switch {
	case code == "NotFoundException":
		return physical, nil
	case code != "":
		return physical, kmsError(fmt.Sprintf("deleting KMS Grant (%s)", id), api, code, msg)
	}
	if !retire && key.Account != cfg.Account {
		return physical, kmsError(fmt.Sprintf("deleting KMS Grant (%s)", id), api, "AccessDeniedException", "not authorized to perform: kms:RevokeGrant")
	}
	key.Grants = slices.Delete(key.Grants, i, i+1)
	w.Keys[keyID] = key
	return physical, nil
}

// readGrant is terraform's Read: ListGrants on the key. A grant whose grantee role no longer exists
// shows the role's unique ID as grantee, as KMS shows a deleted principal (terraform retries, then
// takes what ListGrants returns), so a refresh then shows a changed granteePrincipal.
func readGrant(w *world.World, cfg providerConfig, id resource.ID, olds resource.PropertyMap) (result, error) {
	keyID, key, i, code, msg := findGrant(w, cfg, id, olds, "ListGrants")
	_, grantID, _ := parseGrantResourceID(string(id))
	switch {
	case code == "NotFoundException":
		return result{physical: world.GrantPhysical(keyID, grantID)}, nil
	case code != "":
		return result{}, kmsError(fmt.Sprintf("reading KMS Grant (%s)", id), "ListGrants", code, msg)
	}
	g := key.Grants[i]
	if m := roleARN.FindStringSubmatch(g.GranteePrincipal); m != nil && !w.HasRole(m[1], m[2]) {
		g.GranteePrincipal = w.FormerRoleUniqueID(m[1], m[2])
	}
	in := readGrantInputs(olds)
	if keyRef, _, ok := parseGrantResourceID(string(id)); ok {
		in.keyRef = keyRef
	}
	return grantResult(in, keyID, g), nil
}

// getKey is the key lookup (DescribeKey): by key ID, key ARN, alias name or alias ARN.
func getKey(w *world.World, cfg providerConfig, args resource.PropertyMap) (map[string]any, string, error) {
	ref := str(args, "keyId")
	keyID, k, code, msg := resolveKey(w, cfg, ref, "DescribeKey")
	if code != "" {
		return nil, "", kmsError(fmt.Sprintf("reading KMS Key (%s)", ref), "DescribeKey", code, msg)
	}
	deletion := ""
	if k.PendingDeletion {
		deletion = "2030-01-01T00:00:00Z"
	}
	return map[string]any{
		"arn": k.KeyARN(keyID), "awsAccountId": k.Account, "cloudHsmClusterId": "", "creationDate": "2020-01-01T00:00:00Z",
		"customKeyStoreId": "", "customerMasterKeySpec": k.Spec, "deletionDate": deletion, "description": k.Description,
		"enabled": k.Enabled && !k.PendingDeletion, "expirationModel": "", "grantTokens": toAnys(strs(args, "grantTokens")),
		"id": keyID, "keyId": ref, "keyManager": k.Manager, "keySpec": k.Spec, "keyState": k.State(), "keyUsage": k.KeyUsage(),
		"multiRegion": strings.HasPrefix(keyID, "mrk-"), "multiRegionConfigurations": []any{}, "origin": "AWS_KMS",
		"pendingDeletionWindowInDays": 0, "validTo": "", "xksKeyConfigurations": []any{},
	}, world.KeyPhysical(keyID), nil
}

// getAlias is the alias lookup: ListAliases, then DescribeKey on the alias for its target.
func getAlias(w *world.World, cfg providerConfig, args resource.PropertyMap) (map[string]any, string, error) {
	name := str(args, "name")
	if !regexp.MustCompile(`^alias/[0-9A-Za-z_/-]+$`).MatchString(name) {
		return nil, "", fmt.Errorf("invalid value for name (must begin with 'alias/' and be comprised of only [0-9A-Za-z_/-])")
	}
	target, ok := w.Aliases[world.AliasKey(cfg.Account, cfg.Region, name)]
	if !ok {
		return nil, "", fmt.Errorf("reading KMS Alias (%s): empty result", name)
	}
	k := w.Keys[target]
	arn := world.AliasARN(cfg.Account, cfg.Region, name)
	return map[string]any{"arn": arn, "id": arn, "name": name, "targetKeyArn": k.KeyARN(target), "targetKeyId": target},
		world.KeyPhysical(target), nil
}

func toAnys(ss []string) []any {
	out := []any{}
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}
