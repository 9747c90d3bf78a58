package policydoc

import (
	"fmt"
	"strings"
	"testing"

	"cross-account-s3/spec"
)

// manyConsumers builds n consumers, each in its own account and VPC with one role whose name has
// roleLen characters: the shape of the 150-account goal.
func manyConsumers(n, roleLen int) spec.Spec {
	s := baseSpec()
	s.Consumers = nil
	for i := 0; i < n; i++ {
		account := fmt.Sprintf("%012d", 200000000000+i)
		role := fmt.Sprintf("r%04d-", i) + strings.Repeat("x", roleLen-6)
		s.Consumers = append(s.Consumers, spec.Consumer{
			Name:          fmt.Sprintf("c%04d", i),
			Account:       spec.Account{ID: account, Region: "eu-west-1"},
			VpcID:         fmt.Sprintf("vpc-%017x", i),
			RouteTableIDs: []string{fmt.Sprintf("rtb-%017x", i)},
			RoleARNs:      []string{"arn:aws:iam::" + account + ":role/" + role},
			Endpoint:      spec.Endpoint{Policy: spec.FullAccess},
			Access:        spec.Access{Actions: []string{"s3:GetObject", "s3:PutObject"}},
		})
	}
	return s
}

// mixedConsumers is a realistic mix: 4 consumers per account in 2 VPCs (2 per VPC), 1 to 3 roles
// each (role names of 20 to 40 characters), 3 access shapes: GetObject on reports/ with listing,
// Get+Put on incoming/, GetObject on the whole bucket. The two consumers of an account's first VPC
// share a shape, those of its second VPC do not.
func mixedConsumers(n int) spec.Spec {
	s := baseSpec()
	s.Consumers = nil
	shapes := []spec.Access{
		{Actions: []string{"s3:GetObject"}, Prefixes: []string{"reports/"}, AllowListing: true},
		{Actions: []string{"s3:GetObject", "s3:PutObject"}, Prefixes: []string{"incoming/"}},
		{Actions: []string{"s3:GetObject"}},
	}
	for i := 0; i < n; i++ {
		a := i / 4
		account := fmt.Sprintf("%012d", 200000000000+a)
		shape := a % 3
		if i%4 == 3 {
			shape = (a + 1) % 3
		}
		var roles []string
		for r := 0; r <= i%3; r++ {
			name := fmt.Sprintf("svc%04d-%d-", i, r) + strings.Repeat("x", 12+(i*7+r*5)%21)
			roles = append(roles, "arn:aws:iam::"+account+":role/"+name)
		}
		s.Consumers = append(s.Consumers, spec.Consumer{
			Name:          fmt.Sprintf("c%04d", i),
			Account:       spec.Account{ID: account, Region: "eu-west-1"},
			VpcID:         fmt.Sprintf("vpc-%017x", i/2),
			RouteTableIDs: []string{fmt.Sprintf("rtb-%017x", i)},
			RoleARNs:      roles,
			Endpoint:      spec.Endpoint{Policy: spec.FullAccess},
			Access:        shapes[shape],
		})
	}
	return s
}

// TestBucketPolicyCostAndCapacity measures what the pairwise binding (per-endpoint, the default)
// costs against the compact by-access grouping: the bucket policy's size for 50 consumers, the
// bytes each further consumer adds, and how many consumers fit in S3's 20 KB. Endpoint IDs are
// as long as real ones can be. The figures are asserted so that a change to the documents' shape
// shows here; run with -v to print them.
func TestBucketPolicyCostAndCapacity(t *testing.T) {
	type figures struct{ size50, perConsumer, fit int }
	for _, tc := range []struct {
		name  string
		build func(int) spec.Spec
		want  map[spec.BucketPolicyGrouping]figures
	}{
		{"one consumer per account and VPC, one 32-character role each", func(n int) spec.Spec { return manyConsumers(n, 32) },
			map[spec.BucketPolicyGrouping]figures{spec.GroupPerEndpoint: {20830, 407, 49}, spec.GroupByAccess: {8903, 164, 120}, spec.GroupByAccount: {3173, 48, 410}}},
		{"realistic mix (4 consumers per account, 2 per VPC, 1-3 roles each, 3 accesses)", mixedConsumers,
			map[spec.BucketPolicyGrouping]figures{spec.GroupPerEndpoint: {24817, 493, 40}, spec.GroupByAccess: {13205, 237, 81}, spec.GroupByAccount: {2789, 25, 736}}},
	} {
		for _, grouping := range []spec.BucketPolicyGrouping{spec.GroupPerEndpoint, spec.GroupByAccess, spec.GroupByAccount} {
			s := withGrouping(tc.build(2000), grouping)
			if ps := s.Validate(); len(ps) > 0 {
				t.Fatalf("%s: %v", tc.name, ps[0])
			}
			sized := func(n int) int {
				part := s
				part.Consumers = s.SortedConsumers()[:n]
				return bucketPolicySize(part)
			}
			got := figures{size50: sized(50), perConsumer: (sized(100) - sized(50)) / 50, fit: fittingConsumers(s)}
			t.Logf("%-13s %s: 50 consumers take %d bytes; each further consumer about %d bytes; %d consumers fit in %d bytes",
				grouping, tc.name, got.size50, got.perConsumer, got.fit, MaxBucketPolicyBytes)
			if want := tc.want[grouping]; got != want {
				t.Errorf("%s, %s: got %+v, want %+v", grouping, tc.name, got, want)
			}
		}
	}
}

func TestTooManyConsumersSaysHowManyFitEachWayAndTheWaysOut(t *testing.T) {
	s := manyConsumers(250, 32)
	fit := fittingConsumers(s)
	part := s
	part.Consumers = s.SortedConsumers()[:fit]
	if bucketPolicySize(part) > MaxBucketPolicyBytes {
		t.Fatalf("the first %d consumers do not fit", fit)
	}
	part.Consumers = s.SortedConsumers()[:fit+1]
	if bucketPolicySize(part) <= MaxBucketPolicyBytes {
		t.Fatalf("%d is not the most that fit", fit)
	}
	split := "or an S3 access point per group of consumers, since each access point has a policy of its own"
	fitting := func(s spec.Spec) string {
		return fmt.Sprintf("fit bucketPolicyGrouping: the first %d with \"per-endpoint\" (each role only through its own VPC's endpoint), "+
			"the first %d with \"by-account\" (each account's principals only through its own account's endpoints) "+
			"and the first %d with \"by-access\" (roles with the same access also through each other's endpoints). ",
			fittingConsumers(withGrouping(s, spec.GroupPerEndpoint)), fittingConsumers(withGrouping(s, spec.GroupByAccount)), fittingConsumers(withGrouping(s, spec.GroupByAccess)))
	}
	want := fmt.Sprintf("consumers: the bucket policy would be %d bytes, over S3's limit of 20480 bytes; of the 250 consumers (by name) %s"+
		"Two ways out: set bucketPolicyGrouping: by-account (docs/scale.md says what each grouping admits); or split the consumers: give the others a second bucket (a second stack), %s",
		bucketPolicySize(s), fitting(s), split)
	if got := Check(s); len(got) != 1 || got[0].String() != want {
		t.Errorf("got %v\nwant %s", got, want)
	}
	if !strings.Contains(want, "the first 49 with \"per-endpoint\"") || !strings.Contains(want, "the first 250 with \"by-account\"") || !strings.Contains(want, "the first 120 with \"by-access\"") {
		t.Errorf("the capacities changed: %s", want)
	}

	// By-access fits all 60 too, but by-account admits less: it is the way out named.
	s = withGrouping(manyConsumers(60, 32), spec.GroupPerEndpoint)
	want = fmt.Sprintf("consumers: the bucket policy would be %d bytes, over S3's limit of 20480 bytes; of the 60 consumers (by name) %s"+
		"Two ways out: set bucketPolicyGrouping: by-account (docs/scale.md says what each grouping admits); or split the consumers: give the others a second bucket (a second stack), %s",
		bucketPolicySize(s), fitting(s), split)
	if got := Check(s); len(got) != 1 || got[0].String() != want {
		t.Errorf("got %v\nwant %s", got, want)
	}

	// No grouping holds 1,000 accounts: only a split is left.
	s = withGrouping(manyConsumers(1000, 32), spec.GroupByAccount)
	want = fmt.Sprintf("consumers: the bucket policy would be %d bytes, over S3's limit of 20480 bytes; of the 1000 consumers (by name) %s"+
		"Split the consumers: give the others a second bucket (a second stack), %s; "+
		"or, if the consumer accounts are all of one AWS organization, set bucketPolicyGrouping: by-organization with organizationId, which names no account (docs/scale.md)",
		bucketPolicySize(s), fitting(s), split)
	if got := Check(s); len(got) != 1 || got[0].String() != want {
		t.Errorf("got %v\nwant %s", got, want)
	}
}

func TestAddingAConsumerOnlyAddsToThePolicy(t *testing.T) {
	before := manyConsumers(3, 20)
	ids := func(s spec.Spec) EndpointIDs {
		out := EndpointIDs{}
		for _, c := range s.Consumers {
			out[c.Name] = "vpce-" + c.VpcID[4:]
		}
		return out
	}
	sameShape := manyConsumers(4, 20)
	newShape := manyConsumers(4, 20)
	newShape.Consumers[3].Access = spec.Access{Actions: []string{"s3:GetObject"}, Prefixes: []string{"exports/"}}
	for name, after := range map[string]spec.Spec{"same access": sameShape, "new access": newShape} {
		t.Run(name, func(t *testing.T) {
			old := BucketPolicy(before, ids(before))
			grown := BucketPolicy(after, ids(after))
			bySid := map[string]Statement{}
			for _, st := range grown.Statement {
				bySid[st.(Statement).Sid] = st.(Statement)
			}
			for _, st := range old.Statement {
				was := st.(Statement)
				now, ok := bySid[was.Sid]
				if !ok {
					t.Errorf("statement %s disappeared", was.Sid)
					continue
				}
				if was.Effect != now.Effect || strings.Join(was.Action, ",") != strings.Join(now.Action, ",") ||
					strings.Join(was.Resource, ",") != strings.Join(now.Resource, ",") {
					t.Errorf("statement %s changed what it grants:\n%+v\n%+v", was.Sid, was, now)
				}
				if !superset(principals(now), principals(was)) || !superset(conditionValues(now), conditionValues(was)) {
					t.Errorf("statement %s lost principals or endpoints", was.Sid)
				}
			}
		})
	}
}

func principals(st Statement) []string {
	if m, ok := st.Principal.(map[string]Strings); ok {
		return m["AWS"]
	}
	return []string{fmt.Sprint(st.Principal)}
}

func conditionValues(st Statement) []string {
	var out []string
	for op, keys := range st.Condition {
		for k, values := range keys {
			for _, v := range values {
				out = append(out, op+" "+k+" "+v)
			}
		}
	}
	return out
}

func superset(big, small []string) bool {
	have := map[string]bool{}
	for _, v := range big {
		have[v] = true
	}
	for _, v := range small {
		if !have[v] {
			return false
		}
	}
	return true
}

// A list that holds one value still renders as an array, so that a second value is an insertion.
func TestListsStayArraysWithOneValue(t *testing.T) {
	doc := BucketPolicy(baseSpec(), EndpointIDs{"analytics": endpointID}).JSON()
	for _, want := range []string{
		`"Principal":{"AWS":["arn:aws:iam::222222222222:role/analytics-ec2"]}`,
		`"aws:SourceVpce":["` + endpointID + `"]`,
		`"Principal":{"AWS":["arn:aws:iam::222222222222:root"]}`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("policy lacks %s:\n%s", want, doc)
		}
	}
}

// A consumer leaving takes away its statements and entries only: every other statement keeps its
// Sid and grants, so the diff of the bucket policy shows just the removal.
func TestAConsumerLeavingOnlyRemovesFromThePolicy(t *testing.T) {
	for _, grouping := range []spec.BucketPolicyGrouping{spec.GroupPerEndpoint, spec.GroupByAccess} {
		before := withGrouping(mixedConsumers(8), grouping)
		after := before
		after.Consumers = append(append([]spec.Consumer{}, before.Consumers[:2]...), before.Consumers[3:]...)
		ids := func(s spec.Spec) EndpointIDs {
			out := EndpointIDs{}
			for _, c := range s.Consumers {
				out[c.Name] = "vpce-" + c.VpcID[4:]
			}
			return out
		}
		now := map[string]Statement{}
		for _, st := range BucketPolicy(after, ids(after)).Statement {
			now[st.(Statement).Sid] = st.(Statement)
		}
		for _, st := range BucketPolicy(before, ids(before)).Statement {
			was := st.(Statement)
			kept, ok := now[was.Sid]
			if !ok {
				continue // a statement of the leaver alone
			}
			if strings.Join(was.Action, ",") != strings.Join(kept.Action, ",") || strings.Join(was.Resource, ",") != strings.Join(kept.Resource, ",") {
				t.Errorf("%s: statement %s changed what it grants", grouping, was.Sid)
			}
			if !superset(principals(was), principals(kept)) || !superset(conditionValues(was), conditionValues(kept)) {
				t.Errorf("%s: statement %s gained principals or endpoints", grouping, was.Sid)
			}
		}
	}
}
