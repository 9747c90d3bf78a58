package policies

import (
	"fmt"
	"strings"
	"testing"

	"cross-account-s3/spec"
	goldenfile "cross-account-s3/testworld/golden"
)

// awsDataRego renders spec/data/*.txt (the S3 actions and the Regions by partition, each with its
// source in its header) as Rego, so that the pack and the Go validation judge with the same lists.
func awsDataRego() string {
	var b strings.Builder
	b.WriteString(`# Generated from spec/data/s3-actions.txt and spec/data/regions.txt (see their headers for the
# sources) by ` + "`go test ./policies/ -update`" + `; do not edit. TestAWSDataIsGeneratedFromSpecData
# fails when this file and those lists differ.
package cross_account_s3

import rego.v1

# Every S3 action AWS documents, lowercased: IAM action names are case-insensitive.
s3_actions := {
`)
	for _, a := range spec.S3Actions() {
		fmt.Fprintf(&b, "\t%q,\n", strings.ToLower(a.Name))
	}
	b.WriteString("}\n\n# The S3 actions of access level Write (\"Write\", \"Permissions management, Write\", \"Tagging, Write\"),\n# lowercased.\ns3_write_actions := {\n")
	for _, a := range spec.S3Actions() {
		if strings.Contains(a.AccessLevel, "Write") {
			fmt.Fprintf(&b, "\t%q,\n", strings.ToLower(a.Name))
		}
	}
	b.WriteString("}\n\n# The partition of each AWS Region.\nregion_partition := {\n")
	for _, r := range spec.Regions() {
		fmt.Fprintf(&b, "\t%q: %q,\n", r.Name, r.Partition)
	}
	b.WriteString("}\n")
	return b.String()
}

func TestAWSDataIsGeneratedFromSpecData(t *testing.T) {
	goldenfile.Compare(t, "aws_data.rego", awsDataRego())
}
