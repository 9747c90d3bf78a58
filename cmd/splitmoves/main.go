// Command splitmoves prints the `pulumi state move` commands that split a single stack of this
// program into consumer stacks and an owner stack (docs/split-stacks.md, "Moving between one
// stack and split stacks"). It reads `pulumi stack export` on standard input and changes nothing:
//
//	pulumi stack export --stack dev | go run ./cmd/splitmoves -source dev
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"cross-account-s3/tools/statemoves"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("splitmoves", flag.ContinueOnError)
	flags.SetOutput(stderr)
	source := flags.String("source", "", "the single stack the export is of (required)")
	consumer := flags.String("consumer-stack", "consumer-{account}", "name of each consumer account's stack; {account} is the account ID")
	owner := flags.String("owner-stack", "owner", "name of the owner stack")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *source == "" || flags.NArg() > 0 || !strings.Contains(*consumer, "{account}") {
		fmt.Fprintln(stderr, "usage: pulumi stack export --stack NAME | go run ./cmd/splitmoves -source NAME [-consumer-stack 'consumer-{account}'] [-owner-stack owner]")
		return 2
	}
	d, err := readExport(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "splitmoves: %v\n", err)
		return 1
	}
	moves, err := statemoves.Split(d, func(account string) string { return strings.ReplaceAll(*consumer, "{account}", account) }, *owner)
	if err != nil {
		fmt.Fprintf(stderr, "splitmoves: %v\n", err)
		return 1
	}
	for _, c := range statemoves.Commands(*source, moves) {
		fmt.Fprintln(stdout, c)
	}
	return 0
}

// readExport reads `pulumi stack export` output (an untyped deployment of version 3).
func readExport(r io.Reader) (apitype.DeploymentV3, error) {
	var untyped apitype.UntypedDeployment
	var d apitype.DeploymentV3
	if err := json.NewDecoder(r).Decode(&untyped); err != nil {
		return d, fmt.Errorf("standard input is not the output of pulumi stack export: %w", err)
	}
	if untyped.Version != 3 {
		return d, errors.New("the export is not of deployment version 3; export it with Pulumi CLI v3")
	}
	if err := json.Unmarshal(untyped.Deployment, &d); err != nil {
		return d, fmt.Errorf("reading the deployment: %w", err)
	}
	return d, nil
}
