// Package splitstacks is the protocol of split stacks. A consumer stack (side: consumer) exports
// what it deployed as one output, crossAccountS3 (Output, Build). The owner stack (side: owner)
// reads each listed consumer stack's outputs, and its own record of what it granted, through the
// engine's builtin functions (ReadConsumerStacks, ReadStack, BucketPolicyState); decodes each
// output as strictly as its own config (Decode); and decides whom the bucket policy grants
// (Decide), reporting per stack in its outputs GrantsOutput and StatusOutput. Only the reads need
// Pulumi; the rest works on plain values.
package splitstacks
