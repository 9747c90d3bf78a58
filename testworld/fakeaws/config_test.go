package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

func TestPluginInfoHandshakeSchema(t *testing.T) {
	f := newFixture(t, nil)
	srv := f.server()
	info, err := srv.GetPluginInfo(context.Background(), &emptypb.Empty{})
	if err != nil || info.Version != "6.83.4" {
		t.Fatalf("GetPluginInfo = %v, %v; want version 6.83.4", info, err)
	}
	hs, err := srv.Handshake(context.Background(), &pulumirpc.ProviderHandshakeRequest{ConfigureWithUrn: true})
	if err != nil || !hs.AcceptSecrets || !hs.AcceptResources {
		t.Fatalf("Handshake = %v, %v; want secrets and resources accepted", hs, err)
	}
	schema, err := srv.GetSchema(context.Background(), &pulumirpc.GetSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var spec struct{ Name, Version string }
	if err := json.Unmarshal([]byte(schema.Schema), &spec); err != nil || spec.Name != "aws" || spec.Version != "6.83.4" {
		t.Fatalf("GetSchema = %s (%v); want name aws, version 6.83.4", schema.Schema, err)
	}
}

func TestConfigureResolvesAccount(t *testing.T) {
	secret := resource.MakeSecret(resource.NewStringProperty("ext-123"))
	tests := []struct {
		name    string
		env     map[string]string
		inputs  map[string]any
		account string // "" when Configure must fail
		err     string
	}{
		{name: "ambient credentials", inputs: map[string]any{"region": region}, account: consumer},
		{name: "profile", inputs: map[string]any{"region": region, "profile": "owner"}, account: owner},
		{name: "AWS_PROFILE for an unset profile", env: map[string]string{"AWS_PROFILE": "owner"}, inputs: map[string]any{"region": region}, account: owner},
		{name: "unknown profile", inputs: map[string]any{"region": region, "profile": "nope"},
			err: "failed to get shared config profile, nope"},
		{name: "assumed role's account is the ARN's", inputs: map[string]any{"region": region, "profile": "consumer",
			"assumeRole": map[string]any{"roleArn": "arn:aws:iam::" + owner + ":role/deploy", "externalId": secret, "sessionName": "ci"}},
			account: owner},
		{name: "assumeRole JSON-encoded", inputs: map[string]any{"region": region,
			"assumeRole": `{"roleArn":"arn:aws:iam::` + other + `:role/path/deploy","sessionName":"ci"}`}, account: other},
		{name: "assumeRole needs base credentials", inputs: map[string]any{"region": region, "profile": "nope",
			"assumeRole": map[string]any{"roleArn": "arn:aws:iam::" + owner + ":role/deploy"}},
			err: "failed to get shared config profile, nope"},
		{name: "allowed account", inputs: map[string]any{"region": region, "profile": "owner", "allowedAccountIds": []any{owner}}, account: owner},
		{name: "account not allowed", inputs: map[string]any{"region": region, "allowedAccountIds": []any{owner}},
			err: "AWS account ID not allowed: " + consumer},
		{name: "allowedAccountIds JSON-encoded", inputs: map[string]any{"region": region, "allowedAccountIds": `["` + owner + `"]`},
			err: "AWS account ID not allowed: " + consumer},
		{name: "allowed after assuming a role", inputs: map[string]any{"region": region, "allowedAccountIds": `["` + owner + `"]`,
			"assumeRole": `{"roleArn":"arn:aws:iam::` + owner + `:role/deploy"}`}, account: owner},
		{name: "forbidden account", inputs: map[string]any{"region": region, "forbiddenAccountIds": []any{consumer}},
			err: "AWS account ID forbidden: " + consumer},
		{name: "missing region", inputs: map[string]any{"profile": "owner"}, err: `missing required configuration key "aws:region"`},
		{name: "region from AWS_REGION", env: map[string]string{"AWS_REGION": "us-east-1"}, inputs: map[string]any{}, account: consumer},
		{name: "defaultTags and skip flags are accepted", inputs: map[string]any{"region": region,
			"defaultTags": map[string]any{"tags": map[string]any{"team": "data"}}, "skipCredentialsValidation": "true", "version": "6.83.4"},
			account: consumer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			_, err := f.configure("p", tt.inputs)
			op := f.lastOp()
			if op.Op != "configure" || op.Type != "pulumi:providers:aws" || !strings.HasSuffix(op.URN, "::p") {
				t.Fatalf("configure not logged as such: %+v", op)
			}
			if tt.err != "" {
				wantError(t, err, tt.err)
				if !strings.Contains(op.Error, tt.err) {
					t.Fatalf("logged error %q, want %q", op.Error, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Configure: %v", err)
			}
			if op.Account != tt.account || op.Error != "" {
				t.Fatalf("resolved account %s (error %q), want %s", op.Account, op.Error, tt.account)
			}
		})
	}
}

func TestConfigureLogsProviderAndRedactsSecrets(t *testing.T) {
	f := newFixture(t, nil)
	f.provider("owner", map[string]any{
		"region": region, "profile": "consumer", "allowedAccountIds": []any{owner},
		"assumeRole": map[string]any{"roleArn": "arn:aws:iam::" + owner + ":role/deploy",
			"externalId": resource.MakeSecret(resource.NewStringProperty("very-secret"))},
	})
	op := f.lastOp()
	if op.Account != owner || op.Region != region || op.Profile != "consumer" ||
		op.AssumeRoleArn != "arn:aws:iam::"+owner+":role/deploy" || !slices.Equal(op.AllowedAccountIds, []string{owner}) {
		t.Fatalf("configure op does not describe the provider: %+v", op)
	}
	data, _ := json.Marshal(op)
	if strings.Contains(string(data), "very-secret") || !strings.Contains(string(data), "[secret]") {
		t.Fatalf("secret not redacted in the log: %s", data)
	}
}

func TestUnconfiguredProviderRefuses(t *testing.T) {
	f := newFixture(t, nil)
	_, err := f.create(f.server(), typeBucketPolicy, "p", map[string]any{"bucket": bucket, "policy": "{}"})
	wantError(t, err, "not been configured")
}

func TestDiffConfigNeverReplaces(t *testing.T) {
	f := newFixture(t, nil)
	srv := f.server()
	olds := map[string]any{"region": region, "allowedAccountIds": `["` + owner + `"]`, "profile": "owner"}
	news := map[string]any{"region": "us-east-1", "allowedAccountIds": []any{owner}, "profile": "owner"}
	resp, err := srv.DiffConfig(context.Background(), &pulumirpc.DiffRequest{
		Urn: string(urn("pulumi:providers:aws", "p")), Olds: f.marshal(olds), OldInputs: f.marshal(olds), News: f.marshal(news),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Changes != pulumirpc.DiffResponse_DIFF_SOME || !slices.Equal(resp.Diffs, []string{"region"}) || len(resp.Replaces) != 0 {
		t.Fatalf("DiffConfig = changes %v diffs %v replaces %v; want region updated in place (JSON-encoded and structured lists equal)",
			resp.Changes, resp.Diffs, resp.Replaces)
	}
	resp, err = srv.DiffConfig(context.Background(), &pulumirpc.DiffRequest{
		Urn: string(urn("pulumi:providers:aws", "p")), Olds: f.marshal(olds), OldInputs: f.marshal(olds), News: f.marshal(olds),
	})
	if err != nil || resp.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("DiffConfig of equal inputs = %v, %v; want no changes", resp, err)
	}
}

func TestCheckConfigRegion(t *testing.T) {
	f := newFixture(t, nil)
	resp, err := f.server().CheckConfig(context.Background(), &pulumirpc.CheckRequest{
		Urn: string(urn("pulumi:providers:aws", "p")), News: f.marshal(map[string]any{"profile": "owner"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Failures) != 1 || resp.Failures[0].Property != "region" {
		t.Fatalf("CheckConfig without region: failures %v, want one for region", resp.Failures)
	}
}
