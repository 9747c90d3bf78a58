package preflight

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"cross-account-s3/spec"
)

// ExtraStatementsKey is the config key, with its namespace, as it stands in a stack file.
const ExtraStatementsKey = "cross-account-s3:extraBucketPolicyStatements"

// KeepYAML renders statements as the value of cross-account-s3:extraBucketPolicyStatements in a
// stack file: the key indented by two spaces, as under `config:`, then one list item per
// statement. Statement elements come in the order AWS documents them (Sid, Effect, Principal,
// NotPrincipal, Action, NotAction, Resource, NotResource, Condition, then any other, sorted);
// nested keys are sorted. Pulumi hands the value to the program as the JSON of the same
// statements, so what this renders reads back equal.
func KeepYAML(statements []map[string]any) string {
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, st := range statements {
		list.Content = append(list.Content, mappingNode(st, statementOrder))
	}
	if len(statements) == 0 {
		list.Style = yaml.FlowStyle
	}
	doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalarNode(ExtraStatementsKey), list}}
	var out strings.Builder
	for _, line := range strings.SplitAfter(encodeYAML(doc), "\n") {
		if line != "" {
			out.WriteString("  " + line)
		}
	}
	return out.String()
}

var statementElements = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}

func statementOrder(keys []string) {
	rank := map[string]int{}
	for i, k := range statementElements {
		rank[k] = i
	}
	sort.SliceStable(keys, func(i, j int) bool {
		ri, iok := rank[keys[i]]
		rj, jok := rank[keys[j]]
		switch {
		case iok && jok:
			return ri < rj
		case iok != jok:
			return iok
		}
		return keys[i] < keys[j]
	})
}

// encodeYAML is yaml.v3's block form with two-space indentation.
func encodeYAML(n *yaml.Node) string {
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		panic(err) // nodes of scalars, lists and maps only: cannot fail
	}
	return b.String()
}

// valueNode is a JSON value as a YAML node; empty lists and maps are written [] and {}.
func valueNode(v any) *yaml.Node {
	switch x := v.(type) {
	case map[string]any:
		return mappingNode(x, sort.Strings)
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range x {
			n.Content = append(n.Content, valueNode(e))
		}
		if len(x) == 0 {
			n.Style = yaml.FlowStyle
		}
		return n
	}
	return scalarNode(v)
}

func mappingNode(m map[string]any, order func([]string)) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	keys := spec.SortedKeys(m)
	order(keys)
	for _, k := range keys {
		n.Content = append(n.Content, scalarNode(k), valueNode(m[k]))
	}
	if len(m) == 0 {
		n.Style = yaml.FlowStyle
	}
	return n
}

var (
	plainSafe     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_./:@+=,*$-]*$`)
	yamlReserved  = regexp.MustCompile(`^(?i:y|n|yes|no|on|off|true|false|null)$`)
	numberPattern = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)
)

// scalarNode is a scalar: numbers and booleans as themselves, strings plain when YAML reads them
// back as the same string, else double-quoted.
func scalarNode(v any) *yaml.Node {
	plain := func(value string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Value: value}
	}
	var s string
	switch x := v.(type) {
	case nil:
		return plain("null")
	case bool:
		return plain(strconv.FormatBool(x))
	case json.Number:
		if numberPattern.MatchString(x.String()) {
			return plain(x.String())
		}
		s = x.String()
	case float64:
		f, _ := scalar(x)
		return plain(f)
	case string:
		s = x
	default:
		s, _ = scalar(v)
	}
	if plainSafe.MatchString(s) && !yamlReserved.MatchString(s) && !strings.HasSuffix(s, ":") {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle}
}

// yamlScalar is how a string is written as a scalar.
func yamlScalar(s string) string { return strings.TrimSuffix(encodeYAML(scalarNode(s)), "\n") }

// KeepCommand is one shell command that sets cross-account-s3:extraBucketPolicyStatements to the
// statements in the stack's file (as the YAML of KeepYAML): `pulumi config set-all --json`, whose
// JSON is `pulumi config --json`'s shape, the value as text and as an object. Pulumi indents the
// lines of an error it shows; this single line pastes anywhere.
func KeepCommand(stack string, statements []map[string]any) string {
	list := make([]any, len(statements))
	for i, st := range statements {
		list[i] = st
	}
	text := compactJSON(list)
	arg := compactJSON(map[string]any{ExtraStatementsKey: map[string]any{"value": text, "objectValue": json.RawMessage(text), "secret": false}})
	cmd := "pulumi config set-all"
	if stack != "" {
		cmd += " --stack " + stack
	}
	return cmd + " --json '" + strings.ReplaceAll(arg, "'", `'\''`) + "'"
}
