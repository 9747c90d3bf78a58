package spec

import "fmt"

// KeyFacts is what a lookup of the bucket's key tells: pulumi-aws kms.LookupKey (the function
// aws:kms/getKey:getKey, KMS DescribeKey underneath), with LookupKeyResult's field names. It is
// read with the bucket account's provider before anything is registered.
type KeyFacts struct {
	Arn          string
	AwsAccountId string
	Enabled      bool
	// KeyManager is "CUSTOMER" or "AWS" (an AWS managed key such as aws/s3).
	KeyManager string
	// KeySpec is e.g. "SYMMETRIC_DEFAULT", "RSA_2048", "HMAC_256".
	KeySpec string
	// KeyState is e.g. "Enabled", "Disabled", "PendingDeletion", "PendingImport", "Unavailable".
	KeyState string
	// KeyUsage is e.g. "ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC".
	KeyUsage string
}

// KMS's values for KeyFacts.
const (
	KeyManagerCustomer  = "CUSTOMER"
	KeyManagerAWS       = "AWS"
	KeySpecSymmetric    = "SYMMETRIC_DEFAULT"
	KeyUsageEncrypt     = "ENCRYPT_DECRYPT"
	KeyStateEnabled     = "Enabled"
	KeyStateDisabled    = "Disabled"
	KeyStatePendingDel  = "PendingDeletion"
	KeyStatePendingImpt = "PendingImport"
)

// CheckKey is the preflight of the bucket's key, on the facts a lookup returned: a customer
// managed key ("AWS" keys cannot be shared, see AWSManagedKeyMessage), enabled (S3 can use no
// other: a disabled key fails every GenerateDataKey and Decrypt), symmetric for encryption
// ("Amazon S3 only supports symmetric encryption KMS keys", S3 API Reference,
// ServerSideEncryptionByDefault.KMSMasterKeyID), and, by its resolved ARN, of the bucket's
// account and Region. Problems are reported under bucket.kmsKeyArn.
func CheckKey(b BucketOwner, k KeyFacts) Problems {
	var ps Problems
	name := k.Arn
	if name == "" {
		name = b.Encryption.KMSKeyARN
	}
	if k.KeyManager != KeyManagerCustomer {
		if k.KeyManager == KeyManagerAWS {
			ps.add(PathBucketKMSKeyARN, "%s", AWSManagedKeyMessage("key "+name, b))
		} else {
			ps.add(PathBucketKMSKeyARN, "key %s is managed by %q, not by you (CUSTOMER); only a customer managed key can be shared with other accounts", name, k.KeyManager)
		}
	}
	if k.KeyState != KeyStateEnabled || !k.Enabled {
		ps.add(PathBucketKMSKeyARN, "key %s is %s, not Enabled: S3 can neither encrypt nor decrypt with it, so every read and write of the bucket's objects would fail; %s",
			name, orUnknown(k.KeyState), enableHint(k.KeyState, name))
	}
	if k.KeySpec != KeySpecSymmetric || k.KeyUsage != KeyUsageEncrypt {
		ps.add(PathBucketKMSKeyARN, "key %s has key spec %s and key usage %s; S3 uses only symmetric encryption keys (%s, %s), so give one of those",
			name, orUnknown(k.KeySpec), orUnknown(k.KeyUsage), KeySpecSymmetric, KeyUsageEncrypt)
	}
	if _, ok := ParseKMSKeyARN(k.Arn); ok {
		if msg := kmsKeyProblem(b, k.Arn); msg != "" {
			ps.add(PathBucketKMSKeyARN, "%s", msg)
		}
	}
	return ps
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

func enableHint(state, key string) string {
	switch state {
	case KeyStateDisabled:
		return fmt.Sprintf("enable it in the bucket account (aws kms enable-key --key-id %s)", key)
	case KeyStatePendingDel:
		return fmt.Sprintf("cancel its deletion and enable it in the bucket account (aws kms cancel-key-deletion --key-id %s, then aws kms enable-key)", key)
	case KeyStatePendingImpt:
		return "import its key material first"
	}
	return "wait until it is Enabled, or give another key"
}
