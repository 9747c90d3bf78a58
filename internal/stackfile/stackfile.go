// Package stackfile reads Pulumi.yaml and Pulumi.<stack>.yaml with the Pulumi CLI's own loaders
// and validates the config with the CLI's own code, so that tools can evaluate a stack's
// configuration without the CLI, a backend or credentials, and refuse exactly what the CLI refuses.
// Secure values are never decrypted.
package stackfile

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	cliworkspace "github.com/pulumi/pulumi/pkg/v3/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/esc"
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
	return LoadFile(filepath.Join(dir, "Pulumi.yaml"), filepath.Join(dir, "Pulumi."+stack+".yaml"), stack)
}

// ConfigError is a stack the Pulumi CLI refuses before the program runs: its words, exactly.
type ConfigError struct{ Err error }

func (e ConfigError) Error() string { return "validating stack config: " + e.Err.Error() }

func (e ConfigError) Unwrap() error { return e.Err }

// LoadFile reads a project file and a stack file, which may live anywhere (an example under
// examples/, say), and validates the stack's config as `pulumi preview` does before it runs the
// program: with the CLI's own code, so required keys, declared types and defaults behave the same.
// A stack the CLI would refuse is a ConfigError.
func LoadFile(projectPath, stackPath, stack string) (*Stack, error) {
	project, err := workspace.LoadProject(projectPath)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", projectPath, err)
	}
	if _, err := os.Stat(stackPath); err != nil {
		return nil, fmt.Errorf("no stack file %s for stack %q: copy an example from examples/ to Pulumi.%s.yaml and edit it", stackPath, stack, stack)
	}
	sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never})
	ps, err := workspace.LoadProjectStack(sink, project, stackPath)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", stackPath, err)
	}
	// The CLI's check, which also merges Pulumi.yaml's defaults into the map. Secure values are
	// blinded, never decrypted.
	if err := cliworkspace.ValidateStackConfigAndApplyProjectConfig(context.Background(), stack, project,
		esc.Value{}, ps.Config, config.NopEncrypter, config.NewBlindingDecrypter()); err != nil {
		return nil, ConfigError{err}
	}
	s := &Stack{
		Project: project.Name.String(), Name: stack,
		Values: map[string]string{}, Secrets: map[string]bool{}, Other: map[string]string{},
	}
	for key, value := range ps.Config {
		text, err := value.Value(config.NewBlindingDecrypter())
		if err != nil {
			return nil, fmt.Errorf("reading %s: key %s: %w", stackPath, key, err)
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
