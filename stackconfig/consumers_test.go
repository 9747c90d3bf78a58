package stackconfig

import (
	"reflect"
	"testing"

	"cross-account-s3/spec"
)

func listForm(consumers string) map[string]string {
	return map[string]string{
		"bucketAccountId": "111111111111",
		"bucketRegion":    "eu-west-1",
		"bucketName":      "shared-data",
		"actions":         `["s3:GetObject"]`,
		"allowListing":    "true",
		"consumers":       consumers,
	}
}

const twoConsumers = `[
 {"name":"ingest","accountId":"333333333333","vpcId":"vpc-0b0b0b0b0b0b0b0b0","routeTableIds":["rtb-0b0b0b0b0b0b0b0b1"],
  "roleArns":["arn:aws:iam::333333333333:role/ingest"],"actions":["s3:PutObject"],"allowListing":false,"prefixes":["in/"]},
 {"name":"analytics","accountId":"222222222222","vpcId":"vpc-0a0a0a0a0a0a0a0a0","routeTableIds":["rtb-0a0a0a0a0a0a0a0a1"],
  "roleArns":["arn:aws:iam::222222222222:role/analytics"],"profile":"analytics"}]`

func TestListItemsFallBackToTheTopLevelKeys(t *testing.T) {
	s, _, ps := Load(MapSource{Values: listForm(twoConsumers)})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	byName := map[string]spec.Consumer{}
	for _, c := range s.Consumers {
		byName[c.Name] = c
	}
	a, i := byName["analytics"], byName["ingest"]
	if !reflect.DeepEqual(a.Access, spec.Access{Actions: []string{"s3:GetObject"}, AllowListing: true}) {
		t.Errorf("analytics access = %+v, want the top-level keys", a.Access)
	}
	if !reflect.DeepEqual(i.Access, spec.Access{Actions: []string{"s3:PutObject"}, Prefixes: []string{"in/"}}) {
		t.Errorf("ingest access = %+v, want its own", i.Access)
	}
	if a.Account.Region != "eu-west-1" || a.Endpoint.Policy != spec.FullAccess || a.Account.Credentials.Profile != "analytics" {
		t.Errorf("analytics = %+v", a)
	}
	if i.Index != 0 || i.Key("vpcId") != "consumers[0].vpcId" {
		t.Errorf("ingest keys are named %q", i.Key("vpcId"))
	}
}

func TestListFormProblems(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  map[string]string
		want spec.Problems
	}{
		{"not a list", listForm(`{"name":"x"}`), spec.Problems{{Key: "consumers",
			Message: `must be a non-empty list of objects, e.g. in the stack file:  consumers: [{name: analytics, accountId: "222222222222", roleArns: [...], vpcId: vpc-..., routeTableIds: [...]}]`}}},
		{"unknown and missing fields", listForm(`[{"name":"x1","accountID":"222222222222","roleArns":["arn:aws:iam::222222222222:role/a"],"vpcId":"vpc-0a0a0a0a0a0a0a0a0","routeTableIds":["rtb-0a0a0a0a0a0a0a0a1"],"colour":"red"}]`), spec.Problems{
			{Key: "consumers[0].accountID", Message: "is not a consumer field; did you mean accountId?"},
			{Key: "consumers[0].colour", Message: "is not a consumer field; use name, accountId, region, profile, assumeRoleArn, externalId, sessionName, roleArns, vpcId, routeTableIds, adoptEndpointId, endpointPolicy, endpointAllowedBuckets, actions, prefixes, allowListing, viaAwsServices, manageRolePolicy"},
			{Key: "consumers[0].accountId", Message: "is required in every consumers item"},
		}},
		{"top-level keys in an item", listForm(`[{"name":"x1","accountId":"222222222222","consumerRoleArns":["arn:aws:iam::222222222222:role/a"],"vpcId":"vpc-0a0a0a0a0a0a0a0a0","routeTableIds":["rtb-0a0a0a0a0a0a0a0a1"],"ConsumerProfile":"x","bucketPolicyGrouping":"by-access"}]`), spec.Problems{
			{Key: "consumers[0].ConsumerProfile", Message: "is not a consumer field; did you mean profile? (consumerProfile is its top-level key in the single-consumer form)"},
			{Key: "consumers[0].bucketPolicyGrouping", Message: "is not a consumer field; bucketPolicyGrouping is a top-level key: set it beside consumers, not inside an item"},
			{Key: "consumers[0].consumerRoleArns", Message: "is not a consumer field; did you mean roleArns? (consumerRoleArns is its top-level key in the single-consumer form)"},
			{Key: "consumers[0].roleArns", Message: "is required in every consumers item"},
		}},
		{"wrong types", listForm(`[{"name":"x1","accountId":222222222222,"roleArns":"arn","vpcId":"vpc-0a0a0a0a0a0a0a0a0","routeTableIds":["rtb-0a0a0a0a0a0a0a0a1"],"allowListing":"yes"}]`), spec.Problems{
			{Key: "consumers[0].accountId", Message: `is a number, not text: YAML reads unquoted digits as a number and drops leading zeros; write the value in quotes, e.g. accountId: "012345678901"`},
			{Key: "consumers[0].roleArns", Message: "must be a list of strings"},
			{Key: "consumers[0].allowListing", Message: "yes is not a boolean; use true or false"},
		}},
		{"flat keys mixed in", func() map[string]string {
			c := listForm(twoConsumers)
			c["vpcId"] = "vpc-0a0a0a0a0a0a0a0a0"
			return c
		}(), spec.Problems{{Key: "vpcId", Message: "is set together with consumers; move it into each consumers item, or remove consumers to use the single-consumer keys"}}},
		{"external ID in plain text", listForm(`[{"name":"x1","accountId":"222222222222","roleArns":["arn:aws:iam::222222222222:role/a"],"vpcId":"vpc-0a0a0a0a0a0a0a0a0","routeTableIds":["rtb-0a0a0a0a0a0a0a0a1"],"assumeRoleArn":"arn:aws:iam::222222222222:role/d","externalId":"abc123"}]`),
			spec.Problems{{Key: "consumers[0].externalId", Message: "is stored in plain text; store it encrypted with: pulumi config set --secret --path 'consumers[0].externalId' VALUE"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, got := Load(MapSource{Values: tc.cfg})
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got\n%v\nwant\n%v", got, tc.want)
			}
		})
	}
}

func TestSecretListHoldsTheExternalID(t *testing.T) {
	cfg := listForm(`[{"name":"x1","accountId":"222222222222","roleArns":["arn:aws:iam::222222222222:role/a"],"vpcId":"vpc-0a0a0a0a0a0a0a0a0","routeTableIds":["rtb-0a0a0a0a0a0a0a0a1"],"assumeRoleArn":"arn:aws:iam::222222222222:role/d","externalId":"abc123"}]`)
	s, _, ps := Load(MapSource{Values: cfg, Secrets: map[string]bool{"consumers": true}})
	if len(ps) > 0 || s.Consumers[0].Account.Credentials.ExternalID != "abc123" {
		t.Errorf("problems %v, consumer %+v", ps, s.Consumers)
	}
}

func TestABadTopLevelDefaultIsReportedOnce(t *testing.T) {
	cfg := listForm(twoConsumers)
	cfg["manageRolePolicy"] = "maybe" // neither item sets its own: both read this one
	_, _, got := Load(MapSource{Values: cfg})
	want := spec.Problems{{Key: "manageRolePolicy", Message: `"maybe" is not a boolean; use true or false`}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}
