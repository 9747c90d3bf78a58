package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"cross-account-s3/testworld/world"
)

// The engine facts preflight's destroy design (preflight/doc.go) rests on, pinned on the real
// engine with one bucket policy on the fake AWS: what `pulumi destroy` does to a resource that is
// protected, retained on delete, or bound to a delete hook.

const lifecycleKept = `{"Version":"2012-10-17","Statement":[{"Sid":"KeepAuditRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/auditor"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/audit/*"}]}`

// lifecycleStack deploys one bucket policy with the given options, in a work dir of its own.
type lifecycleStack struct {
	t         *testing.T
	worldPath string
	logPath   string
	stack     auto.Stack
}

func newLifecycleStack(t *testing.T, opts func(ctx *pulumi.Context) ([]pulumi.ResourceOption, error)) *lifecycleStack {
	t.Helper()
	w := world.New()
	w.Credentials["profile:owner"] = "111111111111"
	w.Buckets["shared-data"] = world.Bucket{Account: "111111111111", Region: "eu-west-1"}
	w.AddRole("111111111111", "auditor")
	w.VPCs["vpc-0a0a0a0a0a0a0a0a0"] = world.VPC{Account: "111111111111", Region: "eu-west-1"}
	w.RouteTables["rtb-0a0a0a0a0a0a0a0a1"] = world.RouteTable{Account: "111111111111", VPC: "vpc-0a0a0a0a0a0a0a0a0"}
	program := func(ctx *pulumi.Context) error {
		provider, err := aws.NewProvider(ctx, "bucket-owner", &aws.ProviderArgs{
			Region: pulumi.String("eu-west-1"), Profile: pulumi.String("owner"),
			AllowedAccountIds: pulumi.StringArray{pulumi.String("111111111111")},
		})
		if err != nil {
			return err
		}
		more, err := opts(ctx)
		if err != nil {
			return err
		}
		// The bucket policy depends on an endpoint, as this stack's does (it names the endpoint).
		endpoint, err := ec2.NewVpcEndpoint(ctx, "s3-gateway", &ec2.VpcEndpointArgs{
			VpcId: pulumi.String("vpc-0a0a0a0a0a0a0a0a0"), ServiceName: pulumi.String("com.amazonaws.eu-west-1.s3"),
			VpcEndpointType: pulumi.String("Gateway"), RouteTableIds: pulumi.StringArray{pulumi.String("rtb-0a0a0a0a0a0a0a0a1")},
		}, pulumi.Provider(provider))
		if err != nil {
			return err
		}
		_, err = s3.NewBucketPolicy(ctx, "shared-data", &s3.BucketPolicyArgs{
			Bucket: pulumi.String("shared-data"), Policy: pulumi.String(lifecycleKept),
		}, append([]pulumi.ResourceOption{pulumi.Provider(provider), pulumi.DependsOn([]pulumi.Resource{endpoint})}, more...)...)
		if err != nil {
			return err
		}
		// A resource that depends on nothing, as this stack's role policies do not depend on the
		// bucket policy.
		_, err = iam.NewRolePolicy(ctx, "auditor", &iam.RolePolicyArgs{
			Role: pulumi.String("auditor"), Name: pulumi.String("lifecycle"),
			Policy: pulumi.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`),
		}, pulumi.Provider(provider))
		return err
	}
	l := newInlineStack(t, "lifecycle", w, program)
	if _, err := l.stack.Up(context.Background()); err != nil {
		t.Fatalf("up: %v", err)
	}
	return l
}

// newInlineStack is stack dev of a project of its own (no config schema), whose program is given,
// over a world.
func newInlineStack(t *testing.T, project string, w *world.World, program pulumi.RunFunc) *lifecycleStack {
	t.Helper()
	if skipped != "" {
		t.Skip(skipped)
	}
	dir := t.TempDir()
	l := &lifecycleStack{t: t, worldPath: filepath.Join(dir, "world.json"), logPath: filepath.Join(dir, "aws-calls.jsonl")}
	if err := world.Save(l.worldPath, w); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: "+project+"\nruntime: go\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ws := newWorkspace(t, dir, program, l.worldPath, l.logPath)
	var err error
	if l.stack, err = auto.UpsertStack(ctx, "dev", ws); err != nil {
		t.Fatal(err)
	}
	return l
}

// destroy runs `pulumi destroy` and returns its output, the bucket's policy after, and its error.
func (l *lifecycleStack) destroy(opts ...optdestroy.Option) (string, string, error) {
	l.t.Helper()
	r, err := l.stack.Destroy(context.Background(), opts...)
	w, loadErr := world.Load(l.worldPath)
	if loadErr != nil {
		l.t.Fatal(loadErr)
	}
	return r.StdOut + r.StdErr, w.Buckets["shared-data"].Policy, err
}

// deletes counts the delete calls on the bucket policy, and on the rest (role policy, endpoint).
func (l *lifecycleStack) world() *world.World {
	l.t.Helper()
	w, err := world.Load(l.worldPath)
	if err != nil {
		l.t.Fatal(err)
	}
	return w
}

func (l *lifecycleStack) deletes() (bucketPolicies, others int) {
	l.t.Helper()
	ops, err := world.ReadLog(l.logPath)
	if err != nil {
		l.t.Fatal(err)
	}
	for _, op := range ops {
		switch {
		case op.Op == "delete" && strings.HasPrefix(op.Physical, "bucket-policy:"):
			bucketPolicies++
		case op.Op == "delete":
			others++
		}
	}
	return bucketPolicies, others
}

// A protected bucket policy fails `pulumi destroy`, in its preview already; run without a preview,
// the destroy still deletes what does not wait for the protected resource (the role policy), and
// leaves the bucket policy and the endpoint it depends on.
func TestEngineDestroyRefusesAProtectedBucketPolicy(t *testing.T) {
	l := newLifecycleStack(t, func(*pulumi.Context) ([]pulumi.ResourceOption, error) {
		return []pulumi.ResourceOption{pulumi.Protect(true)}, nil
	})
	preview, err := l.stack.PreviewDestroy(context.Background())
	t.Logf("destroy preview: %v\n%s", err, preview.StdOut+preview.StdErr)
	if bp, rp := l.deletes(); err == nil || bp+rp != 0 {
		t.Fatalf("the preview of destroy: err %v; it deleted %d bucket and %d role policies", err, bp, rp)
	}
	out, policy, err := l.destroy()
	t.Logf("destroy: %v\n%s", err, out)
	if err == nil || !strings.Contains(err.Error()+out, "cannot be deleted\n") && !strings.Contains(err.Error()+out, "because it is protected") {
		t.Fatalf("destroy of a protected bucket policy: err %v\n%s", err, out)
	}
	if bp, others := l.deletes(); bp != 0 || others != 1 || policy != lifecycleKept || len(l.world().Endpoints) != 1 || len(l.world().RolePolicies) != 0 {
		t.Fatalf("destroy deleted %d bucket policies and %d others; policy now %q; endpoints %v", bp, others, policy, l.world().Endpoints)
	}
}

// A bucket policy retained on delete is forgotten by `pulumi destroy` without a call to AWS: the
// bucket keeps the document last written.
func TestEngineDestroyLeavesARetainedBucketPolicy(t *testing.T) {
	l := newLifecycleStack(t, func(*pulumi.Context) ([]pulumi.ResourceOption, error) {
		return []pulumi.ResourceOption{pulumi.RetainOnDelete(true)}, nil
	})
	out, policy, err := l.destroy()
	if err != nil {
		t.Fatalf("destroy: %v\n%s", err, out)
	}
	if bp, others := l.deletes(); bp != 0 || others != 2 || policy != lifecycleKept || len(l.world().Endpoints) != 0 {
		t.Fatalf("destroy deleted %d bucket policies and %d others; policy now %q", bp, others, policy)
	}
}

// A delete hook makes the engine refuse `pulumi destroy` unless it runs the program
// (--run-program), and a failing BeforeDelete hook then stops the delete.
func TestEngineDeleteHookNeedsTheProgram(t *testing.T) {
	l := newLifecycleStack(t, func(ctx *pulumi.Context) ([]pulumi.ResourceOption, error) {
		hook, err := ctx.RegisterResourceHook("keep-statements", func(*pulumi.ResourceHookArgs) error {
			return errors.New("the bucket policy holds kept statements; release it first")
		}, nil)
		if err != nil {
			return nil, err
		}
		return []pulumi.ResourceOption{pulumi.ResourceHooks(&pulumi.ResourceHookBinding{BeforeDelete: []*pulumi.ResourceHook{hook}})}, nil
	})
	out, policy, err := l.destroy()
	t.Logf("destroy without --run-program: %v\n%s", err, out)
	if bp, rp := l.deletes(); err == nil || !strings.Contains(err.Error()+out, "--run-program") || bp+rp != 0 || policy != lifecycleKept {
		t.Fatalf("destroy without the program: err %v, %d+%d deletes, policy %q", err, bp, rp, policy)
	}
	out, policy, err = l.destroy(optdestroy.RunProgram(true))
	t.Logf("destroy --run-program: %v\n%s", err, out)
	if bp, _ := l.deletes(); err == nil || !strings.Contains(err.Error()+out, "release it first") || bp != 0 || policy != lifecycleKept {
		t.Fatalf("destroy with the program: err %v, %d deletes, policy %q", err, bp, policy)
	}
}
