package preflight

import (
	"fmt"
	"sort"
	"strings"

	"cross-account-s3/policydoc"
	"cross-account-s3/spec"
)

// Report is what preflight found. Problems stop the preview (and the update) before anything is
// written; warnings are shown and let it go on.
type Report struct {
	Problems spec.Problems
	Warnings []string
	// Statements are the live bucket policy's statements as classified; empty when the bucket has
	// no policy or it could not be read.
	Statements []Statement
}

// Err is the problems as an error, nil when there are none.
func (r Report) Err() error { return Err(r.Problems) }

// Err is preflight's problems as one error, nil when there are none. Its
// text says that they come from the live accounts and that nothing was written.
func Err(ps spec.Problems) error {
	if len(ps) == 0 {
		return nil
	}
	return Error{Problems: ps}
}

// Error is what stops a preview or an update: every problem found in the live accounts.
type Error struct{ Problems spec.Problems }

func (e Error) Error() string {
	return e.Problems.Report("preflight: the live accounts stop this deployment, nothing was written")
}

// DisabledWarning is preview's warning when preflight is off.
const DisabledWarning = "cross-account-s3:preflight is false: nothing is read from the accounts before writing, so pulumi up replaces the bucket policy whatever statements it holds, " +
	"and a missing role (MalformedPolicy: Invalid principal), a route table already served by an S3 gateway endpoint (RouteAlreadyExists), " +
	"a route table of another VPC or a bucket in another Region show only when pulumi up fails, possibly after it created an endpoint"

// Check judges the facts the Lookups found against the spec. It reports every problem at
// once, each under the config key to change, with the account and the fix.
func Check(s spec.Spec, opts Options, f Facts) Report {
	if opts.Disabled {
		return Report{Warnings: []string{DisabledWarning}}
	}
	c := &checker{s: s, layout: s.Layout(), opts: opts, f: f}
	if opts.side().HasOwner() && c.bucket() {
		c.bucketPolicy()
	}
	if opts.side().HasConsumers() {
		c.roles()
		c.routeTables()
		c.endpoints()
	}
	return c.report
}

type checker struct {
	s spec.Spec
	// layout is s.Layout(), decided once: every check walks it.
	layout spec.Layout
	opts   Options
	f      Facts
	report Report
}

func (c *checker) problem(key, format string, args ...any) {
	c.report.Problems = append(c.report.Problems, spec.Problem{Key: key, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) warn(format string, args ...any) {
	c.report.Warnings = append(c.report.Warnings, fmt.Sprintf(format, args...))
}

// stackFile names the stack file for messages.
func (c *checker) stackFile() string {
	if c.opts.Stack == "" {
		return "the stack file (Pulumi.<stack>.yaml)"
	}
	return "Pulumi." + c.opts.Stack + ".yaml"
}

// where is a lookup's place for messages: account, Region and provider with its credentials.
type where struct {
	account, region, provider string
	creds                     spec.Credentials
}

func (c *checker) owner() where {
	a := c.s.Bucket.Account
	return where{a.ID, a.Region, BucketOwnerProvider, a.Credentials}
}

func (c *checker) consumer(cons spec.Consumer) where {
	return where{cons.Account.ID, cons.Account.Region, c.layout.ProviderOf(cons.Name), cons.Account.Credentials}
}

// failed reports a lookup that did not answer: the permission it lacks, or what it said. what
// names the target ("bucket shared-data"); it returns false so that callers can stop there.
func (c *checker) failed(key string, w where, call Call, what string, err error) bool {
	switch Classify(err) {
	case Denied:
		perm := deniedAction(call, err)
		c.problem(key, "preflight cannot read %s in account %s: the credentials of provider %s (%s) lack %s (%s answered: %s); grant %s in account %s (README, \"Preflight\", lists what preflight reads in each account), or, %s",
			what, w.account, w.provider, w.creds.Mode(), perm, call.Function(), lastLine(err), perm, w.account, disableHint)
	default:
		c.problem(key, "preflight could not read %s in account %s, %s (%s answered: %s); run the preview again, or, %s",
			what, w.account, w.region, call.Function(), lastLine(err), disableHint)
	}
	return false
}

func (c *checker) notLookedUp(key, what string) bool {
	c.problem(key, "preflight has no answer about %s: the program did not look it up, which is a bug of this program (please report it); meanwhile, %s", what, disableHint)
	return false
}

// bucket checks that the bucket exists in bucketRegion; it returns whether its policy can be
// judged.
func (c *checker) bucket() bool {
	b, w := c.s.Bucket, c.owner()
	f := c.f.Bucket
	switch {
	case f.Err == nil && f.Region == "":
		return c.notLookedUp("bucketName", "bucket "+b.Name)
	case f.Err == nil && f.Region != b.Account.Region:
		c.problem("bucketRegion", "bucket %s is in %s, not in bucketRegion %s; an S3 gateway endpoint reaches only buckets of its own Region, so set bucketRegion (and every consumer's Region) to %s, or share a bucket of %s",
			b.Name, f.Region, b.Account.Region, f.Region, b.Account.Region)
		return false
	case f.Err == nil:
		return true
	}
	switch Classify(f.Err) {
	case NotFound:
		c.problem("bucketName", "bucket %s does not exist (%s in account %s answered: %s); create it first, or correct bucketName",
			b.Name, CallBucket.Function(), w.account, lastLine(f.Err))
	case WrongRegion:
		c.problem("bucketRegion", "bucket %s is not in bucketRegion %s: S3 redirected the lookup made there (%s); find its Region with `aws s3api head-bucket --bucket %s` (BucketRegion) and set bucketRegion to it, and every consumer's Region too, since an S3 gateway endpoint reaches only buckets of its own Region",
			b.Name, b.Account.Region, lastLine(f.Err), b.Name)
	case Denied:
		c.problem("bucketName", "account %s cannot read bucket %s (%s answered: %s): either the bucket belongs to another account than bucketAccountId %s (bucket names are global: check the name), or the credentials of provider %s (%s) lack s3:ListBucket on %s; correct the name or the account, or grant s3:ListBucket, or, %s",
			w.account, b.Name, CallBucket.Function(), lastLine(f.Err), w.account, w.provider, w.creds.Mode(), spec.BucketARN(b.Account.Region, b.Name), disableHint)
	default:
		c.failed("bucketName", w, CallBucket, "bucket "+b.Name, f.Err)
	}
	return false
}

func (c *checker) bucketPolicy() {
	b, w := c.s.Bucket, c.owner()
	f := c.f.Bucket
	policy := f.Policy
	if f.PolicyErr != nil {
		if Classify(f.PolicyErr) != NotFound { // NotFound: no policy, nothing to keep
			c.failed("bucketName", w, CallBucketPolicy, "the policy of bucket "+b.Name, f.PolicyErr)
			return
		}
		policy = ""
	}
	var record []map[string]any
	own := c.wouldWrite()
	if c.opts.Record.Found {
		var err error
		if record, err = statementsOf(c.opts.Record.Policy); err != nil {
			c.problem("bucketName", "the bucketPolicy output of this stack's last update is not a policy document (%v), so preflight cannot compare the live policy of bucket %s with it; run pulumi up --refresh, or, %s", err, b.Name, disableHint)
			return
		}
		own = record
	}
	sts, err := ReadPolicy(c.s, policy, own)
	if err != nil {
		c.problem("bucketName", "%v, so preflight cannot tell what pulumi up would delete; fix or delete the policy of bucket %s in account %s (aws s3api get-bucket-policy --bucket %s), or, %s",
			err, b.Name, w.account, b.Name, disableHint)
		return
	}
	c.report.Statements = sts
	if c.opts.Record.Found {
		if c.fromRecord(sts, record) {
			c.judged(sts)
		}
		return
	}
	// With no record, a kept statement whose live content differs from the stack file is no more
	// trusted than a foreign one: the user decides which of the two stays.
	var foreign []Statement
	for _, st := range sts {
		if st.Class == Foreign && !st.Dead() || st.Class == Kept && st.Changed {
			foreign = append(foreign, st)
		}
	}
	c.judged(sts)
	if len(foreign) == 0 {
		return
	}
	if c.opts.DropForeign {
		var list []string
		for _, st := range foreign {
			list = append(list, st.Name()+": "+st.JSON())
		}
		c.warn("cross-account-s3:dropForeignBucketPolicyStatements is true: pulumi up deletes these %d statements of the live policy of bucket %s (account %s), which this stack neither writes nor keeps, and pulumi destroy does not bring them back: %s",
			len(foreign), b.Name, w.account, strings.Join(list, "; "))
		return
	}
	c.foreignProblem(foreign)
}

// judged gives the warnings about statements the update rewrites: kept ones that change, dead
// ones it drops, principals IAM replaced by unique IDs, roles whose access goes.
func (c *checker) judged(sts []Statement) {
	for _, st := range sts {
		switch {
		case st.Class == Kept && (c.opts.Record.Found || !st.Changed):
			c.keptStatement(st)
		case st.Class == Foreign && st.Dead():
			c.warn("pulumi up drops %s of the live policy of bucket %s: its only principals, %s, are unique IDs IAM wrote in place of deleted principals, so it applies to nobody: %s",
				st.Name(), c.s.Bucket.Name, strings.Join(st.Deleted, ", "), st.JSON())
		}
	}
	c.ownStatements(sts)
}

// keptStatement warns about a kept statement the update changes: one that differs from the item
// with its Sid, or that names deleted principals.
func (c *checker) keptStatement(st Statement) {
	key := fmt.Sprintf("extraBucketPolicyStatements[%d]", st.Kept)
	configured := c.s.ExtraBucketStatements[st.Kept]
	if st.Changed {
		c.warn("%s of the live policy of bucket %s differs from %s, which has the same Sid; pulumi up writes %s: %s in place of %s",
			st.Name(), c.s.Bucket.Name, key, key, compactJSON(configured), st.JSON())
		return
	}
	if len(st.Deleted) == 0 {
		return
	}
	partition := spec.Partition(c.s.Bucket.Account.Region)
	live := map[string]bool{}
	if p, ok := st.Body["Principal"].(map[string]any); ok {
		for _, v := range strList(p["AWS"]) {
			live[normalPrincipal(v, partition)] = true
		}
	}
	var replaced []string
	if p, ok := configured["Principal"].(map[string]any); ok {
		for _, v := range strList(p["AWS"]) {
			if !live[normalPrincipal(v, partition)] {
				replaced = append(replaced, v)
			}
		}
	}
	if len(replaced) == 0 {
		c.warn("%s of the live policy of bucket %s (kept as %s) names %s, unique IDs IAM wrote in place of deleted principals; pulumi up writes %s as configured, without them",
			st.Name(), c.s.Bucket.Name, key, strings.Join(st.Deleted, ", "), key)
		return
	}
	c.warn("%s of the live policy of bucket %s (kept as %s) names %s where %s names %s: IAM writes a principal's unique ID in place of its ARN when the principal is deleted. If it was created again, pulumi up --refresh writes the ARN back (a plain pulumi up writes only when the document changes); if it is gone for good, remove it from %s: S3 refuses a policy naming a principal that does not exist (MalformedPolicy: Invalid principal)",
		st.Name(), c.s.Bucket.Name, key, strings.Join(st.Deleted, ", "), key, strings.Join(replaced, ", "), key)
}

// ownStatements warns about this stack's statements that name deleted principals, and about
// roles the live policy admits that the update removes.
func (c *checker) ownStatements(sts []Statement) {
	// What this stack's own Allows name: roles, or, by account, account roots (by organization,
	// none: "*").
	configured := map[string]bool{}
	own := c.s
	own.ExtraBucketStatements = nil
	for _, st := range policydoc.BucketPolicy(own, nil).Statement {
		if st, ok := st.(policydoc.Statement); ok && st.Effect == "Allow" {
			if p, ok := st.Principal.(map[string]policydoc.Strings); ok {
				for _, arn := range p["AWS"] {
					configured[arn] = true
				}
			}
		}
	}
	var deleted, sids, removed []string
	liveRoles := map[string]bool{}
	for _, st := range sts {
		if st.Class != Own || st.Body["Effect"] != "Allow" {
			continue
		}
		p, _ := st.Body["Principal"].(map[string]any)
		for _, v := range strList(p["AWS"]) {
			switch {
			case IsUniqueID(v):
				deleted = append(deleted, v)
				sids = append(sids, st.Sid)
			case !liveRoles[v]:
				liveRoles[v] = true
				if !configured[v] {
					removed = append(removed, v)
				}
			}
		}
	}
	if len(removed) > 0 {
		c.warn("pulumi up removes from the policy of bucket %s the access of %s, which this stack's statements there admit and its configuration no longer lists (a consumer or role removed, or another stack writing this bucket's policy: a bucket has one policy, so two stacks overwrite each other)",
			c.s.Bucket.Name, joinAnd(spec.SortedUnique(removed)))
	}
	if len(deleted) == 0 {
		return
	}
	msg := fmt.Sprintf("the live policy of bucket %s names %s in this stack's statements (%s): IAM writes a principal's unique ID in place of its ARN when the principal is deleted, and a role created again under the same name gets a new ID, so these entries admit nobody.",
		c.s.Bucket.Name, joinAnd(spec.SortedUnique(deleted)), joinAnd(spec.SortedUnique(sids)))
	var recreated []string
	for _, cons := range c.s.SortedConsumers() {
		for _, arn := range cons.RoleARNs {
			if r, ok := c.f.Roles[arn]; ok && r.Err == nil && !liveRoles[arn] {
				recreated = append(recreated, fmt.Sprintf("%s (%s, unique ID %s now)", arn, roleKey(cons, arn), r.UniqueID))
			}
		}
	}
	if n := len(recreated); n > 0 {
		msg += fmt.Sprintf(" %s %s but the live policy does not name %s: if %s deleted and created again, %s no access now.", joinAnd(recreated),
			plural(n, "exists", "exist"), plural(n, "it", "them"), plural(n, "it was", "they were"), plural(n, "it has", "they have"))
	}
	msg += " pulumi up rewrites the policy, with ARNs, only when the document changes: if its preview shows no update of the bucket policy, run pulumi up --refresh to rewrite it."
	c.warn("%s", msg)
}

// foreignProblem is the one problem about the statements pulumi up would delete: each of them,
// and the exact stack-file YAML that keeps them.
func (c *checker) foreignProblem(foreign []Statement) {
	b := c.s.Bucket
	used := map[string]bool{}
	for _, sid := range policydoc.OwnSids(c.s) {
		used[sid] = true
	}
	for _, e := range c.s.ExtraBucketStatements {
		if sid, _ := e["Sid"].(string); sid != "" {
			used[sid] = true
		}
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "the live policy of bucket %s (account %s) holds %d %s this stack neither writes nor keeps, and pulumi up would delete %s:\n",
		b.Name, b.Account.ID, len(foreign), plural(len(foreign), "statement", "statements"), plural(len(foreign), "it", "them"))
	keep := append([]map[string]any{}, c.s.ExtraBucketStatements...)
	var notes []string
	for _, st := range foreign {
		fmt.Fprintf(&msg, "    %s: %s\n", st.Name(), st.JSON())
		body := copyMap(st.Body)
		if st.Class == Kept {
			key := fmt.Sprintf("%s[%d]", spec.PathKeptStatements, st.Kept)
			notes = append(notes, fmt.Sprintf("%s has the Sid of %s but other content (%s): the block above puts the live one in its place; to write %s as the stack file has it instead, set dropForeignBucketPolicyStatements: true for this update.",
				st.Name(), key, differingElements(c.s.ExtraBucketStatements[st.Kept], st.Body, spec.Partition(b.Account.Region)), key))
			keep[st.Kept] = withoutDeleted(body)
			continue
		}
		sid := st.Sid
		switch {
		case sid == "":
			sid = uniqueSid(used, fmt.Sprintf("KeptStatement%d", st.Position))
			notes = append(notes, fmt.Sprintf("%s gets the Sid %s: every kept statement needs a unique Sid.", st.Name(), sid))
		case used[sid]:
			sid = uniqueSid(used, "Kept"+sid)
			notes = append(notes, fmt.Sprintf("%s becomes %s: its Sid is one this stack uses.", st.Name(), sid))
		default:
			used[sid] = true
		}
		body["Sid"] = sid
		if st.Note != "" {
			notes = append(notes, fmt.Sprintf("%s: %s.", st.Name(), upperFirst(st.Note)))
		}
		if len(st.Deleted) > 0 {
			body = withoutDeleted(body)
			notes = append(notes, fmt.Sprintf("%s names %s, unique IDs IAM wrote in place of deleted principals, which admit nobody: they are left out of the block above; if a principal was created again, add its ARN.",
				st.Name(), strings.Join(st.Deleted, ", ")))
		}
		for _, finding := range policydoc.StatementFindings(c.s, body) {
			notes = append(notes, fmt.Sprintf("%s cannot be kept as it is: it %s; edit it in the block above, or drop it.", st.Name(), strings.TrimPrefix(finding.Message, "it ")))
		}
		keep = append(keep, body)
	}
	already := ""
	if n := len(c.s.ExtraBucketStatements); n > 0 && len(keep) > n {
		already = fmt.Sprintf("; its first %d %s the %s you keep already", n, plural(n, "item is", "items are"), plural(n, "statement", "statements"))
	}
	fmt.Fprintf(&msg, "To keep %s, set this under config: in %s (it replaces %s%s):\n\n%s\nor run this command, which writes the same:\n\n%s\n\n",
		plural(len(foreign), "it", "them"), c.stackFile(), ExtraStatementsKey, already, KeepYAML(keep), KeepCommand(c.opts.Stack, keep))
	for _, n := range notes {
		msg.WriteString("    " + n + "\n")
	}
	fmt.Fprintf(&msg, "To let pulumi up delete %s instead, set cross-account-s3:dropForeignBucketPolicyStatements: true (pulumi config set dropForeignBucketPolicyStatements true)",
		plural(len(foreign), "it", "them"))
	c.problem("extraBucketPolicyStatements", "%s", msg.String())
}

func uniqueSid(used map[string]bool, sid string) string {
	out := sid
	for n := 2; used[out]; n++ {
		out = fmt.Sprintf("%s%d", sid, n)
	}
	used[out] = true
	return out
}

// withoutDeleted drops unique IDs from Principal.AWS and NotPrincipal.AWS.
func withoutDeleted(st map[string]any) map[string]any {
	out := copyMap(st)
	for _, el := range []string{"Principal", "NotPrincipal"} {
		p, ok := out[el].(map[string]any)
		if !ok {
			continue
		}
		var kept []any
		for _, v := range strList(p["AWS"]) {
			if !IsUniqueID(v) {
				kept = append(kept, v)
			}
		}
		out[el] = withAWS(p, kept)
	}
	return out
}

func article(word string) string {
	if word != "" && strings.ContainsRune("AEIOUaeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (c *checker) roles() {
	for _, cons := range c.s.SortedConsumers() {
		w := c.consumer(cons)
		for _, arn := range cons.RoleARNs {
			key, name := roleKey(cons, arn), spec.RoleName(arn)
			r, ok := c.f.Roles[arn]
			switch {
			case !ok:
				c.notLookedUp(key, "role "+arn)
			case r.Err == nil && r.ARN != "" && r.ARN != arn:
				c.problem(key, "role %s exists in account %s as %s, not as %s; write %s (a bucket policy names a role by its ARN, path included)",
					name, w.account, r.ARN, arn, r.ARN)
			case r.Err == nil:
			case Classify(r.Err) == NotFound:
				c.problem(key, "role %s does not exist in account %s (%s answered: %s); create it first, or correct the ARN: S3 refuses a bucket policy naming a role that does not exist (MalformedPolicy: Invalid principal), and pulumi up would fail only after creating the endpoint",
					name, w.account, CallRole.Function(), lastLine(r.Err))
			default:
				c.failed(key, w, CallRole, "role "+name, r.Err)
			}
		}
	}
}

func (c *checker) routeTables() {
	for _, g := range c.layout.Endpoints {
		w := c.consumer(g.Consumers[0])
		for _, rt := range g.RouteTableIDs {
			key := routeTableKey(g, rt)
			r, ok := c.f.RouteTables[RouteKey(g.AccountID, rt)]
			switch {
			case !ok:
				c.notLookedUp(key, "route table "+rt)
			case r.Err == nil && r.VpcID != g.VpcID:
				c.problem(key, "route table %s belongs to %s, not to vpcId %s (account %s); an S3 gateway endpoint serves only route tables of its own VPC, so list route tables of %s here, or set vpcId to %s",
					rt, r.VpcID, g.VpcID, g.AccountID, g.VpcID, r.VpcID)
			case r.Err == nil:
			case Classify(r.Err) == NotFound:
				c.problem(key, "route table %s does not exist in account %s, %s (%s answered: %s); correct it, or remove it",
					rt, g.AccountID, g.Region, CallRouteTable.Function(), lastLine(r.Err))
			default:
				c.failed(key, w, CallRouteTable, "route table "+rt, r.Err)
			}
		}
	}
}

func (c *checker) endpoints() {
	for _, g := range c.layout.Endpoints {
		if g.AdoptID != "" {
			c.adopted(g)
		} else {
			c.existing(g)
		}
	}
}

// adopted checks an adoptEndpointId: it exists, and is what the stack needs.
func (c *checker) adopted(g spec.EndpointGroup) {
	first := g.Consumers[0]
	key, w := first.Key("adoptEndpointId"), c.consumer(first)
	a, ok := c.f.Adopted[VPCKey(g.AccountID, g.AdoptID)]
	switch {
	case !ok:
		c.notLookedUp(key, "endpoint "+g.AdoptID)
		return
	case a.Err == nil:
	case Classify(a.Err) == NotFound:
		c.problem(key, "endpoint %s does not exist in account %s, %s (an account sees only its own endpoints; %s answered: %s); correct adoptEndpointId, or remove it to create an endpoint",
			g.AdoptID, g.AccountID, g.Region, CallVpcEndpoint.Function(), lastLine(a.Err))
		return
	default:
		c.failed(key, w, CallVpcEndpoint, "endpoint "+g.AdoptID, a.Err)
		return
	}
	c.report.Problems = append(c.report.Problems, CheckAdopted(g, a.Endpoint)...)
}

// CheckAdopted reports why an existing endpoint cannot serve its consumers: the same checks and
// words as crossaccount.CheckAdopted, which can call this.
func CheckAdopted(g spec.EndpointGroup, e Endpoint) spec.Problems {
	c := g.Consumers[0]
	key, id := c.Key("adoptEndpointId"), g.AdoptID
	var ps spec.Problems
	if e.Type != "Gateway" {
		ps = append(ps, spec.Problem{Key: key, Message: fmt.Sprintf("%s is %s %s endpoint; adopt an S3 endpoint of type Gateway", id, article(e.Type), e.Type)})
	}
	if want := spec.ServiceName(g.Region); e.ServiceName != want {
		ps = append(ps, spec.Problem{Key: key, Message: fmt.Sprintf("%s serves %s, not %s; adopt the S3 gateway endpoint of the bucket's Region", id, e.ServiceName, want)})
	}
	if e.VpcID != g.VpcID {
		ps = append(ps, spec.Problem{Key: key, Message: fmt.Sprintf("%s is in %s, not in vpcId %s", id, e.VpcID, g.VpcID)})
	}
	associated := map[string]bool{}
	for _, rt := range e.RouteTableIDs {
		associated[rt] = true
	}
	for _, rt := range g.RouteTableIDs {
		if !associated[rt] {
			ps = append(ps, spec.Problem{Key: c.Key("routeTableIds"), Message: fmt.Sprintf(
				"%s is not associated with the adopted endpoint %s; associate it where that endpoint is managed, or remove it here", rt, id)})
		}
	}
	return ps
}

// existing checks that no S3 gateway endpoint but this stack's own already serves a route table
// the endpoint this stack creates would take.
func (c *checker) existing(g spec.EndpointGroup) {
	first := g.Consumers[0]
	key, w := first.Key("adoptEndpointId"), c.consumer(first)
	v, ok := c.f.VPCs[VPCKey(g.AccountID, g.VpcID)]
	what := "the S3 gateway endpoints of " + g.VpcID
	switch {
	case !ok:
		c.notLookedUp(key, what)
		return
	case v.Err == nil:
		c.judgeEndpoint(g, v.Endpoint)
		return
	}
	switch Classify(v.Err) {
	case NotFound:
		return // none
	case Several:
	default:
		c.failed(key, w, CallVpcEndpoint, what, v.Err)
		return
	}
	var own Endpoint
	switch {
	case v.OwnErr == nil && v.Own.ID == "":
		c.notLookedUp(key, "this stack's own endpoint in "+g.VpcID)
		return
	case v.OwnErr == nil:
		own = v.Own
		c.judgeEndpoint(g, own)
	case Classify(v.OwnErr) == NotFound:
	default:
		c.failed(key, w, CallVpcEndpoint, "this stack's own endpoint in "+g.VpcID, v.OwnErr)
		return
	}
	switch {
	case v.PrefixListErr != nil:
		c.failed(key, w, CallPrefixList, "S3's prefix list of "+g.Region, v.PrefixListErr)
		return
	case v.RoutedErr != nil:
		c.failed(key, w, CallRouteTables, "the route tables of "+g.VpcID+" that route to S3", v.RoutedErr)
		return
	case v.PrefixList == "":
		c.notLookedUp(key, "S3's prefix list of "+g.Region)
		return
	}
	routed := map[string]bool{}
	for _, rt := range v.Routed {
		routed[rt] = true
	}
	byOwn := map[string]bool{}
	for _, rt := range own.RouteTableIDs {
		byOwn[rt] = true
	}
	var unknown []string
	for _, rt := range g.RouteTableIDs {
		if routed[rt] && !byOwn[rt] {
			unknown = append(unknown, rt)
		}
	}
	if len(unknown) == 0 {
		return
	}
	var keys []string
	for _, rt := range unknown {
		keys = append(keys, routeTableKey(g, rt))
	}
	c.problem(key, "%s %s (%s) already %s to S3's prefix list %s through a gateway endpoint of %s (account %s), which has several S3 gateway endpoints, so the lookup cannot say which (it answers one endpoint at most); a route table holds one route to S3 endpoints only, so the endpoint this stack would create fails (RouteAlreadyExists). Find the endpoint with `aws ec2 describe-route-tables --region %s --route-table-ids %s --query \"RouteTables[].Routes[?DestinationPrefixListId=='%s'].GatewayId\"` in account %s, then use it: %s",
		plural(len(unknown), "route table", "route tables"), joinAnd(unknown), strings.Join(keys, ", "), plural(len(unknown), "routes", "route"),
		v.PrefixList, g.VpcID, g.AccountID, g.Region, strings.Join(unknown, " "), v.PrefixList, g.AccountID, c.adoptLine(g, "vpce-…"))
}

// judgeEndpoint reports an existing S3 gateway endpoint that serves listed route tables and is not
// this stack's own.
func (c *checker) judgeEndpoint(g spec.EndpointGroup, e Endpoint) {
	mine := StackTagValue(c.opts.Project, c.opts.Stack)
	tag, tagged := e.Tags[StackTagKey]
	switch {
	case tagged && tag == mine:
		return
	case !tagged && e.Tags["Name"] == LegacyNameTag(c.s.Bucket.Name):
		c.warn("endpoint %s in %s (account %s) carries the Name tag %s of the endpoints this stack created before they carried the tag %s, and is taken as this stack's own; pulumi up adds the tag. If another stack created it, do not deploy: use it with adoptEndpointId: %s instead",
			e.ID, g.VpcID, g.AccountID, LegacyNameTag(c.s.Bucket.Name), StackTagKey, e.ID)
		return
	}
	served := map[string]bool{}
	var taken, keys []string
	for _, rt := range e.RouteTableIDs {
		served[rt] = true
	}
	for _, rt := range g.RouteTableIDs {
		if served[rt] {
			taken = append(taken, rt)
			keys = append(keys, routeTableKey(g, rt))
		}
	}
	if len(taken) == 0 {
		return
	}
	var also []string
	for _, rt := range g.RouteTableIDs {
		if !served[rt] {
			also = append(also, rt)
		}
	}
	owner := ""
	if tagged {
		owner = fmt.Sprintf(" It was created by stack %s (tag %s), whose pulumi destroy would delete it.", tag, StackTagKey)
	}
	extra := ""
	if len(also) > 0 {
		extra += fmt.Sprintf("\n    An adopted endpoint must serve every listed route table, and %s does not serve %s: associate %s with %s where it is managed, or remove %s from routeTableIds.",
			e.ID, joinAnd(also), joinAnd(also), e.ID, joinAnd(also))
	}
	if g.Policy == spec.Restricted {
		extra += "\n    Set endpointPolicy: full-access too: an adopted endpoint keeps its own policy."
	}
	if extra != "" {
		extra = "\n" + extra
	}
	c.problem(g.Consumers[0].Key("adoptEndpointId"), "%s %s (%s) already %s S3 traffic through gateway endpoint %s of %s (account %s); a route table holds one route to S3 endpoints only, so the endpoint this stack would create fails (RouteAlreadyExists).%s Use that endpoint: %s%s",
		plural(len(taken), "route table", "route tables"), joinAnd(taken), strings.Join(keys, ", "), plural(len(taken), "routes", "route"),
		e.ID, g.VpcID, g.AccountID, owner, c.adoptLine(g, e.ID), extra)
}

// adoptLine is the exact stack-file line that adopts an endpoint for a group: the flat key under
// config:, or the item field in each consumers item of the VPC.
func (c *checker) adoptLine(g spec.EndpointGroup, id string) string {
	if !c.opts.ListForm {
		return fmt.Sprintf("add this line under config: in %s:\n\n  cross-account-s3:adoptEndpointId: %s", c.stackFile(), id)
	}
	var names []string
	for _, cons := range g.Consumers {
		names = append(names, cons.Name)
	}
	sort.Strings(names)
	return fmt.Sprintf("add this line to %s cross-account-s3:consumers %s named %s in %s:\n\n      adoptEndpointId: %s",
		plural(len(names), "the", "each of the"), plural(len(names), "item", "items"), joinAnd(names), c.stackFile(), id)
}
