package policies

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"cross-account-s3/policydoc"
	"cross-account-s3/spec"
)

// The kept bucket-policy statements are judged twice: by policydoc.StatementFindings when the
// stack is validated (before anything is registered), and by this pack's deny_* rules on the
// rendered policy at `pulumi preview --policy-pack`. The rules are written twice, in Go and in
// Rego, so this test runs one corpus of statements through both and requires the same rules to
// fire for each, in two partitions. Every shared rule must fire somewhere in the corpus.
//
// The stack has consumers in accounts 333333333333 and 444444444444 (corpusStack): the Go rules
// read them from the spec, the pack from the perimeter Deny of the document policydoc renders for
// that spec with the statement kept, in each grouping (by-account writes the perimeter on
// Principal "*" with the accounts in aws:PrincipalAccount, and a ...ViaServices Allow). With
// by-organization the perimeter names the organization o-a1b2c3d4e5 and no account: both sides
// then take no account as the perimeter, so a kept Allow to a consumer account is refused there
// (outside_perimeter) as it is not in the other groupings; and there only, the perimeter binds
// every account of the organization, so a "*" Allow limited to it needs no endpoint pin
// (cross_account_without_endpoint), which the pack reads from that perimeter's form.
var statementCorpus = []string{
	// fine
	`{"Sid":"OwnOps","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:*","Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"]}`,
	`{"Sid":"OwnSession","Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111111111111:assumed-role/ops/me"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/a"}`,
	`{"Sid":"Pinned","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::333333333333:role/a","444444444444"]},"Action":["s3:GetObject","S3:listbucket"],"Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":["vpce-0123456789abcdef0","vpce-0fedcba9"]}}}`,
	`{"Sid":"PinnedVpc","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:Get*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringLike":{"aws:sourcevpc":"vpc-0123456789abcdef0"}}}`,
	`{"Sid":"ServiceConfined","Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared-data/logs/*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::shared-data"},"StringEquals":{"aws:SourceAccount":"111111111111"}}}`,
	`{"Sid":"ServiceOfTheOrg","Effect":"Allow","Principal":{"Service":["cloudtrail.amazonaws.com"]},"Action":"s3:Put*","Resource":"arn:aws:s3:::shared-data/AWSLogs/*","Condition":{"StringEquals":{"AWS:SourceOrgID":"o-a1b2c3d4e5"}}}`,
	`{"Sid":"ServiceReads","Effect":"Allow","Principal":{"Service":"delivery.logs.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::shared-data"}`,
	`{"Sid":"NoServiceAtAll","Effect":"Deny","Principal":{"Service":"*"},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"OwnerSaml","Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:saml-provider/corp"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"ConsumerSaml","Effect":"Allow","Principal":{"Federated":"arn:aws:iam::333333333333:saml-provider/corp"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"LowerCaseAws","Effect":"Allow","Principal":{"aws":"arn:aws:iam::444444444444:role/a"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"NoCanonicalWrites","Effect":"Deny","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"NoOutsider","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"ScopedDeny","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::222222222222:role/app"},"NotAction":["s3:GetObject"],"Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}`,
	`{"Sid":"TlsAgain","Effect":"Deny","Principal":"*","Action":"*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`,
	// pinned to endpoints of an account (aws:VpceAccount), or to AWS services calling for the
	// principal (aws:CalledVia): the by-account grouping's and the ...ViaServices Allows' forms
	`{"Sid":"VpceAccountId","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:role/a"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:VpceAccount":"333333333333"}}}`,
	`{"Sid":"VpceAccountOwn","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::333333333333:root","444444444444"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:vpceaccount":["${aws:PrincipalAccount}"]}}}`,
	`{"Sid":"VpceAccountBoth","Effect":"Allow","Principal":{"AWS":"444444444444"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:VpceAccount":["${aws:PrincipalAccount}","444444444444"]}}}`,
	`{"Sid":"ViaAthena","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:role/a"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"ForAnyValue:StringEquals":{"aws:CalledVia":["athena.amazonaws.com"]}}}`,
	`{"Sid":"ViaServicesPlain","Effect":"Allow","Principal":{"AWS":"444444444444"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"AWS:CalledVia":["athena.amazonaws.com","glue.amazonaws.com.cn"]}}}`,
	`{"Sid":"ScopedPerimeter","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalAccount":["333333333333","444444444444"]},"StringNotEqualsIfExists":{"aws:VpceAccount":"${aws:PrincipalAccount}"}}}`,
	`{"Sid":"ScopedOrgPerimeter","Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"AWS:PRINCIPALACCOUNT":"999999999999"},"StringNotEquals":{"aws:VpceOrgID":"o-a1b2c3d4e5"}}}`,
	`{"Sid":"ScopedVpcePerimeter","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalAccount":"333333333333"},"StringNotEqualsIfExists":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	// ... and the forms that do not pin
	`{"Sid":"VpceAccountWildcard","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:VpceAccount":"*"}}}`,
	`{"Sid":"VpceAccountLike","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringLike":{"aws:VpceAccount":"3333*"}}}`,
	`{"Sid":"VpceAccountNot","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEquals":{"aws:VpceAccount":"999999999999"}}}`,
	`{"Sid":"VpceAccountIfExists","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEqualsIfExists":{"aws:VpceAccount":"${aws:PrincipalAccount}"}}}`,
	`{"Sid":"VpceAccountOtherVariable","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:VpceAccount":["${aws:SourceAccount}"]}}}`,
	`{"Sid":"VpceAccountNull","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"Null":{"aws:VpceAccount":"false"}}}`,
	`{"Sid":"ViaAnyService","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"ForAnyValue:StringEquals":{"aws:CalledVia":"*"}}}`,
	`{"Sid":"ViaAnyAmazonService","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"ForAnyValue:StringEquals":{"aws:CalledVia":["athena.amazonaws.com","*.amazonaws.com"]}}}`,
	`{"Sid":"ViaAnyServiceLike","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"ForAnyValue:StringLike":{"aws:CalledVia":"*.amazonaws.com"}}}`,
	`{"Sid":"ViaAllValues","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"ForAllValues:StringEquals":{"aws:CalledVia":"athena.amazonaws.com"}}}`,
	`{"Sid":"ViaNotAthena","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"ForAllValues:StringNotEquals":{"aws:CalledVia":"athena.amazonaws.com"}}}`,
	// limited to the organization: "*" (or AWS "*") with a StringEquals on aws:PrincipalOrgID naming
	// fixed o- IDs is not public (the by-organization form; S3's "The meaning of public")
	`{"Sid":"OrgPinned","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-a1b2c3d4e5"],"aws:VpceAccount":["${aws:PrincipalAccount}"]}}}`,
	`{"Sid":"OrgViaAthena","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"AWS:PRINCIPALORGID":"o-a1b2c3d4e5"},"ForAnyValue:StringEquals":{"aws:CalledVia":["athena.amazonaws.com"]}}}`,
	`{"Sid":"OrgOnly","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:principalorgid":["o-a1b2c3d4e5","o-0123456789abcdef"]}}}`,
	`{"Sid":"OrgAndOutsider","Effect":"Allow","Principal":{"AWS":["*","arn:aws:iam::999999999999:root"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5","aws:VpceAccount":"${aws:PrincipalAccount}"}}}`,
	// ... and limited to the organization but pinned to nothing: every account of the organization
	// may use it from anywhere unless the perimeter binds it (by-organization, and the stack's own
	// organization alone); OrgOnly also names another organization, which no perimeter binds
	`{"Sid":"OrgOnlyPinned","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:principalorgid":["o-a1b2c3d4e5","o-0123456789abcdef"],"aws:VpceAccount":"${aws:PrincipalAccount}"}}}`,
	`{"Sid":"OrgOnlySourceVpce","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"},"StringLike":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"OrgOnlyOwn","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}`,
	`{"Sid":"OrgOnlyOwnAws","Effect":"Allow","Principal":{"aws":["*"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"AWS:PrincipalOrgId":["o-a1b2c3d4e5"]}}}`,
	`{"Sid":"OrgOnlyIfExistsPin","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"},"StringEqualsIfExists":{"aws:VpceAccount":"${aws:PrincipalAccount}"}}}`,
	`{"Sid":"OrgOnlyOtherOrg","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-0123456789abcdef"}}}`,
	`{"Sid":"OrgOnlyAndOutsider","Effect":"Allow","Principal":{"AWS":["*","arn:aws:iam::999999999999:root"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}`,
	// ... and the "*" Allows it does not make private: a wildcard or a policy variable in the
	// organization, another operator, no value, CanonicalUser "*", and "*" pinned only by
	// aws:VpceAccount or aws:CalledVia
	`{"Sid":"OrgWildcard","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-*","aws:VpceAccount":"${aws:PrincipalAccount}"}}}`,
	`{"Sid":"OrgOneWildcard","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-a1b2c3d4e5","o-a1b2c3d4e?"]}}}`,
	`{"Sid":"OrgVariable","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"${aws:ResourceOrgID}"}}}`,
	`{"Sid":"OrgLike","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringLike":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}`,
	`{"Sid":"OrgIfExists","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}`,
	`{"Sid":"OrgEmpty","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":[]}}}`,
	`{"Sid":"OrgCanonicalEveryone","Effect":"Allow","Principal":{"CanonicalUser":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}`,
	`{"Sid":"PublicVpceAccountOnly","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:VpceAccount":"${aws:PrincipalAccount}"}}}`,
	`{"Sid":"PublicCalledViaOnly","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"ForAnyValue:StringEquals":{"aws:CalledVia":["athena.amazonaws.com"]}}}`,
	// public
	`{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"PublicAws","Effect":"Allow","Principal":{"AWS":["*"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"PublicAndMore","Effect":"Allow","Principal":{"AWS":["*","arn:aws:iam::333333333333:root"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	// cross-account without a pinning condition
	`{"Sid":"Anywhere","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:role/a"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"IfExists","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"AnyEndpoint","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"Null":{"aws:SourceVpce":"false"}}}`,
	`{"Sid":"NotThatOne","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"Wildcard","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringLike":{"aws:SourceVpce":"vpce-*"}}}`,
	`{"Sid":"Empty","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":[]}}}`,
	`{"Sid":"OddPrincipal","Effect":"Allow","Principal":{"AWS":"AROAEXAMPLEID"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	// lock-outs
	`{"Sid":"LockOut","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}`,
	`{"Sid":"LockOutVpc","Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEqualsIfExists":{"AWS:SOURCEVPC":"vpc-1"}}}`,
	`{"Sid":"LockOutVpceAccount","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEqualsIfExists":{"aws:VpceAccount":"${aws:PrincipalAccount}"}}}`,
	`{"Sid":"LockOutOrgID","Effect":"Deny","Principal":{"AWS":["*"]},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEquals":{"aws:vpceorgid":"o-a1b2c3d4e5"}}}`,
	`{"Sid":"LockOutOrgPaths","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"ForAllValues:StringNotLikeIfExists":{"aws:VpceOrgPaths":"o-a1b2c3d4e5/*"}}}`,
	`{"Sid":"LockOutWithOwner","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalAccount":["333333333333","111111111111"]},"StringNotEqualsIfExists":{"aws:VpceAccount":"${aws:PrincipalAccount}"}}}`,
	`{"Sid":"LockOutScopedLike","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringLike":{"aws:PrincipalAccount":"3333*"},"StringNotEqualsIfExists":{"aws:VpceAccount":"${aws:PrincipalAccount}"}}}`,
	`{"Sid":"LockOutScopedNot","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"333333333333"},"StringNotEqualsIfExists":{"aws:VpceAccount":"${aws:PrincipalAccount}"}}}`,
	`{"Sid":"LockOutScopedVariable","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalAccount":"${aws:ResourceAccount}"},"StringNotEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}}`,
	// the by-organization perimeter (the organization but the owner's account) locks nobody out; the
	// organization scope without the owner's exclusion does (the owner is in the organization)
	`{"Sid":"OrgScopedPerimeter","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-a1b2c3d4e5"]},"StringNotEquals":{"aws:PrincipalAccount":["111111111111"]},"StringNotEqualsIfExists":{"aws:VpceAccount":["${aws:PrincipalAccount}"]}}}`,
	`{"Sid":"OrgScopedPerimeterMore","Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:principalorgid":"o-a1b2c3d4e5"},"StringNotEquals":{"AWS:PrincipalAccount":["333333333333","111111111111"]},"StringNotEqualsIfExists":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"LockOutOrgNoExclusion","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-a1b2c3d4e5"]},"StringNotEqualsIfExists":{"aws:VpceAccount":["${aws:PrincipalAccount}"]}}}`,
	`{"Sid":"LockOutOrgExcludesOther","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-a1b2c3d4e5"]},"StringNotEquals":{"aws:PrincipalAccount":["333333333333"]},"StringNotEqualsIfExists":{"aws:VpceAccount":["${aws:PrincipalAccount}"]}}}`,
	`{"Sid":"LockOutOwnerExcludedNoOrg","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":["111111111111"]},"StringNotEqualsIfExists":{"aws:VpceAccount":["${aws:PrincipalAccount}"]}}}`,
	`{"Sid":"NotPrincipalDeny","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:role/admin"},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"NotPrincipalAllow","Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:role/admin"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	// malformed
	`{"Sid":"Nothing","Effect":"Allow"}`,
	`{"Sid":"NoEffect","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"Permit","Effect":"Permit","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"EmptyAction","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":[],"Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"StringPrincipal","Effect":"Allow","Principal":"arn:aws:iam::111111111111:role/ops","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	// resources
	`{"Sid":"OtherBucket","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":["arn:aws:s3:::shared-data/*","arn:aws:s3:::other/*"]}`,
	`{"Sid":"LookAlike","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data*"}`,
	`{"Sid":"Everything","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:DeleteObject","Resource":"*"}`,
	`{"Sid":"NotResourceElsewhere","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:DeleteObject","NotResource":"arn:aws:s3:::other/*"}`,
	`{"Sid":"NumberResource","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":42}`,
	// actions
	`{"Sid":"Typo","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObjects","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"OtherService","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":["s3:GetObject","iam:PassRole"],"Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"NoMatch","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:Fetch*","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"QuestionMark","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObjec?","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"NotActionTypo","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"NotAction":"s3:ReadObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"NumberAction","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":7,"Resource":"arn:aws:s3:::shared-data/*"}`,
	// every principal form: services
	`{"Sid":"Service","Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared-data/logs/*"}`,
	`{"Sid":"TrailOfAnyone","Effect":"Allow","Principal":{"service":"cloudtrail.amazonaws.com"},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/AWSLogs/*"}`,
	`{"Sid":"ServiceIfExists","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":["s3:GetBucketAcl","s3:PutObject"],"Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"StringEqualsIfExists":{"aws:SourceAccount":"111111111111"}}}`,
	`{"Sid":"ServiceAnyAccount","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringLike":{"aws:SourceAccount":"*"}}}`,
	`{"Sid":"ServiceNotAction","Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"NotAction":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"EveryService","Effect":"Allow","Principal":{"Service":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}}`,
	`{"Sid":"EveryServiceWrites","Effect":"Allow","Principal":{"Service":["logging.s3.amazonaws.com","*.amazonaws.com"]},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	// every principal form: canonical users, federated principals, "*" in any type and case
	`{"Sid":"Canonical","Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:*","Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"]}`,
	`{"Sid":"CanonicalPinned","Effect":"Allow","Principal":{"CanonicalUser":["79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"CanonicalEveryone","Effect":"Allow","Principal":{"CanonicalUser":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"FederatedEveryone","Effect":"Allow","Principal":{"Federated":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"Google","Effect":"Allow","Principal":{"Federated":"accounts.google.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"OutsiderSaml","Effect":"Allow","Principal":{"FEDERATED":"arn:aws:iam::999999999999:saml-provider/corp"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"LowerCaseEveryone","Effect":"Allow","Principal":{"aws":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"AwsTwice","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops","aws":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"LockOutLowerCase","Effect":"Deny","Principal":{"aws":"*"},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}`,
	`{"Sid":"UserType","Effect":"Allow","Principal":{"User":"arn:aws:iam::111111111111:user/ops"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	// accounts outside the perimeter (neither the owner's nor a consumer account)
	`{"Sid":"Outsider","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"s3:*","Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0badbadbadbadbad0"}}}`,
	`{"Sid":"OutsiderAnywhere","Effect":"Allow","Principal":{"AWS":"999999999999"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"OneInOneOut","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::333333333333:role/a","arn:aws:iam::999999999999:role/exfil"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"Wildcarded","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	// elements unknown or repeated in another case
	`{"Sid":"SecondPrincipal","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"LowerPrincipalOnly","Effect":"Allow","principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"TwoEffects","Effect":"Deny","EFFECT":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"WithId","Id":"audit","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"Conditions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Conditions":{"Bool":{"aws:SecureTransport":"true"}}}`,
	// several at once
	`{"Sid":"Everything2","Effect":"Allow","Principal":"*","Action":"s3:Steal","Resource":"arn:aws:s3:::other/*"}`,
}

func TestTheGoChecksAndThePackAgreeOnKeptStatements(t *testing.T) {
	p := loadPack(t)
	shared := map[string]bool{}
	for _, r := range policydoc.SharedStatementRules {
		shared[r] = true
	}
	fired := map[string]bool{}
	clean := 0
	for _, region := range []string{"eu-west-1", "cn-north-1"} {
		// The perimeter's three forms: root ARNs (per-endpoint; by-access writes it alike),
		// Principal "*" scoped by aws:PrincipalAccount (by-account), and Principal "*" scoped to
		// the organization but the owner's account (by-organization).
		for _, grouping := range []spec.BucketPolicyGrouping{spec.GroupPerEndpoint, spec.GroupByAccount, spec.GroupByOrganization} {
			agree(t, p, region, grouping, shared, fired, &clean)
		}
	}
	for _, r := range policydoc.SharedStatementRules {
		if !fired[r] {
			t.Errorf("no statement of the corpus breaks rule %s", r)
		}
	}
	if clean == 0 {
		t.Errorf("no statement of the corpus is accepted")
	}
}

func agree(t *testing.T, p *pack, region string, grouping spec.BucketPolicyGrouping, shared, fired map[string]bool, clean *int) {
	t.Helper()
	s, ids := corpusStack(region, grouping)
	for _, raw := range statementCorpus {
		var st map[string]any
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		var goRules []string
		for _, f := range policydoc.StatementFindings(s, st) {
			goRules = appendOnce(goRules, f.Rule)
		}
		kept := s
		kept.ExtraBucketStatements = []map[string]any{st}
		res := bucketPolicy(policydoc.BucketPolicy(kept, ids).JSON())
		res.Provider = provider("bucket-owner", "111111111111", region)
		var packRules []string
		for _, f := range p.checkResource(t, res) {
			rule, isDeny := strings.CutPrefix(f.rule, "deny_")
			if !isDeny {
				continue
			}
			if !shared[rule] {
				t.Errorf("%s %s %s: the pack's rule %s fired, which is not one of the shared rules", region, grouping, raw, f.rule)
			}
			packRules = appendOnce(packRules, rule)
		}
		sort.Strings(goRules)
		sort.Strings(packRules)
		if strings.Join(goRules, ",") != strings.Join(packRules, ",") {
			t.Errorf("%s %s %s:\n  Go:   %v\n  pack: %v", region, grouping, raw, goRules, packRules)
		}
		for _, r := range goRules {
			fired[r] = true
		}
		if len(goRules) == 0 {
			*clean++
		}
	}
}

// corpusStack is the stack the corpus is kept in: the bucket owner 111111111111 and a consumer in
// each of the accounts 333333333333 and 444444444444, with their endpoints' IDs; ingest lets
// Athena call for its role (a ...ViaServices Allow, and the perimeter's exemption). With
// by-organization the organization is o-a1b2c3d4e5.
func corpusStack(region string, grouping spec.BucketPolicyGrouping) (spec.Spec, policydoc.EndpointIDs) {
	partition := spec.Partition(region)
	s := spec.Spec{Bucket: spec.BucketOwner{Account: spec.Account{ID: "111111111111", Region: region}, Name: "shared-data"}, BucketPolicyGrouping: grouping}
	if grouping == spec.GroupByOrganization {
		s.OrganizationID = "o-a1b2c3d4e5"
	}
	ids := policydoc.EndpointIDs{}
	for i, acct := range []string{"333333333333", "444444444444"} {
		name := []string{"ingest", "audit"}[i]
		vpc := []string{"vpc-0aaaaaaaaaaaaaaaa", "vpc-0bbbbbbbbbbbbbbbb"}[i]
		s.Consumers = append(s.Consumers, spec.Consumer{
			Name: name, Index: i, Account: spec.Account{ID: acct, Region: region}, VpcID: vpc,
			RouteTableIDs: []string{"rtb-" + vpc[4:]}, RoleARNs: []string{"arn:" + partition + ":iam::" + acct + ":role/" + name},
			Endpoint: spec.Endpoint{Policy: spec.FullAccess}, Access: spec.Access{Actions: []string{"s3:GetObject"}},
		})
		ids[name] = "vpce-" + vpc[4:]
	}
	s.Consumers[0].Access.ViaServices = []string{"athena.amazonaws.com"}
	return s, ids
}

// The corpus's stack renders the perimeter the pack reads the consumer accounts from, in each of
// its forms (the by-organization one names none), and its own statements pass the pack.
func TestTheCorpusStackHasAPerimeter(t *testing.T) {
	p := loadPack(t)
	for grouping, want := range map[spec.BucketPolicyGrouping]string{
		spec.GroupPerEndpoint:    `{"Sid":"DenyConsumerAccountsOutsideVpcEndpoints","Effect":"Deny","Principal":{"AWS":["arn:aws:iam::333333333333:root","arn:aws:iam::444444444444:root"]}`,
		spec.GroupByAccount:      `{"Sid":"DenyConsumerAccountsOutsideVpcEndpoints","Effect":"Deny","Principal":"*","Action":["s3:*"],"Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"ForAllValues:StringNotEquals":{"aws:CalledVia":["athena.amazonaws.com"]},"StringEquals":{"aws:PrincipalAccount":["333333333333","444444444444"]},"StringNotEqualsIfExists":{"aws:VpceAccount":["${aws:PrincipalAccount}"]}}}`,
		spec.GroupByOrganization: `{"Sid":"DenyConsumerAccountsOutsideVpcEndpoints","Effect":"Deny","Principal":"*","Action":["s3:*"],"Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"ForAllValues:StringNotEquals":{"aws:CalledVia":["athena.amazonaws.com"]},"StringEquals":{"aws:PrincipalOrgID":["o-a1b2c3d4e5"]},"StringNotEquals":{"aws:PrincipalAccount":["111111111111"]},"StringNotEqualsIfExists":{"aws:VpceAccount":["${aws:PrincipalAccount}"]}}}`,
	} {
		s, ids := corpusStack("eu-west-1", grouping)
		if ps := append(s.Validate(), policydoc.Check(s)...); len(ps) > 0 {
			t.Fatal(ps)
		}
		doc := policydoc.BucketPolicy(s, ids).JSON()
		if !strings.Contains(doc, want) {
			t.Errorf("%s: no perimeter of the expected form in %s", grouping, doc)
		}
		if !strings.Contains(doc, `ViaServices","Effect":"Allow"`) {
			t.Errorf("%s: no ...ViaServices Allow in %s", grouping, doc)
		}
		for _, f := range p.checkResource(t, bucketPolicy(doc)) {
			if !strings.HasPrefix(f.rule, "warn") {
				t.Errorf("%s: %v", grouping, f)
			}
		}
	}
}

// What the corpus's new pinning and scoping shapes must be judged (the agreement test then holds
// the pack to the same): aws:VpceAccount with account IDs or ${aws:PrincipalAccount} and
// aws:CalledVia with service principals pin a cross-account Allow, and a Deny on "*" scoped to
// other accounts by aws:PrincipalAccount locks nobody out; wildcards, other operators, and a
// scope that includes the owner do not count.
func TestTheCorpusPinningAndScopingVerdicts(t *testing.T) {
	want := map[string]string{
		"VpceAccountId": "", "VpceAccountOwn": "", "VpceAccountBoth": "", "ViaAthena": "", "ViaServicesPlain": "",
		"ScopedPerimeter": "", "ScopedOrgPerimeter": "", "ScopedVpcePerimeter": "",
		"VpceAccountWildcard": "cross_account_without_endpoint", "VpceAccountLike": "cross_account_without_endpoint",
		"VpceAccountNot": "cross_account_without_endpoint", "VpceAccountIfExists": "cross_account_without_endpoint",
		"VpceAccountOtherVariable": "cross_account_without_endpoint", "VpceAccountNull": "cross_account_without_endpoint",
		"ViaAnyService": "cross_account_without_endpoint", "ViaAnyAmazonService": "cross_account_without_endpoint",
		"ViaAnyServiceLike": "cross_account_without_endpoint", "ViaAllValues": "cross_account_without_endpoint", "ViaNotAthena": "cross_account_without_endpoint",
		"LockOutVpceAccount": "everyone_vpc_lockout", "LockOutOrgID": "everyone_vpc_lockout", "LockOutOrgPaths": "everyone_vpc_lockout",
		"LockOutWithOwner": "everyone_vpc_lockout", "LockOutScopedLike": "everyone_vpc_lockout",
		"LockOutScopedNot": "everyone_vpc_lockout", "LockOutScopedVariable": "everyone_vpc_lockout",
	}
	checkCorpusVerdicts(t, spec.GroupByAccount, want)
}

// checkCorpusVerdicts judges every corpus statement want names with the Go checks in a corpus
// stack of the grouping, and requires exactly the rules want gives it ("" for none; a rule that
// breaks twice counts once), and every one of them found in the corpus.
func checkCorpusVerdicts(t *testing.T, grouping spec.BucketPolicyGrouping, want map[string]string) {
	t.Helper()
	s, _ := corpusStack("eu-west-1", grouping)
	seen := 0
	for _, raw := range statementCorpus {
		var st map[string]any
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			t.Fatal(err)
		}
		rule, ok := want[st["Sid"].(string)]
		if !ok {
			continue
		}
		seen++
		var got []string
		for _, f := range policydoc.StatementFindings(s, st) {
			got = appendOnce(got, f.Rule) // OrgOnlyAndOutsider breaks cross_account_without_endpoint twice
		}
		if strings.Join(got, ",") != rule {
			t.Errorf("%s %s: got %v, want %q", grouping, st["Sid"], got, rule)
		}
	}
	if seen != len(want) {
		t.Errorf("%s: found %d of the %d statements in the corpus", grouping, seen, len(want))
	}
}

// What the corpus's organization shapes must be judged, by-account and by-organization (the
// agreement test then holds the pack to the same): a "*" Allow limited by StringEquals on
// aws:PrincipalOrgID to fixed o- IDs is not public, one whose organization is a wildcard or a
// variable, or is tested by another operator, or that only aws:VpceAccount or aws:CalledVia pins,
// is; the by-organization perimeter locks nobody out, the organization scope without the owner's
// exclusion does; and by-organization refuses a kept Allow to a consumer account
// (outside_perimeter), which the other groupings accept. A "*" limited to the organization admits
// every account of it, so cross_account_without_endpoint wants it pinned (OrgOnlyPinned,
// OrgOnlySourceVpce, OrgPinned, OrgViaAthena are) wherever the perimeter Deny does not hold it:
// per-endpoint and by-account that Deny binds only the consumer accounts, so OrgOnlyOwn and the
// like are refused there; by-organization it binds every account of the stack's organization but
// the owner's to endpoints that account owns, and they are accepted, unless the Allow also admits
// another organization, which that Deny does not bind (OrgOnly, OrgOnlyOtherOrg).
func TestTheCorpusOrganizationVerdicts(t *testing.T) {
	common := map[string]string{
		"OrgPinned": "", "OrgViaAthena": "", "OrgAndOutsider": "outside_perimeter",
		"OrgOnlyPinned": "", "OrgOnlySourceVpce": "",
		"OrgOnly": "cross_account_without_endpoint", "OrgOnlyOtherOrg": "cross_account_without_endpoint",
		"OrgOnlyAndOutsider": "cross_account_without_endpoint,outside_perimeter", "OrgWildcard": "public_allow",
		"OrgOneWildcard": "public_allow", "OrgVariable": "public_allow",
		"OrgLike": "public_allow", "OrgIfExists": "public_allow", "OrgEmpty": "public_allow",
		"OrgCanonicalEveryone": "public_allow", "PublicVpceAccountOnly": "public_allow", "PublicCalledViaOnly": "public_allow",
		"OrgScopedPerimeter": "", "OrgScopedPerimeterMore": "",
		// (The owner's exclusion without the organization scope would spare the owner too, but is
		// not the by-organization form the rule spares: it stays conservative there.)
		"LockOutOrgNoExclusion": "everyone_vpc_lockout", "LockOutOrgExcludesOther": "everyone_vpc_lockout", "LockOutOwnerExcludedNoOrg": "everyone_vpc_lockout",
		"OwnOps": "", "ScopedPerimeter": "", "LockOutVpceAccount": "everyone_vpc_lockout",
	}
	consumerAllows := []string{"Pinned", "PinnedVpc", "ConsumerSaml", "LowerCaseAws", "VpceAccountId", "VpceAccountOwn", "ViaAthena", "ViaServicesPlain"}
	ownOrgUnpinned := []string{"OrgOnlyOwn", "OrgOnlyOwnAws", "OrgOnlyIfExistsPin"}
	for grouping, verdicts := range map[spec.BucketPolicyGrouping]struct{ consumer, ownOrgUnpinned string }{
		spec.GroupPerEndpoint:    {"", "cross_account_without_endpoint"},
		spec.GroupByAccount:      {"", "cross_account_without_endpoint"},
		spec.GroupByOrganization: {"outside_perimeter", ""},
	} {
		want := map[string]string{}
		for sid, rule := range common {
			want[sid] = rule
		}
		for _, sid := range consumerAllows {
			want[sid] = verdicts.consumer
		}
		for _, sid := range ownOrgUnpinned {
			want[sid] = verdicts.ownOrgUnpinned
		}
		checkCorpusVerdicts(t, grouping, want)
	}
}

// The documents this stack writes pass the pack's mandatory rules, in every grouping and both
// endpoint modes, with a consumer that lets Athena call for its role and kept statements that
// pass the Go checks.
func TestTheStacksOwnDocumentsPassThePack(t *testing.T) {
	p := loadPack(t)
	for _, grouping := range []spec.BucketPolicyGrouping{spec.GroupPerEndpoint, spec.GroupByAccess, spec.GroupByAccount, spec.GroupByOrganization} {
		for _, mode := range []spec.EndpointPolicyMode{spec.FullAccess, spec.Restricted} {
			// A consumer account's auditor; by-organization, where a kept Allow may grant only
			// the owner's account, the owner's.
			auditor := "arn:aws:iam::333333333333:role/auditor"
			if grouping == spec.GroupByOrganization {
				auditor = "arn:aws:iam::111111111111:role/auditor"
			}
			s := spec.Spec{
				Bucket:               spec.BucketOwner{Account: spec.Account{ID: "111111111111", Region: "eu-west-1"}, Name: "shared-data"},
				BucketPolicyGrouping: grouping,
				ExtraBucketStatements: []map[string]any{{
					"Sid": "KeepAuditRead", "Effect": "Allow", "Principal": map[string]any{"AWS": auditor},
					"Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-data/audit/*",
					"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceVpc": "vpc-0123456789abcdef0"}},
				}},
			}
			if grouping == spec.GroupByOrganization {
				s.OrganizationID = "o-a1b2c3d4e5"
			}
			ids := policydoc.EndpointIDs{}
			for i, acct := range []string{"222222222222", "222222222222", "333333333333"} {
				vpc := []string{"vpc-0aaaaaaaaaaaaaaaa", "vpc-0bbbbbbbbbbbbbbbb", "vpc-0cccccccccccccccc"}[i]
				name := []string{"analytics", "billing", "ingest"}[i]
				s.Consumers = append(s.Consumers, spec.Consumer{
					Name: name, Account: spec.Account{ID: acct, Region: "eu-west-1"}, VpcID: vpc,
					RouteTableIDs: []string{"rtb-" + vpc[4:]}, RoleARNs: []string{"arn:aws:iam::" + acct + ":role/" + name},
					Endpoint: spec.Endpoint{Policy: mode, AllowedBuckets: allowedIf(mode == spec.Restricted)},
					Access:   spec.Access{Actions: []string{"s3:GetObject", "s3:PutObject"}, Prefixes: []string{"reports/"}, AllowListing: true},
				})
				ids[name] = "vpce-" + vpc[4:]
			}
			s.Consumers[1].Access.ViaServices = []string{"athena.amazonaws.com"}
			if ps := append(s.Validate(), policydoc.Check(s)...); len(ps) > 0 {
				t.Fatalf("invalid: %v", ps)
			}
			res := bucketPolicy(policydoc.BucketPolicy(s, ids).JSON())
			for _, f := range p.checkResource(t, res) {
				if !strings.HasPrefix(f.rule, "warn") {
					t.Errorf("%s/%s: %v", grouping, mode, f)
				}
			}
		}
	}
}

func allowedIf(restricted bool) []spec.AllowedBucket {
	if !restricted {
		return nil
	}
	return []spec.AllowedBucket{{Name: "al2023-repos-eu-west-1-de612dc2"}, {Name: "example-logs", Write: true}}
}

func appendOnce(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}
