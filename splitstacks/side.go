package splitstacks

import (
	"fmt"

	"cross-account-s3/spec"
	"cross-account-s3/stackconfig"
)

// CheckSideSwitch refuses to turn a deployed stack into one side of a split without moving the
// other side's resources out first: the engine would delete the resources the new side no longer
// declares (the bucket's one policy, or the consumers' endpoints and role policies) at the end of
// the update. The stack's own outputs of its last update say what it held.
func CheckSideSwitch(side spec.Side, self Stack) error {
	if self.Status != OK {
		return nil
	}
	_, hadPolicy := self.Outputs["bucketPolicy"]
	consumers, _ := self.Outputs["consumers"].(map[string]any)
	_, wasConsumer := self.Outputs[OutputName]
	_, wasOwner := self.Outputs[GrantsOutput]
	var held string
	switch {
	case side == spec.SideBoth && (wasConsumer || wasOwner):
		// Its own side would be taken over and the other side created anew: a second writer of
		// the bucket's one policy, or a second set of endpoints next to the consumer stacks'.
		return spec.Problems{{Key: stackconfig.KeySide, Message: fmt.Sprintf(
			"is both, but this stack's last update deployed it as one side of split stacks (side: %s): as both it would also write what the other stacks of the split hold (a bucket has one policy). Set side back, or move the other stacks' resources into this one first (docs/split-stacks.md, \"Moving between one stack and split stacks\")",
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
		"is %s, but this stack's last update deployed %s, which a %s stack does not declare: pulumi up would delete it. Move it to the stack that takes it over first (pulumi state move; docs/split-stacks.md, \"Moving between one stack and split stacks\"), or set side back",
		side, held, side)}}
}
