package spec

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
)

var (
	accountIDPattern        = regexp.MustCompile(`^\d{12}$`)
	regionPattern           = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)
	vpcIDPattern            = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)
	routeTablePattern       = regexp.MustCompile(`^rtb-([0-9a-f]{8}|[0-9a-f]{17})$`)
	endpointIDPattern       = regexp.MustCompile(`^vpce-([0-9a-f]{8}|[0-9a-f]{17})$`)
	bucketNamePattern       = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	actionPattern           = regexp.MustCompile(`^s3:[A-Za-z]+$`)
	servicePrincipalPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*\.amazonaws\.com(\.cn)?$`)
	sessionNamePattern      = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	externalIDPattern       = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	consumerNamePat         = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}[a-z0-9]$`)
)

// AWS tag limits that apply to every taggable resource here.
const (
	maxTags        = 50
	maxTagKeyLen   = 128
	maxTagValueLen = 256
)

// IsEndpointID reports whether id has the form of a VPC endpoint ID (vpce- and 8 or 17 hex digits).
func IsEndpointID(id string) bool { return endpointIDPattern.MatchString(id) }

// Validate checks the whole spec and returns every problem, each naming its field's path.
func (s Spec) Validate() Problems {
	ps := s.ValidateOwnerSide()
	if len(s.Consumers) == 0 {
		ps.add("consumers", "no consumer is configured; configure at least one")
	}
	return append(ps, s.ValidateConsumers()...)
}

// ValidateConsumers checks each consumer against the bucket, and the consumers together. An owner
// stack runs it on the consumers its consumer stacks export, which may be none.
func (s Spec) ValidateConsumers() Problems {
	var ps Problems
	for _, c := range s.Consumers {
		validateConsumer(&ps, s.Bucket, c)
	}
	validateAcrossConsumers(&ps, s)
	return ps
}

// ValidateOwnerSide checks what an owner stack (SideOwner) configures itself: the bucket, its
// key, the grouping and the tags; its consumers come later, from the consumer stacks.
func (s Spec) ValidateOwnerSide() Problems {
	var ps Problems
	validateAccount(&ps, s.Bucket.Account, bucketKey)
	validateBucketName(&ps, bucketKey("name"), s.Bucket.Name)
	validateEncryption(&ps, s.Bucket)
	if s.BucketPolicyGrouping != "" && !slices.Contains(Groupings, s.BucketPolicyGrouping) {
		ps.add(PathBucketPolicyGrouping, "%q is not a grouping; use %q (the default: each role only through its own VPC's endpoint), %q (smaller: roles with the same access share each other's endpoints), %q (each account's principals only through its own account's endpoints) or %q (any principal of organizationId, through its own account's endpoints); docs/scale.md compares them",
			s.BucketPolicyGrouping, GroupPerEndpoint, GroupByAccess, GroupByAccount, GroupByOrganization)
	}
	validateOrganization(&ps, s)
	validateTags(&ps, s.Tags)
	return ps
}

// Problems name the field they are about by its path in the spec, never by a config key: the
// config layer (stackconfig) alone knows what the user wrote and turns paths into keys.
// Paths: bucket.<field> (accountId, region, name, profile, assumeRoleArn, externalId,
// sessionName), consumers[<Index>].<field> (the consumers-item field names), tags,
// bucketPolicyGrouping, consumers, extraBucketPolicyStatements[<i>]; a list field's element adds
// [<i>].

// PathBucketPolicyGrouping is the path of Spec.BucketPolicyGrouping.
const PathBucketPolicyGrouping = "bucketPolicyGrouping"

// PathOrganizationID is the path of Spec.OrganizationID.
const PathOrganizationID = "organizationId"

var organizationIDPattern = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)

// validateOrganization: the organization ID goes with the by-organization grouping, both ways.
func validateOrganization(ps *Problems, s Spec) {
	switch {
	case s.Grouping() == GroupByOrganization && s.OrganizationID == "":
		ps.add(PathOrganizationID, "is required with %s: %s; set the ID of the organization whose principals the bucket admits, e.g. o-a1b2c3d4e5 (aws organizations describe-organization --query Organization.Id)",
			PathBucketPolicyGrouping, GroupByOrganization)
	case s.OrganizationID == "":
	case s.Grouping() != GroupByOrganization:
		ps.add(PathOrganizationID, "is read only with %s: %s (this stack's grouping is %q); remove it, or set that grouping", PathBucketPolicyGrouping, GroupByOrganization, s.Grouping())
	case !organizationIDPattern.MatchString(s.OrganizationID):
		ps.add(PathOrganizationID, "%q is not an organization ID; use o- and 10 to 32 lowercase letters or digits, e.g. o-a1b2c3d4e5", s.OrganizationID)
	}
}

// PathKeptStatements is the path of Spec.ExtraBucketStatements.
const PathKeptStatements = "extraBucketPolicyStatements"

func bucketKey(field string) string { return "bucket." + field }

// Key is the path of one of the consumer's fields.
func (c Consumer) Key(field string) string { return fmt.Sprintf("consumers[%d].%s", c.Index, field) }

func validateAccount(ps *Problems, a Account, key func(string) string) {
	if !accountIDPattern.MatchString(a.ID) {
		hint := ""
		if a.ID != "" && strings.Trim(a.ID, "0123456789") == "" {
			// YAML reads an unquoted ID as a number: leading zeros are dropped, and a leading 0
			// may even make it octal. The digits here cannot be trusted, so none are suggested.
			hint = " (if you wrote it unquoted, YAML read it as a number and changed it: write the 12 digits in quotes)"
		}
		ps.add(key("accountId"), "%q is not an AWS account ID; use the 12 digits, e.g. 111111111111%s", a.ID, hint)
	}
	if msg := regionProblem(a.Region); msg != "" {
		ps.add(key("region"), "%s", msg)
	}
	validateCredentials(ps, a, key)
}

// regionProblem says why a Region is not one AWS lists in spec/data/regions.txt ("" when it is),
// and what to write instead.
func regionProblem(region string) string {
	if _, ok := LookupRegion(region); ok {
		return ""
	}
	if region == "" || !regionPattern.MatchString(region) && !strings.HasPrefix(region, "eusc-") {
		return fmt.Sprintf("%q is not an AWS Region name; use a code such as eu-west-1", region)
	}
	similar := similarRegions(region)
	hint := "a Region code such as eu-west-1"
	if len(similar) > 0 {
		hint = "one of " + strings.Join(similar, ", ")
	}
	return fmt.Sprintf("%q is not an AWS Region (it is not among the Regions listed in spec/data/regions.txt); use %s", region, hint)
}

// knownRegion reports whether the Region is listed, for checks that compare Regions.
func knownRegion(region string) bool {
	_, ok := LookupRegion(region)
	return ok
}

func validateCredentials(ps *Problems, a Account, key func(string) string) {
	c := a.Credentials
	if c.AssumeRoleARN == "" {
		if c.ExternalID != "" {
			ps.add(key("externalId"), "is set but %s is not; an external ID only goes with a role to assume", key("assumeRoleArn"))
		}
		if c.SessionName != "" {
			ps.add(key("sessionName"), "is set but %s is not; a session name only goes with a role to assume", key("assumeRoleArn"))
		}
		return
	}
	role, ok := ParseRoleARN(c.AssumeRoleARN)
	switch {
	case !ok:
		ps.add(key("assumeRoleArn"), "%q is not an IAM role ARN; use arn:aws:iam::%s:role/deployer", c.AssumeRoleARN, orExample(a.ID))
	case accountIDPattern.MatchString(a.ID) && role.AccountID != a.ID:
		ps.add(key("assumeRoleArn"), "role %s is in account %s, not in %s (%s); the provider would act in the wrong account", c.AssumeRoleARN, role.AccountID, key("accountId"), a.ID)
	}
	if n := len(c.ExternalID); n > 0 && (n < 2 || n > 1224 || !externalIDPattern.MatchString(c.ExternalID)) {
		ps.add(key("externalId"), "must be 2 to 1224 characters of letters, digits and +=,.@:/-")
	}
	if c.SessionName != "" && !sessionNamePattern.MatchString(c.SessionName) {
		ps.add(key("sessionName"), "%q must be 2 to 64 characters of letters, digits and +=,.@_-, e.g. pulumi-deploy", c.SessionName)
	}
}

func orExample(accountID string) string {
	if accountIDPattern.MatchString(accountID) {
		return accountID
	}
	return "111111111111"
}

func validateBucketName(ps *Problems, key, name string) {
	if msg := bucketNameProblem(name); msg != "" {
		ps.add(key, "%q %s; use 3 to 63 lowercase letters, digits, '.' and '-', e.g. shared-data-bucket", name, msg)
	}
}

func bucketNameProblem(name string) string {
	switch {
	case len(name) < 3 || len(name) > 63:
		return "is not 3 to 63 characters long"
	case !bucketNamePattern.MatchString(name):
		return "has characters other than lowercase letters, digits, '.' and '-', or does not start and end with a letter or digit"
	case strings.Contains(name, ".."):
		return "has two adjacent periods"
	case net.ParseIP(name) != nil:
		return "is shaped like an IP address"
	case strings.HasPrefix(name, "xn--") || strings.HasPrefix(name, "sthree-"):
		return "starts with a prefix AWS reserves (xn--, sthree-)"
	case strings.HasSuffix(name, "-s3alias") || strings.HasSuffix(name, "--ol-s3"):
		return "ends with a suffix AWS reserves (-s3alias, --ol-s3)"
	}
	return ""
}

func validateConsumer(ps *Problems, owner BucketOwner, c Consumer) {
	if !consumerNamePat.MatchString(c.Name) {
		ps.add(c.Key("name"), "%q is not a usable name; use 2 to 32 lowercase letters, digits and '-', starting with a letter, e.g. analytics", c.Name)
	}
	validateAccount(ps, c.Account, c.Key)
	if c.Account.ID != "" && c.Account.ID == owner.Account.ID {
		ps.add(c.Key("accountId"), "is the bucket owner's account too (%s); this stack connects two different accounts", c.Account.ID)
	}
	if knownRegion(c.Account.Region) && knownRegion(owner.Account.Region) && c.Account.Region != owner.Account.Region {
		ps.add(c.Key("region"), "%s differs from bucket.region %s; an S3 gateway endpoint reaches only buckets in its own Region, so set both to %s", c.Account.Region, owner.Account.Region, owner.Account.Region)
	}
	if !vpcIDPattern.MatchString(c.VpcID) {
		ps.add(c.Key("vpcId"), "%q is not a VPC ID; use the form vpc-0123456789abcdef0", c.VpcID)
	}
	validateIDList(ps, c.Key("routeTableIds"), c.RouteTableIDs, routeTablePattern, "route table ID", "rtb-0123456789abcdef0")
	validateRoles(ps, c)
	validateEndpoint(ps, owner, c)
	validateAccess(ps, c)
}

func validateIDList(ps *Problems, key string, ids []string, pattern *regexp.Regexp, what, example string) {
	if len(ids) == 0 {
		ps.add(key, "needs at least one %s, e.g. [%q]", what, example)
	}
	for i, id := range ids {
		if !pattern.MatchString(id) {
			ps.add(fmt.Sprintf("%s[%d]", key, i), "%q is not a %s; use the form %s", id, what, example)
		}
	}
	for _, dup := range duplicates(ids) {
		ps.add(key, "lists %s more than once", dup)
	}
}

func validateRoles(ps *Problems, c Consumer) {
	key := c.Key("roleArns")
	if len(c.RoleARNs) == 0 {
		ps.add(key, "needs at least one IAM role ARN in the consumer account, e.g. [\"arn:aws:iam::%s:role/app\"]", orExample(c.Account.ID))
	}
	partition := Partition(c.Account.Region)
	for i, arn := range c.RoleARNs {
		k := fmt.Sprintf("%s[%d]", key, i)
		role, ok := ParseRoleARN(arn)
		switch {
		case !ok:
			ps.add(k, "%q is not an IAM role ARN; use arn:%s:iam::%s:role/app", arn, partition, orExample(c.Account.ID))
		case accountIDPattern.MatchString(c.Account.ID) && role.AccountID != c.Account.ID:
			ps.add(k, "role %s is in account %s, not in the consumer account %s", arn, role.AccountID, c.Account.ID)
		case knownRegion(c.Account.Region) && role.Partition != partition:
			ps.add(k, "role %s is in partition %s but Region %s is in %s", arn, role.Partition, c.Account.Region, partition)
		}
	}
	for _, dup := range duplicates(c.RoleARNs) {
		ps.add(key, "lists %s more than once", dup)
	}
}

func validateEndpoint(ps *Problems, owner BucketOwner, c Consumer) {
	e := c.Endpoint
	if e.AdoptID != "" && !endpointIDPattern.MatchString(e.AdoptID) {
		ps.add(c.Key("adoptEndpointId"), "%q is not a VPC endpoint ID; use the form vpce-0123456789abcdef0, or leave it unset to create an endpoint", e.AdoptID)
	}
	switch e.Policy {
	case FullAccess, Restricted:
	default:
		ps.add(c.Key("endpointPolicy"), "%q is not a mode; use %q (AWS's default, the endpoint filters nothing) or %q", e.Policy, FullAccess, Restricted)
	}
	if e.AdoptID != "" && e.Policy == Restricted {
		ps.add(c.Key("endpointPolicy"), "%q applies only to an endpoint this stack creates; an adopted endpoint keeps its own policy, so use %q with adoptEndpointId", Restricted, FullAccess)
	}
	if len(e.AllowedBuckets) > 0 && e.Policy != Restricted {
		ps.add(c.Key("endpointAllowedBuckets"), "is only used with endpointPolicy %q; remove it or set the mode", Restricted)
	}
	for i, b := range e.AllowedBuckets {
		k := fmt.Sprintf("%s[%d]", c.Key("endpointAllowedBuckets"), i)
		validateBucketName(ps, k, b.Name)
		if b.Name == owner.Name {
			ps.add(k, "is the shared bucket, which the restricted policy allows already; remove it")
		}
	}
	for _, dup := range duplicates(AllowedBucketNames(e.AllowedBuckets)) {
		ps.add(c.Key("endpointAllowedBuckets"), "lists %s more than once", dup)
	}
}

func validateAccess(ps *Problems, c Consumer) {
	a := c.Access
	key := c.Key("actions")
	if len(a.Actions) == 0 {
		ps.add(key, "needs at least one S3 object action, e.g. [\"s3:GetObject\", \"s3:PutObject\"]")
	}
	for i, action := range a.Actions {
		k := fmt.Sprintf("%s[%d]", key, i)
		if msg := grantedActionProblem(action); msg != "" {
			ps.add(k, "%s", msg)
		}
	}
	for _, dup := range duplicates(lowered(a.Actions)) {
		ps.add(key, "lists %s more than once", dup)
	}
	validatePrefixes(ps, c.Key("prefixes"), a.Prefixes)
	validateViaServices(ps, c.Key("viaAwsServices"), a.ViaServices)
}

// validateViaServices accepts service principals (athena.amazonaws.com): the form in which a
// forward access session names the service that calls for a principal in aws:CalledVia
// (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-calledvia).
// A wildcard would let any service in, which is what naming them avoids.
func validateViaServices(ps *Problems, key string, services []string) {
	for i, svc := range services {
		if !servicePrincipalPattern.MatchString(svc) {
			ps.add(fmt.Sprintf("%s[%d]", key, i), "%q is not an AWS service principal; name each service as AWS does, e.g. athena.amazonaws.com", svc)
		}
	}
	for _, dup := range duplicates(services) {
		ps.add(key, "lists %s more than once", dup)
	}
}

// grantedActionProblem says why an action cannot be granted on the bucket's objects ("" when it
// can): it must be an S3 action that AWS lists (spec/data/s3-actions.txt) with the resource type
// "object", since the grants name arn:...:BUCKET/PREFIX* resources.
func grantedActionProblem(action string) string {
	if strings.ContainsAny(action, "*?") {
		return fmt.Sprintf("%q is a wildcard; name each object action, e.g. s3:GetObject", action)
	}
	if !actionPattern.MatchString(action) {
		return fmt.Sprintf("%q is not an S3 action; use the form s3:GetObject", action)
	}
	a, ok := LookupS3Action(action)
	switch {
	case !ok:
		hint := "use an object action such as s3:GetObject"
		if near := NearestS3Action(action); near != "" {
			hint = "did you mean " + near + "?"
		}
		return fmt.Sprintf("%q is not an S3 action (spec/data/s3-actions.txt lists the %d that AWS documents); %s", action, len(s3Actions), hint)
	case a.AppliesTo("object"):
		return ""
	case a.AppliesTo("bucket"):
		return fmt.Sprintf("%q is a bucket-level action; only object actions are granted (set allowListing: true for s3:ListBucket)", action)
	default:
		return fmt.Sprintf("%q does not act on objects, so granting it on the bucket's keys gives nothing; use object actions such as s3:GetObject", action)
	}
}

func lowered(values []string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = strings.ToLower(v)
	}
	return out
}

// validatePrefixes: each prefix must say exactly which keys it grants. S3 matches a Resource like
// arn:aws:s3:::bucket/reports* against every key that starts with "reports", so a prefix must end
// with '/'. Policy variables (${aws:username}) would make the grant depend on the caller; this
// stack grants fixed prefixes only, so they are refused like wildcards.
func validatePrefixes(ps *Problems, key string, prefixes []string) {
	for i, p := range prefixes {
		k := fmt.Sprintf("%s[%d]", key, i)
		switch {
		case p == "":
			ps.add(k, "is empty; leave prefixes unset to share the whole bucket")
		case strings.HasPrefix(p, "/"):
			ps.add(k, "%q starts with '/'; S3 keys do not, so write %q", p, strings.TrimLeft(p, "/"))
		case strings.Contains(p, "${"):
			ps.add(k, "%q has a policy variable (${...}); prefixes are granted as written, so write a plain key prefix ending in '/', e.g. reports/", p)
		case strings.ContainsAny(p, "*?"):
			ps.add(k, "%q has a wildcard; write the plain key prefix, e.g. reports/", p)
		case len(p) > 1024:
			ps.add(k, "is longer than S3's 1024-byte key limit")
		case !strings.HasSuffix(p, "/"):
			ps.add(k, "%q does not end with '/', so it would also grant every key that merely starts with it, such as %s-secret/… and %s.csv; write %q", p, p, p, p+"/")
		}
	}
	for _, dup := range duplicates(prefixes) {
		ps.add(key, "lists %s more than once", dup)
	}
}

func validateTags(ps *Problems, tags map[string]string) {
	if len(tags) > maxTags {
		ps.add("tags", "has %d tags; AWS allows at most %d per resource", len(tags), maxTags)
	}
	for _, k := range SortedKeys(tags) {
		v := tags[k]
		switch {
		case k == "" || len(k) > maxTagKeyLen:
			ps.add("tags", "key %q must be 1 to %d characters", k, maxTagKeyLen)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			ps.add("tags", "key %q uses the prefix aws:, which AWS reserves", k)
		}
		if len(v) > maxTagValueLen {
			ps.add("tags", "value of %q is %d characters; AWS allows at most %d", k, len(v), maxTagValueLen)
		}
	}
}
