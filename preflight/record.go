package preflight

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"cross-account-s3/policydoc"
	"cross-account-s3/spec"
)

// Record is what the stack wrote to the bucket policy in its last update, as the program read it
// from its own stack. Pulumi writes the bucket policy only when the document it generates differs
// from the resource's state, so an out-of-band edit stays live through any number of plain
// updates: the record, not the Sids or shapes of the live statements, says what is the stack's.
type Record struct {
	// Found: the stack's last update exported a bucket policy (the bucketPolicy output). False on
	// a first deployment and right after a state move; preflight then takes as the stack's own
	// only statements equal to one it would write now.
	Found bool
	// Policy is that document.
	Policy string
	// State reads the bucket policy as the stack's state holds it now (found false when the state
	// has no bucket policy). Preflight calls it only when the live policy differs from Policy:
	// after `pulumi refresh` the state holds the live document, and the next `pulumi up` then
	// writes the stack's document back, because its input differs from that state.
	State func() (policy string, found bool, err error)
}

// Change is one statement in which the live policy differs from the record.
type Change struct {
	// Kind is "added", "changed" or "removed".
	Kind string
	// Live is the live statement (added, changed).
	Live Statement
	// Wrote is the statement the stack wrote (changed, removed).
	Wrote map[string]any
	// Differ names the elements that differ (changed).
	Differ string
}

// String is the change for people, one line.
func (c Change) String() string {
	switch c.Kind {
	case "removed":
		return fmt.Sprintf("removed: %s: %s", recordName(c.Wrote), compactJSON(c.Wrote))
	case "added":
		return fmt.Sprintf("added: %s: %s", c.Live.Name(), c.Live.JSON())
	}
	return fmt.Sprintf("changed: %s: %s; it wrote %s", c.Live.Name(), c.Differ, compactJSON(c.Wrote))
}

func recordName(st map[string]any) string {
	if sid, _ := st["Sid"].(string); sid != "" {
		return fmt.Sprintf("Sid %q", sid)
	}
	return "a statement with no Sid"
}

// Drift compares the live statements with those of the record, statement by statement: paired
// by Sid (by content for statements without one), equal once normalised as AWS normalises a
// stored policy (account IDs as root ARNs, one value or a list, key order, white space) and
// allowing for principals IAM replaced by unique IDs (a deleted role is not an edit).
func Drift(live []Statement, record []map[string]any, partition string) []Change {
	matched := make([]bool, len(live))
	var out []Change
	for _, r := range record {
		sid, _ := r["Sid"].(string)
		i := pairOf(live, matched, r, sid, partition)
		if i < 0 {
			out = append(out, Change{Kind: "removed", Wrote: r})
			continue
		}
		matched[i] = true
		if !sameStatement(live[i].Body, r, partition) {
			out = append(out, Change{Kind: "changed", Live: live[i], Wrote: r, Differ: differingElements(r, live[i].Body, partition)})
		}
	}
	for i, st := range live {
		if !matched[i] {
			out = append(out, Change{Kind: "added", Live: st})
		}
	}
	return out
}

// pairOf finds the live statement standing for a recorded one: the unmatched one with its Sid, or
// for a statement without Sid an unmatched equal one without Sid; -1 when none.
func pairOf(live []Statement, matched []bool, r map[string]any, sid, partition string) int {
	for i, st := range live {
		switch {
		case matched[i]:
		case sid != "" && st.Sid == sid:
			return i
		case sid == "" && st.Sid == "" && sameStatement(st.Body, r, partition):
			return i
		}
	}
	return -1
}

// differingElements names the elements of a statement that differ between wrote and live, with
// both values: `Condition: live {…}, wrote {…}`.
func differingElements(wrote, live map[string]any, partition string) string {
	keys := map[string]bool{}
	for k := range wrote {
		keys[k] = true
	}
	for k := range live {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	var parts []string
	for _, k := range names {
		w, wok := wrote[k]
		l, lok := live[k]
		switch {
		case !wok:
			parts = append(parts, fmt.Sprintf("%s added: %s", k, compactJSON(l)))
		case !lok:
			parts = append(parts, fmt.Sprintf("%s removed (was %s)", k, compactJSON(w)))
		case canonical(map[string]any{k: w}, partition) != canonical(map[string]any{k: l}, partition):
			parts = append(parts, fmt.Sprintf("%s live %s, wrote %s", k, compactJSON(l), compactJSON(w)))
		}
	}
	if len(parts) == 0 {
		return "principals IAM replaced by unique IDs"
	}
	return strings.Join(parts, "; ")
}

// statementsOf is a policy document's statements as plain values; nil for "" (no policy).
func statementsOf(policy string) ([]map[string]any, error) {
	if strings.TrimSpace(policy) == "" {
		return nil, nil
	}
	return parseStatements(policy)
}

// wouldWrite is the statements the stack would write now, as far as the endpoint IDs are known:
// an owner stack's from its consumer stacks (Options.EndpointIDs), a single stack's from the
// adopted IDs and the endpoints the lookups found tagged as its own. A statement for an endpoint
// not known yet names none, and so equals no live statement.
func (c *checker) wouldWrite() []map[string]any {
	ids := policydoc.EndpointIDs{}
	for name, id := range c.opts.EndpointIDs {
		ids[name] = id
	}
	for _, g := range c.layout.Endpoints {
		id := g.AdoptID
		if id == "" {
			id = c.ownEndpointID(g)
		}
		for _, cons := range g.Consumers {
			if _, known := ids[cons.Name]; !known && id != "" {
				ids[cons.Name] = id
			}
		}
	}
	var doc struct{ Statement []map[string]any }
	dec := json.NewDecoder(strings.NewReader(policydoc.BucketPolicy(c.s, ids).JSON()))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil
	}
	return doc.Statement
}

// ownEndpointID is the ID of the endpoint of the group's VPC tagged as this stack's own: the one
// endpoint the first lookup found, or, when the VPC has several, the one the tagged lookup found.
func (c *checker) ownEndpointID(g spec.EndpointGroup) string {
	v, ok := c.f.VPCs[VPCKey(g.AccountID, g.VpcID)]
	switch {
	case !ok:
		return ""
	case v.Err == nil && v.Endpoint.Tags[StackTagKey] == StackTagValue(c.opts.Project, c.opts.Stack):
		return v.Endpoint.ID
	case v.OwnErr == nil:
		return v.Own.ID
	}
	return ""
}

// fromRecord judges the live statements against the record. It returns false when it stopped the
// deployment (drift the state has not taken in).
func (c *checker) fromRecord(sts []Statement, record []map[string]any) bool {
	partition := spec.Partition(c.s.Bucket.Account.Region)
	var changes []Change
	for _, ch := range Drift(sts, record, partition) {
		// A statement added live that the stack file now keeps is written by this update.
		if ch.Kind != "added" || ch.Live.Class != Kept || ch.Live.Changed {
			changes = append(changes, ch)
		}
	}
	if len(changes) == 0 {
		return true
	}
	refreshed, err := c.refreshed(sts, partition)
	if err != nil {
		c.problem("bucketName", "the live policy of bucket %s differs from what this stack wrote in its last update, and preflight could not read the stack's state to tell whether a refresh took it in: %v; run the preview again", c.s.Bucket.Name, err)
		return false
	}
	lines := make([]string, len(changes))
	for i, ch := range changes {
		lines[i] = "    " + ch.String() + findingsOf(c.s, ch)
	}
	b := c.s.Bucket
	if refreshed {
		c.warn("the live policy of bucket %s (account %s) differs from what this stack wrote in its last update, and the stack's state holds the live document (pulumi refresh took it in): pulumi up writes this stack's document back, undoing %d out-of-band %s:\n%s",
			b.Name, b.Account.ID, len(changes), plural(len(changes), "change", "changes"), strings.Join(lines, "\n"))
		return true
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "the live policy of bucket %s (account %s) is not the document this stack wrote in its last update: %d %s changed out of band:\n%s\n",
		b.Name, b.Account.ID, len(changes), plural(len(changes), "statement", "statements"), strings.Join(lines, "\n"))
	fmt.Fprintf(&msg, "A plain pulumi up would leave it so: Pulumi writes the bucket policy only when the document it generates changes. "+
		"To write this stack's document back, run `pulumi refresh%s --yes` (it takes the live policy into the stack's state), then `pulumi preview%s` (it shows the bucket policy's update) and `pulumi up%s`.",
		c.stackFlag(), c.stackFlag(), c.stackFlag())
	if keep := c.addedStatements(changes); len(keep) > 0 {
		fmt.Fprintf(&msg, " To keep an added statement instead, add it to %s in %s (the next pulumi up then writes it with this stack's statements):\n\n%s",
			ExtraStatementsKey, c.stackFile(), KeepYAML(keep))
	}
	c.problem("bucketName", "%s", strings.TrimRight(msg.String(), "\n"))
	return false
}

// refreshed: the stack's state holds the live document, so the next update writes the stack's
// document over it.
func (c *checker) refreshed(live []Statement, partition string) (bool, error) {
	if c.opts.Record.State == nil {
		return false, nil
	}
	policy, found, err := c.opts.Record.State()
	if err != nil {
		return false, err
	}
	if !found {
		return len(live) == 0, nil
	}
	state, err := statementsOf(policy)
	if err != nil {
		return false, nil
	}
	return len(Drift(live, state, partition)) == 0, nil
}

// addedStatements are the kept statements and the added ones, as extraBucketPolicyStatements
// would hold them to keep the added ones too.
func (c *checker) addedStatements(changes []Change) []map[string]any {
	var added []map[string]any
	for _, ch := range changes {
		if ch.Kind == "added" && ch.Live.Class != Kept {
			added = append(added, withoutDeleted(ch.Live.Body))
		}
	}
	if len(added) == 0 {
		return nil
	}
	return append(append([]map[string]any{}, c.s.ExtraBucketStatements...), added...)
}

// findingsOf says what the shared statement rules find in a live statement that was added or
// changed: a backdoor is named as one.
func findingsOf(s spec.Spec, ch Change) string {
	if ch.Kind == "removed" {
		return ""
	}
	var out []string
	for _, f := range policydoc.StatementFindings(s, withoutDeleted(ch.Live.Body)) {
		out = append(out, f.Message)
	}
	if len(out) == 0 {
		return ""
	}
	return " (as it stands, it " + strings.Join(out, "; it ") + ")"
}

func (c *checker) stackFlag() string {
	if c.opts.Stack == "" {
		return ""
	}
	return " --stack " + c.opts.Stack
}
