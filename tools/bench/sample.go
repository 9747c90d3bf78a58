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
}

// peak is the largest of each figure over a run (each maximum on its own).
type peak struct {
	RSS, PSS          int64
	Processes, Plugin int
	Samples           int
}

func (p *peak) add(s treeSample) {
	p.RSS = max(p.RSS, s.RSS)
	p.PSS = max(p.PSS, s.PSS)
	p.Processes = max(p.Processes, s.Processes)
	p.Plugin = max(p.Plugin, s.Plugins)
	p.Samples++
}

var pageSize = int64(os.Getpagesize())

// descendants lists root and every process below it, from /proc's parent links.
func descendants(root int) []int {
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
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
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

// sampleTree measures root's tree: RSS from statm, PSS from smaps_rollup (proportional: shared
// pages such as the plugins' common binary are counted once in total).
func sampleTree(root int) treeSample {
	var s treeSample
	for _, pid := range descendants(root) {
		dir := filepath.Join("/proc", strconv.Itoa(pid))
		statm, err := os.ReadFile(filepath.Join(dir, "statm"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(statm))
		if len(f) < 2 {
			continue
		}
		pages, _ := strconv.ParseInt(f[1], 10, 64)
		s.RSS += pages * pageSize
		s.Processes++
		if comm, err := os.ReadFile(filepath.Join(dir, "comm")); err == nil && strings.TrimSpace(string(comm)) == "pulumi-resource" {
			s.Plugins++ // comm is truncated to 15 characters
		}
		if rollup, err := os.ReadFile(filepath.Join(dir, "smaps_rollup")); err == nil {
			for _, line := range strings.Split(string(rollup), "\n") {
				if strings.HasPrefix(line, "Pss:") {
					kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
					s.PSS += kb << 10
					break
				}
			}
		}
	}
	return s
}

// watchTree samples root's tree every interval until done is closed, and kills the whole tree (by
// pid, every descendant) if its RSS passes limit. It returns the peaks and whether it killed.
func watchTree(root int, interval time.Duration, limit int64, done <-chan struct{}) (peak, bool) {
	var p peak
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		s := sampleTree(root)
		p.add(s)
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
