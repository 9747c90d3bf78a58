package program

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/crossaccount"
	"cross-account-s3/internal/consumerstacks"
	"cross-account-s3/internal/contract"
	"cross-account-s3/internal/stackref"
	"cross-account-s3/spec"
	"cross-account-s3/stackconfig"
)

// ConsumerExports are a consumer stack's outputs: the per-consumer outputs of the single-stack
// form, and the contract the owner stack reads (contract.OutputName), once every endpoint ID is
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
	exports[contract.OutputName] = pulumi.All(ids...).ApplyT(func(resolved []any) map[string]any {
		byName := map[string]string{}
		for i, name := range names {
			byName[name] = resolved[i].(string)
		}
		return contract.Build(s, byName).Value()
	}).(pulumi.MapOutput)
	return exports
}

// declareOwner reads the consumer stacks, decides whom the bucket policy grants, and declares the
// owner's side. Nothing is registered when a stack is missing (ifMissing: fail) or invalid.
func declareOwner(ctx *pulumi.Context, args crossaccount.Args, set stackconfig.Settings, self stackref.Stack) (map[string]pulumi.Input, error) {
	in := consumerstacks.Input{Owner: args.Spec}
	for _, cs := range set.ConsumerStacks {
		read, err := readStack(ctx, cs)
		if err != nil {
			return nil, err
		}
		in.Reads = append(in.Reads, read)
	}
	// keep grants, and drop reports, what the owner's last update granted a missing stack.
	if grants, ok := self.Outputs[consumerstacks.GrantsOutput].(map[string]any); ok {
		in.Previous, in.PreviousRead = grants, true
	}
	decision := consumerstacks.Decide(in)
	if len(decision.Problems) > 0 {
		return nil, invalidStacks{decision.Problems.InKeyOrder(stackconfig.AllKeys)}
	}
	for _, w := range decision.Warnings {
		_ = ctx.Log.Warn(w, nil)
	}
	args.Spec = decision.Spec
	args.EndpointIDs = decision.EndpointIDs
	args.Describe = decision.Describe
	deployed, err := crossaccount.NewOwnerSide(ctx, args)
	if err != nil {
		return nil, inKeyOrder(err)
	}
	status := map[string]any{}
	for name, st := range decision.Status {
		status[name] = map[string]any{"status": string(st.Status), "action": st.Action, "consumers": toAny(st.Consumers)}
	}
	return map[string]pulumi.Input{
		"bucketArn":                 deployed.BucketArn,
		"bucketPolicy":              deployed.BucketPolicy,
		consumerstacks.GrantsOutput: pulumi.ToMap(decision.Grants),
		consumerstacks.StatusOutput: pulumi.ToMap(status),
	}, nil
}

// checkSideSwitch refuses to turn a deployed stack into one side of a split without moving the
// other side's resources out first: the engine would delete the resources the new side no longer
// declares (the bucket's one policy, or the consumers' endpoints and role policies) at the end of
// the update. The stack's own outputs of its last update say what it held.
func checkSideSwitch(side spec.Side, self stackref.Stack) error {
	if self.Status != stackref.Found {
		return nil
	}
	_, hadPolicy := self.Outputs["bucketPolicy"]
	consumers, _ := self.Outputs["consumers"].(map[string]any)
	_, wasConsumer := self.Outputs[contract.OutputName]
	_, wasOwner := self.Outputs[consumerstacks.GrantsOutput]
	var held string
	switch {
	case side == spec.SideBoth && (wasConsumer || wasOwner):
		// Its own side would be taken over and the other side created anew: a second writer of
		// the bucket's one policy, or a second set of endpoints next to the consumer stacks'.
		return spec.Problems{{Key: stackconfig.KeySide, Message: fmt.Sprintf(
			"is both, but this stack's last update deployed it as one side of split stacks (side: %s): as both it would also write what the other stacks of the split hold (a bucket has one policy). Set side back, or move the other stacks' resources into this one first (README, \"Moving between one stack and split stacks\")",
			map[bool]spec.Side{true: spec.SideConsumer, false: spec.SideOwner}[wasConsumer])}}
	case side == spec.SideConsumer && hadPolicy:
		held = "the bucket policy"
	case side == spec.SideOwner && len(consumers) > 0 && !wasConsumer:
		held = "the consumers' endpoints and role policies"
	case side == spec.SideOwner && wasConsumer:
		held = "the consumers' endpoints and role policies (it was a consumer stack)"
	default:
		return nil
	}
	return spec.Problems{{Key: stackconfig.KeySide, Message: fmt.Sprintf(
		"is %s, but this stack's last update deployed %s, which a %s stack does not declare: pulumi up would delete it. Move it to the stack that takes it over first (pulumi state move; README, \"Moving between one stack and split stacks\"), or set side back",
		side, held, side)}}
}

// readStack reads one consumer stack's outputs (stackref.Read: a missing stack is a status).
func readStack(ctx *pulumi.Context, cs spec.ConsumerStack) (consumerstacks.Read, error) {
	full := stackref.FullName(ctx, cs.Stack)
	got, err := stackref.Read(ctx, full)
	if err != nil {
		return consumerstacks.Read{}, fmt.Errorf("%s: %w", cs.Key("stack"), err)
	}
	r := consumerstacks.Read{Stack: cs, FullName: full, Detail: got.Detail}
	switch got.Status {
	case stackref.Found:
		r.Found, r.Outputs, r.SecretOutputs = true, got.Outputs, got.SecretOutputs
	case stackref.NotFound:
		r.Missing = consumerstacks.NotFound
	default:
		r.Missing = consumerstacks.NoOutputs
	}
	return r, nil
}

// invalidStacks is the owner's error when the consumer stacks cannot be granted as they are.
type invalidStacks struct{ problems spec.Problems }

func (e invalidStacks) Error() string {
	return e.problems.Report("the consumer stacks cannot be granted as they are, nothing was changed")
}

func (e invalidStacks) Unwrap() error { return e.problems }

func toAny(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}
