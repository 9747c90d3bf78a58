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

// Check reports the problems that only show once the documents are built: the user's extra
// bucket-policy statements and AWS's size limits. Call it after spec.Validate passes.
func Check(s spec.Spec) spec.Problems {
	ps := checkExtraStatements(s)
	if len(ps) > 0 {
		return ps
	}
	if n := bucketPolicySize(s); n > MaxBucketPolicyBytes {
		ps = append(ps, spec.Problem{Key: bucketSizeKey(s), Message: bucketTooLarge(s, n)})
	}
	for _, g := range s.EndpointGroups() {
		if n := utf8.RuneCountInString(EndpointPolicy(s, g).JSON()); n > MaxEndpointPolicyChars {
			ps = append(ps, spec.Problem{Key: g.Consumers[0].Key("endpointAllowedBuckets"), Message: fmt.Sprintf(
				"the endpoint policy would be %d characters, over AWS's limit of %d; list fewer buckets", n, MaxEndpointPolicyChars)})
		}
	}
	for _, c := range s.Consumers {
		if n := utf8.RuneCountInString(RolePolicy(s, c).JSON()); c.ManageRolePolicy && n > MaxRoleInlinePolicyChars {
			ps = append(ps, spec.Problem{Key: c.Key("prefixes"), Message: fmt.Sprintf(
				"the role policy would be %d characters, over IAM's limit of %d for a role's inline policies; share fewer prefixes", n, MaxRoleInlinePolicyChars)})
		}
	}
	return ps
}

// bucketPolicySize is the final bucket policy's size in bytes, with endpoint IDs as long as they
// can be, so that a policy that fits here fits on deploy.
func bucketPolicySize(s spec.Spec) int {
	return len(BucketPolicy(s, longestEndpointIDs(s)).JSON())
}

func bucketSizeKey(s spec.Spec) string {
	if len(s.Consumers) > 1 {
		return "consumers"
	}
	return "bucketName"
}

// bucketTooLarge says by how much, and, for several consumers, how many of them fit and how to
// split them.
func bucketTooLarge(s spec.Spec, size int) string {
	msg := fmt.Sprintf("the bucket policy would be %d bytes, over S3's limit of %d bytes; ", size, MaxBucketPolicyBytes)
	if len(s.Consumers) < 2 {
		return msg + "share fewer prefixes or roles, or shorten extraBucketPolicyStatements"
	}
	return msg + fmt.Sprintf("the first %d of the %d consumers (by name) fit. Split the consumers: give the others a second bucket "+
		"(a second stack), or an S3 access point per group of consumers, since each access point has a policy of its own; "+
		"consumers that share a VPC or the same actions and prefixes also take less room", fittingConsumers(s), len(s.Consumers))
}

// fittingConsumers is how many consumers, taken by name, fit in one bucket policy.
func fittingConsumers(s spec.Spec) int {
	sorted := s.SortedConsumers()
	lo, hi := 0, len(sorted) // the policy grows with each consumer: search the largest prefix that fits
	for lo < hi {
		mid := (lo + hi + 1) / 2
		part := s
		part.Consumers = sorted[:mid]
		if bucketPolicySize(part) <= MaxBucketPolicyBytes {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// longestEndpointIDs gives each endpoint a distinct ID as long as a real one can be.
func longestEndpointIDs(s spec.Spec) EndpointIDs {
	ids := EndpointIDs{}
	for i, g := range s.EndpointGroups() {
		for _, c := range g.Consumers {
			ids[c.Name] = fmt.Sprintf("vpce-%017x", i)
		}
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
