package policies

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const (
	bucketPolicyType = "aws:s3/bucketPolicy:BucketPolicy"
	endpointType     = "aws:ec2/vpcEndpoint:VpcEndpoint"
	rolePolicyType   = "aws:iam/rolePolicy:RolePolicy"
)

func owner() map[string]any    { return provider("bucket-owner", "111111111111", "eu-west-1") }
func consumer() map[string]any { return provider("consumer-analytics", "222222222222", "eu-west-1") }

func bucketPolicy(policy string) analyzerResource {
	return analyzerResource{Type: bucketPolicyType, Name: "shared-data", Provider: owner(),
		Properties: map[string]any{"bucket": "shared-data", "policy": policy}}
}

func document(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

const (
	tlsDeny     = `{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`
	perimeter   = `{"Sid":"DenyConsumerAccountsOutsideVpcEndpoints","Effect":"Deny","Principal":{"AWS":["arn:aws:iam::222222222222:root"]},"Action":["s3:*"],"Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"StringNotEqualsIfExists":{"aws:SourceVpce":["vpce-0fedcba9876543210"]}}}`
	viaEndpoint = `{"Sid":"AllowViaEndpoint","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/app"},"Action":["s3:GetObject"],"Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0fedcba9876543210"}}}`
	fullAccess  = `{"Version":"2012-10-17","Statement":[{"Sid":"AllowAll","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`
	s3EuWest1   = "com.amazonaws.eu-west-1.s3"
	ownOps      = `{"Sid":"OwnOps","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`
	cloudTrail  = `{"Sid":"Trail","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared-data/AWSLogs/111111111111/*","Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:eu-west-1:111111111111:trail/org"}}}`
	// The by-account grouping's forms (policydoc.BucketPolicy with spec.GroupByAccount), with a
	// consumer that lets Athena call for it.
	byAccountPerimeter = `{"Sid":"DenyConsumerAccountsOutsideVpcEndpoints","Effect":"Deny","Principal":"*","Action":["s3:*"],"Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"ForAllValues:StringNotEquals":{"aws:CalledVia":["athena.amazonaws.com"]},"StringEquals":{"aws:PrincipalAccount":["222222222222"]},"StringNotEqualsIfExists":{"aws:VpceAccount":["${aws:PrincipalAccount}"]}}}`
	byAccountAllow     = `{"Sid":"AllowOwnEndpoints","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:root"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::shared-data/*"],"Condition":{"StringEquals":{"aws:VpceAccount":["${aws:PrincipalAccount}"]}}}`
	viaAthena          = `{"Sid":"AllowViaAthena","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:root"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::shared-data/*"],"Condition":{"ForAnyValue:StringEquals":{"aws:CalledVia":["athena.amazonaws.com"]}}}`
	// The by-organization grouping's forms (policydoc.BucketPolicy with spec.GroupByOrganization):
	// Principal "*" limited to the organization, and the perimeter on the organization but the
	// owner's account.
	byOrgPerimeter = `{"Sid":"DenyConsumerAccountsOutsideVpcEndpoints","Effect":"Deny","Principal":"*","Action":["s3:*"],"Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-a1b2c3d4e5"]},"StringNotEquals":{"aws:PrincipalAccount":["111111111111"]},"StringNotEqualsIfExists":{"aws:VpceAccount":["${aws:PrincipalAccount}"]}}}`
	byOrgAllow     = `{"Sid":"AllowOrganization","Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::shared-data/*"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-a1b2c3d4e5"],"aws:VpceAccount":["${aws:PrincipalAccount}"]}}}`
	// A kept Allow to "*" limited to the organization and pinned to no endpoint: held by the
	// by-organization perimeter only.
	orgAnywhere  = `{"Sid":"KeepOrgRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/audit/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}`
	restrictedEP = `{"Version":"2012-10-17","Statement":[{"Sid":"AllowConsumerAccountToSharedBucket","Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"StringEquals":{"aws:PrincipalAccount":"222222222222"}}}]}`
)

const (
	grantType  = "aws:kms/grant:Grant"
	testKeyARN = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	keyAllow   = `{"Sid":"SharedBucketKey","Effect":"Allow","Action":["kms:Decrypt","kms:GenerateDataKey"],"Resource":["` + testKeyARN + `"],"Condition":{"StringEquals":{"kms:ViaService":["s3.eu-west-1.amazonaws.com"]},"StringLike":{"kms:EncryptionContext:aws:s3:arn":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"]}}}`
	keyDeny    = `{"Sid":"DenySharedBucketKeyOutsideS3","Effect":"Deny","Action":["kms:Decrypt","kms:GenerateDataKey"],"Resource":["` + testKeyARN + `"],"Condition":{"StringNotEquals":{"kms:ViaService":["s3.eu-west-1.amazonaws.com"]}}}`
)

func rolePolicy(statements ...string) analyzerResource {
	return analyzerResource{Type: rolePolicyType, Name: "analytics-app", Provider: consumer(),
		Properties: map[string]any{"role": "app", "name": "cross-account-s3-shared-data", "policy": document(statements...)}}
}

func grant(change func(props map[string]any)) analyzerResource {
	props := map[string]any{
		"keyId": testKeyARN, "granteePrincipal": "arn:aws:iam::222222222222:role/app",
		"operations":  []any{"Decrypt", "GenerateDataKey"},
		"constraints": []any{map[string]any{"encryptionContextSubset": map[string]any{"aws:s3:arn": "arn:aws:s3:::shared-data"}}},
	}
	if change != nil {
		change(props)
	}
	return analyzerResource{Type: grantType, Name: "key-grant-222222222222-app", Provider: owner(), Properties: props}
}

func endpoint(change func(props map[string]any)) analyzerResource {
	props := map[string]any{
		"vpcEndpointType": "Gateway", "serviceName": s3EuWest1, "vpcId": "vpc-0a1b2c3d4e5f60718",
		"routeTableIds": []any{"rtb-0a1b2c3d4e5f60718"}, "policy": restrictedEP,
	}
	if change != nil {
		change(props)
	}
	return analyzerResource{Type: endpointType, Name: "analytics-s3-gateway", Provider: consumer(), Properties: props}
}

// Each rule: a resource that passes it (no finding at all) and one that violates it, with the
// exact message the user sees.
func TestEveryRuleHasAPassingAndAViolatingCase(t *testing.T) {
	p := loadPack(t)
	padded := document(tlsDeny, perimeter, viaEndpoint, `{"Sid":"Padding`+strings.Repeat("x", 20480)+`","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::222222222222:role/app"},"Action":"s3:DeleteObject","Resource":["arn:aws:s3:::shared-data/*"]}`)
	cases := []struct {
		rule      string
		pass, bad analyzerResource
		msg       string
	}{
		{"deny_default_provider",
			endpoint(nil),
			func() analyzerResource {
				r := endpoint(nil)
				r.Provider = map[string]any{"type": "pulumi:providers:aws", "name": "default_6_83_4", "properties": map[string]any{"region": "eu-west-1"}}
				return r
			}(),
			`aws:ec2/vpcEndpoint:VpcEndpoint "analytics-s3-gateway" uses a default AWS provider; give it an explicit provider pinned to its account (pulumi.Provider(...)), and keep pulumi:disable-default-providers: ["*"] in Pulumi.yaml`},
		{"deny_public_allow",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint)),
			bucketPolicy(document(tlsDeny, `{"Sid":"Public","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}}`)),
			`bucket policy of "shared-data" allows principal "*" (statement "Public"); name the consumer roles instead`},
		{"deny_public_allow",
			bucketPolicy(document(tlsDeny, byOrgPerimeter, byOrgAllow)),
			bucketPolicy(document(tlsDeny, byOrgPerimeter, strings.Replace(byOrgAllow, `"o-a1b2c3d4e5"]`, `"${aws:ResourceOrgID}"]`, 1))),
			`bucket policy of "shared-data" allows principal "*" (statement "AllowOrganization"); name the consumer roles instead`},
		{"deny_public_allow",
			bucketPolicy(document(tlsDeny, byOrgPerimeter, byOrgAllow)),
			bucketPolicy(document(tlsDeny, byOrgPerimeter, strings.Replace(byOrgAllow, `"aws:PrincipalOrgID":["o-a1b2c3d4e5"],`, ``, 1))),
			`bucket policy of "shared-data" allows principal "*" (statement "AllowOrganization"); name the consumer roles instead`},
		{"deny_cross_account_without_endpoint",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, `{"Sid":"OwnAccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`)),
			bucketPolicy(document(tlsDeny, perimeter, `{"Sid":"Anywhere","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:role/app"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`)),
			`bucket policy of "shared-data" allows arn:aws:iam::222222222222:role/app from another account without a VPC endpoint condition (or an aws:CalledVia one) (statement "Anywhere"); condition it with StringEquals on aws:SourceVpce (or aws:SourceVpc, or aws:VpceAccount with account IDs or ${aws:PrincipalAccount}) naming the consumer's endpoint, or, for requests an AWS service makes with the principal's credentials, with ForAnyValue:StringEquals on aws:CalledVia naming the service`},
		{"deny_cross_account_without_endpoint",
			bucketPolicy(document(tlsDeny, byAccountPerimeter, byAccountAllow, viaAthena)),
			bucketPolicy(document(tlsDeny, byAccountPerimeter, byAccountAllow, strings.Replace(viaAthena, `"athena.amazonaws.com"`, `"*.amazonaws.com"`, 1))),
			`bucket policy of "shared-data" allows arn:aws:iam::222222222222:root from another account without a VPC endpoint condition (or an aws:CalledVia one) (statement "AllowViaAthena"); condition it with StringEquals on aws:SourceVpce (or aws:SourceVpc, or aws:VpceAccount with account IDs or ${aws:PrincipalAccount}) naming the consumer's endpoint, or, for requests an AWS service makes with the principal's credentials, with ForAnyValue:StringEquals on aws:CalledVia naming the service`},
		{"deny_cross_account_without_endpoint",
			bucketPolicy(document(tlsDeny, byOrgPerimeter, byOrgAllow, orgAnywhere)),
			bucketPolicy(document(tlsDeny, byAccountPerimeter, byAccountAllow, orgAnywhere)),
			`bucket policy of "shared-data" allows principal "*" limited by aws:PrincipalOrgID to the organization o-a1b2c3d4e5 (statement "KeepOrgRead") without a VPC endpoint condition (or an aws:CalledVia one), so any account there that the perimeter Deny does not bind to endpoints can use it from anywhere; add StringEquals on aws:VpceAccount with ${aws:PrincipalAccount} next to aws:PrincipalOrgID, so that each principal comes only through its own account's endpoints, or on aws:SourceVpce naming the endpoints`},
		{"deny_cross_account_without_endpoint",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, strings.Replace(orgAnywhere, `"o-a1b2c3d4e5"}`, `"o-a1b2c3d4e5","aws:VpceAccount":"${aws:PrincipalAccount}"}`, 1))),
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, orgAnywhere)),
			`bucket policy of "shared-data" allows principal "*" limited by aws:PrincipalOrgID to the organization o-a1b2c3d4e5 (statement "KeepOrgRead") without a VPC endpoint condition (or an aws:CalledVia one), so any account there that the perimeter Deny does not bind to endpoints can use it from anywhere; add StringEquals on aws:VpceAccount with ${aws:PrincipalAccount} next to aws:PrincipalOrgID, so that each principal comes only through its own account's endpoints, or on aws:SourceVpce naming the endpoints`},
		// By-organization, an organization the perimeter does not scope, no perimeter, or a
		// perimeter that does not bind each account to its own endpoints does not hold it.
		{"deny_cross_account_without_endpoint",
			bucketPolicy(document(tlsDeny, byOrgPerimeter, byOrgAllow, orgAnywhere)),
			bucketPolicy(document(tlsDeny, byOrgPerimeter, byOrgAllow, strings.Replace(orgAnywhere, `"o-a1b2c3d4e5"`, `["o-a1b2c3d4e5","o-0123456789abcdef"]`, 1))),
			`bucket policy of "shared-data" allows principal "*" limited by aws:PrincipalOrgID to the organizations o-0123456789abcdef, o-a1b2c3d4e5 (statement "KeepOrgRead") without a VPC endpoint condition (or an aws:CalledVia one), so any account there that the perimeter Deny does not bind to endpoints can use it from anywhere; add StringEquals on aws:VpceAccount with ${aws:PrincipalAccount} next to aws:PrincipalOrgID, so that each principal comes only through its own account's endpoints, or on aws:SourceVpce naming the endpoints`},
		{"deny_cross_account_without_endpoint",
			bucketPolicy(document(tlsDeny, byOrgPerimeter, byOrgAllow, orgAnywhere)),
			bucketPolicy(document(tlsDeny, orgAnywhere)), // by-organization without a consumer: no perimeter
			`bucket policy of "shared-data" allows principal "*" limited by aws:PrincipalOrgID to the organization o-a1b2c3d4e5 (statement "KeepOrgRead") without a VPC endpoint condition (or an aws:CalledVia one), so any account there that the perimeter Deny does not bind to endpoints can use it from anywhere; add StringEquals on aws:VpceAccount with ${aws:PrincipalAccount} next to aws:PrincipalOrgID, so that each principal comes only through its own account's endpoints, or on aws:SourceVpce naming the endpoints`},
		{"deny_cross_account_without_endpoint",
			bucketPolicy(document(tlsDeny, byOrgPerimeter, byOrgAllow, orgAnywhere)),
			bucketPolicy(document(tlsDeny, strings.Replace(byOrgPerimeter, `["${aws:PrincipalAccount}"]`, `["${aws:PrincipalAccount}","999999999999"]`, 1), byOrgAllow, orgAnywhere)),
			`bucket policy of "shared-data" allows principal "*" limited by aws:PrincipalOrgID to the organization o-a1b2c3d4e5 (statement "KeepOrgRead") without a VPC endpoint condition (or an aws:CalledVia one), so any account there that the perimeter Deny does not bind to endpoints can use it from anywhere; add StringEquals on aws:VpceAccount with ${aws:PrincipalAccount} next to aws:PrincipalOrgID, so that each principal comes only through its own account's endpoints, or on aws:SourceVpce naming the endpoints`},
		{"deny_unknown_element",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, ownOps)),
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, strings.Replace(ownOps, `"Sid":"OwnOps"`, `"Sid":"OwnOps2","Id":"x"`, 1))),
			`bucket policy of "shared-data" has a statement ("OwnOps2") with the element "Id", which is not a statement element; use only Action, Condition, Effect, NotAction, NotPrincipal, NotResource, Principal, Resource, Sid, spelt so`},
		{"deny_duplicate_element",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, ownOps)),
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, strings.Replace(ownOps, `"Principal"`, `"principal":"*","Principal"`, 1))),
			`bucket policy of "shared-data" has a statement ("OwnOps") with the elements Principal and principal, which differ only in case; keep one, spelt as AWS does`},
		{"deny_service_wildcard",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, cloudTrail)),
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, strings.Replace(cloudTrail, `"cloudtrail.amazonaws.com"`, `"*"`, 1))),
			`bucket policy of "shared-data" allows the service principal "*" (statement "Trail"), every AWS service acting for any account; name the service, and the account it acts for in aws:SourceAccount`},
		{"deny_service_without_source",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, strings.Replace(cloudTrail, `"s3:PutObject"`, `"s3:GetObject"`, 1))),
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, strings.Replace(cloudTrail, `"aws:SourceArn"`, `"aws:SourceArnX"`, 1))),
			`bucket policy of "shared-data" lets the service cloudtrail.amazonaws.com write without a condition on aws:SourceAccount, aws:SourceArn or aws:SourceOrgID (statement "Trail"), so it writes for any account that points it here (the confused-deputy problem); add one naming the account the service acts for`},
		{"deny_outside_perimeter",
			bucketPolicy(document(tlsDeny, byAccountPerimeter, byAccountAllow, viaAthena)),
			bucketPolicy(document(tlsDeny, byAccountPerimeter, byAccountAllow, strings.Replace(byAccountAllow, "222222222222:root", "999999999999:root", 1))),
			`bucket policy of "shared-data" allows arn:aws:iam::999999999999:root (statement "AllowOwnEndpoints"), whose account is neither the owner's (111111111111) nor one that the perimeter Deny DenyConsumerAccountsOutsideVpcEndpoints binds to this stack's endpoints (222222222222); make the account a consumer, or remove the statement`},
		{"deny_outside_perimeter",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, strings.Replace(viaEndpoint, `"AllowViaEndpoint"`, `"SecondRole"`, 1))),
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, strings.Replace(strings.Replace(viaEndpoint, `"AllowViaEndpoint"`, `"Backdoor"`, 1), "222222222222:role/app", "999999999999:root", 1))),
			`bucket policy of "shared-data" allows arn:aws:iam::999999999999:root (statement "Backdoor"), whose account is neither the owner's (111111111111) nor one that the perimeter Deny DenyConsumerAccountsOutsideVpcEndpoints binds to this stack's endpoints (222222222222); make the account a consumer, or remove the statement`},
		{"deny_outside_perimeter",
			bucketPolicy(document(tlsDeny, byOrgPerimeter, byOrgAllow, ownOps)),
			bucketPolicy(document(tlsDeny, byOrgPerimeter, byOrgAllow, byAccountAllow)),
			`bucket policy of "shared-data" allows arn:aws:iam::222222222222:root (statement "AllowOwnEndpoints"), whose account is not the owner's (111111111111): the perimeter Deny DenyConsumerAccountsOutsideVpcEndpoints names the organization, not accounts, so with bucketPolicyGrouping by-organization a statement may grant only the owner's account, because the organization grant already admits the organization's accounts; grant the access through the stack's own grants, or remove the statement`},
		{"deny_statement_incomplete",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, ownOps)),
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, strings.Replace(ownOps, `{"AWS":`, `{"User":`, 1))),
			`bucket policy of "shared-data" has a statement ("OwnOps") whose Principal has User, which is not a principal type; use AWS, Service, CanonicalUser or Federated`},
		{"deny_not_principal",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint)),
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, `{"Sid":"AllButAdmin","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:role/admin"},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*"}`)),
			`bucket policy of "shared-data" uses NotPrincipal (statement "AllButAdmin"), which locks out every principal not listed, the listed roles' own sessions included; name the principals in Principal instead`},
		{"deny_invalid_effect",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, ownOps)),
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, strings.Replace(ownOps, `"Allow"`, `"Permit"`, 1))),
			`bucket policy of "shared-data" has a statement ("OwnOps") whose Effect is not "Allow" or "Deny"`},
		{"deny_statement_incomplete",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, ownOps)),
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, strings.Replace(ownOps, `,"Resource":"arn:aws:s3:::shared-data/*"`, ``, 1))),
			`bucket policy of "shared-data" has a statement ("OwnOps") without Resource; every statement needs Principal, Action and Resource`},
		{"deny_foreign_resource",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, ownOps)),
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, strings.Replace(ownOps, `shared-data/*`, `shared-data-archive/*`, 1))),
			`bucket policy of "shared-data" names arn:aws:s3:::shared-data-archive/* in Resource (statement "OwnOps"), which is not this bucket; name arn:aws:s3:::shared-data or keys in it`},
		{"deny_unknown_s3_action",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, strings.Replace(ownOps, `"s3:GetObject"`, `["s3:getobject","S3:LISTBUCKET"]`, 1))),
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, strings.Replace(ownOps, `"s3:GetObject"`, `"s3:GetObjects"`, 1))),
			`bucket policy of "shared-data" names s3:GetObjects in Action (statement "OwnOps"), which is not an S3 action; use one such as s3:GetObject`},
		{"deny_everyone_vpc_lockout",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, `{"Sid":"DenyAppOutside","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::222222222222:role/app"},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}`)),
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint, `{"Sid":"LockOut","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEquals":{"aws:sourceVpc":"vpc-1"}}}`)),
			`bucket policy of "shared-data" denies principal "*" on a VPC endpoint condition (aws:SourceVpce, aws:SourceVpc, aws:VpceAccount, aws:VpceOrgID or aws:VpceOrgPaths) (statement "LockOut"), which locks out every administrator; scope the Deny to the consumer roles, or to other accounts than the owner's (111111111111) with StringEquals on aws:PrincipalAccount`},
		{"deny_everyone_vpc_lockout",
			bucketPolicy(document(tlsDeny, byAccountPerimeter, byAccountAllow, viaAthena)),
			bucketPolicy(document(tlsDeny, strings.Replace(byAccountPerimeter, `"222222222222"`, `"222222222222","111111111111"`, 1), byAccountAllow)),
			`bucket policy of "shared-data" denies principal "*" on a VPC endpoint condition (aws:SourceVpce, aws:SourceVpc, aws:VpceAccount, aws:VpceOrgID or aws:VpceOrgPaths) (statement "DenyConsumerAccountsOutsideVpcEndpoints"), which locks out every administrator; scope the Deny to the consumer roles, or to other accounts than the owner's (111111111111) with StringEquals on aws:PrincipalAccount`},
		{"deny_everyone_vpc_lockout",
			bucketPolicy(document(tlsDeny, byOrgPerimeter, byOrgAllow)),
			bucketPolicy(document(tlsDeny, strings.Replace(byOrgPerimeter, `"StringNotEquals":{"aws:PrincipalAccount":["111111111111"]},`, ``, 1), byOrgAllow)),
			`bucket policy of "shared-data" denies principal "*" on a VPC endpoint condition (aws:SourceVpce, aws:SourceVpc, aws:VpceAccount, aws:VpceOrgID or aws:VpceOrgPaths) (statement "DenyConsumerAccountsOutsideVpcEndpoints"), which locks out every administrator; scope the Deny to the consumer roles, or to other accounts than the owner's (111111111111) with StringEquals on aws:PrincipalAccount`},
		{"deny_missing_tls_deny",
			bucketPolicy(document(ownOps)), // the release step: kept statements alone
			bucketPolicy(document(perimeter, viaEndpoint)),
			`bucket policy of "shared-data" has no Deny for aws:SecureTransport false; add one so that plain-HTTP requests are refused`},
		{"deny_missing_tls_deny",
			bucketPolicy(document(tlsDeny, byAccountPerimeter, byAccountAllow)),
			bucketPolicy(document(byAccountPerimeter, byAccountAllow)),
			`bucket policy of "shared-data" has no Deny for aws:SecureTransport false; add one so that plain-HTTP requests are refused`},
		{"deny_missing_tls_deny",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint)),
			bucketPolicy(document(perimeter, viaEndpoint)),
			`bucket policy of "shared-data" has no Deny for aws:SecureTransport false; add one so that plain-HTTP requests are refused`},
		{"deny_bucket_policy_too_large",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint)),
			bucketPolicy(padded),
			fmt.Sprintf(`bucket policy of "shared-data" is %d characters, over S3's 20 KB limit (20480); share fewer prefixes or roles`, len(padded))},
		{"deny_endpoint_not_gateway",
			endpoint(nil),
			endpoint(func(p map[string]any) { p["vpcEndpointType"] = "Interface"; p["routeTableIds"] = []any{} }),
			`S3 endpoint "analytics-s3-gateway" is of type Interface; use vpcEndpointType Gateway`},
		{"deny_endpoint_without_route_tables",
			endpoint(func(p map[string]any) { delete(p, "vpcEndpointType") }),
			endpoint(func(p map[string]any) { delete(p, "routeTableIds") }),
			`S3 gateway endpoint "analytics-s3-gateway" has no route tables; list the route tables of the workload subnets`},
		{"deny_endpoint_region_mismatch",
			endpoint(nil),
			endpoint(func(p map[string]any) { p["serviceName"] = "com.amazonaws.us-east-1.s3" }),
			`S3 endpoint "analytics-s3-gateway" serves com.amazonaws.us-east-1.s3 but its provider is in eu-west-1; use com.amazonaws.eu-west-1.s3`},
		{"deny_endpoint_policy_too_large",
			endpoint(nil),
			endpoint(func(p map[string]any) {
				p["policy"] = strings.Replace(restrictedEP, `"arn:aws:s3:::shared-data"`, `"arn:aws:s3:::shared-data","`+strings.Repeat("y", 20500)+`"`, 1)
			}),
			`endpoint policy of "analytics-s3-gateway" is 20783 characters, over AWS's limit of 20480; list fewer buckets`},
		{"warn_put_object_acl",
			bucketPolicy(document(tlsDeny, perimeter, viaEndpoint)),
			bucketPolicy(document(tlsDeny, perimeter, strings.Replace(viaEndpoint, `["s3:GetObject"]`, `["s3:PutObject","s3:PutObjectAcl"]`, 1))),
			`aws:s3/bucketPolicy:BucketPolicy "shared-data" grants s3:PutObjectAcl (statement "AllowViaEndpoint"); on BucketOwnerEnforced buckets ACLs are disabled and it grants nothing, elsewhere require x-amz-acl bucket-owner-full-control`},
		{"warn_wildcard_action",
			analyzerResource{Type: rolePolicyType, Name: "analytics-app", Provider: consumer(), Properties: map[string]any{"role": "app",
				"policy": document(`{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`)}},
			analyzerResource{Type: rolePolicyType, Name: "analytics-app", Provider: consumer(), Properties: map[string]any{"role": "app",
				"policy": document(`{"Sid":"Everything","Effect":"Allow","Action":["s3:Get*"],"Resource":"arn:aws:s3:::shared-data/*"}`)}},
			`aws:iam/rolePolicy:RolePolicy "analytics-app" allows the wildcard action "s3:Get*" (statement "Everything"); name the object actions the workload needs`},
		{"warn_endpoint_full_access",
			endpoint(nil),
			endpoint(func(p map[string]any) { p["policy"] = fullAccess }),
			`S3 endpoint "analytics-s3-gateway" has AWS's full-access policy: any principal may reach any bucket through it; set endpointPolicy: restricted to limit it to the shared bucket`},
		{"deny_kms_wildcard_key",
			rolePolicy(keyAllow, keyDeny),
			rolePolicy(strings.Replace(keyAllow, `"Resource":["`+testKeyARN+`"]`, `"Resource":"*"`, 1)),
			`role policy "analytics-app" allows KMS actions on * (statement "SharedBucketKey"); name the bucket's key by its key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID), never a wildcard`},
		{"deny_kms_wildcard_action",
			rolePolicy(keyAllow),
			rolePolicy(strings.Replace(keyAllow, `["kms:Decrypt","kms:GenerateDataKey"]`, `["kms:*"]`, 1)),
			`role policy "analytics-app" allows the wildcard action "kms:*" (statement "SharedBucketKey"); allow only kms:Decrypt and kms:GenerateDataKey, which S3 needs for reads and writes`},
		{"deny_kms_without_via_service",
			rolePolicy(keyAllow, `{"Sid":"Describe","Effect":"Allow","Action":"kms:DescribeKey","Resource":"`+testKeyARN+`"}`),
			rolePolicy(strings.Replace(keyAllow, `"StringEquals":{"kms:ViaService":["s3.eu-west-1.amazonaws.com"]},`, `"StringEquals":{"kms:ViaService":["ec2.eu-west-1.amazonaws.com"]},`, 1)),
			`role policy "analytics-app" allows kms:Decrypt, kms:GenerateDataKey without a kms:ViaService condition naming S3 (statement "SharedBucketKey"); add "Condition": {"StringEquals": {"kms:ViaService": "s3.REGION.amazonaws.com"}} so that the role can use the key only through S3`},
		{"deny_kms_grant_operations",
			grant(nil),
			grant(func(p map[string]any) { p["operations"] = []any{"Decrypt", "CreateGrant"} }),
			`KMS grant "key-grant-222222222222-app" allows CreateGrant; S3 needs only Decrypt (reads) and GenerateDataKey (writes), and a grant with CreateGrant could pass the key on`},
		{"deny_kms_grant_not_a_role",
			grant(nil),
			grant(func(p map[string]any) { p["granteePrincipal"] = "arn:aws:iam::222222222222:root" }),
			`KMS grant "key-grant-222222222222-app" is for arn:aws:iam::222222222222:root, not a role; grant each consumer role (arn:aws:iam::ACCOUNT:role/NAME)`},
		{"deny_kms_grant_key_elsewhere",
			grant(nil),
			grant(func(p map[string]any) { p["keyId"] = strings.Replace(testKeyARN, "111111111111", "333333333333", 1) }),
			`KMS grant "key-grant-222222222222-app" is on key arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab of account 333333333333 in eu-west-1, but its provider is pinned to account 111111111111 in eu-west-1; create a key's grants with the provider of the key's own account and Region (the bucket owner's)`},
		{"warn_kms_grant_named",
			grant(nil),
			grant(func(p map[string]any) { p["name"] = "shared-data-app" }),
			`KMS grant "key-grant-222222222222-app" has the name "shared-data-app": CreateGrant then returns an existing grant with the same name and parameters, so a replacement (create, then delete) would revoke the grant it just got back; leave the name unset`},
		{"warn_kms_grant_unconstrained",
			grant(nil),
			grant(func(p map[string]any) { delete(p, "constraints") }),
			`KMS grant "key-grant-222222222222-app" has no encryption-context constraint, so its role may use the key with any encryption context, for other buckets too; with an S3 Bucket Key, set bucketKeyEnabled: true to limit it to aws:s3:arn = the bucket's ARN`},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.rule] = true
		t.Run(tc.rule, func(t *testing.T) {
			if got := p.checkResource(t, tc.pass); len(got) != 0 {
				t.Errorf("passing case reported %v", got)
			}
			got := p.checkResource(t, tc.bad)
			want := []finding{{tc.rule, tc.msg}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("violating case\n got %v\nwant %v", got, want)
			}
		})
	}
	for _, rule := range p.resource {
		if !covered[rule] {
			t.Errorf("rule %s has no test case", rule)
		}
	}
}

func TestStackRuleWantsTwoDistinctPinnedAccounts(t *testing.T) {
	p := loadPack(t)
	policy := bucketPolicy(document(tlsDeny, perimeter, viaEndpoint))
	if got := p.checkStack(t, endpoint(nil), policy); len(got) != 0 {
		t.Errorf("distinct accounts reported: %v", got)
	}
	sameAccount := endpoint(nil)
	sameAccount.Provider = owner()
	want := []finding{{"stack_deny_accounts_not_distinct",
		`S3 endpoint "analytics-s3-gateway" and bucket policy "shared-data" must sit on providers pinned (allowedAccountIds) to two different accounts; found 111111111111 and 111111111111`}}
	if got := p.checkStack(t, sameAccount, policy); !reflect.DeepEqual(got, want) {
		t.Errorf("same account\n got %v\nwant %v", got, want)
	}
	unpinned := endpoint(nil)
	unpinned.Provider = map[string]any{"type": "pulumi:providers:aws", "name": "consumer", "properties": map[string]any{"region": "eu-west-1"}}
	want = []finding{{"stack_deny_accounts_not_distinct",
		`S3 endpoint "analytics-s3-gateway" and bucket policy "shared-data" must sit on providers pinned (allowedAccountIds) to two different accounts; found unpinned and 111111111111`}}
	if got := p.checkStack(t, unpinned, policy); !reflect.DeepEqual(got, want) {
		t.Errorf("unpinned\n got %v\nwant %v", got, want)
	}
	for _, rule := range p.stack {
		if rule != "stack_deny_accounts_not_distinct" {
			t.Errorf("stack rule %s has no test", rule)
		}
	}
}

// Some SDKs hand provider properties to the analyzer as JSON-encoded strings.
func TestProviderPropertiesAsJSONStrings(t *testing.T) {
	p := loadPack(t)
	e := endpoint(func(props map[string]any) { props["serviceName"] = "com.amazonaws.us-east-1.s3" })
	e.Provider["properties"] = map[string]any{"region": "eu-west-1", "allowedAccountIds": `["222222222222"]`}
	got := p.checkResource(t, e)
	if len(got) != 1 || got[0].rule != "deny_endpoint_region_mismatch" {
		t.Errorf("got %v", got)
	}
	b := bucketPolicy(document(tlsDeny, perimeter, `{"Sid":"Anywhere","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`))
	b.Provider["properties"] = map[string]any{"region": "eu-west-1", "allowedAccountIds": `["111111111111"]`}
	got = p.checkResource(t, b)
	if len(got) != 1 || got[0].rule != "deny_cross_account_without_endpoint" {
		t.Errorf("got %v", got)
	}
}

// In a first preview the bucket policy depends on an endpoint ID that is not known yet: the rules
// must not report the unknown value as a violation.
func TestUnknownPolicyIsNotJudged(t *testing.T) {
	p := loadPack(t)
	r := bucketPolicy("")
	r.Properties["policy"] = map[string]any{"unknown": true}
	if got := p.checkResource(t, r); len(got) != 0 {
		t.Errorf("got %v", got)
	}
}
