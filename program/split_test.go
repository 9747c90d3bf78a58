package program

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"cross-account-s3/testworld/golden"
	"cross-account-s3/tools/offline"
	"cross-account-s3/tools/stackfile"
)

// splitValues are the config values of one of examples/split's stack files.
func splitValues(t *testing.T, name string) map[string]string {
	t.Helper()
	st, err := stackfile.LoadFile("../Pulumi.yaml", "../examples/split/Pulumi."+name+".yaml", name)
	if err != nil {
		t.Fatal(err)
	}
	return st.Values
}

// runSplit runs one stack of examples/split under the mocks, pins its URNs (in
// testdata/urns/split-<name>.txt), checks that everything sits at the stack's root, and returns
// its outputs.
func runSplit(t *testing.T, m *offline.Mocks, name string) map[string]any {
	t.Helper()
	outputs, err := m.RunOutputs(name, Outputs, splitValues(t, name))
	if err != nil {
		t.Fatal(err)
	}
	var urns []string
	for _, r := range m.Resources {
		urns = append(urns, string(r.URN(name)))
		if r.Parent != "" && !strings.Contains(r.Parent, "::pulumi:pulumi:Stack::") {
			t.Errorf("%s: %s %s is under %s; split stacks register at the root", name, r.Type, r.Name, r.Parent)
		}
	}
	sort.Strings(urns)
	golden.Compare(t, filepath.Join("testdata", "urns", "split-"+name+".txt"), strings.Join(urns, "\n")+"\n")
	return outputs
}

// The split examples under the mocks: each consumer stack registers only its account's provider
// and resources, the owner only the bucket owner's, and the owner's bucket policy, built from the
// consumer stacks' crossAccountS3, is the single-stack example's (several-accounts) byte for byte.
func TestTheSplitExamplesUnderMocks(t *testing.T) {
	reads := map[string]map[string]any{}
	for _, name := range []string{"consumer-222222222222", "consumer-333333333333"} {
		m := &offline.Mocks{}
		outputs := runSplit(t, m, name)
		if _, ok := outputs["bucketPolicy"]; ok {
			t.Errorf("%s exports a bucket policy", name)
		}
		for _, p := range m.OfType("pulumi:providers:aws") {
			if p.Name != name {
				t.Errorf("%s registers provider %s", name, p.Name)
			}
		}
		reads["organization/cross-account-s3/"+name] = map[string]any{"crossAccountS3": outputs["crossAccountS3"]}
	}
	m := &offline.Mocks{StackOutputs: reads}
	outputs := runSplit(t, m, "owner")
	var providers []string
	for _, p := range m.OfType("pulumi:providers:aws") {
		providers = append(providers, p.Name)
	}
	if strings.Join(providers, ",") != "bucket-owner" {
		t.Errorf("the owner registers providers %v, want bucket-owner only", providers)
	}
	single := &offline.Mocks{}
	st, err := stackfile.LoadFile("../Pulumi.yaml", "../examples/Pulumi.several-accounts.yaml", "several-accounts")
	if err != nil {
		t.Fatal(err)
	}
	want, err := single.RunOutputs("several-accounts", Outputs, st.Values)
	if err != nil {
		t.Fatal(err)
	}
	if outputs["bucketPolicy"] != want["bucketPolicy"] {
		t.Errorf("the owner's bucket policy:\n%v\nwant the single-stack example's:\n%v", outputs["bucketPolicy"], want["bucketPolicy"])
	}
	status, _ := outputs["consumerStackStatus"].(map[string]any)
	if len(status) != 2 {
		t.Errorf("consumerStackStatus %v", status)
	}
	for name, s := range status {
		if st := s.(map[string]any); st["status"] != "ok" || st["action"] != "granted" {
			t.Errorf("%s: %v", name, st)
		}
	}
}
