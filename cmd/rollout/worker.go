package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/program"
	"cross-account-s3/tools/rollout"
)

// workerArg is the hidden first argument that makes this binary run one stack: the parent starts
// one worker process per stack (see proc.go).
const workerArg = "__worker"

// message is one JSON line a worker writes on stdout for the parent.
type message struct {
	Progress string        `json:"progress,omitempty"`
	Result   *workerResult `json:"result,omitempty"`
}

type workerResult struct {
	Error   string         `json:"error,omitempty"`
	Changes map[string]int `json:"changes,omitempty"`
}

// workerOptions are what the parent passes to a worker.
type workerOptions struct {
	stack, dir, pulumiRoot, logPath  string
	op                               rollout.Op
	create, refresh, expectNoChanges bool
}

func (w workerOptions) args() []string {
	a := []string{workerArg, "-stack", w.stack, "-op", string(w.op), "-dir", w.dir, "-log", w.logPath, "-pulumi-root", w.pulumiRoot}
	for flagName, on := range map[string]bool{"create": w.create, "refresh": w.refresh, "expect-no-changes": w.expectNoChanges} {
		if on {
			a = append(a, "-"+flagName)
		}
	}
	return a
}

// workerMain runs one stack and reports on stdout. Why a process per stack rather than a
// goroutine: the program's check for unknown config keys reads PULUMI_CONFIG from the process
// environment (as the Go language host sets it), which parallel stacks in one process would
// share; a process also gives each stack's in-process program its own memory and crash boundary.
func workerMain(args []string) int {
	fs := flag.NewFlagSet(workerArg, flag.ContinueOnError)
	var w workerOptions
	var op string
	fs.StringVar(&w.stack, "stack", "", "")
	fs.StringVar(&op, "op", "", "")
	fs.StringVar(&w.dir, "dir", ".", "")
	fs.StringVar(&w.logPath, "log", "", "")
	fs.StringVar(&w.pulumiRoot, "pulumi-root", "", "")
	fs.BoolVar(&w.create, "create", false, "")
	fs.BoolVar(&w.refresh, "refresh", false, "")
	fs.BoolVar(&w.expectNoChanges, "expect-no-changes", false, "")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	w.op = rollout.Op(op)

	var mu sync.Mutex
	enc := json.NewEncoder(os.Stdout)
	send := func(m message) {
		mu.Lock()
		defer mu.Unlock()
		_ = enc.Encode(m)
	}
	log := io.Discard
	if w.logPath != "" {
		f, err := os.OpenFile(w.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			send(message{Result: &workerResult{Error: err.Error()}})
			return 1
		}
		defer f.Close()
		log = f
	}
	// The parent sends SIGTERM to interrupt; the Automation API then interrupts the CLI, which
	// stops starting steps and lets running ones finish.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	changes, err := runStack(ctx, w, log, func(line string) { send(message{Progress: line}) })
	res := &workerResult{Changes: changes}
	if err != nil {
		res.Error = err.Error()
		fmt.Fprintf(log, "\nrollout: %s of %s failed: %v\n", w.op, w.stack, err)
	}
	send(message{Result: res})
	if err != nil {
		return 1
	}
	return 0
}

// runStack selects (or creates) the stack in the work dir and runs the operation with this
// repository's program served in-process.
func runStack(ctx context.Context, w workerOptions, log io.Writer, progress func(string)) (map[string]int, error) {
	cmd, err := pulumiCommand(w.pulumiRoot)
	if err != nil {
		return nil, err
	}
	ws, err := auto.NewLocalWorkspace(ctx, auto.WorkDir(w.dir), auto.Program(program.Run), auto.Pulumi(cmd))
	if err != nil {
		return nil, err
	}
	var st auto.Stack
	if w.create {
		st, err = auto.UpsertStack(ctx, w.stack, ws)
	} else {
		st, err = auto.SelectStack(ctx, w.stack, ws)
	}
	if err != nil {
		if auto.IsSelectStack404Error(err) {
			return nil, fmt.Errorf("stack %s does not exist in the backend the CLI is logged in to: create it (pulumi stack init %s) or pass -create", w.stack, w.stack)
		}
		return nil, fmt.Errorf("selecting stack %s: %w", w.stack, err)
	}
	if err := setProgramConfig(ctx, st); err != nil {
		return nil, err
	}

	ch := make(chan events.EngineEvent)
	diags := make(chan []string, 1)
	go func() { diags <- watch(ch, progress) }()

	var changes map[string]int
	switch w.op {
	case rollout.Preview:
		var r auto.PreviewResult
		r, err = st.Preview(ctx, w.previewOptions(ch, log, w.expectNoChanges)...)
		if err == nil {
			changes = map[string]int{}
			for op, n := range r.ChangeSummary {
				changes[string(op)] = n
			}
		}
	case rollout.Up:
		// The Automation API's up skips the CLI's preview (--skip-preview), so the CLI's own
		// --expect-no-changes would only notice changes once made. Preview first instead: a stack
		// that would change is not updated at all.
		if w.expectNoChanges {
			if _, err := st.Preview(ctx, w.previewOptions(ch, log, true)...); err != nil {
				return nil, fmt.Errorf("the preview before the up proposes changes, so the stack was not updated (-expect-no-changes): %w", err)
			}
			// The preview's event stream has ended; the up gets a new one.
			awaitDiags(diags)
			ch = make(chan events.EngineEvent)
			go func() { diags <- watch(ch, progress) }()
		}
		opts := []optup.Option{optup.EventStreams(ch), optup.ProgressStreams(log),
			optup.ErrorProgressStreams(log), optup.Color("never")}
		if w.refresh {
			opts = append(opts, optup.Refresh())
		}
		if w.expectNoChanges {
			opts = append(opts, optup.ExpectNoChanges())
		}
		var r auto.UpResult
		r, err = st.Up(ctx, opts...)
		if err == nil && r.Summary.ResourceChanges != nil {
			changes = *r.Summary.ResourceChanges
		}
	default:
		return nil, fmt.Errorf("unknown operation %q", w.op)
	}
	errorDiags := awaitDiags(diags)
	if err != nil {
		// The engine's own error diagnostics say what went wrong; the Automation API's error
		// starts with its exit code and the whole output.
		if len(errorDiags) > 0 {
			return nil, fmt.Errorf("%s\n(%w)", strings.Join(errorDiags, "\n"), err)
		}
		return nil, err
	}
	return changes, nil
}

// previewOptions are a preview's options: events to ch, output to log, -refresh, and
// --expect-no-changes when asked.
func (w workerOptions) previewOptions(ch chan<- events.EngineEvent, log io.Writer, expectNoChanges bool) []optpreview.Option {
	opts := []optpreview.Option{optpreview.EventStreams(ch), optpreview.ProgressStreams(log),
		optpreview.ErrorProgressStreams(log), optpreview.Color("never")}
	if w.refresh {
		opts = append(opts, optpreview.Refresh())
	}
	if expectNoChanges {
		opts = append(opts, optpreview.ExpectNoChanges())
	}
	return opts
}

// awaitDiags waits for the event watcher's error diagnostics. A failed operation may end before
// its event stream started, and then nobody closes the stream: the wait is bounded.
func awaitDiags(diags <-chan []string) []string {
	select {
	case d := <-diags:
		return d
	case <-time.After(3 * time.Second):
		return nil
	}
}

// watch turns engine events into progress lines (resource steps other than "same", warnings and
// errors) and returns the error diagnostics.
func watch(ch <-chan events.EngineEvent, progress func(string)) []string {
	var errs []string
	for ev := range ch {
		switch {
		case ev.ResourcePreEvent != nil:
			md := ev.ResourcePreEvent.Metadata
			if md.Op != apitype.OpSame {
				progress(fmt.Sprintf("%s %s %s", md.Op, md.Type, urnName(md.URN)))
			}
		case ev.ResOpFailedEvent != nil:
			md := ev.ResOpFailedEvent.Metadata
			progress(fmt.Sprintf("failed: %s %s %s", md.Op, md.Type, urnName(md.URN)))
		case ev.DiagnosticEvent != nil:
			d := ev.DiagnosticEvent
			text := strings.TrimSpace(d.Message)
			switch d.Severity {
			case "error":
				errs = append(errs, condense(text))
				progress("error: " + text)
			case "warning":
				progress("warning: " + text)
			}
		}
	}
	return errs
}

// wrapperLine matches the lines the Go SDK and the engine wrap a program's error in.
var wrapperLine = regexp.MustCompile(`^(an unhandled error occurred:\s*)?(\d+ errors? occurred:)?$`)

// condense makes one line of an error diagnostic, without its wrappers: "an unhandled error
// occurred: 1 error occurred: * invalid stack configuration ... - allowlisting: ..." becomes
// "invalid stack configuration ...: allowlisting: ...".
func condense(text string) string {
	var parts []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		line = strings.TrimPrefix(line, "an unhandled error occurred: ")
		if wrapperLine.MatchString(line) {
			continue
		}
		line = strings.TrimSpace(strings.TrimLeft(line, "*-"))
		parts = append(parts, line)
	}
	if len(parts) == 0 {
		return strings.TrimSpace(text)
	}
	out := parts[0]
	for i, p := range parts[1:] {
		sep := "; "
		if strings.HasSuffix(parts[i], ":") {
			sep = " "
		}
		out += sep + p
	}
	return out
}

func urnName(urn string) string {
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}

// setProgramConfig gives the in-process program the PULUMI_CONFIG the Go language host would set
// under `pulumi preview`: the program's check for unknown keys reads the keys from it (an inline
// program gets its values by RPC only). Secret values are left out: only the keys are read there.
func setProgramConfig(ctx context.Context, st auto.Stack) error {
	all, err := st.GetAllConfig(ctx)
	if err != nil {
		return fmt.Errorf("reading the config of stack %s: %w", st.Name(), err)
	}
	plain := map[string]string{}
	for k, v := range all {
		plain[k] = v.Value
		if v.Secret {
			plain[k] = "[secret]"
		}
	}
	b, err := json.Marshal(plain)
	if err != nil {
		return err
	}
	return os.Setenv(pulumi.EnvConfig, string(b))
}

// pulumiCommand is the CLI under root (root/bin/pulumi), or pulumi on PATH when root is "".
func pulumiCommand(root string) (auto.PulumiCommand, error) {
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root})
	if err != nil {
		return nil, fmt.Errorf("the Pulumi CLI: %w", err)
	}
	return cmd, nil
}

var errNoCLI = errors.New("no pulumi on PATH: install the Pulumi CLI or pass -pulumi <path of the binary>")
