package policies

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// The pack is evaluated as Pulumi's policy-opa analyzer does: every .rego file under this folder
// compiled together in Rego v0 mode, each deny*/violation*/warn* rule queried on its own with one
// resource as input, each stack_* rule with input.resources.
var (
	mandatory      = regexp.MustCompile(`^(deny|violation)(_[a-zA-Z0-9]+)*$`)
	advisory       = regexp.MustCompile(`^warn(_[a-zA-Z0-9]+)*$`)
	stackMandatory = regexp.MustCompile(`^stack_(deny|violation)(_[a-zA-Z0-9]+)*$`)
	stackAdvisory  = regexp.MustCompile(`^stack_warn(_[a-zA-Z0-9]+)*$`)
)

type pack struct {
	name     string
	compiler *ast.Compiler
	resource []string // rule names evaluated per resource
	stack    []string // rule names evaluated once per stack
}

func loadPack(t *testing.T) *pack {
	t.Helper()
	modules := map[string]string{}
	err := filepath.Walk(".", func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || filepath.Ext(path) != ".rego" {
			return err
		}
		b, err := os.ReadFile(path)
		modules[strings.TrimSuffix(path, ".rego")] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	compiler, err := ast.CompileModulesWithOpt(modules, ast.CompileOpts{
		ParserOptions: ast.ParserOptions{RegoVersion: ast.RegoV0},
	})
	if err != nil {
		t.Fatalf("the pack does not compile as the analyzer compiles it: %v", err)
	}
	p := &pack{compiler: compiler}
	seen := map[string]bool{}
	for file, module := range compiler.Modules {
		pkg := strings.TrimPrefix(module.Package.String(), "package ")
		if p.name == "" {
			p.name = pkg
		} else if pkg != p.name {
			t.Fatalf("%s is in package %s, not %s: a pack is one package", file, pkg, p.name)
		}
		for _, rule := range module.Rules {
			name := rule.Head.Name.String()
			switch {
			case stackMandatory.MatchString(name) || stackAdvisory.MatchString(name):
				if !seen[name] {
					p.stack = append(p.stack, name)
				}
			case mandatory.MatchString(name) || advisory.MatchString(name):
				if !seen[name] {
					p.resource = append(p.resource, name)
				}
			default:
				continue
			}
			if seen[name] {
				t.Errorf("rule %s has more than one definition; the analyzer warns and lists it once", name)
			}
			seen[name] = true
		}
	}
	sort.Strings(p.resource)
	sort.Strings(p.stack)
	return p
}

// finding is one message of one rule.
type finding struct{ rule, msg string }

func (f finding) String() string { return f.rule + ": " + f.msg }

func (p *pack) eval(t *testing.T, rules []string, input any) []finding {
	t.Helper()
	var out []finding
	for _, rule := range rules {
		rs, err := rego.New(
			rego.Query(fmt.Sprintf("data.%s.%s", p.name, rule)),
			rego.Compiler(p.compiler),
			rego.Input(input),
			rego.SetRegoVersion(ast.RegoV0),
		).Eval(context.Background())
		if err != nil {
			t.Fatalf("evaluating %s: %v", rule, err)
		}
		for _, r := range rs {
			for _, e := range r.Expressions {
				msgs, _ := e.Value.([]any)
				for _, m := range msgs {
					out = append(out, finding{rule, fmt.Sprint(m)})
				}
			}
		}
	}
	return out
}

// checkResource evaluates the per-resource rules on one resource.
func (p *pack) checkResource(t *testing.T, r analyzerResource) []finding {
	return p.eval(t, p.resource, r.input())
}

// checkStack evaluates the stack rules on all resources.
func (p *pack) checkStack(t *testing.T, rs ...analyzerResource) []finding {
	var list []any
	for _, r := range rs {
		list = append(list, r.input())
	}
	return p.eval(t, p.stack, map[string]any{"resources": list})
}

// analyzerResource is a resource as the analyzer describes it.
type analyzerResource struct {
	Type       string
	Name       string
	Properties map[string]any
	Provider   map[string]any // type, name, urn, properties; nil for none
}

// input mirrors the analyzer's buildOPAInput: metadata, then the properties on top.
func (r analyzerResource) input() map[string]any {
	urn := "urn:pulumi:dev::cross-account-s3::" + r.Type + "::" + r.Name
	provider := r.Provider
	if provider == nil {
		provider = map[string]any{}
	}
	obj := map[string]any{
		"type": r.Type, "urn": urn, "name": r.Name, "__name": r.Name,
		"options":    map[string]any{"protect": false, "parent": ""},
		"provider":   provider,
		"properties": r.Properties,
	}
	for k, v := range r.Properties {
		obj[k] = v
	}
	obj["__type"], obj["__urn"], obj["__provider"], obj["__properties"] = r.Type, urn, provider, r.Properties
	return obj
}

func provider(name, account, region string) map[string]any {
	return map[string]any{
		"type": "pulumi:providers:aws", "name": name,
		"urn":        "urn:pulumi:dev::cross-account-s3::pulumi:providers:aws::" + name,
		"properties": map[string]any{"region": region, "allowedAccountIds": []any{account}},
	}
}
