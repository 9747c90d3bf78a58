package preflight

import (
	"testing"
)

func TestDecideLifecycle(t *testing.T) {
	kept := flatSpec()
	kept.ExtraBucketStatements = []map[string]any{statement(auditRead), statement(cloudTrail)}
	tests := []struct {
		name                                 string
		keep                                 bool
		opts                                 Options
		keptOnly, protect, retain, protectEP bool
		destroy                              string
		warnings                             int
	}{
		{name: "nothing kept", destroy: "pulumi destroy deletes the policy of bucket shared-data, which leaves the bucket with no policy, as before this stack (no statement is kept)."},
		{name: "kept statements", keep: true, protect: true, warnings: 1,
			destroy: "pulumi destroy stops in its preview, before deleting anything: the policy of bucket shared-data is protected because it holds 2 kept statements (AuditRead, AWSCloudTrailWrite), which a destroy cannot write back (the engine only deletes during a destroy) and would delete with the rest. Run without its preview (pulumi destroy --skip-preview, or the Automation API), it deletes the inline role policies, which do not wait for the bucket policy, then stops there and leaves the bucket policy and the endpoints as they are. To leave exactly the kept statements on the bucket, run pulumi config set releaseBucketPolicy true, then pulumi up (the policy then holds only them), then pulumi destroy. Never pulumi state unprotect it, although the CLI's error suggests it: the destroy then deletes the kept statements with the rest."},
		{name: "kept statements, released", keep: true, opts: Options{ReleaseBucketPolicy: true}, keptOnly: true, retain: true, warnings: 1,
			destroy: "pulumi destroy leaves the policy of bucket shared-data with exactly the 2 kept statements (AuditRead, AWSCloudTrailWrite), and deletes this stack's endpoints and role policies."},
		{name: "nothing kept, released", opts: Options{ReleaseBucketPolicy: true}, warnings: 1,
			destroy: "pulumi destroy deletes the policy of bucket shared-data, which leaves the bucket with no policy, as before this stack (no statement is kept)."},
		{name: "protected", opts: Options{ProtectBucketPolicy: true}, protect: true,
			destroy: "pulumi destroy stops in its preview, before deleting anything: the policy of bucket shared-data is protected (protectBucketPolicy: true). Run without its preview (pulumi destroy --skip-preview, or the Automation API), it deletes the inline role policies, which do not wait for the bucket policy, then stops there and leaves the bucket policy and the endpoints as they are. To destroy, run pulumi config set protectBucketPolicy false, then pulumi up, then pulumi destroy; with kept statements, also pulumi config set releaseBucketPolicy true before that pulumi up, so that the destroy leaves them. Never pulumi state unprotect it, although the CLI's error suggests it: the destroy then deletes the whole policy, kept statements included."},
		{name: "endpoints protected", opts: Options{ProtectEndpoints: true}, protectEP: true,
			destroy: "pulumi destroy deletes the policy of bucket shared-data, which leaves the bucket with no policy, as before this stack (no statement is kept). The preview of pulumi destroy also stops at the protected endpoints (protectEndpoints: true); run without its preview, it deletes the bucket policy and the role policies first. To destroy, set protectEndpoints to false and run pulumi up first."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := flatSpec()
			if tt.keep {
				s = kept
			}
			l := DecideLifecycle(s, tt.opts)
			if l.KeptOnly != tt.keptOnly || l.ProtectBucketPolicy != tt.protect || l.RetainBucketPolicy != tt.retain || l.ProtectEndpoints != tt.protectEP {
				t.Errorf("%+v", l)
			}
			if l.Destroy != tt.destroy {
				t.Errorf("destroy:\n got  %s\n want %s", l.Destroy, tt.destroy)
			}
			if len(l.Warnings) != tt.warnings {
				t.Errorf("warnings %q", l.Warnings)
			}
		})
	}
	if got := KeptPolicy(kept).JSON(); got != `{"Version":"2012-10-17","Statement":[{"Action":"s3:GetObject","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/auditor"},"Resource":"arn:aws:s3:::shared-data/audit/*","Sid":"AuditRead"},{"Action":"s3:PutObject","Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:eu-west-1:111111111111:trail/org","s3:x-amz-acl":"bucket-owner-full-control"}},"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Resource":"arn:aws:s3:::shared-data/AWSLogs/111111111111/*","Sid":"AWSCloudTrailWrite"}]}` {
		t.Errorf("kept policy %s", got)
	}
}
