package policydoc

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"cross-account-s3/spec"
)

// What the two scale modes of the bucket policy admit, decided by the evaluator of
// evaluate_test.go: bucketPolicyGrouping by-account at a thousand roles, and viaAwsServices in
// every grouping.

// scaleShapes are the access shapes of the by-account scale test; account a takes shape a%3. None
// grants listing, which would add a second statement naming the same accounts.
var scaleShapes = []spec.Access{
	{Actions: []string{"s3:GetObject"}, Prefixes: []string{"reports/"}},
	{Actions: []string{"s3:GetObject", "s3:PutObject"}, Prefixes: []string{"incoming/"}},
	{Actions: []string{"s3:GetObject"}},
}

// shapeRequest is a request each shape grants (action and object), and one it does not.
func shapeRequest(shape int) (action, object, notGranted string) {
	bucket := "arn:aws:s3:::shared-data/"
	switch shape {
	case 0:
		return "s3:GetObject", bucket + "reports/q1.csv", bucket + "incoming/q1.csv"
	case 1:
		return "s3:PutObject", bucket + "incoming/batch-7.csv", bucket + "reports/q1.csv"
	default:
		return "s3:GetObject", bucket + "anything/at/all.csv", ""
	}
}

// scaleWorld is a generated stack with what the tests need to know of it.
type scaleWorld struct {
	spec spec.Spec
	ids  EndpointIDs
	// accounts are the consumer accounts in order; endpointsOf their endpoint IDs; shapeOf their
	// access shape; rolesOf their roles.
	accounts    []string
	endpointsOf map[string][]string
	shapeOf     map[string]int
	rolesOf     map[string][]string
	// vpceAccount owns each endpoint (what S3 puts in aws:VpceAccount).
	vpceAccount map[string]string
	roles       int
}

// byAccountAtScale builds 300 accounts holding 500 consumers and 1,000 roles: accounts 0-199 have
// two consumers, 200-299 one; the two consumers of an even account share a VPC, those of an odd
// one do not (400 VPCs, one endpoint each); consumer i has 1, 2, 3 or 2 roles (i%4), with names of
// 20 to 40 characters; every account has one of the three scaleShapes; every fifth account's
// endpoints are restricted, the others keep AWS's full-access policy. The endpoint IDs are
// made up, one per VPC.
func byAccountAtScale() scaleWorld {
	s := baseSpec()
	s.BucketPolicyGrouping = spec.GroupByAccount
	s.Consumers = nil
	w := scaleWorld{ids: EndpointIDs{}, endpointsOf: map[string][]string{}, shapeOf: map[string]int{}, rolesOf: map[string][]string{}, vpceAccount: map[string]string{}}
	i, vpc := 0, 0
	for a := 0; a < 300; a++ {
		account := fmt.Sprintf("%012d", 300000000000+a*97)
		w.accounts = append(w.accounts, account)
		w.shapeOf[account] = a % 3
		consumers := 1
		if a < 200 {
			consumers = 2
		}
		policy := spec.FullAccess
		if a%5 == 0 {
			policy = spec.Restricted
		}
		for k := 0; k < consumers; k++ {
			if k == 0 || a%2 == 1 {
				vpc++
				id := fmt.Sprintf("vpce-%017x", 0xa000000+vpc)
				w.endpointsOf[account] = append(w.endpointsOf[account], id)
				w.vpceAccount[id] = account
			}
			var roles []string
			for r := 0; r < []int{1, 2, 3, 2}[i%4]; r++ {
				name := fmt.Sprintf("app%03d-%d-", i, r) + strings.Repeat("x", 12+(i*7+r*5)%21)
				roles = append(roles, "arn:aws:iam::"+account+":role/"+name)
			}
			w.rolesOf[account] = append(w.rolesOf[account], roles...)
			w.roles += len(roles)
			name := fmt.Sprintf("c%03d", i)
			s.Consumers = append(s.Consumers, spec.Consumer{
				Name:          name,
				Account:       spec.Account{ID: account, Region: "eu-west-1"},
				VpcID:         fmt.Sprintf("vpc-%017x", vpc),
				RouteTableIDs: []string{fmt.Sprintf("rtb-%017x", i)},
				RoleARNs:      roles,
				Endpoint:      spec.Endpoint{Policy: policy},
				Access:        scaleShapes[a%3],
			})
			w.ids[name] = w.endpointsOf[account][len(w.endpointsOf[account])-1]
			i++
		}
	}
	w.spec = s
	return w
}

// worldFor renders the bucket policy of s and the policy of each of its endpoints, plus extra
// endpoints (not the stack's) with AWS's full-access policy.
func (sw scaleWorld) worldFor(t *testing.T, s spec.Spec, extra ...string) world {
	t.Helper()
	w := world{bucketPolicy: BucketPolicy(s, sw.ids).JSON(), endpoints: map[string]string{}}
	for _, g := range s.Layout().Endpoints {
		w.endpoints[sw.ids[g.Consumers[0].Name]] = EndpointPolicy(s, g).JSON()
	}
	for _, id := range extra {
		w.endpoints[id] = FullAccessEndpointPolicy().JSON()
	}
	return w
}

func accountOfARN(arn string) string { return strings.Split(arn, ":")[4] }

func TestByAccountHoldsAThousandRolesInThreeHundredAccounts(t *testing.T) {
	sw := byAccountAtScale()
	s := sw.spec
	endpoints := 0
	for _, ids := range sw.endpointsOf {
		endpoints += len(ids)
	}
	if len(sw.accounts) != 300 || len(s.Consumers) != 500 || sw.roles != 1000 || endpoints != 400 || len(s.Layout().Endpoints) != 400 {
		t.Fatalf("generated %d accounts, %d consumers, %d roles, %d endpoints (%d in the layout); want 300, 500, 1000, 400",
			len(sw.accounts), len(s.Consumers), sw.roles, endpoints, len(s.Layout().Endpoints))
	}
	if ps := append(s.Validate(), Check(s)...); len(ps) > 0 {
		t.Fatalf("%d problems, the first: %v", len(ps), ps[0])
	}
	doc := BucketPolicy(s, sw.ids).JSON()
	size, worst := len(doc), bucketPolicySize(s)
	t.Logf("by-account, %d accounts, %d consumers, %d roles, %d endpoints, %d access shapes: bucket policy %d bytes (%d with the longest endpoint IDs; S3 takes %d), %d statements",
		len(sw.accounts), len(s.Consumers), sw.roles, endpoints, len(scaleShapes), size, worst, MaxBucketPolicyBytes, len(BucketPolicy(s, sw.ids).Statement))
	if size > MaxBucketPolicyBytes || worst > MaxBucketPolicyBytes {
		t.Fatalf("the bucket policy takes %d bytes (%d at worst), over %d", size, worst, MaxBucketPolicyBytes)
	}
	if strings.Contains(doc, ":role/") || strings.Contains(doc, "vpce-") {
		t.Errorf("the by-account policy names roles or endpoints; its size would grow with them")
	}

	const outsider, outsiderRole, outsiderVpce = "999999999999", "arn:aws:iam::999999999999:role/intruder", "vpce-0999999999999999f"
	// otherVpce is an endpoint of the first account that the stack does not know.
	otherVpce := "vpce-0eeeeeeeeeeeeeeee"
	w := sw.worldFor(t, s, outsiderVpce, otherVpce)
	sw.vpceAccount[outsiderVpce], sw.vpceAccount[otherVpce] = outsider, sw.accounts[0]
	// through sets aws:VpceAccount to the endpoint's owner, never to the caller's by default.
	through := func(principal, action, object, vpce string) request {
		r := request{principal: principal, account: accountOfARN(principal), action: action, resource: object, vpce: vpce}
		if vpce != "" {
			if r.vpceAccount = sw.vpceAccount[vpce]; r.vpceAccount == "" {
				t.Fatalf("no owner for endpoint %s", vpce)
			}
		}
		return r
	}

	// A sample of 50 roles in 50 accounts spread over the 300 (every sixth, odd and even in turn,
	// so that both one- and two-endpoint accounts are in it), each at another role position.
	var sample []string
	for k := 0; k < 50; k++ {
		roles := sw.rolesOf[sw.accounts[k*6+k%2]]
		sample = append(sample, roles[k%len(roles)])
	}
	sampledAccounts := map[string]bool{}
	decisions, pairs, ownPairs := map[decision]int{}, 0, 0
	for _, role := range sample {
		account := accountOfARN(role)
		sampledAccounts[account] = true
		action, object, notGranted := shapeRequest(sw.shapeOf[account])
		ownN, crossN := acrossEndpoints(t, w, through, role, account, action, object, sw.accounts, sw.endpointsOf, decisions)
		ownPairs, pairs = ownPairs+ownN, pairs+crossN
		for _, vpce := range []string{"", outsiderVpce} {
			if got := w.decide(t, through(role, action, object, vpce)); got != explicitDeny {
				t.Errorf("%s %s through %q: %v, want explicit deny", role, action, vpce, got)
			}
		}
		// Its own endpoint admits only its access: another action, or another prefix, is not.
		own := sw.endpointsOf[account][0]
		if got := w.decide(t, through(role, "s3:DeleteObject", object, own)); got == allowed {
			t.Errorf("%s may delete through its own endpoint, which no shape grants", role)
		}
		if notGranted != "" {
			if got := w.decide(t, through(role, action, notGranted, own)); got == allowed {
				t.Errorf("%s reaches %s through its own endpoint, outside its shape", role, notGranted)
			}
		}
	}
	if len(sample) < 40 || len(sampledAccounts) < 40 || pairs < 40*390 {
		t.Fatalf("sampled %d roles in %d accounts, %d cross-account pairs: too few", len(sample), len(sampledAccounts), pairs)
	}
	t.Logf("sampled %d roles in %d accounts: %d own-account endpoint pairs allowed, %d cross-account endpoint pairs explicitly denied, %d no-endpoint and %d foreign-endpoint requests explicitly denied (decisions: %v)",
		len(sample), len(sampledAccounts), ownPairs, pairs, len(sample), len(sample), decisions)

	// A principal of an account that is no consumer gets through no endpoint, the stack's or its own.
	refused := 0
	for _, account := range sw.accounts {
		for _, vpce := range sw.endpointsOf[account] {
			if got := w.decide(t, through(outsiderRole, "s3:GetObject", "arn:aws:s3:::shared-data/anything/at/all.csv", vpce)); got == allowed {
				t.Errorf("%s through %s of account %s: allowed", outsiderRole, vpce, account)
			}
			refused++
		}
	}
	for _, vpce := range []string{outsiderVpce, ""} {
		if got := w.decide(t, through(outsiderRole, "s3:GetObject", "arn:aws:s3:::shared-data/anything/at/all.csv", vpce)); got == allowed {
			t.Errorf("%s through %q: allowed", outsiderRole, vpce)
		}
		refused++
	}
	t.Logf("a principal of account %s (no consumer) is refused on all %d of its requests (every endpoint of the stack, its own, none)", outsider, refused)

	// The documented trade-off: which of an account's principals may use its grant is the
	// account's IAM's to say, and any endpoint of the account counts. A role the stack does not
	// list, of a consumer account, is admitted through the account's endpoints, the stack's and
	// another of the account's, when its identity policy allows it, and not when it does not. The
	// control: with the default grouping the same role is refused through the same endpoint.
	first := sw.accounts[0]
	unlisted := "arn:aws:iam::" + first + ":role/not-listed"
	action, object, _ := shapeRequest(sw.shapeOf[first])
	for _, vpce := range append([]string{otherVpce}, sw.endpointsOf[first]...) {
		if got := w.decide(t, through(unlisted, action, object, vpce)); got != allowed {
			t.Errorf("trade-off: the unlisted %s through %s of its own account: %v, want allow (docs/scale.md)", unlisted, vpce, got)
		}
	}
	if got := w.decide(t, through(unlisted, action, object, sw.endpointsOf[sw.accounts[1]][0])); got != explicitDeny {
		t.Errorf("the unlisted %s through another account's endpoint: %v, want explicit deny", unlisted, got)
	}
	narrow := w
	narrow.identity = map[string]string{unlisted: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`}
	if got := narrow.decide(t, through(unlisted, action, object, sw.endpointsOf[first][0])); got != implicitDeny {
		t.Errorf("the unlisted %s whose identity policy grants no S3: %v, want implicit deny", unlisted, got)
	}
	perEndpoint := sw.worldFor(t, withGrouping(s, spec.GroupPerEndpoint))
	if got := perEndpoint.decide(t, through(unlisted, action, object, sw.endpointsOf[first][0])); got == allowed {
		t.Errorf("control: with per-endpoint grouping the unlisted %s is admitted too, so the trade-off test shows nothing", unlisted)
	}
}

// via is r made for its principal by the services, first caller first: through no endpoint.
func via(r request, services ...string) request {
	r.vpce, r.vpceAccount, r.calledVia = "", "", services
	return r
}

// In every grouping, analytics (account 222222222222) lets Athena read for its role and ingest
// (333333333333) does not; billing, analytics' neighbour in account 222222222222, does not either.
// With by-organization the accounts are those of organization ourOrg (evaluate_test.go), with
// 444444444444, a member that is no consumer.
func TestViaServicesAdmitsOnlyTheNamedServices(t *testing.T) {
	const athenaSvc, glueSvc = "athena.amazonaws.com", "glue.amazonaws.com"
	outsider := request{principal: "arn:aws:iam::999999999999:role/intruder", account: "999999999999", action: "s3:GetObject", resource: sharedObject}
	otherOrgRole := request{principal: "arn:aws:iam::888888888888:role/analyst", account: "888888888888", action: "s3:GetObject", resource: sharedObject}
	memberRole := request{principal: "arn:aws:iam::444444444444:role/analyst", account: "444444444444", action: "s3:GetObject", resource: sharedObject}
	for _, grouping := range spec.Groupings {
		s := threeConsumers(spec.FullAccess, grouping)
		if grouping == spec.GroupByOrganization {
			s.OrganizationID = ourOrg
		}
		s.Consumers[0].Access.ViaServices = []string{athenaSvc}
		w := worldOf(t, s)
		get := func(role, vpce string) request { return object(role, "s3:GetObject", vpce) }
		// billing via Athena is what the grouping says of an account's other principals: by-account
		// names the account in analytics' ...ViaServices Allow, so every principal of account
		// 222222222222 is admitted via Athena, from anywhere (docs/scale.md); by-organization
		// names the organization there, so every principal of every member account is, ingest's
		// and those of a member that is no consumer included; the others name analytics' roles only.
		// Likewise analytics through billing's endpoint (the same account): by-account and
		// by-organization admit any endpoint of the caller's account; the others do not, since
		// analytics' access (with its services) is no longer billing's and shares no statement with it.
		// A member's request that no named service makes is the perimeter's, by-organization's
		// covering every member account: memberViaGlue.
		billingViaAthena, analyticsViaBilling, analyticsViaIngest, ingestViaAthena, memberViaAthena, memberViaGlue := implicitDeny, implicitDeny, implicitDeny, implicitDeny, implicitDeny, implicitDeny
		switch grouping {
		case spec.GroupByAccount:
			billingViaAthena, analyticsViaBilling, analyticsViaIngest = allowed, allowed, explicitDeny
		case spec.GroupByOrganization:
			billingViaAthena, analyticsViaBilling, analyticsViaIngest, ingestViaAthena, memberViaAthena, memberViaGlue = allowed, allowed, explicitDeny, allowed, allowed, explicitDeny
		}
		for _, tc := range []struct {
			what string
			r    request
			want decision
		}{
			{"analytics via athena", via(get(analyticsRole, ""), athenaSvc), allowed},
			{"analytics via athena then glue", via(get(analyticsRole, ""), athenaSvc, glueSvc), allowed},
			{"analytics writes via athena", via(object(analyticsRole, "s3:PutObject", ""), athenaSvc), allowed},
			{"analytics deletes via athena (not granted)", via(object(analyticsRole, "s3:DeleteObject", ""), athenaSvc), implicitDeny},
			{"analytics directly, no endpoint", get(analyticsRole, ""), explicitDeny},
			{"analytics via glue", via(get(analyticsRole, ""), glueSvc), explicitDeny},
			{"analytics through its own endpoint", get(analyticsRole, analyticsVpce), allowed},
			{"analytics through a foreign endpoint", get(analyticsRole, foreignVpce), explicitDeny},
			{"analytics through billing's endpoint", get(analyticsRole, billingVpce), analyticsViaBilling},
			{"analytics through ingest's endpoint", get(analyticsRole, ingestVpce), analyticsViaIngest},
			// The perimeter exempts any request Athena makes, since one consumer named it: ingest's
			// is then refused only for want of an Allow (by-organization has one for it).
			{"ingest via athena", via(get(ingestRole, ""), athenaSvc), ingestViaAthena},
			{"ingest via glue", via(get(ingestRole, ""), glueSvc), explicitDeny},
			{"ingest directly, no endpoint", get(ingestRole, ""), explicitDeny},
			{"ingest through its own endpoint", get(ingestRole, ingestVpce), allowed},
			{"billing through its own endpoint", get(billingRole, billingVpce), allowed},
			{"billing via athena", via(get(billingRole, ""), athenaSvc), billingViaAthena},
			{"a principal of no consumer account via athena", via(outsider, athenaSvc), implicitDeny},
			{"a principal of another organization via athena", via(otherOrgRole, athenaSvc), implicitDeny},
			{"a member that is no consumer via athena", via(memberRole, athenaSvc), memberViaAthena},
			{"a member that is no consumer via glue", via(memberRole, glueSvc), memberViaGlue},
		} {
			got := w.decide(t, tc.r)
			t.Logf("%-15s %-45s %v", grouping, tc.what, got)
			if got != tc.want {
				t.Errorf("%s: %s: %v, want %v", grouping, tc.what, got, tc.want)
			}
		}

		// The control: without the opt-in, the same request Athena makes for analytics is denied,
		// explicitly, by the perimeter.
		s.Consumers[0].Access.ViaServices = nil
		control := worldOf(t, s)
		if strings.Contains(control.bucketPolicy, "CalledVia") {
			t.Fatalf("%s: the control still names aws:CalledVia", grouping)
		}
		if got := control.decide(t, via(get(analyticsRole, ""), athenaSvc)); got != explicitDeny {
			t.Errorf("%s: control: analytics via athena without viaAwsServices: %v, want explicit deny (else the test shows nothing)", grouping, got)
		}
	}
}

const athenaService = "athena.amazonaws.com"

// orgWorld is a generated organization of 300 member accounts with the consumers of the
// by-organization test in the first of them, and what the test needs to know of it.
type orgWorld struct {
	scaleWorld
	// members are the organization's accounts in order (the bucket owner's is not among them);
	// orgOf is the organization of every account the test's requests come from.
	members []string
	orgOf   map[string]string
}

// byOrganizationAtScale builds organization ourOrg of 300 member accounts, each with one role
// (member-<n>) and one or two S3 endpoints (two for every odd account), of which the first
// `consumers` accounts hold a consumer each: access shape a%3, its first endpoint the stack's
// (restricted for every third consumer, AWS's full-access policy otherwise), its role the one
// listed; the consumers of shape 0 let Athena call for their roles (viaAwsServices). The other
// endpoints, the consumers' second ones and all those of the members that are no consumer, are
// not the stack's and keep AWS's full-access policy. The endpoint IDs are made up.
func byOrganizationAtScale(consumers int) orgWorld {
	s := baseSpec()
	s.BucketPolicyGrouping = spec.GroupByOrganization
	s.OrganizationID = ourOrg
	s.Consumers = nil
	w := orgWorld{
		scaleWorld: scaleWorld{ids: EndpointIDs{}, endpointsOf: map[string][]string{}, shapeOf: map[string]int{}, rolesOf: map[string][]string{}, vpceAccount: map[string]string{}},
		orgOf:      map[string]string{s.Bucket.Account.ID: ourOrg, "888888888888": otherOrg, "999999999999": noOrganization},
	}
	for a := 0; a < 300; a++ {
		account := fmt.Sprintf("%012d", 500000000000+a*89)
		w.members = append(w.members, account)
		w.orgOf[account] = ourOrg
		w.shapeOf[account] = a % 3
		for e := 0; e < 1+a%2; e++ {
			id := fmt.Sprintf("vpce-%017x", 0xb000000+2*a+e)
			w.endpointsOf[account] = append(w.endpointsOf[account], id)
			w.vpceAccount[id] = account
		}
		role := fmt.Sprintf("arn:aws:iam::%s:role/member-%03d", account, a)
		w.rolesOf[account] = []string{role}
		if a >= consumers {
			continue
		}
		w.accounts = append(w.accounts, account)
		w.roles++
		policy := spec.FullAccess
		if a%3 == 0 {
			policy = spec.Restricted
		}
		access := scaleShapes[a%3]
		if a%3 == 0 {
			access.ViaServices = []string{athenaService}
		}
		name := fmt.Sprintf("c%03d", a)
		s.Consumers = append(s.Consumers, spec.Consumer{
			Name:          name,
			Account:       spec.Account{ID: account, Region: "eu-west-1"},
			VpcID:         fmt.Sprintf("vpc-%017x", a),
			RouteTableIDs: []string{fmt.Sprintf("rtb-%017x", a)},
			RoleARNs:      []string{role},
			Endpoint:      spec.Endpoint{Policy: policy},
			Access:        access,
		})
		w.ids[name] = w.endpointsOf[account][0]
	}
	w.spec = s
	return w
}

// unbound is doc without the binding of endpoints to the caller's account: no aws:VpceAccount in
// the Allows, and a perimeter that denies only requests through no endpoint at all (Null
// aws:VpceAccount) instead of those through no endpoint of the caller's own account. n is the
// number of statements changed.
func unbound(t *testing.T, doc string) (string, int) {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, raw := range d["Statement"].([]any) {
		st := raw.(map[string]any)
		cond, _ := st["Condition"].(map[string]any)
		switch {
		case st["Effect"] == "Allow" && cond["StringEquals"] != nil:
			eq := cond["StringEquals"].(map[string]any)
			if _, ok := eq[keyVpceAccount]; ok {
				delete(eq, keyVpceAccount)
				n++
			}
		case st["Sid"] == SidDenyOutsideEndpoints:
			if ne, ok := cond[keyNotOurEndpoint].(map[string]any); ok && ne[keyVpceAccount] != nil {
				delete(cond, keyNotOurEndpoint)
				cond["Null"] = map[string]any{keyVpceAccount: "true"}
				n++
			}
		}
	}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(out), n
}

func TestByOrganizationAdmitsTheOrganizationOnlyThroughItsOwnAccountsEndpoints(t *testing.T) {
	ow := byOrganizationAtScale(3)
	s := ow.spec
	if len(ow.members) != 300 || len(s.Consumers) != 3 {
		t.Fatalf("generated %d members, %d consumers; want 300, 3", len(ow.members), len(s.Consumers))
	}
	if ps := append(s.Validate(), Check(s)...); len(ps) > 0 {
		t.Fatalf("%d problems, the first: %v", len(ps), ps[0])
	}

	// What the document says, before what it decides: every Allow to everyone is narrowed to the
	// organization, the ...ViaServices ones included, and no account but the owner's is named.
	doc := BucketPolicy(s, ow.ids).JSON()
	for _, st := range parsedStatements(t, doc) {
		if st["Effect"] != "Allow" || st["Principal"] != "*" {
			continue
		}
		cond, _ := st["Condition"].(map[string]any)
		eq, _ := cond["StringEquals"].(map[string]any)
		if org := spec.AsList(eq[keyPrincipalOrgID]); len(org) != 1 || org[0] != ourOrg {
			t.Errorf("%s allows everyone without StringEquals %s [%s]: %v", st["Sid"], keyPrincipalOrgID, ourOrg, cond)
		}
	}
	for _, account := range ow.members {
		if strings.Contains(doc, account) {
			t.Errorf("the by-organization policy names account %s; its size would grow with the accounts", account)
			break
		}
	}

	// The bucket policy's size does not grow with the consumer accounts: 3 and 300 (every member
	// a consumer, the same three shapes and services) render to the same number of bytes, exactly and with the
	// longest endpoint IDs.
	all := byOrganizationAtScale(300).spec
	if ps := append(all.Validate(), Check(all)...); len(ps) > 0 {
		t.Fatalf("300 consumers: %d problems, the first: %v", len(ps), ps[0])
	}
	size3, size300 := len(doc), len(BucketPolicy(all, byOrganizationAtScale(300).ids).JSON())
	worst3, worst300 := bucketPolicySize(s), bucketPolicySize(all)
	perEndpoint300 := bucketPolicySize(withGrouping(all, spec.GroupPerEndpoint))
	t.Logf("by-organization bucket policy: %d bytes with 3 consumer accounts, %d with 300 (%d and %d with the longest endpoint IDs; per-endpoint would take %d for the 300; S3 takes %d), %d statements",
		size3, size300, worst3, worst300, perEndpoint300, MaxBucketPolicyBytes, len(BucketPolicy(all, nil).Statement))
	if size3 != size300 || worst3 != worst300 {
		t.Errorf("the bucket policy grows with the consumer accounts: %d bytes for 3, %d for 300 (%d, %d at worst)", size3, size300, worst3, worst300)
	}

	const (
		foreignRole, foreignVpce2   = "arn:aws:iam::888888888888:role/analyst", "vpce-0888888888888888a"
		outsiderRole, outsiderVpce2 = "arn:aws:iam::999999999999:role/intruder", "vpce-0999999999999999a"
		ownerRole, ownerVpce        = "arn:aws:iam::111111111111:role/ops", "vpce-0111111111111111a"
	)
	stacks := map[string]bool{}
	for _, id := range ow.ids {
		stacks[id] = true
	}
	var extra []string
	for _, account := range ow.members {
		for _, id := range ow.endpointsOf[account] {
			if !stacks[id] {
				extra = append(extra, id)
			}
		}
	}
	extra = append(extra, foreignVpce2, outsiderVpce2, ownerVpce)
	ow.vpceAccount[foreignVpce2], ow.vpceAccount[outsiderVpce2], ow.vpceAccount[ownerVpce] = "888888888888", "999999999999", "111111111111"
	w := ow.worldFor(t, s, extra...)
	if len(w.endpoints) != 450+3 {
		t.Fatalf("%d endpoints in the world, want 453 (450 of the members, 3 of the others)", len(w.endpoints))
	}
	through := func(principal, action, object, vpce string) request {
		account := accountOfARN(principal)
		r := request{principal: principal, account: account, action: action, resource: object, vpce: vpce, orgID: ow.orgOf[account]}
		if r.orgID == "" {
			t.Fatalf("no organization said for account %s", account)
		}
		if vpce != "" {
			if r.vpceAccount = ow.vpceAccount[vpce]; r.vpceAccount == "" {
				t.Fatalf("no owner for endpoint %s", vpce)
			}
		}
		return r
	}

	// Every member's role, consumer or not, through every endpoint of the organization: allowed
	// through those of its own account, explicitly denied through all others and through none.
	decisions, ownPairs, crossPairs, elsewhere := map[decision]int{}, 0, 0, 0
	for _, account := range ow.members {
		role := ow.rolesOf[account][0]
		action, object, _ := shapeRequest(ow.shapeOf[account])
		ownN, crossN := acrossEndpoints(t, w, through, role, account, action, object, ow.members, ow.endpointsOf, decisions)
		ownPairs, crossPairs = ownPairs+ownN, crossPairs+crossN
		for _, vpce := range []string{"", foreignVpce2, outsiderVpce2, ownerVpce} {
			if got := w.decide(t, through(role, action, object, vpce)); got != explicitDeny {
				t.Errorf("%s %s through %q: %v, want explicit deny", role, action, vpce, got)
			}
			elsewhere++
		}
		// Via Athena, which the consumers of shape 0 name, any member reads what shape 0 grants;
		// via another service it meets the perimeter.
		action0, object0, _ := shapeRequest(0)
		viaAthena := via(through(role, action0, object0, ""), athenaService)
		if got := w.decide(t, viaAthena); got != allowed {
			t.Errorf("%s via athena: %v, want allow", role, got)
		}
		if got := w.decide(t, via(viaAthena, "glue.amazonaws.com")); got != explicitDeny {
			t.Errorf("%s via glue: %v, want explicit deny", role, got)
		}
	}
	if ownPairs != 450 || crossPairs != 300*450-450 {
		t.Fatalf("decided %d own-account and %d cross-account pairs, want 450 and %d", ownPairs, crossPairs, 300*450-450)
	}
	t.Logf("300 members' roles (3 consumers, 297 not) through the 450 endpoints of the organization: %d own-account pairs allowed, %d cross-account pairs explicitly denied, %d through no endpoint or a non-member's explicitly denied (decisions: %v); each allowed via athena, explicitly denied via glue",
		ownPairs, crossPairs, elsewhere, decisions)

	// A role of another organization, and one of none, are refused everywhere, and implicitly: no
	// Allow names them and the perimeter covers only the organization. The bucket policy alone
	// gives them nothing, and denies them nothing. Via Athena too: the ...ViaServices Allow is to
	// everyone, so it must carry the organization as well.
	refused := 0
	for _, role := range []string{foreignRole, outsiderRole} {
		vpces := []string{"", foreignVpce2, outsiderVpce2, ownerVpce}
		for _, account := range ow.members {
			vpces = append(vpces, ow.endpointsOf[account]...)
		}
		action0, object0, _ := shapeRequest(0)
		for _, r := range []request{via(through(role, action0, object0, ""), athenaService), via(through(role, action0, object0, ""), "glue.amazonaws.com")} {
			if got := evaluate(t, w.bucketPolicy, r); got != implicitDeny {
				t.Errorf("%s via %v: the bucket policy says %v, want implicit deny", role, r.calledVia, got)
			}
			refused++
		}
		for _, vpce := range vpces {
			r := through(role, "s3:GetObject", "arn:aws:s3:::shared-data/anything/at/all.csv", vpce)
			if got := w.decide(t, r); got != implicitDeny {
				t.Errorf("%s through %q: %v, want implicit deny", role, vpce, got)
			}
			if got := evaluate(t, w.bucketPolicy, r); got != implicitDeny {
				t.Errorf("%s through %q: the bucket policy says %v, want implicit deny", role, vpce, got)
			}
			refused++
		}
	}
	t.Logf("roles of another organization and of none: %d requests (each endpoint of the organization, their own, the owner's, none, via athena, via glue) implicitly denied", refused)

	// The bucket owner's principals are left out of the perimeter: through no endpoint, or another
	// account's, the bucket policy does not deny them (their own IAM decides, in their own
	// account); through the owner's own endpoint they are a member like any other.
	for _, tc := range []struct {
		vpce string
		want decision
	}{
		{"", implicitDeny},
		{ow.endpointsOf[ow.members[0]][0], implicitDeny},
		{foreignVpce2, implicitDeny},
		{ownerVpce, allowed},
	} {
		if got := evaluate(t, w.bucketPolicy, through(ownerRole, "s3:GetObject", "arn:aws:s3:::shared-data/anything/at/all.csv", tc.vpce)); got != tc.want {
			t.Errorf("the owner's %s through %q: the bucket policy says %v, want %v", ownerRole, tc.vpce, got, tc.want)
		}
	}

	// The control: a copy of the document without the binding (no aws:VpceAccount in the Allows,
	// a perimeter on "through some endpoint" only) lets a member in through another member's
	// endpoint, and through its own endpoint as if another account owned it; the rendered
	// document denies both, explicitly. The copy still denies a request through no endpoint.
	loose, changed := unbound(t, w.bucketPolicy)
	if changed != len(scaleShapes)+1 {
		t.Fatalf("removed the binding from %d statements, want %d (the shapes' Allows, not the ...ViaServices one, and the perimeter)", changed, len(scaleShapes)+1)
	}
	controlled := 0
	for k := 0; k < 30; k++ {
		account, other := ow.members[k*10], ow.members[(k*10+157)%300]
		role := ow.rolesOf[account][0]
		action, object, _ := shapeRequest(ow.shapeOf[account])
		elsewhere := through(role, action, object, ow.endpointsOf[other][len(ow.endpointsOf[other])-1])
		claimed := through(role, action, object, ow.endpointsOf[account][0])
		claimed.vpceAccount = other
		for _, r := range []request{elsewhere, claimed} {
			if got := w.decide(t, r); got != explicitDeny {
				t.Errorf("%s through %s (aws:VpceAccount %s): %v, want explicit deny", role, r.vpce, r.vpceAccount, got)
			}
			lw := w
			lw.bucketPolicy = loose
			if got := lw.decide(t, r); got != allowed {
				t.Errorf("control: without the binding %s through %s (aws:VpceAccount %s): %v, want allow (else the test shows nothing)", role, r.vpce, r.vpceAccount, got)
			}
			controlled++
		}
		lw := w
		lw.bucketPolicy = loose
		if got := lw.decide(t, through(role, action, object, "")); got != explicitDeny {
			t.Errorf("control: without the binding %s through no endpoint: %v, want explicit deny", role, got)
		}
	}
	t.Logf("control: %d requests through another account's endpoint, or claiming one, explicitly denied with the binding and allowed without it", controlled)
}

// acrossEndpoints sends role's request (of account) through every endpoint of every account: it
// must be allowed through those of its own account and explicitly denied through all others. It
// counts the decisions, and returns how many endpoints of its own and of other accounts it tried.
func acrossEndpoints(t *testing.T, w world, through func(principal, action, object, vpce string) request, role, account, action, object string, accounts []string, endpointsOf map[string][]string, decisions map[decision]int) (own, cross int) {
	t.Helper()
	for _, other := range accounts {
		for _, vpce := range endpointsOf[other] {
			got := w.decide(t, through(role, action, object, vpce))
			decisions[got]++
			want := explicitDeny
			if other == account {
				want = allowed
				own++
			} else {
				cross++
			}
			if got != want {
				t.Errorf("%s (account %s) %s through %s of account %s: %v, want %v", role, account, action, vpce, other, got, want)
			}
		}
	}
	return own, cross
}
