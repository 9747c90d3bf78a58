// Command bench measures the peak memory and wall time of previewing N consumer accounts two ways,
// on the real Pulumi CLI with the fake AWS plugin holding FAKE_AWS_BALLAST_MB (default 170 MB, the
// real pulumi-resource-aws's footprint per pulumi-aws #5226):
//
//   - single: one list-form stack with N consumer accounts (one provider process per account);
//   - rollout: cmd/rollout over N single-consumer stacks with W workers.
//
// Both run through the rollout binary (the single stack as a rollout of one stack), so the two
// carry the same overhead. Memory is the sum over the rollout process and all its descendants
// (worker processes, Pulumi CLIs, plugins), sampled from /proc: RSS (what the brief asks, counts
// shared pages in every process) and PSS (shared pages divided among their sharers).
//
// Every run is bounded: a case whose estimate exceeds -max-mb is not started, a run whose tree
// passes -max-mb RSS is killed (every descendant, by pid), and a case does not start when the
// machine's MemAvailable is below its estimate plus a margin.
//
//	go run ./tools/bench -single 10,50 -rollout 10,50,150 -workers 4 -reps 3 -out tools/bench/results.md
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
	"sort"
	"strconv"
	"strings"
	"time"
)

type benchCase struct {
	Kind    string // single or rollout
	N       int
	Workers int
}

func (c benchCase) stacks() int {
	if c.Kind == "single" {
		return 1
	}
	return c.N
}

// estimateMB is a generous guess of the case's peak: a plugin is the ballast plus ~30 MB, a CLI
// with its worker ~400 MB.
func (c benchCase) estimateMB(ballast int) int {
	plugin := ballast + 30
	if c.Kind == "single" {
		return (c.N+1)*plugin + 500
	}
	return min(c.Workers, c.N)*(2*plugin+400) + 100
}

type run struct {
	Wall   time.Duration
	Peak   peak
	Exit   int
	Killed bool
	OK     int
	Failed int
}

type caseResult struct {
	Case    benchCase
	Runs    []run
	Skipped string
	Command string
}

func main() {
	var (
		singles  = flag.String("single", "10,50", "account counts for one list-form stack")
		rollouts = flag.String("rollout", "10,50,150", "account counts for the rollout of single-consumer stacks")
		workers  = flag.String("workers", "4", "rollout workers; a comma list runs every rollout size with each")
		reps     = flag.Int("reps", 3, "measured runs per case (after one unmeasured warm-up that creates the stacks)")
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
	started := time.Now()
	loadAtStart := loadAvg()
	var results []caseResult
	for _, c := range cases {
		r := runCase(c, repo, *work, bin, *pulumi, *reps, *ballast, *maxMB, *interval)
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

func runCase(c benchCase, repo, work, bin, pulumi string, reps, ballast, maxMB int, interval time.Duration) caseResult {
	res := caseResult{Case: c}
	est := c.estimateMB(ballast)
	if est > maxMB {
		res.Skipped = fmt.Sprintf("estimated %d MB, over the %d MB bound", est, maxMB)
		return res
	}
	dir := filepath.Join(work, fmt.Sprintf("n%d", c.N))
	single, flat, err := writeProjectOnce(repo, dir, c.N)
	check(err)
	stacks := []string{single}
	if c.Kind == "rollout" {
		stacks = flat
	}
	tag := fmt.Sprintf("%s-w%d", c.Kind, c.Workers)
	configFile := filepath.Join(dir, fmt.Sprintf("rollout-%s.yaml", tag))
	check(os.WriteFile(configFile, []byte("consumers:\n  - "+strings.Join(stacks, "\n  - ")+"\n"), 0o644))
	args := []string{"-op", "preview", "-dir", dir, "-config", configFile, "-workers", strconv.Itoa(c.Workers), "-pulumi", pulumi}
	res.Command = "rollout " + strings.Join(args, " ")
	env := benchEnv(dir, bin, ballast)

	first := 0
	if warmed[dir] {
		first = 1 // the stacks exist: no warm-up for a second case of the same size
	}
	for i := first; i <= reps; i++ {
		if avail := memAvailable() >> 20; avail < int64(est)+1500 {
			res.Skipped = fmt.Sprintf("only %d MB available, the case needs about %d MB", avail, est)
			return res
		}
		runArgs := append(args, "-log-dir", filepath.Join(dir, fmt.Sprintf("logs-%s-%d", tag, i)))
		if i == 0 {
			runArgs = append(runArgs, "-create") // the warm-up creates the stacks
		}
		r := measure(filepath.Join(bin, "rollout"), runArgs, env, filepath.Join(dir, fmt.Sprintf("out-%s-%d.txt", tag, i)), int64(maxMB)<<20, interval)
		label := "warm-up"
		if i > 0 {
			label = fmt.Sprintf("run %d/%d", i, reps)
			res.Runs = append(res.Runs, r)
		}
		fmt.Printf("%s %d accounts (%d stacks, %d workers), %s: %.1fs, peak RSS %d MB, PSS %d MB, %d processes, %d plugins, exit %d, %d ok, %d failed%s\n",
			c.Kind, c.N, c.stacks(), c.Workers, label, r.Wall.Seconds(), r.Peak.RSS>>20, r.Peak.PSS>>20, r.Peak.Processes, r.Peak.Plugin, r.Exit, r.OK, r.Failed, killedText(r))
		warmed[dir] = true
		if r.Killed || r.Exit != 0 {
			res.Skipped = fmt.Sprintf("%s failed (exit %d%s); see %s", label, r.Exit, killedText(r), dir)
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
	written = map[string][2]any{}
	warmed  = map[string]bool{}
)

// writeProjectOnce generates the project of n accounts once per bench.
func writeProjectOnce(repo, dir string, n int) (string, []string, error) {
	if w, ok := written[dir]; ok {
		return w[0].(string), w[1].([]string), nil
	}
	single, flat, err := writeProject(repo, dir, n)
	if err == nil {
		written[dir] = [2]any{single, flat}
	}
	return single, flat, err
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

// measure runs the command, sampling its process tree, and reads the rollout's summary line.
func measure(path string, args, env []string, outPath string, limit int64, interval time.Duration) run {
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
		p, killed := watchTree(cmd.Process.Pid, interval, limit, done)
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
	r.OK, r.Failed = summaryCounts(outPath)
	return r
}

// summaryCounts reads "…: 10 ok, 0 failed, 0 skipped" from the rollout's output.
func summaryCounts(path string) (ok, failed int) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		line := lines.Text()
		if i := strings.LastIndex(line, ": "); i >= 0 && strings.HasSuffix(line, " skipped") {
			fmt.Sscanf(line[i+2:], "%d ok, %d failed", &ok, &failed)
		}
	}
	return ok, failed
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
	fmt.Fprintf(&b, "# Benchmark: one list-form stack vs the rollout of single-consumer stacks\n\n")
	fmt.Fprintf(&b, "- Command: `go run ./tools/bench %s`\n", shellArgs(os.Args[1:]))
	fmt.Fprintf(&b, "- Date: %s (took %s)\n", started.UTC().Format("2006-01-02 15:04 MST"), time.Since(started).Round(time.Second))
	fmt.Fprintf(&b, "- Machine: %s\n", machine())
	fmt.Fprintf(&b, "- Load average when it started (the machine is shared): %s\n", load)
	fmt.Fprintf(&b, "- Each size: one unmeasured warm-up run (creates the stacks) before its first case, then %d measured runs per case; every run is `preview`.\n", reps)
	fmt.Fprintf(&b, "- Fake AWS plugin holding FAKE_AWS_BALLAST_MB=%d; memory sampled every %s over the rollout process and all its descendants; bound %d MB.\n\n", ballast, interval, maxMB)
	b.WriteString("| Setup | Accounts | Stacks | Workers | Peak RSS, MB: median (max) | Peak PSS, MB: median (max) | Peak processes | Peak plugin processes | Wall time, s: median (min–max) | Runs |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		c := r.Case
		setup := "one list-form stack"
		if c.Kind == "rollout" {
			setup = "rollout, single-consumer stacks"
		}
		if len(r.Runs) == 0 {
			fmt.Fprintf(&b, "| %s | %d | %d | %d | not run: %s | | | | | 0 |\n", setup, c.N, c.stacks(), c.Workers, r.Skipped)
			continue
		}
		rss := func(x run) float64 { return float64(x.Peak.RSS >> 20) }
		pss := func(x run) float64 { return float64(x.Peak.PSS >> 20) }
		wall := func(x run) float64 { return x.Wall.Seconds() }
		procs, plugins := 0, 0
		for _, x := range r.Runs {
			procs, plugins = max(procs, x.Peak.Processes), max(plugins, x.Peak.Plugin)
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %.0f (%.0f) | %.0f (%.0f) | %d | %d | %.1f (%.1f–%.1f) | %d |\n", setup, c.N, c.stacks(), c.Workers,
			median(r.Runs, rss), maxOf(r.Runs, rss), median(r.Runs, pss), maxOf(r.Runs, pss), procs, plugins,
			median(r.Runs, wall), minOf(r.Runs, wall), maxOf(r.Runs, wall), len(r.Runs))
	}
	b.WriteString("\nEvery run, as measured:\n\n| Setup | Accounts | Workers | Run | Wall, s | Peak RSS, MB | Peak PSS, MB | Processes | Plugins | Samples | Stacks ok | Stacks failed |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		for i, x := range r.Runs {
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %.1f | %d | %d | %d | %d | %d | %d | %d |\n", r.Case.Kind, r.Case.N, r.Case.Workers, i+1, x.Wall.Seconds(),
				x.Peak.RSS>>20, x.Peak.PSS>>20, x.Peak.Processes, x.Peak.Plugin, x.Peak.Samples, x.OK, x.Failed)
		}
	}
	b.WriteString("\nCommands per case (the bench runs them with a file backend, a passphrase and the fake plugin first on PATH):\n\n")
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
	if len(runs) == 0 {
		return 0
	}
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
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
	for target, pkg := range map[string]string{"pulumi-resource-aws": "./internal/enginetest/fakeaws", "rollout": "./cmd/rollout"} {
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
