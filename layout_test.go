package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The package listing of docs/design.md names every folder that holds Go code, and every folder it
// names exists: a reader finds each folder's one job there.
func TestPackageListingIsCurrent(t *testing.T) {
	doc, err := os.ReadFile("docs/design.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(doc)
	start := strings.Index(section, "## The repository: each folder's one job")
	if start < 0 {
		t.Fatal(`docs/design.md has no section "The repository: each folder's one job"`)
	}
	section = section[start:]
	if end := strings.Index(section[1:], "\n## "); end >= 0 {
		section = section[:end+1]
	}
	listed := map[string]bool{}
	firstCell := regexp.MustCompile(`(?m)^\| ([^|]+) \|`)
	folder := regexp.MustCompile("`([^`]+)/`")
	for _, row := range firstCell.FindAllStringSubmatch(section, -1) {
		for _, m := range folder.FindAllStringSubmatch(row[1], -1) {
			listed[m[1]] = true
		}
	}
	var withGo []string
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != "." && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(name, ".go") && filepath.Dir(path) != "." {
			withGo = append(withGo, filepath.ToSlash(filepath.Dir(path)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range slices.Compact(withGo) {
		if !listed[dir] {
			t.Errorf("docs/design.md does not list %s/, which holds Go code: add a row saying its one job", dir)
		}
	}
	for dir := range listed {
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("docs/design.md lists %s/, which does not exist", dir)
		}
	}
}
