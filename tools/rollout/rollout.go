// Package rollout runs one operation (preview or up) over a set of Pulumi stacks: every consumer
// stack first, in parallel on a bounded number of workers, then the owner stack. It knows nothing
// about Pulumi itself: a Runner performs the operation on one stack (cmd/rollout's runs each stack
// in a worker process through the Automation API; the tests use a fake).
//
// Rules:
//   - At most Options.Workers stacks run at once; the owner runs alone, after every consumer stack
//     has finished (it reads their outputs).
//   - A failed consumer stack never stops the others.
//   - The owner after a consumer failure: a preview runs it anyway (a preview changes nothing, and
//     the owner's preview says what it would do about the stacks that failed); an up skips it
//     unless Options.OwnerDespiteFailures, because the owner would then deploy from outputs that
//     are stale or missing, and an operator should decide that knowingly.
//   - Stop (a first Ctrl-C) lets running stacks finish and starts no new one; the stacks not
//     started, and the owner, are reported as skipped. Cancelling the context (a second Ctrl-C)
//     also cancels the running ones.
package rollout

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Op is the operation run on every stack.
type Op string

// The operations a rollout runs.
const (
	Preview Op = "preview"
	Up      Op = "up"
)

// ParseOp reads an operation name.
func ParseOp(s string) (Op, error) {
	switch Op(s) {
	case Preview, Up:
		return Op(s), nil
	}
	return "", fmt.Errorf("unknown operation %q: use preview or up", s)
}

// Role says which side of the split a stack is.
type Role string

// The two sides.
const (
	Consumer Role = "consumer"
	Owner    Role = "owner"
)

// Target is one stack of the rollout.
type Target struct {
	Stack string
	Role  Role
	// Index numbers the targets from 1 in the order they are reported: consumers as listed, then
	// the owner.
	Index int
}

// Status is how a stack's operation ended.
type Status string

// The outcomes.
const (
	OK      Status = "ok"
	Failed  Status = "failed"
	Skipped Status = "skipped"
)

// Outcome is what a Runner reports of one stack's operation.
type Outcome struct {
	// Err is nil when the operation succeeded.
	Err error
	// Changes counts the resource steps by operation ("create", "update", "same", ...).
	Changes map[string]int
	// Log is where the stack's full output is, if anywhere.
	Log string
}

// Runner performs op on one stack. progress may be called (from any goroutine, until Run
// returns) with lines worth showing while the stack runs. Run must return when ctx is cancelled.
type Runner interface {
	Run(ctx context.Context, t Target, op Op, progress func(string)) Outcome
}

// RunnerFunc adapts a function to Runner.
type RunnerFunc func(ctx context.Context, t Target, op Op, progress func(string)) Outcome

// Run calls f.
func (f RunnerFunc) Run(ctx context.Context, t Target, op Op, progress func(string)) Outcome {
	return f(ctx, t, op, progress)
}

// Result is one stack's line of the summary.
type Result struct {
	Target
	Op       Op
	Status   Status
	Changes  map[string]int
	Duration time.Duration
	// Err is set for Failed; Reason says why a stack was Skipped.
	Err    error
	Reason string
	Log    string
}

// EventKind is what happened to a stack.
type EventKind string

// The events of one stack: Started, any number of Progress, then Finished (with its Result). A
// skipped stack gets Finished only.
const (
	Started  EventKind = "started"
	Progress EventKind = "progress"
	Finished EventKind = "finished"
)

// Event is one progress report. The rollout delivers them one at a time (never concurrently).
type Event struct {
	Kind   EventKind
	Target Target
	// Total is the number of targets.
	Total int
	// Text is a Progress line.
	Text string
	// Result is set on Finished.
	Result *Result
}

// Plan is what to run.
type Plan struct {
	Op        Op
	Consumers []string
	// Owner is "" for a rollout of consumer stacks only.
	Owner string
}

// Validate reports an empty plan, an unknown operation, and a stack named twice.
func (p Plan) Validate() error {
	if _, err := ParseOp(string(p.Op)); err != nil {
		return err
	}
	if len(p.Consumers) == 0 && p.Owner == "" {
		return errors.New("no stacks: name consumer stacks, an owner stack, or both")
	}
	seen := map[string]bool{}
	for _, s := range append(append([]string{}, p.Consumers...), p.Owner) {
		if s == "" {
			continue
		}
		if strings.TrimSpace(s) != s || strings.ContainsAny(s, " \t\n") {
			return fmt.Errorf("stack name %q contains white space", s)
		}
		if seen[s] {
			if s == p.Owner {
				return fmt.Errorf("stack %s is both a consumer stack and the owner stack", s)
			}
			return fmt.Errorf("consumer stack %s is listed twice", s)
		}
		seen[s] = true
	}
	return nil
}

// Targets are the plan's stacks in report order.
func (p Plan) Targets() []Target {
	var ts []Target
	for _, s := range p.Consumers {
		ts = append(ts, Target{Stack: s, Role: Consumer, Index: len(ts) + 1})
	}
	if p.Owner != "" {
		ts = append(ts, Target{Stack: p.Owner, Role: Owner, Index: len(ts) + 1})
	}
	return ts
}

// Options tune a rollout.
type Options struct {
	// Workers bounds how many stacks run at once (at least 1).
	Workers int
	// OwnerDespiteFailures runs the owner's up even when a consumer stack failed or was skipped.
	OwnerDespiteFailures bool
	// Stop, when closed, starts no further stack; running ones finish.
	Stop <-chan struct{}
	// OnEvent receives progress; nil discards it.
	OnEvent func(Event)
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// Summary is the outcome of a whole rollout.
type Summary struct {
	Op      Op
	Results []Result
	Wall    time.Duration
	Workers int
}

// Count returns how many stacks ended with status s.
func (s Summary) Count(status Status) int {
	n := 0
	for _, r := range s.Results {
		if r.Status == status {
			n++
		}
	}
	return n
}

// OK reports whether every stack succeeded.
func (s Summary) OK() bool { return s.Count(OK) == len(s.Results) }

// ExitCode is 0 when every stack succeeded, 1 otherwise (a stack failed or was skipped).
func (s Summary) ExitCode() int {
	if s.OK() {
		return 0
	}
	return 1
}

// Run executes the plan with the runner. The plan must be valid (Plan.Validate).
func Run(ctx context.Context, p Plan, runner Runner, opt Options) Summary {
	workers := opt.Workers
	if workers < 1 {
		workers = 1
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	targets := p.Targets()
	r := &rollout{op: p.Op, runner: runner, total: len(targets), onEvent: opt.OnEvent, now: now,
		results: make([]Result, len(targets))}
	start := now()

	var consumers, owners []Target
	for _, t := range targets {
		if t.Role == Owner {
			owners = append(owners, t)
		} else {
			consumers = append(consumers, t)
		}
	}

	// The consumer stacks: a fixed pool of workers takes them in order from a queue.
	queue := make(chan Target)
	var wg sync.WaitGroup
	for range min(workers, max(len(consumers), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range queue {
				r.runOne(ctx, t)
			}
		}()
	}
	stopped := false
	for _, t := range consumers {
		if !stopped && (isClosed(opt.Stop) || ctx.Err() != nil) {
			stopped = true
		}
		if stopped {
			r.skip(t, "interrupted before it started")
			continue
		}
		select {
		case queue <- t:
		case <-stopChan(opt.Stop):
			stopped = true
			r.skip(t, "interrupted before it started")
		case <-ctx.Done():
			stopped = true
			r.skip(t, "interrupted before it started")
		}
	}
	close(queue)
	wg.Wait()

	// The owner, once every consumer stack has finished.
	for _, t := range owners {
		if reason := r.ownerBlocked(ctx, opt, consumers); reason != "" {
			r.skip(t, reason)
			continue
		}
		r.runOne(ctx, t)
	}
	return Summary{Op: p.Op, Results: r.results, Wall: now().Sub(start), Workers: workers}
}

// ownerBlocked says why the owner must not run, or "".
func (r *rollout) ownerBlocked(ctx context.Context, opt Options, consumers []Target) string {
	if isClosed(opt.Stop) || ctx.Err() != nil {
		return "interrupted before it started"
	}
	var failed, skipped []string
	for _, t := range consumers {
		switch r.results[t.Index-1].Status {
		case Failed:
			failed = append(failed, t.Stack)
		case Skipped:
			skipped = append(skipped, t.Stack)
		}
	}
	if len(failed)+len(skipped) == 0 || r.op == Preview || opt.OwnerDespiteFailures {
		return ""
	}
	var parts []string
	if len(failed) > 0 {
		parts = append(parts, fmt.Sprintf("%d consumer stack(s) failed (%s)", len(failed), shortList(failed)))
	}
	if len(skipped) > 0 {
		parts = append(parts, fmt.Sprintf("%d were not run (%s)", len(skipped), shortList(skipped)))
	}
	return strings.Join(parts, " and ") + "; fix them and run again, or pass -owner-despite-failures to deploy the owner from the outputs it can read"
}

func shortList(names []string) string {
	const most = 5
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:most], ", ") + fmt.Sprintf(", … %d more", len(names)-most)
}

type rollout struct {
	op      Op
	runner  Runner
	total   int
	onEvent func(Event)
	now     func() time.Time

	mu      sync.Mutex // serialises onEvent and guards results
	results []Result
}

func (r *rollout) emit(e Event) {
	if r.onEvent == nil {
		return
	}
	e.Total = r.total
	r.onEvent(e)
}

func (r *rollout) runOne(ctx context.Context, t Target) {
	r.mu.Lock()
	r.emit(Event{Kind: Started, Target: t})
	r.mu.Unlock()

	start := r.now()
	done := make(chan struct{})
	progress := func(line string) {
		r.mu.Lock()
		defer r.mu.Unlock()
		select {
		case <-done: // late lines after Run returned are dropped
			return
		default:
		}
		r.emit(Event{Kind: Progress, Target: t, Text: line})
	}
	out := r.safeRun(ctx, t, progress)
	r.mu.Lock()
	close(done)
	res := Result{Target: t, Op: r.op, Status: OK, Changes: out.Changes, Duration: r.now().Sub(start), Log: out.Log}
	if out.Err != nil {
		res.Status, res.Err = Failed, out.Err
	}
	r.results[t.Index-1] = res
	r.emit(Event{Kind: Finished, Target: t, Result: &res})
	r.mu.Unlock()
}

// safeRun turns a panicking runner into a failed stack, so that one stack cannot end the rollout.
func (r *rollout) safeRun(ctx context.Context, t Target, progress func(string)) (out Outcome) {
	defer func() {
		if p := recover(); p != nil {
			out = Outcome{Err: fmt.Errorf("runner panicked: %v", p)}
		}
	}()
	return r.runner.Run(ctx, t, r.op, progress)
}

func (r *rollout) skip(t Target, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := Result{Target: t, Op: r.op, Status: Skipped, Reason: reason}
	r.results[t.Index-1] = res
	r.emit(Event{Kind: Finished, Target: t, Result: &res})
}

func isClosed(c <-chan struct{}) bool {
	if c == nil {
		return false
	}
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// stopChan is c, or a channel that never fires when c is nil.
func stopChan(c <-chan struct{}) <-chan struct{} {
	if c == nil {
		return make(chan struct{})
	}
	return c
}

// FormatChanges renders a change count as "create 2, update 1", leaving out "same"; "no changes"
// when nothing but "same" remains.
func FormatChanges(changes map[string]int) string {
	var ops []string
	for op, n := range changes {
		if op != "same" && n > 0 {
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 {
		if changes == nil {
			return "-"
		}
		return "no changes"
	}
	sort.Strings(ops)
	parts := make([]string, len(ops))
	for i, op := range ops {
		parts[i] = fmt.Sprintf("%s %d", op, changes[op])
	}
	return strings.Join(parts, ", ")
}
