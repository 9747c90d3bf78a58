package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"cross-account-s3/tools/rollout"
)

// procRunner runs each stack in a worker process: this binary with workerArg.
type procRunner struct {
	self       string // this binary
	dir        string
	pulumiRoot string
	logDir     string
	create     bool
	refresh    bool
	expect     bool
}

func (p procRunner) Run(ctx context.Context, t rollout.Target, op rollout.Op, progress func(string)) rollout.Outcome {
	logPath := filepath.Join(p.logDir, fmt.Sprintf("%03d-%s.log", t.Index, fileSafe(t.Stack)))
	out := rollout.Outcome{Log: logPath}
	w := workerOptions{stack: t.Stack, op: op, dir: p.dir, pulumiRoot: p.pulumiRoot, logPath: logPath,
		create: p.create, refresh: p.refresh, expectNoChanges: p.expect}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		out.Err = err
		return out
	}
	defer logFile.Close()

	cmd := exec.CommandContext(ctx, p.self, w.args()...)
	// A process group of its own: a Ctrl-C at the terminal reaches only the parent, which decides
	// whether to stop starting stacks or to interrupt the running ones (SIGTERM, below).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Minute
	cmd.Stderr = logFile // panics and anything else the worker prints outside the protocol
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		out.Err = err
		return out
	}
	if err := cmd.Start(); err != nil {
		out.Err = fmt.Errorf("starting the worker: %w", err)
		return out
	}
	var result *workerResult
	lines := bufio.NewScanner(stdout)
	lines.Buffer(make([]byte, 64<<10), 16<<20)
	for lines.Scan() {
		var m message
		if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
			fmt.Fprintf(logFile, "rollout: unexpected worker output: %s\n", lines.Text())
			continue
		}
		if m.Progress != "" {
			progress(m.Progress)
		}
		if m.Result != nil {
			result = m.Result
		}
	}
	waitErr := cmd.Wait()
	switch {
	case result == nil && waitErr != nil:
		out.Err = fmt.Errorf("the worker process ended without a result: %v", waitErr)
	case result == nil:
		out.Err = errors.New("the worker process ended without a result")
	case result.Error != "":
		out.Err = errors.New(result.Error)
	default:
		out.Changes = result.Changes
	}
	if out.Err == nil && ctx.Err() != nil {
		out.Err = ctx.Err()
	}
	return out
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileSafe turns a stack name (possibly org/project/stack) into a file name.
func fileSafe(stack string) string {
	return strings.Trim(unsafeChars.ReplaceAllString(stack, "_"), "_")
}
