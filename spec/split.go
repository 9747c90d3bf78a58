package spec

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ConsumerStack is one consumer stack an owner stack (SideOwner) grants: which stack, which
// accounts it may speak for, the most it may be granted, and what to do when it cannot be read.
type ConsumerStack struct {
	// Stack is the stack's name as configured: "stack", "project/stack" or "org/project/stack".
	Stack string
	// AccountIDs are the consumer accounts the stack may list; any other is refused.
	AccountIDs []string
	// VpcIDs, when set, are the only VPCs the stack may connect.
	VpcIDs []string
	// Ceiling is the most any of its consumers may be granted: actions, prefixes (nil: the whole
	// bucket) and listing.
	Ceiling Access
	// IfMissing is what the owner does when the stack is not found or has no outputs.
	IfMissing IfMissing
	// Index is the stack's position in consumerStacks: problems name consumerStacks[Index].
	Index int
	// Inherited maps the fields the item leaves to a top-level key (actions, prefixes,
	// allowListing, ifMissing) to that key: problems about them name the key the user wrote.
	Inherited map[string]string
}

// IfMissing is the owner's choice about a consumer stack it cannot read.
type IfMissing string

const (
	// MissingFail stops the owner, naming the stack (the default).
	MissingFail IfMissing = "fail"
	// MissingKeep grants what the owner's last update granted the stack.
	MissingKeep IfMissing = "keep"
	// MissingDrop grants it nothing: its roles and endpoints leave the bucket policy.
	MissingDrop IfMissing = "drop"
)

// IfMissingValues lists the valid values, the default first.
var IfMissingValues = []IfMissing{MissingFail, MissingKeep, MissingDrop}

// Key is the path of one of the stack's fields, or the top-level key it inherits.
func (c ConsumerStack) Key(field string) string {
	if key, ok := c.Inherited[field]; ok {
		return key
	}
	return fmt.Sprintf("consumerStacks[%d].%s", c.Index, field)
}

var stackNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}$`)

// ValidateConsumerStacks checks the owner's list: stack names, pinned accounts, ceilings and
// ifMissing; every stack listed once, every account under one stack only.
func ValidateConsumerStacks(owner BucketOwner, stacks []ConsumerStack) Problems {
	var ps Problems
	seenStack := map[string]int{}
	seenAccount := map[string]ConsumerStack{}
	for _, cs := range stacks {
		if !stackNamePattern.MatchString(cs.Stack) {
			ps.add(cs.Key("stack"), "%q is not a stack name; use the consumer stack's name (consumer-222222222222), or project/stack, or org/project/stack", cs.Stack)
		} else if first, ok := seenStack[cs.Stack]; ok {
			ps.add(cs.Key("stack"), "%s is listed already as consumerStacks[%d]; list each consumer stack once", cs.Stack, first)
		} else {
			seenStack[cs.Stack] = cs.Index
		}
		for _, dup := range duplicates(cs.AccountIDs) {
			ps.add(cs.Key("accountIds"), "lists %s more than once", dup)
		}
		if len(cs.AccountIDs) == 0 {
			ps.add(cs.Key("accountIds"), "needs the consumer accounts the stack may grant, e.g. [\"222222222222\"]: a consumer stack that lists another account is refused")
		}
		for i, id := range cs.AccountIDs {
			key := fmt.Sprintf("%s[%d]", cs.Key("accountIds"), i)
			switch {
			case !accountIDPattern.MatchString(id):
				ps.add(key, "%q is not an AWS account ID; use the 12 digits in quotes, e.g. \"222222222222\"", id)
			case id == owner.Account.ID:
				ps.add(key, "is the bucket owner's account (%s); consumer stacks connect other accounts", id)
			default:
				if other, ok := seenAccount[id]; ok && other.Index != cs.Index {
					ps.add(key, "%s is pinned to %s (consumerStacks[%d]) too; an account belongs to one consumer stack", id, other.Stack, other.Index)
				}
				seenAccount[id] = cs
			}
		}
		for i, id := range cs.VpcIDs {
			if !vpcIDPattern.MatchString(id) {
				ps.add(fmt.Sprintf("%s[%d]", cs.Key("vpcIds"), i), "%q is not a VPC ID; use the form vpc-0123456789abcdef0", id)
			}
		}
		for _, dup := range duplicates(cs.VpcIDs) {
			ps.add(cs.Key("vpcIds"), "lists %s more than once", dup)
		}
		// An inherited field's problem is keyed by its top-level key (Key), where the owner's own
		// check of that key reports it too: the config layer keeps one of the two.
		ps = append(ps, ValidateCeiling(cs.Ceiling, cs.Key)...)
		if p := cs.IfMissing.Problem(); p != "" {
			ps.add(cs.Key("ifMissing"), "%s", p)
		}
	}
	return ps
}

// ValidateCeiling checks a ceiling (the most a consumer stack may be granted) as a consumer's
// access is checked; key gives the path of a field (actions, prefixes): the owner's top-level key,
// or an item's consumerStacks[2].actions.
func ValidateCeiling(a Access, key func(field string) string) Problems {
	var access, out Problems
	validateAccess(&access, Consumer{Index: -1, Access: a})
	for _, p := range access {
		field, index := strings.TrimPrefix(p.Key, "consumers[-1]."), "" // actions, or actions[0]
		if i := strings.IndexByte(field, '['); i >= 0 {
			field, index = field[:i], field[i:]
		}
		out.add(key(field)+index, "%s", p.Message)
	}
	return out
}

// Problem says why the value is not one of IfMissingValues ("" when it is).
func (m IfMissing) Problem() string {
	switch m {
	case MissingFail, MissingKeep, MissingDrop:
		return ""
	}
	return fmt.Sprintf("%q is not fail (stop, naming the stack), keep (grant what the owner's last update granted it) or drop (grant it nothing)", string(m))
}

// Exceeds lists how an access goes beyond the stack's ceiling, one reason each (none when it fits).
func (c ConsumerStack) Exceeds(a Access) []string {
	var out []string
	for _, action := range a.Actions {
		if !c.Ceiling.Grants(action) {
			out = append(out, fmt.Sprintf("action %s is not among the actions it may be granted (%s); add it to %s to allow it",
				action, strings.Join(c.Ceiling.Actions, ", "), c.Key("actions")))
		}
	}
	if len(c.Ceiling.Prefixes) > 0 {
		if len(a.Prefixes) == 0 {
			out = append(out, fmt.Sprintf("it asks for the whole bucket, but it may be granted only under %s (%s)",
				strings.Join(c.Ceiling.Prefixes, ", "), c.Key("prefixes")))
		}
		for _, p := range a.Prefixes {
			if !underAny(p, c.Ceiling.Prefixes) {
				out = append(out, fmt.Sprintf("prefix %s is not under %s (%s)", p, strings.Join(c.Ceiling.Prefixes, ", "), c.Key("prefixes")))
			}
		}
	}
	if a.AllowListing && !c.Ceiling.AllowListing {
		out = append(out, fmt.Sprintf("it asks for listing (allowListing), which %s does not allow", c.Key("allowListing")))
	}
	for _, svc := range a.ViaServices {
		if !slices.Contains(c.Ceiling.ViaServices, svc) {
			out = append(out, fmt.Sprintf("it lets %s call for its roles, which %s does not allow (%s); add it there to allow it",
				svc, c.Key("viaAwsServices"), JoinOrNone(c.Ceiling.ViaServices)))
		}
	}
	return out
}

// PinsVPC reports whether the stack may connect the VPC (any, when VpcIDs is unset).
func (c ConsumerStack) PinsVPC(vpcID string) bool {
	if len(c.VpcIDs) == 0 {
		return true
	}
	for _, id := range c.VpcIDs {
		if id == vpcID {
			return true
		}
	}
	return false
}

// Pins reports whether the stack may speak for the account.
func (c ConsumerStack) Pins(accountID string) bool {
	for _, id := range c.AccountIDs {
		if id == accountID {
			return true
		}
	}
	return false
}

func underAny(prefix string, ceilings []string) bool {
	for _, c := range ceilings {
		if strings.HasPrefix(prefix, c) {
			return true
		}
	}
	return false
}

// JoinOrNone joins a list for a message: "none" when it is empty.
func JoinOrNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
