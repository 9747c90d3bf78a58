package splitstacks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/spec"
)

// ReadStackOutputs is the engine's builtin function behind stack references.
const ReadStackOutputs = "pulumi:pulumi:readStackOutputs"

// ReadStackResourceOutputs is the engine's builtin function that reads every resource's outputs
// from a stack's last checkpoint (pkg/resource/deploy/builtins.go: the backend's snapshot, keyed
// by URN, each with "type" and "outputs"). On the stack being updated it gives the state as the
// last operation left it: a `pulumi refresh` included, the update running now not.
const ReadStackResourceOutputs = "pulumi:pulumi:readStackResourceOutputs"

// TypeBucketPolicy is pulumi-aws's bucket policy resource type.
const TypeBucketPolicy = "aws:s3/bucketPolicy:BucketPolicy"

// checkpointRetries is how many times a read reads again a checkpoint it met half-written (50 ms,
// then twice as long each time: 1.55 s in all).
const checkpointRetries = 5

// Status is what reading a stack found, and for a consumer stack what the owner made of it: the
// status of its entry in StatusOutput.
type Status string

const (
	// OK: the stack exists and has outputs (ReadStack); for a consumer stack, Decide found its
	// crossAccountS3 output valid.
	OK Status = "ok"
	// NotFound: the backend has no such stack (never created, removed, misspelt, or not visible
	// to these credentials: the backend does not say which).
	NotFound Status = "not-found"
	// NoOutputs: the stack exists without outputs: never deployed, or destroyed.
	NoOutputs Status = "no-outputs"
	// Invalid: Decide found the consumer stack's crossAccountS3 output missing, secret or failing
	// the checks. ReadStack never answers it.
	Invalid Status = "invalid"
)

// Stack is one stack as read.
type Stack struct {
	// Name is the fully qualified name that was read.
	Name   string
	Status Status
	// Outputs are the stack's outputs (plain values; secret ones included as their values, see
	// SecretOutputs). Nil unless OK.
	Outputs map[string]any
	// SecretOutputs names the outputs that are secret.
	SecretOutputs []string
	// Detail is the backend's message for NotFound.
	Detail string
}

type resourceArgs struct {
	StackName string `pulumi:"stackName"`
}

type resourceResult struct {
	Outputs map[string]any `pulumi:"outputs"`
}

// BucketPolicyState is the policy document that the stack's state holds for the bucket policy of
// this bucket; found is false when the state holds none.
func BucketPolicyState(ctx *pulumi.Context, name, bucket string) (policy string, found bool, err error) {
	var out resourceResult
	err = retryCheckpoint(func() error {
		out = resourceResult{}
		_, err := ctx.InvokePackageRaw(ReadStackResourceOutputs, &resourceArgs{StackName: name}, &out, "")
		return err
	})
	if err != nil {
		if isUnknownStack(err) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("reading the state of stack %s: %w", name, err)
	}
	for _, r := range out.Outputs {
		res, _ := r.(map[string]any)
		outputs, _ := res["outputs"].(map[string]any)
		if res["type"] == TypeBucketPolicy && outputs["bucket"] == bucket {
			policy, _ := outputs["policy"].(string)
			return policy, true, nil
		}
	}
	return "", false, nil
}

// retryCheckpoint runs read again while it meets the stack's checkpoint half-written: reading the
// stack that is being updated (Self) on the file backend can meet it so ("failed to load
// checkpoint: EOF"); the next read finds it whole.
func retryCheckpoint(read func() error) error {
	var err error
	for attempt, wait := 0, 50*time.Millisecond; ; attempt, wait = attempt+1, wait*2 {
		err = read()
		if err == nil || !strings.Contains(err.Error(), "failed to load checkpoint") || attempt == checkpointRetries {
			return err
		}
		time.Sleep(wait)
	}
}

type readArgs struct {
	Name string `pulumi:"name"`
}

type readResult struct {
	Name              string         `pulumi:"name"`
	Outputs           map[string]any `pulumi:"outputs"`
	SecretOutputNames []string       `pulumi:"secretOutputNames"`
}

// ReadStack reads the outputs of the stack with this fully qualified name (see FullName). It
// returns an error only for failures other than a missing stack (a backend that cannot be
// reached, say), which the caller should treat as fatal: nothing is known about the stack.
//
// pulumi.NewStackReference reads the stack as a resource (ReadResource of
// pulumi:pulumi:StackReference): when the stack does not exist the read fails asynchronously and
// the whole preview or update fails with it, so the program could not say which stacks are
// missing and what it did about them. ReadStack calls the engine's builtin function behind it,
// ReadStackOutputs, synchronously: its error comes back here, and secret outputs do not make it
// fail (they are named in Stack.SecretOutputs). The "pulumi" package is always allowed, even with
// pulumi:disable-default-providers ["*"] (pkg/resource/deploy/default_providers.go).
//
// Checked on the real CLI (v3.274.1, file backend) by read_engine_test.go: a stack never created
// is NotFound; a stack created but never deployed, and a destroyed stack, are NoOutputs; a
// program may read its own stack and then gets its outputs as of its last update.
func ReadStack(ctx *pulumi.Context, name string) (Stack, error) {
	var out readResult
	// InvokePackageRaw rather than Invoke: Invoke refuses a result holding any secret ("consider
	// using the output-versioned variant"), and any output of the stack may be secret. The
	// output-versioned variant would give the values only inside an Apply, too late to decide
	// what to register.
	err := retryCheckpoint(func() error {
		out = readResult{}
		_, err := ctx.InvokePackageRaw(ReadStackOutputs, &readArgs{Name: name}, &out, "")
		return err
	})
	if err != nil {
		if isUnknownStack(err) {
			return Stack{Name: name, Status: NotFound, Detail: err.Error()}, nil
		}
		return Stack{Name: name}, fmt.Errorf("reading the outputs of stack %s: %w", name, err)
	}
	if len(out.Outputs) == 0 {
		return Stack{Name: name, Status: NoOutputs}, nil
	}
	secrets := append([]string(nil), out.SecretOutputNames...)
	sort.Strings(secrets)
	return Stack{Name: name, Status: OK, Outputs: out.Outputs, SecretOutputs: secrets}, nil
}

// isUnknownStack recognises the engine's "no such stack" error, `unknown stack "<name>"`: every
// backend (file, S3, Pulumi Cloud) answers a missing stack with no stack and no error, which the
// generic backend client turns into that message (pkg/backend/backend.go, GetStackOutputs).
func isUnknownStack(err error) bool {
	return strings.Contains(err.Error(), "unknown stack")
}

// FullName qualifies a stack name the way stack references need it: "stack" becomes
// "<organization>/<project>/<stack>" with this program's organization and project,
// "project/stack" gets the organization; a fully qualified name is kept. On the file and S3
// backends the organization is "organization".
func FullName(ctx *pulumi.Context, name string) string {
	switch strings.Count(name, "/") {
	case 0:
		return ctx.Organization() + "/" + ctx.Project() + "/" + name
	case 1:
		return ctx.Organization() + "/" + name
	default:
		return name
	}
}

// Self is this program's own stack, fully qualified: reading it gives the outputs of its last
// update (the update running now has not written them yet).
func Self(ctx *pulumi.Context) string {
	return ctx.Organization() + "/" + ctx.Project() + "/" + ctx.Stack()
}

// ReadConsumerStacks reads the outputs of an owner stack's consumer stacks, in consumerStacks
// order; a missing stack is a status (ReadStack), any other failure is the error.
func ReadConsumerStacks(ctx *pulumi.Context, items []spec.ConsumerStack) ([]Read, error) {
	var reads []Read
	for _, item := range items {
		st, err := ReadStack(ctx, FullName(ctx, item.Stack))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", item.Key("stack"), err)
		}
		reads = append(reads, Read{Item: item, Stack: st})
	}
	return reads, nil
}
