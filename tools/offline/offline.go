// Package offline runs the stack program under Pulumi's mocks and records what it registers: no
// engine, no backend, no credentials. Tests use it to assert every resource's type, provider and
// inputs; cmd/plan uses it to show a stack's plan before anyone has AWS access.
package offline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/spec"
	"cross-account-s3/stackconfig"
)

// Project is the Pulumi project name the runs use; Stack the default stack name.
const (
	Project = "cross-account-s3"
	Stack   = "dev"
)

// PrefixListID is the S3 prefix list ID the mocks give every endpoint by default.
const PrefixListID = "pl-6da54004"

// EndpointID is the ID the mocks give by default to the endpoint with this logical name: distinct
// per endpoint and the same on every run, so tests can look for it in documents.
func EndpointID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return "vpce-" + hex.EncodeToString(sum[:])[:17]
}

const (
	typeEndpoint    = "aws:ec2/vpcEndpoint:VpcEndpoint"
	typeGetEndpoint = "aws:ec2/getVpcEndpoint:getVpcEndpoint"
	typeGrant       = "aws:kms/grant:Grant"
	typeGetKey      = "aws:kms/getKey:getKey"
)

// GrantID is the grant ID the mocks give the grant with this logical name: KMS's form (64 hex
// digits), distinct per grant and the same on every run.
func GrantID(name string) string {
	sum := sha256.Sum256([]byte("grant/" + name))
	return hex.EncodeToString(sum[:])
}

// FittingKey is what a lookup of a key ARN returns for a key the stack can use: a symmetric,
// enabled, customer managed key of the ARN's account and Region. The plan cannot look the key up,
// so it assumes this; tests answer anything through Mocks.Keys.
func FittingKey(arn string) resource.PropertyMap {
	k, _ := spec.ParseKMSKeyARN(arn)
	return resource.NewPropertyMapFromMap(map[string]any{
		"id": k.KeyID, "keyId": arn, "arn": arn, "awsAccountId": k.AccountID, "enabled": true,
		"keyManager": spec.KeyManagerCustomer, "keySpec": spec.KeySpecSymmetric, "keyState": spec.KeyStateEnabled,
		"keyUsage": spec.KeyUsageEncrypt, "customerMasterKeySpec": spec.KeySpecSymmetric,
	})
}

// AdoptedEndpoints answers the lookup of every endpoint the spec adopts as AWS would for a fitting
// endpoint: an S3 gateway endpoint of the Region, in the VPC, on the route tables of every
// consumer that adopts it (the program looks it up once per VPC).
func AdoptedEndpoints(s spec.Spec, prefixListID string, policy func(id string) string) map[string]resource.PropertyMap {
	out := map[string]resource.PropertyMap{}
	for _, g := range s.Layout().Endpoints {
		if g.AdoptID == "" {
			continue
		}
		routes := make([]any, len(g.RouteTableIDs))
		for i, rt := range g.RouteTableIDs {
			routes[i] = rt
		}
		out[g.AdoptID] = resource.NewPropertyMapFromMap(map[string]any{
			"id": g.AdoptID, "vpcEndpointType": "Gateway", "serviceName": spec.ServiceName(g.Region),
			"vpcId": g.VpcID, "routeTableIds": routes, "prefixListId": prefixListID, "policy": policy(g.AdoptID),
		})
	}
	return out
}

// Resource is one registered resource as the engine would see it.
type Resource struct {
	Type     string
	Name     string
	ID       string
	Custom   bool
	Provider string // "<provider URN>::<provider ID>", empty when none was given
	Parent   string
	Inputs   resource.PropertyMap
	// Protect and RetainOnDelete are the resource's options.
	Protect, RetainOnDelete bool
}

// ProviderName is the logical name of the resource's provider ("" when none).
func (r Resource) ProviderName() string {
	i := strings.LastIndex(r.Provider, "::")
	if i < 0 {
		return ""
	}
	return resource.URN(r.Provider[:i]).Name()
}

// URN is the resource's URN in a stack of this project, as the engine derives it: the parent's
// type chain, the type and the name.
func (r Resource) URN(stack string) resource.URN {
	parentType := tokens.Type("")
	if parent := resource.URN(r.Parent); parent.IsValid() && parent.QualifiedType() != resource.RootStackType {
		parentType = parent.QualifiedType()
	}
	return resource.NewURN(tokens.QName(stack), tokens.PackageName(Project), parentType, tokens.Type(r.Type), r.Name)
}

// Str returns a string input ("" when absent).
func (r Resource) Str(key string) string {
	v, ok := r.Inputs[resource.PropertyKey(key)]
	if !ok || !v.IsString() {
		return ""
	}
	return v.StringValue()
}

// Mocks records registrations and answers invokes.
type Mocks struct {
	mu        sync.Mutex
	Resources []Resource
	Invokes   []pulumi.MockCallArgs
	// Endpoints answers aws:ec2/getVpcEndpoint by ID; an ID not in it is "not found".
	Endpoints map[string]resource.PropertyMap
	// EndpointIDFor and PrefixListIDFor name what AWS would assign to a new endpoint; unset, they
	// give EndpointID(name) and PrefixListID.
	EndpointIDFor   func(name string) string
	PrefixListIDFor func(name string) string
	// Keys answers aws:kms/getKey by the key ID asked for; an ID not in it is "not found". Nil
	// answers every key ARN with FittingKey.
	Keys map[string]resource.PropertyMap
	// Live answers preflight's lookups of the live accounts (and the endpoint lookup by VPC) when
	// set; handled false leaves the lookup to the default, which answers as the configuration says
	// (asConfigured).
	Live func(args pulumi.MockCallArgs) (out resource.PropertyMap, err error, handled bool)
	// StackOutputs answers the engine's stack reads (pulumi:pulumi:readStackOutputs) by fully
	// qualified stack name; a stack not in it is unknown, as the backend answers.
	StackOutputs map[string]map[string]any
	// Spec is the stack's spec, for the answers to preflight's lookups (asConfigured), when the
	// caller has loaded it already; nil reads it from the config Run is given.
	Spec       *spec.Spec
	configured *asConfigured
}

// readStackOutputs is the engine's builtin function behind stack references.
const readStackOutputs = "pulumi:pulumi:readStackOutputs"

// stackOutputs answers a stack read like the engine: the outputs, or `unknown stack`.
func (m *Mocks) stackOutputs(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	name := args.Args["name"].StringValue()
	outputs, ok := m.StackOutputs[name]
	if !ok {
		return nil, fmt.Errorf("unknown stack %q", name)
	}
	return resource.NewPropertyMapFromMap(map[string]any{"name": name, "outputs": outputs, "secretOutputNames": []any{}}), nil
}

// NewResource implements pulumi.MockResourceMonitor.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	id := args.Name + "-id"
	outputs := args.Inputs.Copy()
	if args.TypeToken == typeEndpoint {
		id = EndpointID(args.Name)
		if m.EndpointIDFor != nil {
			id = m.EndpointIDFor(args.Name)
		}
		prefixList := PrefixListID
		if m.PrefixListIDFor != nil {
			prefixList = m.PrefixListIDFor(args.Name)
		}
		outputs["prefixListId"] = resource.NewStringProperty(prefixList)
	}
	if args.TypeToken == typeGrant {
		grantID := GrantID(args.Name)
		id = args.Inputs["keyId"].StringValue() + ":" + grantID
		outputs["grantId"] = resource.NewStringProperty(grantID)
		outputs["grantToken"] = resource.MakeSecret(resource.NewStringProperty("grant-token-" + grantID[:16]))
	}
	parent, protect, retain := "", false, false
	if args.RegisterRPC != nil {
		parent, protect, retain = args.RegisterRPC.GetParent(), args.RegisterRPC.GetProtect(), args.RegisterRPC.GetRetainOnDelete()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Resources = append(m.Resources, Resource{
		Type: args.TypeToken, Name: args.Name, ID: id, Custom: args.Custom,
		Provider: args.Provider, Parent: parent, Inputs: args.Inputs, Protect: protect, RetainOnDelete: retain,
	})
	return id, outputs, nil
}

// Call implements pulumi.MockResourceMonitor.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.Invokes = append(m.Invokes, args)
	m.mu.Unlock()
	if args.Token == readStackOutputs {
		return m.stackOutputs(args)
	}
	if m.Live != nil {
		if out, err, handled := m.Live(args); handled {
			return out, err
		}
	}
	if id, byID := args.Args["id"]; args.Token == typeGetEndpoint && byID {
		id := id.StringValue()
		if found, ok := m.Endpoints[id]; ok {
			return found, nil
		}
		return nil, fmt.Errorf("no matching EC2 VPC Endpoint found")
	}
	if args.Token == typeGetKey {
		id := args.Args["keyId"].StringValue()
		if m.Keys == nil {
			if _, ok := spec.ParseKMSKeyARN(id); ok {
				return FittingKey(id), nil
			}
		} else if found, ok := m.Keys[id]; ok {
			return found, nil
		}
		return nil, fmt.Errorf("reading KMS Key (%s): operation error KMS: DescribeKey, NotFoundException: Key '%s' does not exist", id, id)
	}
	if m.configured != nil {
		if out, err, ok := m.configured.answer(args); ok {
			return out, err
		}
	}
	return nil, fmt.Errorf("unexpected invoke %s", args.Token)
}

// Run runs program under the mocks with the given project config (bare keys; lists and maps are
// JSON-encoded as Pulumi passes them) and secret keys.
func (m *Mocks) Run(program pulumi.RunFunc, config map[string]string, secrets ...string) error {
	return m.RunStack(Stack, program, config, secrets...)
}

// RunStack is Run for a named stack.
func (m *Mocks) RunStack(stack string, program pulumi.RunFunc, config map[string]string, secrets ...string) error {
	full := map[string]string{}
	for k, v := range config {
		full[Project+":"+k] = v
	}
	if m.Spec != nil {
		m.configured = newAsConfigured(*m.Spec)
	} else {
		s, _, _ := stackconfig.Load(stackconfig.MapSource{Values: config})
		m.configured = newAsConfigured(s)
	}
	var secretKeys []string
	for _, k := range secrets {
		secretKeys = append(secretKeys, Project+":"+k)
	}
	return pulumi.RunErr(program, pulumi.WithMocks(Project, stack, m), func(info *pulumi.RunInfo) {
		info.Config = full
		info.ConfigSecretKeys = secretKeys
	})
}

// RunOutputs runs a program that returns its stack outputs, and resolves them.
func (m *Mocks) RunOutputs(stack string, program func(*pulumi.Context) (map[string]pulumi.Input, error),
	config map[string]string, secrets ...string) (map[string]any, error) {
	outputs := map[string]any{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	run := func(ctx *pulumi.Context) error {
		exports, err := program(ctx)
		if err != nil {
			return err
		}
		for name, value := range exports {
			wg.Add(1)
			pulumi.ToOutput(value).ApplyT(func(v any) any {
				mu.Lock()
				outputs[name] = v
				mu.Unlock()
				wg.Done()
				return nil
			})
		}
		return nil
	}
	if err := m.RunStack(stack, run, config, secrets...); err != nil {
		return nil, err
	}
	wg.Wait()
	return outputs, nil
}

// OfType returns the registered resources of a type token, in registration order.
func (m *Mocks) OfType(typ string) []Resource {
	var out []Resource
	for _, r := range m.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}
