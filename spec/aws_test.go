package spec

import "testing"

func TestParseRoleARN(t *testing.T) {
	r, ok := ParseRoleARN("arn:aws-us-gov:iam::123456789012:role/service/batch/worker")
	if !ok || r.Partition != "aws-us-gov" || r.AccountID != "123456789012" || r.Path != "/service/batch/" || r.Name != "worker" {
		t.Errorf("got %+v %v", r, ok)
	}
	for _, bad := range []string{"", "arn:aws:iam::123:role/x", "arn:aws:iam::123456789012:user/x", "arn:aws:iam::123456789012:role/"} {
		if _, ok := ParseRoleARN(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestBucketARNFollowsThePartition(t *testing.T) {
	for region, want := range map[string]string{
		"eu-west-1":     "arn:aws:s3:::b1",
		"cn-north-1":    "arn:aws-cn:s3:::b1",
		"us-gov-west-1": "arn:aws-us-gov:s3:::b1",
	} {
		if got := BucketARN(region, "b1"); got != want {
			t.Errorf("%s: %s, want %s", region, got, want)
		}
	}
}

func TestCredentialsMode(t *testing.T) {
	for _, tc := range []struct {
		c    Credentials
		want string
	}{
		{Credentials{}, "ambient credentials"},
		{Credentials{Profile: "p"}, "profile p"},
		{Credentials{AssumeRoleARN: "arn:r"}, "assume role arn:r"},
		{Credentials{Profile: "p", AssumeRoleARN: "arn:r"}, "assume role arn:r from profile p"},
	} {
		if got := tc.c.Mode(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestAnAccountIDThatLostItsLeadingZeroSaysToQuoteIt(t *testing.T) {
	var ps Problems
	validateAccount(&ps, Account{ID: "12345678901", Region: "eu-west-1"}, bucketKey)
	want := `bucket.accountId: "12345678901" is not an AWS account ID; use the 12 digits, e.g. 111111111111 (if you wrote it unquoted, YAML read it as a number and changed it: write the 12 digits in quotes)`
	if len(ps) != 1 || ps[0].String() != want {
		t.Errorf("got %v\nwant %s", ps, want)
	}
}
