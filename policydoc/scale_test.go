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

func TestOneHundredFiftyAccountsFitInOneBucketPolicy(t *testing.T) {
	s := manyConsumers(150, 32)
	if ps := s.Validate(); len(ps) > 0 {
		t.Fatal(ps)
	}
	if ps := Check(s); len(ps) > 0 {
		t.Fatalf("150 accounts do not fit: %v", ps)
	}
	size := bucketPolicySize(s)
	fit := fittingConsumers(manyConsumers(400, 32))
	t.Logf("150 accounts, 32-character role names: %d bytes of %d; %d such accounts fit", size, MaxBucketPolicyBytes, fit)
	if fit < 150 {
		t.Errorf("only %d accounts fit", fit)
	}
}

func TestTooManyConsumersSaysHowManyFitAndHowToSplit(t *testing.T) {
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
	want := fmt.Sprintf("consumers: the bucket policy would be %d bytes, over S3's limit of 20480 bytes; "+
		"the first %d of the 250 consumers (by name) fit. Split the consumers: give the others a second bucket (a second stack), "+
		"or an S3 access point per group of consumers, since each access point has a policy of its own; "+
		"consumers that share a VPC or the same actions and prefixes also take less room", bucketPolicySize(s), fit)
	if got := Check(s); len(got) != 1 || got[0].String() != want {
		t.Errorf("got %v\nwant %s", got, want)
	}
}

// Adding a consumer must show as additions only: every statement that was there keeps its Sid,
// effect, actions, resources and condition keys, and its principals and endpoints only grow.
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
