package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"

	"cross-account-s3/testworld/world"
)

// Version is the pulumi-aws version this fake stands in for.
const Version = "6.83.4"

// fakeProvider is one plugin process's provider: one explicit provider configuration (the engine
// starts a process per provider), acting on the shared world file.
type fakeProvider struct {
	plugin.UnimplementedProvider

	worldPath, logPath string

	mu  sync.Mutex
	cfg *providerConfig
}

func newProvider(worldPath, logPath string) *fakeProvider {
	return &fakeProvider{worldPath: worldPath, logPath: logPath}
}

var errNotConfigured = errors.New("fake pulumi-resource-aws: the provider has not been configured")

func (p *fakeProvider) config() (providerConfig, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cfg == nil {
		return providerConfig{}, errNotConfigured
	}
	return *p.cfg, nil
}

// op starts a log line for this process's provider.
func (p *fakeProvider) op(kind, typ string, urn resource.URN, id resource.ID, inputs resource.PropertyMap, cfg providerConfig) world.Op {
	return world.Op{
		Op:                kind,
		Type:              typ,
		URN:               string(urn),
		ID:                string(id),
		Account:           cfg.Account,
		Region:            cfg.Region,
		Profile:           cfg.Profile,
		AssumeRoleArn:     cfg.AssumeRoleArn,
		AllowedAccountIds: cfg.AllowedAccountIds,
		Inputs:            logged(inputs),
	}
}

// mutate runs fn on the world under the lock, saving only if it succeeds, and logs op (with fn's
// error, if any) before the lock is released, so the log's order is the world's.
func (p *fakeProvider) mutate(op *world.Op, fn func(*world.World) error) error {
	var logErr error
	err := world.Update(p.worldPath, func(w *world.World) error {
		err := fn(w)
		logErr = p.record(op, err)
		if err != nil {
			return err
		}
		return logErr
	})
	if err == nil {
		err = logErr
	}
	return err
}

// look runs fn on the world under the lock without saving, and logs op.
func (p *fakeProvider) look(op *world.Op, fn func(*world.World) error) error {
	var logErr error
	err := world.View(p.worldPath, func(w *world.World) error {
		err := fn(w)
		logErr = p.record(op, err)
		return err
	})
	if err == nil {
		err = logErr
	}
	return err
}

func (p *fakeProvider) record(op *world.Op, err error) error {
	if err != nil {
		op.Error = err.Error()
	}
	_, logErr := world.AppendOp(p.logPath, *op)
	return logErr
}

func (p *fakeProvider) Close() error { return nil }

func (p *fakeProvider) SignalCancellation(context.Context) error { return nil }

func (p *fakeProvider) Handshake(context.Context, plugin.ProviderHandshakeRequest) (*plugin.ProviderHandshakeResponse, error) {
	return &plugin.ProviderHandshakeResponse{AcceptSecrets: true, AcceptResources: true}, nil
}

func (p *fakeProvider) GetPluginInfo(context.Context) (plugin.PluginInfo, error) {
	v := semver.MustParse(Version)
	return plugin.PluginInfo{Version: &v}, nil
}

// GetSchema returns a minimal schema: the engine does not need one for preview/up/destroy/refresh.
func (p *fakeProvider) GetSchema(context.Context, plugin.GetSchemaRequest) (plugin.GetSchemaResponse, error) {
	return plugin.GetSchemaResponse{Schema: []byte(`{"name":"aws","displayName":"AWS (fake)","version":"` + Version + `"}`)}, nil
}

func (p *fakeProvider) CheckConfig(_ context.Context, req plugin.CheckConfigRequest) (plugin.CheckConfigResponse, error) {
	var failures []plugin.CheckFailure
	if v := getPlain(req.News, "region"); !isUnknown(v) && v == nil && firstEnv("AWS_REGION", "AWS_DEFAULT_REGION") == "" {
		failures = append(failures, plugin.CheckFailure{Property: "region", Reason: errMissingRegion})
	}
	return plugin.CheckConfigResponse{Properties: req.News, Failures: failures}, nil
}

// DiffConfig reports changed provider inputs as in-place updates, never a replacement.
func (p *fakeProvider) DiffConfig(_ context.Context, req plugin.DiffConfigRequest) (plugin.DiffConfigResponse, error) {
	return diff(oldInputs(req.OldInputs, req.OldOutputs, req.NewInputs), req.NewInputs, nil, nil, req.IgnoreChanges), nil
}

// oldInputs are the inputs to diff against: the old inputs, or, for state that has none, the old
// outputs of the keys the new inputs set (outputs such as arn are no inputs).
func oldInputs(inputs, outputs, news resource.PropertyMap) resource.PropertyMap {
	if len(inputs) > 0 {
		return inputs
	}
	olds := resource.PropertyMap{}
	for k := range news {
		if v, ok := outputs[k]; ok {
			olds[k] = v
		}
	}
	return olds
}

func (p *fakeProvider) Configure(_ context.Context, req plugin.ConfigureRequest) (plugin.ConfigureResponse, error) {
	cfg := parseConfig(req.Inputs)
	if req.URN != nil {
		cfg.URN = string(*req.URN)
	}
	typ := "pulumi:providers:aws"
	if req.Type != nil {
		typ = string(*req.Type)
	}
	var urn resource.URN
	if req.URN != nil {
		urn = *req.URN
	}
	var id resource.ID
	if req.ID != nil {
		id = *req.ID
	}
	var resolveErr error
	op := p.op("configure", typ, urn, id, req.Inputs, cfg)
	err := p.look(&op, func(w *world.World) error {
		resolveErr = cfg.resolve(w)
		op.Account = cfg.Account
		return resolveErr
	})
	if err != nil {
		return plugin.ConfigureResponse{}, err
	}
	p.mu.Lock()
	p.cfg = &cfg
	p.mu.Unlock()
	return plugin.ConfigureResponse{}, nil
}

func (p *fakeProvider) Check(_ context.Context, req plugin.CheckRequest) (plugin.CheckResponse, error) {
	typ := string(req.Type)
	if _, ok := forceNew[typ]; !ok {
		return plugin.CheckResponse{}, unsupportedType(typ)
	}
	var failures []plugin.CheckFailure
	for _, k := range required[typ] {
		if v := getPlain(req.News, k); v == nil {
			failures = append(failures, plugin.CheckFailure{Property: resource.PropertyKey(k), Reason: fmt.Sprintf(
				"Missing required argument. The argument %q is required, but no definition was found.", k)})
		}
	}
	if s, ok := getPlain(req.News, "policy").(string); ok {
		if err := validJSON(s); err != nil {
			failures = append(failures, plugin.CheckFailure{Property: "policy", Reason: fmt.Sprintf("%q contains an invalid JSON: %v", "policy", err)})
		}
	}
	if check := extraChecks[typ]; check != nil {
		byKey := check(req.News)
		for _, k := range slices.Sorted(maps.Keys(byKey)) {
			for _, reason := range byKey[k] {
				failures = append(failures, plugin.CheckFailure{Property: resource.PropertyKey(k), Reason: reason})
			}
		}
	}
	news := req.News
	if ds := defaults[typ]; len(ds) > 0 {
		news = req.News.Copy()
		for k, v := range ds {
			if _, set := news[resource.PropertyKey(k)]; !set {
				news[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
			}
		}
	}
	return plugin.CheckResponse{Properties: news, Failures: failures}, nil
}

func unsupportedType(typ string) error {
	return fmt.Errorf("fake pulumi-resource-aws: resource type %s is not modelled (only %s, %s, %s, %s)",
		typ, typeVpcEndpoint, typeBucketPolicy, typeRolePolicy, typeKMSGrant)
}

func (p *fakeProvider) Diff(_ context.Context, req plugin.DiffRequest) (plugin.DiffResponse, error) {
	typ := string(req.Type)
	if _, ok := forceNew[typ]; !ok {
		return plugin.DiffResponse{}, unsupportedType(typ)
	}
	return diff(oldInputs(req.OldInputs, req.OldOutputs, req.NewInputs), req.NewInputs, forceNew[typ], optionalComputed[typ], req.IgnoreChanges), nil
}

// diff compares inputs key by key; keys in replace make a change a replacement, and keys in
// keepWhenUnset are no change when the new inputs leave them out.
func diff(olds, news resource.PropertyMap, replace, keepWhenUnset, ignore []string) plugin.DiffResult {
	keys := map[string]bool{}
	for k := range olds {
		keys[string(k)] = true
	}
	for k := range news {
		keys[string(k)] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		if k == "__defaults" || slices.Contains(ignore, k) {
			continue
		}
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	result := plugin.DiffResult{Changes: plugin.DiffNone}
	detailed := map[string]plugin.PropertyDiff{}
	for _, k := range sorted {
		o, n := getPlain(olds, k), getPlain(news, k)
		if sameValue(k, o, n) || (slices.Contains(keepWhenUnset, k) && normalize(k, n) == nil && !isUnknown(n)) {
			continue
		}
		kind := plugin.DiffUpdate
		switch {
		case normalize(k, o) == nil:
			kind = plugin.DiffAdd
		case normalize(k, n) == nil && !isUnknown(n):
			kind = plugin.DiffDelete
		}
		if slices.Contains(replace, k) {
			result.ReplaceKeys = append(result.ReplaceKeys, resource.PropertyKey(k))
			switch kind {
			case plugin.DiffAdd:
				kind = plugin.DiffAddReplace
			case plugin.DiffDelete:
				kind = plugin.DiffDeleteReplace
			default:
				kind = plugin.DiffUpdateReplace
			}
		}
		result.ChangedKeys = append(result.ChangedKeys, resource.PropertyKey(k))
		detailed[k] = plugin.PropertyDiff{Kind: kind, InputDiff: true}
	}
	if len(result.ChangedKeys) > 0 {
		result.Changes = plugin.DiffSome
		result.DetailedDiff = detailed
	}
	return result
}

func (p *fakeProvider) Create(_ context.Context, req plugin.CreateRequest) (plugin.CreateResponse, error) {
	typ := string(req.Type)
	if _, ok := forceNew[typ]; !ok {
		return plugin.CreateResponse{}, unsupportedType(typ)
	}
	if req.Preview {
		return plugin.CreateResponse{Properties: previewCreate(typ, req.Properties)}, nil
	}
	cfg, err := p.config()
	if err != nil {
		return plugin.CreateResponse{}, err
	}
	op := p.op("create", typ, req.URN, "", req.Properties, cfg)
	var res result
	err = p.mutate(&op, func(w *world.World) error {
		var err error
		res, err = resources[typ].create(w, cfg, req.Properties)
		op.ID, op.Physical = string(res.id), res.physical
		return err
	})
	if err != nil {
		return plugin.CreateResponse{}, err
	}
	return plugin.CreateResponse{ID: res.id, Properties: res.outputs, Status: resource.StatusOK}, nil
}

func (p *fakeProvider) Update(_ context.Context, req plugin.UpdateRequest) (plugin.UpdateResponse, error) {
	typ := string(req.Type)
	if _, ok := forceNew[typ]; !ok {
		return plugin.UpdateResponse{}, unsupportedType(typ)
	}
	if req.Preview {
		return plugin.UpdateResponse{Properties: previewUpdate(typ, req.OldOutputs, req.NewInputs)}, nil
	}
	cfg, err := p.config()
	if err != nil {
		return plugin.UpdateResponse{}, err
	}
	op := p.op("update", typ, req.URN, req.ID, req.NewInputs, cfg)
	var res result
	err = p.mutate(&op, func(w *world.World) error {
		var err error
		res, err = resources[typ].update(w, cfg, req.ID, req.OldOutputs, req.NewInputs)
		op.Physical = res.physical
		return err
	})
	if err != nil {
		return plugin.UpdateResponse{}, err
	}
	return plugin.UpdateResponse{Properties: res.outputs, Status: resource.StatusOK}, nil
}

func (p *fakeProvider) Delete(_ context.Context, req plugin.DeleteRequest) (plugin.DeleteResponse, error) {
	typ := string(req.Type)
	if _, ok := forceNew[typ]; !ok {
		return plugin.DeleteResponse{}, unsupportedType(typ)
	}
	cfg, err := p.config()
	if err != nil {
		return plugin.DeleteResponse{}, err
	}
	props := req.Inputs
	if len(props) == 0 {
		props = req.Outputs
	}
	op := p.op("delete", typ, req.URN, req.ID, props, cfg)
	err = p.mutate(&op, func(w *world.World) error {
		physical, err := resources[typ].delete(w, cfg, req.ID, merged(req.Outputs, req.Inputs))
		op.Physical = physical
		return err
	})
	if err != nil {
		return plugin.DeleteResponse{Status: resource.StatusUnknown}, err
	}
	return plugin.DeleteResponse{Status: resource.StatusOK}, nil
}

func (p *fakeProvider) Read(_ context.Context, req plugin.ReadRequest) (plugin.ReadResponse, error) {
	typ := string(req.Type)
	if _, ok := forceNew[typ]; !ok {
		return plugin.ReadResponse{}, unsupportedType(typ)
	}
	cfg, err := p.config()
	if err != nil {
		return plugin.ReadResponse{}, err
	}
	props := merged(req.State, req.Inputs)
	op := p.op("read", typ, req.URN, req.ID, props, cfg)
	var res result
	err = p.look(&op, func(w *world.World) error {
		var err error
		res, err = resources[typ].read(w, cfg, req.ID, props)
		op.Physical = res.physical
		return err
	})
	if err != nil {
		return plugin.ReadResponse{Status: resource.StatusUnknown}, err
	}
	if res.outputs == nil {
		// Gone: the engine drops it from the state.
		return plugin.ReadResponse{Status: resource.StatusOK}, nil
	}
	return plugin.ReadResponse{
		ReadResult: plugin.ReadResult{ID: res.id, Outputs: res.outputs, Inputs: res.inputs},
		Status:     resource.StatusOK,
	}, nil
}

func (p *fakeProvider) Invoke(_ context.Context, req plugin.InvokeRequest) (plugin.InvokeResponse, error) {
	tok := string(req.Tok)
	fn, ok := invokes[tok]
	if !ok {
		return plugin.InvokeResponse{}, fmt.Errorf("fake pulumi-resource-aws: function %s is not modelled (only %s)", tok, invokeTokens())
	}
	cfg, err := p.config()
	if err != nil {
		return plugin.InvokeResponse{}, err
	}
	op := p.op("invoke", tok, "", "", req.Args, cfg)
	var out map[string]any
	err = p.look(&op, func(w *world.World) error {
		var err error
		out, op.Physical, err = answer(tok, fn, w, cfg, req.Args)
		return err
	})
	if err != nil {
		return plugin.InvokeResponse{}, err
	}
	return plugin.InvokeResponse{Properties: outputs(out)}, nil
}

// merged is base with over's keys on top (neither is modified).
func merged(base, over resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// result is what a resource operation gives back to the engine.
type result struct {
	id       resource.ID
	physical string
	outputs  resource.PropertyMap // nil from read: the resource is gone
	inputs   resource.PropertyMap
}

// resourceType is one modelled resource type's operations against the world.
type resourceType struct {
	create func(w *world.World, cfg providerConfig, news resource.PropertyMap) (result, error)
	update func(w *world.World, cfg providerConfig, id resource.ID, olds, news resource.PropertyMap) (result, error)
	delete func(w *world.World, cfg providerConfig, id resource.ID, olds resource.PropertyMap) (string, error)
	read   func(w *world.World, cfg providerConfig, id resource.ID, olds resource.PropertyMap) (result, error)
}

var resources = map[string]resourceType{
	typeVpcEndpoint:  {create: createEndpoint, update: updateEndpoint, delete: deleteEndpoint, read: readEndpoint},
	typeBucketPolicy: {create: createBucketPolicy, update: updateBucketPolicy, delete: deleteBucketPolicy, read: readBucketPolicy},
	typeRolePolicy:   {create: createRolePolicy, update: updateRolePolicy, delete: deleteRolePolicy, read: readRolePolicy},
	typeKMSGrant:     {create: createGrant, update: updateGrant, delete: deleteGrant, read: readGrant},
}

// computedOutputs are the outputs each type only knows once it exists.
var computedOutputs = map[string][]string{
	typeVpcEndpoint:  {"arn", "cidrBlocks", "dnsEntries", "networkInterfaceIds", "ownerId", "prefixListId", "requesterManaged", "state", "tagsAll"},
	typeBucketPolicy: {},
	typeRolePolicy:   {},
	typeKMSGrant:     {"grantId", "grantToken"},
}

// previewCreate is a preview's view of a new resource: its inputs, and unknowns for what AWS
// decides. The world is not touched.
func previewCreate(typ string, news resource.PropertyMap) resource.PropertyMap {
	out := news.Copy()
	for _, k := range computedOutputs[typ] {
		out[resource.PropertyKey(k)] = computed()
	}
	switch typ {
	case typeVpcEndpoint:
		for _, k := range []string{"policy", "routeTableIds", "vpcEndpointType"} {
			if _, ok := out[resource.PropertyKey(k)]; !ok {
				out[resource.PropertyKey(k)] = computed()
			}
		}
	case typeRolePolicy:
		if _, ok := out["name"]; !ok {
			out["name"] = computed()
		}
	}
	return out
}

// previewUpdate is a preview's view of an updated resource: the old outputs with the new inputs
// (an unset Optional+Computed input keeps its old value).
func previewUpdate(typ string, olds, news resource.PropertyMap) resource.PropertyMap {
	out := olds.Copy()
	for k, v := range news {
		if slices.Contains(optionalComputed[typ], string(k)) && normalize(string(k), plain(v, false)) == nil {
			continue
		}
		out[k] = v
	}
	if typ == typeVpcEndpoint {
		out["tagsAll"] = computed()
	}
	return out
}

var _ plugin.Provider = (*fakeProvider)(nil)
