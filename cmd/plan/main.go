// Command plan shows what a stack of this project would create in each account, with the policy
// documents in full, from Pulumi.yaml and Pulumi.<stack>.yaml alone: no Pulumi CLI, no backend and
// no AWS credentials. It runs the stack's own program under Pulumi's mocks.
//
//	go run ./cmd/plan --stack dev [--json] [--dir .]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"cross-account-s3/internal/plan"
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
	stack := flags.String("stack", "dev", "stack whose Pulumi.<stack>.yaml to plan")
	dir := flags.String("dir", ".", "folder holding Pulumi.yaml and the stack files")
	asJSON := flags.Bool("json", false, "print the plan as one JSON document")
	if err := flags.Parse(args); err != nil {
		return exitUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "plan: unexpected argument %q; usage: go run ./cmd/plan --stack dev [--json]\n", flags.Arg(0))
		return exitUsage
	}
	p, err := plan.Build(*dir, *stack)
	var invalid plan.ConfigError
	switch {
	case errors.As(err, &invalid):
		fmt.Fprintf(stderr, "plan: stack %q: %v\n", *stack, invalid)
		return exitInvalidConfig
	case err != nil:
		fmt.Fprintf(stderr, "plan: %v\n", err)
		return exitUsage
	}
	if *asJSON {
		fmt.Fprint(stdout, p.JSON())
	} else {
		fmt.Fprint(stdout, p.Text())
	}
	return exitOK
}
