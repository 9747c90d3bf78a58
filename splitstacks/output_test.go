package splitstacks

import (
	"encoding/json"
	"reflect"
	"testing"

	"cross-account-s3/spec"
	"cross-account-s3/testworld/golden"
)

const keyARN = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// consumerSpec is a consumer stack's spec: its consumers out of name order, lists out of order,
// one adopted endpoint, one restricted endpoint with an allowed bucket, one without prefixes.
func consumerSpec() spec.Spec {
	return spec.Spec{
		Bucket: spec.BucketOwner{
			Account:    spec.Account{ID: "111111111111", Region: "eu-west-1"},
			Name:       "shared-data",
			Encryption: spec.Encryption{KMSKeyARN: keyARN, BucketKey: true},
		},
		Consumers: []spec.Consumer{
			{
				Name:          "web",
				Account:       spec.Account{ID: "222222222222", Region: "eu-west-1", Credentials: spec.Credentials{Profile: "web-admin"}},
				VpcID:         "vpc-0b0b0b0b0b0b0b0b0",
				RouteTableIDs: []string{"rtb-0b0b0b0b0b0b0b0b2", "rtb-0b0b0b0b0b0b0b0b1"},
				RoleARNs:      []string{"arn:aws:iam::222222222222:role/web-z", "arn:aws:iam::222222222222:role/web-a"},
				Endpoint:      spec.Endpoint{Policy: spec.Restricted, AllowedBuckets: []spec.AllowedBucket{{Name: "os-mirror"}}},
				Access: spec.Access{Actions: []string{"s3:PutObject", "s3:GetObject"},
					Prefixes: []string{"web/z/", "web/a/"}, AllowListing: true},
				ManageRolePolicy: true,
				Index:            0,
			},
			{
				Name:          "analytics",
				Account:       spec.Account{ID: "222222222222", Region: "eu-west-1", Credentials: spec.Credentials{Profile: "web-admin"}},
				VpcID:         "vpc-0a0a0a0a0a0a0a0a0",
				RouteTableIDs: []string{"rtb-0a0a0a0a0a0a0a0a1"},
				RoleARNs:      []string{"arn:aws:iam::222222222222:role/analytics"},
				Endpoint:      spec.Endpoint{AdoptID: "vpce-0a0a0a0a0a0a0a0a0", Policy: spec.FullAccess},
				Access:        spec.Access{Actions: []string{"s3:GetObject"}},
				Index:         1,
			},
		},
	}
}

var outputEndpointIDs = map[string]string{"web": "vpce-0b0b0b0b0b0b0b0b0", "analytics": "vpce-0a0a0a0a0a0a0a0a0"}

func TestBuildSortsConsumersAndListsAndMarksAdoptedEndpoints(t *testing.T) {
	s := consumerSpec()
	if ps := s.Validate(); len(ps) > 0 {
		t.Fatalf("the fixture is invalid: %v", ps)
	}
	got := Build(s, outputEndpointIDs)
	want := Output{
		SchemaVersion: 1,
		Bucket:        Bucket{AccountID: "111111111111", Region: "eu-west-1", Name: "shared-data", KMSKeyARN: keyARN},
		Consumers: []Consumer{
			{
				Name: "analytics", AccountID: "222222222222", Region: "eu-west-1", VpcID: "vpc-0a0a0a0a0a0a0a0a0",
				RouteTableIDs:  []string{"rtb-0a0a0a0a0a0a0a0a1"},
				EndpointID:     "vpce-0a0a0a0a0a0a0a0a0",
				EndpointPolicy: "adopted",
				RoleARNs:       []string{"arn:aws:iam::222222222222:role/analytics"},
				Access:         Access{Actions: []string{"s3:GetObject"}, Prefixes: []string{}},
			},
			{
				Name: "web", AccountID: "222222222222", Region: "eu-west-1", VpcID: "vpc-0b0b0b0b0b0b0b0b0",
				RouteTableIDs:  []string{"rtb-0b0b0b0b0b0b0b0b1", "rtb-0b0b0b0b0b0b0b0b2"},
				EndpointID:     "vpce-0b0b0b0b0b0b0b0b0",
				EndpointPolicy: "restricted",
				RoleARNs:       []string{"arn:aws:iam::222222222222:role/web-a", "arn:aws:iam::222222222222:role/web-z"},
				Access: Access{Actions: []string{"s3:GetObject", "s3:PutObject"},
					Prefixes: []string{"web/a/", "web/z/"}, AllowListing: true},
				ManageRolePolicy: true,
			},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Build =\n%#v\nwant\n%#v", got, want)
	}
	// Build copies: sorting its lists leaves the spec's as they were.
	if s.Consumers[0].RoleARNs[0] != "arn:aws:iam::222222222222:role/web-z" || s.Consumers[0].Access.Prefixes[0] != "web/z/" {
		t.Errorf("Build reordered the spec's lists: %v %v", s.Consumers[0].RoleARNs, s.Consumers[0].Access.Prefixes)
	}
}

// The exported value, as JSON: the wire format an owner of this version reads. Prefixes are []
// for the whole bucket, never null, and a stack without consumers exports consumers: [].
func TestValueIsTheWireFormat(t *testing.T) {
	v := Build(consumerSpec(), outputEndpointIDs).Value()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Compare(t, "testdata/output.json", string(b)+"\n")

	prefixes := v["consumers"].([]any)[0].(map[string]any)["access"].(map[string]any)["prefixes"]
	if list, ok := prefixes.([]any); !ok || list == nil || len(list) != 0 {
		t.Errorf("prefixes of the whole bucket = %#v, want an empty list", prefixes)
	}
	if version, ok := v["schemaVersion"].(float64); !ok || version != 1 {
		t.Errorf("schemaVersion = %#v, want the JSON number 1", v["schemaVersion"])
	}

	empty := consumerSpec()
	empty.Consumers = nil
	b, err = json.Marshal(Build(empty, nil).Value())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"bucket":{"accountId":"111111111111","kmsKeyArn":"` + keyARN + `","name":"shared-data","region":"eu-west-1"},"consumers":[],"schemaVersion":1}`
	if string(b) != want {
		t.Errorf("no consumers:\n got %s\nwant %s", b, want)
	}
}

// What a consumer stack exports comes back, through a stack reference's JSON, as the same Output.
func TestValueRoundTripsThroughDecode(t *testing.T) {
	empty := consumerSpec()
	empty.Consumers = nil
	for name, out := range map[string]Output{
		"two consumers": Build(consumerSpec(), outputEndpointIDs),
		"no consumers":  Build(empty, nil),
		"a consumer that lets Athena call for its roles": func() Output {
			s := consumerSpec()
			s.Consumers[0].Access.ViaServices = []string{"athena.amazonaws.com"}
			return Build(s, outputEndpointIDs)
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			got, ps := Decode(out.Value())
			if len(ps) > 0 {
				t.Fatalf("Decode refused its own output: %v", ps)
			}
			if !reflect.DeepEqual(got, out) {
				t.Errorf("Decode(Value()) =\n%#v\nwant\n%#v", got, out)
			}
			// As the engine hands it over: JSON text decoded into any.
			b, err := json.Marshal(out.Value())
			if err != nil {
				t.Fatal(err)
			}
			var wire any
			if err := json.Unmarshal(b, &wire); err != nil {
				t.Fatal(err)
			}
			got, ps = Decode(wire)
			if len(ps) > 0 || !reflect.DeepEqual(got, out) {
				t.Errorf("through JSON: %v\n%#v", ps, got)
			}
		})
	}
}

func TestConsumerSpecIsTheSpecConsumerTheOwnerNeeds(t *testing.T) {
	out, ps := Decode(Build(consumerSpec(), outputEndpointIDs).Value())
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	analytics, web := out.Consumers[0].Spec(), out.Consumers[1].Spec()
	wantAnalytics := spec.Consumer{
		Name:          "analytics",
		Account:       spec.Account{ID: "222222222222", Region: "eu-west-1"},
		VpcID:         "vpc-0a0a0a0a0a0a0a0a0",
		RouteTableIDs: []string{"rtb-0a0a0a0a0a0a0a0a1"},
		RoleARNs:      []string{"arn:aws:iam::222222222222:role/analytics"},
		Endpoint:      spec.Endpoint{AdoptID: "vpce-0a0a0a0a0a0a0a0a0", Policy: spec.FullAccess},
		// The whole bucket is nil prefixes in a spec, as config reads it.
		Access: spec.Access{Actions: []string{"s3:GetObject"}},
	}
	if !reflect.DeepEqual(analytics, wantAnalytics) {
		t.Errorf("adopted consumer's Spec =\n%#v\nwant\n%#v", analytics, wantAnalytics)
	}
	// Credentials and the endpoint's allowed buckets are the consumer stack's business: they do
	// not travel.
	wantWeb := spec.Consumer{
		Name:          "web",
		Account:       spec.Account{ID: "222222222222", Region: "eu-west-1"},
		VpcID:         "vpc-0b0b0b0b0b0b0b0b0",
		RouteTableIDs: []string{"rtb-0b0b0b0b0b0b0b0b1", "rtb-0b0b0b0b0b0b0b0b2"},
		RoleARNs:      []string{"arn:aws:iam::222222222222:role/web-a", "arn:aws:iam::222222222222:role/web-z"},
		Endpoint:      spec.Endpoint{Policy: spec.Restricted},
		Access: spec.Access{Actions: []string{"s3:GetObject", "s3:PutObject"},
			Prefixes: []string{"web/a/", "web/z/"}, AllowListing: true},
		ManageRolePolicy: true,
	}
	if !reflect.DeepEqual(web, wantWeb) {
		t.Errorf("restricted consumer's Spec =\n%#v\nwant\n%#v", web, wantWeb)
	}
	// The spec consumer is the owner's to change: it shares no list with the output.
	web.RoleARNs[0], web.RouteTableIDs[0], web.Access.Actions[0], web.Access.Prefixes[0] = "x", "x", "x", "x"
	c := out.Consumers[1]
	if c.RoleARNs[0] == "x" || c.RouteTableIDs[0] == "x" || c.Access.Actions[0] == "x" || c.Access.Prefixes[0] == "x" {
		t.Errorf("Spec shares its lists with the output: %+v", c)
	}
	// A full-access endpoint the stack created is not adopted.
	full := Consumer{Name: "x", EndpointID: "vpce-0c0c0c0c0c0c0c0c0", EndpointPolicy: "full-access"}.Spec()
	if !reflect.DeepEqual(full.Endpoint, spec.Endpoint{Policy: spec.FullAccess}) {
		t.Errorf("full-access endpoint = %#v", full.Endpoint)
	}
}

// valid is a consumer stack's output as the engine hands it over, to break in each case.
func valid() map[string]any {
	return Build(consumerSpec(), outputEndpointIDs).Value()
}

func bucketOf(v map[string]any) map[string]any { return v["bucket"].(map[string]any) }

func consumerOf(v map[string]any, i int) map[string]any {
	return v["consumers"].([]any)[i].(map[string]any)
}

func accessOf(v map[string]any, i int) map[string]any {
	return consumerOf(v, i)["access"].(map[string]any)
}

// Each refusal names the path of the field and says what is wrong with it, in the owner's
// preview; a bad output is never partly granted.
func TestDecodeRefusals(t *testing.T) {
	const (
		topFields      = "schemaVersion, bucket, consumers"
		bucketFields   = "accountId, region, name, kmsKeyArn"
		consumerFields = "name, accountId, region, vpcId, routeTableIds, endpointId, endpointPolicy, roleArns, access, manageRolePolicy"
		accessFields   = "actions, prefixes, allowListing"
		newer          = "; was the consumer stack deployed by a newer version of this program?"
	)
	cases := []struct {
		name  string
		value func() any
		want  spec.Problems
	}{
		{"a string", func() any { return "shared-data" }, spec.Problems{
			{Key: "crossAccountS3", Message: `is the string "shared-data", not an object with the fields ` + topFields}}},
		{"null", func() any { return nil }, spec.Problems{
			{Key: "crossAccountS3", Message: "is null, not an object with the fields " + topFields}}},
		{"a list", func() any { return []any{valid()} }, spec.Problems{
			{Key: "crossAccountS3", Message: "is a list, not an object with the fields " + topFields}}},
		{"a number", func() any { return 1.0 }, spec.Problems{
			{Key: "crossAccountS3", Message: "is the number 1, not an object with the fields " + topFields}}},

		{"no schemaVersion", func() any { v := valid(); delete(v, "schemaVersion"); return v }, spec.Problems{
			{Key: "crossAccountS3", Message: "has no field schemaVersion; it is not an output of this program's version 1"}}},
		{"no bucket", func() any { v := valid(); delete(v, "bucket"); return v }, spec.Problems{
			{Key: "crossAccountS3", Message: "has no field bucket; it is not an output of this program's version 1"}}},
		{"no consumers", func() any { v := valid(); delete(v, "consumers"); return v }, spec.Problems{
			{Key: "crossAccountS3", Message: "has no field consumers; it is not an output of this program's version 1"}}},
		{"no bucket kmsKeyArn", func() any { v := valid(); delete(bucketOf(v), "kmsKeyArn"); return v }, spec.Problems{
			{Key: "crossAccountS3.bucket", Message: "has no field kmsKeyArn; it is not an output of this program's version 1"}}},
		{"no consumer vpcId nor access", func() any {
			v := valid()
			delete(consumerOf(v, 1), "vpcId")
			delete(consumerOf(v, 1), "access")
			return v
		}, spec.Problems{
			{Key: "crossAccountS3.consumers[1]", Message: "has no field vpcId; it is not an output of this program's version 1"},
			{Key: "crossAccountS3.consumers[1]", Message: "has no field access; it is not an output of this program's version 1"}}},
		{"no endpointId", func() any { v := valid(); delete(consumerOf(v, 0), "endpointId"); return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[0]", Message: "has no field endpointId; it is not an output of this program's version 1"}}},
		{"no access allowListing", func() any { v := valid(); delete(accessOf(v, 0), "allowListing"); return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[0].access", Message: "has no field allowListing; it is not an output of this program's version 1"}}},

		{"unknown top-level fields", func() any { v := valid(); v["owner"] = "x"; v["consumerStacks"] = []any{}; return v }, spec.Problems{
			{Key: "crossAccountS3", Message: "has a field consumerStacks that this program does not know (fields: " + topFields + ")" + newer},
			{Key: "crossAccountS3", Message: "has a field owner that this program does not know (fields: " + topFields + ")" + newer}}},
		{"unknown bucket field", func() any { v := valid(); bucketOf(v)["profile"] = "owner-admin"; return v }, spec.Problems{
			{Key: "crossAccountS3.bucket", Message: "has a field profile that this program does not know (fields: " + bucketFields + ")" + newer}}},
		{"unknown consumer field", func() any { v := valid(); consumerOf(v, 1)["endpointAllowedBuckets"] = []any{"os-mirror"}; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[1]", Message: "has a field endpointAllowedBuckets that this program does not know (fields: " + consumerFields + ")" + newer}}},
		{"unknown access field", func() any { v := valid(); accessOf(v, 0)["deny"] = true; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[0].access", Message: "has a field deny that this program does not know (fields: " + accessFields + ")" + newer}}},

		{"a string where a list is", func() any { v := valid(); consumerOf(v, 0)["routeTableIds"] = "rtb-0a0a0a0a0a0a0a0a1"; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[0].routeTableIds", Message: `is the string "rtb-0a0a0a0a0a0a0a0a1", not a list of strings`}}},
		{"a number in a list", func() any {
			v := valid()
			consumerOf(v, 1)["roleArns"] = []any{"arn:aws:iam::222222222222:role/web-a", 7.0}
			return v
		}, spec.Problems{
			{Key: "crossAccountS3.consumers[1].roleArns[1]", Message: "is the number 7, not a string"}}},
		{"a number for an account ID", func() any { v := valid(); consumerOf(v, 0)["accountId"] = 222222222222.0; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[0].accountId", Message: "is the number 222222222222, not a string"}}},
		{"a boolean for a string", func() any { v := valid(); bucketOf(v)["region"] = true; return v }, spec.Problems{
			{Key: "crossAccountS3.bucket.region", Message: "is true, not a string"}}},
		{"an object for a string", func() any { v := valid(); consumerOf(v, 0)["name"] = map[string]any{}; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[0].name", Message: "is an object, not a string"}}},
		{"null bucket name", func() any { v := valid(); bucketOf(v)["name"] = nil; return v }, spec.Problems{
			{Key: "crossAccountS3.bucket.name", Message: "is null, not a string"}}},
		{"null prefixes", func() any { v := valid(); accessOf(v, 0)["prefixes"] = nil; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[0].access.prefixes", Message: "is null, not a list of strings"}}},
		{"a string for a boolean", func() any { v := valid(); consumerOf(v, 1)["manageRolePolicy"] = "true"; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[1].manageRolePolicy", Message: `is the string "true", not true or false`}}},
		{"null for a boolean", func() any { v := valid(); accessOf(v, 1)["allowListing"] = nil; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[1].access.allowListing", Message: "is null, not true or false"}}},
		{"consumers not a list", func() any { v := valid(); v["consumers"] = map[string]any{}; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers", Message: "is an object, not a list of consumers"}}},
		{"null consumers", func() any { v := valid(); v["consumers"] = nil; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers", Message: "is null, not a list of consumers"}}},
		{"a consumer not an object", func() any { v := valid(); v["consumers"].([]any)[1] = "web"; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[1]", Message: `is the string "web", not an object with the fields ` + consumerFields}}},
		{"bucket not an object", func() any { v := valid(); v["bucket"] = "shared-data"; return v }, spec.Problems{
			{Key: "crossAccountS3.bucket", Message: `is the string "shared-data", not an object with the fields ` + bucketFields}}},
		{"access not an object", func() any { v := valid(); consumerOf(v, 0)["access"] = []any{"s3:GetObject"}; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[0].access", Message: "is a list, not an object with the fields " + accessFields}}},

		{"schemaVersion of a newer program", func() any { v := valid(); v["schemaVersion"] = 2.0; return v }, spec.Problems{
			{Key: "crossAccountS3.schemaVersion", Message: "is 2: the consumer stack was deployed by a newer version of this program (this one reads version 1); update the owner stack's program first"}}},
		{"schemaVersion 0", func() any { v := valid(); v["schemaVersion"] = 0.0; return v }, spec.Problems{
			{Key: "crossAccountS3.schemaVersion", Message: "is 0; versions start at 1: this is not an output of this program"}}},
		{"schemaVersion -1", func() any { v := valid(); v["schemaVersion"] = -1.0; return v }, spec.Problems{
			{Key: "crossAccountS3.schemaVersion", Message: "is -1; versions start at 1: this is not an output of this program"}}},
		{"schemaVersion 1.5", func() any { v := valid(); v["schemaVersion"] = 1.5; return v }, spec.Problems{
			{Key: "crossAccountS3.schemaVersion", Message: "is the number 1.5, not a whole number; this is not an output of this program"}}},
		{"schemaVersion a string", func() any { v := valid(); v["schemaVersion"] = "1"; return v }, spec.Problems{
			{Key: "crossAccountS3.schemaVersion", Message: `is the string "1", not a whole number; this is not an output of this program`}}},
		{"schemaVersion null", func() any { v := valid(); v["schemaVersion"] = nil; return v }, spec.Problems{
			{Key: "crossAccountS3.schemaVersion", Message: "is null, not a whole number; this is not an output of this program"}}},
		// A version this program cannot read stops there: the rest may mean something else.
		{"a newer version is not read further", func() any {
			v := valid()
			v["schemaVersion"] = 3.0
			bucketOf(v)["region"] = 1.0
			return v
		}, spec.Problems{
			{Key: "crossAccountS3.schemaVersion", Message: "is 3: the consumer stack was deployed by a newer version of this program (this one reads version 1); update the owner stack's program first"}}},

		{"endpointId not vpce-", func() any { v := valid(); consumerOf(v, 0)["endpointId"] = "vpc-0a0a0a0a0a0a0a0a0"; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[0].endpointId", Message: `"vpc-0a0a0a0a0a0a0a0a0" is not a VPC endpoint ID (vpce-0123456789abcdef0)`}}},
		{"endpointId short", func() any { v := valid(); consumerOf(v, 0)["endpointId"] = "vpce-123"; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[0].endpointId", Message: `"vpce-123" is not a VPC endpoint ID (vpce-0123456789abcdef0)`}}},
		{"endpointId empty", func() any { v := valid(); consumerOf(v, 1)["endpointId"] = ""; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[1].endpointId", Message: `"" is not a VPC endpoint ID (vpce-0123456789abcdef0)`}}},
		{"endpointId a number: one problem", func() any { v := valid(); consumerOf(v, 1)["endpointId"] = 5.0; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[1].endpointId", Message: "is the number 5, not a string"}}},
		{"endpointPolicy unknown", func() any { v := valid(); consumerOf(v, 1)["endpointPolicy"] = "open"; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[1].endpointPolicy", Message: `"open" is not full-access, restricted or adopted`}}},
		{"endpointPolicy null: one problem", func() any { v := valid(); consumerOf(v, 1)["endpointPolicy"] = nil; return v }, spec.Problems{
			{Key: "crossAccountS3.consumers[1].endpointPolicy", Message: "is null, not a string"}}},

		{"several mistakes at once", func() any {
			v := valid()
			delete(v, "extra")
			bucketOf(v)["accountId"] = 111111111111.0
			bucketOf(v)["kmsKeyArn"] = nil
			consumerOf(v, 0)["endpointId"] = "vpce-nothex!"
			consumerOf(v, 0)["endpointPolicy"] = "Restricted"
			accessOf(v, 0)["actions"] = []any{"s3:GetObject", true}
			consumerOf(v, 1)["routeTableIds"] = "rtb-0b0b0b0b0b0b0b0b1"
			consumerOf(v, 1)["manageRolePolicy"] = 1.0
			delete(consumerOf(v, 1), "region")
			return v
		}, spec.Problems{
			{Key: "crossAccountS3.bucket.accountId", Message: "is the number 111111111111, not a string"},
			{Key: "crossAccountS3.bucket.kmsKeyArn", Message: "is null, not a string"},
			{Key: "crossAccountS3.consumers[0].access.actions[1]", Message: "is true, not a string"},
			{Key: "crossAccountS3.consumers[0].endpointId", Message: `"vpce-nothex!" is not a VPC endpoint ID (vpce-0123456789abcdef0)`},
			{Key: "crossAccountS3.consumers[0].endpointPolicy", Message: `"Restricted" is not full-access, restricted or adopted`},
			{Key: "crossAccountS3.consumers[1]", Message: "has no field region; it is not an output of this program's version 1"},
			{Key: "crossAccountS3.consumers[1].routeTableIds", Message: `is the string "rtb-0b0b0b0b0b0b0b0b1", not a list of strings`},
			{Key: "crossAccountS3.consumers[1].manageRolePolicy", Message: "is the number 1, not true or false"}}},
		{"unknown fields everywhere", func() any {
			v := valid()
			bucketOf(v)["x"] = 1.0
			consumerOf(v, 0)["y"] = 1.0
			accessOf(v, 1)["z"] = 1.0
			return v
		}, spec.Problems{
			{Key: "crossAccountS3.bucket", Message: "has a field x that this program does not know (fields: " + bucketFields + ")" + newer},
			{Key: "crossAccountS3.consumers[0]", Message: "has a field y that this program does not know (fields: " + consumerFields + ")" + newer},
			{Key: "crossAccountS3.consumers[1].access", Message: "has a field z that this program does not know (fields: " + accessFields + ")" + newer}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, ps := Decode(tc.value())
			if !reflect.DeepEqual(ps, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", spec.Problems(ps).Report("problems"), spec.Problems(tc.want).Report("problems"))
			}
		})
	}
}

// A consumer with a problem is left out of the decoded output; the others are read.
func TestDecodeKeepsOnlyTheConsumersItCouldRead(t *testing.T) {
	v := valid()
	consumerOf(v, 0)["endpointPolicy"] = "open"
	out, ps := Decode(v)
	if len(ps) != 1 {
		t.Fatalf("problems: %v", ps)
	}
	if len(out.Consumers) != 1 || out.Consumers[0].Name != "web" || out.Bucket.Name != "shared-data" {
		t.Errorf("decoded %+v", out)
	}
}
