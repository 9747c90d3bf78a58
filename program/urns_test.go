package program

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"cross-account-s3/stackconfig"
	"cross-account-s3/testworld/golden"
	"cross-account-s3/tools/offline"
	"cross-account-s3/tools/stackfile"
)

// The URN of every resource of every example stack, pinned. A URN that changes is a resource the
// engine replaces (and, for a bucket policy or an inline role policy, a document it deletes right
// after writing it), so a change to a logical name, a type token or a parent must show up here
// first, reviewed, with an alias for the old URN where resources are already deployed.
func TestEveryExampleKeepsItsURNs(t *testing.T) {
	files, err := filepath.Glob("../examples/Pulumi.*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml")
		t.Run(name, func(t *testing.T) {
			st, err := stackfile.LoadFile("../Pulumi.yaml", f, name)
			if err != nil {
				t.Fatal(err)
			}
			values := map[string]string{}
			for k, v := range st.Values {
				if v == stackfile.Secret {
					v = "not-decrypted" // secrets never shape a URN
				}
				values[k] = v
			}
			s, _, problems := stackconfig.Load(stackconfig.MapSource{Values: values, Secrets: st.Secrets})
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			m := &offline.Mocks{Endpoints: offline.AdoptedEndpoints(s, offline.PrefixListID, func(string) string { return "{}" })}
			if err := m.Run(Run, values, secretKeys(st)...); err != nil {
				t.Fatal(err)
			}
			var urns []string
			for _, r := range m.Resources {
				urns = append(urns, string(r.URN(offline.Stack)))
			}
			sort.Strings(urns)
			golden.Compare(t, filepath.Join("testdata", "urns", name+".txt"), strings.Join(urns, "\n")+"\n")
		})
	}
}

func secretKeys(st *stackfile.Stack) []string {
	var keys []string
	for k, secret := range st.Secrets {
		if secret {
			keys = append(keys, k)
		}
	}
	return keys
}
