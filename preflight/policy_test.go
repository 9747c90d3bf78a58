package preflight

import (
	"strings"
	"testing"

	"cross-account-s3/policydoc"
	"cross-account-s3/spec"
)

// Statements of the earlier Sid schemes, for flatSpec's bucket, written as those versions did.
var (
	// The second version (by access shape, no VPC; perimeter on Null aws:SourceVpce).
	v2Objects   = `{"Sid":"AllowObjects3dd9fabb","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:role/web"]},"Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::shared-data/*"],"Condition":{"StringEquals":{"aws:SourceVpce":["vpce-0123456789abcdef0"]}}}`
	v2Perimeter = `{"Sid":"DenyConsumerAccountsOutsideVpcEndpoints","Effect":"Deny","Principal":{"AWS":["arn:aws:iam::222222222222:root"]},"Action":["s3:*"],"Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"Null":{"aws:SourceVpce":["true"]}}}`
	// The first version (one set per consumer, named after it).
	v1Objects = `{"Sid":"AllowDataLakeObjects","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:role/web"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::shared-data/reports/*"],"Condition":{"StringEquals":{"aws:SourceVpce":["vpce-0123456789abcdef0"]}}}`
	v1List    = `{"Sid":"AllowDataLakeList","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:role/web"]},"Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::shared-data"],"Condition":{"StringEquals":{"aws:SourceVpce":["vpce-0123456789abcdef0"]},"StringLike":{"s3:prefix":["reports/*"]}}}`
	v1Deny    = `{"Sid":"DenyDataLakeOutsideEndpoint","Effect":"Deny","Principal":{"AWS":["arn:aws:iam::222222222222:role/web"]},"Action":["s3:*"],"Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"StringNotEquals":{"aws:SourceVpce":["vpce-0123456789abcdef0"]}}}`
	tlsDeny   = `{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::shared-data/*","arn:aws:s3:::shared-data"],"Condition":{"Bool":{"aws:SecureTransport":false}}}`

	auditRead  = `{"Sid":"AuditRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/auditor"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/audit/*"}`
	cloudTrail = `{"Sid":"AWSCloudTrailWrite","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared-data/AWSLogs/111111111111/*","Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceArn":"arn:aws:cloudtrail:eu-west-1:111111111111:trail/org"}}}`
)

// classes is "Position:Class[/Scheme]" per statement.
func classes(sts []Statement) string {
	var out []string
	for _, st := range sts {
		s := st.Sid + "=" + st.Class.String()
		if st.Class == Kept {
			s += "#" + string(rune('0'+st.Kept))
			if st.Changed {
				s += "(changed)"
			}
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// statementsOfDoc is a rendered document's statements as preflight reads them.
func statementsOfDoc(t *testing.T, doc policydoc.Document) []map[string]any {
	t.Helper()
	sts, err := statementsOf(doc.JSON())
	if err != nil {
		t.Fatal(err)
	}
	return sts
}

// A statement is the stack's own when it equals one of the stack's (its record, or what it would
// write now), once normalised as AWS stores a policy; never by its Sid alone.
func TestReadPolicyOwnIsWhatTheStackWrote(t *testing.T) {
	withShapes := flatSpec()
	withShapes.Consumers[0].Access = spec.Access{Actions: []string{"s3:GetObject", "s3:PutObject", "s3:PutObjectAcl"}, Prefixes: []string{"reports/", "incoming/"}, AllowListing: true}
	byAccess := listSpec()
	byAccess.BucketPolicyGrouping = spec.GroupByAccess
	endpoints := policydoc.EndpointIDs{"web": vpceOurs, "analytics": vpceOurs, "reporting": "vpce-0b0b0b0b0b0b0b0b0", "ingest": "vpce-0c0c0c0c0c0c0c0c0"}
	current := policydoc.BucketPolicy(flatSpec(), endpoints)
	old := []map[string]any{statement(tlsDeny), statement(v2Objects), statement(v2Perimeter)}
	tests := []struct {
		name   string
		s      spec.Spec
		policy string
		own    []map[string]any
		want   string
	}{
		{"current, per endpoint", flatSpec(), current.JSON(), statementsOfDoc(t, current),
			"DenyInsecureTransport=own AllowObjects3dd9fabbVpc0a0a0a0a0a0a0a0a0=own DenyConsumerAccountsOutsideVpcEndpoints=own"},
		{"current, writes and listing with prefixes", withShapes, policydoc.BucketPolicy(withShapes, endpoints).JSON(), statementsOfDoc(t, policydoc.BucketPolicy(withShapes, endpoints)),
			"DenyInsecureTransport=own AllowObjectsa62d4b5bVpc0a0a0a0a0a0a0a0a0=own AllowWritesOwnedByBucketOwnera62d4b5bVpc0a0a0a0a0a0a0a0a0=own AllowLista62d4b5bVpc0a0a0a0a0a0a0a0a0=own DenyConsumerAccountsOutsideVpcEndpoints=own"},
		{"current, by access, three accounts", byAccess, policydoc.BucketPolicy(byAccess, endpoints).JSON(), statementsOfDoc(t, policydoc.BucketPolicy(byAccess, endpoints)),
			"DenyInsecureTransport=own AllowObjects3dd9fabb=own DenyConsumerAccountsOutsideVpcEndpoints=own"},
		{"an earlier version's statements, in the record", flatSpec(), policyJSON(old...), old,
			"DenyInsecureTransport=own AllowObjects3dd9fabb=own DenyConsumerAccountsOutsideVpcEndpoints=own"},
		{"an earlier version's statements, not in the record: only what it would write now is own", flatSpec(), policyJSON(old...), statementsOfDoc(t, current),
			"DenyInsecureTransport=own AllowObjects3dd9fabb=foreign DenyConsumerAccountsOutsideVpcEndpoints=foreign"},
		{"an own statement of a role deleted since", flatSpec(), policyJSON(statement(strings.Replace(v2Objects, roleWeb, "AROAOLDWEB00000000000", 1))), old,
			"AllowObjects3dd9fabb=own"},
		{"no record, nothing it would write", flatSpec(), policyJSON(statement(v1Objects), statement(v1List), statement(v1Deny)), nil,
			"AllowDataLakeObjects=foreign AllowDataLakeList=foreign DenyDataLakeOutsideEndpoint=foreign"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sts, err := ReadPolicy(tt.s, tt.policy, tt.own)
			if err != nil {
				t.Fatal(err)
			}
			if got := classes(sts); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// AWS's own rewrites of a stored policy are no change.
func TestReadPolicyNormalisesAsAWSStores(t *testing.T) {
	wrote := statement(`{"Sid":"DenyConsumerAccountsOutsideVpcEndpoints","Effect":"Deny","Principal":{"AWS":["222222222222"]},"Action":["s3:*"],"Resource":["arn:aws:s3:::shared-data","arn:aws:s3:::shared-data/*"],"Condition":{"StringNotEqualsIfExists":{"aws:SourceVpce":["vpce-0123456789abcdef0"]}}}`)
	live := `{"Version":"2012-10-17","Statement":[{"Condition":{"StringNotEqualsIfExists":{"aws:SourceVpce":"vpce-0123456789abcdef0"}},"Resource":["arn:aws:s3:::shared-data/*","arn:aws:s3:::shared-data"],"Action":"s3:*","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Effect":"Deny","Sid":"DenyConsumerAccountsOutsideVpcEndpoints"}]}`
	sts, err := ReadPolicy(flatSpec(), live, []map[string]any{wrote})
	if err != nil || classes(sts) != "DenyConsumerAccountsOutsideVpcEndpoints=own" {
		t.Fatalf("%v %s", err, classes(sts))
	}
	if d := Drift(sts, []map[string]any{wrote}, "aws"); len(d) != 0 {
		t.Fatalf("drift in AWS's rewrite: %v", d)
	}
}

// A statement with one of this stack's Sids but other content is foreign, and says what differs.
func TestReadPolicyRefusesLookAlikes(t *testing.T) {
	edit := func(text, old, new string) string {
		if !strings.Contains(text, old) {
			t.Fatalf("%s lacks %s", text, old)
		}
		return strings.Replace(text, old, new, 1)
	}
	own := []map[string]any{statement(tlsDeny), statement(v2Objects), statement(v2Perimeter)}
	tests := []struct {
		name, statement, note string
	}{
		{"TLS deny of one key only", edit(tlsDeny, `"arn:aws:s3:::shared-data/*","arn:aws:s3:::shared-data"`, `"arn:aws:s3:::shared-data/*"`),
			`it has the Sid DenyInsecureTransport of a statement this stack writes but other content (Resource live ["arn:aws:s3:::shared-data/*"], wrote ["arn:aws:s3:::shared-data/*","arn:aws:s3:::shared-data"]), so it is not one this stack wrote`},
		{"perimeter on everyone", edit(v2Perimeter, `{"AWS":["arn:aws:iam::222222222222:root"]}`, `"*"`),
			`it has the Sid DenyConsumerAccountsOutsideVpcEndpoints of a statement this stack writes but other content (Principal live "*", wrote {"AWS":["arn:aws:iam::222222222222:root"]}), so it is not one this stack wrote`},
		{"grant with a NotAction", edit(v2Objects, `"Effect"`, `"NotAction":"s3:DeleteObject","Effect"`),
			`it has the Sid AllowObjects3dd9fabb of a statement this stack writes but other content (NotAction added: "s3:DeleteObject"), so it is not one this stack wrote`},
		{"grant with one more action", edit(v2Objects, `"s3:PutObject"`, `"s3:PutObject","s3:DeleteObject"`),
			`it has the Sid AllowObjects3dd9fabb of a statement this stack writes but other content (Action live ["s3:GetObject","s3:PutObject","s3:DeleteObject"], wrote ["s3:GetObject","s3:PutObject"]), so it is not one this stack wrote`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sts, err := ReadPolicy(flatSpec(), policyJSON(statement(tt.statement)), own)
			if err != nil {
				t.Fatal(err)
			}
			if sts[0].Class != Foreign || sts[0].Note != tt.note {
				t.Errorf("class %s, note:\n got  %q\n want %q", sts[0].Class, sts[0].Note, tt.note)
			}
		})
	}
}

func TestReadPolicyKeptStatements(t *testing.T) {
	s := flatSpec()
	s.ExtraBucketStatements = []map[string]any{statement(auditRead), statement(cloudTrail)}
	tests := []struct {
		name   string
		live   []string
		want   string
		delete []string // Deleted of the first statement
	}{
		{"as configured", []string{auditRead, cloudTrail}, "AuditRead=kept#0 AWSCloudTrailWrite=kept#1", nil},
		{"as AWS returns them: arrays of one, account IDs as root ARNs, keys in any case", []string{
			`{"Sid":"AuditRead","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:role/auditor"]},"Action":["S3:GetObject"],"Resource":["arn:aws:s3:::shared-data/audit/*"]}`,
			`{"Condition":{"StringEquals":{"AWS:SourceArn":["arn:aws:cloudtrail:eu-west-1:111111111111:trail/org"],"s3:x-amz-acl":"bucket-owner-full-control"}},"Sid":"Other","Effect":"Allow","Principal":{"Service":["cloudtrail.amazonaws.com"]},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared-data/AWSLogs/111111111111/*"}`,
		}, "AuditRead=kept#0 Other=kept#1", nil},
		{"without a Sid", []string{strings.Replace(auditRead, `"Sid":"AuditRead",`, "", 1)}, "=kept#0", nil},
		{"same Sid, other content: replaced", []string{strings.Replace(auditRead, "audit/*", "audit/2024/*", 1)}, "AuditRead=kept#0(changed)", nil},
		{"a deleted principal in place of the configured one", []string{strings.Replace(strings.Replace(auditRead, `"Sid":"AuditRead",`, "", 1), "arn:aws:iam::111111111111:role/auditor", "AROAAUDITOR0000000000", 1)},
			"=kept#0", []string{"AROAAUDITOR0000000000"}},
		{"another grant", []string{strings.Replace(strings.Replace(auditRead, `"Sid":"AuditRead",`, "", 1), "s3:GetObject", "s3:DeleteObject", 1)}, "=foreign", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var live []map[string]any
			for _, l := range tt.live {
				live = append(live, statement(l))
			}
			sts, err := ReadPolicy(s, policyJSON(live...), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := classes(sts); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if got := strings.Join(sts[0].Deleted, ","); got != strings.Join(tt.delete, ",") {
				t.Errorf("deleted %q, want %q", got, tt.delete)
			}
		})
	}

	// A configured statement that lost a principal the live one names as deleted: the user left
	// the unique ID out, as the YAML preflight renders does.
	s.ExtraBucketStatements = []map[string]any{statement(`{"Sid":"Readers","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:role/auditor"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`)}
	sts, err := ReadPolicy(s, policyJSON(statement(`{"Sid":"Readers2","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:role/auditor","AIDAGONEUSER000000000"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`)), nil)
	if err != nil || classes(sts) != "Readers2=kept#0" {
		t.Fatalf("%v %s", err, classes(sts))
	}
}

func TestReadPolicyShapes(t *testing.T) {
	one := `{"Version":"2008-10-17","Statement":` + auditRead + `}`
	sts, err := ReadPolicy(flatSpec(), one, nil)
	if err != nil || len(sts) != 1 || sts[0].Sid != "AuditRead" || sts[0].Name() != `statement 1 (Sid "AuditRead")` {
		t.Fatalf("one statement as an object: %v %+v", err, sts)
	}
	if sts, err := ReadPolicy(flatSpec(), `{"Version":"2012-10-17"}`, nil); err != nil || len(sts) != 0 {
		t.Fatalf("no Statement: %v %v", err, sts)
	}
	for policy, want := range map[string]string{
		`not json`:                       "the live bucket policy is not a JSON object: invalid character 'o' in literal null (expecting 'u')",
		`{"Statement":[1]}`:              "statement 1 of the live bucket policy is not a JSON object",
		`{"Statement":"Allow"}`:          "the live bucket policy's Statement is neither an object nor an array",
		`{"Statement":[{"Sid":"A"},[]]}`: "statement 2 of the live bucket policy is not a JSON object",
	} {
		if _, err := ReadPolicy(flatSpec(), policy, nil); err == nil || err.Error() != want {
			t.Errorf("%s: err %v, want %s", policy, err, want)
		}
	}
	dead, _ := ReadPolicy(flatSpec(), policyJSON(statement(`{"Effect":"Allow","Principal":{"AWS":["AROADELETED0000000000","AIDADELETED0000000000"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`)), nil)
	half, _ := ReadPolicy(flatSpec(), policyJSON(statement(`{"Effect":"Allow","Principal":{"AWS":["AROADELETED0000000000","arn:aws:iam::111111111111:role/auditor"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared-data/*"}`)), nil)
	if !dead[0].Dead() || half[0].Dead() || half[0].Name() != "statement 1 (no Sid)" {
		t.Fatalf("dead %v, half %v", dead[0].Dead(), half[0].Dead())
	}
}
