package policydoc

import (
	"fmt"
	"strings"
	"testing"

	"cross-account-s3/spec"
)

// Each kept statement that S3 or the perimeter would not accept, alone, with its exact message.
func TestKeptStatementsThatS3OrThePerimeterWouldNotAccept(t *testing.T) {
	const (
		read     = `"Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-data/audit/*"`
		example  = `"Principal": {"AWS": "arn:aws:iam::111111111111:role/auditor"}`
		unpinned = ` without a VPC endpoint condition (or an aws:CalledVia one), so it works from anywhere; add "Condition": {"StringEquals": {"aws:SourceVpce": ["vpce-0123456789abcdef0"]}} (or aws:SourceVpc with a vpc- ID, or aws:VpceAccount with account IDs or "${aws:PrincipalAccount}"), as this stack's own grants do; or, for requests an AWS service makes with the principal's credentials, "Condition": {"ForAnyValue:StringEquals": {"aws:CalledVia": ["athena.amazonaws.com"]}}`
		lockOut  = `denies principal "*" on a VPC endpoint condition (aws:SourceVpce, aws:SourceVpc, aws:VpceAccount, aws:VpceOrgID or aws:VpceOrgPaths), which also locks out the console, CI and this stack's own deploys; scope the Deny to the consumer roles, or to other accounts than the bucket owner's (111111111111) with "StringEquals": {"aws:PrincipalAccount": [...]}`
	)
	auditor := map[string]any{"AWS": "arn:aws:iam::222222222222:role/auditor"} // of the consumer account
	pinned := map[string]any{"StringEquals": map[string]any{"aws:SourceVpce": "vpce-0123456789abcdef0"}}
	statement := func(change func(st map[string]any)) map[string]any {
		st := map[string]any{"Sid": "Keep", "Effect": "Allow", "Principal": auditor, "Action": "s3:GetObject",
			"Resource": "arn:aws:s3:::shared-data/audit/*", "Condition": pinned}
		change(st)
		return st
	}
	for _, tc := range []struct {
		name string
		st   map[string]any
		want string
	}{
		{"public, principal *", statement(func(st map[string]any) { st["Principal"] = "*" }),
			`allows principal "*", which makes the bucket public; name the principals instead, e.g. ` + example},
		{"public, AWS *", statement(func(st map[string]any) { st["Principal"] = map[string]any{"AWS": []any{"*"}} }),
			`allows principal "*", which makes the bucket public; name the principals instead, e.g. ` + example},
		{"another account without an endpoint condition", statement(func(st map[string]any) { delete(st, "Condition") }),
			`allows arn:aws:iam::222222222222:role/auditor of another account` + unpinned},
		{"another account, IfExists does not pin", statement(func(st map[string]any) {
			st["Condition"] = map[string]any{"StringEqualsIfExists": map[string]any{"aws:SourceVpce": "vpce-0123456789abcdef0"}}
		}), `allows arn:aws:iam::222222222222:role/auditor of another account` + unpinned},
		{"NotPrincipal in a Deny", statement(func(st map[string]any) {
			delete(st, "Principal")
			st["Effect"], st["NotPrincipal"] = "Deny", auditor
		}), `uses NotPrincipal: a Deny with NotPrincipal applies to every principal not listed, and listing a role does not exempt its sessions, so it locks out the consumer roles (and Allow with NotPrincipal is not supported); name the principals in Principal instead, e.g. ` + example},
		{"lock-out Deny", statement(func(st map[string]any) {
			st["Effect"], st["Principal"] = "Deny", map[string]any{"AWS": "*"}
			st["Condition"] = map[string]any{"StringNotEquals": map[string]any{"aws:sourcevpce": "vpce-1"}}
		}), lockOut},
		{"another account, a wildcard aws:VpceAccount does not pin", statement(func(st map[string]any) {
			st["Condition"] = map[string]any{"StringEquals": map[string]any{"aws:VpceAccount": "*"}}
		}), `allows arn:aws:iam::222222222222:role/auditor of another account` + unpinned},
		{"another account, StringNotEquals on aws:VpceAccount does not pin", statement(func(st map[string]any) {
			st["Condition"] = map[string]any{"StringNotEquals": map[string]any{"aws:VpceAccount": "999999999999"}}
		}), `allows arn:aws:iam::222222222222:role/auditor of another account` + unpinned},
		{"another account, aws:CalledVia on any service does not pin", statement(func(st map[string]any) {
			st["Condition"] = map[string]any{"ForAnyValue:StringEquals": map[string]any{"aws:CalledVia": []any{"*.amazonaws.com"}}}
		}), `allows arn:aws:iam::222222222222:role/auditor of another account` + unpinned},
		{"lock-out Deny on aws:VpceAccount", statement(func(st map[string]any) {
			st["Effect"], st["Principal"] = "Deny", "*"
			st["Condition"] = map[string]any{"StringNotEqualsIfExists": map[string]any{"aws:VpceAccount": CallerAccount}}
		}), lockOut},
		{"lock-out Deny on aws:VpceAccount, scoped to accounts that include the owner's", statement(func(st map[string]any) {
			st["Effect"], st["Principal"] = "Deny", "*"
			st["Condition"] = map[string]any{
				"StringEquals":            map[string]any{"aws:PrincipalAccount": []any{"222222222222", "111111111111"}},
				"StringNotEqualsIfExists": map[string]any{"aws:VpceAccount": CallerAccount},
			}
		}), lockOut},
		{"no Principal, Action or Resource", map[string]any{"Sid": "Keep", "Effect": "Allow"},
			`lacks Principal and Action and Resource; a bucket-policy statement needs Principal, Action and Resource, e.g. ` + example + `, ` + read},
		{"no Resource", statement(func(st map[string]any) { delete(st, "Resource") }),
			`lacks Resource; a bucket-policy statement needs Principal, Action and Resource, e.g. ` + example + `, ` + read},
		{"another bucket", statement(func(st map[string]any) {
			st["Resource"] = []any{"arn:aws:s3:::shared-data/audit/*", "arn:aws:s3:::other-bucket/*"}
		}),
			`Resource "arn:aws:s3:::other-bucket/*" is not this bucket; a bucket policy can only name arn:aws:s3:::shared-data and keys in it, e.g. arn:aws:s3:::shared-data/audit/*`},
		{"a look-alike bucket", statement(func(st map[string]any) { st["Resource"] = "arn:aws:s3:::shared-data-archive/*" }),
			`Resource "arn:aws:s3:::shared-data-archive/*" is not this bucket; a bucket policy can only name arn:aws:s3:::shared-data and keys in it, e.g. arn:aws:s3:::shared-data/audit/*`},
		{"nonexistent action", statement(func(st map[string]any) { st["Action"] = "s3:GetObjects" }),
			`Action "s3:GetObjects" is not an S3 action (spec/data/s3-actions.txt lists the ones AWS documents); did you mean s3:GetObject?`},
		{"another service's action", statement(func(st map[string]any) { st["Action"] = []any{"s3:GetObject", "iam:PassRole"} }),
			`Action "iam:PassRole" is not an S3 action; a bucket policy takes s3: actions only, e.g. s3:GetObject`},
		{"a pattern matching nothing", statement(func(st map[string]any) { st["Action"] = "s3:Fetch*" }),
			`Action "s3:Fetch*" matches no S3 action (spec/data/s3-actions.txt lists the ones AWS documents); e.g. s3:Get* or s3:GetObject`},
		// Every principal form (issue 17).
		{"public, aws * in lower case", statement(func(st map[string]any) { st["Principal"] = map[string]any{"aws": "*"} }),
			`allows principal "*", which makes the bucket public; name the principals instead, e.g. ` + example},
		{"public, CanonicalUser *", statement(func(st map[string]any) { st["Principal"] = map[string]any{"CanonicalUser": "*"} }),
			`allows principal "*", which makes the bucket public; name the principals instead, e.g. ` + example},
		{"a second, lower-case principal", statement(func(st map[string]any) { st["principal"] = "*" }),
			`has the elements "Principal" and "principal", which differ only in case; keep one, spelt as AWS does, e.g. "Principal": {"AWS": [...]}`},
		{"a lower-case element alone", statement(func(st map[string]any) {
			st["Principal"], st["condition"] = map[string]any{"AWS": "arn:aws:iam::111111111111:role/auditor"}, st["Condition"]
			delete(st, "Condition")
		}),
			`has the element "condition", which is not a statement element (Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition); write it as "Condition"`},
		{"an unknown element", statement(func(st map[string]any) { st["Id"] = "audit" }),
			`has the element "Id", which is not a statement element (Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition); remove it`},
		{"an unknown principal type", statement(func(st map[string]any) { st["Principal"] = map[string]any{"User": "auditor"} }),
			`has a Principal with "User", which is not a principal type; use AWS, Service, CanonicalUser or Federated, e.g. ` + example},
		{"every service", statement(func(st map[string]any) {
			st["Principal"], st["Action"], st["Condition"] = map[string]any{"Service": "*"}, "s3:GetObject", map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": "111111111111"}}
		}), `allows the service principal "*", which is every AWS service acting for any account; name the service and the account it acts for, e.g. "Principal": {"Service": "logging.s3.amazonaws.com"}, "Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}}`},
		{"a service writing for anyone", statement(func(st map[string]any) {
			st["Principal"], st["Action"] = map[string]any{"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject"
			delete(st, "Condition")
		}), `lets the service cloudtrail.amazonaws.com write to the bucket without a condition on aws:SourceAccount, aws:SourceArn or aws:SourceOrgID, so the service writes for any account that points it here (the confused-deputy problem, https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html); add e.g. "Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}}`},
		{"a service writing through a wildcard, IfExists does not confine", statement(func(st map[string]any) {
			st["Principal"], st["Action"] = map[string]any{"service": []any{"logging.s3.amazonaws.com"}}, "s3:Put*"
			st["Condition"] = map[string]any{"StringEqualsIfExists": map[string]any{"aws:SourceAccount": "111111111111"}}
		}), `lets the service logging.s3.amazonaws.com write to the bucket without a condition on aws:SourceAccount, aws:SourceArn or aws:SourceOrgID, so the service writes for any account that points it here (the confused-deputy problem, https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html); add e.g. "Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}}`},
		{"an account outside the perimeter, pinned to its own endpoint", statement(func(st map[string]any) {
			st["Principal"], st["Action"], st["Resource"] = map[string]any{"AWS": "arn:aws:iam::999999999999:root"}, "s3:*", "arn:aws:s3:::shared-data/*"
		}), `allows arn:aws:iam::999999999999:root, whose account is neither the bucket owner's (111111111111) nor a consumer account (222222222222): the perimeter Deny binds only the consumer accounts to this stack's endpoints, so that account would be held only by this statement's own condition, on endpoints this stack neither created nor checks (docs/kept-statements.md); make the account a consumer, or grant a principal of a consumer account, e.g. "Principal": {"AWS": "arn:aws:iam::222222222222:role/auditor"}`},
		{"a canonical user, pinned", statement(func(st map[string]any) {
			st["Principal"] = map[string]any{"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}
		}), `allows CanonicalUser 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be, whose account is neither the bucket owner's (111111111111) nor a consumer account (222222222222) (a CanonicalUser, or a principal that is not an account's ARN or ID, names no account): the perimeter Deny binds only the consumer accounts to this stack's endpoints, so that account would be held only by this statement's own condition, on endpoints this stack neither created nor checks (docs/kept-statements.md); make the account a consumer, or grant a principal of a consumer account, e.g. "Principal": {"AWS": "arn:aws:iam::222222222222:role/auditor"}`},
		{"a federated principal of a consumer account, unpinned", statement(func(st map[string]any) {
			st["Principal"] = map[string]any{"Federated": "arn:aws:iam::222222222222:saml-provider/corp"}
			delete(st, "Condition")
		}), `allows Federated arn:aws:iam::222222222222:saml-provider/corp of another account` + unpinned},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := baseSpec()
			s.ExtraBucketStatements = []map[string]any{tc.st}
			want := "extraBucketPolicyStatements[0]: " + tc.want
			if got := Check(s); len(got) != 1 || got[0].String() != want {
				t.Errorf("got %v\nwant %s", got, want)
			}
		})
	}
}

// What the perimeter and S3 accept passes: a same-account grant without conditions, a
// cross-account one pinned to a VPC, to endpoints of its own account or to requests Athena makes
// for it, a service principal, wildcards that match S3 actions, a Deny scoped to named roles, and
// a Deny on "*" on an endpoint condition scoped to the consumer account.
func TestKeptStatementsThatAreFine(t *testing.T) {
	s := baseSpec()
	s.ExtraBucketStatements = []map[string]any{
		{"Sid": "OwnerOps", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::111111111111:role/ops"}, "Action": "s3:*", "Resource": []any{"arn:aws:s3:::shared-data", "arn:aws:s3:::shared-data/*"}},
		{"Sid": "AuditViaVpc", "Effect": "Allow", "Principal": map[string]any{"AWS": []any{"222222222222"}}, "Action": []any{"s3:Get*", "S3:listbucket"},
			"Resource": "arn:aws:s3:::shared-data/audit/*", "Condition": map[string]any{"StringEquals": map[string]any{"aws:sourcevpc": []any{"vpc-0123456789abcdef0"}}}},
		{"Sid": "LogDelivery", "Effect": "Allow", "Principal": map[string]any{"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::shared-data/logs/*",
			"Condition": map[string]any{"ArnLike": map[string]any{"aws:SourceArn": "arn:aws:s3:::shared-data"}, "StringEquals": map[string]any{"aws:SourceAccount": "111111111111"}}},
		{"Sid": "TrailOfTheOrg", "Effect": "Allow", "Principal": map[string]any{"Service": []any{"cloudtrail.amazonaws.com"}}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::shared-data/AWSLogs/*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceOrgID": "o-a1b2c3d4e5"}}},
		{"Sid": "ServiceReads", "Effect": "Allow", "Principal": map[string]any{"Service": "delivery.logs.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::shared-data"},
		{"Sid": "OwnerSaml", "Effect": "Allow", "Principal": map[string]any{"Federated": "arn:aws:iam::111111111111:saml-provider/corp"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-data/*"},
		{"Sid": "NoCanonicalWrites", "Effect": "Deny", "Principal": map[string]any{"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::shared-data/*"},
		{"Sid": "NoOutsiderReads", "Effect": "Deny", "Principal": map[string]any{"AWS": "arn:aws:iam::999999999999:root"}, "Action": "s3:*", "Resource": "arn:aws:s3:::shared-data/*"},
		{"Sid": "AuditOwnEndpoints", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::222222222222:root"}, "Action": "s3:GetObject",
			"Resource": "arn:aws:s3:::shared-data/audit/*", "Condition": map[string]any{"StringEquals": map[string]any{"aws:VpceAccount": []any{CallerAccount}}}},
		{"Sid": "AuditViaAthena", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::222222222222:role/auditor"}, "Action": "s3:GetObject",
			"Resource": "arn:aws:s3:::shared-data/audit/*", "Condition": map[string]any{"ForAnyValue:StringEquals": map[string]any{"aws:CalledVia": []any{"athena.amazonaws.com"}}}},
		{"Sid": "AuditorsOnlyThroughTheirEndpoints", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::shared-data/audit/*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalAccount": "222222222222"}, "StringNotEqualsIfExists": map[string]any{"aws:VpceAccount": CallerAccount}}},
		{"Sid": "NoDeletes", "Effect": "Deny", "Principal": map[string]any{"AWS": "arn:aws:iam::222222222222:role/analytics-ec2"}, "NotAction": []any{"s3:GetObject", "s3:PutObject"}, "Resource": "arn:aws:s3:::shared-data/*"},
	}
	if got := Check(s); len(got) != 0 {
		t.Errorf("got %v", got)
	}
}

func TestCheckReportsSidProblemsBeforeTheStatementsRules(t *testing.T) {
	s := with(func(s *spec.Spec, c *spec.Consumer) {
		s.ExtraBucketStatements = []map[string]any{
			{"Effect": "Allow"},
			{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::shared-data/*"},
			{"Sid": "Keep", "Effect": "Permit", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::shared-data/*"},
			{"Sid": "Keep", "Effect": "Deny", "Principal": map[string]any{"AWS": "arn:aws:iam::111111111111:role/x"}, "Action": "s3:*", "Resource": "arn:aws:s3:::shared-data/*"},
		}
	})
	own := "DenyInsecureTransport, AllowObjects3dd9fabbVpc0a1b2c3d4e5f60718, DenyConsumerAccountsOutsideVpcEndpoints"
	want := []string{
		`extraBucketPolicyStatements[0]: has no Sid; give every kept statement a unique Sid, e.g. "KeepAuditRead"`,
		`extraBucketPolicyStatements[0]: lacks Principal and Action and Resource; a bucket-policy statement needs Principal, Action and Resource, e.g. "Principal": {"AWS": "arn:aws:iam::111111111111:role/auditor"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-data/audit/*"`,
		`extraBucketPolicyStatements[1]: Sid "DenyInsecureTransport" is already used by this stack's own statements; rename it (this stack uses ` + own + `)`,
		`extraBucketPolicyStatements[2]: Effect must be "Allow" or "Deny"`,
		`extraBucketPolicyStatements[3]: Sid "Keep" is already used by extraBucketPolicyStatements[2]; rename it (this stack uses ` + own + `)`,
	}
	got := Check(s)
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("problem %d\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

// Users fix in rounds only if they are told everything in the first: a spec with mistakes of
// every kind reports them all in one run of Validate and Check, none hidden behind another, in
// the order of the stack file's keys.
func TestEveryMistakeIsReportedInOneRun(t *testing.T) {
	s := baseSpec()
	s.Bucket.Account.Region = "eu-west-9"
	s.BucketPolicyGrouping = "pairwise"
	a := s.Consumers[0]
	a.Index = 0
	a.Account.Region = "eu-west-9"
	a.Access = spec.Access{Actions: []string{"s3:GetObjects", "s3:PutObject"}, Prefixes: []string{"reports", "home/${aws:username}/"}}
	a.ManageRolePolicy = true
	for i := 0; i < 500; i++ {
		a.Access.Prefixes = append(a.Access.Prefixes, fmt.Sprintf("tenants/tenant-%04d/", i))
	}
	b := a
	b.Name, b.Index, b.Account.ID = "billing", 1, "333333333333"
	b.RoleARNs = []string{"arn:aws:iam::333333333333:role/billing"}
	b.RouteTableIDs = []string{"rtb-0b0b0b0b0b0b0b0b1"}
	b.Access = spec.Access{Actions: []string{"s3:GetObject"}}
	s.Consumers = []spec.Consumer{a, b}
	s.ExtraBucketStatements = []map[string]any{
		{"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-data/*"},
		{"Sid": "Elsewhere", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::444444444444:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other/*"},
	}
	ps := append(s.Validate(), Check(s)...).InKeyOrder([]string{"bucket", "bucketPolicyGrouping", "consumers", "extraBucketPolicyStatements"})
	var keys []string
	for _, p := range ps {
		keys = append(keys, p.Key)
	}
	want := []string{
		"bucket.region",                  // eu-west-9
		"bucketPolicyGrouping",           // pairwise
		"consumers",                      // the bucket policy is over 20 KB
		"consumers[0].region",            // eu-west-9
		"consumers[0].actions[0]",        // s3:GetObjects
		"consumers[0].prefixes[0]",       // reports
		"consumers[0].prefixes[1]",       // ${aws:username}
		"consumers[0].prefixes",          // the role policy is over 10,240 characters
		"consumers[1].region",            // eu-west-9
		"consumers[1].vpcId",             // the VPC of analytics, in another account
		"extraBucketPolicyStatements[0]", // public
		"extraBucketPolicyStatements[1]", // another account without an endpoint condition
		"extraBucketPolicyStatements[1]", // an account outside the perimeter
		"extraBucketPolicyStatements[1]", // another bucket
	}
	if strings.Join(keys, "\n") != strings.Join(want, "\n") {
		t.Errorf("got problems at\n%s\n\nwant\n%s\n\nall:\n%v", strings.Join(keys, "\n"), strings.Join(want, "\n"), ps)
	}
}

// Check runs on whatever the config layer read, valid or not: it must not panic, whatever is
// missing or of the wrong type.
func TestCheckIsSafeOnAnInvalidSpec(t *testing.T) {
	for name, s := range map[string]spec.Spec{
		"zero":           {},
		"empty consumer": {Consumers: []spec.Consumer{{}}},
		"empty fields": {Bucket: spec.BucketOwner{Name: "x"}, BucketPolicyGrouping: "nonsense",
			Consumers: []spec.Consumer{{Name: "a", Endpoint: spec.Endpoint{Policy: spec.Restricted, AllowedBuckets: []spec.AllowedBucket{{}}}, ManageRolePolicy: true}, {Name: "a"}}},
		"odd statements": {ExtraBucketStatements: []map[string]any{nil, {}, {"Sid": 3, "Effect": true, "Principal": 12, "NotPrincipal": []any{nil},
			"Action": map[string]any{"x": 1}, "Resource": []any{nil, 3.5}, "Condition": "StringEquals"},
			{"Principal": map[string]any{"AWS": []any{nil, 222222222222.0}}, "Condition": map[string]any{"StringEquals": "x", "StringLike": map[string]any{"aws:SourceVpce": []any{1}}}}}},
	} {
		t.Run(name, func(t *testing.T) {
			_ = append(s.Validate(), Check(s)...)
			_ = Warnings(withGrouping(s, spec.GroupByAccess))
		})
	}
}
