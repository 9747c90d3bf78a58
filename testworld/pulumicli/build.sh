#!/usr/bin/env bash
# Builds the Pulumi CLI used by the engine tests, pinned to the sdk/v3 version of the project's
# go.mod, from the Go module proxy. The CLI's own go.mod carries replace directives, so
# `go install …@version` refuses it; this folder is the small main module that builds it instead.
#
#   testworld/pulumicli/build.sh            # prints the binary's path; builds it only when missing
#
# The binary goes to $PULUMI_CLI_DIR/bin/pulumi (default dir: <repo>/.cache/pulumi-cli/<version>), the
# layout the Automation API's auto.NewPulumiCommand(Root: dir) expects.
# Cold: about 20 minutes and 4 GB of memory on 2 cores; with a warm Go build cache, about a minute.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

version=$(awk '$1 == "github.com/pulumi/pulumi/sdk/v3" {print $2; exit}' "$repo/go.mod")
[ -n "$version" ] || { echo "build.sh: no github.com/pulumi/pulumi/sdk/v3 in $repo/go.mod" >&2; exit 1; }
pinned=$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" {print $2; exit}' "$here/go.mod")
if [ "$pinned" != "$version" ]; then
  echo "build.sh: testworld/pulumicli/go.mod pins pkg/v3 $pinned but the project uses sdk/v3 $version;" >&2
  echo "  update it: cd testworld/pulumicli && go get github.com/pulumi/pulumi/pkg/v3@$version github.com/pulumi/pulumi/sdk/v3@$version && go mod tidy" >&2
  exit 1
fi

dir=${PULUMI_CLI_DIR:-$repo/.cache/pulumi-cli/$version}
bin=$dir/bin/pulumi
if [ ! -x "$bin" ] || [ "$("$bin" version 2>/dev/null)" != "$version" ]; then
  mkdir -p "$dir/bin"
  echo "build.sh: building the Pulumi CLI $version into $bin (cold: ~20 min on 2 cores)" >&2
  (cd "$here" && go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    -o "$bin.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  mv "$bin.tmp" "$bin"
fi
echo "$bin"
