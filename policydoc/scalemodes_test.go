package policydoc

import (
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
		for _, other := range sw.accounts {
			for _, vpce := range sw.endpointsOf[other] {
				got := w.decide(t, through(role, action, object, vpce))
				decisions[got]++
				want := explicitDeny
				if other == account {
					want = allowed
					ownPairs++
				} else {
					pairs++
				}
				if got != want {
					t.Errorf("%s (account %s) %s through %s of account %s: %v, want %v", role, account, action, vpce, other, got, want)
				}
			}
		}
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
func TestViaServicesAdmitsOnlyTheNamedServices(t *testing.T) {
	const athenaSvc, glueSvc = "athena.amazonaws.com", "glue.amazonaws.com"
	outsider := request{principal: "arn:aws:iam::999999999999:role/intruder", account: "999999999999", action: "s3:GetObject", resource: sharedObject}
	for _, grouping := range spec.Groupings {
		s := threeConsumers(spec.FullAccess, grouping)
		s.Consumers[0].Access.ViaServices = []string{athenaSvc}
		w := worldOf(t, s)
		get := func(role, vpce string) request { return object(role, "s3:GetObject", vpce) }
		// billing via Athena is what the grouping says of an account's other principals: by-account
		// names the account in analytics' ...ViaServices Allow, so every principal of account
		// 222222222222 is admitted via Athena, from anywhere (docs/scale.md); the others name
		// analytics' roles only.
		// Likewise analytics through billing's endpoint (the same account): by-account admits any
		// endpoint of the account; the others do not, since analytics' access (with its services)
		// is no longer billing's and shares no statement with it.
		billingViaAthena, analyticsViaBilling, analyticsViaIngest := implicitDeny, implicitDeny, implicitDeny
		if grouping == spec.GroupByAccount {
			billingViaAthena, analyticsViaBilling, analyticsViaIngest = allowed, allowed, explicitDeny
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
			// is then refused only for want of an Allow.
			{"ingest via athena", via(get(ingestRole, ""), athenaSvc), implicitDeny},
			{"ingest via glue", via(get(ingestRole, ""), glueSvc), explicitDeny},
			{"ingest directly, no endpoint", get(ingestRole, ""), explicitDeny},
			{"ingest through its own endpoint", get(ingestRole, ingestVpce), allowed},
			{"billing through its own endpoint", get(billingRole, billingVpce), allowed},
			{"billing via athena", via(get(billingRole, ""), athenaSvc), billingViaAthena},
			{"a principal of no consumer account via athena", via(outsider, athenaSvc), implicitDeny},
		} {
			got := w.decide(t, tc.r)
			t.Logf("%-12s %-45s %v", grouping, tc.what, got)
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
