package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// treeSample is the memory of a process and all its descendants at one instant.
type treeSample struct {
	RSS, PSS  int64 // bytes
	Processes int
	Plugins   int // processes named pulumi-resource-aws
	// RootRSS is the root process's own RSS (the rollout process).
	RootRSS int64
	// Stacks is each rollout worker's tree (the worker process, its Pulumi CLI and the CLI's
	// plugins), by the stack it runs.
	Stacks map[string]stackSample
}

// stackSample is one worker's tree at one instant, or its peak over a run.
type stackSample struct {
	RSS, PSS           int64
	Processes, Plugins int
}

func (s *stackSample) max(o stackSample) {
	s.RSS, s.PSS = max(s.RSS, o.RSS), max(s.PSS, o.PSS)
	s.Processes, s.Plugins = max(s.Processes, o.Processes), max(s.Plugins, o.Plugins)
}

// peak is the largest of each figure over a run (each maximum on its own).
type peak struct {
	RSS, PSS          int64
	Processes, Plugin int
	Samples           int
	RootRSS           int64
	// Stacks is each stack's own peak (its worker's tree), over the samples that saw it.
	Stacks map[string]stackSample
	// OwnerPhaseRSS is the whole tree's peak RSS over the samples in which the owner stack (if
	// any) was running.
	OwnerPhaseRSS int64
}

func (p *peak) add(s treeSample, owner string) {
	p.RSS = max(p.RSS, s.RSS)
	p.PSS = max(p.PSS, s.PSS)
	p.Processes = max(p.Processes, s.Processes)
	p.Plugin = max(p.Plugin, s.Plugins)
	p.RootRSS = max(p.RootRSS, s.RootRSS)
	p.Samples++
	for name, st := range s.Stacks {
		if p.Stacks == nil {
			p.Stacks = map[string]stackSample{}
		}
		cur := p.Stacks[name]
		cur.max(st)
		p.Stacks[name] = cur
		if owner != "" && name == owner {
			p.OwnerPhaseRSS = max(p.OwnerPhaseRSS, s.RSS)
		}
	}
}

var pageSize = int64(os.Getpagesize())

// descendants lists root and every process below it, from /proc's parent links.
func descendants(root int) []int {
	order, _ := tree(root)
	return order
}

// tree lists root and every process below it (parents before children), with each one's parent.
func tree(root int) ([]int, map[int]int) {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentOf(pid); ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	out := []int{root}
	parent := map[int]int{}
	for i := 0; i < len(out); i++ {
		for _, c := range children[out[i]] {
			parent[c] = out[i]
			out = append(out, c)
		}
	}
	return out, parent
}

// parentOf reads the ppid from /proc/<pid>/stat (the field after the parenthesised name).
func parentOf(pid int) (int, bool) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(fields[1])
	return ppid, err == nil
}

// workerStack is the stack a rollout worker process runs, from its command line
// (rollout __worker -stack NAME ...), or "" for any other process.
func workerStack(pid int) string {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return ""
	}
	return workerStackOf(strings.Split(strings.TrimRight(string(data), "\x00"), "\x00"))
}

func workerStackOf(args []string) string {
	if len(args) < 2 || args[1] != "__worker" {
		return ""
	}
	for i := 2; i+1 < len(args); i++ {
		if args[i] == "-stack" {
			return args[i+1]
		}
	}
	return ""
}

// sampleTree measures root's tree: RSS from statm, PSS from smaps_rollup (proportional: shared
// pages such as the plugins' common binary are counted once in total). Each process also counts
// in the stack of the rollout worker it runs under, if any.
func sampleTree(root int) treeSample {
	var s treeSample
	order, parent := tree(root)
	stackOf := map[int]string{}
	for _, pid := range order {
		switch p := parent[pid]; {
		case pid == root:
		case p == root:
			stackOf[pid] = workerStack(pid)
		default:
			stackOf[pid] = stackOf[p]
		}
		dir := filepath.Join("/proc", strconv.Itoa(pid))
		statm, err := os.ReadFile(filepath.Join(dir, "statm"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(statm))
		if len(f) < 2 {
			continue
		}
		var one stackSample
		pages, _ := strconv.ParseInt(f[1], 10, 64)
		one.RSS = pages * pageSize
		one.Processes = 1
		if comm, err := os.ReadFile(filepath.Join(dir, "comm")); err == nil && strings.TrimSpace(string(comm)) == "pulumi-resource" {
			one.Plugins = 1 // comm is truncated to 15 characters
		}
		if rollup, err := os.ReadFile(filepath.Join(dir, "smaps_rollup")); err == nil {
			for _, line := range strings.Split(string(rollup), "\n") {
				if strings.HasPrefix(line, "Pss:") {
					kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
					one.PSS = kb << 10
					break
				}
			}
		}
		s.RSS += one.RSS
		s.PSS += one.PSS
		s.Processes += one.Processes
		s.Plugins += one.Plugins
		if pid == root {
			s.RootRSS = one.RSS
		}
		if name := stackOf[pid]; name != "" {
			if s.Stacks == nil {
				s.Stacks = map[string]stackSample{}
			}
			st := s.Stacks[name]
			st.RSS += one.RSS
			st.PSS += one.PSS
			st.Processes += one.Processes
			st.Plugins += one.Plugins
			s.Stacks[name] = st
		}
	}
	return s
}

// watchTree samples root's tree every interval until done is closed, and kills the whole tree (by
// pid, every descendant) if its RSS passes limit. It returns the peaks and whether it killed.
// owner names the owner stack, whose phase is measured on its own ("" for none).
func watchTree(root int, interval time.Duration, limit int64, owner string, done <-chan struct{}) (peak, bool) {
	var p peak
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		s := sampleTree(root)
		p.add(s, owner)
		if limit > 0 && s.RSS > limit {
			for _, pid := range descendants(root) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			return p, true
		}
		select {
		case <-done:
			return p, false
		case <-tick.C:
		}
	}
}

// memAvailable is MemAvailable from /proc/meminfo, in bytes.
func memAvailable() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "MemAvailable:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
