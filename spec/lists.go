package spec

import "sort"

// duplicates returns, in first-seen order, each value that occurs more than once.
func duplicates(values []string) []string {
	seen := map[string]int{}
	var dups []string
	for _, v := range values {
		seen[v]++
		if seen[v] == 2 {
			dups = append(dups, v)
		}
	}
	return dups
}

// SortedKeys are the keys of m, sorted.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// AsList is a JSON value as a list: nil for null, an array as it is, any other value as a list of
// one. It reads policy elements (one value or an array of them) and lookups' answers alike.
func AsList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return []any{v}
}
