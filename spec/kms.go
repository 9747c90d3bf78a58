package spec

import (
	"fmt"
	"regexp"
	"strings"
)

// Encryption is how the bucket's objects are encrypted, as far as this stack needs to know: the
// customer managed KMS key of its SSE-KMS default encryption, or nothing (SSE-S3, which needs no
// permission beyond S3's own). There is one key per bucket and no per-consumer override: S3
// encrypts every object of the bucket with its default key, whoever writes it.
type Encryption struct {
	// KMSKeyARN is the key ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID) of a symmetric customer
	// managed key in the bucket's account and Region; "" for a bucket without SSE-KMS.
	KMSKeyARN string
	// BucketKey says the bucket uses an S3 Bucket Key. S3 then passes the bucket's ARN as the
	// encryption context aws:s3:arn, instead of each object's ARN ("If you use SSE-KMS without
	// enabling an S3 Bucket Key, the object ARN is used as the encryption context ... If you use
	// SSE-KMS and enable an S3 Bucket Key, the bucket ARN is used as the encryption context",
	// docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context).
	// Only then can a KMS grant be limited to this bucket: grant constraints match encryption
	// context values exactly, without wildcards.
	BucketKey bool
}

// KMS reports whether the bucket is encrypted with a customer managed key this stack must share.
func (e Encryption) KMS() bool { return e.KMSKeyARN != "" }

// Paths of Encryption's fields, in problems and messages (the config layer names the keys).
const (
	PathBucketKMSKeyARN  = "bucket.kmsKeyArn"
	PathBucketKeyEnabled = "bucket.keyEnabled"
	exampleKeyID         = "1234abcd-12ab-34cd-56ef-1234567890ab"
	awsManagedS3Alias    = "alias/aws/s3"
	kmsKeyIDPatternText  = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}`
	kmsPartitionsPattern = `aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc`
)

// Key IDs are a UUID, or "mrk-" and 32 hex digits for a multi-Region key
// (docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id; the same two forms as
// terraform-provider-aws internal/service/kms/validate.go keyIDRegex).
var (
	kmsKeyARNPattern   = regexp.MustCompile(`^arn:(` + kmsPartitionsPattern + `):kms:([a-z0-9-]+):(\d{12}):key/(` + kmsKeyIDPatternText + `)$`)
	kmsAliasARNPattern = regexp.MustCompile(`^arn:(` + kmsPartitionsPattern + `):kms:([a-z0-9-]+):(\d{12}):(alias/[A-Za-z0-9/_-]+)$`)
	kmsKeyIDPattern    = regexp.MustCompile(`^(` + kmsKeyIDPatternText + `)$`)
	kmsAliasPattern    = regexp.MustCompile(`^alias/[A-Za-z0-9/_-]+$`)
)

// KMSKeyARN is a parsed KMS key ARN.
type KMSKeyARN struct {
	Partition string
	Region    string
	AccountID string
	// KeyID is the UUID, or mrk-... for a multi-Region key.
	KeyID string
}

// MultiRegion reports whether the key ID is a multi-Region key's ("mrk-...").
func (k KMSKeyARN) MultiRegion() bool { return strings.HasPrefix(k.KeyID, "mrk-") }

// String is the ARN again.
func (k KMSKeyARN) String() string {
	return "arn:" + k.Partition + ":kms:" + k.Region + ":" + k.AccountID + ":key/" + k.KeyID
}

// ParseKMSKeyARN parses arn:<partition>:kms:<region>:<account>:key/<key-id>. Alias ARNs, alias
// names and bare key IDs are not key ARNs.
func ParseKMSKeyARN(arn string) (KMSKeyARN, bool) {
	m := kmsKeyARNPattern.FindStringSubmatch(arn)
	if m == nil {
		return KMSKeyARN{}, false
	}
	return KMSKeyARN{Partition: m[1], Region: m[2], AccountID: m[3], KeyID: m[4]}, true
}

// KMSKeyARNOf builds a key ARN in a Region's partition.
func KMSKeyARNOf(region, account, keyID string) string {
	return KMSKeyARN{Partition: Partition(region), Region: region, AccountID: account, KeyID: keyID}.String()
}

// isAWSManagedS3Alias: the AWS managed key for S3, by alias name or alias ARN, in any spelling AWS
// accepts ("aws/s3" is how the console and CLI often show it).
func isAWSManagedS3Alias(v string) bool {
	if m := kmsAliasARNPattern.FindStringSubmatch(v); m != nil {
		v = m[4]
	}
	return v == awsManagedS3Alias || v == "aws/s3"
}

// dnsSuffixes are the partitions' DNS suffixes, from the AWS SDKs' partitions.json (the same
// source as data/regions.txt): "dnsSuffix" of each partition's "outputs".
var dnsSuffixes = map[string]string{
	"aws":        "amazonaws.com",
	"aws-cn":     "amazonaws.com.cn",
	"aws-us-gov": "amazonaws.com",
	"aws-iso":    "c2s.ic.gov",
	"aws-iso-b":  "sc2s.sgov.gov",
	"aws-iso-e":  "cloud.adc-e.uk",
	"aws-iso-f":  "csp.hci.ic.gov",
	"aws-eusc":   "amazonaws.eu",
}

// DNSSuffix is the DNS suffix of a Region's partition, e.g. "amazonaws.com".
func DNSSuffix(region string) string {
	if s, ok := dnsSuffixes[Partition(region)]; ok {
		return s
	}
	return "amazonaws.com"
}

// S3ViaService is the value of the condition key kms:ViaService when S3 in the Region calls KMS
// for a caller: "s3.<region>.<dns suffix>", e.g. s3.eu-west-1.amazonaws.com. kms:ViaService
// "limits use of a KMS key to requests from specified AWS services ... The value is the service's
// endpoint name, e.g. ec2.us-west-2.amazonaws.com" (docs.aws.amazon.com/kms/latest/developerguide/
// conditions-kms.html#conditions-kms-via-service); kubernetes/kops#18363 builds the same value
// as s3.<region>.<partition DNS suffix> for every partition.
func S3ViaService(region string) string { return "s3." + region + "." + DNSSuffix(region) }

// validateEncryption checks the bucket's KMS key. Only a key ARN of the bucket's own account and
// Region is accepted; the AWS managed key aws/s3, aliases and bare key IDs are refused, each with
// what to write instead. What the ARN cannot show (that the key exists, is enabled, symmetric and
// customer managed) is CheckKey's, once the key has been looked up.
func validateEncryption(ps *Problems, b BucketOwner) {
	e := b.Encryption
	if !e.KMS() {
		if e.BucketKey {
			ps.add(PathBucketKeyEnabled, "is only used with %s; remove it, or set %s to the key ARN of the bucket's SSE-KMS key", PathBucketKMSKeyARN, PathBucketKMSKeyARN)
		}
		return
	}
	if msg := kmsKeyProblem(b, e.KMSKeyARN); msg != "" {
		ps.add(PathBucketKMSKeyARN, "%s", msg)
	}
}

// exampleKeyARN is a key ARN of the bucket's account and Region, for messages.
func exampleKeyARN(b BucketOwner, keyID string) string {
	region := b.Account.Region
	if !knownRegion(region) {
		region = "eu-west-1"
	}
	return KMSKeyARNOf(region, orExample(b.Account.ID), keyID)
}

func kmsKeyProblem(b BucketOwner, v string) string {
	account, region := orExample(b.Account.ID), b.Account.Region
	switch {
	case isAWSManagedS3Alias(v):
		return AWSManagedKeyMessage(fmt.Sprintf("%q", v), b)
	case kmsAliasPattern.MatchString(v) || kmsAliasARNPattern.MatchString(v):
		name := v
		if m := kmsAliasARNPattern.FindStringSubmatch(v); m != nil {
			name = m[4]
		}
		return fmt.Sprintf("%q is an alias; give the key ARN it points to (in account %s: aws kms describe-key --key-id %s --query KeyMetadata.Arn). "+
			"An alias can be pointed at another key at any time, and S3 resolves an alias in the account of whoever makes the request, "+
			"so for a consumer it would name a key of the consumer's account", v, account, name)
	case kmsKeyIDPattern.MatchString(v):
		return fmt.Sprintf("%q is a key ID; give the full key ARN, %s: a key of another account can only be named by its ARN", v, exampleKeyARN(b, v))
	}
	k, ok := ParseKMSKeyARN(v)
	if !ok {
		return fmt.Sprintf("%q is not a KMS key ARN; use the form %s", v, exampleKeyARN(b, exampleKeyID))
	}
	var problems []string
	if accountIDPattern.MatchString(b.Account.ID) && k.AccountID != b.Account.ID {
		problems = append(problems, fmt.Sprintf("is in account %s, not in %s %s: this stack gives the consumers the key through grants that the bucket account's provider creates, so the key must be the bucket account's (the one its default encryption names)",
			k.AccountID, bucketKey("accountId"), b.Account.ID))
	}
	switch {
	case knownRegion(region) && k.Region != region:
		problems = append(problems, fmt.Sprintf("is in Region %s, not in %s %s: S3 encrypts a bucket's objects only with a key of the bucket's own Region, so give the key of %s (for a multi-Region key, its replica there)",
			k.Region, bucketKey("region"), region, region))
	case knownRegion(region) && k.Partition != Partition(region):
		problems = append(problems, fmt.Sprintf("is in partition %s but Region %s is in %s; write arn:%s:kms:...", k.Partition, region, Partition(region), Partition(region)))
	}
	if len(problems) == 0 {
		return ""
	}
	return "key " + v + " " + strings.Join(problems, "; and it ")
}

// AWSManagedKeyMessage says why the AWS managed key for S3 (named by what) cannot be shared, and
// what to do instead. Its key policy is AWS's: it lets only principals of its own account use it,
// and only through S3, and nobody can change it ("You cannot change any properties of AWS managed
// keys, rotate them, change their key policies, or schedule them for deletion",
// docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-cmk); so no principal
// of another account can ever decrypt objects encrypted under it.
func AWSManagedKeyMessage(what string, b BucketOwner) string {
	account, region := orExample(b.Account.ID), b.Account.Region
	if !knownRegion(region) {
		region = "eu-west-1"
	}
	return fmt.Sprintf("%s is the AWS managed key for S3 (aws/s3), which no other account can use: its key policy is AWS's, lets only principals of account %s use it, through S3, and cannot be changed. "+
		"Use a customer managed key instead: create a symmetric key in account %s and Region %s (aws kms create-key), make it the bucket's default encryption, "+
		"copy the existing objects onto themselves so that S3 re-encrypts them under it, and set %s to its key ARN (arn:%s:kms:%s:%s:key/...)",
		what, account, account, region, PathBucketKMSKeyARN, Partition(region), region, account)
}

// KMS actions (IAM action names) S3 calls with the caller's permissions on an SSE-KMS bucket.
const (
	KMSDecrypt         = "kms:Decrypt"
	KMSGenerateDataKey = "kms:GenerateDataKey"
)

// s3KMSActions maps each object action to the KMS actions S3 calls with the caller's permissions
// when the object is (to be) encrypted with SSE-KMS:
//   - reads decrypt the object's data key: "To upload or download an object encrypted with an AWS
//     KMS key ... you need kms:GenerateDataKey and kms:Decrypt permissions on the key"
//     (docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html), GetObject using
//     Decrypt;
//   - writes generate a data key, and multipart uploads also decrypt: "To use an AWS KMS key to
//     encrypt a multipart upload, you must have kms:GenerateDataKey and kms:Decrypt permissions.
//     The kms:GenerateDataKey permission allows you to initiate the upload. The kms:Decrypt
//     permission allows you to encrypt newly uploaded parts with the key that you used for previous
//     parts of the same object" (repost.aws/knowledge-center/s3-large-file-encryption-kms-key).
//     s3:PutObject covers PutObject, CopyObject's destination, and CreateMultipartUpload,
//     UploadPart, UploadPartCopy and CompleteMultipartUpload
//     (docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions), and the
//     AWS CLI's high-level commands switch to multipart on their own for large files.
//
// Object actions not listed (deletes, tagging, ACLs, attributes, aborting uploads) use no key.
var s3KMSActions = map[string][]string{
	"s3:getobject":        {KMSDecrypt},
	"s3:getobjectversion": {KMSDecrypt},
	"s3:putobject":        {KMSGenerateDataKey, KMSDecrypt},
}

// KeyActions are the KMS actions the access needs on the bucket's key, sorted; none for an access
// that neither reads nor writes object data.
func KeyActions(a Access) []string {
	var out []string
	for _, action := range a.Actions {
		out = append(out, s3KMSActions[strings.ToLower(action)]...)
	}
	return SortedUnique(out)
}

// GrantOperations are KeyActions as grant operations ("Decrypt", "GenerateDataKey").
func GrantOperations(a Access) []string {
	var out []string
	for _, action := range KeyActions(a) {
		out = append(out, strings.TrimPrefix(action, "kms:"))
	}
	return out
}
