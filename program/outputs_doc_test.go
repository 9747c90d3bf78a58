package program

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"cross-account-s3/crossaccount"
	"cross-account-s3/spec"
)

// docs/consumers.md's table of the outputs that move from the top level to consumers.<name> says
// what Exports does with one consumer and with two, for every output.
func TestConsumersPageSaysWhichOutputsMove(t *testing.T) {
	text, err := os.ReadFile("../docs/consumers.md")
	if err != nil {
		t.Fatal(err)
	}
	one := Exports(spec.Spec{}, crossaccount.Deployed{Consumers: map[string]crossaccount.ConsumerOutputs{"a": {}}})
	two := Exports(spec.Spec{}, crossaccount.Deployed{Consumers: map[string]crossaccount.ConsumerOutputs{"a": {}, "b": {}}})
	perConsumer := consumerExports(crossaccount.ConsumerOutputs{})

	const header = "| Output | One consumer"
	page := string(text)
	start := strings.Index(page, header)
	if start < 0 {
		t.Fatalf("docs/consumers.md has no table starting %q", header)
	}
	described := map[string]bool{}
	for _, line := range strings.Split(page[start:], "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 3 {
			t.Fatalf("row %q: want 3 cells", line)
		}
		for _, m := range backticked.FindAllStringSubmatch(cells[0], -1) {
			name := m[1]
			described[name] = true
			_, inOne := one[name]
			_, inTwo := two[name]
			_, under := perConsumer[name]
			for _, c := range []struct {
				col      string
				cell     string
				topLevel bool
			}{{"one consumer", cells[1], inOne}, {"two or more", cells[2], inTwo}} {
				if got := strings.Contains(c.cell, "at the top level"); got != c.topLevel {
					t.Errorf("%s, %s: the page says at the top level %v, Exports %v", name, c.col, got, c.topLevel)
				}
				if got := strings.Contains(c.cell, "under `consumers.<name>`"); got != under {
					t.Errorf("%s, %s: the page says under consumers.<name> %v, consumerExports %v", name, c.col, got, under)
				}
			}
		}
	}
	var missing []string
	for _, outputs := range []map[string]bool{keys(one), keys(two), keys(perConsumer)} {
		for name := range outputs {
			if !described[name] {
				missing = append(missing, name)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("docs/consumers.md's outputs table leaves out %v", missing)
	}
}

var backticked = regexp.MustCompile("`([A-Za-z]+)`")

func keys[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}
