package offlineplan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"cross-account-s3/spec"
)

// longOutputs are stack outputs the text plan refers to instead of repeating.
var longOutputs = map[string]string{
	"bucketPolicy":   "(the bucket policy above)",
	"endpointPolicy": "(the endpoint policy above)",
}

// Text renders the plan for people.
func (p *Deployment) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Plan for stack %q of project %s\n", p.Stack, p.Project)
	b.WriteString("Offline: the stack program ran under Pulumi's mocks; nothing was read from or written to AWS.\n")
	for _, a := range p.Accounts {
		side := a.Side
		if len(a.Consumers) > 0 {
			side += " (" + strings.Join(a.Consumers, ", ") + ")"
		}
		fmt.Fprintf(&b, "\nAccount %s: %s\n", a.AccountID, side)
		fmt.Fprintf(&b, "  provider %s, Region %s, %s\n", a.Provider, a.Region, a.Credentials)
		if len(a.DefaultTags) > 0 {
			fmt.Fprintf(&b, "  default tags: %s\n", render(a.DefaultTags))
		}
		for _, read := range a.Reads {
			fmt.Fprintf(&b, "  = reads %s (on deploy; not looked up offline)\n", read)
		}
		if len(a.Resources) == 0 {
			b.WriteString("  (creates or changes nothing in this account)\n")
		}
		for _, r := range a.Resources {
			fmt.Fprintf(&b, "  + %s %q\n", r.Type, r.Name)
			for _, k := range spec.SortedKeys(r.Inputs) {
				fmt.Fprintf(&b, "      %s: %s\n", k, render(r.Inputs[k]))
			}
		}
		for _, k := range a.KeyPermissions {
			if k.Grant != "" {
				fmt.Fprintf(&b, "  key permission of %s (%s): grant %s, %s; %s\n", k.Role, k.Consumer, k.Grant, strings.Join(k.Operations, ", "), k.Constraint)
			} else {
				fmt.Fprintf(&b, "  key statements of %s (%s): %s, %s\n", k.Role, k.Consumer, strings.Join(k.Operations, ", "), k.Statement)
			}
		}
	}
	for _, d := range p.Documents {
		fmt.Fprintf(&b, "\n%s of %s:\n%s\n", d.Title, d.Resource, indent(d.Policy))
	}
	b.WriteString("\nOutputs:\n")
	writeOutputs(&b, "  ", p.Outputs)
	writeList(&b, "Warnings", p.Warnings)
	writeList(&b, "Not checked offline", p.NotChecked)
	if p.Preflight.Enabled {
		var lines []string
		for _, l := range p.Preflight.Lookups {
			lines = append(lines, l.Line)
		}
		writeList(&b, "Needs the live accounts (preflight: read-only lookups pulumi preview and pulumi up make before writing anything)", lines)
		var perms []string
		for _, account := range spec.SortedKeys(p.Preflight.Permissions) {
			perms = append(perms, fmt.Sprintf("account %s: %s", account, strings.Join(p.Preflight.Permissions[account], ", ")))
		}
		writeList(&b, "Read-only permissions preflight needs per account", perms)
	} else {
		writeList(&b, "Needs the live accounts", []string{"nothing: preflight is off (preflight: false); " + p.Preflight.Warning})
	}
	fmt.Fprintf(&b, "\nWhen destroyed:\n  %s\n", p.Destroy)
	b.WriteString("\nDeployer policy per account (attach it to the identity of that account's provider; go run ./cmd/plan --deployer-policy ACCOUNT prints it alone):\n")
	for _, d := range p.Deployers {
		fmt.Fprintf(&b, "\n  account %s (%s):\n%s\n", d.Account, strings.Join(d.Sides, ", "), indent(d.Policy))
	}
	return b.String()
}

// writeOutputs writes outputs one per line, nested maps (such as consumers) as indented blocks.
func writeOutputs(b *strings.Builder, indent string, outputs map[string]any) {
	for _, k := range spec.SortedKeys(outputs) {
		if nested, ok := outputs[k].(map[string]any); ok {
			fmt.Fprintf(b, "%s%s:\n", indent, k)
			writeOutputs(b, indent+"  ", nested)
			continue
		}
		v := render(outputs[k])
		if short, ok := longOutputs[k]; ok {
			v = short
		}
		fmt.Fprintf(b, "%s%s: %s\n", indent, k, v)
	}
}

func writeList(b *strings.Builder, title string, items []string) {
	fmt.Fprintf(b, "\n%s:\n", title)
	if len(items) == 0 {
		b.WriteString("  (none)\n")
	}
	for _, item := range items {
		fmt.Fprintf(b, "  - %s\n", item)
	}
}

// JSON renders the plan as one document, byte for byte the same for the same input.
func (p *Deployment) JSON() string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		panic("plan: " + err.Error()) // plain data built in this package always encodes
	}
	return buf.String()
}

func indent(doc json.RawMessage) string {
	var out bytes.Buffer
	if err := json.Indent(&out, doc, "  ", "  "); err != nil {
		return "  " + string(doc)
	}
	return "  " + out.String()
}

// render writes a value on one line: lists comma-separated, maps as sorted key=value.
func render(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, item := range x {
			parts[i] = render(item)
		}
		return strings.Join(parts, ", ")
	case []string:
		return strings.Join(x, ", ")
	case map[string]string:
		m := map[string]any{}
		for k, s := range x {
			m[k] = s
		}
		return render(m)
	case map[string]any:
		parts := []string{}
		for _, k := range spec.SortedKeys(x) {
			parts = append(parts, k+"="+render(x[k]))
		}
		return strings.Join(parts, ", ")
	case nil:
		return "(none)"
	}
	return fmt.Sprint(v)
}
