package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"cross-account-s3/tools/rollout"
)

// fileConfig is the optional -config file (YAML). Flags given on the command line override it.
//
//	owner: bucket-owner
//	consumers:
//	  - consumer-222222222222
//	  - consumer-333333333333
//	workers: 4
//	dir: .        # relative to this file
type fileConfig struct {
	Owner     string   `yaml:"owner"`
	Consumers []string `yaml:"consumers"`
	Workers   int      `yaml:"workers"`
	Dir       string   `yaml:"dir"`
}

// options are the parent's settings, from flags and the config file.
type options struct {
	op                   rollout.Op
	dir                  string
	consumers            []string
	owner                string
	workers              int
	pulumi               string
	create               bool
	refresh              bool
	expectNoChanges      bool
	ownerDespiteFailures bool
	logDir               string
	verbose              bool
}

const usageText = `Usage: rollout -op preview|up [-config rollout.yaml] [-consumers a,b,...] [-owner NAME] [flags]

Runs "pulumi preview" or "pulumi up" on every consumer stack, in parallel on -workers worker
processes, then on the owner stack. The program is this repository's (compiled into this binary
and served to the Pulumi CLI through the Automation API); each stack's config is the work dir's
Pulumi.<stack>.yaml, and the state backend is whatever the CLI is logged in to (pulumi login, or
PULUMI_BACKEND_URL), so local files, S3 and Pulumi Cloud all work.

A failed consumer stack does not stop the others. A preview then still runs the owner; an up
skips it unless -owner-despite-failures. Ctrl-C once: start no further stack and let the running
ones finish; twice: interrupt them too. Exit code: 0 when every stack succeeded, 1 when one
failed or was skipped, 2 on a usage or setup error.

Flags:
`

// parseArgs reads the flags, then the config file they name. Flags set on the command line win
// over the file.
func parseArgs(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("rollout", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}
	var o options
	var op, consumers, configPath string
	fs.StringVar(&op, "op", "", "operation on every stack: preview or up (required)")
	fs.StringVar(&configPath, "config", "", "YAML file with owner, consumers (list), workers, dir")
	fs.StringVar(&consumers, "consumers", "", "consumer stacks, comma-separated (org/project/stack names work too)")
	fs.StringVar(&o.owner, "owner", "", "the bucket-owner stack, run after every consumer stack")
	fs.StringVar(&o.dir, "dir", "", "project dir: Pulumi.yaml and the stack files (default: the config file's dir setting, else .)")
	fs.IntVar(&o.workers, "workers", 0, "stacks run at once (default 4); each holds a Pulumi CLI and its provider plugins")
	fs.StringVar(&o.pulumi, "pulumi", "", "path of the pulumi CLI binary (default: pulumi on PATH)")
	fs.BoolVar(&o.create, "create", false, "create consumer or owner stacks that do not exist yet (pulumi stack init)")
	fs.BoolVar(&o.refresh, "refresh", false, "refresh each stack's state before the operation")
	fs.BoolVar(&o.expectNoChanges, "expect-no-changes", false, "fail any stack whose operation would change something (e.g. right after moving state); with up, each stack is previewed first and not updated if it would change")
	fs.BoolVar(&o.ownerDespiteFailures, "owner-despite-failures", false, "up: deploy the owner even when a consumer stack failed or was not run")
	fs.StringVar(&o.logDir, "log-dir", "", "where each stack's full output goes (default: a new temporary dir)")
	fs.BoolVar(&o.verbose, "v", false, "print each stack's resource steps and diagnostics as they happen")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if configPath != "" {
		fc, err := readFileConfig(configPath)
		if err != nil {
			return o, err
		}
		if !set["owner"] {
			o.owner = fc.Owner
		}
		if !set["consumers"] {
			consumers = strings.Join(fc.Consumers, ",")
		}
		if !set["workers"] {
			o.workers = fc.Workers
		}
		if !set["dir"] && fc.Dir != "" {
			// Relative to the config file, which usually sits in the project dir.
			o.dir = fc.Dir
			if !filepath.IsAbs(o.dir) {
				o.dir = filepath.Join(filepath.Dir(configPath), o.dir)
			}
		}
	}
	if op == "" {
		return o, errors.New("-op is required: preview or up")
	}
	var err error
	if o.op, err = rollout.ParseOp(op); err != nil {
		return o, err
	}
	for _, c := range strings.Split(consumers, ",") {
		if c = strings.TrimSpace(c); c != "" {
			o.consumers = append(o.consumers, c)
		}
	}
	if o.dir == "" {
		o.dir = "."
	}
	switch {
	case o.workers == 0:
		o.workers = 4
	case o.workers < 0:
		return o, fmt.Errorf("-workers %d: want at least 1", o.workers)
	}
	if o.ownerDespiteFailures && o.owner == "" {
		return o, errors.New("-owner-despite-failures without an owner stack")
	}
	return o, o.plan().Validate()
}

func (o options) plan() rollout.Plan {
	return rollout.Plan{Op: o.op, Consumers: o.consumers, Owner: o.owner}
}

func readFileConfig(path string) (fileConfig, error) {
	var fc fileConfig
	data, err := os.ReadFile(path)
	if err != nil {
		return fc, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return fc, fmt.Errorf("%s: %w", path, err)
	}
	return fc, nil
}
