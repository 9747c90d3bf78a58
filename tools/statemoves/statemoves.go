// Package statemoves works out, from a single stack's exported state, the `pulumi state move`
// commands that split it into consumer stacks and an owner stack (docs/split-stacks.md, "Moving
// between one stack and split stacks"): each consumer account's endpoints and role policies to its consumer
// stack, the bucket policy and the KMS grants to the owner stack. Only leaves move: the components
// stay behind (CLI v3.274.1 cannot move a component whose provider is its child), and the
// providers come along as copies. It reads the export and prints; it changes nothing.
package statemoves

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"cross-account-s3/crossaccount"
)

// Move is one `pulumi state move` to a destination stack.
type Move struct {
	Dest string
	URNs []string
}

// leafTypes are the resources that move, with the side that holds them.
var leafTypes = map[string]string{
	"aws:ec2/vpcEndpoint:VpcEndpoint":  crossaccount.TypeConsumerAccount,
	"aws:iam/rolePolicy:RolePolicy":    crossaccount.TypeConsumerAccount,
	"aws:s3/bucketPolicy:BucketPolicy": crossaccount.TypeBucketOwnerAccount,
	"aws:kms/grant:Grant":              crossaccount.TypeBucketOwnerAccount,
}

// Split groups the state's leaves by destination: consumerStack names the stack of a consumer
// account (by account ID), owner is the owner stack. Moves come consumer stacks first, by name,
// then the owner; URNs sorted. A leaf that is not under this program's components (a state not
// deployed by it) is an error, as is a state with nothing to move.
func Split(d apitype.DeploymentV3, consumerStack func(account string) string, owner string) ([]Move, error) {
	byDest := map[string][]string{}
	for _, res := range d.Resources {
		side, ok := leafTypes[string(res.Type)]
		if !ok {
			continue
		}
		parentType, parentName := typeAndName(string(res.Parent))
		switch {
		case parentType != side:
			return nil, fmt.Errorf("%s is not under a %s component: is this the state of a single stack (side: both) of this program?", res.URN, side)
		case side == crossaccount.TypeBucketOwnerAccount:
			byDest[owner] = append(byDest[owner], string(res.URN))
		default:
			account := strings.TrimPrefix(parentName, "account-")
			byDest[consumerStack(account)] = append(byDest[consumerStack(account)], string(res.URN))
		}
	}
	if len(byDest) == 0 {
		return nil, fmt.Errorf("the state holds no endpoint, role policy, bucket policy or key grant of this program: nothing to move")
	}
	var moves []Move
	for dest, urns := range byDest {
		sort.Strings(urns)
		moves = append(moves, Move{Dest: dest, URNs: urns})
	}
	sort.Slice(moves, func(i, j int) bool {
		if (moves[i].Dest == owner) != (moves[j].Dest == owner) {
			return moves[j].Dest == owner
		}
		return moves[i].Dest < moves[j].Dest
	})
	return moves, nil
}

// Commands are the shell commands of the moves from the source stack, URNs single-quoted (they
// hold $ and ::).
func Commands(source string, moves []Move) []string {
	out := make([]string, len(moves))
	for i, m := range moves {
		quoted := make([]string, len(m.URNs))
		for j, u := range m.URNs {
			quoted[j] = "'" + strings.ReplaceAll(u, "'", `'\''`) + "'"
		}
		out[i] = fmt.Sprintf("pulumi state move --source %s --dest %s --yes %s", source, m.Dest, strings.Join(quoted, " "))
	}
	return out
}

// typeAndName reads the last type and the name of a URN:
// urn:pulumi:<stack>::<project>::<parent types $-joined>$<type>::<name>.
func typeAndName(urn string) (string, string) {
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return "", ""
	}
	types := parts[2]
	return types[strings.LastIndex(types, "$")+1:], strings.Join(parts[3:], "::")
}
