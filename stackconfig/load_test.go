package stackconfig

import (
	"reflect"
	"testing"

	"cross-account-s3/spec"
)

func valid() map[string]string {
	return map[string]string{
		"bucketAccountId":   "111111111111",
		"bucketRegion":      "eu-west-1",
		"bucketName":        "shared-data",
		"consumerAccountId": "222222222222",
		"consumerRegion":    "eu-west-1",
		"consumerRoleArns":  `["arn:aws:iam::222222222222:role/app"]`,
		"vpcId":             "vpc-0a1b2c3d4e5f60718",
		"routeTableIds":     `["rtb-0a1b2c3d4e5f60718"]`,
	}
}

func TestDefaultsApplyWhenTheStackOmitsKeys(t *testing.T) {
	s, _, ps := Load(MapSource{Values: valid()})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	c := s.Consumers[0]
	if c.Name != "consumer" || c.Endpoint.Policy != spec.FullAccess || c.Access.AllowListing || c.ManageRolePolicy {
		t.Errorf("defaults not applied: %+v", c)
	}
	if !reflect.DeepEqual(c.Access.Actions, spec.DefaultActions) {
		t.Errorf("actions = %v, want %v", c.Access.Actions, spec.DefaultActions)
	}
}

func TestUnknownKeysAreReportedWithASuggestion(t *testing.T) {
	cfg := valid()
	cfg["allowlisting"] = "true"
	cfg["bucketOwner"] = "x"
	_, _, ps := Load(MapSource{Values: cfg})
	want := spec.Problems{
		{Key: "allowlisting", Message: "is not a key of this project; did you mean allowListing?"},
		{Key: "bucketOwner", Message: "is not a key of this project; Pulumi.yaml lists the keys it reads"},
	}
	if !reflect.DeepEqual(ps, want) {
		t.Errorf("got %v\nwant %v", ps, want)
	}
}

// A consumers-item field written at the top level is pointed at both places it could go.
func TestItemFieldsAtTheTopLevelAreReportedWithBothPlaces(t *testing.T) {
	cfg := valid()
	delete(cfg, "consumerRoleArns")
	cfg["roleArns"] = `["arn:aws:iam::222222222222:role/app"]`
	cfg["AccountId"] = "222222222222"
	cfg["name"] = "analytics"
	_, _, ps := Load(MapSource{Values: cfg})
	want := spec.Problems{
		{Key: "consumerRoleArns", Message: `is required; set it with: pulumi config set consumerRoleArns '["arn:aws:iam::222222222222:role/app"]'`},
		{Key: "AccountId", Message: "is not a key of this project; did you mean consumerAccountId, or accountId inside a consumers item?"},
		{Key: "name", Message: "is not a key of this project; did you mean consumerName, or name inside a consumers item?"},
		{Key: "roleArns", Message: "is not a key of this project; did you mean consumerRoleArns, or roleArns inside a consumers item?"},
	}
	if !reflect.DeepEqual(ps, want) {
		t.Errorf("got\n%v\nwant\n%v", ps, want)
	}
}

func TestExtraStatementsKeepTheirNumbers(t *testing.T) {
	cfg := valid()
	cfg["extraBucketPolicyStatements"] = `[{"Sid":"Keep","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"NumericLessThan":{"s3:max-keys":10},"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}]`
	s, _, ps := Load(MapSource{Values: cfg})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	cond := s.ExtraBucketStatements[0]["Condition"].(map[string]any)["NumericLessThan"].(map[string]any)
	if got := cond["s3:max-keys"]; got == nil || got.(interface{ String() string }).String() != "10" {
		t.Errorf("number changed: %#v", got)
	}
}

func TestAMissingKeyIsReportedOnce(t *testing.T) {
	cfg := valid()
	delete(cfg, "vpcId")
	_, _, ps := Load(MapSource{Values: cfg})
	want := spec.Problems{{Key: "vpcId", Message: "is required; set it with: pulumi config set vpcId vpc-0123456789abcdef0"}}
	if !reflect.DeepEqual(ps, want) {
		t.Errorf("got %v\nwant %v", ps, want)
	}
}
