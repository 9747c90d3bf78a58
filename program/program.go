// Package program is the stack's Pulumi program: it reads the stack configuration, validates all
// of it before registering anything, declares the cross-account component and exports outputs.
package program

import (
	"encoding/json"
	"errors"
	"os"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/crossaccount"
	"cross-account-s3/preflight"
	"cross-account-s3/spec"
	"cross-account-s3/splitstacks"
	"cross-account-s3/stackconfig"
)

// ComponentName is the logical name of the top-level component; it is part of every URN.
const ComponentName = "shared-bucket"

// Run is the program handed to pulumi.Run.
func Run(ctx *pulumi.Context) error {
	outputs, err := Outputs(ctx)
	if err != nil {
		return err
	}
	for name, value := range outputs {
		ctx.Export(name, value)
	}
	return nil
}

// Outputs declares the stack and returns its outputs, for Run. It loads and validates the
// configuration (Load), then declares the side the stack holds (Declare). Invalid configuration
// returns every problem and registers nothing.
func Outputs(ctx *pulumi.Context) (map[string]pulumi.Input, error) {
	cfg, err := Load(contextSource{ctx})
	if err != nil {
		return nil, err
	}
	return Declare(ctx, cfg)
}

// Config is a stack's configuration, read and validated once (stackconfig.Load).
type Config struct {
	Spec     spec.Spec
	Settings stackconfig.Settings
	// RewritePaths turns the spec's field paths into the keys the stack file uses.
	RewritePaths func(string) string
}

// Load reads and validates the configuration; its error is every problem (spec.Problems).
func Load(src stackconfig.Source) (Config, error) {
	s, set, problems := stackconfig.Load(src)
	if len(problems) > 0 {
		return Config{}, problems
	}
	return Config{Spec: s, Settings: set, RewritePaths: stackconfig.NamesOf(src).RewritePaths}, nil
}

// Declare declares the side the stack holds (side) and returns its outputs; it runs in preview
// and up alike, and the engine decides what changes. The offline plan calls it with the
// configuration it loaded itself.
func Declare(ctx *pulumi.Context, cfg Config) (map[string]pulumi.Input, error) {
	s, set := cfg.Spec, cfg.Settings
	args := crossaccount.Args{Spec: s, RewritePaths: cfg.RewritePaths, Preflight: PreflightOptions(ctx, set),
		TakeOverMoved: true}
	// The stack's own outputs of its last update: what it deployed, and (owner) what it granted.
	self, err := splitstacks.ReadStack(ctx, splitstacks.Self(ctx))
	if err != nil {
		return nil, err
	}
	if err := splitstacks.CheckSideSwitch(set.Side, self); err != nil {
		return nil, err
	}
	args.Preflight.Record = recordOf(ctx, self, s.Bucket.Name)
	switch set.Side {
	case spec.SideConsumer:
		deployed, err := crossaccount.NewConsumerSide(ctx, args)
		if err != nil {
			return nil, inKeyOrder(err)
		}
		return ConsumerExports(s, deployed), nil
	case spec.SideOwner:
		return declareOwner(ctx, args, set, self)
	}
	access, err := crossaccount.NewSharedBucketAccess(ctx, ComponentName, args)
	if err != nil {
		return nil, inKeyOrder(err)
	}
	return Exports(s, access.Deployed), nil
}

// recordOf is the bucket policy the stack's last update wrote (its bucketPolicy output), and a
// way to read the policy its state holds now, which preflight needs only when the live policy
// differs from that record.
func recordOf(ctx *pulumi.Context, self splitstacks.Stack, bucket string) preflight.Record {
	policy, found := self.Outputs["bucketPolicy"].(string)
	if self.Status != splitstacks.OK || !found {
		return preflight.Record{}
	}
	return preflight.Record{Found: true, Policy: policy, State: func() (string, bool, error) {
		return splitstacks.BucketPolicyState(ctx, splitstacks.Self(ctx), bucket)
	}}
}

// inKeyOrder orders a preflight stop's problems as the stack file lists the keys.
func inKeyOrder(err error) error {
	var stop preflight.Error
	if errors.As(err, &stop) {
		return preflight.Err(stop.Problems.InKeyOrder(stackconfig.AllKeys))
	}
	return err
}

// PreflightOptions are the settings of preflight and the lifecycle for this stack.
func PreflightOptions(ctx *pulumi.Context, set stackconfig.Settings) preflight.Options {
	return OptionsFor(ctx.Project(), ctx.Stack(), set)
}

// OptionsFor is PreflightOptions for a named stack (the offline plan has no context).
func OptionsFor(project, stack string, set stackconfig.Settings) preflight.Options {
	return preflight.Options{
		Project: project, Stack: stack, Side: set.Side,
		Disabled: !set.Preflight, DropForeign: set.DropForeign, ListForm: set.ListForm,
		ProtectBucketPolicy: set.ProtectBucketPolicy, ProtectEndpoints: set.ProtectEndpoints, ReleaseBucketPolicy: set.ReleaseBucketPolicy,
	}
}

// Exports are the stack outputs: the bucket's, and each consumer's under "consumers", keyed by
// consumer name. A stack with one consumer also gets that consumer's outputs at the top level.
func Exports(s spec.Spec, access crossaccount.Deployed) map[string]pulumi.Input {
	exports := map[string]pulumi.Input{
		"bucketArn":    access.BucketArn,
		"bucketPolicy": access.BucketPolicy,
	}
	consumers := pulumi.Map{}
	for name, c := range access.Consumers {
		outputs := consumerExports(c)
		consumers[name] = pulumi.Map(outputs)
		if len(access.Consumers) == 1 {
			for k, v := range outputs {
				exports[k] = v
			}
		}
	}
	exports["consumers"] = consumers
	return exports
}

func consumerExports(c crossaccount.ConsumerOutputs) map[string]pulumi.Input {
	return map[string]pulumi.Input{
		"endpointId":       c.EndpointID,
		"prefixListId":     c.PrefixListID,
		"routeTableIds":    c.RouteTableIDs,
		"endpointPolicy":   c.EndpointPolicy,
		"consumerRoleArns": c.RoleArns,
		"testCommand":      pulumi.String(c.TestCommand),
	}
}

// contextSource reads the project's config namespace from the running program.
type contextSource struct{ ctx *pulumi.Context }

func (c contextSource) key(k string) string { return c.ctx.Project() + ":" + k }

func (c contextSource) Get(k string) (string, bool) { return c.ctx.GetConfig(c.key(k)) }

func (c contextSource) IsSecret(k string) bool { return c.ctx.IsConfigSecret(c.key(k)) }

// Keys lists the project keys the engine passed in PULUMI_CONFIG. Under test mocks that variable
// is unset, and the typo check is then left to the tests of stackconfig.
func (c contextSource) Keys() []string {
	var all map[string]string
	if err := json.Unmarshal([]byte(os.Getenv(pulumi.EnvConfig)), &all); err != nil {
		return nil
	}
	prefix := c.ctx.Project() + ":"
	var keys []string
	for k := range all {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, strings.TrimPrefix(k, prefix))
		}
	}
	sort.Strings(keys)
	return keys
}
