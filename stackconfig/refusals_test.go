package stackconfig

import (
	"strings"
	"testing"
)

// Each bad input the config layer owns, with the exact message the user sees.
func TestConfigRefusalsNameTheKeyTheUserWrote(t *testing.T) {
	item := func(extra string) string {
		return `[{"name":"web","accountId":"222222222222","vpcId":"vpc-0a0a0a0a0a0a0a0a0","routeTableIds":["rtb-0a0a0a0a0a0a0a0a1"],` +
			`"roleArns":["arn:aws:iam::222222222222:role/web"]` + extra + `},` +
			`{"name":"api","accountId":"222222222222","vpcId":"vpc-0b0b0b0b0b0b0b0b0","routeTableIds":["rtb-0b0b0b0b0b0b0b0b1"],` +
			`"roleArns":["arn:aws:iam::222222222222:role/api"]}]`
	}
	cases := []struct {
		name string
		set  map[string]string
		want []string
	}{
		{"empty prefixes, flat", map[string]string{"prefixes": "[]"},
			[]string{"prefixes: is an empty list; remove the key to share the whole bucket, or list prefixes such as [reports/] ([])"}},
		{"empty prefixes, item", map[string]string{"consumers": item(`,"prefixes":[]`), "consumerAccountId": "", "consumerRegion": "", "consumerRoleArns": "", "vpcId": "", "routeTableIds": ""},
			[]string{"consumers[0].prefixes: is an empty list; remove it to share the whole bucket, or list prefixes such as [reports/]"}},
		{"a bad top-level default is reported once, under its own key", map[string]string{
			"consumers": item(""), "actions": `["s3:GetObjects"]`, "consumerAccountId": "", "consumerRegion": "", "consumerRoleArns": "", "vpcId": "", "routeTableIds": ""},
			[]string{`actions[0]: "s3:GetObjects" is not an S3 action`}},
		{"an allowed bucket of the wrong form", map[string]string{"endpointPolicy": "restricted", "endpointAllowedBuckets": `["repo-bucket",{"bucket":"uploads","write":"yes"},7]`},
			[]string{
				"endpointAllowedBuckets[1]: is not a bucket name, or {bucket: NAME, write: true} to allow writes too",
				"endpointAllowedBuckets[2]: is not a bucket name, or {bucket: NAME, write: true} to allow writes too",
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid()
			for k, v := range tc.set {
				if v == "" {
					delete(cfg, k)
				} else {
					cfg[k] = v
				}
			}
			_, _, ps := Load(MapSource{Values: cfg})
			if len(ps) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(ps), len(tc.want), ps)
			}
			for i, want := range tc.want {
				if got := ps[i].String(); !strings.HasPrefix(got, want) {
					t.Errorf("problem %d:\n got %s\nwant %s…", i, got, want)
				}
			}
		})
	}
}

// A file with many mistakes reports every one of them in one run, kept statements and document
// checks included, ordered by key.
func TestEveryMistakeIsReportedInOneRun(t *testing.T) {
	cfg := valid()
	cfg["bucketRegion"] = "eu-west-9"
	cfg["consumerRegion"] = "eu-west-9"
	cfg["actions"] = `["s3:GetObjects"]`
	cfg["prefixes"] = `["reports"]`
	cfg["allowlisting"] = "true"
	cfg["extraBucketPolicyStatements"] = `[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}]`
	_, _, ps := Load(MapSource{Values: cfg})
	var keys []string
	for _, p := range ps {
		keys = append(keys, p.Key)
	}
	want := []string{"bucketRegion", "consumerRegion", "actions[0]", "prefixes[0]", "extraBucketPolicyStatements[0]", "allowlisting"}
	if strings.Join(keys, " ") != strings.Join(want, " ") {
		t.Errorf("problems by key %v\nwant %v\n%v", keys, want, ps)
	}
}
