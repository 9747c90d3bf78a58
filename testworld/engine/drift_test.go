package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
)

// The nightly drift job (examples/ci/drift.yml) runs `pulumi preview --expect-no-changes` on each
// stack. On a deployed stack it passes; once the live bucket policy gained a statement, or one of
// its statements changed, it fails, and its error names the stack's statement that drifted.
func TestEngineDriftJobFailsOnATamperedPolicy(t *testing.T) {
	e := newEngine(t, "dev", preflightStack, preflightWorld())
	if r := e.run("up"); r.err != nil {
		t.Fatalf("up: %v\n%s", r.err, r.output)
	}
	driftJob := func() error {
		e.setProgramConfig(context.Background())
		_, err := e.stack.Preview(context.Background(), optpreview.ExpectNoChanges())
		return err
	}
	if err := driftJob(); err != nil {
		t.Fatalf("the drift job fails on a stack as deployed: %v", err)
	}
	wrote := e.world().Buckets["shared-data"].Policy
	for name, tampered := range map[string]string{
		"a statement added":   strings.Replace(wrote, `"Statement":[`, `"Statement":[{"Sid":"Extra","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"},`, 1),
		"a statement changed": strings.Replace(wrote, `"s3:PutObject"`, `"s3:PutObject","s3:DeleteObject"`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			if tampered == wrote {
				t.Fatal("the edit changed nothing")
			}
			setPolicy(t, e, tampered)
			defer setPolicy(t, e, wrote)
			err := driftJob()
			if err == nil {
				t.Fatal("the drift job passes on a tampered bucket policy")
			}
			for _, want := range []string{"is not the document this stack wrote in its last update", "out of band"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the drift job's error lacks %q:\n%v", want, err)
				}
			}
		})
	}
}
