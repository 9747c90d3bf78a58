package policies

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"cross-account-s3/policydoc"
	"cross-account-s3/spec"
)

// The kept bucket-policy statements are judged twice: by policydoc.StatementFindings when the
// stack is validated (before anything is registered), and by this pack's deny_* rules on the
// rendered policy at `pulumi preview --policy-pack`. The rules are written twice, in Go and in
// Rego, so this test runs one corpus of statements through both and requires the same rules to
// fire for each, in two partitions. Every shared rule must fire somewhere in the corpus.
var statementCorpus = []string{
	// fine
	`{"Sid":"OwnOps","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:*","Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"]}`,
	`{"Sid":"OwnSession","Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111111111111:assumed-role/ops/me"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/a"}`,
	`{"Sid":"Pinned","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::333333333333:role/a","444444444444"]},"Action":["s3:GetObject","S3:listbucket"],"Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":["vpce-0123456789abcdef0","vpce-0fedcba9"]}}}`,
	`{"Sid":"PinnedVpc","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:Get*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringLike":{"aws:sourcevpc":"vpc-0123456789abcdef0"}}}`,
	`{"Sid":"Service","Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared-data/logs/*"}`,
	`{"Sid":"ScopedDeny","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::222222222222:role/app"},"NotAction":["s3:GetObject"],"Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}`,
	`{"Sid":"TlsAgain","Effect":"Deny","Principal":"*","Action":"*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`,
	// public
	`{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"PublicAws","Effect":"Allow","Principal":{"AWS":["*"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"PublicAndMore","Effect":"Allow","Principal":{"AWS":["*","arn:aws:iam::333333333333:root"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	// cross-account without a pinning condition
	`{"Sid":"Anywhere","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:role/a"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"IfExists","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"AnyEndpoint","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"Null":{"aws:SourceVpce":"false"}}}`,
	`{"Sid":"NotThatOne","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"Wildcard","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringLike":{"aws:SourceVpce":"vpce-*"}}}`,
	`{"Sid":"Empty","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":[]}}}`,
	`{"Sid":"OddPrincipal","Effect":"Allow","Principal":{"AWS":"AROAEXAMPLEID"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	// lock-outs
	`{"Sid":"LockOut","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}`,
	`{"Sid":"LockOutVpc","Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEqualsIfExists":{"AWS:SOURCEVPC":"vpc-1"}}}`,
	`{"Sid":"NotPrincipalDeny","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:role/admin"},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"NotPrincipalAllow","Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:role/admin"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	// malformed
	`{"Sid":"Nothing","Effect":"Allow"}`,
	`{"Sid":"NoEffect","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"Permit","Effect":"Permit","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"EmptyAction","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":[],"Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"StringPrincipal","Effect":"Allow","Principal":"arn:aws:iam::111111111111:role/ops","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	// resources
	`{"Sid":"OtherBucket","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":["arn:aws:s3:::shared-data/*","arn:aws:s3:::other/*"]}`,
	`{"Sid":"LookAlike","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data*"}`,
	`{"Sid":"Everything","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:DeleteObject","Resource":"*"}`,
	`{"Sid":"NotResourceElsewhere","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:DeleteObject","NotResource":"arn:aws:s3:::other/*"}`,
	`{"Sid":"NumberResource","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":42}`,
	// actions
	`{"Sid":"Typo","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObjects","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"OtherService","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":["s3:GetObject","iam:PassRole"],"Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"NoMatch","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:Fetch*","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"QuestionMark","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObjec?","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"NotActionTypo","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"NotAction":"s3:ReadObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"NumberAction","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":7,"Resource":"arn:aws:s3:::shared-data/*"}`,
	// several at once
	`{"Sid":"Everything2","Effect":"Allow","Principal":"*","Action":"s3:Steal","Resource":"arn:aws:s3:::other/*"}`,
}

func TestTheGoChecksAndThePackAgreeOnKeptStatements(t *testing.T) {
	p := loadPack(t)
	shared := map[string]bool{}
	for _, r := range policydoc.SharedStatementRules {
		shared[r] = true
	}
	fired := map[string]bool{}
	clean := 0
	for _, region := range []string{"eu-west-1", "cn-north-1"} {
		s := spec.Spec{Bucket: spec.BucketOwner{Account: spec.Account{ID: "111111111111", Region: region}, Name: "shared-data"}}
		for _, raw := range statementCorpus {
			var st map[string]any
			if err := json.Unmarshal([]byte(raw), &st); err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			var goRules []string
			for _, f := range policydoc.StatementFindings(s, st) {
				goRules = appendOnce(goRules, f.Rule)
			}
			res := bucketPolicy(document(tlsDeny, raw))
			res.Provider = provider("bucket-owner", "111111111111", region)
			if region == "cn-north-1" {
				res.Properties["policy"] = strings.ReplaceAll(res.Properties["policy"].(string), tlsDeny, strings.ReplaceAll(tlsDeny, "arn:aws:", "arn:aws-cn:"))
			}
			var packRules []string
			for _, f := range p.checkResource(t, res) {
				rule, isDeny := strings.CutPrefix(f.rule, "deny_")
				if !isDeny {
					continue
				}
				if !shared[rule] {
					t.Errorf("%s %s: the pack's rule %s fired, which is not one of the shared rules", region, raw, f.rule)
				}
				packRules = appendOnce(packRules, rule)
			}
			sort.Strings(goRules)
			sort.Strings(packRules)
			if strings.Join(goRules, ",") != strings.Join(packRules, ",") {
				t.Errorf("%s %s:\n  Go:   %v\n  pack: %v", region, raw, goRules, packRules)
			}
			for _, r := range goRules {
				fired[r] = true
			}
			if len(goRules) == 0 {
				clean++
			}
		}
	}
	for _, r := range policydoc.SharedStatementRules {
		if !fired[r] {
			t.Errorf("no statement of the corpus breaks rule %s", r)
		}
	}
	if clean == 0 {
		t.Errorf("no statement of the corpus is accepted")
	}
}

// The documents this stack writes pass the pack's mandatory rules, in both groupings and both
// endpoint modes, with kept statements that pass the Go checks.
func TestTheStacksOwnDocumentsPassThePack(t *testing.T) {
	p := loadPack(t)
	for _, grouping := range []spec.BucketPolicyGrouping{spec.GroupPerEndpoint, spec.GroupByAccess} {
		for _, mode := range []spec.EndpointPolicyMode{spec.FullAccess, spec.Restricted} {
			s := spec.Spec{
				Bucket:               spec.BucketOwner{Account: spec.Account{ID: "111111111111", Region: "eu-west-1"}, Name: "shared-data"},
				BucketPolicyGrouping: grouping,
				ExtraBucketStatements: []map[string]any{{
					"Sid": "KeepAuditRead", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::444444444444:role/auditor"},
					"Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-data/audit/*",
					"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceVpc": "vpc-0123456789abcdef0"}},
				}},
			}
			ids := policydoc.EndpointIDs{}
			for i, acct := range []string{"222222222222", "222222222222", "333333333333"} {
				vpc := []string{"vpc-0aaaaaaaaaaaaaaaa", "vpc-0bbbbbbbbbbbbbbbb", "vpc-0cccccccccccccccc"}[i]
				name := []string{"analytics", "billing", "ingest"}[i]
				s.Consumers = append(s.Consumers, spec.Consumer{
					Name: name, Account: spec.Account{ID: acct, Region: "eu-west-1"}, VpcID: vpc,
					RouteTableIDs: []string{"rtb-" + vpc[4:]}, RoleARNs: []string{"arn:aws:iam::" + acct + ":role/" + name},
					Endpoint: spec.Endpoint{Policy: mode, AllowedBuckets: allowedIf(mode == spec.Restricted)},
					Access:   spec.Access{Actions: []string{"s3:GetObject", "s3:PutObject"}, Prefixes: []string{"reports/"}, AllowListing: true},
				})
				ids[name] = "vpce-" + vpc[4:]
			}
			if ps := append(s.Validate(), policydoc.Check(s)...); len(ps) > 0 {
				t.Fatalf("invalid: %v", ps)
			}
			res := bucketPolicy(policydoc.BucketPolicy(s, ids).JSON())
			for _, f := range p.checkResource(t, res) {
				if !strings.HasPrefix(f.rule, "warn") {
					t.Errorf("%s/%s: %v", grouping, mode, f)
				}
			}
		}
	}
}

func allowedIf(restricted bool) []spec.AllowedBucket {
	if !restricted {
		return nil
	}
	return []spec.AllowedBucket{{Name: "al2023-repos-eu-west-1-de612dc2"}, {Name: "example-logs", Write: true}}
}

func appendOnce(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}
