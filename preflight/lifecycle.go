package preflight

import (
	"fmt"
	"strings"

	"cross-account-s3/policydoc"
	"cross-account-s3/spec"
)

// Lifecycle is how the program registers the bucket policy and the endpoints so that no update or
// destroy deletes what it must not (see the package doc for why).
type Lifecycle struct {
	// KeptOnly: the bucket policy holds only the kept statements (the release step).
	KeptOnly bool
	// ProtectBucketPolicy and RetainBucketPolicy are the bucket policy's pulumi.Protect and
	// pulumi.RetainOnDelete.
	ProtectBucketPolicy bool
	RetainBucketPolicy  bool
	// ProtectEndpoints is pulumi.Protect on every endpoint the stack creates.
	ProtectEndpoints bool
	// Destroy says what `pulumi destroy` does to the bucket policy now, for preview and the plan.
	Destroy string
	// Warnings are for preview.
	Warnings []string
}

// DecideLifecycle decides the lifecycle options:
//
//   - Kept statements and no release: the bucket policy is protected. `pulumi destroy` would
//     delete the whole policy, kept statements included, and the engine cannot write a policy
//     while destroying; protected, the destroy's preview fails before anything is deleted.
//   - Release (releaseBucketPolicy: true) with kept statements: the policy holds only them, is
//     not protected, and is retained on delete, so `pulumi destroy` leaves exactly them.
//   - Release without kept statements, or neither: `pulumi destroy` deletes the policy, which
//     leaves the bucket with none, as before this stack.
//   - protectBucketPolicy: protected whatever the rest (stackconfig.Load refuses it together with
//     release).
//   - protectEndpoints: every created endpoint protected (an adopted one is never deleted).
func DecideLifecycle(s spec.Spec, opts Options) Lifecycle {
	kept := len(s.ExtraBucketStatements)
	l := Lifecycle{ProtectEndpoints: opts.ProtectEndpoints}
	if opts.side() == spec.SideConsumer {
		l.Destroy = "pulumi destroy deletes this stack's endpoints and role policies; the bucket policy is the owner stack's. Remove this stack from the owner's consumerStacks and run the owner first, so that the bucket policy stops naming this stack's endpoints and roles (README, \"Split stacks\")."
		if opts.ProtectEndpoints {
			l.Destroy += " The preview of pulumi destroy stops at the protected endpoints (protectEndpoints: true); set it to false and run pulumi up first."
		}
		return l
	}
	bucket := s.Bucket.Name
	sids := keptSids(s)
	switch {
	case opts.ProtectBucketPolicy:
		l.ProtectBucketPolicy = true
		l.Destroy = fmt.Sprintf("pulumi destroy stops in its preview, before deleting anything: the policy of bucket %s is protected (protectBucketPolicy: true). %s To destroy, run pulumi config set protectBucketPolicy false, then pulumi up, then pulumi destroy; with kept statements, also pulumi config set releaseBucketPolicy true before that pulumi up, so that the destroy leaves them. Never pulumi state unprotect it, although the CLI's error suggests it: the destroy then deletes the whole policy, kept statements included.",
			bucket, skipPreview)
	case opts.ReleaseBucketPolicy && kept > 0:
		l.KeptOnly, l.RetainBucketPolicy = true, true
		leaves := fmt.Sprintf("leaves the policy of bucket %s with exactly the %d kept %s (%s), and deletes this stack's endpoints and role policies",
			bucket, kept, plural(kept, "statement", "statements"), sids)
		l.Destroy = "pulumi destroy " + leaves + "."
		l.Warnings = append(l.Warnings, fmt.Sprintf("cross-account-s3:releaseBucketPolicy is true: the policy of bucket %s holds only the %d kept %s (%s), so no consumer is admitted any more, and pulumi destroy %s. Set it back to false to share the bucket again.",
			bucket, kept, plural(kept, "statement", "statements"), sids, leaves))
	case opts.ReleaseBucketPolicy:
		l.Destroy = fmt.Sprintf("pulumi destroy deletes the policy of bucket %s, which leaves the bucket with no policy, as before this stack (no statement is kept).", bucket)
		l.Warnings = append(l.Warnings, fmt.Sprintf("cross-account-s3:releaseBucketPolicy is true and no statement is kept: pulumi destroy deletes the policy of bucket %s, which leaves the bucket with no policy.", bucket))
	case kept > 0:
		l.ProtectBucketPolicy = true
		l.Destroy = fmt.Sprintf("pulumi destroy stops in its preview, before deleting anything: the policy of bucket %s is protected because it holds %d kept %s (%s), which a destroy cannot write back (the engine only deletes during a destroy) and would delete with the rest. %s To leave exactly the kept statements on the bucket, run pulumi config set releaseBucketPolicy true, then pulumi up (the policy then holds only them), then pulumi destroy. Never pulumi state unprotect it, although the CLI's error suggests it: the destroy then deletes the kept statements with the rest.",
			bucket, kept, plural(kept, "statement", "statements"), sids, skipPreview)
		l.Warnings = append(l.Warnings, l.Destroy)
	default:
		l.Destroy = fmt.Sprintf("pulumi destroy deletes the policy of bucket %s, which leaves the bucket with no policy, as before this stack (no statement is kept).", bucket)
	}
	if opts.ProtectEndpoints {
		l.Destroy += " The preview of pulumi destroy also stops at the protected endpoints (protectEndpoints: true); run without its preview, it deletes the bucket policy and the role policies first. To destroy, set protectEndpoints to false and run pulumi up first."
	}
	return l
}

// skipPreview is what a destroy run without its preview does to a stack whose bucket policy is
// protected (pinned by testworld/engine's lifecycle tests).
const skipPreview = "Run without its preview (pulumi destroy --skip-preview, or the Automation API), it deletes the inline role policies, which do not wait for the bucket policy, then stops there and leaves the bucket policy and the endpoints as they are."

func keptSids(s spec.Spec) string {
	var sids []string
	for _, e := range s.ExtraBucketStatements {
		if sid, _ := e["Sid"].(string); sid != "" {
			sids = append(sids, sid)
		}
	}
	return strings.Join(sids, ", ")
}

// KeptPolicy is the bucket policy of the release step: the kept statements alone, in the order
// configured, rendered as policydoc renders every document.
func KeptPolicy(s spec.Spec) policydoc.Document {
	statements := make([]any, len(s.ExtraBucketStatements))
	for i, st := range s.ExtraBucketStatements {
		statements[i] = st
	}
	return policydoc.Document{Version: policydoc.Version, Statement: statements}
}
