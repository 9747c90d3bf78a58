package main

import (
	"fmt"
	"os"
	"regexp"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"cross-account-s3/testworld/world"
)

// providerConfig is what Configure told this plugin process, and the account its credentials
// resolve to.
type providerConfig struct {
	URN                 string
	Region              string
	Profile             string
	AssumeRoleArn       string
	ExternalID          string
	SessionName         string
	AllowedAccountIds   []string
	ForbiddenAccountIds []string
	DefaultTags         map[string]string
	// Account is the account the credentials resolve to.
	Account string
}

// parseConfig reads the provider inputs. Non-string values may arrive structured or JSON-encoded
// (the engine's older convention for provider config); both are accepted. Like the real provider,
// an unset region or profile is taken from AWS_REGION / AWS_DEFAULT_REGION and AWS_PROFILE.
func parseConfig(inputs resource.PropertyMap) providerConfig {
	c := providerConfig{
		Region:              str(inputs, "region"),
		Profile:             str(inputs, "profile"),
		AllowedAccountIds:   strs(inputs, "allowedAccountIds"),
		ForbiddenAccountIds: strs(inputs, "forbiddenAccountIds"),
	}
	if c.Region == "" {
		c.Region = firstEnv("AWS_REGION", "AWS_DEFAULT_REGION")
	}
	if c.Profile == "" {
		c.Profile = os.Getenv("AWS_PROFILE")
	}
	if ar := object(inputs, "assumeRole"); ar != nil {
		c.AssumeRoleArn, _ = ar["roleArn"].(string)
		c.ExternalID, _ = ar["externalId"].(string)
		c.SessionName, _ = ar["sessionName"].(string)
	}
	if dt := object(inputs, "defaultTags"); dt != nil {
		c.DefaultTags = toStringMap(dt["tags"])
	}
	return c
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

var roleARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):role/(?:[^:]*/)?([\w+=,.@-]+)$`)

// errMissingRegion is the real provider's wording for a provider without a Region.
const errMissingRegion = "missing required configuration key \"aws:region\": The region where AWS operations will take place. Examples are us-east-1, us-west-2, etc.\n" +
	"\tSet a value using the command `pulumi config set aws:region <value>`."

// errNoCredentials is the real provider's wording when no credentials can be found.
const errNoCredentials = "unable to validate AWS credentials.\n" +
	"Details: No valid credential sources found.\n" +
	"Please see https://www.pulumi.com/registry/packages/aws/installation-configuration/ for more information about providing credentials.\n\n" +
	"Error: failed to refresh cached credentials, no EC2 IMDS role found"

// resolve finds the account the credentials belong to, as AWS would: the base credentials come
// from the profile (which must exist) or the environment ("ambient"); an assumed role's account is
// the one in its ARN. allowedAccountIds and forbiddenAccountIds are then enforced with the real
// provider's messages.
func (c *providerConfig) resolve(w *world.World) error {
	if c.Region == "" {
		return fmt.Errorf("%s", errMissingRegion)
	}
	var base string
	if c.Profile != "" {
		acct, ok := w.Credentials["profile:"+c.Profile]
		if !ok {
			return fmt.Errorf("configuring Terraform AWS Provider: failed to get shared config profile, %s", c.Profile)
		}
		base = acct
	} else {
		acct, ok := w.Credentials["ambient"]
		if !ok {
			return fmt.Errorf("%s", errNoCredentials)
		}
		base = acct
	}
	c.Account = base
	if c.AssumeRoleArn != "" {
		m := roleARN.FindStringSubmatch(c.AssumeRoleArn)
		if m == nil {
			return fmt.Errorf("configuring Terraform AWS Provider: assume_role.role_arn (%s) is an invalid ARN: expected arn:aws:iam::<account>:role/<name>", c.AssumeRoleArn)
		}
		c.Account = m[1]
	}
	if len(c.AllowedAccountIds) > 0 && !slices.Contains(c.AllowedAccountIds, c.Account) {
		return fmt.Errorf("AWS account ID not allowed: %s", c.Account)
	}
	if slices.Contains(c.ForbiddenAccountIds, c.Account) {
		return fmt.Errorf("AWS account ID forbidden: %s", c.Account)
	}
	return nil
}

// awsError formats an AWS API failure the way terraform-provider-aws (AWS SDK for Go v2) reports
// it: "<what>: operation error <Service>: <API>, https response error StatusCode: <n>, api error
// <Code>: <Message>". Request IDs are left out so messages are deterministic.
func awsError(what, service, api string, status int, code, message string) error {
	return fmt.Errorf("%s: operation error %s: %s, https response error StatusCode: %d, api error %s: %s",
		what, service, api, status, code, message)
}
