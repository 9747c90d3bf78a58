#!/usr/bin/env bash
# Prints, as key=value lines for $GITHUB_OUTPUT, the AWS accounts a stack file reaches and the
# profile each provider uses: the pipelines write one OIDC session per account into that profile,
# so each provider gets its own account's role and no job holds static keys.
#
#   examples/ci/stack-accounts.sh Pulumi.dev.yaml
#
# side=both|consumer|owner, then bucket_account/bucket_profile (unless side=consumer) and
# consumer_account/consumer_profile (unless side=owner). A profile may be empty only in a stack of
# one side: its one session then comes as environment variables. Needs mikefarah's yq v4 (on
# GitHub's ubuntu runners). It refuses a stack whose consumers span several accounts: these
# pipelines give each job one role per account.
set -euo pipefail
file=${1:?usage: stack-accounts.sh Pulumi.<stack>.yaml}
key() { yq -r ".config.\"cross-account-s3:$1\" // \"\"" "$file"; }

side=$(key side)
side=${side:-both}
echo "side=$side"
if [ "$side" != consumer ]; then
  account=$(key bucketAccountId)
  profile=$(key bucketProfile)
  if [ "$side" = both ] && [ -z "$profile" ]; then
    echo "$file: set cross-account-s3:bucketProfile: the pipeline writes each account's session into the profile its provider names" >&2
    exit 1
  fi
  echo "bucket_account=$account"
  echo "bucket_profile=$profile"
fi
if [ "$side" != owner ]; then
  accounts=$(yq -r '[.config."cross-account-s3:consumerAccountId"] + [.config."cross-account-s3:consumers"[]?.accountId] | map(select(. != null)) | unique | .[]' "$file")
  profiles=$(yq -r '[.config."cross-account-s3:consumerProfile"] + [.config."cross-account-s3:consumers"[]?.profile] | map(select(. != null)) | unique | .[]' "$file")
  if [ "$(echo "$accounts" | grep -c .)" != 1 ] || [ "$(echo "$profiles" | grep -c .)" -gt 1 ]; then
    echo "$file: the consumers must be in one account with one profile (found accounts: $(echo $accounts), profiles: $(echo $profiles)); add a credentials step per account for more" >&2
    exit 1
  fi
  if [ "$side" = both ] && [ -z "$profiles" ]; then
    echo "$file: set the consumer's profile: the pipeline writes each account's session into the profile its provider names" >&2
    exit 1
  fi
  echo "consumer_account=$accounts"
  echo "consumer_profile=$profiles"
fi
