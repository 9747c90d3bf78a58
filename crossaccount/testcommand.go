package crossaccount

import (
	"strings"

	"cross-account-s3/spec"
)

// TestCommand is a shell command to paste on an instance in the consumer VPC that runs under one
// of the consumer roles. It succeeds only through the endpoint: the bucket policy grants nothing
// elsewhere.
func TestCommand(s spec.Spec, c spec.Consumer) string {
	bucket, region := s.Bucket.Name, s.Bucket.Account.Region
	prefix := ""
	if len(c.Access.Prefixes) > 0 {
		prefix = c.Access.Prefixes[0]
	}
	key := prefix + "endpoint-check.txt"
	if !c.Access.Grants("s3:PutObject") {
		// Without s3:ListBucket, S3 answers AccessDenied for a missing key: read one that exists.
		key = prefix + "REPLACE-WITH-AN-EXISTING-KEY"
	}
	var steps []string
	if c.Access.Grants("s3:PutObject") {
		put := "echo ok > /tmp/endpoint-check.txt && aws s3api put-object --region " + region +
			" --bucket " + bucket + " --key " + key + " --body /tmp/endpoint-check.txt"
		if c.Access.Grants(spec.PutObjectACL) {
			put += " --acl bucket-owner-full-control"
		}
		steps = append(steps, put)
	}
	if c.Access.Grants("s3:GetObject") {
		steps = append(steps, "aws s3api get-object --region "+region+" --bucket "+bucket+" --key "+key+" /dev/stdout")
	}
	if c.Access.AllowListing {
		steps = append(steps, "aws s3api list-objects-v2 --region "+region+" --bucket "+bucket+" --prefix '"+prefix+"' --max-items 5")
	}
	if len(steps) == 0 {
		return "aws sts get-caller-identity"
	}
	return strings.Join(steps, " && ")
}
