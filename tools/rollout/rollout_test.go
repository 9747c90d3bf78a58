package rollout

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a fake Runner that logs the order of starts and ends on one sequence, tracks how
// many stacks run at once, and fails the stacks it is told to.
type recorder struct {
	mu       sync.Mutex
	seq      int
	started  map[string]int
	ended    map[string]int
	inFlight atomic.Int32
	peak     atomic.Int32
	fail     map[string]bool
	delay    func(stack string) time.Duration
}

func newRecorder(fail ...string) *recorder {
	r := &recorder{started: map[string]int{}, ended: map[string]int{}, fail: map[string]bool{}}
	for _, f := range fail {
		r.fail[f] = true
	}
	return r
}

func (r *recorder) Run(ctx context.Context, t Target, op Op, progress func(string)) Outcome {
	n := r.inFlight.Add(1)
	for {
		p := r.peak.Load()
		if n <= p || r.peak.CompareAndSwap(p, n) {
			break
		}
	}
	r.mu.Lock()
	r.seq++
	r.started[t.Stack] = r.seq
	r.mu.Unlock()
	progress("working on " + t.Stack)
	if r.delay != nil {
		select {
		case <-time.After(r.delay(t.Stack)):
		case <-ctx.Done():
		}
	}
	r.inFlight.Add(-1)
	r.mu.Lock()
	r.seq++
	r.ended[t.Stack] = r.seq
	r.mu.Unlock()
	if r.fail[t.Stack] {
		return Outcome{Err: fmt.Errorf("%s: boom\nsecond line", t.Stack), Log: "/logs/" + t.Stack + ".log"}
	}
	return Outcome{Changes: map[string]int{"create": 2, "same": 1}}
}

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d", prefix, i+1)
	}
	return out
}

func TestEveryConsumerFinishesBeforeTheOwnerStarts(t *testing.T) {
	for _, op := range []Op{Preview, Up} {
		t.Run(string(op), func(t *testing.T) {
			r := newRecorder()
			rnd := rand.New(rand.NewSource(1))
			delays := map[string]time.Duration{}
			consumers := names("consumer", 30)
			for _, c := range consumers {
				delays[c] = time.Duration(rnd.Intn(20)) * time.Millisecond
			}
			r.delay = func(s string) time.Duration { return delays[s] }
			s := Run(context.Background(), Plan{Op: op, Consumers: consumers, Owner: "owner"}, r, Options{Workers: 4})
			if !s.OK() || s.ExitCode() != 0 {
				t.Fatalf("summary not ok: %+v", s)
			}
			for _, c := range consumers {
				if r.ended[c] == 0 || r.ended[c] > r.started["owner"] {
					t.Errorf("consumer %s ended at %d, owner started at %d", c, r.ended[c], r.started["owner"])
				}
			}
			// Results come back in report order: consumers as listed, then the owner.
			for i, res := range s.Results {
				want := "owner"
				if i < len(consumers) {
					want = consumers[i]
				}
				if res.Stack != want || res.Index != i+1 {
					t.Errorf("result %d is %s (index %d), want %s", i, res.Stack, res.Index, want)
				}
			}
		})
	}
}

// The pool never runs more than Workers stacks at once, and does reach Workers: proven with a
// runner that holds every stack until the test lets it go.
func TestConcurrencyIsBoundedByTheWorkers(t *testing.T) {
	const workers, stacks = 3, 10
	var running atomic.Int32
	startedCh := make(chan string, stacks)
	release := make(chan struct{})
	runner := RunnerFunc(func(ctx context.Context, tg Target, op Op, progress func(string)) Outcome {
		running.Add(1)
		startedCh <- tg.Stack
		<-release
		running.Add(-1)
		return Outcome{}
	})
	done := make(chan Summary)
	go func() {
		done <- Run(context.Background(), Plan{Op: Up, Consumers: names("c", stacks), Owner: "owner"}, runner, Options{Workers: workers})
	}()
	for i := 0; i < workers; i++ {
		<-startedCh
	}
	// With every worker held, no further stack may start.
	select {
	case s := <-startedCh:
		t.Fatalf("%s started while %d stacks were running with %d workers", s, running.Load(), workers)
	case <-time.After(200 * time.Millisecond):
	}
	if got := running.Load(); got != workers {
		t.Fatalf("%d stacks running, want %d", got, workers)
	}
	// Releasing one lets exactly one more in.
	release <- struct{}{}
	<-startedCh
	select {
	case s := <-startedCh:
		t.Fatalf("%s started: one release let two stacks in", s)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	s := <-done
	if !s.OK() {
		t.Fatalf("not ok: %+v", s.Results)
	}
}

func TestPeakConcurrencyOverManyStacks(t *testing.T) {
	for _, workers := range []int{1, 4, 16} {
		r := newRecorder()
		r.delay = func(string) time.Duration { return time.Millisecond }
		s := Run(context.Background(), Plan{Op: Preview, Consumers: names("c", 150), Owner: "owner"}, r, Options{Workers: workers})
		if !s.OK() {
			t.Fatalf("workers %d: not ok", workers)
		}
		if peak := int(r.peak.Load()); peak > workers {
			t.Errorf("workers %d: %d stacks ran at once", workers, peak)
		}
		if len(r.started) != 151 {
			t.Errorf("workers %d: %d stacks ran, want 151", workers, len(r.started))
		}
	}
}

func TestAFailedConsumerDoesNotStopTheOthers(t *testing.T) {
	consumers := names("c", 8)
	r := newRecorder(consumers[0], consumers[5])
	s := Run(context.Background(), Plan{Op: Preview, Consumers: consumers, Owner: "owner"}, r, Options{Workers: 2})
	if len(r.started) != 9 {
		t.Fatalf("%d stacks ran, want all 9", len(r.started))
	}
	if s.Count(Failed) != 2 || s.Count(OK) != 7 || s.ExitCode() != 1 {
		t.Fatalf("ok %d failed %d exit %d", s.Count(OK), s.Count(Failed), s.ExitCode())
	}
	if got := s.Results[0]; got.Status != Failed || got.Log != "/logs/c-001.log" || FirstLine(got.Err) != "c-001: boom" {
		t.Errorf("first result %+v", got)
	}
}

// A preview runs the owner after a consumer failed (it changes nothing and reports what it would
// do); an up skips it unless told otherwise.
func TestTheOwnerAfterAConsumerFailure(t *testing.T) {
	cases := []struct {
		op      Op
		despite bool
		want    Status
	}{
		{Preview, false, OK},
		{Up, false, Skipped},
		{Up, true, OK},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s despite=%v", c.op, c.despite), func(t *testing.T) {
			r := newRecorder("c-002")
			s := Run(context.Background(), Plan{Op: c.op, Consumers: names("c", 3), Owner: "owner"}, r,
				Options{Workers: 2, OwnerDespiteFailures: c.despite})
			owner := s.Results[len(s.Results)-1]
			if owner.Status != c.want {
				t.Fatalf("owner %s, want %s (%s)", owner.Status, c.want, owner.Reason)
			}
			if c.want == Skipped {
				if _, ran := r.started["owner"]; ran {
					t.Error("the skipped owner ran")
				}
				if !strings.Contains(owner.Reason, "1 consumer stack(s) failed (c-002)") {
					t.Errorf("reason %q", owner.Reason)
				}
			}
			if s.ExitCode() != 1 {
				t.Errorf("exit code %d, want 1", s.ExitCode())
			}
		})
	}
}

func TestStopStartsNoFurtherStack(t *testing.T) {
	stop := make(chan struct{})
	var once sync.Once
	runner := RunnerFunc(func(ctx context.Context, tg Target, op Op, progress func(string)) Outcome {
		if tg.Stack == "c-002" {
			once.Do(func() { close(stop) })
		}
		return Outcome{}
	})
	s := Run(context.Background(), Plan{Op: Up, Consumers: names("c", 6), Owner: "owner"}, runner, Options{Workers: 1, Stop: stop})
	for _, r := range s.Results {
		want := Skipped
		if r.Stack == "c-001" || r.Stack == "c-002" {
			want = OK
		}
		if r.Status != want {
			t.Errorf("%s: %s, want %s (%s)", r.Stack, r.Status, want, r.Reason)
		}
	}
}

func TestCancelledContextCancelsRunningStacks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	runner := RunnerFunc(func(ctx context.Context, tg Target, op Op, progress func(string)) Outcome {
		if tg.Stack == "c-001" {
			cancel()
		}
		<-ctx.Done()
		return Outcome{Err: ctx.Err()}
	})
	done := make(chan Summary)
	go func() {
		done <- Run(ctx, Plan{Op: Up, Consumers: names("c", 4), Owner: "owner"}, runner, Options{Workers: 2})
	}()
	select {
	case s := <-done:
		if s.Results[4].Status != Skipped {
			t.Errorf("owner %s after cancellation", s.Results[4].Status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the rollout did not end after cancellation")
	}
}

func TestAPanickingRunnerFailsOnlyItsStack(t *testing.T) {
	runner := RunnerFunc(func(ctx context.Context, tg Target, op Op, progress func(string)) Outcome {
		if tg.Stack == "c-002" {
			panic("nil map")
		}
		return Outcome{}
	})
	s := Run(context.Background(), Plan{Op: Preview, Consumers: names("c", 3)}, runner, Options{Workers: 2})
	if s.Results[1].Status != Failed || !strings.Contains(s.Results[1].Err.Error(), "panicked: nil map") || s.Count(OK) != 2 {
		t.Errorf("results %+v", s.Results)
	}
}

func TestPlanValidation(t *testing.T) {
	cases := []struct {
		plan Plan
		want string
	}{
		{Plan{Op: "destroy", Consumers: []string{"a"}}, `unknown operation "destroy": use preview or up`},
		{Plan{Op: Up}, "no stacks: name consumer stacks, an owner stack, or both"},
		{Plan{Op: Up, Consumers: []string{"a", "b", "a"}}, "consumer stack a is listed twice"},
		{Plan{Op: Up, Consumers: []string{"a", "o"}, Owner: "o"}, "stack o is both a consumer stack and the owner stack"},
		{Plan{Op: Up, Consumers: []string{"a b"}}, `stack name "a b" contains white space`},
		{Plan{Op: Up, Owner: "o"}, ""},
		{Plan{Op: Preview, Consumers: []string{"org/proj/a"}}, ""},
	}
	for _, c := range cases {
		err := c.plan.Validate()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%+v: %q, want %q", c.plan, got, c.want)
		}
	}
}

// Events for one stack arrive in order (started, progress, finished) and never concurrently, and
// the printer and the summary say what happened.
func TestEventsAndReport(t *testing.T) {
	var inCallback atomic.Int32
	var mu sync.Mutex
	kinds := map[string][]EventKind{}
	var buf bytes.Buffer
	clock := func() time.Time { return time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC) }
	p := Printer{W: &buf, Width: 5, Verbose: true, Clock: clock}
	onEvent := func(e Event) {
		if inCallback.Add(1) != 1 {
			t.Error("OnEvent called concurrently")
		}
		defer inCallback.Add(-1)
		mu.Lock()
		kinds[e.Target.Stack] = append(kinds[e.Target.Stack], e.Kind)
		mu.Unlock()
		p.OnEvent(e)
	}
	r := newRecorder("c-002")
	plan := Plan{Op: Up, Consumers: names("c", 3), Owner: "owner"}
	s := Run(context.Background(), plan, r, Options{Workers: 3, OnEvent: onEvent})
	for _, c := range names("c", 3) {
		if got := fmt.Sprint(kinds[c]); got != "[started progress finished]" {
			t.Errorf("%s events %s", c, got)
		}
	}
	if got := fmt.Sprint(kinds["owner"]); got != "[finished]" {
		t.Errorf("owner events %s", got)
	}
	out := buf.String()
	for _, want := range []string{
		"12:00:00 [1/4] c-001  consumer started\n",
		"12:00:00 [1/4] c-001    working on c-001\n",
		"12:00:00 [2/4] c-002  FAILED in 0s: c-002: boom (log: /logs/c-002.log)\n",
		"12:00:00 [4/4] owner  skipped: 1 consumer stack(s) failed (c-002);",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("progress lacks %q:\n%s", want, out)
		}
	}
	var sum bytes.Buffer
	WriteSummary(&sum, s)
	for _, want := range []string{
		"STACK  ROLE      RESULT   TIME  CHANGES   DETAIL\n",
		"c-001  consumer  ok       ",
		"create 2",
		"c-002  consumer  failed   ",
		"c-002: boom (log: /logs/c-002.log)",
		"owner  owner     skipped  -     -         1 consumer stack(s) failed (c-002)",
		"up of 4 stack(s) with 3 worker(s) in ",
		": 2 ok, 1 failed, 1 skipped\n",
	} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sum.String())
		}
	}
}

func TestFormatChanges(t *testing.T) {
	cases := []struct {
		in   map[string]int
		want string
	}{
		{nil, "-"},
		{map[string]int{"same": 4}, "no changes"},
		{map[string]int{"update": 1, "create": 2, "same": 4, "delete": 0}, "create 2, update 1"},
	}
	for _, c := range cases {
		if got := FormatChanges(c.in); got != c.want {
			t.Errorf("%v: %q, want %q", c.in, got, c.want)
		}
	}
	if FirstLine(errors.New("\n\n  first\nsecond")) != "first" {
		t.Error("FirstLine")
	}
}
