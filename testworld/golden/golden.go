// Package golden compares test output with files kept under testdata, byte for byte, and rewrites
// them when the tests run with -update.
package golden

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files with the current output")

// Compare fails t unless the file at path holds exactly want. With -update it writes the file first.
func Compare(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from its golden file (go test -update rewrites it; review the diff)\n got: %s\nwant: %s", path, got, want)
	}
}
