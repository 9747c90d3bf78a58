package stackconfig

import (
	"flag"
	"os"
	"strings"
	"testing"
)

// update rewrites the generated tables of docs/configuration.md and docs/consumers.md, as -update rewrites the golden
// files of the packages that use testworld/golden (which this package's tests do not import: the
// two would define the same flag).
var update = flag.Bool("update", false, "rewrite the generated tables of docs/configuration.md and docs/consumers.md")

const (
	referencePage  = "../docs/configuration.md"
	referenceBegin = "<!-- BEGIN GENERATED: config keys (go test ./stackconfig -run TestConfigurationReferenceIsCurrent -update) -->\n"
	mappingPage    = "../docs/consumers.md"
	mappingBegin   = "<!-- BEGIN GENERATED: single-consumer keys in the list form (go test ./stackconfig -run TestConsumersMappingIsCurrent -update) -->\n"
	generatedEnd   = "<!-- END GENERATED -->\n"
)

// docs/configuration.md's key table is ReferenceTable, byte for byte: it is generated from Keys,
// and this test fails, saying how to regenerate it, when Keys changed and the page did not.
func TestConfigurationReferenceIsCurrent(t *testing.T) {
	checkGenerated(t, referencePage, referenceBegin, ReferenceTable(),
		"go test ./stackconfig -run TestConfigurationReferenceIsCurrent -update")
}

// docs/consumers.md's table of the single-consumer keys in the list form is MappingTable.
func TestConsumersMappingIsCurrent(t *testing.T) {
	checkGenerated(t, mappingPage, mappingBegin, MappingTable(),
		"go test ./stackconfig -run TestConsumersMappingIsCurrent -update")
}

// checkGenerated compares the block of page between begin and generatedEnd with want, or with
// -update writes want there.
func checkGenerated(t *testing.T, pagePath, begin, want, regenerate string) {
	t.Helper()
	text, err := os.ReadFile(pagePath)
	if err != nil {
		t.Fatal(err)
	}
	page := string(text)
	start := strings.Index(page, begin)
	end := -1
	if start >= 0 {
		if i := strings.Index(page[start:], generatedEnd); i >= 0 {
			end = start + i
		}
	}
	if start < 0 || end < 0 {
		t.Fatalf("%s has no generated table: put the lines\n%s%sin it, then run %s", pagePath, begin, generatedEnd, regenerate)
	}
	body := start + len(begin)
	if *update {
		page = page[:body] + want + page[end:]
		if err := os.WriteFile(pagePath, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := page[body:end]; got != want {
		t.Errorf("%s's table differs from stackconfig.Keys (change Keys, not the table): regenerate it with\n  %s\nand review the diff.\n got:\n%s\nwant:\n%s", pagePath, regenerate, got, want)
	}
}

// The table says of each key what Keys says, in the words the page's legend explains.
func TestReferenceTableRows(t *testing.T) {
	rows := map[string]string{}
	for _, line := range strings.Split(ReferenceTable(), "\n") {
		if name, _, ok := strings.Cut(strings.TrimPrefix(line, "| `"), "` |"); ok && strings.HasPrefix(line, "| `") {
			rows[name] = line
		}
	}
	if len(rows) != len(Keys) {
		t.Errorf("the table has %d key rows, Keys %d", len(rows), len(Keys))
	}
	for name, want := range map[string]string{
		KeyBucketAccountID:       "| `bucketAccountId` | any | string | yes |  |  |  | ",
		KeyBucketExternalID:      "| `bucketExternalId` | owner | string |  |  | yes (`--secret`) |  | ",
		KeyConsumerRoleARNs:      "| `consumerRoleArns` | consumer | list of strings | single-consumer form |  |  | `roleArns` | ",
		KeyActions:               "| `actions` | any | list of strings |  | `[s3:GetObject, s3:PutObject]` |  | `actions` (default: this key) | ",
		KeyConsumerStacks:        "| `consumerStacks` | owner stack only | list of maps | with `side: owner` |  |  |  | ",
		KeyMissingConsumerStacks: "| `missingConsumerStacks` | owner stack only | string |  | `fail` |  |  | ",
		KeyTags:                  "| `tags` | any | map of strings |  |  |  |  | ",
	} {
		if !strings.HasPrefix(rows[name], want) {
			t.Errorf("row of %s:\n got %q\nwant it to start %q", name, rows[name], want)
		}
	}
	for _, k := range Keys {
		if !strings.HasSuffix(rows[k.Name], " | "+cell(k.Doc)+" |") {
			t.Errorf("row of %s does not end with its Doc: %q", k.Name, rows[k.Name])
		}
	}
}
