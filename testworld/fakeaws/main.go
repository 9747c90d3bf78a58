// Command fakeaws is a recording fake of the pulumi-aws (v6.83.4) provider plugin, for engine tests
// that run the real Pulumi CLI: build it as "pulumi-resource-aws" and put its directory first on
// PATH. It models the four resource types this project uses and the nine read-only functions
// of the program and its preflight (package preflight), against a world file shared by all its
// processes (package world), and logs every operation there. A world can refuse an account an IAM
// action (World.Denied): the functions then answer AWS's AccessDenied.
//
// Environment:
//
//	FAKE_AWS_WORLD       path of the world JSON file (required; must exist before Configure)
//	FAKE_AWS_LOG         path of the operation log, JSON lines (required)
//	FAKE_AWS_BALLAST_MB  optional: allocate and touch this many MB at start and keep them, to
//	                     model the real plugin's memory footprint in benchmarks
//
// Like the real provider it also reads AWS_REGION / AWS_DEFAULT_REGION (for an unset region) and
// AWS_PROFILE (for an unset profile).
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Environment variables the plugin reads.
const (
	EnvWorld     = "FAKE_AWS_WORLD"
	EnvLog       = "FAKE_AWS_LOG"
	EnvBallastMB = "FAKE_AWS_BALLAST_MB"
)

// ballast holds FAKE_AWS_BALLAST_MB of touched memory for the life of the process.
var ballast []byte

func allocateBallast(mb string) error {
	if mb == "" {
		return nil
	}
	n, err := strconv.Atoi(mb)
	if err != nil || n < 0 {
		return fmt.Errorf("%s=%q: want a number of MB", EnvBallastMB, mb)
	}
	ballast = make([]byte, n<<20)
	for i := 0; i < len(ballast); i += 4096 {
		ballast[i] = 1
	}
	return nil
}

func main() {
	worldPath, logPath := os.Getenv(EnvWorld), os.Getenv(EnvLog)
	if worldPath == "" || logPath == "" {
		fmt.Fprintf(os.Stderr, "fake pulumi-resource-aws: %s and %s must be set\n", EnvWorld, EnvLog)
		os.Exit(1)
	}
	if err := allocateBallast(os.Getenv(EnvBallastMB)); err != nil {
		fmt.Fprintf(os.Stderr, "fake pulumi-resource-aws: %v\n", err)
		os.Exit(1)
	}
	err := provider.Main("aws", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return plugin.NewProviderServer(newProvider(worldPath, logPath)), nil
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "fake pulumi-resource-aws: %v\n", err)
		os.Exit(1)
	}
}
