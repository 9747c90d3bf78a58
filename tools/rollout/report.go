package rollout

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Printer writes one line per event, prefixed with the time, the stack's place in the rollout and
// its name, so that lines of stacks running at once stay readable:
//
//	17:02:11 [  3/151] consumer-222222222222  preview  started
//	17:02:19 [  3/151] consumer-222222222222  preview  ok in 8.1s: create 4
type Printer struct {
	W io.Writer
	// Width pads stack names; 0 pads nothing.
	Width int
	// Verbose also prints Progress lines (resource steps, diagnostics).
	Verbose bool
	// Clock prints times; nil is time.Now.
	Clock func() time.Time
}

// NameWidth is the width of the longest stack name of the plan.
func NameWidth(p Plan) int {
	w := 0
	for _, t := range p.Targets() {
		w = max(w, len(t.Stack))
	}
	return w
}

// OnEvent prints e; use it as Options.OnEvent.
func (p Printer) OnEvent(e Event) {
	if e.Kind == Progress && !p.Verbose {
		return
	}
	clock := p.Clock
	if clock == nil {
		clock = time.Now
	}
	digits := len(fmt.Sprint(e.Total))
	prefix := fmt.Sprintf("%s [%*d/%d] %-*s  ", clock().Format("15:04:05"), digits, e.Target.Index, e.Total, p.Width, e.Target.Stack)
	switch e.Kind {
	case Started:
		fmt.Fprintf(p.W, "%s%s started\n", prefix, e.Target.Role)
	case Progress:
		fmt.Fprintf(p.W, "%s  %s\n", prefix, e.Text)
	case Finished:
		fmt.Fprintf(p.W, "%s%s\n", prefix, Describe(*e.Result))
	}
}

// Describe is a finished stack's one-line outcome.
func Describe(r Result) string {
	switch r.Status {
	case OK:
		return fmt.Sprintf("ok in %s: %s", round(r.Duration), FormatChanges(r.Changes))
	case Failed:
		s := fmt.Sprintf("FAILED in %s: %s", round(r.Duration), FirstLine(r.Err))
		if r.Log != "" {
			s += " (log: " + r.Log + ")"
		}
		return s
	default:
		return "skipped: " + r.Reason
	}
}

// WriteSummary writes the table of every stack's outcome, then one line of totals.
func WriteSummary(w io.Writer, s Summary) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK\tROLE\tRESULT\tTIME\tCHANGES\tDETAIL")
	for _, r := range s.Results {
		t, detail := "-", ""
		switch r.Status {
		case OK:
			t = round(r.Duration).String()
		case Failed:
			t = round(r.Duration).String()
			detail = FirstLine(r.Err)
			if r.Log != "" {
				detail += " (log: " + r.Log + ")"
			}
		case Skipped:
			detail = r.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Stack, r.Role, r.Status, t, FormatChanges(r.Changes), detail)
	}
	tw.Flush()
	fmt.Fprintf(w, "%s of %d stack(s) with %d worker(s) in %s: %d ok, %d failed, %d skipped\n",
		s.Op, len(s.Results), s.Workers, round(s.Wall), s.Count(OK), s.Count(Failed), s.Count(Skipped))
}

// FirstLine is the first non-empty line of an error, at most 200 characters.
func FirstLine(err error) string {
	if err == nil {
		return ""
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			if len(line) > 200 {
				line = line[:197] + "..."
			}
			return line
		}
	}
	return "(empty error)"
}

func round(d time.Duration) time.Duration {
	if d >= time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}
