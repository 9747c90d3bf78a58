// Package mocktest runs the stack program under Pulumi's mocks and records what it registers, so
// tests can assert every resource's type, provider and inputs without an AWS account.
package mocktest

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Project and Stack are the names the mocked runs use.
const (
	Project = "cross-account-s3"
	Stack   = "dev"
)

// IDs the mocks assign, so tests can look for them in documents.
const (
	EndpointID   = "vpce-0fedcba9876543210"
	PrefixListID = "pl-6da54004"
)

// Resource is one registered resource as the engine would see it.
type Resource struct {
	Type     string
	Name     string
	ID       string
	Custom   bool
	Provider string // "<provider URN>::<provider ID>", empty when none was given
	Parent   string
	Inputs   resource.PropertyMap
}

// ProviderName is the logical name of the resource's provider ("" when none).
func (r Resource) ProviderName() string {
	i := strings.LastIndex(r.Provider, "::")
	if i < 0 {
		return ""
	}
	return resource.URN(r.Provider[:i]).Name()
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
	// Endpoints answers aws:ec2/getVpcEndpoint by ID.
	Endpoints map[string]resource.PropertyMap
}

// NewResource implements pulumi.MockResourceMonitor.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	id := args.Name + "-id"
	outputs := args.Inputs.Copy()
	if args.TypeToken == "aws:ec2/vpcEndpoint:VpcEndpoint" {
		id = EndpointID
		outputs["prefixListId"] = resource.NewStringProperty(PrefixListID)
	}
	parent := ""
	if args.RegisterRPC != nil {
		parent = args.RegisterRPC.GetParent()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Resources = append(m.Resources, Resource{
		Type: args.TypeToken, Name: args.Name, ID: id, Custom: args.Custom,
		Provider: args.Provider, Parent: parent, Inputs: args.Inputs,
	})
	return id, outputs, nil
}

// Call implements pulumi.MockResourceMonitor.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.Invokes = append(m.Invokes, args)
	m.mu.Unlock()
	if args.Token == "aws:ec2/getVpcEndpoint:getVpcEndpoint" {
		id := args.Args["id"].StringValue()
		if found, ok := m.Endpoints[id]; ok {
			return found, nil
		}
		return nil, fmt.Errorf("no matching EC2 VPC Endpoint found")
	}
	return nil, fmt.Errorf("unexpected invoke %s", args.Token)
}

// Run runs program under the mocks with the given project config (bare keys; lists and maps are
// JSON-encoded as Pulumi passes them) and secret keys.
func (m *Mocks) Run(program pulumi.RunFunc, config map[string]string, secrets ...string) error {
	full := map[string]string{}
	for k, v := range config {
		full[Project+":"+k] = v
	}
	var secretKeys []string
	for _, k := range secrets {
		secretKeys = append(secretKeys, Project+":"+k)
	}
	return pulumi.RunErr(program, pulumi.WithMocks(Project, Stack, m), func(info *pulumi.RunInfo) {
		info.Config = full
		info.ConfigSecretKeys = secretKeys
	})
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

// JSON encodes a value as a config string.
func JSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
