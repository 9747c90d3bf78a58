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

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
