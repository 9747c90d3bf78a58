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
	// MaxRoleInlinePolicyChars is IAM's limit on all the inline policies of one role together
	// (their characters added up, white space not counted; this stack writes them minified).
	MaxRoleInlinePolicyChars = 10240
)

// Check reports the problems that only show once the documents are built: the kept bucket-policy
// statements and AWS's size limits. It is safe on a spec that fails spec.Validate and never stops
// early, so that one run reports these together with the spec's own problems (call both; order
// the union with spec.Problems.InKeyOrder). Problems come in the order of their keys: the kept
// statements by index, then the bucket policy's size, the endpoint policies' sizes, and the role
// policies' sizes by consumer.
func Check(s spec.Spec) spec.Problems {
	return check(s, PerimeterAccounts(s))
}

// CheckOwner is Check for an owner stack (side: owner) before it has read its consumer stacks:
// its spec has no consumers yet, so the kept statements are judged with consumerAccounts (every
// account its consumerStacks may grant) as the perimeter. Once the consumer stacks are read,
// Check on the decided spec judges them with the accounts actually granted.
func CheckOwner(s spec.Spec, consumerAccounts []string) spec.Problems {
	return check(s, spec.SortedUnique(consumerAccounts))
}

func check(s spec.Spec, perimeter []string) spec.Problems {
	ps := checkExtraStatements(s, perimeter)
	if n := bucketPolicySize(s); n > MaxBucketPolicyBytes {
		ps = append(ps, spec.Problem{Key: bucketSizeKey(s), Message: bucketTooLarge(s, n)})
	}
	for _, g := range s.Layout().Endpoints {
		if n := utf8.RuneCountInString(EndpointPolicy(s, g).JSON()); n > MaxEndpointPolicyChars {
			ps = append(ps, spec.Problem{Key: g.Consumers[0].Key("endpointAllowedBuckets"), Message: fmt.Sprintf(
				"the endpoint policy would be %d characters, over AWS's limit of %d; list fewer buckets", n, MaxEndpointPolicyChars)})
		}
	}
	for _, c := range s.Consumers {
		if !c.ManageRolePolicy {
			continue
		}
		if n := utf8.RuneCountInString(RolePolicy(s, c).JSON()); n > MaxRoleInlinePolicyChars {
			ps = append(ps, spec.Problem{Key: c.Key("prefixes"), Message: fmt.Sprintf(
				"the role policy would be %d characters, over IAM's limit of %d for all inline policies of a role together (any other inline policy on the role counts too); share fewer prefixes",
				n, MaxRoleInlinePolicyChars)})
		}
	}
	return ps
}

// Warnings are what a preview of the bucket owner's side shows about valid choices with a cost:
// the by-access grouping, which trades the pairwise binding of roles to their own endpoints for
// room, a KMS bucket's grants that cannot be limited to the bucket or roles left without the key's
// Deny (kmsWarnings), and the risky actions kept statements allow to other accounts
// (KeptStatementWarnings). The risky actions of the consumers' own access are AccessWarnings', for
// the stacks that hold the consumers.
func Warnings(s spec.Spec) []string {
	out := append(groupingWarnings(s), viaServicesWarnings(s)...)
	out = append(out, kmsWarnings(s)...)
	return append(out, KeptStatementWarnings(s)...)
}

func groupingWarnings(s spec.Spec) []string {
	if len(s.Consumers) == 0 {
		return nil
	}
	switch s.Grouping() {
	case spec.GroupByAccount:
		return []string{byAccountWarning(s)}
	case spec.GroupByOrganization:
		return []string{byOrganizationWarning(s)}
	case spec.GroupPerEndpoint:
		return nil
	}
	compact := bucketPolicySize(withGrouping(s, spec.GroupByAccess))
	pairwise := bucketPolicySize(withGrouping(s, spec.GroupPerEndpoint))
	msg := fmt.Sprintf("%s is %q: consumers with the same access share one bucket-policy statement listing all their roles and endpoints, "+
		"so a role of one consumer is also admitted through the S3 endpoint of any other consumer with the same access, if it can send traffic there "+
		"(a restricted endpoint policy on that endpoint still refuses principals of other accounts). ",
		spec.PathBucketPolicyGrouping, spec.GroupByAccess)
	if shared := sharedPaths(s); len(shared) > 0 {
		msg += "Here: " + strings.Join(shared, "; ") + ". "
	} else {
		msg += "Here no two consumers of different VPCs share an access, so nothing is shared yet. "
	}
	msg += fmt.Sprintf("The bucket policy takes %d of S3's %d bytes this way and would take %d with %q (the default, each role only through its own VPC's endpoint); set that unless it does not fit.",
		compact, MaxBucketPolicyBytes, pairwise, spec.GroupPerEndpoint)
	return []string{msg}
}

// viaServicesWarnings say, per consumer with viaAwsServices, what the option lets in: requests
// the named services make with the roles' credentials, which come through no endpoint.
func viaServicesWarnings(s spec.Spec) []string {
	var out []string
	for _, c := range s.Consumers {
		if len(c.Access.ViaServices) == 0 {
			continue
		}
		whose := "the roles of " + c.Name
		switch s.Grouping() {
		case spec.GroupByAccount:
			whose = "every principal of account " + c.Account.ID + " (by-account grants name accounts, not roles)"
		case spec.GroupByOrganization:
			whose = "every principal of organization " + s.OrganizationID + " (by-organization grants name no account)"
		}
		out = append(out, fmt.Sprintf("%s lets %s use the access of %s: the requests it makes for them come through no VPC endpoint, "+
			"so the perimeter lets them by, and the access holds wherever those services run for them (a query started from outside the VPC included); "+
			"any other request must still come through the endpoints",
			c.Key("viaAwsServices"), strings.Join(c.Access.ViaServices, ", "), whose))
	}
	return out
}

// byAccountWarning says what the by-account grouping admits that the default does not.
func byAccountWarning(s spec.Spec) string {
	return fmt.Sprintf("%s is %q: the bucket policy names the consumer accounts (%s), not their roles, and admits a principal of one of them only through an S3 endpoint that its own account owns. "+
		"So no account's principal is admitted through another account's endpoint, but which of an account's principals may use its grant is that account's IAM's to say (the role policies, with manageRolePolicy), "+
		"and every endpoint of the account counts, in any VPC, also endpoints this stack does not manage. "+
		"The bucket policy takes %d of S3's %d bytes this way and would take %d with %q (the default, each listed role only through its own VPC's endpoint); set that unless it does not fit.",
		spec.PathBucketPolicyGrouping, spec.GroupByAccount, strings.Join(PerimeterAccounts(s), ", "),
		bucketPolicySize(s), MaxBucketPolicyBytes, bucketPolicySize(withGrouping(s, spec.GroupPerEndpoint)), spec.GroupPerEndpoint)
}

// byOrganizationWarning says what the by-organization grouping admits: everyone of the
// organization, to everything the stack grants anyone.
func byOrganizationWarning(s spec.Spec) string {
	var accesses []string
	for _, g := range s.Layout().Grants {
		accesses = append(accesses, describeAccess(g.Access))
	}
	return fmt.Sprintf("%s is %q: the bucket policy names no account and no role: it admits any principal of organization %s (every account of it, consumer or not; the owner's account %s is left out of the perimeter) "+
		"to every access this stack grants (%s), as far as that principal's own IAM allows, and only through an S3 endpoint that its own account owns, in any VPC: never through another account's endpoint. "+
		"A consumer account outside the organization is admitted by nothing. "+
		"The bucket policy takes %d of S3's %d bytes this way whatever the number of accounts, and would take %d with %q (the default, each listed role only through its own VPC's endpoint).",
		spec.PathBucketPolicyGrouping, spec.GroupByOrganization, s.OrganizationID, s.Bucket.Account.ID, strings.Join(spec.SortedUnique(accesses), "; "),
		bucketPolicySize(s), MaxBucketPolicyBytes, bucketPolicySize(withGrouping(s, spec.GroupPerEndpoint)), spec.GroupPerEndpoint)
}

// describeAccess is an access in a few words: its actions, where, and listing.
func describeAccess(a spec.Access) string {
	where := "the whole bucket"
	if len(a.Prefixes) > 0 {
		where = strings.Join(a.Prefixes, ", ")
	}
	out := strings.Join(a.Actions, ", ") + " on " + where
	if a.AllowListing {
		out += ", with listing"
	}
	return out
}

// sharedPaths lists, per by-access grant that spans several VPCs, whose roles reach which VPCs'
// endpoints beyond their own.
func sharedPaths(s spec.Spec) []string {
	l := withGrouping(s, spec.GroupByAccess).Layout()
	var out []string
	for _, g := range l.Grants {
		var vpcs []string
		for _, c := range g.Consumers {
			if e, ok := l.EndpointOf(c); ok {
				vpcs = append(vpcs, e.VpcID)
			}
		}
		if vpcs = spec.SortedUnique(vpcs); len(vpcs) > 1 {
			out = append(out, fmt.Sprintf("the roles of %s reach the endpoints of %s", strings.Join(g.Consumers, ", "), strings.Join(vpcs, ", ")))
		}
	}
	return out
}

func withGrouping(s spec.Spec, g spec.BucketPolicyGrouping) spec.Spec {
	s.BucketPolicyGrouping = g
	if g != spec.GroupByOrganization {
		s.OrganizationID = ""
	}
	return s
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
	return "bucket.name"
}

// bucketTooLarge says by how much and, for several consumers, how many of them fit with each
// grouping, from the most exact to the least, and the ways out: the most exact other grouping they
// all fit in, if any, or a split.
func bucketTooLarge(s spec.Spec, size int) string {
	msg := fmt.Sprintf("the bucket policy would be %d bytes, over S3's limit of %d bytes; ", size, MaxBucketPolicyBytes)
	if len(s.Consumers) < 2 {
		return msg + "share fewer prefixes or roles, or shorten extraBucketPolicyStatements"
	}
	n := len(s.Consumers)
	var fits []string
	var fitsAll []spec.BucketPolicyGrouping
	for _, g := range groupingsByExactness {
		k := fittingConsumers(withGrouping(s, g))
		fits = append(fits, fmt.Sprintf("the first %d with %q (%s)", k, g, groupingMeaning[g]))
		if k == n && g != s.Grouping() {
			fitsAll = append(fitsAll, g)
		}
	}
	msg += fmt.Sprintf("of the %d consumers (by name) fit %s: %s, %s and %s. ", n, spec.PathBucketPolicyGrouping, fits[0], fits[1], fits[2])
	split := "split the consumers: give the others a second bucket (a second stack), or an S3 access point per group of consumers, since each access point has a policy of its own"
	if len(fitsAll) == 0 {
		if s.Grouping() != spec.GroupByOrganization {
			split += fmt.Sprintf("; or, if the consumer accounts are all of one AWS organization, set %s: %s with %s, which names no account (docs/scale.md)",
				spec.PathBucketPolicyGrouping, spec.GroupByOrganization, spec.PathOrganizationID)
		}
		return msg + upperFirst(split)
	}
	return msg + fmt.Sprintf("Two ways out: set %s: %s (docs/scale.md says what each grouping admits); or %s", spec.PathBucketPolicyGrouping, fitsAll[0], split)
}

// groupingsByExactness are the groupings from the one that admits least to the one that admits
// most: per role and VPC, per account, per access.
var groupingsByExactness = []spec.BucketPolicyGrouping{spec.GroupPerEndpoint, spec.GroupByAccount, spec.GroupByAccess}

var groupingMeaning = map[spec.BucketPolicyGrouping]string{
	spec.GroupPerEndpoint: "each role only through its own VPC's endpoint",
	spec.GroupByAccount:   "each account's principals only through its own account's endpoints",
	spec.GroupByAccess:    "roles with the same access also through each other's endpoints",
}

func upperFirst(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

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
	for i, g := range s.Layout().Endpoints {
		for _, c := range g.Consumers {
			ids[c.Name] = fmt.Sprintf("vpce-%017x", i)
		}
	}
	return ids
}

const extraKey = spec.PathKeptStatements

// checkExtraStatements: per kept statement, in index order, its Sid (present, unique, not one
// of this stack's) and then the rules shared with the policy pack (StatementFindings).
func checkExtraStatements(s spec.Spec, perimeter []string) spec.Problems {
	var ps spec.Problems
	own := OwnSids(s)
	used := map[string]string{}
	for _, sid := range own {
		used[sid] = "this stack's own statements"
	}
	// The perimeter's Sid is this stack's even when it writes no perimeter (no consumer yet): the
	// policy pack takes the statement of that Sid as the perimeter.
	if used[SidDenyOutsideEndpoints] == "" {
		used[SidDenyOutsideEndpoints] = "this stack's perimeter Deny, which it writes once it has consumers"
	}
	for i, st := range s.ExtraBucketStatements {
		key := fmt.Sprintf("%s[%d]", extraKey, i)
		add := func(msg string) { ps = append(ps, spec.Problem{Key: key, Message: msg}) }
		sid, _ := st["Sid"].(string)
		switch {
		case sid == "":
			add(`has no Sid; give every kept statement a unique Sid, e.g. "KeepAuditRead"`)
		case used[sid] != "":
			add(fmt.Sprintf("Sid %q is already used by %s; rename it (this stack uses %s)", sid, used[sid], strings.Join(own, ", ")))
		default:
			used[sid] = key
		}
		for _, f := range statementFindings(s, perimeter, st) {
			add(f.Message)
		}
	}
	return ps
}
