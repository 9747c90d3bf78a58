package cross_account_s3

import rego.v1

# Every AWS resource names an explicit provider. A default provider picks up whatever account and
# Region the shell happens to have, which is how resources land in the wrong account.
deny_default_provider contains msg if {
	startswith(input.type, "aws:")
	default_provider(input.provider)
	msg := sprintf("%s %q uses a default AWS provider; give it an explicit provider pinned to its account (pulumi.Provider(...)), and keep pulumi:disable-default-providers: [\"*\"] in Pulumi.yaml", [input.type, input.name])
}

default_provider(provider) if not provider.name

default_provider(provider) if startswith(provider.name, "default")
