package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// The command blocks of README.md and docs/*.md. Every fenced block says its language in its
// info string; a command block (sh, bash, shell, console, zsh) also says how it is proven, with
// one tag:
//
//	offline  runs here with no engine (go run ./cmd/plan, go test, scripts): the docs test runs it
//	engine   runs pulumi (or cmd/rollout, which drives the engine): the docs test runs it on the
//	         real engine over the test world's fake AWS
//	aws      needs what no test has: real AWS (a command on an EC2 instance), Pulumi Cloud, or a
//	         plugin download; not run, and the page says where it runs
//	ci       CI runs it as written (the line is in .ci/run): the test suite itself
//	long     runs here, for longer than the docs test may take (benchmarks); not run
const docsFenceHelp = "tags: offline, engine, aws, ci, long; see testworld/engine/docs_blocks_test.go"

var (
	docsCommandLangs = map[string]bool{"sh": true, "bash": true, "shell": true, "console": true, "zsh": true}
	docsTags         = map[string]bool{"offline": true, "engine": true, "aws": true, "ci": true, "long": true}
	docsFence        = regexp.MustCompile("^(\\s*)(`{3,}|~{3,})(.*)$")
	// docsPulumiCall finds a pulumi command in a command line (at its start or after ;, &&, ||, |).
	docsPulumiCall = regexp.MustCompile(`(?:^|[;&|(]\s*)pulumi(?:\s|$)`)
	docsRollout    = regexp.MustCompile(`(?:^|\s)(?:\./)?cmd/rollout(?:\s|$)|go run \./cmd/rollout`)
)

// docsBlock is one fenced block of a page.
type docsBlock struct {
	file  string // slash path from the repository root: README.md, docs/preflight.md
	line  int    // the opening fence's line
	lang  string
	tag   string
	info  string
	lines []docsLine // for command blocks, the commands; nil otherwise
}

// docsLine is one command as bash gets it: continuation lines joined, comments kept.
type docsLine struct {
	n    int // its first line in the page
	text string
}

func (b docsBlock) where() string { return fmt.Sprintf("%s:%d", b.file, b.line) }

func (l docsLine) command() string { return docsCommandPart(l.text) }

// first is the block's first command, without its comment: what names it in the hooks.
func (b docsBlock) first() string {
	if len(b.lines) == 0 {
		return ""
	}
	return strings.TrimSpace(b.lines[0].command())
}

// runsPulumi reports whether a line runs the pulumi CLI or cmd/rollout (which drives the engine).
func (l docsLine) runsPulumi() bool {
	c := l.command()
	return docsPulumiCall.MatchString(strings.TrimSpace(c)) || docsRollout.MatchString(c)
}

// docsPages are the pages whose blocks are checked: README.md, then docs/*.md in name order.
func docsPages(root string) ([]string, error) {
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	sort.Strings(pages)
	out := []string{"README.md"}
	for _, p := range pages {
		out = append(out, "docs/"+filepath.Base(p))
	}
	return out, nil
}

// docsBlocksOf reads a page's fenced blocks; problems are the fences that break the rules, each
// naming file:line.
func docsBlocksOf(root, page string) (blocks []docsBlock, problems []string, err error) {
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(page)))
	if err != nil {
		return nil, nil, err
	}
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		m := docsFence.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		b := docsBlock{file: page, line: i + 1, info: strings.TrimSpace(m[3])}
		indentation, fence := m[1], m[2]
		var body []string
		closed := false
		for i++; i < len(lines); i++ {
			if c := docsFence.FindStringSubmatch(lines[i]); c != nil && strings.HasPrefix(c[2], fence[:1]) && len(c[2]) >= len(fence) && strings.TrimSpace(c[3]) == "" {
				closed = true
				break
			}
			body = append(body, strings.TrimPrefix(lines[i], indentation))
		}
		if !closed {
			problems = append(problems, fmt.Sprintf("%s: the block is never closed", b.where()))
			break
		}
		words := strings.Fields(b.info)
		switch {
		case len(words) == 0:
			problems = append(problems, fmt.Sprintf("%s: a fenced block with no language: write ```text for output, or its language", b.where()))
		case docsCommandLangs[words[0]]:
			b.lang = words[0]
			if len(words) != 2 || !docsTags[words[1]] {
				problems = append(problems, fmt.Sprintf("%s: command block ```%s is not tagged with how it runs (%s)", b.where(), b.info, docsFenceHelp))
				break
			}
			b.tag = words[1]
			b.lines = docsCommands(b.lang, body, b.line+1)
			if len(b.lines) == 0 {
				problems = append(problems, fmt.Sprintf("%s: a command block with no command", b.where()))
			}
		default:
			b.lang = words[0]
			for _, w := range words[1:] {
				if docsTags[w] {
					problems = append(problems, fmt.Sprintf("%s: ```%s is no command block, so it takes no tag (%s)", b.where(), b.info, docsFenceHelp))
				}
			}
		}
		blocks = append(blocks, b)
	}
	return blocks, problems, nil
}

// docsCommands are the commands of a block: in a console block, the lines after "$ "; otherwise
// every line but blank lines and whole-line comments, a line ending in \ joined with the next.
func docsCommands(lang string, body []string, firstLine int) []docsLine {
	var out []docsLine
	for i := 0; i < len(body); i++ {
		text, n := body[i], firstLine+i
		if lang == "console" {
			cmd, ok := strings.CutPrefix(text, "$ ")
			if !ok {
				continue // output
			}
			text = cmd
		}
		if t := strings.TrimSpace(text); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		for strings.HasSuffix(text, `\`) && i+1 < len(body) {
			i++
			text = strings.TrimSuffix(text, `\`) + "\n" + body[i]
		}
		out = append(out, docsLine{n: n, text: text})
	}
	return out
}

// docsCommandPart is a line without its trailing comment (a # outside quotes that starts a word).
func docsCommandPart(line string) string {
	cmd, _ := docsSplitComment(line)
	return cmd
}

// docsSplitComment splits a shell line at its comment: a # outside quotes, at the start or after
// blank space.
func docsSplitComment(line string) (command, comment string) {
	var quote rune
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return line[:i], strings.TrimSpace(line[i+1:])
		}
	}
	return line, ""
}
