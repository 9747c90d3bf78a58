package main

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestFlagsOverrideTheConfigFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rollout.yaml")
	if err := os.WriteFile(path, []byte("owner: owner\nconsumers: [a, b]\nworkers: 8\ndir: project\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := parseArgs([]string{"-op", "up", "-config", path}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.owner != "owner" || !reflect.DeepEqual(o.consumers, []string{"a", "b"}) || o.workers != 8 || o.dir != filepath.Join(dir, "project") {
		t.Errorf("from the file: %+v", o)
	}
	o, err = parseArgs([]string{"-op", "preview", "-config", path, "-consumers", "c, d,", "-workers", "2", "-owner", "o2", "-dir", "elsewhere"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.owner != "o2" || !reflect.DeepEqual(o.consumers, []string{"c", "d"}) || o.workers != 2 || o.dir != "elsewhere" || o.op != "preview" {
		t.Errorf("flags over the file: %+v", o)
	}
}

func TestArgumentErrors(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.yaml")
	if err := os.WriteFile(typo, []byte("owner: o\nconsumer: [a]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-consumers", "a"}, "-op is required: preview or up"},
		{[]string{"-op", "destroy", "-consumers", "a"}, `unknown operation "destroy": use preview or up`},
		{[]string{"-op", "up"}, "no stacks: name consumer stacks, an owner stack, or both"},
		{[]string{"-op", "up", "-consumers", "a,a"}, "consumer stack a is listed twice"},
		{[]string{"-op", "up", "-consumers", "a", "-owner", "a"}, "stack a is both a consumer stack and the owner stack"},
		{[]string{"-op", "up", "-consumers", "a", "-workers", "-1"}, "-workers -1: want at least 1"},
		{[]string{"-op", "up", "-consumers", "a", "-owner-despite-failures"}, "-owner-despite-failures without an owner stack"},
		{[]string{"-op", "up", "-config", typo}, "field consumer not found"},
		{[]string{"-op", "up", "-consumers", "a", "extra"}, `unexpected arguments ["extra"]`},
	}
	for _, c := range cases {
		_, err := parseArgs(c.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.args, err, c.want)
		}
	}
	o, err := parseArgs([]string{"-op", "up", "-consumers", "a"}, io.Discard)
	if err != nil || o.workers != 4 || o.dir != "." {
		t.Errorf("defaults: %+v, %v", o, err)
	}
}

func TestPulumiRoot(t *testing.T) {
	dir := t.TempDir()
	inBin := filepath.Join(dir, "sdk", "bin", "pulumi")
	loose := filepath.Join(dir, "pulumi-3.274.1")
	for _, p := range []string{inBin, loose} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	root, err := pulumiRoot(inBin)
	if err != nil || root != filepath.Join(dir, "sdk") {
		t.Errorf("binary in bin/: root %q, %v", root, err)
	}
	root, err = pulumiRoot(loose)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(root)
	if target, err := os.Readlink(filepath.Join(root, "bin", "pulumi")); err != nil || target != loose {
		t.Errorf("loose binary: link %q, %v", target, err)
	}
	if _, err := pulumiRoot(filepath.Join(dir, "nope")); err == nil {
		t.Error("a missing binary was accepted")
	}
	t.Setenv("PATH", dir)
	if _, err := pulumiRoot(""); err != errNoCLI {
		t.Errorf("no pulumi on PATH: %v", err)
	}
}

func TestFileSafe(t *testing.T) {
	for in, want := range map[string]string{"consumer-a": "consumer-a", "org/proj/stack.1": "org_proj_stack.1", "/x y/": "x_y"} {
		if got := fileSafe(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestCondense(t *testing.T) {
	in := "an unhandled error occurred: 1 error occurred:\n\t* invalid stack configuration, nothing was created (2 problems):\n  - allowlisting: is not a key\n  - vpcId: bad"
	want := "invalid stack configuration, nothing was created (2 problems): allowlisting: is not a key; vpcId: bad"
	if got := condense(in); got != want {
		t.Errorf("condense: %q\nwant %q", got, want)
	}
	if got := condense("plain error"); got != "plain error" {
		t.Errorf("condense: %q", got)
	}
}
