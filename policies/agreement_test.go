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
//
// The stack has consumers in accounts 333333333333 and 444444444444 (corpusConsumers): the Go
// rules read them from the spec, the pack from the perimeter Deny of the document policydoc
// renders for that spec with the statement kept.
var statementCorpus = []string{
	// fine
	`{"Sid":"OwnOps","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:*","Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"]}`,
	`{"Sid":"OwnSession","Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111111111111:assumed-role/ops/me"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/a"}`,
	`{"Sid":"Pinned","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::333333333333:role/a","444444444444"]},"Action":["s3:GetObject","S3:listbucket"],"Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":["vpce-0123456789abcdef0","vpce-0fedcba9"]}}}`,
	`{"Sid":"PinnedVpc","Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:Get*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringLike":{"aws:sourcevpc":"vpc-0123456789abcdef0"}}}`,
	`{"Sid":"ServiceConfined","Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared-data/logs/*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::shared-data"},"StringEquals":{"aws:SourceAccount":"111111111111"}}}`,
	`{"Sid":"ServiceOfTheOrg","Effect":"Allow","Principal":{"Service":["cloudtrail.amazonaws.com"]},"Action":"s3:Put*","Resource":"arn:aws:s3:::shared-data/AWSLogs/*","Condition":{"StringEquals":{"AWS:SourceOrgID":"o-a1b2c3d4e5"}}}`,
	`{"Sid":"ServiceReads","Effect":"Allow","Principal":{"Service":"delivery.logs.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::shared-data"}`,
	`{"Sid":"NoServiceAtAll","Effect":"Deny","Principal":{"Service":"*"},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"OwnerSaml","Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:saml-provider/corp"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"ConsumerSaml","Effect":"Allow","Principal":{"Federated":"arn:aws:iam::333333333333:saml-provider/corp"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"LowerCaseAws","Effect":"Allow","Principal":{"aws":"arn:aws:iam::444444444444:role/a"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"NoCanonicalWrites","Effect":"Deny","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"NoOutsider","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*"}`,
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
	// every principal form: services
	`{"Sid":"Service","Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared-data/logs/*"}`,
	`{"Sid":"TrailOfAnyone","Effect":"Allow","Principal":{"service":"cloudtrail.amazonaws.com"},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/AWSLogs/*"}`,
	`{"Sid":"ServiceIfExists","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":["s3:GetBucketAcl","s3:PutObject"],"Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"StringEqualsIfExists":{"aws:SourceAccount":"111111111111"}}}`,
	`{"Sid":"ServiceAnyAccount","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringLike":{"aws:SourceAccount":"*"}}}`,
	`{"Sid":"ServiceNotAction","Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"NotAction":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"EveryService","Effect":"Allow","Principal":{"Service":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}}`,
	`{"Sid":"EveryServiceWrites","Effect":"Allow","Principal":{"Service":["logging.s3.amazonaws.com","*.amazonaws.com"]},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	// every principal form: canonical users, federated principals, "*" in any type and case
	`{"Sid":"Canonical","Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:*","Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"]}`,
	`{"Sid":"CanonicalPinned","Effect":"Allow","Principal":{"CanonicalUser":["79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"CanonicalEveryone","Effect":"Allow","Principal":{"CanonicalUser":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"FederatedEveryone","Effect":"Allow","Principal":{"Federated":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"Google","Effect":"Allow","Principal":{"Federated":"accounts.google.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"OutsiderSaml","Effect":"Allow","Principal":{"FEDERATED":"arn:aws:iam::999999999999:saml-provider/corp"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"LowerCaseEveryone","Effect":"Allow","Principal":{"aws":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"AwsTwice","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops","aws":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"LockOutLowerCase","Effect":"Deny","Principal":{"aws":"*"},"Action":"s3:*","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}`,
	`{"Sid":"UserType","Effect":"Allow","Principal":{"User":"arn:aws:iam::111111111111:user/ops"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	// accounts outside the perimeter (neither the owner's nor a consumer account)
	`{"Sid":"Outsider","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"s3:*","Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0badbadbadbadbad0"}}}`,
	`{"Sid":"OutsiderAnywhere","Effect":"Allow","Principal":{"AWS":"999999999999"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"OneInOneOut","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::333333333333:role/a","arn:aws:iam::999999999999:role/exfil"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	`{"Sid":"Wildcarded","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}`,
	// elements unknown or repeated in another case
	`{"Sid":"SecondPrincipal","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"LowerPrincipalOnly","Effect":"Allow","principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"TwoEffects","Effect":"Deny","EFFECT":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"WithId","Id":"audit","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`,
	`{"Sid":"Conditions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ops"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*","Conditions":{"Bool":{"aws:SecureTransport":"true"}}}`,
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
		s, ids := corpusStack(region)
		for _, raw := range statementCorpus {
			var st map[string]any
			if err := json.Unmarshal([]byte(raw), &st); err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			var goRules []string
			for _, f := range policydoc.StatementFindings(s, st) {
				goRules = appendOnce(goRules, f.Rule)
			}
			kept := s
			kept.ExtraBucketStatements = []map[string]any{st}
			res := bucketPolicy(policydoc.BucketPolicy(kept, ids).JSON())
			res.Provider = provider("bucket-owner", "111111111111", region)
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

// corpusStack is the stack the corpus is kept in: the bucket owner 111111111111 and a consumer in
// each of the accounts 333333333333 and 444444444444, with their endpoints' IDs.
func corpusStack(region string) (spec.Spec, policydoc.EndpointIDs) {
	partition := spec.Partition(region)
	s := spec.Spec{Bucket: spec.BucketOwner{Account: spec.Account{ID: "111111111111", Region: region}, Name: "shared-data"}}
	ids := policydoc.EndpointIDs{}
	for i, acct := range []string{"333333333333", "444444444444"} {
		name := []string{"ingest", "audit"}[i]
		vpc := []string{"vpc-0aaaaaaaaaaaaaaaa", "vpc-0bbbbbbbbbbbbbbbb"}[i]
		s.Consumers = append(s.Consumers, spec.Consumer{
			Name: name, Index: i, Account: spec.Account{ID: acct, Region: region}, VpcID: vpc,
			RouteTableIDs: []string{"rtb-" + vpc[4:]}, RoleARNs: []string{"arn:" + partition + ":iam::" + acct + ":role/" + name},
			Endpoint: spec.Endpoint{Policy: spec.FullAccess}, Access: spec.Access{Actions: []string{"s3:GetObject"}},
		})
		ids[name] = "vpce-" + vpc[4:]
	}
	return s, ids
}

// The corpus's stack renders the perimeter the pack reads the consumer accounts from.
func TestTheCorpusStackHasAPerimeter(t *testing.T) {
	s, ids := corpusStack("eu-west-1")
	if ps := s.Validate(); len(ps) > 0 {
		t.Fatal(ps)
	}
	doc := policydoc.BucketPolicy(s, ids).JSON()
	want := `{"Sid":"DenyConsumerAccountsOutsideVpcEndpoints","Effect":"Deny","Principal":{"AWS":["arn:aws:iam::333333333333:root","arn:aws:iam::444444444444:root"]}`
	if !strings.Contains(doc, want) {
		t.Errorf("no perimeter for 333333333333 and 444444444444 in %s", doc)
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
					"Sid": "KeepAuditRead", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::333333333333:role/auditor"},
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
