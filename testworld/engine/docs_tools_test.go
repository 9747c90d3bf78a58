package engine

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
)

// The docs test (docs_test.go) runs the documentation's command blocks in bash, with two commands
// of its own first on PATH, both this test binary under another name (docsTool tells which):
//
//   - pulumi: a command line of the docs is sent to the test over a Unix socket
//     ($DOCS_PULUMI_SOCKET), which runs it through the Automation API (docs_pulumi_test.go) and
//     answers its output and exit code. A call made by the Automation API itself (from cmd/rollout,
//     which finds pulumi on PATH as a user's shell would) carries PULUMI_AUTOMATION_API=true, and
//     is handed to the real CLI ($DOCS_REAL_PULUMI), as is `pulumi version`.
//   - docs-editor ($EDITOR): what a user does to a copied example. It keeps the example values,
//     which the test's AWS world is built from, and deletes what the line's comment
//     ($DOCS_LINE_COMMENT) says to delete: "delete encryptionsalt and consumerExternalId" removes
//     those entries (a secure value with its key). A comment that asks to delete what the file
//     does not hold fails the line.
const (
	docsShimName   = "pulumi"
	docsEditorName = "docs-editor"
)

// docsRequest is one pulumi command line, as the shell ran it.
type docsRequest struct {
	Args []string `json:"args"`
	Env  []string `json:"env"`
	Dir  string   `json:"dir"`
}

// docsResponse is what the command printed, and its exit code.
type docsResponse struct {
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	Code   int    `json:"code"`
}

// docsTool runs this binary as one of the docs test's commands when it was started under that
// name; ok is false for the test binary itself.
func docsTool() (code int, ok bool) {
	switch filepath.Base(os.Args[0]) {
	case docsShimName:
		return docsShim(os.Args[1:]), true
	case docsEditorName:
		return docsEditor(os.Args[1:], os.Getenv("DOCS_LINE_COMMENT")), true
	}
	return 0, false
}

func docsShim(args []string) int {
	if os.Getenv("PULUMI_AUTOMATION_API") == "true" || slices.Equal(args, []string{"version"}) {
		real := os.Getenv("DOCS_REAL_PULUMI")
		err := syscall.Exec(real, append([]string{real}, args...), os.Environ())
		fmt.Fprintf(os.Stderr, "docs test: running %s: %v\n", real, err)
		return 1
	}
	dir, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	conn, err := net.Dial("unix", os.Getenv("DOCS_PULUMI_SOCKET"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "docs test: this pulumi only runs under the docs test: %v\n", err)
		return 1
	}
	defer conn.Close()
	if err := json.NewEncoder(conn).Encode(docsRequest{Args: args, Env: os.Environ(), Dir: dir}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var r docsResponse
	if err := json.NewDecoder(conn).Decode(&r); err != nil {
		fmt.Fprintf(os.Stderr, "docs test: no answer: %v\n", err)
		return 1
	}
	fmt.Fprint(os.Stdout, r.Stdout)
	fmt.Fprint(os.Stderr, r.Stderr)
	return r.Code
}

var docsWord = regexp.MustCompile(`[A-Za-z][A-Za-z0-9]*`)

func docsEditor(files []string, comment string) int {
	if len(files) != 1 {
		fmt.Fprintln(os.Stderr, "docs-editor: edits one file")
		return 2
	}
	path := files[0]
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_, toDelete, deletes := strings.Cut(comment, "delete ")
	if !deletes {
		return 0 // the example's values are kept
	}
	toDelete, _, _ = strings.Cut(toDelete, ";")
	lines := strings.Split(string(data), "\n")
	for _, word := range docsWord.FindAllString(toDelete, -1) {
		if slices.Contains([]string{"and", "or", "the", "each", "every"}, word) {
			continue
		}
		// encryptionsalt, or a config key of any namespace (project:key).
		entry := regexp.MustCompile(`^()encryptionsalt:`)
		if word != "encryptionsalt" {
			entry = regexp.MustCompile(`^(\s*)[A-Za-z0-9_-]+:` + regexp.QuoteMeta(word) + `:`)
		}
		found := false
		for i := 0; i < len(lines); i++ {
			m := entry.FindStringSubmatch(lines[i])
			if m == nil {
				continue
			}
			// The entry and the lines indented under it (a secure: value, a list).
			end := i + 1
			for end < len(lines) && strings.TrimSpace(lines[end]) != "" && indent(lines[end]) > len(m[1]) {
				end++
			}
			lines = append(lines[:i], lines[end:]...)
			found = true
			i--
		}
		if !found {
			fmt.Fprintf(os.Stderr, "docs-editor: the comment says to delete %s, but %s has none\n", word, path)
			return 1
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func indent(line string) int { return len(line) - len(strings.TrimLeft(line, " ")) }
