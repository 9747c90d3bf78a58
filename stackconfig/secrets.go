package stackconfig

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// Secrets inside a list.
//
// Pulumi tells a program only which keys hold a secret (PULUMI_CONFIG_SECRET_KEYS, RunInfo's
// ConfigSecretKeys, Context.IsConfigSecret): a list key is secret as a whole as soon as one value
// in it is, and the values arrive decrypted. (RunRequest's configPropertyMap, which would mark
// secrets per value, is deprecated, and the engine of this SDK, v3.274, leaves it unset.) So the
// program cannot tell from the engine that consumers[1].externalId is plain text when
// consumers[0].externalId is encrypted. The stack file can: each value set with
// `pulumi config set --secret --path` is stored there as {secure: ...}, in place.
//
// NestedSecrets are those paths. The offline plan reads them with the stack file
// (tools/stackfile); the program reads its own stack file (ProgramNestedSecrets). Where no
// stack file can be read, or it does not hold the key with the values the engine passed (another
// config file, an ESC environment, an inline Automation API program), the key is judged as a
// whole, as Pulumi reports it.

// NestedSecrets are, per key of the project's namespace that a stack file sets (bare name), the
// paths of the encrypted values in it: "consumers[1].externalId", or the key itself for a value
// encrypted whole. A key absent from the map is one whose values the source cannot tell apart.
type NestedSecrets map[string]map[string]bool

// NestedSecretSource is a Source that knows which values inside its keys are encrypted. A Source
// without it is the running program's: LoadAll then reads the program's own stack file.
type NestedSecretSource interface {
	NestedSecrets() NestedSecrets
}

// NestedSecrets implements NestedSecretSource.
func (m MapSource) NestedSecrets() NestedSecrets { return m.Nested }

// NestedSecretsOf finds the encrypted values of a stack's config, for the keys of project's
// namespace, as the Pulumi CLI's loader read them from the stack file.
func NestedSecretsOf(cfg config.Map, project string) NestedSecrets {
	out := NestedSecrets{}
	for key, value := range cfg {
		if key.Namespace() != project {
			continue
		}
		paths := map[string]bool{}
		if value.Secure() {
			obj, err := value.ToObject()
			if err != nil {
				continue // unreadable: leave the key to the whole-key check
			}
			if _, whole := obj.(string); whole {
				paths[key.Name()] = true
			} else {
				securePaths(key.Name(), obj, paths)
			}
		}
		out[key.Name()] = paths
	}
	return out
}

// securePaths collects the paths of the values {secure: ciphertext} (config.Value.ToObject's form
// of an encrypted value below the top level) in v.
func securePaths(path string, v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		if ciphertext, ok := x["secure"].(string); ok && len(x) == 1 && ciphertext != "" {
			out[path] = true
			return
		}
		for k, e := range x {
			securePaths(path+"."+k, e, out)
		}
	case []any:
		for i, e := range x {
			securePaths(fmt.Sprintf("%s[%d]", path, i), e, out)
		}
	}
}

// ProgramNestedSecrets reads the running program's stack file: Pulumi.<stack>.yaml next to the
// project's Pulumi.yaml (or in its stackConfigDir), the stack and directory being those the Go
// language host gives the program (PULUMI_STACK; PULUMI_ROOT_DIRECTORY, else the working
// directory). It keeps only the keys whose value in the file is the value get returns (the
// engine's), encrypted places aside: a file that says otherwise (another config file was used,
// or an environment sets the key) is no witness of which values are encrypted. It returns nil,
// and why, when there is no such file to read: under test mocks and in inline Automation API
// programs PULUMI_STACK is unset.
func ProgramNestedSecrets(get func(key string) (string, bool)) (NestedSecrets, string) {
	stack := os.Getenv("PULUMI_STACK")
	if stack == "" {
		return nil, "PULUMI_STACK is not set"
	}
	if i := strings.LastIndex(stack, "/"); i >= 0 {
		stack = stack[i+1:] // org/project/stack: the file is named after the stack alone
	}
	dir := os.Getenv("PULUMI_ROOT_DIRECTORY")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err.Error()
		}
		dir = wd
	}
	projectPath, err := workspace.DetectProjectPathFrom(dir)
	if err != nil {
		return nil, err.Error()
	}
	project, err := workspace.LoadProject(projectPath)
	if err != nil {
		return nil, err.Error()
	}
	path := workspace.ProjectStackPath(projectPath, project, tokens.QName(stack))
	if _, err := os.Stat(path); err != nil {
		return nil, err.Error()
	}
	ps, err := workspace.LoadProjectStack(diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never}), project, path)
	if err != nil {
		return nil, err.Error()
	}
	return witnessed(ps.Config, project.Name.String(), get), filepath.Base(path)
}

// witnessed is NestedSecretsOf for the keys whose file value matches get's.
func witnessed(cfg config.Map, project string, get func(string) (string, bool)) NestedSecrets {
	all := NestedSecretsOf(cfg, project)
	out := NestedSecrets{}
	for key, value := range cfg {
		paths, ok := all[key.Name()]
		if !ok {
			continue
		}
		raw, set := get(key.Name())
		if !set {
			continue
		}
		var file, engine any
		if obj, err := value.ToObject(); err != nil || !normalize(obj, &file) {
			continue
		}
		if json.Unmarshal([]byte(raw), &engine) != nil {
			engine = raw // a plain string value
		}
		if sameValue(key.Name(), file, engine, paths) {
			out[key.Name()] = paths
		}
	}
	return out
}

// normalize gives v the types JSON decoding gives (numbers as float64).
func normalize(v any, out *any) bool {
	b, err := json.Marshal(v)
	return err == nil && json.Unmarshal(b, out) == nil
}

// sameValue: file and engine are equal, except at the encrypted paths, where any value goes (the
// engine's is decrypted).
func sameValue(path string, file, engine any, secure map[string]bool) bool {
	if secure[path] {
		return true
	}
	switch f := file.(type) {
	case map[string]any:
		e, ok := engine.(map[string]any)
		if !ok || len(e) != len(f) {
			return false
		}
		for k, fv := range f {
			ev, ok := e[k]
			if !ok || !sameValue(path+"."+k, fv, ev, secure) {
				return false
			}
		}
		return true
	case []any:
		e, ok := engine.([]any)
		if !ok || len(e) != len(f) {
			return false
		}
		for i := range f {
			if !sameValue(fmt.Sprintf("%s[%d]", path, i), f[i], e[i], secure) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(file, engine)
}

// nestedSecrets are the source's NestedSecrets or, for the running program's source, its stack
// file's.
func nestedSecrets(src Source) NestedSecrets {
	if n, ok := src.(NestedSecretSource); ok {
		return n.NestedSecrets()
	}
	nested, _ := ProgramNestedSecrets(src.Get)
	return nested
}
