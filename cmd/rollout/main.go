// Command rollout previews or deploys many stacks of this project: every consumer stack first, in
// parallel on a bounded number of worker processes, then the bucket-owner stack. See usageText
// (rollout -h) and tools/rollout for the rules.
//
//	go run ./cmd/rollout -op preview -config rollout.yaml
//	go run ./cmd/rollout -op up -consumers consumer-a,consumer-b -owner owner -workers 4
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"cross-account-s3/program"
	"cross-account-s3/tools/rollout"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == workerArg {
		os.Exit(workerMain(os.Args[2:]))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "rollout: %v\n", err)
		return 2
	}
	runner, err := setUp(o, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "rollout: %v\n", err)
		return 2
	}

	// First Ctrl-C (or SIGTERM): start no further stack. Second: interrupt the running ones.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := make(chan struct{})
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	go func() {
		n := 0
		for range signals {
			n++
			if n == 1 {
				fmt.Fprintln(stderr, "rollout: interrupted: no further stack will start; running stacks finish (interrupt again to stop them)")
				close(stop)
				continue
			}
			fmt.Fprintln(stderr, "rollout: interrupting the running stacks")
			cancel()
			return
		}
	}()

	plan := o.plan()
	printer := rollout.Printer{W: stdout, Width: rollout.NameWidth(plan), Verbose: o.verbose}
	s := rollout.Run(ctx, plan, runner, rollout.Options{
		Workers:              o.workers,
		OwnerDespiteFailures: o.ownerDespiteFailures,
		Stop:                 stop,
		OnEvent:              printer.OnEvent,
	})
	fmt.Fprintln(stdout)
	rollout.WriteSummary(stdout, s)
	return s.ExitCode()
}

// setUp checks what every stack needs before any starts: the CLI, a login, the project dir, and
// a log dir. It prints what the rollout will use.
func setUp(o options, stdout io.Writer) (procRunner, error) {
	var r procRunner
	self, err := os.Executable()
	if err != nil {
		return r, err
	}
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return r, err
	}
	if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err != nil {
		return r, fmt.Errorf("no Pulumi.yaml in %s: pass -dir <project dir>", dir)
	}
	root, err := pulumiRoot(o.pulumi)
	if err != nil {
		return r, err
	}
	logDir := o.logDir
	if logDir == "" {
		logDir, err = os.MkdirTemp("", fmt.Sprintf("rollout-%s-%s-", o.op, time.Now().Format("20060102-150405")))
	} else {
		err = os.MkdirAll(logDir, 0o755)
	}
	if err != nil {
		return r, err
	}
	if logDir, err = filepath.Abs(logDir); err != nil {
		return r, err
	}

	ctx := context.Background()
	cmd, err := pulumiCommand(root)
	if err != nil {
		return r, err
	}
	ws, err := auto.NewLocalWorkspace(ctx, auto.WorkDir(dir), auto.Program(program.Run), auto.Pulumi(cmd))
	if err != nil {
		return r, err
	}
	who, err := ws.WhoAmIDetails(ctx)
	if err != nil {
		return r, fmt.Errorf("the Pulumi CLI is not logged in to a backend (pulumi login): %w", err)
	}
	fmt.Fprintf(stdout, "rollout: %s of %d consumer stack(s)%s, %d at a time\n", o.op, len(o.consumers), ownerText(o.owner), o.workers)
	fmt.Fprintf(stdout, "rollout: pulumi %s (%s), backend %s as %s\n", cmd.Version(), filepath.Join(root, "bin", "pulumi"), who.URL, who.User)
	fmt.Fprintf(stdout, "rollout: project %s; each stack's output in %s\n", dir, logDir)
	return procRunner{self: self, dir: dir, pulumiRoot: root, logDir: logDir,
		create: o.create, refresh: o.refresh, expect: o.expectNoChanges}, nil
}

func ownerText(owner string) string {
	if owner == "" {
		return " (no owner stack)"
	}
	return ", then owner stack " + owner
}

// pulumiRoot is the folder whose bin/pulumi is the CLI, as the Automation API wants it: from the
// given binary, or from pulumi on PATH. A binary outside a bin/ folder gets a private root with a
// bin/pulumi link to it.
func pulumiRoot(binary string) (string, error) {
	if binary == "" {
		found, err := exec.LookPath("pulumi")
		if err != nil {
			return "", errNoCLI
		}
		binary = found
	}
	abs, err := filepath.Abs(binary)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("-pulumi %s: %w", binary, err)
	}
	if filepath.Base(filepath.Dir(abs)) == "bin" && filepath.Base(abs) == "pulumi" {
		return filepath.Dir(filepath.Dir(abs)), nil
	}
	root, err := os.MkdirTemp("", "rollout-pulumi-")
	if err != nil {
		return "", err
	}
	if err := os.Mkdir(filepath.Join(root, "bin"), 0o755); err != nil {
		return "", err
	}
	return root, os.Symlink(abs, filepath.Join(root, "bin", "pulumi"))
}
