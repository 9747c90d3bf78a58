package stackconfig

import "testing"

// The spec reports paths; the config layer turns them into what the user wrote, in the key and in
// the message alike.
func TestNamesTurnPathsIntoTheKeysTheUserWrote(t *testing.T) {
	flat := NamesOf(MapSource{Values: valid()})
	list := NamesOf(MapSource{Values: map[string]string{
		"actions":   `["s3:GetObject"]`,
		"consumers": `[{"name":"a","prefixes":["x/"]},{"name":"b","actions":["s3:PutObject"]}]`,
	}})
	cases := []struct {
		names      Names
		path, want string
	}{
		{flat, "bucket.accountId", "bucketAccountId"},
		{flat, "consumers[0].roleArns[1]", "consumerRoleArns[1]"},
		{flat, "consumers[0].vpcId", "vpcId"},
		{flat, "consumers[0].actions[0]", "actions[0]"},
		{flat, "consumers[0].region: differs from bucket.region eu-west-1", "consumerRegion: differs from bucketRegion eu-west-1"},
		{list, "consumers[1].roleArns[0]", "consumers[1].roleArns[0]"},
		{list, "consumers[0].actions[0]", "actions[0]"},              // inherited from the top-level key
		{list, "consumers[1].actions[0]", "consumers[1].actions[0]"}, // its own
		{list, "consumers[0].prefixes[0]", "consumers[0].prefixes[0]"},
		{list, "consumers[1].endpointPolicy", "endpointPolicy"}, // the default, inherited
		{list, "extraBucketPolicyStatements[2]", "extraBucketPolicyStatements[2]"},
	}
	for _, tc := range cases {
		if got := tc.names.RewritePaths(tc.path); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.path, got, tc.want)
		}
	}
}

// A role or bucket name that contains "bucket." or "consumers[0]." is not a path: only a path at
// the start of a text or after a space or bracket is rewritten.
func TestNamesLeaveARNsAlone(t *testing.T) {
	n := Names{}
	for in, want := range map[string]string{
		"role arn:aws:iam::222222222222:role/data-bucket.reader is in account 2": "role arn:aws:iam::222222222222:role/data-bucket.reader is in account 2",
		"bucket.region differs (consumers[0].region)":                            "bucketRegion differs (consumerRegion)",
		"consumers[0].roleArns[1]":                                               "consumerRoleArns[1]",
	} {
		if got := n.RewritePaths(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}
