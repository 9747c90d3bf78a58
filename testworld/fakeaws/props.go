package main

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"

	"cross-account-s3/tools/offline"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// unknown stands for a value not known yet (preview) in plain values.
type unknown struct{}

// plain turns a property value into JSON-like Go values (offline.Plain). Secrets are unwrapped,
// or replaced by "[secret]" when redact is set (for the log); unknowns become unknown{}, or
// "[unknown]" when redacting.
func plain(v resource.PropertyValue, redact bool) any {
	if redact {
		return offline.Plain(v, "[secret]", "[unknown]")
	}
	return offline.Plain(v, nil, unknown{})
}

func plainMap(m resource.PropertyMap, redact bool) map[string]any {
	if redact {
		return offline.PlainMap(m, "[secret]", "[unknown]")
	}
	return offline.PlainMap(m, nil, unknown{})
}

// logged is what the op log keeps of a property map.
func logged(m resource.PropertyMap) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return plainMap(m, true)
}

// decodeJSONString turns a JSON-encoded array or object (as non-string provider config may
// arrive) into its value; anything else is returned as is.
func decodeJSONString(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "[") && !strings.HasPrefix(t, "{") {
		return v
	}
	var out any
	if err := json.Unmarshal([]byte(t), &out); err != nil {
		return v
	}
	return out
}

func getPlain(m resource.PropertyMap, key string) any {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return nil
	}
	return plain(v, false)
}

func isUnknown(v any) bool {
	_, ok := v.(unknown)
	return ok
}

// str is a string input ("" when absent, null or unknown).
func str(m resource.PropertyMap, key string) string {
	s, _ := getPlain(m, key).(string)
	return s
}

// strs is a list-of-strings input: an array, a JSON-encoded array, or one string.
func strs(m resource.PropertyMap, key string) []string {
	return toStrings(decodeJSONString(getPlain(m, key)))
}

func toStrings(v any) []string {
	switch t := v.(type) {
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		if t == "" {
			return nil
		}
		return []string{t}
	}
	return nil
}

// object is an object input: an object or a JSON-encoded one.
func object(m resource.PropertyMap, key string) map[string]any {
	o, _ := decodeJSONString(getPlain(m, key)).(map[string]any)
	return o
}

func toStringMap(v any) map[string]string {
	o, _ := decodeJSONString(v).(map[string]any)
	if len(o) == 0 {
		return nil
	}
	out := make(map[string]string, len(o))
	for k, e := range o {
		if s, ok := e.(string); ok {
			out[k] = s
		}
	}
	return out
}

// sortedSet returns the distinct strings, sorted.
func sortedSet(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}

// setKeys are list inputs that the provider treats as sets (TypeSet upstream): order is no change.
var setKeys = map[string]bool{
	"routeTableIds":       true,
	"securityGroupIds":    true,
	"subnetIds":           true,
	"allowedAccountIds":   true,
	"operations":          true,
	"grantCreationTokens": true,
}

// policyKeys hold JSON documents: equivalent JSON is no change (upstream suppresses such diffs).
var policyKeys = map[string]bool{"policy": true}

// normalize makes absent, null, "" and empty lists and maps the same, and decodes JSON strings.
func normalize(key string, v any) any {
	v = decodeJSONString(v)
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		if t == "" {
			return nil
		}
	case []any:
		if len(t) == 0 {
			return nil
		}
		if setKeys[key] {
			ss := sortedSet(toStrings(t))
			out := make([]any, len(ss))
			for i, s := range ss {
				out[i] = s
			}
			return out
		}
	case map[string]any:
		if len(t) == 0 {
			return nil
		}
	}
	return v
}

// sameValue reports whether an input's old and new values are the same to the provider. An
// unknown new value is a change.
func sameValue(key string, old, new any) bool {
	if isUnknown(old) || isUnknown(new) || containsUnknown(new) {
		return false
	}
	if policyKeys[key] {
		os, ok1 := old.(string)
		ns, ok2 := new.(string)
		if ok1 && ok2 {
			var ov, nv any
			if json.Unmarshal([]byte(os), &ov) == nil && json.Unmarshal([]byte(ns), &nv) == nil {
				return reflect.DeepEqual(ov, nv)
			}
		}
	}
	return reflect.DeepEqual(normalize(key, old), normalize(key, new))
}

func containsUnknown(v any) bool {
	switch t := v.(type) {
	case unknown:
		return true
	case []any:
		return slices.ContainsFunc(t, containsUnknown)
	case map[string]any:
		for _, e := range t {
			if containsUnknown(e) {
				return true
			}
		}
	}
	return false
}

// computed is an output not known until the resource exists.
func computed() resource.PropertyValue {
	return resource.MakeComputed(resource.NewStringProperty(""))
}

// outputs builds a property map from plain Go values (strings, []string, map[string]string, ...).
func outputs(m map[string]any) resource.PropertyMap {
	return resource.NewPropertyMapFromMap(m)
}
