package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/program"
)

// The pulumi commands the docs may use, with the flags each takes (true: the flag takes a value).
// The CLI runs a Go program through the Go language plugin, which cannot be had here; so the
// commands that run the program (preview, up, refresh, destroy) run through the Automation API
// with the program served in-process, on a workspace in the shell's directory with the shell's
// environment, as newWorkspace's; the others run the real CLI through the Automation API's
// PulumiCommand, with the same directory and environment. A command or flag not listed fails the
// block: a block that needs one is either taught here or tagged aws.
//
// As at a terminal, where the CLI asks before it changes anything and the reader answers yes, up,
// refresh and destroy go ahead without --yes; and as the CLI does, up and destroy preview first
// (unless --skip-preview) and stop when the preview fails, and refresh previews first.
var docsPulumiCommands = []docsPulumiCommand{
	{words: []string{"login"}, flags: map[string]bool{"--local": false}, max: 1},
	{words: []string{"stack", "init"}, flags: map[string]bool{"--stack": true, "--secrets-provider": true}, max: 1},
	{words: []string{"stack", "select"}, flags: map[string]bool{"--stack": true, "--create": false}, max: 1},
	{words: []string{"stack", "ls"}, flags: map[string]bool{"--json": false}},
	{words: []string{"stack", "output"}, flags: map[string]bool{"--stack": true, "--json": false, "--show-secrets": false}, max: 1},
	{words: []string{"config", "set"}, flags: map[string]bool{"--stack": true, "--secret": false, "--plaintext": false, "--path": false}, min: 2, max: 2},
	{words: []string{"config", "set-all"}, flags: map[string]bool{"--stack": true, "--secret": true, "--plaintext": true, "--path": false}},
	{words: []string{"config", "get"}, flags: map[string]bool{"--stack": true, "--json": false, "--path": false}, min: 1, max: 1},
	{words: []string{"config", "rm"}, flags: map[string]bool{"--stack": true, "--path": false}, min: 1, max: 1},
	{words: []string{"preview"}, op: "preview", flags: map[string]bool{"--stack": true, "--diff": false, "--expect-no-changes": false, "--refresh": false}},
	{words: []string{"up"}, op: "up", flags: map[string]bool{"--stack": true, "--yes": false, "--diff": false, "--expect-no-changes": false, "--refresh": false, "--skip-preview": false}},
	{words: []string{"refresh"}, op: "refresh", flags: map[string]bool{"--stack": true, "--yes": false, "--diff": false, "--expect-no-changes": false, "--skip-preview": false}},
	{words: []string{"destroy"}, op: "destroy", flags: map[string]bool{"--stack": true, "--yes": false, "--diff": false, "--refresh": false, "--skip-preview": false}},
}

// docsFlagAliases are the short forms of the flags above.
var docsFlagAliases = map[string]string{"-s": "--stack", "-y": "--yes", "-j": "--json", "-r": "--refresh", "-f": "--skip-preview", "-c": "--create"}

type docsPulumiCommand struct {
	words    []string
	op       string // "" runs the real CLI; else the Automation API's operation
	flags    map[string]bool
	min, max int // positional arguments
}

// docsInvocation is a parsed command line.
type docsInvocation struct {
	cmd   docsPulumiCommand
	flags map[string][]string
	args  []string
}

func (inv docsInvocation) has(flag string) bool { _, ok := inv.flags[flag]; return ok }

func (inv docsInvocation) value(flag string) string {
	if v := inv.flags[flag]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

func docsParsePulumi(args []string) (docsInvocation, error) {
	line := "pulumi " + strings.Join(args, " ")
	var inv docsInvocation
	found := false
	for _, c := range docsPulumiCommands {
		if len(args) >= len(c.words) && slices.Equal(args[:len(c.words)], c.words) && len(c.words) >= len(inv.cmd.words) {
			inv.cmd, found = c, true
		}
	}
	if !found {
		return inv, fmt.Errorf("%s: not a command the docs test runs (docsPulumiCommands in testworld/engine/docs_pulumi_test.go): teach it there, or tag the block aws", line)
	}
	inv.flags = map[string][]string{}
	rest := args[len(inv.cmd.words):]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			inv.args = append(inv.args, a)
			continue
		}
		name, value, hasValue := strings.Cut(a, "=")
		if long, ok := docsFlagAliases[name]; ok {
			name = long
		}
		takesValue, known := inv.cmd.flags[name]
		switch {
		case !known:
			return inv, fmt.Errorf("%s: flag %s of pulumi %s is not one the docs test runs (docsPulumiCommands): teach it there, or tag the block aws", line, name, strings.Join(inv.cmd.words, " "))
		case takesValue && !hasValue:
			if i+1 == len(rest) {
				return inv, fmt.Errorf("%s: flag %s needs a value", line, name)
			}
			i++
			value = rest[i]
		case !takesValue && hasValue && value != "true":
			return inv, fmt.Errorf("%s: flag %s=%s is not run by the docs test", line, name, value)
		}
		inv.flags[name] = append(inv.flags[name], value)
	}
	if n := len(inv.args); n < inv.cmd.min || n > inv.cmd.max {
		return inv, fmt.Errorf("%s: pulumi %s takes %d to %d arguments, not %d", line, strings.Join(inv.cmd.words, " "), inv.cmd.min, inv.cmd.max, n)
	}
	switch strings.Join(inv.cmd.words, " ") {
	case "login":
		if !inv.has("--local") && (len(inv.args) == 0 || !strings.HasPrefix(inv.args[0], "file://")) {
			return inv, fmt.Errorf("%s: logs in to Pulumi Cloud or a cloud backend, which no test has: tag the block aws", line)
		}
	case "stack init":
		if p := inv.value("--secrets-provider"); p != "" && p != "passphrase" && p != "default" {
			return inv, fmt.Errorf("%s: secrets provider %s needs a cloud key service: tag the block aws", line, p)
		}
	}
	return inv, nil
}

// pulumi runs one pulumi command line of the shell. A line the docs test cannot run fails the
// test, naming the block.
func (s *docsSession) pulumi(req docsRequest) docsResponse {
	inv, err := docsParsePulumi(req.Args)
	if err != nil {
		s.t.Errorf("%s: %v", s.where(), err)
		return docsResponse{Stderr: "docs test: " + err.Error() + "\n", Code: 2}
	}
	s.syncWorld(req.Dir)
	env := docsEngineEnv(req.Env)
	if inv.cmd.op == "" {
		args := req.Args
		if inv.has("--local") {
			// file://~, whose ~ the CLI takes from the user database, not from $HOME: the
			// session's home stands in for it, so that no run touches the machine's ~/.pulumi.
			args = []string{"login", "file://" + env["HOME"]}
		}
		stdout, stderr, code, err := cli.Run(s.ctx(), req.Dir, nil, nil, nil, docsEnvList(env), args...)
		if err != nil && code == 0 {
			code = 1
		}
		return docsResponse{Stdout: stdout, Stderr: stderr, Code: code}
	}
	out, err := s.operate(req.Dir, env, inv)
	if err != nil {
		return docsResponse{Stdout: out, Stderr: err.Error() + "\n", Code: 1}
	}
	return docsResponse{Stdout: out}
}

// docsEngineEnv is the shell's environment for the CLI, with the test process's own Pulumi and AWS
// settings (which the CLI would inherit) blanked where the shell has none.
func docsEngineEnv(shell []string) map[string]string {
	env := map[string]string{}
	for _, kv := range shell {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, set := env[k]; !set && (strings.HasPrefix(k, "PULUMI_") || strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "FAKE_AWS_")) {
			env[k] = ""
		}
	}
	return env
}

// operate runs preview, up, refresh or destroy of the selected (or --stack) stack through the
// Automation API, the program in-process.
func (s *docsSession) operate(dir string, env map[string]string, inv docsInvocation) (string, error) {
	ctx := s.ctx()
	ws, err := auto.NewLocalWorkspace(ctx, auto.WorkDir(dir), auto.Program(program.Run), auto.Pulumi(cli), auto.EnvVars(env))
	if err != nil {
		return "", err
	}
	current := ""
	if sum, err := ws.Stack(ctx); err != nil {
		return "", err
	} else if sum != nil {
		current = sum.Name
	}
	name := inv.value("--stack")
	if name == "" {
		name = current
	}
	if name == "" {
		return "", fmt.Errorf("error: no stack selected; please use `pulumi stack select` or `pulumi stack init`")
	}
	stack, err := auto.SelectStack(ctx, name, ws)
	if err != nil {
		return "", err
	}
	if current != "" && current != name {
		// --stack runs on a stack without selecting it.
		defer ws.SelectStack(ctx, current)
	}
	if err := docsProgramConfig(ctx, stack); err != nil {
		return "", err
	}

	var out strings.Builder
	result := func(stdout, stderr string, err error) error {
		out.WriteString(stdout)
		out.WriteString(stderr)
		return err
	}
	skipPreview, diff := inv.has("--skip-preview"), inv.has("--diff")
	expect, refresh := inv.has("--expect-no-changes"), inv.has("--refresh")
	previewOpts := func() []optpreview.Option {
		var o []optpreview.Option
		if diff {
			o = append(o, optpreview.Diff())
		}
		if expect {
			o = append(o, optpreview.ExpectNoChanges())
		}
		if refresh {
			o = append(o, optpreview.Refresh())
		}
		return o
	}
	switch inv.cmd.op {
	case "preview":
		r, err := stack.Preview(ctx, previewOpts()...)
		err = result(r.StdOut, r.StdErr, err)
		return out.String(), err
	case "up":
		if !skipPreview {
			r, err := stack.Preview(ctx, previewOpts()...)
			if err = result(r.StdOut, r.StdErr, err); err != nil {
				return out.String(), err
			}
		}
		var o []optup.Option
		if diff {
			o = append(o, optup.Diff())
		}
		if expect {
			o = append(o, optup.ExpectNoChanges())
		}
		if refresh {
			o = append(o, optup.Refresh())
		}
		r, err := stack.Up(ctx, o...)
		err = result(r.StdOut, r.StdErr, err)
		return out.String(), err
	case "refresh":
		var o []optrefresh.Option
		if diff {
			o = append(o, optrefresh.Diff())
		}
		if expect {
			o = append(o, optrefresh.ExpectNoChanges())
		}
		if !skipPreview {
			r, err := stack.PreviewRefresh(ctx, o...)
			if err = result(r.StdOut, r.StdErr, err); err != nil {
				return out.String(), err
			}
		}
		r, err := stack.Refresh(ctx, o...)
		err = result(r.StdOut, r.StdErr, err)
		return out.String(), err
	case "destroy":
		var o []optdestroy.Option
		if diff {
			o = append(o, optdestroy.Diff())
		}
		if refresh {
			o = append(o, optdestroy.Refresh())
		}
		if !skipPreview {
			r, err := stack.PreviewDestroy(ctx, o...)
			if err = result(r.StdOut, r.StdErr, err); err != nil {
				return out.String(), err
			}
		}
		r, err := stack.Destroy(ctx, o...)
		err = result(r.StdOut, r.StdErr, err)
		return out.String(), err
	}
	return "", fmt.Errorf("operation %s", inv.cmd.op)
}

// docsProgramConfig gives the in-process program the PULUMI_CONFIG the Go language host would set
// (its check for unknown keys reads it), as setProgramConfig does.
func docsProgramConfig(ctx context.Context, stack auto.Stack) error {
	all, err := stack.GetAllConfig(ctx)
	if err != nil {
		return err
	}
	plain := map[string]string{}
	for k, v := range all {
		plain[k] = v.Value
	}
	b, err := json.Marshal(plain)
	if err != nil {
		return err
	}
	return os.Setenv(pulumi.EnvConfig, string(b))
}
