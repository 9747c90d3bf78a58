// Decide, in an owner stack (side: owner), is whom the bucket policy grants: each listed consumer
// stack's crossAccountS3 output checked as strictly as config (shape, the bucket, the accounts and
// VPCs the owner pinned for the stack, the owner's ceiling, every check of a consumers item over all
// of them (spec.ValidateConsumers), and endpoint IDs that agree across stacks), and the owner's
// choice about a stack that is not found or has no outputs (spec.IfMissing).
package splitstacks

import (
	"fmt"
	"sort"
	"strings"

	"cross-account-s3/spec"
	"cross-account-s3/stackconfig"
)

// GrantsOutput is the owner stack's output recording, per consumer stack, the crossAccountS3 output it granted;
// with ifMissing: keep, the next update reads it back from the owner's own stack.
const GrantsOutput = "consumerStackGrants"

// StatusOutput is the owner stack's output that says, per consumer stack, what was read and done.
const StatusOutput = "consumerStackStatus"

// Read is one consumerStacks item and what reading its stack found (ReadConsumerStacks).
type Read struct {
	Item spec.ConsumerStack
	Stack
}

// Input is everything the decision needs.
type Input struct {
	// Owner is the owner stack's spec, without consumers.
	Owner spec.Spec
	// Reads are the consumer stacks, in consumerStacks order.
	Reads []Read
	// Previous is the GrantsOutput of the owner's last update, read from the owner's own stack;
	// PreviousRead says it was there (the owner stack has been updated by this program before).
	// Without it, keep has nothing to go by.
	Previous     map[string]any
	PreviousRead bool
}

// Decision is whom the bucket policy grants, and what the preview says about it.
type Decision struct {
	// Spec is the owner's spec with the granted consumers, in consumerStacks order.
	Spec spec.Spec
	// EndpointIDs are the granted consumers' endpoint IDs, by consumer name.
	EndpointIDs map[string]string
	// Grants is the GrantsOutput value: the crossAccountS3 output used for each granted stack (kept ones
	// included), by full name.
	Grants map[string]any
	// Status is the StatusOutput value, for every listed stack.
	Status map[string]StackStatus
	// Warnings name every stack that is not OK and what was done about it.
	Warnings []string
	// Problems stop the owner before anything is registered.
	Problems spec.Problems
	// origin maps the index of a consumer in Spec to where it came from, for RewritePaths, and
	// endpoints to its endpoint ID (EndpointIDs is by name, which two stacks may share by mistake).
	origin    []origin
	endpoints []string
}

// StatusValue is the StatusOutput value: Status as plain values.
func (d Decision) StatusValue() map[string]any {
	out := map[string]any{}
	for name, st := range d.Status {
		consumers := make([]any, len(st.Consumers))
		for i, c := range st.Consumers {
			consumers[i] = c
		}
		out[name] = map[string]any{"status": string(st.Status), "action": st.Action, "consumers": consumers}
	}
	return out
}

// StackStatus is one entry of the StatusOutput.
type StackStatus struct {
	Status Status `json:"status"`
	// Action is granted, kept, dropped, pending (missing, and never granted) or failed.
	Action    string   `json:"action"`
	Consumers []string `json:"consumers"`
}

type origin struct {
	stack    spec.ConsumerStack
	fullName string
	index    int
}

// Decide reads the consumer stacks' outputs into the owner's spec. Problems are reported by
// stack and path, all at once.
func Decide(in Input) Decision {
	d := Decision{Spec: in.Owner, EndpointIDs: map[string]string{}, Grants: map[string]any{}, Status: map[string]StackStatus{}}
	d.Spec.Consumers = nil
	read := map[string]spec.ConsumerStack{} // full name -> the item that named it first
	for _, r := range in.Reads {
		if first, ok := read[r.Name]; ok {
			d.Problems = append(d.Problems, spec.Problem{Key: r.Item.Key("stack"), Message: fmt.Sprintf(
				"%s names stack %s, as %s (%s) does; list each consumer stack once", r.Item.Stack, r.Name, first.Key("stack"), first.Stack)})
			continue
		}
		read[r.Name] = r.Item
		out, status, problems := d.read(r, in)
		if len(problems) > 0 {
			d.Problems = append(d.Problems, problems...)
			d.Status[r.Name] = StackStatus{Status: status, Action: "failed", Consumers: []string{}}
			continue
		}
		if out == nil {
			continue // missing, handled by read
		}
		names := []string{}
		for _, c := range out.Consumers {
			sc := c.Spec()
			sc.Index = len(d.Spec.Consumers)
			d.origin = append(d.origin, origin{stack: r.Item, fullName: r.Name, index: indexOf(out, c.Name)})
			d.Spec.Consumers = append(d.Spec.Consumers, sc)
			d.EndpointIDs[c.Name] = c.EndpointID
			d.endpoints = append(d.endpoints, c.EndpointID)
			names = append(names, c.Name)
		}
		d.Grants[r.Name] = out.Value()
		if status == OK {
			d.Status[r.Name] = StackStatus{Status: OK, Action: "granted", Consumers: names}
		}
	}
	d.Problems = append(d.Problems, d.checkEndpoints()...)
	d.Problems = append(d.Problems, d.Spec.ValidateConsumers().Rewrite(d.RewritePaths)...)
	return d
}

// checkEndpoints refuses endpoint IDs that cannot be right together: one endpoint ID for two
// VPCs (or two accounts), or two endpoint IDs for one VPC. The bucket account cannot read another
// account's endpoints, so this and the pins (accountIds, vpcIds) are what stands between a
// consumer stack's claim and the bucket policy.
func (d *Decision) checkEndpoints() spec.Problems {
	var ps spec.Problems
	byID := map[string]spec.Consumer{}
	byVPC := map[string]spec.Consumer{}
	for i, c := range d.Spec.Consumers {
		id := d.endpoints[i]
		vpc := c.Account.ID + "/" + c.VpcID
		if other, ok := byID[id]; ok && (other.VpcID != c.VpcID || other.Account.ID != c.Account.ID) {
			ps = append(ps, spec.Problem{Key: d.RewritePaths(c.Key("endpointId")), Message: fmt.Sprintf(
				"%s is also the endpoint of %s in %s (account %s); an endpoint belongs to one VPC", id, d.RewritePaths(other.Key("name")), other.VpcID, other.Account.ID)})
		}
		if other, ok := byVPC[vpc]; ok && d.endpoints[other.Index] != id {
			ps = append(ps, spec.Problem{Key: d.RewritePaths(c.Key("endpointId")), Message: fmt.Sprintf(
				"%s differs from %s, the endpoint of %s in the same VPC %s; a VPC's consumers share its one S3 gateway endpoint", id, d.endpoints[other.Index], d.RewritePaths(other.Key("name")), c.VpcID)})
		}
		byID[id], byVPC[vpc] = c, c
	}
	return ps
}

// read decodes and checks one stack; for a missing stack it applies IfMissing. It returns the
// output to grant (nil for none).
func (d *Decision) read(r Read, in Input) (*Output, Status, spec.Problems) {
	if r.Status != OK {
		return d.missing(r, in)
	}
	at := prefix(r)
	for _, name := range r.SecretOutputs {
		if name == OutputName {
			return nil, Invalid, spec.Problems{{Key: at + OutputName, Message: "is secret; the owner cannot show what it grants from a secret, and nothing in it is: export it in plain text (this program never makes it secret)"}}
		}
	}
	raw, ok := r.Outputs[OutputName]
	if !ok {
		return nil, Invalid, spec.Problems{{Key: at + OutputName, Message: fmt.Sprintf(
			"is not among the stack's outputs (%s); is %s a consumer stack (side: consumer) of this program, deployed with it?", outputNames(r.Outputs), r.Name)}}
	}
	out, ps := Decode(raw)
	if len(ps) > 0 {
		return nil, Invalid, prefixed(at, ps)
	}
	if ps := checkGrant(r.Item, out, d.Spec.Bucket); len(ps) > 0 {
		return nil, Invalid, prefixed(at, ps)
	}
	return &out, OK, nil
}

// missing applies the stack's IfMissing.
func (d *Decision) missing(r Read, in Input) (*Output, Status, spec.Problems) {
	what := describeMissing(r)
	previous, hadPrevious, prevProblems := previousGrant(in.Previous, r)
	switch r.Item.IfMissing {
	case spec.MissingKeep:
		if len(prevProblems) > 0 {
			return nil, r.Status, prevProblems
		}
		if !in.PreviousRead {
			// Granting nothing would drop the stack's access if an earlier owner (a single stack
			// before a move, say) granted it: keep cannot tell, so it stops.
			return nil, r.Status, spec.Problems{{Key: prefix(r) + "ifMissing", Message: fmt.Sprintf(
				"is keep, but the owner stack has no record of what it granted (its output %s from an earlier update), so there is nothing to keep: %s. Deploy the consumer stack first, or set ifMissing: drop for it if granting it nothing is right",
				GrantsOutput, what)}}
		}
		if !hadPrevious {
			d.Status[r.Name] = StackStatus{Status: r.Status, Action: "pending", Consumers: []string{}}
			d.Warnings = append(d.Warnings, fmt.Sprintf("consumer stack %s: %s; ifMissing is keep, but the owner never granted it (no entry in its output %s), so it is granted nothing until it is deployed", r.Name, what, GrantsOutput))
			return nil, r.Status, nil
		}
		if ps := checkGrant(r.Item, previous, d.Spec.Bucket); len(ps) > 0 {
			return nil, r.Status, prefixed(prefix(r)+"kept grant: ", ps)
		}
		d.Status[r.Name] = StackStatus{Status: r.Status, Action: "kept", Consumers: consumerNames(previous)}
		d.Warnings = append(d.Warnings, fmt.Sprintf("consumer stack %s: %s; kept the grants of the owner's last update (%s), as ifMissing: keep says", r.Name, what, summary(previous)))
		return &previous, r.Status, nil
	case spec.MissingDrop:
		d.Status[r.Name] = StackStatus{Status: r.Status, Action: "dropped", Consumers: []string{}}
		dropped := "it had no grant from the owner's last update"
		switch {
		case hadPrevious && len(prevProblems) == 0:
			dropped = "drops " + summary(previous)
		case hadPrevious:
			dropped = "its grant in the owner's last update cannot be read, so what it drops is not known"
		case !in.PreviousRead:
			dropped = "the owner has no record of its earlier grants"
		}
		d.Warnings = append(d.Warnings, fmt.Sprintf("consumer stack %s: %s; granted nothing, as ifMissing: drop says (%s)", r.Name, what, dropped))
		return nil, r.Status, nil
	default:
		return nil, r.Status, spec.Problems{{Key: prefix(r) + "stack", Message: fmt.Sprintf(
			"%s. Deploy it first (pulumi up --stack %s); or remove it from consumerStacks, which drops its grants; or set ifMissing: keep (grant what the owner's last update granted it) or ifMissing: drop (grant it nothing) on it",
			what, lastPart(r.Name))}}
	}
}

// checkGrant checks a stack's output against what the owner allows that stack.
func checkGrant(cs spec.ConsumerStack, out Output, bucket spec.BucketOwner) spec.Problems {
	var ps spec.Problems
	b := out.Bucket
	want := Bucket{AccountID: bucket.Account.ID, Region: bucket.Account.Region, Name: bucket.Name, KMSKeyARN: bucket.Encryption.KMSKeyARN}
	for _, f := range []struct{ field, got, want, key string }{
		{"accountId", b.AccountID, want.AccountID, "bucketAccountId"},
		{"region", b.Region, want.Region, "bucketRegion"},
		{"name", b.Name, want.Name, "bucketName"},
		{"kmsKeyArn", b.KMSKeyARN, want.KMSKeyARN, "bucketKmsKeyArn"},
	} {
		if f.got != f.want {
			ps = append(ps, spec.Problem{Key: OutputName + ".bucket." + f.field, Message: fmt.Sprintf(
				"is %q but this owner stack's %s is %q: the consumer stack was made for another bucket (or key); set the same %s in both stacks, or remove it from consumerStacks", f.got, f.key, f.want, f.key)})
		}
	}
	for i, c := range out.Consumers {
		path := fmt.Sprintf("%s.consumers[%d]", OutputName, i)
		if !cs.Pins(c.AccountID) {
			ps = append(ps, spec.Problem{Key: path + ".accountId", Message: fmt.Sprintf(
				"%s is not among the accounts the owner grants this stack (%s: %s); if the stack is right to connect it, add it there",
				c.AccountID, cs.Key("accountIds"), strings.Join(cs.AccountIDs, ", "))})
		}
		if !cs.PinsVPC(c.VpcID) {
			ps = append(ps, spec.Problem{Key: path + ".vpcId", Message: fmt.Sprintf(
				"%s is not among the VPCs the owner grants this stack (%s: %s); if the stack is right to connect it, add it there",
				c.VpcID, cs.Key("vpcIds"), strings.Join(cs.VpcIDs, ", "))})
		}
		for _, reason := range cs.Exceeds(spec.Access{Actions: c.Access.Actions, Prefixes: c.Access.Prefixes, AllowListing: c.Access.AllowListing, ViaServices: c.Access.ViaServices}) {
			ps = append(ps, spec.Problem{Key: path + ".access", Message: "exceeds what the owner grants this stack: " + reason})
		}
	}
	return ps
}

// previousGrant is the stack's entry in the owner's last GrantsOutput.
func previousGrant(previous map[string]any, r Read) (Output, bool, spec.Problems) {
	raw, ok := previous[r.Name]
	if !ok {
		return Output{}, false, nil
	}
	out, ps := Decode(raw)
	if len(ps) > 0 {
		return out, true, prefixed(prefix(r)+"kept grant ("+GrantsOutput+"): ", ps)
	}
	return out, true, nil
}

// RewritePaths rewrites the paths of the owner's spec into where the value came from:
// consumers[3].roleArns[1] becomes "consumerStacks[1] (org/project/stack): crossAccountS3.consumers[0].roleArns[1]",
// and bucket.region the owner's key bucketRegion.
func (d Decision) RewritePaths(text string) string {
	return spec.RewritePaths(text, stackconfig.BucketKey, func(k int, field string) string {
		if k >= len(d.origin) {
			return ""
		}
		o := d.origin[k]
		return fmt.Sprintf("consumerStacks[%d] (%s): %s.consumers[%d].%s", o.stack.Index, o.fullName, OutputName, o.index, field)
	})
}

func prefix(r Read) string {
	return fmt.Sprintf("consumerStacks[%d] (%s): ", r.Item.Index, r.Name)
}

func prefixed(at string, ps spec.Problems) spec.Problems {
	out := make(spec.Problems, len(ps))
	for i, p := range ps {
		out[i] = spec.Problem{Key: at + p.Key, Message: p.Message}
	}
	return out
}

func describeMissing(r Read) string {
	if r.Status == NotFound {
		return "not found (" + r.Detail + ")"
	}
	return "no outputs (created but never deployed, or destroyed)"
}

func summary(out Output) string {
	roles, endpoints := 0, []string{}
	for _, c := range out.Consumers {
		roles += len(c.RoleARNs)
		endpoints = append(endpoints, c.EndpointID)
	}
	return fmt.Sprintf("consumers %s; %d %s; %s %s", strings.Join(consumerNames(out), ", "), roles, plural(roles, "role", "roles"),
		plural(len(endpoints), "endpoint", "endpoints"), strings.Join(spec.SortedUnique(endpoints), ", "))
}

func consumerNames(out Output) []string {
	names := []string{}
	for _, c := range out.Consumers {
		names = append(names, c.Name)
	}
	return names
}

func indexOf(out *Output, name string) int {
	for i, c := range out.Consumers {
		if c.Name == name {
			return i
		}
	}
	return -1
}

func outputNames(outputs map[string]any) string {
	names := make([]string, 0, len(outputs))
	for k := range outputs {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func lastPart(name string) string { return name[strings.LastIndex(name, "/")+1:] }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
