package spec

import (
	"strings"
	"testing"
)

const testKeyARN = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"

func TestParseKMSKeyARN(t *testing.T) {
	k, ok := ParseKMSKeyARN(testKeyARN)
	if !ok || k.Partition != "aws" || k.Region != "eu-west-1" || k.AccountID != "111111111111" || k.KeyID != "1234abcd-12ab-34cd-56ef-1234567890ab" || k.MultiRegion() || k.String() != testKeyARN {
		t.Errorf("got %+v %v", k, ok)
	}
	mrk := "arn:aws-cn:kms:cn-north-1:111111111111:key/mrk-0123456789abcdef0123456789abcdef"
	if k, ok := ParseKMSKeyARN(mrk); !ok || !k.MultiRegion() || k.Partition != "aws-cn" || k.String() != mrk {
		t.Errorf("multi-Region key: %+v %v", k, ok)
	}
	for _, bad := range []string{
		"", "1234abcd-12ab-34cd-56ef-1234567890ab", "alias/shared", "alias/aws/s3",
		"arn:aws:kms:eu-west-1:111111111111:alias/shared",
		"arn:aws:kms:eu-west-1:111111111111:key/1234ABCD-12AB-34CD-56EF-1234567890AB", // key IDs are lowercase
		"arn:aws:kms:eu-west-1:11111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"arn:aws:kms:eu-west-1:111111111111:key/mrk-0123",
		"arn:aws:s3:::bucket",
		testKeyARN + "/extra",
	} {
		if _, ok := ParseKMSKeyARN(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestS3ViaServiceFollowsThePartition(t *testing.T) {
	for region, want := range map[string]string{
		"eu-west-1":      "s3.eu-west-1.amazonaws.com",
		"us-gov-west-1":  "s3.us-gov-west-1.amazonaws.com",
		"cn-north-1":     "s3.cn-north-1.amazonaws.com.cn",
		"eusc-de-east-1": "s3.eusc-de-east-1.amazonaws.eu",
		"us-isob-east-1": "s3.us-isob-east-1.sc2s.sgov.gov",
	} {
		if got := S3ViaService(region); got != want {
			t.Errorf("%s: %s, want %s", region, got, want)
		}
	}
}

func kmsSpec(key string) Spec {
	s := validSpec()
	s.Bucket.Encryption = Encryption{KMSKeyARN: key}
	return s
}

func TestAValidKeyIsAccepted(t *testing.T) {
	for _, key := range []string{testKeyARN, "arn:aws:kms:eu-west-1:111111111111:key/mrk-0123456789abcdef0123456789abcdef"} {
		s := kmsSpec(key)
		s.Bucket.Encryption.BucketKey = true
		if ps := s.Validate(); len(ps) > 0 {
			t.Errorf("%s: %v", key, ps)
		}
	}
}

const customerManagedAdvice = `Use a customer managed key instead: create a symmetric key in account 111111111111 and Region eu-west-1 (aws kms create-key), make it the bucket's default encryption, ` +
	`copy the existing objects onto themselves so that S3 re-encrypts them under it, and set bucket.kmsKeyArn to its key ARN (arn:aws:kms:eu-west-1:111111111111:key/...)`

// Each refused key, alone, with the exact message: before any resource is registered.
func TestEachRefusedKeyHasItsMessage(t *testing.T) {
	awsManaged := func(what string) string {
		return `bucket.kmsKeyArn: ` + what + ` is the AWS managed key for S3 (aws/s3), which no other account can use: its key policy is AWS's, lets only principals of account 111111111111 use it, through S3, and cannot be changed. ` + customerManagedAdvice
	}
	for _, tc := range []struct {
		key, want string
	}{
		{"alias/aws/s3", awsManaged(`"alias/aws/s3"`)},
		{"aws/s3", awsManaged(`"aws/s3"`)},
		{"arn:aws:kms:eu-west-1:111111111111:alias/aws/s3", awsManaged(`"arn:aws:kms:eu-west-1:111111111111:alias/aws/s3"`)},
		{"alias/shared-data", `bucket.kmsKeyArn: "alias/shared-data" is an alias; give the key ARN it points to (in account 111111111111: aws kms describe-key --key-id alias/shared-data --query KeyMetadata.Arn). ` +
			`An alias can be pointed at another key at any time, and S3 resolves an alias in the account of whoever makes the request, so for a consumer it would name a key of the consumer's account`},
		{"arn:aws:kms:eu-west-1:111111111111:alias/shared-data", `bucket.kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:alias/shared-data" is an alias; give the key ARN it points to (in account 111111111111: aws kms describe-key --key-id alias/shared-data --query KeyMetadata.Arn). ` +
			`An alias can be pointed at another key at any time, and S3 resolves an alias in the account of whoever makes the request, so for a consumer it would name a key of the consumer's account`},
		{"1234abcd-12ab-34cd-56ef-1234567890ab", `bucket.kmsKeyArn: "1234abcd-12ab-34cd-56ef-1234567890ab" is a key ID; give the full key ARN, arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab: a key of another account can only be named by its ARN`},
		{"arn:aws:kms:eu-west-1:111111111111:key/shared", `bucket.kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/shared" is not a KMS key ARN; use the form arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab`},
		{"arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab", `bucket.kmsKeyArn: key arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab is in account 333333333333, not in bucket.accountId 111111111111: ` +
			`this stack gives the consumers the key through grants that the bucket account's provider creates, so the key must be the bucket account's (the one its default encryption names)`},
		{"arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab", `bucket.kmsKeyArn: key arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab is in Region us-east-1, not in bucket.region eu-west-1: ` +
			`S3 encrypts a bucket's objects only with a key of the bucket's own Region, so give the key of eu-west-1 (for a multi-Region key, its replica there)`},
		{"arn:aws:kms:us-east-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab", `bucket.kmsKeyArn: key arn:aws:kms:us-east-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab is in account 333333333333, not in bucket.accountId 111111111111: ` +
			`this stack gives the consumers the key through grants that the bucket account's provider creates, so the key must be the bucket account's (the one its default encryption names); ` +
			`and it is in Region us-east-1, not in bucket.region eu-west-1: S3 encrypts a bucket's objects only with a key of the bucket's own Region, so give the key of eu-west-1 (for a multi-Region key, its replica there)`},
		{"arn:aws-cn:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab", `bucket.kmsKeyArn: key arn:aws-cn:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab is in partition aws-cn but Region eu-west-1 is in aws; write arn:aws:kms:...`},
	} {
		t.Run(tc.key, func(t *testing.T) {
			if got := kmsSpec(tc.key).Validate(); len(got) != 1 || got[0].String() != tc.want {
				t.Errorf("got %v\nwant %s", got, tc.want)
			}
		})
	}
}

func TestBucketKeyWithoutAKeyIsRefused(t *testing.T) {
	s := validSpec()
	s.Bucket.Encryption.BucketKey = true
	want := "bucket.keyEnabled: is only used with bucket.kmsKeyArn; remove it, or set bucket.kmsKeyArn to the key ARN of the bucket's SSE-KMS key"
	if got := s.Validate(); len(got) != 1 || got[0].String() != want {
		t.Errorf("got %v\nwant %s", got, want)
	}
}

// A bucket account ID or Region that is itself wrong is reported once, under its own key: the
// key's check does not compare against it.
func TestAKeyIsNotComparedWithAnInvalidBucketAccountOrRegion(t *testing.T) {
	s := kmsSpec(testKeyARN)
	s.Bucket.Account.ID, s.Bucket.Account.Region = "1111", "eu-west-9"
	for _, p := range s.Validate() {
		if p.Key == PathBucketKMSKeyARN {
			t.Errorf("key reported: %s", p)
		}
	}
}

func goodFacts() KeyFacts {
	return KeyFacts{Arn: testKeyARN, AwsAccountId: "111111111111", Enabled: true, KeyManager: KeyManagerCustomer,
		KeySpec: KeySpecSymmetric, KeyState: KeyStateEnabled, KeyUsage: KeyUsageEncrypt}
}

func TestCheckKey(t *testing.T) {
	b := kmsSpec(testKeyARN).Bucket
	if ps := CheckKey(b, goodFacts()); len(ps) > 0 {
		t.Fatalf("a good key: %v", ps)
	}
	for _, tc := range []struct {
		name   string
		change func(k *KeyFacts)
		want   string
	}{
		{"AWS managed", func(k *KeyFacts) { k.KeyManager = KeyManagerAWS },
			`bucket.kmsKeyArn: key ` + testKeyARN + ` is the AWS managed key for S3 (aws/s3), which no other account can use: its key policy is AWS's, lets only principals of account 111111111111 use it, through S3, and cannot be changed. ` + customerManagedAdvice},
		{"disabled", func(k *KeyFacts) { k.Enabled, k.KeyState = false, KeyStateDisabled },
			`bucket.kmsKeyArn: key ` + testKeyARN + ` is Disabled, not Enabled: S3 can neither encrypt nor decrypt with it, so every read and write of the bucket's objects would fail; enable it in the bucket account (aws kms enable-key --key-id ` + testKeyARN + `)`},
		{"pending deletion", func(k *KeyFacts) { k.Enabled, k.KeyState = false, KeyStatePendingDel },
			`bucket.kmsKeyArn: key ` + testKeyARN + ` is PendingDeletion, not Enabled: S3 can neither encrypt nor decrypt with it, so every read and write of the bucket's objects would fail; cancel its deletion and enable it in the bucket account (aws kms cancel-key-deletion --key-id ` + testKeyARN + `, then aws kms enable-key)`},
		{"asymmetric", func(k *KeyFacts) { k.KeySpec, k.KeyUsage = "RSA_2048", KeyUsageEncrypt },
			`bucket.kmsKeyArn: key ` + testKeyARN + ` has key spec RSA_2048 and key usage ENCRYPT_DECRYPT; S3 uses only symmetric encryption keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT), so give one of those`},
		{"HMAC", func(k *KeyFacts) { k.KeySpec, k.KeyUsage = "HMAC_256", "GENERATE_VERIFY_MAC" },
			`bucket.kmsKeyArn: key ` + testKeyARN + ` has key spec HMAC_256 and key usage GENERATE_VERIFY_MAC; S3 uses only symmetric encryption keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT), so give one of those`},
		{"another Region, resolved", func(k *KeyFacts) { k.Arn = strings.Replace(testKeyARN, "eu-west-1", "us-east-1", 1) },
			`bucket.kmsKeyArn: key arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab is in Region us-east-1, not in bucket.region eu-west-1: S3 encrypts a bucket's objects only with a key of the bucket's own Region, so give the key of eu-west-1 (for a multi-Region key, its replica there)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := goodFacts()
			tc.change(&k)
			if got := CheckKey(b, k); len(got) != 1 || got[0].String() != tc.want {
				t.Errorf("got %v\nwant %s", got, tc.want)
			}
		})
	}
}

// The layout names each role's grant after the role's account and name, never after the consumer:
// renaming or reordering consumers changes no grant, and a consumer whose access uses no key
// gets none.
func TestKeyGrantsInTheLayoutFollowTheRoles(t *testing.T) {
	s := kmsSpec(testKeyARN)
	s.Consumers[0].RoleARNs = []string{"arn:aws:iam::222222222222:role/web", "arn:aws:iam::222222222222:role/batch"}
	got := s.Layout().KeyGrants
	var names []string
	for _, g := range got {
		names = append(names, g.Name+" "+g.RoleARN+" "+strings.Join(g.Operations, ","))
	}
	want := []string{
		"key-grant-222222222222-batch arn:aws:iam::222222222222:role/batch Decrypt,GenerateDataKey",
		"key-grant-222222222222-web arn:aws:iam::222222222222:role/web Decrypt,GenerateDataKey",
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	renamed := s
	renamed.Consumers = append([]Consumer{}, s.Consumers...)
	renamed.Consumers[0].Name = "renamed"
	if a, b := renamed.Layout().KeyGrants, got; len(a) != len(b) || a[0].Name != b[0].Name || a[1].Name != b[1].Name {
		t.Errorf("renaming the consumer renamed grants: %v", a)
	}
	noKey := s
	noKey.Consumers = append([]Consumer{}, s.Consumers...)
	noKey.Consumers[0].Access = Access{Actions: []string{"s3:DeleteObject"}}
	if g := noKey.Layout().KeyGrants; len(g) != 0 {
		t.Errorf("an access without key actions got grants: %v", g)
	}
	s.Bucket.Encryption = Encryption{}
	if g := s.Layout().KeyGrants; len(g) != 0 {
		t.Errorf("a bucket without a key got grants: %v", g)
	}
}
