package policydoc

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"cross-account-s3/spec"
)

// AWS's size limits on the documents this stack writes.
const (
	// MaxBucketPolicyBytes is S3's 20 KB bucket policy limit.
	MaxBucketPolicyBytes = 20 * 1024
	// MaxEndpointPolicyChars is the VPC endpoint policy limit, white space included.
	MaxEndpointPolicyChars = 20480
	// MaxRoleInlinePolicyChars is IAM's limit on the inline policies of one role, added up.
	MaxRoleInlinePolicyChars = 10240
)

// LongestEndpointID stands in for endpoint IDs that are not known yet when sizes are checked:
// it is as long as a real one can be, so a document that fits with it fits on deploy.
const LongestEndpointID = "vpce-0123456789abcdef0"

// Check reports the problems that only show once the documents are built: the user's extra
// bucket-policy statements and AWS's size limits. Call it after spec.Validate passes.
func Check(s spec.Spec) spec.Problems {
	ps := checkExtraStatements(s)
	if len(ps) > 0 {
		return ps
	}
	bucket := BucketPolicy(s, longestEndpointIDs(s)).JSON()
	if n := len(bucket); n > MaxBucketPolicyBytes {
		ps = append(ps, spec.Problem{Key: "bucketName", Message: fmt.Sprintf(
			"the bucket policy would be %d bytes, over S3's limit of %d bytes; share fewer prefixes or roles, or shorten extraBucketPolicyStatements",
			n, MaxBucketPolicyBytes)})
	}
	for _, c := range s.Consumers {
		if n := utf8.RuneCountInString(EndpointPolicy(s, c).JSON()); n > MaxEndpointPolicyChars {
			ps = append(ps, spec.Problem{Key: c.Key("endpointAllowedBuckets"), Message: fmt.Sprintf(
				"the endpoint policy would be %d characters, over AWS's limit of %d; list fewer buckets", n, MaxEndpointPolicyChars)})
		}
		if n := utf8.RuneCountInString(RolePolicy(s, c).JSON()); c.ManageRolePolicy && n > MaxRoleInlinePolicyChars {
			ps = append(ps, spec.Problem{Key: c.Key("prefixes"), Message: fmt.Sprintf(
				"the role policy would be %d characters, over IAM's limit of %d for a role's inline policies; share fewer prefixes", n, MaxRoleInlinePolicyChars)})
		}
	}
	return ps
}

func longestEndpointIDs(s spec.Spec) EndpointIDs {
	ids := EndpointIDs{}
	for _, c := range s.Consumers {
		ids[c.Name] = LongestEndpointID
	}
	return ids
}

const extraKey = "extraBucketPolicyStatements"

func checkExtraStatements(s spec.Spec) spec.Problems {
	var ps spec.Problems
	own := OwnSids(s)
	used := map[string]string{}
	for _, sid := range own {
		used[sid] = "this stack's own statements"
	}
	for i, st := range s.ExtraBucketStatements {
		key := fmt.Sprintf("%s[%d]", extraKey, i)
		add := func(format string, args ...any) {
			ps = append(ps, spec.Problem{Key: key, Message: fmt.Sprintf(format, args...)})
		}
		sid, _ := st["Sid"].(string)
		switch {
		case sid == "":
			add("has no Sid; give every kept statement a unique Sid, e.g. \"KeepAuditRead\"")
		case used[sid] != "":
			add("Sid %q is already used by %s; rename it (this stack uses %s)", sid, used[sid], strings.Join(own, ", "))
		default:
			used[sid] = fmt.Sprintf("%s[%d]", extraKey, i)
		}
		effect, _ := st["Effect"].(string)
		if effect != "Allow" && effect != "Deny" {
			add("Effect must be \"Allow\" or \"Deny\"")
		}
		if effect == "Deny" && isEveryone(st["Principal"]) && hasVpcCondition(st["Condition"]) {
			add("denies principal \"*\" on an aws:SourceVpce/aws:SourceVpc condition, which also locks out the console, CI and this stack's own deploys; scope the Deny to the consumer roles")
		}
	}
	return ps
}

func isEveryone(principal any) bool {
	if principal == "*" {
		return true
	}
	m, ok := principal.(map[string]any)
	if !ok {
		return false
	}
	switch aws := m["AWS"].(type) {
	case string:
		return aws == "*"
	case []any:
		for _, v := range aws {
			if v == "*" {
				return true
			}
		}
	}
	return false
}

func hasVpcCondition(condition any) bool {
	ops, _ := condition.(map[string]any)
	for _, keys := range ops {
		m, _ := keys.(map[string]any)
		for k := range m {
			if strings.EqualFold(k, "aws:SourceVpce") || strings.EqualFold(k, "aws:SourceVpc") {
				return true
			}
		}
	}
	return false
}
