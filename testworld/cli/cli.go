// Package cli finds the Pulumi CLI that testworld/pulumicli/build.sh builds for the tests that run the
// real engine: the version of github.com/pulumi/pulumi/sdk/v3 in the project's go.mod, in
// $PULUMI_CLI_DIR/bin/pulumi or <repo>/.cache/pulumi-cli/<version>/bin/pulumi.
package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

var sdkRequire = regexp.MustCompile(`(?m)^\s*github.com/pulumi/pulumi/sdk/v3 (\S+)`)

// Root is the folder whose bin/pulumi is the CLI, for auto.PulumiCommandOptions.Root; repoRoot is
// the path of the project's root from the caller. The error says how to build the CLI.
func Root(repoRoot string) (string, error) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		return "", err
	}
	m := sdkRequire.FindSubmatch(data)
	if m == nil {
		return "", fmt.Errorf("go.mod does not require github.com/pulumi/pulumi/sdk/v3")
	}
	root := os.Getenv("PULUMI_CLI_DIR")
	if root == "" {
		root, _ = filepath.Abs(filepath.Join(repoRoot, ".cache", "pulumi-cli", string(m[1])))
	}
	if _, err := os.Stat(filepath.Join(root, "bin", "pulumi")); err != nil {
		return "", fmt.Errorf("no Pulumi CLI %s at %s; build it with testworld/pulumicli/build.sh (about 20 minutes cold)", m[1], filepath.Join(root, "bin", "pulumi"))
	}
	return root, nil
}

// Path is the CLI binary itself.
func Path(repoRoot string) (string, error) {
	root, err := Root(repoRoot)
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "bin", "pulumi"), nil
}
