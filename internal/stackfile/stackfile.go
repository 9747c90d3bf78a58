// Package stackfile reads Pulumi.yaml and Pulumi.<stack>.yaml with the Pulumi CLI's own loaders,
// so that tools can evaluate a stack's configuration without the CLI, a backend or credentials.
// Secure values are never decrypted.
package stackfile

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"cross-account-s3/internal/stackconfig"
)

// Secret is what a secure value reads as: it is never decrypted.
const Secret = "[secret]"

// Stack is one stack's configuration as the CLI would hand it to the program.
type Stack struct {
	Project string
	Name    string
	// Values are the project namespace's keys (bare), project defaults applied; secure values
	// read as Secret.
	Values  map[string]string
	Secrets map[string]bool
	// Other holds keys of other namespaces ("aws:region", "pulumi:..."), full key to value.
	Other map[string]string
}

// Load reads dir/Pulumi.yaml and dir/Pulumi.<stack>.yaml.
func Load(dir, stack string) (*Stack, error) {
	project, err := workspace.LoadProject(filepath.Join(dir, "Pulumi.yaml"))
	if err != nil {
		return nil, fmt.Errorf("reading Pulumi.yaml: %w", err)
	}
	path := filepath.Join(dir, "Pulumi."+stack+".yaml")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no stack file %s for stack %q: create it (pulumi stack init %s, then pulumi config set ...), or copy Pulumi.dev.yaml", path, stack, stack)
	}
	sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never})
	ps, err := workspace.LoadProjectStack(sink, project, path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	s := &Stack{
		Project: project.Name.String(), Name: stack,
		Values: map[string]string{}, Secrets: map[string]bool{}, Other: map[string]string{},
	}
	if err := s.applyDefaults(project); err != nil {
		return nil, err
	}
	for key, value := range ps.Config {
		text, err := value.Value(config.NewBlindingDecrypter())
		if err != nil {
			return nil, fmt.Errorf("reading %s: key %s: %w", path, key, err)
		}
		if key.Namespace() != s.Project {
			s.Other[key.String()] = text
			continue
		}
		s.Values[key.Name()] = text
		s.Secrets[key.Name()] = value.Secure()
	}
	return s, nil
}

// applyDefaults sets the defaults Pulumi.yaml declares, as the CLI does for keys a stack lacks.
func (s *Stack) applyDefaults(project *workspace.Project) error {
	for key, decl := range project.Config {
		name := strings.TrimPrefix(key, s.Project+":")
		if strings.Contains(name, ":") {
			if decl.Value != nil {
				s.Other[key] = encode(decl.Value)
			}
			continue
		}
		if decl.Default != nil {
			s.Values[name] = encode(decl.Default)
		}
	}
	return nil
}

func encode(v any) string {
	if str, ok := v.(string); ok {
		return str
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Source is the project namespace as the program's config source.
func (s *Stack) Source() stackconfig.MapSource {
	return stackconfig.MapSource{Values: s.Values, Secrets: s.Secrets}
}

// Keys lists the project keys, sorted.
func (s *Stack) Keys() []string {
	keys := make([]string, 0, len(s.Values))
	for k := range s.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
