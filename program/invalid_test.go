package program

import (
	"strings"
	"testing"

	"cross-account-s3/tools/offline"
)

// An invalid configuration registers no resource at all (not even the component or a provider).
// The messages of every refusal are tested beside the validation, in stackconfig.
func TestInvalidConfigurationsRegisterNothing(t *testing.T) {
	cases := []struct {
		name   string
		change func(c map[string]string)
		want   string
	}{
		{"missing bucket account", func(c map[string]string) { delete(c, "bucketAccountId") },
			"bucketAccountId: is required; set it with: pulumi config set bucketAccountId 111111111111"},
		{"route table ID shape", func(c map[string]string) { c["routeTableIds"] = `["rtb-0a1b2c3d4e5f60718","subnet-0a1b2c3d"]` },
			`routeTableIds[1]: "subnet-0a1b2c3d" is not a route table ID; use the form rtb-0123456789abcdef0`},
		{"wildcard action", func(c map[string]string) { c["actions"] = `["s3:*"]` },
			`actions[0]: "s3:*" is a wildcard; name each object action, e.g. s3:GetObject`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig()
			tc.change(cfg)
			m := &offline.Mocks{}
			err := m.Run(Run, cfg, "bucketExternalId", "consumerExternalId")
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), "invalid stack configuration, nothing was created") ||
				!strings.Contains(err.Error(), "\n  - "+tc.want) {
				t.Errorf("error:\n%v\nwant a line starting:\n  - %s", err, tc.want)
			}
			if len(m.Resources) != 0 {
				t.Errorf("registered %d resources despite invalid config", len(m.Resources))
			}
		})
	}
}

func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	cfg := baseConfig()
	delete(cfg, "bucketName")
	cfg["bucketAccountId"] = "1"
	cfg["vpcId"] = "vpc-1"
	cfg["actions"] = `["s3:*"]`
	err := (&offline.Mocks{}).Run(Run, cfg)
	want := "invalid stack configuration, nothing was created (4 problems):\n" +
		`  - bucketAccountId: "1" is not an AWS account ID; use the 12 digits, e.g. 111111111111 (if you wrote it unquoted, YAML read it as a number and changed it: write the 12 digits in quotes)` + "\n" +
		"  - bucketName: is required; set it with: pulumi config set bucketName shared-data-bucket\n" +
		`  - vpcId: "vpc-1" is not a VPC ID; use the form vpc-0123456789abcdef0` + "\n" +
		`  - actions[0]: "s3:*" is a wildcard; name each object action, e.g. s3:GetObject`
	if err == nil || !strings.Contains(err.Error(), want+"\n") {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
}

func TestExternalIDInPlainTextIsRefused(t *testing.T) {
	cfg := baseConfig()
	cfg["consumerAssumeRoleArn"] = "arn:aws:iam::222222222222:role/deployer"
	cfg["consumerExternalId"] = "abc123"
	m := &offline.Mocks{}
	err := m.Run(Run, cfg)
	want := "\n  - consumerExternalId: is stored in plain text; store it encrypted with: pulumi config set --secret consumerExternalId VALUE"
	if err == nil || !strings.Contains(err.Error(), want) || len(m.Resources) != 0 {
		t.Errorf("error %v, %d resources; want %q and none", err, len(m.Resources), want)
	}
}
