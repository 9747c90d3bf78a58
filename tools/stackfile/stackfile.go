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
	"slices"
	"sort"
	"strings"

	cliworkspace "github.com/pulumi/pulumi/pkg/v3/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/esc"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"gopkg.in/yaml.v3"

	"cross-account-s3/stackconfig"
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
	// Nested are the encrypted values inside the project's keys, by path
	// ("consumers[1].externalId"): Secrets says only that a key holds one.
	Nested stackconfig.NestedSecrets
	// Other holds keys of other namespaces ("aws:region", "pulumi:..."), full key to value.
	Other map[string]string
}

// Load reads dir/Pulumi.yaml and dir/Pulumi.<stack>.yaml.
func Load(dir, stack string) (*Stack, error) {
	return LoadFile(filepath.Join(dir, "Pulumi.yaml"), filepath.Join(dir, "Pulumi."+stack+".yaml"), stack)
}

// ConfigError is a stack the Pulumi CLI refuses before the program runs: its words, exactly, then
// hints at the usual cause when the file shows one (the CLI gives none).
type ConfigError struct {
	Err   error
	Hints []string
}

func (e ConfigError) Error() string {
	msg := "validating stack config: " + e.Err.Error()
	for _, h := range e.Hints {
		msg += "\n  hint: " + h
	}
	return msg
}

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
		return nil, ConfigError{Err: err, Hints: hints(stackPath, project.Name.String())}
	}
	s := &Stack{
		Project: project.Name.String(), Name: stack,
		Values: map[string]string{}, Secrets: map[string]bool{}, Other: map[string]string{},
		Nested: stackconfig.NestedSecretsOf(ps.Config, project.Name.String()),
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

// stackFileKeys are the top-level keys Pulumi reads in a stack file.
var stackFileKeys = []string{"config", "encryptionsalt", "secretsprovider", "encryptedkey", "environment"}

// hints explains the two mistakes that make every key look missing: config written under another
// top-level key, and keys written in another namespace than the project's. It reads the file as
// written (the CLI has merged Pulumi.yaml's defaults into the config by then).
func hints(path, project string) []string {
	text, err := os.ReadFile(path)
	var top map[string]any
	if err != nil || yaml.Unmarshal(text, &top) != nil {
		return nil
	}
	var out []string
	for key := range top {
		if !slices.Contains(stackFileKeys, key) {
			out = append(out, fmt.Sprintf("%s has a top-level key %q, which Pulumi does not read; the keys go under config:", path, key))
		}
	}
	cfg, _ := top["config"].(map[string]any)
	others := map[string]bool{}
	ours := false
	for key := range cfg {
		switch ns, _, _ := strings.Cut(key, ":"); ns {
		case project:
			ours = true
		case "aws", "pulumi":
		default:
			others[ns] = true
		}
	}
	for ns := range others {
		out = append(out, fmt.Sprintf("%s sets keys of namespace %q, which this project does not read; write them as %s:KEY", path, ns, project))
	}
	if !ours && len(others) == 0 && len(out) == 0 {
		out = append(out, fmt.Sprintf("%s sets no key of this project's namespace %q", path, project))
	}
	sort.Strings(out)
	return out
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
	return stackconfig.MapSource{Values: s.Values, Secrets: s.Secrets, Nested: s.Nested}
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
