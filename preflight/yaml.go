package preflight

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
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
	var b strings.Builder
	b.WriteString("  " + ExtraStatementsKey + ":")
	if len(statements) == 0 {
		b.WriteString(" []\n")
		return b.String()
	}
	b.WriteString("\n")
	for _, st := range statements {
		writeMapping(&b, st, 6, true, statementOrder)
	}
	return b.String()
}

var statementElements = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}

func statementOrder(keys []string) []string {
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
	return keys
}

func sortedOrder(keys []string) []string {
	sort.Strings(keys)
	return keys
}

// writeMapping writes a mapping whose keys stand at column indent; item says it is a list item
// ("- " two columns before its first key).
func writeMapping(b *strings.Builder, m map[string]any, indent int, item bool, order func([]string) []string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i, k := range order(keys) {
		pad := strings.Repeat(" ", indent)
		if item {
			if i == 0 {
				pad = strings.Repeat(" ", indent-2) + "- "
			}
		}
		b.WriteString(pad + yamlScalar(k) + ":")
		writeValue(b, m[k], indent+2)
	}
}

// writeValue writes what follows "key:" or "-": a scalar on the same line, or a block whose
// content stands at column indent on the next lines.
func writeValue(b *strings.Builder, v any, indent int) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteString("\n")
		writeMapping(b, x, indent, false, sortedOrder)
	case []any:
		if len(x) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteString("\n")
		for _, e := range x {
			if m, ok := e.(map[string]any); ok && len(m) > 0 {
				writeMapping(b, m, indent+2, true, sortedOrder)
				continue
			}
			b.WriteString(strings.Repeat(" ", indent) + "-")
			writeValue(b, e, indent+2)
		}
	default:
		b.WriteString(" " + yamlValue(v) + "\n")
	}
}

var (
	plainSafe     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_./:@+=,*$-]*$`)
	yamlReserved  = regexp.MustCompile(`^(?i:y|n|yes|no|on|off|true|false|null)$`)
	numberPattern = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)
)

// yamlValue renders a scalar: numbers and booleans as themselves, strings plain when YAML reads
// them back as the same string, else double-quoted (JSON's escaping is valid YAML).
func yamlValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case json.Number:
		if numberPattern.MatchString(x.String()) {
			return x.String()
		}
		return yamlScalar(x.String())
	case float64:
		s, _ := scalar(x)
		return s
	case string:
		return yamlScalar(x)
	}
	s, _ := scalar(v)
	return yamlScalar(s)
}

func yamlScalar(s string) string {
	if plainSafe.MatchString(s) && !yamlReserved.MatchString(s) && !strings.HasSuffix(s, ":") {
		return s
	}
	return compactJSON(s)
}

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
