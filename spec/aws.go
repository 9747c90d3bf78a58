package spec

import (
	"regexp"
	"strings"
)

// Partition returns the AWS partition of a Region ("aws", "aws-cn", "aws-us-gov", ...): the one
// spec/data/regions.txt lists it under, else the partition its prefix names (so that an unknown
// Region still yields ARNs of the right shape while validation reports it).
func Partition(region string) string {
	if r, ok := LookupRegion(region); ok {
		return r.Partition
	}
	switch {
	case strings.HasPrefix(region, "eusc-"):
		return "aws-eusc"
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case strings.HasPrefix(region, "us-isof-"):
		return "aws-iso-f"
	default:
		return "aws"
	}
}

// BucketARN is the ARN of a bucket in a Region's partition.
func BucketARN(region, bucket string) string {
	return "arn:" + Partition(region) + ":s3:::" + bucket
}

var roleARNPattern = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::(\d{12}):role/((?:[\w+=,.@-]+/)*)([\w+=,.@-]{1,64})$`)

// RoleARN is a parsed IAM role ARN.
type RoleARN struct {
	Partition string
	AccountID string
	Path      string
	Name      string
}

// ParseRoleARN parses arn:<partition>:iam::<account>:role/<path/>name.
func ParseRoleARN(arn string) (RoleARN, bool) {
	m := roleARNPattern.FindStringSubmatch(arn)
	if m == nil {
		return RoleARN{}, false
	}
	return RoleARN{Partition: m[1], AccountID: m[2], Path: "/" + m[3], Name: m[4]}, true
}

// RoleName is the name part of a role ARN ("" when the ARN is malformed).
func RoleName(arn string) string {
	r, _ := ParseRoleARN(arn)
	return r.Name
}
