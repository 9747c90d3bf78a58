// Command plan shows what a stack of this project would create in each account, with the policy
// documents in full, from Pulumi.yaml and a stack file alone: no Pulumi CLI, no backend and no AWS
// credentials. It checks the stack's config as the CLI does, then runs the stack's own program
// under Pulumi's mocks.
//
//	go run ./cmd/plan [--json] [--project Pulumi.yaml] examples/Pulumi.adopt.yaml
//	go run ./cmd/plan --stack dev          # Pulumi.dev.yaml next to Pulumi.yaml
//	go run ./cmd/plan --stack dev --deployer-policy 111111111111   # that account's deployer policy
//
// Exit status: 0 planned, 1 the CLI or the program refuses the config, 2 bad usage or an
// unreadable file. (`go run` reports every non-zero status as 1; build it to see the others.)
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"cross-account-s3/tools/offlineplan"
)

// Exit statuses.
const (
	exitOK            = 0
	exitInvalidConfig = 1
	exitUsage         = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("plan", flag.ContinueOnError)
	flags.SetOutput(stderr)
	stack := flags.String("stack", "", "plan Pulumi.<stack>.yaml next to the project file")
	project := flags.String("project", "Pulumi.yaml", "the project file")
	asJSON := flags.Bool("json", false, "print the plan as one JSON document")
	deployer := flags.String("deployer-policy", "", "print only the deployer policy of this account, as JSON to attach to the identity of its provider")
	// Flags may come before or after the stack file, as in the README's examples.
	var positional []string
	for {
		if err := flags.Parse(args); err != nil {
			return exitUsage
		}
		if flags.NArg() == 0 {
			break
		}
		positional = append(positional, flags.Arg(0))
		args = flags.Args()[1:]
	}
	usage := "usage: go run ./cmd/plan [--json | --deployer-policy ACCOUNT] [--project Pulumi.yaml] (--stack NAME | PATH/Pulumi.NAME.yaml)"
	var stackFile string
	switch {
	case *stack != "" && len(positional) == 0:
		stackFile = filepath.Join(filepath.Dir(*project), "Pulumi."+*stack+".yaml")
	case *stack == "" && len(positional) == 1:
		stackFile = positional[0]
	default:
		fmt.Fprintf(stderr, "plan: name one stack file or --stack; %s\n", usage)
		return exitUsage
	}
	if *deployer != "" {
		return deployerPolicy(*project, stackFile, *deployer, stdout, stderr)
	}
	p, err := offlineplan.Build(*project, stackFile)
	if err != nil {
		return refused(stackFile, err, stderr)
	}
	if *asJSON {
		fmt.Fprint(stdout, p.JSON())
	} else {
		fmt.Fprint(stdout, p.Text())
	}
	return exitOK
}

// deployerPolicy prints one account's deployer policy, indented JSON ready for
// `aws iam put-role-policy --policy-document file://…`.
func deployerPolicy(project, stackFile, account string, stdout, stderr io.Writer) int {
	deployers, err := offlineplan.DeployerPolicies(project, stackFile)
	if err != nil {
		return refused(stackFile, err, stderr)
	}
	var accounts []string
	for _, d := range deployers {
		if d.Account == account {
			var out bytes.Buffer
			_ = json.Indent(&out, d.Policy, "", "  ")
			fmt.Fprintln(stdout, out.String())
			return exitOK
		}
		accounts = append(accounts, d.Account)
	}
	fmt.Fprintf(stderr, "plan: %s deploys nothing in account %s; its accounts are %s\n", stackFile, account, strings.Join(accounts, ", "))
	return exitUsage
}

// refused reports why a stack file was not planned and returns the exit status.
func refused(stackFile string, err error, stderr io.Writer) int {
	var invalid offlineplan.ConfigError
	if errors.As(err, &invalid) {
		fmt.Fprintf(stderr, "plan: %s: %v\n", stackFile, invalid)
		return exitInvalidConfig
	}
	fmt.Fprintf(stderr, "plan: %v\n", err)
	return exitUsage
}
