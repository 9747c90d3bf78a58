// Package offlineplan evaluates a stack's configuration offline: it runs the stack program itself under
// Pulumi's mocks and describes what `pulumi up` would create in each account, with the policy
// documents in full. It needs no Pulumi CLI, no backend and no credentials.
package offlineplan

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/crossaccount"
	"cross-account-s3/policydoc"
	"cross-account-s3/preflight"
	"cross-account-s3/program"
	"cross-account-s3/spec"
	"cross-account-s3/stackconfig"
	"cross-account-s3/tools/offline"
	"cross-account-s3/tools/stackfile"
)

// Deployment is what `pulumi up` would deploy for one stack, as the offline plan shows it.
type Deployment struct {
	Project    string         `json:"project"`
	Stack      string         `json:"stack"`
	Accounts   []Account      `json:"accounts"`
	Documents  []Document     `json:"documents"`
	Outputs    map[string]any `json:"outputs"`
	Warnings   []string       `json:"warnings"`
	NotChecked []string       `json:"notChecked"`
	// Preflight is what pulumi preview and up read from the live accounts before writing.
	Preflight Preflight `json:"preflight"`
	// Destroy says what pulumi destroy would leave (preflight.DecideLifecycle).
	Destroy string `json:"destroy"`
	// Deployers are the least-privilege policies of the identities that deploy it, per account.
	Deployers []Deployer `json:"deployerPolicies"`
}

// Deployer is the identity policy the deploying identity of one account needs
// (policydoc.DeployerPolicies), as JSON to attach.
type Deployer struct {
	Account string          `json:"account"`
	Sides   []string        `json:"sides"`
	Policy  json.RawMessage `json:"policy"`
}

// Preflight lists the lookups of the live accounts that only pulumi preview and up make
// (package preflight), and the read-only permissions they need per account.
type Preflight struct {
	Enabled bool `json:"enabled"`
	// Warning is preview's warning when preflight is off.
	Warning     string              `json:"warning,omitempty"`
	Lookups     []Lookup            `json:"lookups"`
	Permissions map[string][]string `json:"permissions"`
}

// Lookup is one read of a live account.
type Lookup struct {
	Key         string   `json:"key"`
	Checks      string   `json:"checks"`
	Function    string   `json:"function"`
	Target      string   `json:"target"`
	Account     string   `json:"account"`
	Region      string   `json:"region"`
	Provider    string   `json:"provider"`
	Permissions []string `json:"permissions"`
	When        string   `json:"when,omitempty"`
	// Line is the lookup in one line, as the text plan shows it.
	Line string `json:"-"`
}

// Account is one provider, the account it is pinned to, and the resources it would manage.
type Account struct {
	// Side is "bucket owner" or "consumer", not an IAM role.
	Side        string            `json:"side"`
	Provider    string            `json:"provider"`
	AccountID   string            `json:"accountId"`
	Region      string            `json:"region"`
	Credentials string            `json:"credentials"`
	Consumers   []string          `json:"consumers,omitempty"`
	DefaultTags map[string]string `json:"defaultTags,omitempty"`
	Resources   []Resource        `json:"resources"`
	// Reads are lookups the program makes in this account, such as an adopted endpoint.
	Reads []string `json:"reads,omitempty"`
	// KeyPermissions are, for a bucket encrypted with a KMS key, what each role gets on the key:
	// in the bucket owner's account its grant, in a consumer account the key statements of its
	// identity policy (managed by the stack, or to be added).
	KeyPermissions []KeyPermission `json:"keyPermissions,omitempty"`
}

// KeyPermission is one role's permission on the bucket's KMS key, on one side.
type KeyPermission struct {
	// Role is the role ARN, Consumer the consumer it belongs to.
	Role     string `json:"role"`
	Consumer string `json:"consumer"`
	// Grant is the grant's logical name (bucket owner's side).
	Grant string `json:"grant,omitempty"`
	// Operations are the grant operations (owner) or the KMS actions (consumer).
	Operations []string `json:"operations"`
	// Constraint is the grant's encryption-context constraint (owner).
	Constraint string `json:"constraint,omitempty"`
	// Statement says where the role's key statements are (consumer).
	Statement string `json:"statement,omitempty"`
}

// Resource is one resource with its inputs; policy documents are listed apart.
type Resource struct {
	Type   string         `json:"type"`
	Name   string         `json:"name"`
	Inputs map[string]any `json:"inputs"`
}

// Document is a policy document a resource would carry.
type Document struct {
	Title    string          `json:"title"`
	Resource string          `json:"resource"`
	Policy   json.RawMessage `json:"policy"`
}

// ConfigError is an invalid configuration: the program's own validation messages.
type ConfigError struct{ Err error }

func (e ConfigError) Error() string { return e.Err.Error() }

// notDecrypted stands in for secure config values, which the plan never decrypts.
const notDecrypted = "not-decrypted"

// KnownAfterDeploy marks a value AWS assigns on deploy.
func KnownAfterDeploy(what string) string { return "<" + what + ", known after deploy>" }

// Build reads a project file (Pulumi.yaml) and a stack file (Pulumi.<stack>.yaml, anywhere) and
// plans the stack. A missing or malformed file is a plain error; configuration that the CLI or the
// program refuses is a ConfigError, in their words.
func Build(projectFile, stackFile string) (*Deployment, error) {
	l, err := load(projectFile, stackFile)
	if err != nil {
		return nil, err
	}
	stack, st, src, secretKeys, s, set := l.stack, l.file, l.src, l.secretKeys, l.spec, l.settings
	if set.Side == spec.SideOwner {
		return nil, fmt.Errorf("%s is an owner stack (side: owner): its bucket policy is built from the outputs of the stacks in consumerStacks, which only the state backend holds, so it cannot be planned offline; plan each consumer stack's file here, and preview the owner with pulumi preview --stack %s (or go run ./cmd/rollout -op preview)", stackFile, stack)
	}
	names := stackconfig.NamesOf(src)
	m := mocksFor(s)
	outputs, err := runProgram(m, stack, program.Config{Spec: s, Settings: set, RewritePaths: names.RewritePaths})
	if err != nil {
		return nil, ConfigError{err}
	}
	p := &Deployment{Project: st.Project, Stack: stack, Outputs: outputs,
		Warnings: append(rewriteAll(crossaccount.Warnings(s, set.Side), names.RewritePaths), settingsWarnings(st)...)}
	opts := program.OptionsFor(st.Project, stack, set)
	lifecycle := preflight.DecideLifecycle(s, opts)
	p.Warnings = append(p.Warnings, rewriteAll(lifecycle.Warnings, names.RewritePaths)...)
	p.Destroy = lifecycle.Destroy
	p.Preflight = preflightOf(s, opts, names)
	if opts.Disabled {
		p.Warnings = append(p.Warnings, preflight.DisabledWarning)
	}
	p.describe(s, m)
	p.Deployers = deployersOf(s, set)
	p.NotChecked = notChecked(s, opts, secretKeys)
	if p.Warnings == nil {
		p.Warnings = []string{}
	}
	return p, nil
}

func rewriteAll(texts []string, rewrite func(string) string) []string {
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = rewrite(t)
	}
	return out
}

// sourceOf is a stack file's config as the program reads it, secure values not decrypted, and the
// keys that hold them.
func sourceOf(st *stackfile.Stack) (stackconfig.MapSource, []string) {
	values := map[string]string{}
	var secretKeys []string
	for k, v := range st.Values {
		values[k] = v
		if st.Secrets[k] {
			// A list or map value holds its secrets inside; replace each, keep the structure.
			values[k] = strings.ReplaceAll(v, `"`+stackfile.Secret+`"`, `"`+notDecrypted+`"`)
			if v == stackfile.Secret {
				values[k] = notDecrypted
			}
			secretKeys = append(secretKeys, k)
		}
	}
	sort.Strings(secretKeys)
	return stackconfig.MapSource{Values: values, Secrets: st.Secrets, Nested: st.Nested}, secretKeys
}

// deployersOf renders policydoc.DeployerPolicies. An owner stack's consumers are in its consumer
// stacks: the bucket key may then be granted to roles of the accounts pinned to them.
func deployersOf(s spec.Spec, set stackconfig.Settings) []Deployer {
	var grantees []string
	for _, cs := range set.ConsumerStacks {
		for _, account := range cs.AccountIDs {
			grantees = append(grantees, "arn:"+spec.Partition(s.Bucket.Account.Region)+":iam::"+account+":role/*")
		}
	}
	out := []Deployer{}
	for _, d := range policydoc.DeployerPolicies(s, set.Side, grantees) {
		out = append(out, Deployer{Account: d.Account, Sides: d.Sides, Policy: json.RawMessage(d.Policy.JSON())})
	}
	return out
}

// DeployerPolicies are the deployer policies of a stack file, owner stacks included (they need
// no program run: the policies follow from the configuration alone).
func DeployerPolicies(projectFile, stackFile string) ([]Deployer, error) {
	l, err := load(projectFile, stackFile)
	if err != nil {
		return nil, err
	}
	return deployersOf(l.spec, l.settings), nil
}

// loaded is a stack file as the CLI and the program read it.
type loaded struct {
	stack      string
	file       *stackfile.Stack
	src        stackconfig.MapSource
	secretKeys []string
	spec       spec.Spec
	settings   stackconfig.Settings
}

// load reads and validates a stack file: a missing or malformed file is a plain error, a refused
// configuration a ConfigError.
func load(projectFile, stackFile string) (loaded, error) {
	var l loaded
	var err error
	if l.stack, err = StackName(stackFile); err != nil {
		return l, err
	}
	l.file, err = stackfile.LoadFile(projectFile, stackFile, l.stack)
	var refused stackfile.ConfigError
	if errors.As(err, &refused) {
		return l, ConfigError{refused}
	}
	if err != nil {
		return l, err
	}
	l.src, l.secretKeys = sourceOf(l.file)
	var problems spec.Problems
	if l.spec, l.settings, problems = stackconfig.Load(l.src); len(problems) > 0 {
		return l, ConfigError{problems}
	}
	return l, nil
}

// StackName is the stack a file named Pulumi.<stack>.yaml configures.
func StackName(stackFile string) (string, error) {
	base := filepath.Base(stackFile)
	stack := strings.TrimSuffix(strings.TrimPrefix(base, "Pulumi."), ".yaml")
	if !strings.HasPrefix(base, "Pulumi.") || !strings.HasSuffix(base, ".yaml") || stack == "" {
		return "", fmt.Errorf("%s is not named Pulumi.<stack>.yaml, so it names no stack", stackFile)
	}
	return stack, nil
}

// mocksFor answers what AWS would: placeholders for IDs assigned on deploy, and for an adopted
// endpoint an answer shaped as configured, since the plan cannot look it up.
func mocksFor(s spec.Spec) *offline.Mocks {
	return &offline.Mocks{
		Spec:            &s,
		EndpointIDFor:   func(name string) string { return KnownAfterDeploy("ID of endpoint " + name) },
		PrefixListIDFor: func(name string) string { return KnownAfterDeploy("S3 prefix list ID") },
		Endpoints: offline.AdoptedEndpoints(s, KnownAfterDeploy("S3 prefix list ID"),
			func(id string) string { return KnownAfterDeploy("policy of adopted endpoint " + id) }),
	}
}

// runProgram runs the stack's program with the configuration Build loaded, and resolves its
// outputs.
func runProgram(m *offline.Mocks, stack string, cfg program.Config) (map[string]any, error) {
	declare := func(ctx *pulumi.Context) (map[string]pulumi.Input, error) { return program.Declare(ctx, cfg) }
	outputs, err := m.RunOutputs(stack, declare, nil)
	if err != nil {
		return nil, unwrapRunError(err)
	}
	return outputs, nil
}

// unwrapRunError drops the engine's "1 error occurred" wrapping around the program's own error.
func unwrapRunError(err error) error {
	var problems spec.Problems
	if errors.As(err, &problems) {
		return problems
	}
	msg := strings.TrimSpace(err.Error())
	msg = strings.TrimPrefix(msg, "1 error occurred:")
	return errors.New(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(msg), "*")))
}

// settingsWarnings points at stack settings that do not do what they seem to.
func settingsWarnings(st *stackfile.Stack) []string {
	var out []string
	keys := make([]string, 0, len(st.Other))
	for k := range st.Other {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, "aws:") {
			out = append(out, fmt.Sprintf("%s is set, but every AWS provider of this program is explicit and does not read aws: keys; "+
				"remove it (Regions come from bucketRegion and consumerRegion, credentials from the profile and role keys)", k))
		}
	}
	if v := st.Other["pulumi:disable-default-providers"]; !strings.Contains(v, `"*"`) {
		out = append(out, `pulumi:disable-default-providers is not ["*"]: a resource that forgot its provider would use the shell's account; restore it in Pulumi.yaml`)
	}
	return out
}

// preflightOf lists preflight's lookups, with the keys the user wrote.
func preflightOf(s spec.Spec, opts preflight.Options, names stackconfig.Names) Preflight {
	out := Preflight{Enabled: !opts.Disabled, Lookups: []Lookup{}, Permissions: preflight.Permissions(s, opts)}
	if opts.Disabled {
		out.Warning = preflight.DisabledWarning
	}
	for _, l := range preflight.Lookups(s, opts) {
		l.Key = names.Key(lookupKey(l))
		out.Lookups = append(out.Lookups, Lookup{Key: l.Key, Checks: names.RewritePaths(l.Checks), Function: l.Call.Function(), Target: l.Target,
			Account: l.Account, Region: l.Region, Provider: l.Provider, Permissions: l.Call.Permissions(), When: l.When, Line: names.RewritePaths(l.String())})
	}
	return out
}

// lookupKey is the key a lookup is listed under: the one whose value it reads. preflight.Lookups
// files the search for a VPC's S3 gateway endpoints under adoptEndpointId, the key its problems
// name as the fix (adopt the endpoint found); but the user who never set adoptEndpointId wrote the
// VPC and the route tables that search reads: vpcId for the endpoint and prefix list lookups,
// routeTableIds for the route tables routing to S3.
func lookupKey(l preflight.Lookup) string {
	prefix, ok := strings.CutSuffix(l.Key, "adoptEndpointId")
	switch {
	case !ok || l.Call == preflight.CallVpcEndpoint && l.Target != l.VpcID:
		return l.Key // not the search, or the lookup of an adopted endpoint by its ID
	case l.Call == preflight.CallRouteTables:
		return prefix + "routeTableIds"
	}
	return prefix + "vpcId"
}

func notChecked(s spec.Spec, opts preflight.Options, secretKeys []string) []string {
	notes := []string{
		"credentials: nothing was read from AWS; pulumi preview checks that each provider's credentials resolve to its account ID",
	}
	if opts.Disabled {
		notes = append(notes, "existence: the bucket, VPC, route tables and roles are not looked up, and preflight is off (preflight: false): pulumi up fails if one is missing, possibly after creating an endpoint")
	} else {
		notes = append(notes, `the live accounts: nothing was read; pulumi preview and pulumi up make every lookup under "Needs the live accounts" and stop before writing anything if one fails`)
	}
	if e := s.Bucket.Encryption; e.KMS() {
		notes = append(notes, fmt.Sprintf("key %s was not looked up; pulumi preview checks that it exists and is enabled, symmetric and customer managed, in account %s and Region %s, before anything is created",
			e.KMSKeyARN, s.Bucket.Account.ID, s.Bucket.Account.Region))
	}
	for _, c := range s.Consumers {
		if c.Endpoint.AdoptID != "" && opts.Disabled {
			notes = append(notes, fmt.Sprintf("adopted endpoint %s was not looked up; pulumi preview checks that it is an S3 gateway endpoint in %s on %s",
				c.Endpoint.AdoptID, c.VpcID, strings.Join(c.RouteTableIDs, ", ")))
		}
	}
	if len(secretKeys) > 0 {
		notes = append(notes, "secrets were not decrypted, so their values were not checked: "+strings.Join(secretKeys, ", "))
	}
	return notes
}
