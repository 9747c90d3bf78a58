package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"cross-account-s3/testworld/world"
)

// maxBucketPolicy is S3's limit on a bucket policy (20 KB).
const maxBucketPolicy = 20 * 1024

const msgPermanentRedirect = "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint."

// s3Access returns the S3 error (status, code, message) for this provider reaching the bucket, or
// status 0: missing bucket, then the Region (S3 redirects before it authorises), then the owner.
func s3Access(w *world.World, cfg providerConfig, bucket string) (world.Bucket, int, string, string) {
	b, ok := w.Buckets[bucket]
	switch {
	case !ok:
		return b, 404, "NoSuchBucket", "The specified bucket does not exist"
	case b.Region != cfg.Region:
		return b, 301, "PermanentRedirect", msgPermanentRedirect
	case b.Account != cfg.Account:
		return b, 403, "AccessDenied", "Access Denied"
	}
	return b, 0, "", ""
}

func putBucketPolicy(w *world.World, cfg providerConfig, news resource.PropertyMap) (result, error) {
	bucket, policy := str(news, "bucket"), str(news, "policy")
	res := result{physical: world.BucketPolicyPhysical(bucket)}
	fail := func(status int, code, message string) (result, error) {
		return res, awsError(fmt.Sprintf("putting S3 Bucket (%s) Policy", bucket), "S3", "PutBucketPolicy", status, code, message)
	}
	b, status, code, msg := s3Access(w, cfg, bucket)
	if status != 0 {
		return fail(status, code, msg)
	}
	if code, msg := checkBucketPolicy(w, policy); code != "" {
		return fail(400, code, msg)
	}
	b.Policy = policy
	w.Buckets[bucket] = b
	return bucketPolicyResult(bucket, policy), nil
}

func createBucketPolicy(w *world.World, cfg providerConfig, news resource.PropertyMap) (result, error) {
	return putBucketPolicy(w, cfg, news)
}

func updateBucketPolicy(w *world.World, cfg providerConfig, _ resource.ID, _, news resource.PropertyMap) (result, error) {
	return putBucketPolicy(w, cfg, news)
}

// checkBucketPolicy is what S3 checks of a policy document: JSON, size, and that every IAM role
// named as a principal exists.
func checkBucketPolicy(w *world.World, policy string) (string, string) {
	if !strings.HasPrefix(strings.TrimSpace(policy), "{") || validJSON(policy) != nil {
		return "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'"
	}
	if len(policy) > maxBucketPolicy {
		return "MalformedPolicy", "Policy exceeds the maximum allowed document size."
	}
	for _, p := range principals(policy) {
		m := roleARN.FindStringSubmatch(p)
		if m != nil && !w.HasRole(m[1], m[2]) {
			return "MalformedPolicy", "Invalid principal in policy"
		}
	}
	return "", ""
}

// principals lists the AWS principals (Principal and NotPrincipal) of every statement.
func principals(policy string) []string {
	var doc struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(policy), &doc) != nil {
		return nil
	}
	var statements []map[string]any
	if json.Unmarshal(doc.Statement, &statements) != nil {
		var one map[string]any
		if json.Unmarshal(doc.Statement, &one) != nil {
			return nil
		}
		statements = []map[string]any{one}
	}
	var out []string
	for _, s := range statements {
		for _, key := range []string{"Principal", "NotPrincipal"} {
			if p, ok := s[key].(map[string]any); ok {
				out = append(out, toStrings(p["AWS"])...)
			}
		}
	}
	return out
}

func deleteBucketPolicy(w *world.World, cfg providerConfig, id resource.ID, olds resource.PropertyMap) (string, error) {
	bucket := str(olds, "bucket")
	if bucket == "" {
		bucket = string(id)
	}
	physical := world.BucketPolicyPhysical(bucket)
	b, status, code, msg := s3Access(w, cfg, bucket)
	switch {
	case code == "NoSuchBucket":
		return physical, nil // gone already
	case status != 0:
		return physical, awsError(fmt.Sprintf("deleting S3 Bucket (%s) Policy", bucket), "S3", "DeleteBucketPolicy", status, code, msg)
	}
	b.Policy = ""
	w.Buckets[bucket] = b
	return physical, nil
}

func readBucketPolicy(w *world.World, cfg providerConfig, id resource.ID, olds resource.PropertyMap) (result, error) {
	bucket := str(olds, "bucket")
	if bucket == "" {
		bucket = string(id)
	}
	b, status, code, msg := s3Access(w, cfg, bucket)
	switch {
	case code == "NoSuchBucket":
		return result{physical: world.BucketPolicyPhysical(bucket)}, nil
	case status != 0:
		return result{physical: world.BucketPolicyPhysical(bucket)},
			awsError(fmt.Sprintf("reading S3 Bucket (%s) Policy", bucket), "S3", "GetBucketPolicy", status, code, msg)
	case b.Policy == "":
		return result{physical: world.BucketPolicyPhysical(bucket)}, nil
	}
	return bucketPolicyResult(bucket, b.Policy), nil
}

func bucketPolicyResult(bucket, policy string) result {
	return result{
		id:       resource.ID(bucket),
		physical: world.BucketPolicyPhysical(bucket),
		outputs:  outputs(map[string]any{"id": bucket, "bucket": bucket, "policy": policy}),
		inputs:   outputs(map[string]any{"bucket": bucket, "policy": policy}),
	}
}
