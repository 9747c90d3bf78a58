package stackconfig

import (
	"reflect"
	"strings"
	"testing"

	"cross-account-s3/spec"
)

// Split mode's config: which keys each side's stack may set (side, Key.Scope), and the owner's
// consumerStacks list.

const (
	ownersKey    = "is the bucket owner's; a consumer stack (side: consumer) manages only consumer accounts and needs only their credentials: move it to the owner stack's file"
	consumersKey = "describes consumers; an owner stack (side: owner) takes its consumers from the stacks in consumerStacks: move it to a consumer stack's file"
)

func ownerOnly(side string) string {
	return "is only for an owner stack (side: owner); this stack is side: " + side
}

// ownerStack is a valid owner stack: two consumer stacks, the second with its own ceiling.
func ownerStack() map[string]string {
	return map[string]string{
		"side":            "owner",
		"bucketAccountId": "111111111111",
		"bucketRegion":    "eu-west-1",
		"bucketName":      "shared-data",
		"bucketProfile":   "owner-admin",
		"consumerStacks": `[{"stack":"consumer-222222222222","accountIds":["222222222222"]},` +
			`{"stack":"acme/cross-account-s3/consumer-333333333333","accountIds":["333333333333","444444444444"],` +
			`"actions":["s3:GetObject"],"prefixes":["in/"],"allowListing":true,"ifMissing":"keep"}]`,
	}
}

// consumerStack is a valid consumer stack: the single-consumer keys, with the consumer's profile.
func consumerStack() map[string]string {
	cfg := valid()
	cfg["side"] = "consumer"
	cfg["consumerProfile"] = "consumer-222222222222"
	return cfg
}

// bothStack is a valid single stack, side unset.
func bothStack() map[string]string { return valid() }

// withDefaults adds Pulumi.yaml's defaults for the keys the stack does not set, as the CLI passes
// them to every stack.
func withDefaults(cfg map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range Defaults {
		out[k] = v
	}
	for k, v := range cfg {
		out[k] = v
	}
	return out
}

func TestAnOwnerStackReadsItsConsumerStacks(t *testing.T) {
	for name, cfg := range map[string]map[string]string{
		"as written":                  ownerStack(),
		"with Pulumi.yaml's defaults": withDefaults(ownerStack()),
	} {
		t.Run(name, func(t *testing.T) {
			s, set, ps := Load(MapSource{Values: cfg})
			if len(ps) > 0 {
				t.Fatal(ps)
			}
			want := []spec.ConsumerStack{
				{Stack: "consumer-222222222222", AccountIDs: []string{"222222222222"},
					Ceiling:   spec.Access{Actions: []string{"s3:GetObject", "s3:PutObject"}},
					IfMissing: spec.MissingFail, Index: 0, Inherited: map[string]string{"actions": "actions", "prefixes": "prefixes", "allowListing": "allowListing", "viaAwsServices": "viaAwsServices", "ifMissing": "missingConsumerStacks"}},
				{Stack: "acme/cross-account-s3/consumer-333333333333", AccountIDs: []string{"333333333333", "444444444444"},
					Ceiling:   spec.Access{Actions: []string{"s3:GetObject"}, Prefixes: []string{"in/"}, AllowListing: true},
					IfMissing: spec.MissingKeep, Index: 1, Inherited: map[string]string{"viaAwsServices": "viaAwsServices"}},
			}
			if !reflect.DeepEqual(set.ConsumerStacks, want) {
				t.Errorf("consumer stacks\n%+v\nwant\n%+v", set.ConsumerStacks, want)
			}
			if set.Side != spec.SideOwner || set.ListForm || !set.Preflight {
				t.Errorf("settings %+v", set)
			}
			if s.Consumers != nil {
				t.Errorf("an owner stack's spec has consumers of its own: %+v", s.Consumers)
			}
			wantBucket := spec.BucketOwner{Account: spec.Account{ID: "111111111111", Region: "eu-west-1",
				Credentials: spec.Credentials{Profile: "owner-admin"}}, Name: "shared-data"}
			if !reflect.DeepEqual(s.Bucket, wantBucket) {
				t.Errorf("bucket %+v", s.Bucket)
			}
			if s.Grouping() != spec.GroupPerEndpoint {
				t.Errorf("grouping %q", s.Grouping())
			}
		})
	}
}

// A ceiling the item leaves out is the top-level access keys'; ifMissing is
// missingConsumerStacks'. An item's own fields win.
func TestAConsumerStacksCeilingDefaultsToTheTopLevelKeys(t *testing.T) {
	cfg := ownerStack()
	cfg["actions"] = `["s3:GetObject","s3:GetObjectVersion"]`
	cfg["prefixes"] = `["team/","shared/"]`
	cfg["allowListing"] = "true"
	cfg["missingConsumerStacks"] = "drop"
	cfg["consumerStacks"] = `[{"stack":"consumer-222222222222","accountIds":["222222222222"]},` +
		`{"stack":"consumer-333333333333","accountIds":["333333333333"],"actions":["s3:PutObject"],"prefixes":["team/in/"],"allowListing":false,"ifMissing":"fail"},` +
		`{"stack":"consumer-444444444444","accountIds":["444444444444"],"ifMissing":"keep"}]`
	_, set, ps := Load(MapSource{Values: cfg})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	top := spec.Access{Actions: []string{"s3:GetObject", "s3:GetObjectVersion"}, Prefixes: []string{"team/", "shared/"}, AllowListing: true}
	want := []spec.ConsumerStack{
		{Stack: "consumer-222222222222", AccountIDs: []string{"222222222222"}, Ceiling: top, IfMissing: spec.MissingDrop, Index: 0,
			Inherited: map[string]string{"actions": "actions", "prefixes": "prefixes", "allowListing": "allowListing", "viaAwsServices": "viaAwsServices", "ifMissing": "missingConsumerStacks"}},
		{Stack: "consumer-333333333333", AccountIDs: []string{"333333333333"},
			Ceiling: spec.Access{Actions: []string{"s3:PutObject"}, Prefixes: []string{"team/in/"}}, IfMissing: spec.MissingFail, Index: 1,
			Inherited: map[string]string{"viaAwsServices": "viaAwsServices"}},
		{Stack: "consumer-444444444444", AccountIDs: []string{"444444444444"}, Ceiling: top, IfMissing: spec.MissingKeep, Index: 2,
			Inherited: map[string]string{"actions": "actions", "prefixes": "prefixes", "allowListing": "allowListing", "viaAwsServices": "viaAwsServices"}},
	}
	if !reflect.DeepEqual(set.ConsumerStacks, want) {
		t.Errorf("consumer stacks\n%+v\nwant\n%+v", set.ConsumerStacks, want)
	}
}

// Without the top-level keys, the reader applies their defaults itself (MapSource, like Pulumi's
// mocks, applies none): the default actions, the whole bucket, no listing, fail.
func TestAConsumerStacksCeilingDefaultsWithoutTopLevelKeys(t *testing.T) {
	_, set, ps := Load(MapSource{Values: ownerStack()})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	first := set.ConsumerStacks[0]
	if !reflect.DeepEqual(first.Ceiling, spec.Access{Actions: spec.DefaultActions}) || first.IfMissing != spec.MissingFail {
		t.Errorf("defaults %+v", first)
	}
}

// An owner stack may grant no stack yet: the bucket policy then admits no consumer.
func TestAnOwnerStackWithAnEmptyList(t *testing.T) {
	cfg := ownerStack()
	cfg["consumerStacks"] = "[]"
	_, set, ps := Load(MapSource{Values: cfg})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	if set.ConsumerStacks == nil || len(set.ConsumerStacks) != 0 {
		t.Errorf("consumer stacks %#v", set.ConsumerStacks)
	}
}

func TestAConsumerStackLoads(t *testing.T) {
	for name, cfg := range map[string]map[string]string{
		"as written":                  consumerStack(),
		"with Pulumi.yaml's defaults": withDefaults(consumerStack()),
		"with protectEndpoints":       func() map[string]string { c := consumerStack(); c["protectEndpoints"] = "true"; return c }(),
	} {
		t.Run(name, func(t *testing.T) {
			s, set, ps := Load(MapSource{Values: cfg})
			if len(ps) > 0 {
				t.Fatal(ps)
			}
			if set.Side != spec.SideConsumer || set.ConsumerStacks != nil || len(s.Consumers) != 1 {
				t.Errorf("settings %+v, consumers %+v", set, s.Consumers)
			}
			if c := s.Consumers[0]; c.Account.Credentials.Profile != "consumer-222222222222" || c.Account.ID != "222222222222" {
				t.Errorf("consumer %+v", c)
			}
			if s.Bucket.Account.Credentials != (spec.Credentials{}) {
				t.Errorf("a consumer stack has bucket credentials: %+v", s.Bucket.Account.Credentials)
			}
		})
	}
}

func TestTheSideDefaultsToBoth(t *testing.T) {
	for name, cfg := range map[string]map[string]string{
		"unset":             bothStack(),
		"both":              func() map[string]string { c := bothStack(); c["side"] = "both"; return c }(),
		"with the defaults": withDefaults(bothStack()),
		"with the owner keys": func() map[string]string {
			c := bothStack()
			c["bucketProfile"] = "x"
			c["protectEndpoints"] = "true"
			return c
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			_, set, ps := Load(MapSource{Values: cfg})
			if len(ps) > 0 {
				t.Fatal(ps)
			}
			if set.Side != spec.SideBoth || set.ConsumerStacks != nil {
				t.Errorf("settings %+v", set)
			}
		})
	}
}

// Each key in the wrong side's stack, and each mistake in consumerStacks, with every problem the
// user sees (key and message), in the order they see them.
func TestSplitRefusals(t *testing.T) {
	stacks := func(items ...string) string { return "[" + strings.Join(items, ",") + "]" }
	const (
		s222 = `{"stack":"consumer-222222222222","accountIds":["222222222222"]}`
		s333 = `{"stack":"consumer-333333333333","accountIds":["333333333333"]}`
	)
	cases := []struct {
		name string
		base func() map[string]string
		set  map[string]string // "" deletes the key
		want spec.Problems
	}{
		// A consumer stack holds none of the bucket owner's keys.
		{"consumer: bucketProfile", consumerStack, map[string]string{"bucketProfile": "owner-admin"},
			spec.Problems{{Key: "bucketProfile", Message: ownersKey}}},
		{"consumer: bucketAssumeRoleArn", consumerStack, map[string]string{"bucketAssumeRoleArn": "arn:aws:iam::111111111111:role/deployer"},
			spec.Problems{{Key: "bucketAssumeRoleArn", Message: ownersKey}}},
		{"consumer: bucketSessionName", consumerStack, map[string]string{"bucketSessionName": "pulumi"},
			spec.Problems{{Key: "bucketSessionName", Message: ownersKey}}},
		{"consumer: extraBucketPolicyStatements", consumerStack, map[string]string{
			"extraBucketPolicyStatements": `[{"Sid":"KeepAuditRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}]`},
			spec.Problems{{Key: "extraBucketPolicyStatements", Message: ownersKey}}},
		{"consumer: bucketPolicyGrouping by-access", consumerStack, map[string]string{"bucketPolicyGrouping": "by-access"},
			spec.Problems{{Key: "bucketPolicyGrouping", Message: ownersKey}}},
		{"consumer: dropForeignBucketPolicyStatements", consumerStack, map[string]string{"dropForeignBucketPolicyStatements": "true"},
			spec.Problems{{Key: "dropForeignBucketPolicyStatements", Message: ownersKey}}},
		{"consumer: protectBucketPolicy", consumerStack, map[string]string{"protectBucketPolicy": "true"},
			spec.Problems{{Key: "protectBucketPolicy", Message: ownersKey}}},
		{"consumer: releaseBucketPolicy", consumerStack, map[string]string{"releaseBucketPolicy": "true"},
			spec.Problems{{Key: "releaseBucketPolicy", Message: ownersKey}}},
		{"consumer: consumerStacks", consumerStack, map[string]string{"consumerStacks": stacks(s222)},
			spec.Problems{{Key: "consumerStacks", Message: ownerOnly("consumer")}}},
		{"consumer: missingConsumerStacks keep", consumerStack, map[string]string{"missingConsumerStacks": "keep"},
			spec.Problems{{Key: "missingConsumerStacks", Message: ownerOnly("consumer")}}},
		{"consumer: every owner key at once, in key order", consumerStack, map[string]string{
			"releaseBucketPolicy": "true", "bucketProfile": "owner-admin", "consumerStacks": "[]", "bucketPolicyGrouping": "by-access"},
			spec.Problems{
				{Key: "bucketProfile", Message: ownersKey},
				{Key: "bucketPolicyGrouping", Message: ownersKey},
				{Key: "releaseBucketPolicy", Message: ownersKey},
				{Key: "consumerStacks", Message: ownerOnly("consumer")}}},

		// An owner stack holds none of the consumers' keys, and lists its consumer stacks.
		{"owner: consumerAccountId", ownerStack, map[string]string{"consumerAccountId": "222222222222"},
			spec.Problems{{Key: "consumerAccountId", Message: consumersKey}}},
		{"owner: consumerName not the default", ownerStack, map[string]string{"consumerName": "web"},
			spec.Problems{{Key: "consumerName", Message: consumersKey}}},
		{"owner: vpcId and routeTableIds", ownerStack, map[string]string{"vpcId": "vpc-0a1b2c3d4e5f60718", "routeTableIds": `["rtb-0a1b2c3d4e5f60718"]`},
			spec.Problems{{Key: "vpcId", Message: consumersKey}, {Key: "routeTableIds", Message: consumersKey}}},
		{"owner: consumers", ownerStack, map[string]string{"consumers": `[{"name":"web","accountId":"222222222222"}]`},
			spec.Problems{{Key: "consumers", Message: consumersKey}}},
		{"owner: endpointPolicy restricted", ownerStack, map[string]string{"endpointPolicy": "restricted"},
			spec.Problems{{Key: "endpointPolicy", Message: consumersKey}}},
		{"owner: endpointAllowedBuckets", ownerStack, map[string]string{"endpointAllowedBuckets": `["os-mirror"]`},
			spec.Problems{{Key: "endpointAllowedBuckets", Message: consumersKey}}},
		{"owner: manageRolePolicy", ownerStack, map[string]string{"manageRolePolicy": "true"},
			spec.Problems{{Key: "manageRolePolicy", Message: consumersKey}}},
		{"owner: protectEndpoints true", ownerStack, map[string]string{"protectEndpoints": "true"},
			spec.Problems{{Key: "protectEndpoints", Message: consumersKey}}},
		{"owner: consumerStacks unset", ownerStack, map[string]string{"consumerStacks": ""},
			spec.Problems{{Key: "consumerStacks", Message: `is required with side: owner: list the consumer stacks to grant, e.g. in the stack file:  consumerStacks: [{stack: consumer-222222222222, accountIds: ["222222222222"]}]`}}},
		{"owner: several mistakes, in key order", ownerStack, map[string]string{
			"consumerStacks": "", "protectEndpoints": "true", "consumerAccountId": "222222222222", "bucketRegion": "eu-west-9"},
			spec.Problems{
				{Key: "bucketRegion", Message: `"eu-west-9" is not an AWS Region (it is not among the Regions listed in spec/data/regions.txt); use one of eu-west-1, eu-west-2, eu-west-3`},
				{Key: "consumerAccountId", Message: consumersKey},
				{Key: "protectEndpoints", Message: consumersKey},
				{Key: "consumerStacks", Message: `is required with side: owner: list the consumer stacks to grant, e.g. in the stack file:  consumerStacks: [{stack: consumer-222222222222, accountIds: ["222222222222"]}]`}}},

		// consumerStacks items.
		{"consumerStacks not a list", ownerStack, map[string]string{"consumerStacks": `{"stack":"consumer-222222222222"}`},
			spec.Problems{{Key: "consumerStacks", Message: `must be a list of maps, e.g. in the stack file:  consumerStacks: [{stack: consumer-222222222222, accountIds: ["222222222222"]}]`}}},
		{"an item is a string", ownerStack, map[string]string{"consumerStacks": stacks(`"consumer-222222222222"`, s333)},
			spec.Problems{{Key: "consumerStacks[0]", Message: `is "consumer-222222222222", not a map; write {stack: NAME, accountIds: ["222222222222"]}: the owner grants a stack only the accounts listed for it`}}},
		{"an unknown field", ownerStack, map[string]string{"consumerStacks": stacks(s222, `{"stack":"consumer-333333333333","accountIds":["333333333333"],"region":"eu-west-1"}`)},
			spec.Problems{{Key: "consumerStacks[1].region", Message: "is not a consumerStacks field; use stack, accountIds, vpcIds, actions, prefixes, allowListing, viaAwsServices, ifMissing"}}},
		{"a misspelt field", ownerStack, map[string]string{"consumerStacks": stacks(`{"stack":"consumer-222222222222","accountIDs":["222222222222"]}`)},
			spec.Problems{
				{Key: "consumerStacks[0].accountIDs", Message: "is not a consumerStacks field; did you mean accountIds?"},
				{Key: "consumerStacks[0].accountIds", Message: "is required in every consumerStacks item"}}},
		{"no stack", ownerStack, map[string]string{"consumerStacks": stacks(`{"accountIds":["222222222222"]}`)},
			spec.Problems{{Key: "consumerStacks[0].stack", Message: "is required in every consumerStacks item"}}},
		{"no accountIds", ownerStack, map[string]string{"consumerStacks": stacks(s222, `{"stack":"consumer-333333333333"}`)},
			spec.Problems{{Key: "consumerStacks[1].accountIds", Message: "is required in every consumerStacks item"}}},
		{"empty accountIds", ownerStack, map[string]string{"consumerStacks": stacks(`{"stack":"consumer-222222222222","accountIds":[]}`)},
			spec.Problems{{Key: "consumerStacks[0].accountIds", Message: `needs the consumer accounts the stack may grant, e.g. ["222222222222"]: a consumer stack that lists another account is refused`}}},
		{"accountIds not a list of strings", ownerStack, map[string]string{"consumerStacks": stacks(`{"stack":"consumer-222222222222","accountIds":[222222222222]}`)},
			spec.Problems{{Key: "consumerStacks[0].accountIds", Message: "must be a list of strings"}}},
		{"a bad account ID", ownerStack, map[string]string{"consumerStacks": stacks(`{"stack":"consumer-222222222222","accountIds":["222222222222","12345"]}`)},
			spec.Problems{{Key: "consumerStacks[0].accountIds[1]", Message: `"12345" is not an AWS account ID; use the 12 digits in quotes, e.g. "222222222222"`}}},
		{"the owner's own account", ownerStack, map[string]string{"consumerStacks": stacks(`{"stack":"consumer-111111111111","accountIds":["111111111111"]}`)},
			spec.Problems{{Key: "consumerStacks[0].accountIds[0]", Message: "is the bucket owner's account (111111111111); consumer stacks connect other accounts"}}},
		{"an account under two stacks", ownerStack, map[string]string{"consumerStacks": stacks(
			`{"stack":"consumer-222222222222","accountIds":["222222222222","333333333333"]}`,
			`{"stack":"consumer-333333333333","accountIds":["333333333333","444444444444"]}`)},
			spec.Problems{{Key: "consumerStacks[1].accountIds[0]", Message: "333333333333 is pinned to consumer-222222222222 (consumerStacks[0]) too; an account belongs to one consumer stack"}}},
		{"a stack listed twice", ownerStack, map[string]string{"consumerStacks": stacks(s222, s333,
			`{"stack":"consumer-222222222222","accountIds":["444444444444"]}`)},
			spec.Problems{{Key: "consumerStacks[2].stack", Message: "consumer-222222222222 is listed already as consumerStacks[0]; list each consumer stack once"}}},
		{"not a stack name", ownerStack, map[string]string{"consumerStacks": stacks(
			`{"stack":"consumer 222222222222","accountIds":["222222222222"]}`,
			`{"stack":"acme/cross-account-s3/consumers/333333333333","accountIds":["333333333333"]}`)},
			spec.Problems{
				{Key: "consumerStacks[0].stack", Message: `"consumer 222222222222" is not a stack name; use the consumer stack's name (consumer-222222222222), or project/stack, or org/project/stack`},
				{Key: "consumerStacks[1].stack", Message: `"acme/cross-account-s3/consumers/333333333333" is not a stack name; use the consumer stack's name (consumer-222222222222), or project/stack, or org/project/stack`}}},
		{"a bad ifMissing", ownerStack, map[string]string{"consumerStacks": stacks(s222, `{"stack":"consumer-333333333333","accountIds":["333333333333"],"ifMissing":"skip"}`)},
			spec.Problems{{Key: "consumerStacks[1].ifMissing", Message: `"skip" is not fail (stop, naming the stack), keep (grant what the owner's last update granted it) or drop (grant it nothing)`}}},
		{"an account twice in one item", ownerStack, map[string]string{"consumerStacks": stacks(`{"stack":"consumer-222222222222","accountIds":["222222222222","222222222222"]}`)},
			spec.Problems{{Key: "consumerStacks[0].accountIds", Message: "lists 222222222222 more than once"}}},
		// A top-level default the items inherit is reported once, under its own key, whether or
		// not an item inherits it.
		{"a bad top-level ceiling, inherited by two items", ownerStack, map[string]string{"consumerStacks": stacks(s222, s333), "actions": `["s3:*"]`},
			spec.Problems{{Key: "actions[0]", Message: `"s3:*" is a wildcard; name each object action, e.g. s3:GetObject`}}},
		{"a bad top-level ceiling, no item", ownerStack, map[string]string{"consumerStacks": "[]", "actions": `["s3:*"]`},
			spec.Problems{{Key: "actions[0]", Message: `"s3:*" is a wildcard; name each object action, e.g. s3:GetObject`}}},
		{"a bad missingConsumerStacks, inherited", ownerStack, map[string]string{"consumerStacks": stacks(s222, s333), "missingConsumerStacks": "skip"},
			spec.Problems{{Key: "missingConsumerStacks", Message: `"skip" is not fail (stop, naming the stack), keep (grant what the owner's last update granted it) or drop (grant it nothing)`}}},
		{"a ceiling action with a wildcard", ownerStack, map[string]string{"consumerStacks": stacks(`{"stack":"consumer-222222222222","accountIds":["222222222222"],"actions":["s3:GetObject","s3:Put*"]}`)},
			spec.Problems{{Key: "consumerStacks[0].actions[1]", Message: `"s3:Put*" is a wildcard; name each object action, e.g. s3:GetObject`}}},
		{"a ceiling of a bucket-level action", ownerStack, map[string]string{"consumerStacks": stacks(`{"stack":"consumer-222222222222","accountIds":["222222222222"],"actions":["s3:ListBucket"]}`)},
			spec.Problems{{Key: "consumerStacks[0].actions[0]", Message: `"s3:ListBucket" is a bucket-level action; only object actions are granted (set allowListing: true for s3:ListBucket)`}}},
		{"a ceiling without actions", ownerStack, map[string]string{"consumerStacks": stacks(`{"stack":"consumer-222222222222","accountIds":["222222222222"],"actions":[]}`)},
			spec.Problems{{Key: "consumerStacks[0].actions", Message: `needs at least one S3 object action, e.g. ["s3:GetObject", "s3:PutObject"]`}}},
		{"ceiling actions not a list", ownerStack, map[string]string{"consumerStacks": stacks(`{"stack":"consumer-222222222222","accountIds":["222222222222"],"actions":"s3:GetObject"}`)},
			spec.Problems{{Key: "consumerStacks[0].actions", Message: "must be a list of strings"}}},
		{"an empty prefixes list", ownerStack, map[string]string{"consumerStacks": stacks(`{"stack":"consumer-222222222222","accountIds":["222222222222"],"prefixes":[]}`)},
			spec.Problems{{Key: "consumerStacks[0].prefixes", Message: "is an empty list; remove it to share the whole bucket, or list prefixes such as [reports/]"}}},
		{"a prefix without its slash", ownerStack, map[string]string{"consumerStacks": stacks(`{"stack":"consumer-222222222222","accountIds":["222222222222"],"prefixes":["in"]}`)},
			spec.Problems{{Key: "consumerStacks[0].prefixes[0]", Message: `"in" does not end with '/', so it would also grant every key that merely starts with it, such as in-secret/… and in.csv; write "in/"`}}},
		{"allowListing not a boolean", ownerStack, map[string]string{"consumerStacks": stacks(`{"stack":"consumer-222222222222","accountIds":["222222222222"],"allowListing":"yes"}`)},
			spec.Problems{{Key: "consumerStacks[0].allowListing", Message: "yes is not a boolean; use true or false"}}},
		{"an empty top-level prefixes list, inherited by two stacks, is reported once", ownerStack, map[string]string{"prefixes": "[]", "consumerStacks": stacks(s222, s333)},
			spec.Problems{{Key: "prefixes", Message: "is an empty list; remove the key to share the whole bucket, or list prefixes such as [reports/] ([])"}}},
		{"every item's mistakes at once", ownerStack, map[string]string{"consumerStacks": stacks(
			`{"stack":"consumer-222222222222","accountIds":["2222"],"ifMissing":"never"}`,
			`7`,
			`{"stack":"consumer-222222222222","accountIds":["444444444444"],"actions":["s3:*"],"colour":"red"}`)},
			spec.Problems{
				{Key: "consumerStacks[0].accountIds[0]", Message: `"2222" is not an AWS account ID; use the 12 digits in quotes, e.g. "222222222222"`},
				{Key: "consumerStacks[0].ifMissing", Message: `"never" is not fail (stop, naming the stack), keep (grant what the owner's last update granted it) or drop (grant it nothing)`},
				{Key: "consumerStacks[1]", Message: `is 7, not a map; write {stack: NAME, accountIds: ["222222222222"]}: the owner grants a stack only the accounts listed for it`},
				{Key: "consumerStacks[2].colour", Message: "is not a consumerStacks field; use stack, accountIds, vpcIds, actions, prefixes, allowListing, viaAwsServices, ifMissing"},
				{Key: "consumerStacks[2].stack", Message: "consumer-222222222222 is listed already as consumerStacks[0]; list each consumer stack once"},
				{Key: "consumerStacks[2].actions[0]", Message: `"s3:*" is a wildcard; name each object action, e.g. s3:GetObject`}}},

		// A single stack (side: both) has no consumer stacks.
		{"both: consumerStacks", bothStack, map[string]string{"consumerStacks": stacks(s222)},
			spec.Problems{{Key: "consumerStacks", Message: ownerOnly("both")}}},
		{"both, explicit: consumerStacks", bothStack, map[string]string{"side": "both", "consumerStacks": "[]"},
			spec.Problems{{Key: "consumerStacks", Message: ownerOnly("both")}}},
		{"both: missingConsumerStacks keep", bothStack, map[string]string{"missingConsumerStacks": "keep"},
			spec.Problems{{Key: "missingConsumerStacks", Message: ownerOnly("both")}}},
		{"both: missingConsumerStacks drop", bothStack, map[string]string{"missingConsumerStacks": "drop"},
			spec.Problems{{Key: "missingConsumerStacks", Message: ownerOnly("both")}}},

		// An unknown side is reported, and the stack is checked as both.
		{"an unknown side", bothStack, map[string]string{"side": "split"},
			spec.Problems{{Key: "side", Message: `"split" is not a side; use both (one stack for every account), consumer (consumer accounts only) or owner (the bucket owner only)`}}},
		{"a side in capitals", bothStack, map[string]string{"side": "Owner"},
			spec.Problems{{Key: "side", Message: `"Owner" is not a side; use both (one stack for every account), consumer (consumer accounts only) or owner (the bucket owner only)`}}},
		{"an unknown side, with consumerStacks", bothStack, map[string]string{"side": "owners", "consumerStacks": stacks(s222)},
			spec.Problems{
				{Key: "side", Message: `"owners" is not a side; use both (one stack for every account), consumer (consumer accounts only) or owner (the bucket owner only)`},
				{Key: "consumerStacks", Message: ownerOnly("both")}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.base()
			for k, v := range tc.set {
				if v == "" {
					delete(cfg, k)
				} else {
					cfg[k] = v
				}
			}
			_, _, ps := Load(MapSource{Values: cfg})
			if !reflect.DeepEqual(ps, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", ps.Report("problems"), tc.want.Report("problems"))
			}
		})
	}
}

// A key with a default counts only when it differs from it: the CLI passes Pulumi.yaml's defaults
// to every stack, whatever its side.
func TestDefaultValuesAreNotTheOtherSidesKeys(t *testing.T) {
	cases := []struct {
		name string
		base func() map[string]string
		set  map[string]string
	}{
		{"consumer: the owner's defaults", consumerStack, map[string]string{
			"bucketPolicyGrouping": "per-endpoint", "dropForeignBucketPolicyStatements": "false",
			"protectBucketPolicy": "false", "releaseBucketPolicy": "false", "missingConsumerStacks": "fail"}},
		{"owner: the consumers' defaults", ownerStack, map[string]string{
			"consumerName": "consumer", "endpointPolicy": "full-access", "manageRolePolicy": "false", "protectEndpoints": "false"}},
		{"both: missingConsumerStacks fail", bothStack, map[string]string{"missingConsumerStacks": "fail"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.base()
			for k, v := range tc.set {
				cfg[k] = v
			}
			if _, _, ps := Load(MapSource{Values: cfg}); len(ps) > 0 {
				t.Errorf("refused: %v", ps)
			}
		})
	}
}

// Every key has a side, and the keys each side refuses are the ones the messages say.
func TestEachSideRefusesTheOtherSidesKeys(t *testing.T) {
	var ownerSide, consumerSide, splitOwner []string
	for _, k := range Keys {
		switch k.Scope {
		case OwnerSide:
			ownerSide = append(ownerSide, k.Name)
		case ConsumerSide:
			consumerSide = append(consumerSide, k.Name)
		case SplitOwner:
			splitOwner = append(splitOwner, k.Name)
		}
	}
	want := map[string][]string{
		"owner side": {"bucketProfile", "bucketAssumeRoleArn", "bucketExternalId", "bucketSessionName", "bucketPolicyGrouping", "organizationId",
			"extraBucketPolicyStatements", "dropForeignBucketPolicyStatements", "protectBucketPolicy", "releaseBucketPolicy"},
		"consumer side": {"consumerName", "consumerAccountId", "consumerRegion", "consumerProfile", "consumerAssumeRoleArn",
			"consumerExternalId", "consumerSessionName", "consumerRoleArns", "vpcId", "routeTableIds", "adoptEndpointId",
			"endpointPolicy", "endpointAllowedBuckets", "manageRolePolicy", "consumers", "protectEndpoints"},
		"split owner": {"consumerStacks", "missingConsumerStacks"},
	}
	got := map[string][]string{"owner side": ownerSide, "consumer side": consumerSide, "split owner": splitOwner}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("scopes\n%v\nwant\n%v", got, want)
	}
	for _, k := range Keys {
		for _, side := range spec.Sides {
			allowed := k.AllowedIn(side)
			wantAllowed := k.Scope == Anywhere ||
				k.Scope == OwnerSide && side != spec.SideConsumer ||
				k.Scope == ConsumerSide && side != spec.SideOwner ||
				k.Scope == SplitOwner && side == spec.SideOwner
			if allowed != wantAllowed {
				t.Errorf("%s allowed in side %s: %v", k.Name, side, allowed)
			}
		}
	}
}

// The bucket's identity, the access keys, tags and preflight are read by every side.
func TestKeysEverySideReads(t *testing.T) {
	cfg := ownerStack()
	cfg["tags"] = `{"team":"platform"}`
	cfg["preflight"] = "false"
	cfg["bucketKmsKeyArn"] = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	s, set, ps := Load(MapSource{Values: cfg})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	if set.Preflight || s.Tags["team"] != "platform" || s.Bucket.Encryption.KMSKeyARN != cfg["bucketKmsKeyArn"] {
		t.Errorf("spec %+v settings %+v", s, set)
	}
	cfg = consumerStack()
	cfg["tags"] = `{"team":"web"}`
	cfg["bucketKmsKeyArn"] = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	if _, _, ps := Load(MapSource{Values: cfg}); len(ps) > 0 {
		t.Fatal(ps)
	}
}

// An owner stack knows its consumers only once it has read their stacks: its kept statements may
// admit the accounts its consumerStacks may grant, and no other (policydoc.RuleOutsidePerimeter).
func TestAnOwnerStacksKeptStatementsMayAdmitItsConsumerStacksAccounts(t *testing.T) {
	kept := func(principal string) map[string]string {
		cfg := ownerStack()
		cfg["extraBucketPolicyStatements"] = `[{"Sid":"KeepAuditRead","Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"s3:GetObject",` +
			`"Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}]`
		return cfg
	}
	if _, _, ps := Load(MapSource{Values: kept("arn:aws:iam::444444444444:role/auditor")}); len(ps) > 0 {
		t.Errorf("an account of consumerStacks[1] refused: %v", ps)
	}
	_, _, ps := Load(MapSource{Values: kept("arn:aws:iam::999999999999:root")})
	want := `extraBucketPolicyStatements[0]: allows arn:aws:iam::999999999999:root, whose account is neither the bucket owner's (111111111111) nor a consumer account (222222222222, 333333333333, 444444444444): the perimeter Deny binds only the consumer accounts to this stack's endpoints, so that account would be held only by this statement's own condition, on endpoints this stack neither created nor checks (docs/kept-statements.md); make the account a consumer, or grant a principal of a consumer account, e.g. "Principal": {"AWS": "arn:aws:iam::222222222222:role/auditor"}`
	if len(ps) != 1 || ps[0].String() != want {
		t.Errorf("got %v\nwant %s", ps, want)
	}
}
