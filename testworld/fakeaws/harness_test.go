package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"

	"cross-account-s3/testworld/world"
)

// The world every test starts from: a bucket-owner account (profile "owner") and a consumer
// account (ambient credentials, and profile "consumer") with two roles, VPCs and route tables.
const (
	owner    = "111111111111"
	consumer = "222222222222"
	other    = "333333333333"
	region   = "eu-west-1"
	bucket   = "shared-bucket"
	s3Name   = "com.amazonaws.eu-west-1.s3"
)

func seed() *world.World {
	w := world.New()
	w.Credentials["ambient"] = consumer
	w.Credentials["profile:owner"] = owner
	w.Credentials["profile:consumer"] = consumer
	w.Buckets[bucket] = world.Bucket{Account: owner, Region: region}
	w.Buckets["us-bucket"] = world.Bucket{Account: owner, Region: "us-east-1"}
	w.Buckets["foreign-bucket"] = world.Bucket{Account: other, Region: region}
	w.AddRole(consumer, "app")
	w.AddRole(consumer, "batch")
	w.AddRole(owner, "deploy")
	w.VPCs["vpc-a"] = world.VPC{Account: consumer, Region: region}
	w.VPCs["vpc-b"] = world.VPC{Account: consumer, Region: region}
	w.VPCs["vpc-us"] = world.VPC{Account: consumer, Region: "us-east-1"}
	w.VPCs["vpc-owner"] = world.VPC{Account: owner, Region: region}
	for _, rt := range []string{"rtb-a1", "rtb-a2", "rtb-a3"} {
		w.RouteTables[rt] = world.RouteTable{Account: consumer, VPC: "vpc-a"}
	}
	w.RouteTables["rtb-b1"] = world.RouteTable{Account: consumer, VPC: "vpc-b"}
	w.RouteTables["rtb-us1"] = world.RouteTable{Account: consumer, VPC: "vpc-us"}
	w.RouteTables["rtb-owner1"] = world.RouteTable{Account: owner, VPC: "vpc-owner"}
	return w
}

// Provider configurations as the program sends them.
var (
	ownerConfig    = map[string]any{"region": region, "profile": "owner", "allowedAccountIds": []any{owner}}
	consumerConfig = map[string]any{"region": region, "allowedAccountIds": []any{consumer}}
)

type fixture struct {
	t                  *testing.T
	worldPath, logPath string
}

func newFixture(t *testing.T, change func(*world.World)) *fixture {
	t.Helper()
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	dir := t.TempDir()
	f := &fixture{t: t, worldPath: filepath.Join(dir, "world.json"), logPath: filepath.Join(dir, "ops.jsonl")}
	w := seed()
	if change != nil {
		change(w)
	}
	if err := world.Save(f.worldPath, w); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) world() *world.World {
	f.t.Helper()
	w, err := world.Load(f.worldPath)
	if err != nil {
		f.t.Fatal(err)
	}
	return w
}

func (f *fixture) ops() []world.Op {
	f.t.Helper()
	ops, err := world.ReadLog(f.logPath)
	if err != nil {
		f.t.Fatal(err)
	}
	return ops
}

func (f *fixture) lastOp() world.Op {
	f.t.Helper()
	ops := f.ops()
	if len(ops) == 0 {
		f.t.Fatal("the op log is empty")
	}
	return ops[len(ops)-1]
}

// server is one plugin process's gRPC server, handshaken as the engine does, not configured.
func (f *fixture) server() pulumirpc.ResourceProviderServer {
	f.t.Helper()
	srv := plugin.NewProviderServer(newProvider(f.worldPath, f.logPath))
	if _, err := srv.Handshake(context.Background(), &pulumirpc.ProviderHandshakeRequest{ConfigureWithUrn: true, AcceptsByteString: true}); err != nil {
		f.t.Fatal(err)
	}
	return srv
}

// configure configures a new server with the provider inputs.
func (f *fixture) configure(name string, inputs map[string]any) (pulumirpc.ResourceProviderServer, error) {
	f.t.Helper()
	srv := f.server()
	u := string(urn("pulumi:providers:aws", name))
	typ, id := "pulumi:providers:aws", "prov-"+name
	_, err := srv.Configure(context.Background(), &pulumirpc.ConfigureRequest{
		Urn: &u, Name: &name, Type: &typ, Id: &id,
		Args:          f.marshal(inputs),
		AcceptSecrets: true, AcceptResources: true,
	})
	return srv, err
}

func (f *fixture) provider(name string, inputs map[string]any) pulumirpc.ResourceProviderServer {
	f.t.Helper()
	srv, err := f.configure(name, inputs)
	if err != nil {
		f.t.Fatalf("configure %s: %v", name, err)
	}
	return srv
}

func urn(typ, name string) resource.URN {
	return resource.NewURN("dev", "cross-account-s3", "", tokens.Type(typ), name)
}

func (f *fixture) marshal(m map[string]any) *structpb.Struct {
	f.t.Helper()
	s, err := plugin.MarshalProperties(resource.NewPropertyMapFromMap(m), plugin.MarshalOptions{KeepSecrets: true, KeepUnknowns: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *fixture) unmarshal(s *structpb.Struct) resource.PropertyMap {
	f.t.Helper()
	m, err := plugin.UnmarshalProperties(s, plugin.MarshalOptions{KeepSecrets: true, KeepUnknowns: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

func (f *fixture) create(srv pulumirpc.ResourceProviderServer, typ, name string, inputs map[string]any) (*pulumirpc.CreateResponse, error) {
	f.t.Helper()
	return srv.Create(context.Background(), &pulumirpc.CreateRequest{Urn: string(urn(typ, name)), Properties: f.marshal(inputs)})
}

func (f *fixture) mustCreate(srv pulumirpc.ResourceProviderServer, typ, name string, inputs map[string]any) *pulumirpc.CreateResponse {
	f.t.Helper()
	resp, err := f.create(srv, typ, name, inputs)
	if err != nil {
		f.t.Fatalf("create %s: %v", name, err)
	}
	return resp
}

func (f *fixture) update(srv pulumirpc.ResourceProviderServer, typ, name, id string, olds *structpb.Struct, oldInputs, news map[string]any) (*pulumirpc.UpdateResponse, error) {
	f.t.Helper()
	return srv.Update(context.Background(), &pulumirpc.UpdateRequest{
		Urn: string(urn(typ, name)), Id: id, Olds: olds, OldInputs: f.marshal(oldInputs), News: f.marshal(news),
	})
}

func (f *fixture) delete(srv pulumirpc.ResourceProviderServer, typ, name, id string, outs *structpb.Struct, inputs map[string]any) error {
	f.t.Helper()
	_, err := srv.Delete(context.Background(), &pulumirpc.DeleteRequest{
		Urn: string(urn(typ, name)), Id: id, Properties: outs, OldInputs: f.marshal(inputs),
	})
	return err
}

func (f *fixture) read(srv pulumirpc.ResourceProviderServer, typ, name, id string, state *structpb.Struct) (*pulumirpc.ReadResponse, error) {
	f.t.Helper()
	return srv.Read(context.Background(), &pulumirpc.ReadRequest{Urn: string(urn(typ, name)), Id: id, Properties: state})
}

func (f *fixture) diff(typ string, olds, news map[string]any) *pulumirpc.DiffResponse {
	f.t.Helper()
	resp, err := f.server().Diff(context.Background(), &pulumirpc.DiffRequest{
		Urn: string(urn(typ, "r")), Id: "id-1", Olds: f.marshal(olds), OldInputs: f.marshal(olds), News: f.marshal(news),
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return resp
}

func (f *fixture) invoke(srv pulumirpc.ResourceProviderServer, tok string, args map[string]any) (resource.PropertyMap, error) {
	f.t.Helper()
	resp, err := srv.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: tok, Args: f.marshal(args)})
	if err != nil {
		return nil, err
	}
	return f.unmarshal(resp.Return), nil
}

func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not contain %q", err, p)
		}
	}
}

func getString(m resource.PropertyMap, key string) string {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return ""
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsString() {
		return ""
	}
	return v.StringValue()
}

func getStrings(m resource.PropertyMap, key string) []string {
	return toStrings(plain(m[resource.PropertyKey(key)], false))
}
