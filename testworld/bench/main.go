// Command bench measures the peak memory and wall time of N consumer accounts three ways, on the
// real Pulumi CLI with the fake AWS plugin holding FAKE_AWS_BALLAST_MB (default 170 MB, the real
// pulumi-resource-aws's footprint per pulumi-aws #5226):
//
//   - single: preview of one list-form stack with N consumer accounts (one provider process per
//     account);
//   - rollout: preview, by cmd/rollout with W workers, of N single-consumer stacks (side: both,
//     two providers each);
//   - split: up, by cmd/rollout with W workers, of the split mode: N consumer stacks (side:
//     consumer, one provider each), then their owner stack (side: owner), which reads the N
//     stacks' outputs. The warm-up run deploys them; the measured runs are no-change updates.
//
// All run through the rollout binary (the single stack as a rollout of one stack), so they carry
// the same overhead. Memory is the sum over the rollout process and all its descendants (worker
// processes, Pulumi CLIs, plugins), sampled from /proc: RSS (what the brief asks, counts shared
// pages in every process) and PSS (shared pages divided among their sharers); and per stack, the
// tree of the worker process that runs it.
//
// Every run is bounded: a case whose estimate exceeds -max-mb is not started, a run whose tree
// passes -max-mb RSS is killed (every descendant, by pid), and a case does not start when the
// machine's MemAvailable is below its estimate plus a margin.
//
//	go run ./testworld/bench -single 10,50 -rollout 10,50,150 -workers 4 -reps 3 -out testworld/bench/results.md
//	go run ./testworld/bench -single 10,50 -rollout "" -split 10,50,150 -workers 4 -reps 3 -out testworld/bench/results-split.md
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

type benchCase struct {
	Kind    string // single, rollout or split
	N       int
	Workers int
}

func (c benchCase) stacks() int {
	switch c.Kind {
	case "single":
		return 1
	case "split":
		return c.N + 1 // and the owner
	}
	return c.N
}

// op is the rollout operation of the case's runs: the list-form and flat stacks share one bucket
// and would overwrite each other's policy on up, so they are previewed; the split stacks are made
// to be deployed together, and the owner needs its consumer stacks' outputs, which only an up
// writes.
func (c benchCase) op() string {
	if c.Kind == "split" {
		return "up"
	}
	return "preview"
}

// setKey names the case's set of stacks: cases of the same kind and size run the same stacks
// (with other worker counts), and share one warm-up.
func (c benchCase) setKey() string { return fmt.Sprintf("%s-%d", c.Kind, c.N) }

func (c benchCase) setup() string {
	switch c.Kind {
	case "rollout":
		return "rollout, single-consumer stacks"
	case "split":
		return "rollout, split stacks (N consumer + owner)"
	}
	return "one list-form stack"
}

// estimateMB is a generous guess of the case's peak: a plugin is the ballast plus ~30 MB, a CLI
// with its worker ~400 MB.
func (c benchCase) estimateMB(ballast int) int {
	plugin := ballast + 30
	if c.Kind == "single" {
		return (c.N+1)*plugin + 500
	}
	// rollout: two plugins per stack; split: one per consumer stack, and the owner runs alone.
	return min(c.Workers, c.N)*(2*plugin+400) + 100
}

type run struct {
	Wall   time.Duration
	Peak   peak
	Exit   int
	Killed bool
	summary
}

type caseResult struct {
	Case    benchCase
	Runs    []run
	Skipped string
	Command string
	Owner   string // the owner stack, split cases only
	Failure string // the failed stacks' lines of the rollout's output, when a run failed
}

func main() {
	var (
		singles  = flag.String("single", "10,50", "account counts for one list-form stack")
		rollouts = flag.String("rollout", "10,50,150", "account counts for the rollout of single-consumer stacks")
		splits   = flag.String("split", "", "account counts for the rollout (up) of split stacks: N consumer stacks, then the owner")
		workers  = flag.String("workers", "4", "rollout workers; a comma list runs every rollout and split size with each")
		reps     = flag.Int("reps", 3, "measured runs per case (after one unmeasured warm-up per size that creates the stacks, and deploys the split ones)")
		ballast  = flag.Int("ballast", 170, "FAKE_AWS_BALLAST_MB: memory each fake plugin process holds")
		maxMB    = flag.Int("max-mb", 12000, "memory bound: cases estimated above it are not run, runs whose tree RSS passes it are killed")
		work     = flag.String("work", "", "work dir (default: a new temporary dir, removed at the end unless -keep)")
		keep     = flag.Bool("keep", false, "keep the work dir")
		pulumi   = flag.String("pulumi", "", "the Pulumi CLI (default: <repo>/.cache/pulumi-cli/<sdk version>/bin/pulumi)")
		out      = flag.String("out", "", "write the results as Markdown to this file (default: stdout only)")
		interval = flag.Duration("interval", 100*time.Millisecond, "memory sampling interval")
	)
	flag.Parse()
	repo, err := repoRoot()
	check(err)
	if *pulumi == "" {
		*pulumi, err = defaultCLI(repo)
		check(err)
	}
	if *work == "" {
		*work, err = os.MkdirTemp("", "bench-")
		check(err)
		if !*keep {
			defer os.RemoveAll(*work)
		}
	}
	bin := filepath.Join(*work, "bin")
	check(build(repo, bin))

	var cases []benchCase
	for _, n := range ints(*singles) {
		cases = append(cases, benchCase{Kind: "single", N: n, Workers: 1})
	}
	for _, n := range ints(*rollouts) {
		for _, w := range ints(*workers) {
			cases = append(cases, benchCase{Kind: "rollout", N: n, Workers: w})
		}
	}
	for _, n := range ints(*splits) {
		for _, w := range ints(*workers) {
			cases = append(cases, benchCase{Kind: "split", N: n, Workers: w})
		}
	}
	// The warm-up of a size runs with the most workers any of its cases has: it is not measured,
	// and deploying 150 split stacks one at a time would take as long as the rest.
	warmWorkers := map[string]int{}
	for _, c := range cases {
		warmWorkers[c.setKey()] = max(warmWorkers[c.setKey()], c.Workers)
	}
	started := time.Now()
	loadAtStart := loadAvg()
	var results []caseResult
	for _, c := range cases {
		r := runCase(c, warmWorkers[c.setKey()], repo, *work, bin, *pulumi, *reps, *ballast, *maxMB, *interval)
		results = append(results, r)
		fmt.Println(summaryLine(r))
	}
	report := markdown(results, started, loadAtStart, *reps, *ballast, *maxMB, *interval)
	fmt.Println()
	fmt.Print(report)
	if *out != "" {
		check(os.WriteFile(*out, []byte(report), 0o644))
	}
}

func runCase(c benchCase, warmWorkers int, repo, work, bin, pulumi string, reps, ballast, maxMB int, interval time.Duration) caseResult {
	res := caseResult{Case: c}
	est := c.estimateMB(ballast)
	if est > maxMB {
		res.Skipped = fmt.Sprintf("estimated %d MB, over the %d MB bound", est, maxMB)
		return res
	}
	split := c.Kind == "split"
	dir := filepath.Join(work, fmt.Sprintf("n%d", c.N))
	if split {
		dir += "-split"
	}
	st, err := writeProjectOnce(repo, dir, c.N, split)
	check(err)
	stacks := []string{st.Single}
	switch c.Kind {
	case "rollout":
		stacks = st.Flat
	case "split":
		stacks = st.Split
		res.Owner = st.SplitOwner
	}
	tag := fmt.Sprintf("%s-w%d", c.Kind, c.Workers)
	configFile := filepath.Join(dir, fmt.Sprintf("rollout-%s.yaml", tag))
	config := "consumers:\n  - " + strings.Join(stacks, "\n  - ") + "\n"
	if res.Owner != "" {
		config = "owner: " + res.Owner + "\n" + config
	}
	check(os.WriteFile(configFile, []byte(config), 0o644))
	args := []string{"-op", c.op(), "-dir", dir, "-config", configFile, "-workers", strconv.Itoa(c.Workers), "-pulumi", pulumi}
	res.Command = "rollout " + strings.Join(args, " ")
	env := benchEnv(dir, bin, ballast)

	first := 0
	if warmed[c.setKey()] {
		first = 1 // the stacks exist: no warm-up for a second case of the same stacks
	}
	for i := first; i <= reps; i++ {
		need := est
		runArgs := slices.Clone(args)
		if i == 0 {
			// The warm-up creates the stacks (and deploys the split ones), with the most workers
			// of the size's cases.
			runArgs[slices.Index(runArgs, "-workers")+1] = strconv.Itoa(warmWorkers)
			runArgs = append(runArgs, "-create")
			need = max(est, benchCase{Kind: c.Kind, N: c.N, Workers: warmWorkers}.estimateMB(ballast))
		}
		if avail := memAvailable() >> 20; avail < int64(need)+1500 {
			res.Skipped = fmt.Sprintf("only %d MB available, the case needs about %d MB", avail, need)
			return res
		}
		runArgs = append(runArgs, "-log-dir", filepath.Join(dir, fmt.Sprintf("logs-%s-%d", tag, i)))
		outPath := filepath.Join(dir, fmt.Sprintf("out-%s-%d.txt", tag, i))
		r := measure(filepath.Join(bin, "rollout"), runArgs, env, outPath, int64(maxMB)<<20, interval, res.Owner)
		label, workers := "warm-up", warmWorkers
		if i > 0 {
			workers = c.Workers
			label = fmt.Sprintf("run %d/%d", i, reps)
			res.Runs = append(res.Runs, r)
		}
		fmt.Printf("%s %d accounts (%d stacks, %d workers), %s: %.1fs, peak RSS %d MB, PSS %d MB, %d processes, %d plugins, exit %d, %d ok, %d failed, %d without changes%s\n",
			c.Kind, c.N, c.stacks(), workers, label, r.Wall.Seconds(), r.Peak.RSS>>20, r.Peak.PSS>>20, r.Peak.Processes, r.Peak.Plugin, r.Exit, r.OK, r.Failed, r.NoChanges, killedText(r))
		if cs, ok := consumerStackPeaks(r, res.Owner); ok && c.Kind != "single" {
			fmt.Printf("  one stack's worker tree: consumer stacks median %d MB, max %d MB RSS", cs.medianRSS>>20, cs.maxRSS>>20)
			if o, ok := r.Peak.Stacks[res.Owner]; ok {
				fmt.Printf("; owner %d MB RSS (%d processes), whole tree %d MB while it ran, in %.1fs", o.RSS>>20, o.Processes, r.Peak.OwnerPhaseRSS>>20, r.OwnerTime.Seconds())
			}
			fmt.Println()
		}
		warmed[c.setKey()] = true
		if r.Killed || r.Exit != 0 {
			res.Skipped = fmt.Sprintf("%s failed (exit %d%s); see %s", label, r.Exit, killedText(r), outPath)
			res.Failure = failureLines(outPath)
			fmt.Print(res.Failure)
			return res
		}
	}
	return res
}

func killedText(r run) string {
	if r.Killed {
		return ", killed over the memory bound"
	}
	return ""
}

var (
	written = map[string]stacks{}
	warmed  = map[string]bool{}
)

// writeProjectOnce generates the project of n accounts once per bench. A split project starts
// from nothing (no state, no world left from an earlier bench in the same work dir): its warm-up
// deploys it.
func writeProjectOnce(repo, dir string, n int, split bool) (stacks, error) {
	if st, ok := written[dir]; ok {
		return st, nil
	}
	if split {
		if err := os.RemoveAll(dir); err != nil {
			return stacks{}, err
		}
	}
	st, err := writeProject(repo, dir, n, split)
	if err == nil {
		written[dir] = st
	}
	return st, err
}

func benchEnv(dir, bin string, ballast int) []string {
	state := filepath.Join(dir, "state")
	home := filepath.Join(dir, "home")
	_ = os.MkdirAll(state, 0o755)
	_ = os.MkdirAll(home, 0o755)
	var env []string
	for _, kv := range os.Environ() {
		k := kv[:strings.IndexByte(kv, '=')]
		switch k {
		case "PATH", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "PULUMI_BACKEND_URL", "PULUMI_HOME", "PULUMI_CONFIG":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"PULUMI_BACKEND_URL=file://"+state,
		"PULUMI_HOME="+home,
		"PULUMI_CONFIG_PASSPHRASE=bench",
		"PULUMI_SKIP_UPDATE_CHECK=1",
		"PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true",
		"FAKE_AWS_WORLD="+filepath.Join(dir, "world.json"),
		"FAKE_AWS_LOG="+filepath.Join(dir, "aws-calls.jsonl"),
		"FAKE_AWS_BALLAST_MB="+strconv.Itoa(ballast),
	)
}

// measure runs the command, sampling its process tree, and reads the rollout's summary.
func measure(path string, args, env []string, outPath string, limit int64, interval time.Duration, owner string) run {
	out, err := os.Create(outPath)
	check(err)
	defer out.Close()
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	check(cmd.Start())
	done := make(chan struct{})
	peakCh := make(chan struct {
		p      peak
		killed bool
	})
	go func() {
		p, killed := watchTree(cmd.Process.Pid, interval, limit, owner, done)
		peakCh <- struct {
			p      peak
			killed bool
		}{p, killed}
	}()
	err = cmd.Wait()
	wall := time.Since(start)
	close(done)
	w := <-peakCh
	r := run{Wall: wall, Peak: w.p, Killed: w.killed}
	if err != nil {
		r.Exit = -1
		if ee, ok := err.(*exec.ExitError); ok {
			r.Exit = ee.ExitCode()
		}
	}
	r.summary = readSummary(outPath, owner)
	return r
}

// summary is what the rollout's closing table says.
type summary struct {
	OK, Failed int
	// NoChanges counts the stacks whose result is "no changes" (a no-change update or preview).
	NoChanges int
	// OwnerTime is the owner stack's time, as the rollout measured it.
	OwnerTime time.Duration
}

// readSummary reads the rollout's closing table (STACK ROLE RESULT TIME CHANGES DETAIL) and its
// last line, "…: 10 ok, 0 failed, 0 skipped".
func readSummary(path, owner string) summary {
	var s summary
	f, err := os.Open(path)
	if err != nil {
		return s
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	table := false
	for lines.Scan() {
		line := lines.Text()
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 3 && fields[0] == "STACK" && fields[1] == "ROLE":
			table = true
		case strings.HasSuffix(line, " skipped") && strings.Contains(line, " ok, "):
			i := strings.LastIndex(line, ": ")
			fmt.Sscanf(line[i+2:], "%d ok, %d failed", &s.OK, &s.Failed)
			table = false
		case table && len(fields) >= 5:
			if fields[2] == "ok" && strings.Contains(line, "no changes") {
				s.NoChanges++
			}
			if fields[0] == owner && fields[1] == "owner" {
				s.OwnerTime, _ = time.ParseDuration(fields[3])
			}
		}
	}
	return s
}

// failureLines are the lines of the rollout's output that name a failed or skipped stack, and
// the error output of the first failed stack's log, for the report.
func failureLines(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var b strings.Builder
	logPath := ""
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, "FAILED") || strings.Contains(line, "failed:") || strings.Contains(line, "skipped:") || strings.HasPrefix(line, "rollout:") {
			b.WriteString(line + "\n")
			if i := strings.Index(line, "(log: "); i >= 0 && logPath == "" {
				logPath = strings.TrimSuffix(line[i+len("(log: "):], ")")
			}
		}
	}
	if logPath != "" {
		if log, err := os.ReadFile(logPath); err == nil {
			fmt.Fprintf(&b, "--- %s (last 40 lines) ---\n", logPath)
			all := strings.Split(strings.TrimRight(string(log), "\n"), "\n")
			b.WriteString(strings.Join(all[max(0, len(all)-40):], "\n") + "\n")
		}
	}
	return b.String()
}

// stackPeaks summarises the peaks of the consumer stacks' worker trees of one run (every stack
// but the owner): the median of the stacks' own peaks and the largest.
type stackPeaks struct {
	n                  int
	medianRSS, maxRSS  int64
	medianPSS, maxPSS  int64
	maxProcs, maxPlugs int
}

func consumerStackPeaks(r run, owner string) (stackPeaks, bool) {
	var rss, pss []int64
	var p stackPeaks
	for name, st := range r.Peak.Stacks {
		if name == owner {
			continue
		}
		rss, pss = append(rss, st.RSS), append(pss, st.PSS)
		p.maxProcs, p.maxPlugs = max(p.maxProcs, st.Processes), max(p.maxPlugs, st.Plugins)
	}
	if len(rss) == 0 {
		return p, false
	}
	p.n = len(rss)
	p.medianRSS, p.maxRSS = medianMax(rss)
	p.medianPSS, p.maxPSS = medianMax(pss)
	return p, true
}

func medianMax(v []int64) (int64, int64) {
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	m := v[len(v)/2]
	if len(v)%2 == 0 {
		m = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return m, v[len(v)-1]
}

func summaryLine(r caseResult) string {
	c := r.Case
	if r.Skipped != "" && len(r.Runs) == 0 {
		return fmt.Sprintf("%s %d: not measured: %s", c.Kind, c.N, r.Skipped)
	}
	return fmt.Sprintf("%s %d: %d runs, peak RSS median %.0f MB, wall median %.1fs", c.Kind, c.N, len(r.Runs),
		median(r.Runs, func(x run) float64 { return float64(x.Peak.RSS >> 20) }), median(r.Runs, func(x run) float64 { return x.Wall.Seconds() }))
}

func markdown(results []caseResult, started time.Time, load string, reps, ballast, maxMB int, interval time.Duration) string {
	var b strings.Builder
	kinds := map[string]bool{}
	for _, r := range results {
		kinds[r.Case.Kind] = true
	}
	title := "one list-form stack vs the rollout of single-consumer stacks"
	if kinds["split"] {
		title = "one list-form stack vs the rollout of split stacks"
		if kinds["rollout"] {
			title = "one list-form stack vs the rollout of single-consumer stacks vs the rollout of split stacks"
		}
		if !kinds["single"] && !kinds["rollout"] {
			title = "the rollout of split stacks"
		}
	}
	fmt.Fprintf(&b, "# Benchmark: %s\n\n", title)
	fmt.Fprintf(&b, "- Command: `go run ./testworld/bench %s`\n", shellArgs(os.Args[1:]))
	fmt.Fprintf(&b, "- Date: %s (took %s)\n", started.UTC().Format("2006-01-02 15:04 MST"), time.Since(started).Round(time.Second))
	fmt.Fprintf(&b, "- Machine: %s\n", machine())
	fmt.Fprintf(&b, "- Load average when it started (the machine is shared): %s; when it ended: %s\n", load, loadAvg())
	fmt.Fprintf(&b, "- Each size and setup: one unmeasured warm-up run (creates the stacks; with the most workers of its cases) before its first case, then %d measured runs per case.", reps)
	if kinds["single"] || kinds["rollout"] {
		b.WriteString(" The list-form and single-consumer stacks: every run is `preview`.")
	}
	if kinds["split"] {
		b.WriteString(" The split stacks: every run is `up` of the N consumer stacks on the workers, then of the owner stack alone (it reads the N stacks' outputs); the warm-up deploys them (`up -create`), so every measured run is a no-change update, which still runs every stack's CLI, program and plugins.")
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "- Fake AWS plugin holding FAKE_AWS_BALLAST_MB=%d; memory sampled every %s over the rollout process and all its descendants; bound %d MB.\n\n", ballast, interval, maxMB)
	b.WriteString("| Setup | Op | Accounts | Stacks | Workers | Peak RSS, MB: median (max) | Peak PSS, MB: median (max) | Peak processes | Peak plugin processes | Wall time, s: median (min–max) | Runs |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		c := r.Case
		if len(r.Runs) == 0 {
			fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | not run: %s | | | | | 0 |\n", c.setup(), c.op(), c.N, c.stacks(), c.Workers, r.Skipped)
			continue
		}
		rss := func(x run) float64 { return float64(x.Peak.RSS >> 20) }
		pss := func(x run) float64 { return float64(x.Peak.PSS >> 20) }
		wall := func(x run) float64 { return x.Wall.Seconds() }
		procs, plugins := 0, 0
		for _, x := range r.Runs {
			procs, plugins = max(procs, x.Peak.Processes), max(plugins, x.Peak.Plugin)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %.0f (%.0f) | %.0f (%.0f) | %d | %d | %.1f (%.1f–%.1f) | %d |\n", c.setup(), c.op(), c.N, c.stacks(), c.Workers,
			median(r.Runs, rss), maxOf(r.Runs, rss), median(r.Runs, pss), maxOf(r.Runs, pss), procs, plugins,
			median(r.Runs, wall), minOf(r.Runs, wall), maxOf(r.Runs, wall), len(r.Runs))
	}

	perStack := false
	for _, r := range results {
		perStack = perStack || (r.Case.Kind != "single" && len(r.Runs) > 0)
	}
	if perStack {
		b.WriteString("\nPer stack: the tree of the worker process that runs one stack (the worker, its Pulumi CLI and the CLI's plugins), each stack's own peak over the run. ")
		b.WriteString("\"One consumer stack\" is over the N consumer (or single-consumer) stacks of each run, then over the runs: the median of the stacks' peaks and the largest. ")
		b.WriteString("The owner stack runs alone, after the consumer stacks; \"whole tree while the owner ran\" is the rollout's peak over those samples. ")
		b.WriteString("\"Peak RSS / workers\" is the case's median peak divided by min(workers, N).\n\n")
		b.WriteString("| Setup | Accounts | Workers | One consumer stack, RSS MB: median (max) | One consumer stack, PSS MB: median (max) | Its processes (plugins) | Owner stack, RSS MB: median (max) | Owner, PSS MB: median | Owner processes (plugins) | Whole tree while the owner ran, RSS MB: median | Owner time, s: median | Rollout process, RSS MB | Peak RSS / workers, MB |\n")
		b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, r := range results {
			c := r.Case
			if c.Kind == "single" || len(r.Runs) == 0 {
				continue
			}
			var medRSS, maxRSS, medPSS, maxPSS []float64
			procs, plugs := 0, 0
			for _, x := range r.Runs {
				cs, _ := consumerStackPeaks(x, r.Owner)
				medRSS = append(medRSS, float64(cs.medianRSS>>20))
				maxRSS = append(maxRSS, float64(cs.maxRSS>>20))
				medPSS = append(medPSS, float64(cs.medianPSS>>20))
				maxPSS = append(maxPSS, float64(cs.maxPSS>>20))
				procs, plugs = max(procs, cs.maxProcs), max(plugs, cs.maxPlugs)
			}
			owner := "–"
			ownerPSS, ownerProcs, ownerPhase, ownerTime := "–", "–", "–", "–"
			if r.Owner != "" {
				orss := func(x run) float64 { return float64(x.Peak.Stacks[r.Owner].RSS >> 20) }
				opss := func(x run) float64 { return float64(x.Peak.Stacks[r.Owner].PSS >> 20) }
				phase := func(x run) float64 { return float64(x.Peak.OwnerPhaseRSS >> 20) }
				otime := func(x run) float64 { return x.OwnerTime.Seconds() }
				op, opl := 0, 0
				for _, x := range r.Runs {
					op, opl = max(op, x.Peak.Stacks[r.Owner].Processes), max(opl, x.Peak.Stacks[r.Owner].Plugins)
				}
				owner = fmt.Sprintf("%.0f (%.0f)", median(r.Runs, orss), maxOf(r.Runs, orss))
				ownerPSS = fmt.Sprintf("%.0f", median(r.Runs, opss))
				ownerProcs = fmt.Sprintf("%d (%d)", op, opl)
				ownerPhase = fmt.Sprintf("%.0f", median(r.Runs, phase))
				ownerTime = fmt.Sprintf("%.1f", median(r.Runs, otime))
			}
			root := func(x run) float64 { return float64(x.Peak.RootRSS >> 20) }
			rss := func(x run) float64 { return float64(x.Peak.RSS >> 20) }
			fmt.Fprintf(&b, "| %s | %d | %d | %.0f (%.0f) | %.0f (%.0f) | %d (%d) | %s | %s | %s | %s | %s | %.0f | %.0f |\n", c.setup(), c.N, c.Workers,
				medianOf(medRSS), slices.Max(maxRSS), medianOf(medPSS), slices.Max(maxPSS), procs, plugs,
				owner, ownerPSS, ownerProcs, ownerPhase, ownerTime, maxOf(r.Runs, root), median(r.Runs, rss)/float64(min(c.Workers, c.N)))
		}
	}

	b.WriteString("\nEvery run, as measured:\n\n| Setup | Accounts | Workers | Run | Wall, s | Peak RSS, MB | Peak PSS, MB | Processes | Plugins | Samples | Stacks ok | Stacks failed | Stacks without changes | Largest consumer stack, RSS MB | Owner stack, RSS MB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		for i, x := range r.Runs {
			largest, owner := "–", "–"
			if cs, ok := consumerStackPeaks(x, r.Owner); ok && r.Case.Kind != "single" {
				largest = strconv.FormatInt(cs.maxRSS>>20, 10)
			}
			if o, ok := x.Peak.Stacks[r.Owner]; ok && r.Owner != "" {
				owner = strconv.FormatInt(o.RSS>>20, 10)
			}
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %.1f | %d | %d | %d | %d | %d | %d | %d | %d | %s | %s |\n", r.Case.Kind, r.Case.N, r.Case.Workers, i+1, x.Wall.Seconds(),
				x.Peak.RSS>>20, x.Peak.PSS>>20, x.Peak.Processes, x.Peak.Plugin, x.Peak.Samples, x.OK, x.Failed, x.NoChanges, largest, owner)
		}
	}
	for _, r := range results {
		if r.Failure != "" {
			fmt.Fprintf(&b, "\n%s %d, %d worker(s) failed: %s\n\n```\n%s```\n", r.Case.Kind, r.Case.N, r.Case.Workers, r.Skipped, r.Failure)
		}
	}
	b.WriteString("\nCommands per case (the bench runs them with a file backend, a passphrase and the fake plugin first on PATH; the warm-up adds `-create`):\n\n")
	for _, r := range results {
		if r.Command != "" {
			fmt.Fprintf(&b, "- %s %d, %d worker(s): `%s`\n", r.Case.Kind, r.Case.N, r.Case.Workers, r.Command)
		}
	}
	return b.String()
}

// shellArgs quotes the arguments that a shell would otherwise lose or split.
func shellArgs(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "" || strings.ContainsAny(a, " \t'\"$*?") {
			out[i] = strconv.Quote(a)
		}
	}
	return strings.Join(out, " ")
}

func median(runs []run, f func(run) float64) float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	return medianOf(v)
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func maxOf(runs []run, f func(run) float64) float64 {
	m := 0.0
	for _, r := range runs {
		m = max(m, f(r))
	}
	return m
}

func minOf(runs []run, f func(run) float64) float64 {
	m := f(runs[0])
	for _, r := range runs {
		m = min(m, f(r))
	}
	return m
}

func machine() string {
	model := ""
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "model name") {
				model = strings.TrimSpace(line[strings.IndexByte(line, ':')+1:])
				break
			}
		}
	}
	total := ""
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(data), "\n", 2)[0], "MemTotal: %d kB", &kb)
		total = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("%d CPUs (%s), %s RAM, Linux %s, %s", runtime.NumCPU(), model, total, strings.TrimSpace(string(kernel)), runtime.Version())
}

func loadAvg() string {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func build(repo, bin string) error {
	for target, pkg := range map[string]string{"pulumi-resource-aws": "./testworld/fakeaws", "rollout": "./cmd/rollout"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(bin, target), pkg)
		cmd.Dir = repo
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building %s: %w", pkg, err)
		}
	}
	return nil
}

func repoRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func defaultCLI(repo string) (string, error) {
	f, err := os.Open(filepath.Join(repo, "go.mod"))
	if err != nil {
		return "", err
	}
	defer f.Close()
	data, _ := io.ReadAll(f)
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 2 && fields[0] == "github.com/pulumi/pulumi/sdk/v3" {
			return filepath.Join(repo, ".cache", "pulumi-cli", fields[1], "bin", "pulumi"), nil
		}
	}
	return "", fmt.Errorf("go.mod does not require github.com/pulumi/pulumi/sdk/v3")
}

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		check(err)
		out = append(out, n)
	}
	return out
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
