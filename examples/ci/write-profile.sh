#!/usr/bin/env bash
# Writes the AWS session in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (a
# step's env, from configure-aws-credentials' outputs) into the named profile of the shared
# credentials file, where the stack's provider for that account looks for it. The job's own
# environment keeps no credentials, so no provider can fall back on another account's session.
#
#   examples/ci/write-profile.sh PROFILE
set -euo pipefail
profile=${1:?usage: write-profile.sh PROFILE}
: "${AWS_ACCESS_KEY_ID:?}" "${AWS_SECRET_ACCESS_KEY:?}" "${AWS_SESSION_TOKEN:?}"
aws configure set aws_access_key_id "$AWS_ACCESS_KEY_ID" --profile "$profile"
aws configure set aws_secret_access_key "$AWS_SECRET_ACCESS_KEY" --profile "$profile"
aws configure set aws_session_token "$AWS_SESSION_TOKEN" --profile "$profile"
