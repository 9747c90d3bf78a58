package stackconfig

import (
	"encoding/json"
	"fmt"

	"cross-account-s3/spec"
)

// consumerStackFields are the fields of one consumerStacks item; the access fields (the ceiling)
// and ifMissing default to the top-level keys actions, prefixes, allowListing, viaAwsServices and
// missingConsumerStacks.
var consumerStackFields = []string{"stack", "accountIds", "vpcIds", "actions", "prefixes", "allowListing", "viaAwsServices", "ifMissing"}

// consumerStacks reads the owner's consumerStacks list. A stack may leave the list empty (the
// bucket policy then admits no consumer); leaving it unset is refused, since an owner stack
// without it is almost certainly a stack file missing its list.
func (r *reader) consumerStacks() []spec.ConsumerStack {
	raw, set := r.src.Get(KeyConsumerStacks)
	if !set {
		r.fail(KeyConsumerStacks, "is required with side: owner: list the consumer stacks to grant, e.g. in the stack file:  consumerStacks: [{stack: consumer-222222222222, accountIds: [\"222222222222\"]}]")
		return nil
	}
	var items []any
	if err := json.Unmarshal([]byte(raw), &items); err != nil {
		r.fail(KeyConsumerStacks, "must be a list of maps, e.g. in the stack file:  consumerStacks: [{stack: consumer-222222222222, accountIds: [\"222222222222\"]}]")
		return nil
	}
	out := make([]spec.ConsumerStack, 0, len(items))
	for i, raw := range items {
		prefix := fmt.Sprintf("%s[%d]", KeyConsumerStacks, i)
		item, ok := raw.(map[string]any)
		if !ok {
			r.fail(prefix, "is %s, not a map; write {stack: NAME, accountIds: [\"222222222222\"]}: the owner grants a stack only the accounts listed for it", quoted(raw))
			continue
		}
		it := itemReader{r: r, item: item, index: i, prefix: prefix + "."}
		it.checkStackFields()
		inherited := map[string]string{}
		for field, key := range map[string]string{"actions": KeyActions, "prefixes": KeyPrefixes, "allowListing": KeyAllowListing, "viaAwsServices": KeyViaAwsServices, "ifMissing": KeyMissingConsumerStacks} {
			if _, set := item[field]; !set {
				inherited[field] = key
			}
		}
		out = append(out, spec.ConsumerStack{
			Stack:      it.str("stack"),
			AccountIDs: it.list("accountIds", ""),
			VpcIDs:     it.list("vpcIds", ""),
			Ceiling: spec.Access{
				Actions:      it.list("actions", KeyActions),
				Prefixes:     it.prefixes(),
				AllowListing: it.boolean("allowListing", KeyAllowListing),
				ViaServices:  it.list("viaAwsServices", KeyViaAwsServices),
			},
			IfMissing: spec.IfMissing(it.strOr("ifMissing", KeyMissingConsumerStacks)),
			Index:     i,
			Inherited: inherited,
		})
	}
	return out
}

func (it itemReader) checkStackFields() {
	it.checkFieldsOf("consumerStacks", KeyConsumerStacks, consumerStackFields, []string{"stack", "accountIds"}, nil)
}

// checkScope refuses the keys that belong to the other side's stack (Key.Scope). A key with a
// default counts only when its value differs from it: the CLI passes Pulumi.yaml's defaults to
// every stack.
func (r *reader) checkScope(side spec.Side) {
	for _, k := range Keys {
		v, set := r.src.Get(k.Name)
		if !set || k.AllowedIn(side) || (k.Default != "" && v == k.Default) {
			continue
		}
		switch {
		case k.Scope == SplitOwner:
			r.fail(k.Name, "is only for an owner stack (side: owner); this stack is side: %s", side)
		case side == spec.SideConsumer:
			r.fail(k.Name, "is the bucket owner's; a consumer stack (side: consumer) manages only consumer accounts and needs only their credentials: move it to the owner stack's file")
		default:
			r.fail(k.Name, "describes consumers; an owner stack (side: owner) takes its consumers from the stacks in consumerStacks: move it to a consumer stack's file")
		}
	}
}

// ownerDefaults checks, once under their own keys, the top-level keys an owner stack's items
// inherit (the ceiling and missingConsumerStacks), whether or not an item inherits them.
func (r *reader) ownerDefaults() spec.Problems {
	top := func(field string) string { return field } // the access fields are named as their keys
	ps := spec.ValidateCeiling(spec.Access{Actions: r.list(KeyActions), Prefixes: r.prefixes(), AllowListing: r.boolean(KeyAllowListing), ViaServices: r.list(KeyViaAwsServices)}, top)
	if p := spec.IfMissing(r.str(KeyMissingConsumerStacks)).Problem(); p != "" {
		ps = append(ps, spec.Problem{Key: KeyMissingConsumerStacks, Message: p})
	}
	return ps
}

func quoted(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%v", v)
}
