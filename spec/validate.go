package spec

import (
	"fmt"
	"net"
	"regexp"
	"strings"
)

var (
	accountIDPattern   = regexp.MustCompile(`^\d{12}$`)
	regionPattern      = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)
	vpcIDPattern       = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)
	routeTablePattern  = regexp.MustCompile(`^rtb-([0-9a-f]{8}|[0-9a-f]{17})$`)
	endpointIDPattern  = regexp.MustCompile(`^vpce-([0-9a-f]{8}|[0-9a-f]{17})$`)
	bucketNamePattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	actionPattern      = regexp.MustCompile(`^s3:[A-Za-z]+$`)
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	externalIDPattern  = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	consumerNamePat    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}[a-z0-9]$`)
)

// AWS tag limits that apply to every taggable resource here.
const (
	maxTags        = 50
	maxTagKeyLen   = 128
	maxTagValueLen = 256
)

// Validate checks the whole spec and returns every problem, each naming its config key.
func (s Spec) Validate() Problems {
	var ps Problems
	validateAccount(&ps, s.Bucket.Account, bucketKey)
	validateBucketName(&ps, bucketKey("name"), s.Bucket.Name)
	if len(s.Consumers) == 0 {
		ps.add("consumers", "no consumer is configured; set consumerAccountId, vpcId, routeTableIds and consumerRoleArns")
	}
	for _, c := range s.Consumers {
		validateConsumer(&ps, s.Bucket, c)
	}
	validateAcrossConsumers(&ps, s)
	validateTags(&ps, s.Tags)
	return ps
}

func bucketKey(field string) string {
	return "bucket" + strings.ToUpper(field[:1]) + field[1:]
}

// flatConsumerKeys are the flat-form names of consumer fields that differ from their item names.
var flatConsumerKeys = map[string]string{
	"name":          "consumerName",
	"accountId":     "consumerAccountId",
	"region":        "consumerRegion",
	"profile":       "consumerProfile",
	"assumeRoleArn": "consumerAssumeRoleArn",
	"externalId":    "consumerExternalId",
	"sessionName":   "consumerSessionName",
	"roleArns":      "consumerRoleArns",
}

// Key names a consumer field as the user wrote it in the stack config.
func (c Consumer) Key(field string) string {
	if c.KeyPrefix != "" {
		return c.KeyPrefix + field
	}
	if flat, ok := flatConsumerKeys[field]; ok {
		return flat
	}
	return field
}

func validateAccount(ps *Problems, a Account, key func(string) string) {
	if !accountIDPattern.MatchString(a.ID) {
		hint := ""
		if len(a.ID) >= 9 && len(a.ID) < 12 && strings.Trim(a.ID, "0123456789") == "" {
			hint = " (quote it in the stack file: unquoted, YAML reads it as a number and drops leading zeros)"
		}
		ps.add(key("accountId"), "%q is not an AWS account ID; use the 12 digits, e.g. 111111111111%s", a.ID, hint)
	}
	if !regionPattern.MatchString(a.Region) {
		ps.add(key("region"), "%q is not an AWS Region name; use a code such as eu-west-1", a.Region)
	}
	validateCredentials(ps, a, key)
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
	if regionPattern.MatchString(c.Account.Region) && regionPattern.MatchString(owner.Account.Region) && c.Account.Region != owner.Account.Region {
		ps.add(c.Key("region"), "%s differs from bucketRegion %s; an S3 gateway endpoint reaches only buckets in its own Region, so set both to %s", c.Account.Region, owner.Account.Region, owner.Account.Region)
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
		case regionPattern.MatchString(c.Account.Region) && role.Partition != partition:
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
		validateBucketName(ps, k, b)
		if b == owner.Name {
			ps.add(k, "is the shared bucket, which the restricted policy allows already; remove it")
		}
	}
	for _, dup := range duplicates(e.AllowedBuckets) {
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
		switch {
		case action == "*" || strings.Contains(action, "*") || strings.Contains(action, "?"):
			ps.add(k, "%q is a wildcard; name each object action, e.g. s3:GetObject", action)
		case !actionPattern.MatchString(action):
			ps.add(k, "%q is not an S3 action; use the form s3:GetObject", action)
		case strings.Contains(action, "Bucket"):
			ps.add(k, "%q is a bucket-level action; only object actions are granted (set allowListing: true for s3:ListBucket)", action)
		}
	}
	for _, dup := range duplicates(a.Actions) {
		ps.add(key, "lists %s more than once", dup)
	}
	validatePrefixes(ps, c.Key("prefixes"), a.Prefixes)
}

func validatePrefixes(ps *Problems, key string, prefixes []string) {
	for i, p := range prefixes {
		k := fmt.Sprintf("%s[%d]", key, i)
		switch {
		case p == "":
			ps.add(k, "is empty; leave prefixes unset to share the whole bucket")
		case strings.HasPrefix(p, "/"):
			ps.add(k, "%q starts with '/'; S3 keys do not, so write %q", p, strings.TrimLeft(p, "/"))
		case strings.ContainsAny(p, "*?"):
			ps.add(k, "%q has a wildcard; write the plain key prefix, e.g. reports/", p)
		case len(p) > 1024:
			ps.add(k, "is longer than S3's 1024-byte key limit")
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
	for _, k := range sortedKeys(tags) {
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
