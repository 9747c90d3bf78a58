package preflight

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"cross-account-s3/policydoc"
	"cross-account-s3/spec"
	"cross-account-s3/stackconfig"
	"cross-account-s3/testworld/golden"
)

// Every branch of Check, each case with the keys of its problems here and its exact messages in
// testdata/check/<case>.txt (go test ./preflight -update rewrites them; review the diff).
func TestCheck(t *testing.T) {
	ours := func(id string, rts ...string) Endpoint {
		return Endpoint{ID: id, VpcID: vpcA, ServiceName: "com.amazonaws.eu-west-1.s3", Type: "Gateway", State: "available", RouteTableIDs: rts,
			Tags: map[string]string{StackTagKey: "cross-account-s3/dev", "Name": "s3-to-shared-data"}}
	}
	theirs := func(id string, tags map[string]string, rts ...string) Endpoint {
		return Endpoint{ID: id, VpcID: vpcA, ServiceName: "com.amazonaws.eu-west-1.s3", Type: "Gateway", State: "available", RouteTableIDs: rts, Tags: tags}
	}
	current := policydoc.BucketPolicy(flatSpec(), policydoc.EndpointIDs{"web": vpceOurs}).JSON()
	withStatements := func(policy string, more ...string) string {
		var sts []map[string]any
		parsed, err := parseStatements(policy)
		if err != nil {
			panic(err)
		}
		sts = append(sts, parsed...)
		for _, m := range more {
			sts = append(sts, statement(m))
		}
		return policyJSON(sts...)
	}
	flat, list := flatSpec(), listSpec()
	kept := flatSpec()
	kept.ExtraBucketStatements = []map[string]any{statement(auditRead)}
	restricted := flatSpec()
	restricted.Consumers[0].Endpoint.Policy = spec.Restricted
	adopt := flatSpec()
	adopt.Consumers[0].Endpoint.AdoptID = vpceThem
	byAccount := flatSpec()
	byAccount.BucketPolicyGrouping = spec.GroupByAccount
	currentByAccount := policydoc.BucketPolicy(byAccount, policydoc.EndpointIDs{"web": vpceOurs}).JSON()

	// found marks this stack's endpoint in vpcA as found by its tag: with no record, preflight
	// renders with its ID what the stack would write now.
	found := func(f *Facts) {
		f.VPCs[VPCKey(workloads, vpcA)] = VPCFacts{Endpoint: ours(vpceOurs, rtbA1, rtbA2), Own: ours(vpceOurs, rtbA1, rtbA2)}
	}
	live := func(policy string) func(f *Facts) {
		return func(f *Facts) { f.Bucket.PolicyErr, f.Bucket.Policy = nil, policy }
	}
	both := func(edits ...func(f *Facts)) func(f *Facts) {
		return func(f *Facts) {
			for _, e := range edits {
				e(f)
			}
		}
	}
	wrote := func(policy string) Options { return Options{Record: Record{Found: true, Policy: policy}} }
	refreshed := func(policy, state string) Options {
		o := wrote(policy)
		o.Record.State = func() (string, bool, error) { return state, state != "", nil }
		return o
	}
	keptCurrent := withStatements(current, auditRead)
	backdoor := `{"Sid":"AllowBackdoorObjects","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::999999999999:role/exfil"]},"Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::shared-data/*"],"Condition":{"StringEquals":{"aws:SourceVpce":["vpce-0badbadbadbadbad0"]}}}`
	ownStatements, _ := parseStatements(current)
	tlsOnly, allowOnly := policyJSON(ownStatements[0]), policyJSON(ownStatements[1])
	widened := strings.Replace(strings.Replace(auditRead, `{"AWS":"arn:aws:iam::111111111111:role/auditor"}`, `"*"`, 1), `"arn:aws:s3:::shared-data/audit/*"`, `["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"]`, 1)

	tests := []struct {
		name string
		s    spec.Spec
		opts Options
		edit func(f *Facts)
		keys string // the problems' keys, in order
	}{
		// Nothing to say.
		{name: "all good", s: flat},
		{name: "all good, list form", s: list},
		{name: "disabled", s: flat, opts: Options{Disabled: true}, edit: func(f *Facts) { *f = Facts{} }},

		// The bucket.
		{name: "bucket missing", s: flat, edit: func(f *Facts) { f.Bucket = BucketFacts{Err: errNoBucket} }, keys: "bucketName"},
		{name: "bucket in another region", s: flat, edit: func(f *Facts) { f.Bucket.Region = "us-east-1" }, keys: "bucketRegion"},
		{name: "bucket redirected", s: flat, edit: func(f *Facts) { f.Bucket = BucketFacts{Err: errBucketMoved} }, keys: "bucketRegion"},
		{name: "bucket forbidden", s: flat, edit: func(f *Facts) { f.Bucket = BucketFacts{Err: errBucketForbid} }, keys: "bucketName"},
		{name: "bucket lookup throttled", s: flat, edit: func(f *Facts) { f.Bucket = BucketFacts{Err: errThrottled} }, keys: "bucketName"},
		{name: "bucket not looked up", s: flat, edit: func(f *Facts) { f.Bucket = BucketFacts{} }, keys: "bucketName"},

		// The live policy.
		{name: "policy denied", s: flat, edit: func(f *Facts) { f.Bucket.PolicyErr = errPolicyDenied }, keys: "bucketName"},
		{name: "policy not json", s: flat, edit: func(f *Facts) { f.Bucket.PolicyErr, f.Bucket.Policy = nil, "{" }, keys: "bucketName"},
		{name: "policy of this stack", s: flat, opts: wrote(current), edit: live(current)},
		// By account, the Allows name account roots, not roles: the stack's own, not access it removes.
		{name: "policy of this stack, by account", s: byAccount, opts: wrote(currentByAccount), edit: live(currentByAccount)},
		{name: "policy of this stack as AWS stores it", s: flat, opts: wrote(current), edit: live(strings.NewReplacer(
			`["arn:aws:iam::222222222222:root"]`, `"222222222222"`, `"Action":["s3:*"]`, `"Action":"s3:*"`, `"Version":"2012-10-17",`, "").Replace(current) + " ")},
		{name: "policy of this stack, no record", s: flat, edit: both(found, live(current))},
		{name: "policy of this stack, no record, endpoint not found", s: flat, edit: live(current), keys: "extraBucketPolicyStatements"},
		{name: "policy of the second version", s: flat, opts: wrote(policyJSON(statement(tlsDeny), statement(v2Objects), statement(v2Perimeter))),
			edit: live(policyJSON(statement(tlsDeny), statement(v2Objects), statement(v2Perimeter)))},
		{name: "foreign statements", s: flat, edit: both(found, live(withStatements(current, auditRead, cloudTrail))), keys: "extraBucketPolicyStatements"},
		{name: "foreign statements dropped", s: flat, opts: Options{DropForeign: true}, edit: both(found, live(withStatements(current, auditRead, cloudTrail)))},
		{name: "foreign statement next to kept ones", s: kept, edit: both(found, live(withStatements(current, auditRead, cloudTrail))), keys: "extraBucketPolicyStatements"},

		// The live policy against the stack's record: drift stops, a refresh lets the update restore.
		{name: "drift, a backdoor added", s: flat, opts: wrote(current), edit: live(withStatements(current, backdoor)), keys: "bucketName"},
		{name: "drift, a backdoor under this stack's Sid", s: flat, opts: wrote(current), edit: live(withStatements(current,
			strings.Replace(backdoor, "AllowBackdoorObjects", "AllowObjects3dd9fabb", 1))), keys: "bucketName"},
		{name: "drift, an endpoint added", s: flat, opts: wrote(current), edit: live(strings.ReplaceAll(current, `"vpce-0123456789abcdef0"`, `"vpce-0123456789abcdef0","vpce-0badbadbadbadbad0"`)), keys: "bucketName"},
		{name: "drift, the perimeter weakened", s: flat, opts: wrote(current), edit: live(strings.Replace(current,
			`"StringNotEqualsIfExists":{"aws:SourceVpce":["vpce-0123456789abcdef0"]}`, `"Null":{"aws:SourceVpce":"true"}`, 1)), keys: "bucketName"},
		{name: "drift, the Denies deleted", s: flat, opts: wrote(current), edit: live(allowOnly), keys: "bucketName"},
		{name: "drift, the policy deleted", s: flat, opts: wrote(current), keys: "bucketName"},
		{name: "drift, a kept statement widened", s: kept, opts: wrote(keptCurrent), edit: live(withStatements(current, widened)), keys: "bucketName"},
		{name: "drift, a statement the stack file now keeps", s: kept, opts: wrote(current), edit: live(keptCurrent)},
		{name: "drift taken into the state by a refresh", s: flat, opts: refreshed(current, withStatements(tlsOnly, backdoor)), edit: live(withStatements(tlsOnly, backdoor))},
		{name: "drift, the state refreshed but edited again", s: flat, opts: refreshed(current, tlsOnly), edit: live(withStatements(tlsOnly, backdoor)), keys: "bucketName"},
		{name: "kept statement changed live, no record", s: kept, edit: both(found, live(withStatements(current, widened))), keys: "extraBucketPolicyStatements"},
		{name: "foreign statements needing Sids and a fix", s: flat, edit: func(f *Facts) {
			f.Bucket.PolicyErr, f.Bucket.Policy = nil, policyJSON(
				statement(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444444444444:role/partner"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/partner/*"}`),
				statement(strings.Replace(tlsDeny, `"arn:aws:s3:::shared-data/*","arn:aws:s3:::shared-data"`, `"arn:aws:s3:::shared-data/*"`, 1)),
				statement(`{"Sid":"Readers","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:role/auditor","AROAGONE0000000000000"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`),
			)
		}, keys: "extraBucketPolicyStatements"},
		{name: "foreign statement of deleted principals only", s: flat, edit: func(f *Facts) {
			found(f)
			f.Bucket.PolicyErr, f.Bucket.Policy = nil, withStatements(current,
				`{"Sid":"OldReaders","Effect":"Allow","Principal":{"AWS":["AROAGONE0000000000000","AIDAGONE0000000000000"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`)
		}},
		{name: "kept statement changed in the stack file", s: kept, opts: wrote(withStatements(current, strings.Replace(auditRead, "audit/*", "audit/2024/*", 1))),
			edit: live(withStatements(current, strings.Replace(auditRead, "audit/*", "audit/2024/*", 1)))},
		{name: "kept statement naming a deleted role", s: kept, opts: wrote(keptCurrent),
			edit: live(withStatements(current, strings.Replace(auditRead, "arn:aws:iam::111111111111:role/auditor", "AROAAUDITOR0000000000", 1)))},
		{name: "kept statement without the deleted principal", s: kept,
			opts: wrote(withStatements(current, strings.Replace(auditRead, `"arn:aws:iam::111111111111:role/auditor"`, `["arn:aws:iam::111111111111:role/auditor","arn:aws:iam::111111111111:user/gone"]`, 1))),
			edit: live(withStatements(current, strings.Replace(auditRead, `"arn:aws:iam::111111111111:role/auditor"`, `["arn:aws:iam::111111111111:role/auditor","AIDAGONE0000000000000"]`, 1)))},
		{name: "own statement naming a role created again", s: flat, opts: wrote(current), edit: live(strings.Replace(current, roleWeb, "AROAOLDWEB00000000000", 1))},
		{name: "own statement naming a deleted role", s: flat,
			opts: wrote(strings.Replace(current, `"arn:aws:iam::222222222222:role/web",`, `"arn:aws:iam::222222222222:role/old-web","arn:aws:iam::222222222222:role/web",`, 1)),
			edit: live(strings.Replace(current, `"arn:aws:iam::222222222222:role/web",`, `"AROAOLDWEB00000000000","arn:aws:iam::222222222222:role/web",`, 1))},
		{name: "access removed", s: flat,
			opts: wrote(strings.Replace(current, `"arn:aws:iam::222222222222:role/web",`, `"arn:aws:iam::222222222222:role/old-app","arn:aws:iam::222222222222:role/web",`, 1)),
			edit: live(strings.Replace(current, `"arn:aws:iam::222222222222:role/web",`, `"arn:aws:iam::222222222222:role/old-app","arn:aws:iam::222222222222:role/web",`, 1))},

		// Roles.
		{name: "roles missing in two accounts", s: list, edit: func(f *Facts) {
			f.Roles[roleRep] = RoleFacts{Err: errNoRole("reporting")}
			f.Roles[roleIng] = RoleFacts{Err: errNoRole("ingest")}
		}, keys: "consumers[2].roleArns[0], consumers[1].roleArns[0]"},
		{name: "role under another path", s: flat, edit: func(f *Facts) {
			f.Roles[roleBatch] = RoleFacts{ARN: "arn:aws:iam::222222222222:role/batch/web-batch", UniqueID: "AROAWEBBATCH000000000"}
		}, keys: "consumerRoleArns[1]"},
		{name: "role lookup denied", s: flat, edit: func(f *Facts) { f.Roles[roleWeb] = RoleFacts{Err: errRoleDenied} }, keys: "consumerRoleArns[0]"},
		{name: "role not looked up", s: flat, edit: func(f *Facts) { delete(f.Roles, roleBatch) }, keys: "consumerRoleArns[1]"},

		// Route tables.
		{name: "route table missing", s: flat, edit: func(f *Facts) { f.RouteTables[RouteKey(workloads, rtbA2)] = RouteTableFacts{Err: errNoRouteTable} }, keys: "routeTableIds[1]"},
		{name: "route table of another VPC", s: list, edit: func(f *Facts) { f.RouteTables[RouteKey(workloads, rtbB1)] = RouteTableFacts{VpcID: vpcA} }, keys: "consumers[1].routeTableIds[0]"},
		{name: "route table lookup denied", s: flat, edit: func(f *Facts) { f.RouteTables[RouteKey(workloads, rtbA1)] = RouteTableFacts{Err: errRTDenied} }, keys: "routeTableIds[0]"},

		// Endpoints already in the VPC.
		{name: "this stack's endpoint", s: flat, edit: func(f *Facts) { f.VPCs[VPCKey(workloads, vpcA)] = VPCFacts{Endpoint: ours(vpceOurs, rtbA1, rtbA2)} }},
		{name: "this stack's endpoint before the tag", s: flat, edit: func(f *Facts) {
			f.VPCs[VPCKey(workloads, vpcA)] = VPCFacts{Endpoint: theirs(vpceOurs, map[string]string{"Name": "s3-to-shared-data"}, rtbA1)}
		}},
		{name: "another endpoint on the route tables", s: flat, edit: func(f *Facts) {
			f.VPCs[VPCKey(workloads, vpcA)] = VPCFacts{Endpoint: theirs(vpceThem, map[string]string{"Name": "s3"}, rtbA1, rtbA2, "rtb-0a0a0a0a0a0a0a0a9")}
		}, keys: "adoptEndpointId"},
		{name: "another endpoint on one route table, restricted", s: restricted, edit: func(f *Facts) {
			f.VPCs[VPCKey(workloads, vpcA)] = VPCFacts{Endpoint: theirs(vpceThem, nil, rtbA2)}
		}, keys: "adoptEndpointId"},
		{name: "another stack's endpoint, list form", s: list, edit: func(f *Facts) {
			f.VPCs[VPCKey(workloads, vpcB)] = VPCFacts{Endpoint: theirs(vpceThem, map[string]string{StackTagKey: "cross-account-s3/prod"}, rtbB1)}
		}, keys: "consumers[1].adoptEndpointId"},
		{name: "another endpoint on other route tables", s: flat, edit: func(f *Facts) {
			f.VPCs[VPCKey(workloads, vpcA)] = VPCFacts{Endpoint: theirs(vpceThem, nil, "rtb-0a0a0a0a0a0a0a0a9")}
		}},
		{name: "several endpoints, one serving a route table", s: flat, edit: func(f *Facts) {
			f.VPCs[VPCKey(workloads, vpcA)] = VPCFacts{Err: errSeveral, OwnErr: errNoEndpoint, PrefixList: "pl-6da54004", Routed: []string{rtbA2, "rtb-0a0a0a0a0a0a0a0a9"}}
		}, keys: "adoptEndpointId"},
		{name: "several endpoints, ours serving the route tables", s: flat, edit: func(f *Facts) {
			f.VPCs[VPCKey(workloads, vpcA)] = VPCFacts{Err: errSeveral, Own: ours(vpceOurs, rtbA1, rtbA2), PrefixList: "pl-6da54004", Routed: []string{rtbA1, rtbA2, "rtb-0a0a0a0a0a0a0a0a9"}}
		}},
		{name: "several endpoints, list form", s: list, edit: func(f *Facts) {
			f.VPCs[VPCKey(ingest, vpcC)] = VPCFacts{Err: errSeveral, OwnErr: errNoEndpoint, PrefixList: "pl-6da54004", Routed: []string{rtbC1}}
		}, keys: "consumers[2].adoptEndpointId"},
		{name: "several endpoints, prefix list denied", s: flat, edit: func(f *Facts) {
			f.VPCs[VPCKey(workloads, vpcA)] = VPCFacts{Err: errSeveral, OwnErr: errNoEndpoint, PrefixListErr: errPLDenied}
		}, keys: "adoptEndpointId"},
		{name: "several endpoints, own lookup failed", s: flat, edit: func(f *Facts) {
			f.VPCs[VPCKey(workloads, vpcA)] = VPCFacts{Err: errSeveral, OwnErr: invokeErr(string(CallVpcEndpoint), "reading EC2 VPC Endpoints: RequestLimitExceeded: Request limit exceeded.")}
		}, keys: "adoptEndpointId"},
		{name: "several endpoints, route tables denied", s: flat, edit: func(f *Facts) {
			f.VPCs[VPCKey(workloads, vpcA)] = VPCFacts{Err: errSeveral, OwnErr: errNoEndpoint, PrefixList: "pl-6da54004", RoutedErr: errRTDenied}
		}, keys: "adoptEndpointId"},
		{name: "endpoint lookup denied", s: flat, edit: func(f *Facts) { f.VPCs[VPCKey(workloads, vpcA)] = VPCFacts{Err: errEndpointsDeny} }, keys: "adoptEndpointId"},

		// An adopted endpoint.
		{name: "adopted endpoint", s: adopt},
		{name: "adopted endpoint missing", s: adopt, edit: func(f *Facts) { f.Adopted[VPCKey(workloads, vpceThem)] = AdoptedFacts{Err: errNoEndpoint} }, keys: "adoptEndpointId"},
		{name: "adopted endpoint of another kind", s: adopt, edit: func(f *Facts) {
			f.Adopted[VPCKey(workloads, vpceThem)] = AdoptedFacts{Endpoint: Endpoint{ID: vpceThem, VpcID: vpcB, ServiceName: "com.amazonaws.us-east-1.s3", Type: "Interface", RouteTableIDs: []string{rtbA1}}}
		}, keys: "adoptEndpointId, adoptEndpointId, adoptEndpointId, routeTableIds"},
		{name: "adopted endpoint not looked up", s: adopt, edit: func(f *Facts) { f.Adopted = nil }, keys: "adoptEndpointId"},
		{name: "adopted endpoint denied", s: adopt, edit: func(f *Facts) { f.Adopted[VPCKey(workloads, vpceThem)] = AdoptedFacts{Err: errEndpointsDeny} }, keys: "adoptEndpointId"},

		// Everything at once: every problem is reported, each under its key.
		{name: "everything wrong", s: list, edit: func(f *Facts) {
			f.Bucket.Region = "us-east-1"
			f.Roles[roleIng] = RoleFacts{Err: errNoRole("ingest")}
			f.RouteTables[RouteKey(workloads, rtbA1)] = RouteTableFacts{Err: errNoRouteTable}
			f.VPCs[VPCKey(workloads, vpcB)] = VPCFacts{Endpoint: theirs(vpceThem, nil, rtbB1)}
		}, keys: "bucketRegion, consumers[2].roleArns[0], consumers[0].routeTableIds[0], consumers[1].adoptEndpointId"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustValid(t, tt.s)
			f := goodFacts(s)
			if tt.edit != nil {
				tt.edit(&f)
			}
			o := tt.opts
			o.Project, o.Stack = opts.Project, opts.Stack
			o.ListForm = len(s.Consumers) > 1
			r := userKeys(o, Check(s, o, f))
			var keys []string
			for _, p := range r.Problems {
				keys = append(keys, p.Key)
			}
			if got := strings.Join(keys, ", "); got != tt.keys {
				t.Errorf("problem keys %q, want %q", got, tt.keys)
			}
			file := strings.ReplaceAll(strings.ReplaceAll(tt.name, " ", "-"), ",", "")
			file = strings.ReplaceAll(file, "'", "")
			if seen[file] {
				t.Fatalf("two cases named %s", file)
			}
			seen[file] = true
			golden.Compare(t, filepath.Join("testdata", "check", file+".txt"), render(r))
		})
	}
}

// Without preflight nothing is read: the plan is empty and preview warns.
func TestDisabled(t *testing.T) {
	o := Options{Disabled: true}
	if p := Lookups(flatSpec(), o); len(p) != 0 {
		t.Fatalf("plan %v", p)
	}
	r := Check(flatSpec(), o, Facts{})
	if len(r.Problems) != 0 || len(r.Warnings) != 1 || r.Warnings[0] != DisabledWarning {
		t.Fatalf("%s", render(r))
	}
}

func TestReportErr(t *testing.T) {
	if (Report{}).Err() != nil {
		t.Fatal("no problems, an error")
	}
	r := Check(mustValid(t, flatSpec()), opts, func() Facts { f := goodFacts(flatSpec()); f.Bucket = BucketFacts{Err: errNoBucket}; return f }())
	if err := r.Err(); err == nil || !strings.HasPrefix(err.Error(), "preflight: the live accounts stop this deployment, nothing was written (1 problem):\n  - bucketName: bucket shared-data does not exist") {
		t.Fatalf("%v", err)
	}
	if err := Err(spec.Problems{{Key: "a", Message: "x"}, {Key: "b", Message: "y"}}); err == nil || err.Error() != "preflight: the live accounts stop this deployment, nothing was written (2 problems):\n  - a: x\n  - b: y" {
		t.Fatalf("%v", err)
	}
	if Err(nil) != nil {
		t.Fatal("no problems, an error")
	}
}

// userKeys reports r with the keys the user wrote, as the program does (stackconfig.Names): the
// single-consumer keys for a flat spec, the items' fields (all set in every item) for the list.
func userKeys(o Options, r Report) Report {
	src := stackconfig.MapSource{}
	if o.ListForm {
		item := map[string]any{}
		for _, k := range stackconfig.Keys {
			if k.ItemField != "" {
				item[k.ItemField] = "set"
			}
		}
		list, _ := json.Marshal([]any{item, item, item})
		src.Values = map[string]string{stackconfig.KeyConsumers: string(list)}
	}
	names := stackconfig.NamesOf(src)
	r.Problems = names.Problems(r.Problems)
	for i, w := range r.Warnings {
		r.Warnings[i] = names.RewritePaths(w)
	}
	return r
}
