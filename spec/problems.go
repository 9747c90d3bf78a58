package spec

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong with the configuration, named by its config key.
type Problem struct {
	Key     string
	Message string
}

func (p Problem) String() string { return p.Key + ": " + p.Message }

// Problems is every problem found at once. It is an error so that callers can return it whole.
type Problems []Problem

func (ps Problems) Error() string {
	return ps.Report("invalid stack configuration, nothing was created")
}

// Report is the headline with the number of problems, then one problem per line: how every
// refusal of this program reads.
func (ps Problems) Report(headline string) string {
	var b strings.Builder
	noun := "problems"
	if len(ps) == 1 {
		noun = "problem"
	}
	fmt.Fprintf(&b, "%s (%d %s):", headline, len(ps), noun)
	for _, p := range ps {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Rewrite rewrites each problem's key and message: the spec's field paths into the keys the user
// wrote, say.
func (ps Problems) Rewrite(rewrite func(string) string) Problems {
	out := make(Problems, len(ps))
	for i, p := range ps {
		out[i] = Problem{Key: rewrite(p.Key), Message: rewrite(p.Message)}
	}
	return out
}

// Err returns nil when there are no problems.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

func (ps *Problems) add(key, format string, args ...any) {
	*ps = append(*ps, Problem{Key: key, Message: fmt.Sprintf(format, args...)})
}

// InKeyOrder returns the problems ordered as their keys appear in keys (the top-level config
// keys in the order the stack file lists them), and within one list key by item index
// ("consumers[2]…" before "consumers[10]…"). Problems of keys not in keys keep their place after
// the others; ties keep their order, so each key's problems stay in the order they were found.
func (ps Problems) InKeyOrder(keys []string) Problems {
	rank := map[string]int{}
	for i, k := range keys {
		if _, dup := rank[k]; !dup {
			rank[k] = i
		}
	}
	type ranked struct {
		top, index int
		p          Problem
	}
	list := make([]ranked, len(ps))
	for i, p := range ps {
		top, index := splitKey(p.Key)
		r, ok := rank[top]
		if !ok {
			r = len(keys)
		}
		list[i] = ranked{r, index, p}
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].top != list[j].top {
			return list[i].top < list[j].top
		}
		return list[i].index < list[j].index
	})
	out := make(Problems, len(list))
	for i, r := range list {
		out[i] = r.p
	}
	return out
}

// splitKey splits "consumers[3].prefixes[0]" into "consumers" and 3; a key without an index
// gives -1.
func splitKey(key string) (string, int) {
	end := strings.IndexAny(key, "[.")
	if end < 0 {
		return key, -1
	}
	top := key[:end]
	if key[end] != '[' {
		return top, -1
	}
	close := strings.IndexByte(key[end:], ']')
	if close < 0 {
		return top, -1
	}
	n, err := strconv.Atoi(key[end+1 : end+close])
	if err != nil {
		return top, -1
	}
	return top, n
}

// pathPattern matches a path of a problem (bucket.<field>, consumers[<i>].<field>) at the start
// of a text or after a character that cannot be part of an ARN, so that a role such as
// role/data-bucket.reader is left as it is, and so is a path already under another one
// (crossAccountS3.consumers[0]).
var pathPattern = regexp.MustCompile(`(^|[^\w.:/@+=,-])(?:bucket\.([A-Za-z]+)|consumers\[(\d+)\]\.([A-Za-z]+))`)

// RewritePaths rewrites every path in a text: bucket.<field> with bucket(field), and
// consumers[<i>].<field> with consumer(i, field), which returns "" to leave the path as it is.
// The callers are the config layer, which knows what the user wrote, and the owner stack's
// view of its consumer stacks.
func RewritePaths(text string, bucket func(field string) string, consumer func(index int, field string) string) string {
	return pathPattern.ReplaceAllStringFunc(text, func(match string) string {
		m := pathPattern.FindStringSubmatch(match)
		lead, path := m[1], match[len(m[1]):]
		if m[2] != "" {
			return lead + bucket(m[2])
		}
		i, _ := strconv.Atoi(m[3])
		if out := consumer(i, m[4]); out != "" {
			return lead + out
		}
		return lead + path
	})
}
