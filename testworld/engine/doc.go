// Package engine runs the stack's program on the real Pulumi engine: the Pulumi CLI built by
// testworld/pulumicli/build.sh, the program served in-process by the Automation API (so no Go
// language plugin is needed), the repo's own Pulumi.yaml in the work dir (so the CLI applies the
// project's config schema exactly as `pulumi preview` does), state in a local file backend, and a
// passphrase secrets provider.
//
// AWS is the one thing modelled: the engine finds the fake plugin of ../fakeaws on PATH as
// pulumi-resource-aws, and that plugin acts on the world of ../world, a JSON file describing
// accounts, credentials, buckets, roles, VPCs, route tables and endpoints, and logs every call.
//
// The tests are in this package's _test files; the scenarios table is scenarios_test.go. Without
// the CLI built they skip with one line saying how to build it, except under CI, where they fail.
package engine
