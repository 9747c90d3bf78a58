package policydoc

import "cross-account-s3/spec"

// Sids of the statements that do not depend on an access shape.
const (
	SidDenyInsecureTransport = "DenyInsecureTransport"
	SidDenyOutsideEndpoints  = "DenyConsumerAccountsOutsideVpcEndpoints"
)

// EndpointIDs maps a consumer name to the ID of the endpoint its traffic comes through.
type EndpointIDs map[string]string

// of is the endpoint IDs of the consumers, sorted, each once; unknown ones are left out.
func (e EndpointIDs) of(consumers []string) []string {
	var ids []string
	for _, c := range consumers {
		if id := e[c]; id != "" {
			ids = append(ids, id)
		}
	}
	return spec.SortedUnique(ids)
}

// accountsOf is the accounts of the named consumers, sorted, each once.
func accountsOf(s spec.Spec, consumers []string) []string {
	var out []string
	for _, c := range s.Consumers {
		for _, name := range consumers {
			if c.Name == name {
				out = append(out, c.Account.ID)
			}
		}
	}
	return spec.SortedUnique(out)
}

// BucketPolicy is the bucket owner's one policy. Statements:
//   - DenyInsecureTransport: everyone, plain HTTP. The only Deny on principal "*".
//   - Allow<Kind><shape>[Vpc<vpc>]: roles, only with aws:SourceVpce equal to their endpoint(s)
//     and aws:VpceAccount equal to their account(s): the account that owns the endpoint a request
//     came through (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
//     #condition-keys-vpceaccount; S3 sets it for gateway endpoints too). An endpoint ID an owner
//     stack takes from a consumer stack then admits its roles only if that endpoint is of their
//     own account: a consumer stack that names another account's endpoint admits nobody through it.
//     With the default grouping (spec.GroupPerEndpoint) the consumers that share an access shape
//     (actions, prefixes, listing) AND an endpoint (their VPC) share a statement, so each role is
//     admitted only through the endpoint of its own consumer's VPC; the Sid derives from the shape
//     and the VPC. With spec.GroupByAccess the consumers of a shape share one statement listing all
//     their roles and endpoints (smaller, but any of those roles is then admitted through any of
//     those endpoints); the Sid derives from the shape alone. Either way a Sid never depends on
//     list positions, and a consumer joining or leaving only adds or removes entries or statements.
//   - DenyConsumerAccountsOutsideVpcEndpoints: the perimeter. Every principal of the consumer
//     accounts (as account-root ARNs, one entry per account) is denied unless the request comes
//     through one of this stack's endpoints: StringNotEqualsIfExists aws:SourceVpce [the stack's
//     endpoint IDs]. A request through another endpoint (anyone's) fails the StringNotEquals
//     part; a request through no endpoint has no aws:SourceVpce, and "...IfExists" then evaluates
//     to true ("If the key is not present, evaluate the condition element as true",
//     docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
//     #Conditions_IfExists), so it is denied too. Never principal "*" unlimited: that would lock
//     out the owner, the console and CI; by-account and by-organization write "*" limited by a
//     condition to the consumer accounts, or to the organization without the owner's account
//     (denyOutsideEndpoints).
//   - ...ViaServices Allows, for consumers that name AWS services (Access.ViaServices).
//   - then the kept ExtraBucketStatements, as given.
func BucketPolicy(s spec.Spec, endpoints EndpointIDs) Document {
	bucketARN := spec.BucketARN(s.Bucket.Account.Region, s.Bucket.Name)
	statements := []any{denyInsecureTransport(bucketARN)}
	l := s.Layout()
	for _, g := range l.Grants {
		principal, who, network := grantPrincipal(s, g, endpoints)
		for _, gr := range grants(bucketARN, g.Access) {
			st := Statement{
				Sid:       "Allow" + gr.sidSuffix + g.ID,
				Effect:    "Allow",
				Principal: principal,
				Action:    gr.actions,
				Resource:  gr.resources,
				Condition: gr.condition.merge(who).merge(network),
			}
			statements = append(statements, st)
			if len(g.Access.ViaServices) > 0 {
				// The same principals, without the network binding (a service's request comes
				// through no endpoint), only when a named service makes it.
				st.Sid += "ViaServices"
				st.Condition = gr.condition.merge(who).with(keyCalledViaAny, keyCalledVia, g.Access.ViaServices...)
				statements = append(statements, st)
			}
		}
	}
	if len(s.Consumers) > 0 {
		statements = append(statements, denyOutsideEndpoints(l, bucketARN, endpoints))
	}
	for _, extra := range s.ExtraBucketStatements {
		statements = append(statements, extra)
	}
	return Document{Version: Version, Statement: statements}
}

// grantPrincipal is who a grant's Allows name, the condition that narrows who that is (the
// organization, for a Principal "*"), and the network condition they carry: the roles and
// their endpoints (aws:SourceVpce) bound to their accounts (aws:VpceAccount); with
// spec.GroupByAccount, the accounts as account principals, each bound to endpoints it owns; with
// spec.GroupByOrganization, everyone of the organization (aws:PrincipalOrgID), each bound to
// endpoints its account owns. Principal "*" with a fixed aws:PrincipalOrgID is not a public grant
// for S3 ("To be considered non-public, a bucket policy must grant access only to fixed values ...
// for one or more of the following: An AWS principal, user, role, or service principal (e.g.
// aws:PrincipalOrgID)": docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
// #access-control-block-public-access-policy-status), so Block Public Access lets it be written.
func grantPrincipal(s spec.Spec, g spec.Grant, endpoints EndpointIDs) (principal any, who, network Condition) {
	bound := Condition{"StringEquals": {keyVpceAccount: {CallerAccount}}}
	switch s.Grouping() {
	case spec.GroupByAccount:
		return AWSPrincipal(accountRoots(s, accountsOf(s, g.Consumers))...), nil, bound
	case spec.GroupByOrganization:
		return Everyone, Condition{"StringEquals": {keyPrincipalOrgID: {s.OrganizationID}}}, bound
	}
	return AWSPrincipal(g.Roles...), nil, Condition{"StringEquals": {
		keySourceVpce:  endpoints.of(g.Consumers),
		keyVpceAccount: accountsOf(s, g.Consumers),
	}}
}

// CallerAccount is the policy variable of the caller's account. As a condition value it makes
// one statement bind every account it names to itself: aws:VpceAccount must equal the account of
// the principal making the request ("You can use any single-valued condition key as a variable",
// "in string comparisons in the Condition element", in "resource policies":
// docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html; aws:PrincipalAccount
// is single-valued and always in the request context).
const CallerAccount = "${aws:PrincipalAccount}"

// accountRoots are the accounts as account-root ARNs, the form AWS stores an account principal in.
func accountRoots(s spec.Spec, accounts []string) []string {
	partition := spec.Partition(s.Bucket.Account.Region)
	out := make([]string, len(accounts))
	for i, a := range accounts {
		out[i] = "arn:" + partition + ":iam::" + a + ":root"
	}
	return out
}

// viaServices are the services any consumer lets call for its roles, sorted, each once.
func viaServices(s spec.Spec) []string {
	var out []string
	for _, c := range s.Consumers {
		out = append(out, c.Access.ViaServices...)
	}
	return spec.SortedUnique(out)
}

func denyInsecureTransport(bucketARN string) Statement {
	return Statement{
		Sid:       SidDenyInsecureTransport,
		Effect:    "Deny",
		Principal: Everyone,
		Action:    Strings{"s3:*"},
		Resource:  Strings{bucketARN, bucketARN + "/*"},
		Condition: Condition{"Bool": {keySecureTransport: {"false"}}},
	}
}

// denyOutsideEndpoints names the consumer accounts as root ARNs (the form AWS stores; in a
// resource policy an account principal stands for every principal of the account) so that it
// costs one entry per account, not per role, and lists every endpoint ID of the stack. With
// spec.GroupByAccount it lists no endpoint: it denies the accounts' principals unless the request
// comes through an endpoint of their own account, and names the accounts in a condition on
// aws:PrincipalAccount (Principal "*"), at half the bytes of root ARNs, so that the statement
// grows by 15 bytes an account. With spec.GroupByOrganization it does the same for every account
// of the organization but the owner's. Either way, when consumers let AWS services call for their roles,
// a request those services make (aws:CalledVia names one) is not this Deny's: it cannot come
// through an endpoint, and the consumer's own ...ViaServices Allow decides it.
func denyOutsideEndpoints(l spec.Layout, bucketARN string, endpoints EndpointIDs) Statement {
	var accounts []string
	for _, a := range l.Accounts {
		accounts = append(accounts, a.ID)
	}
	st := Statement{
		Sid:       SidDenyOutsideEndpoints,
		Effect:    "Deny",
		Principal: AWSPrincipal(accountRoots(l.Spec, accounts)...),
		Action:    Strings{"s3:*"},
		Resource:  Strings{bucketARN, bucketARN + "/*"},
		Condition: Condition{keyNotOurEndpoint: {keySourceVpce: Strings(endpoints.of(consumerNames(l.Spec)))}},
	}
	switch l.Spec.Grouping() {
	case spec.GroupByAccount:
		st.Principal = Everyone
		st.Condition = Condition{
			"StringEquals":    {keyPrincipalAcct: accounts},
			keyNotOurEndpoint: {keyVpceAccount: {CallerAccount}},
		}
	case spec.GroupByOrganization:
		// Everyone of the organization but the bucket owner's account, whose console, CI and
		// deployers must keep the bucket.
		st.Principal = Everyone
		st.Condition = Condition{
			"StringEquals":    {keyPrincipalOrgID: {l.Spec.OrganizationID}},
			"StringNotEquals": {keyPrincipalAcct: {l.Spec.Bucket.Account.ID}},
			keyNotOurEndpoint: {keyVpceAccount: {CallerAccount}},
		}
	}
	if services := viaServices(l.Spec); len(services) > 0 {
		st.Condition = st.Condition.with(keyNotCalledViaAny, keyCalledVia, services...)
	}
	return st
}

// Operators of the perimeter and of the ...ViaServices Allows. aws:CalledVia is multivalued (the
// services in the chain that called for the principal, set on forward access sessions), so it
// takes set operators. ForAnyValue:StringEquals holds when a named service is in the chain;
// ForAllValues:StringNotEquals holds when none is, and also when the key is missing (a direct
// call): docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html.
const (
	keyNotOurEndpoint  = "StringNotEqualsIfExists"
	keyCalledViaAny    = "ForAnyValue:StringEquals"
	keyNotCalledViaAny = "ForAllValues:StringNotEquals"
)

// OwnSids are the Sids this stack writes into the bucket policy, for clash checks.
func OwnSids(s spec.Spec) []string {
	own := s
	own.ExtraBucketStatements = nil
	doc := BucketPolicy(own, nil)
	sids := make([]string, 0, len(doc.Statement))
	for _, st := range doc.Statement {
		sids = append(sids, st.(Statement).Sid)
	}
	return sids
}

// consumerNames are the names of the spec's consumers, in list order.
func consumerNames(s spec.Spec) []string {
	out := make([]string, 0, len(s.Consumers))
	for _, c := range s.Consumers {
		out = append(out, c.Name)
	}
	return out
}
