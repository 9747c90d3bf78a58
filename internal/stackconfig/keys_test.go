package stackconfig

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// README.md's configuration table (in its "Configuration reference" section) lists exactly the keys of Keys, and says of each what Keys says:
// required, required in the single-consumer form, or optional, and the same default.
func TestTheREADMEKeyTableMatchesKeys(t *testing.T) {
	text, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(text)
	start := strings.Index(section, "## Configuration reference")
	if start < 0 {
		t.Fatal(`README.md has no "## Configuration reference"`)
	}
	section = section[start+3:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	row := regexp.MustCompile("(?m)^\\| `([A-Za-z]+)` \\|([^|]*)\\|([^|]*)\\|")
	rows := map[string][2]string{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		rows[m[1]] = [2]string{strings.TrimSpace(m[2]), strings.TrimSpace(m[3])}
	}
	for _, k := range Keys {
		r, ok := rows[k.Name]
		if !ok {
			t.Errorf("README.md's key table lacks %s", k.Name)
			continue
		}
		delete(rows, k.Name)
		want := map[Need]string{Required: "yes", RequiredFlat: "yes¹", Optional: "no"}[k.Need]
		if k.Scope == SplitOwner && k.Default == "" {
			want = "no²" // required with side: owner
		}
		if k.Secret {
			want += " (secret)"
		}
		if r[0] != want {
			t.Errorf("README.md: %s is %q, want %q", k.Name, r[0], want)
		}
		if k.Default != "" && r[1] != "`"+strings.ReplaceAll(strings.ReplaceAll(k.Default, `"`, ""), ",", ", ")+"`" {
			t.Errorf("README.md: %s default %q does not show %s", k.Name, r[1], k.Default)
		}
	}
	for key := range rows {
		t.Errorf("README.md's key table has %s, which is not a key of this project", key)
	}
}

// README.md's list of which side's stack each key belongs to (after the key table) says what
// Key.Scope says.
func TestTheREADMESidesListMatchesScopes(t *testing.T) {
	text, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(text), "In split stacks (`side: consumer` or `side: owner`)")
	if start < 0 {
		t.Fatal("README.md has no list of the keys of each side")
	}
	section := string(text)[start:]
	section = section[:strings.Index(section, "\n\n")]
	lines := strings.Split(strings.ReplaceAll(section, "\n  ", " "), "\n- ")
	if len(lines) != 5 {
		t.Fatalf("the list has %d items, want 4: %q", len(lines)-1, lines)
	}
	want := map[Scope]string{OwnerSide: lines[1], ConsumerSide: lines[2], SplitOwner: lines[3], Anywhere: lines[4]}
	listed := regexp.MustCompile("`([A-Za-z]+)`")
	for scope, line := range want {
		line = line[strings.Index(line, ":")+1:]
		if scope == Anywhere {
			line = line[:strings.Index(line, ").")]
		}
		got := map[string]bool{}
		for _, m := range listed.FindAllStringSubmatch(line, -1) {
			got[m[1]] = true
		}
		for _, k := range Keys {
			if (k.Scope == scope) != got[k.Name] {
				t.Errorf("README.md lists %s under %q: %t, but its scope is %d", k.Name, strings.SplitN(line, ":", 2)[0], got[k.Name], k.Scope)
			}
		}
	}
}
