package program

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/crossaccount"
	"cross-account-s3/policydoc"
	"cross-account-s3/spec"
	"cross-account-s3/splitstacks"
	"cross-account-s3/stackconfig"
)

// ConsumerExports are a consumer stack's outputs: the per-consumer outputs of the single-stack
// form, and the output the owner stack reads (splitstacks.OutputName), once every endpoint ID is
// known.
func ConsumerExports(s spec.Spec, deployed crossaccount.Deployed) map[string]pulumi.Input {
	exports := Exports(s, deployed)
	delete(exports, "bucketPolicy")
	names := make([]string, 0, len(deployed.Consumers))
	ids := make([]any, 0, len(deployed.Consumers))
	for _, c := range s.SortedConsumers() {
		names = append(names, c.Name)
		ids = append(ids, deployed.Consumers[c.Name].EndpointID)
	}
	exports[splitstacks.OutputName] = pulumi.All(ids...).ApplyT(func(resolved []any) map[string]any {
		byName := map[string]string{}
		for i, name := range names {
			byName[name] = resolved[i].(string)
		}
		return splitstacks.Build(s, byName).Value()
	}).(pulumi.MapOutput)
	return exports
}

// declareOwner reads the consumer stacks, decides whom the bucket policy grants, and declares the
// owner's side. Nothing is registered when a stack is missing (ifMissing: fail) or invalid.
func declareOwner(ctx *pulumi.Context, args crossaccount.Args, set stackconfig.Settings, self splitstacks.Stack) (map[string]pulumi.Input, error) {
	reads, err := splitstacks.ReadConsumerStacks(ctx, set.ConsumerStacks)
	if err != nil {
		return nil, err
	}
	in := splitstacks.Input{Owner: args.Spec, Reads: reads}
	// keep grants, and drop reports, what the owner's last update granted a missing stack.
	if grants, ok := self.Outputs[splitstacks.GrantsOutput].(map[string]any); ok {
		in.Previous, in.PreviousRead = grants, true
	}
	decision := splitstacks.Decide(in)
	if len(decision.Problems) > 0 {
		return nil, invalidStacks{decision.Problems.InKeyOrder(stackconfig.AllKeys)}
	}
	for _, w := range decision.Warnings {
		_ = ctx.Log.Warn(w, nil)
	}
	// The documents with the granted consumers (AWS's size limits, kept statements against the
	// perimeter), which stackconfig.Load could check only for the owner's own keys.
	if ps := policydoc.Check(decision.Spec); len(ps) > 0 {
		return nil, ps.Rewrite(decision.RewritePaths)
	}
	args.Spec = decision.Spec
	args.EndpointIDs = decision.EndpointIDs
	args.RewritePaths = decision.RewritePaths
	deployed, err := crossaccount.NewOwnerSide(ctx, args)
	if err != nil {
		return nil, inKeyOrder(err)
	}
	return map[string]pulumi.Input{
		"bucketArn":              deployed.BucketArn,
		"bucketPolicy":           deployed.BucketPolicy,
		splitstacks.GrantsOutput: pulumi.ToMap(decision.Grants),
		splitstacks.StatusOutput: pulumi.ToMap(decision.StatusValue()),
	}, nil
}

// invalidStacks is the owner's error when the consumer stacks cannot be granted as they are.
type invalidStacks struct{ problems spec.Problems }

func (e invalidStacks) Error() string {
	return e.problems.Report("the consumer stacks cannot be granted as they are, nothing was changed")
}

func (e invalidStacks) Unwrap() error { return e.problems }
