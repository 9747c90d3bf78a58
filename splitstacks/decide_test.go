package splitstacks

import (
	"reflect"
	"strings"
	"testing"

	"cross-account-s3/policydoc"
	"cross-account-s3/spec"
)

// owner is the owner stack's spec, as stackconfig reads it for side: owner: no consumers.
func owner() spec.Spec {
	return spec.Spec{Bucket: spec.BucketOwner{
		Account: spec.Account{ID: "111111111111", Region: "eu-west-1", Credentials: spec.Credentials{Profile: "owner-admin"}},
		Name:    "shared-data",
	}}
}

// stack is one consumer stack: how the owner lists it, its full name, and the consumers its own
// spec holds (credentials and all, as its stack file says).
type stack struct {
	cs        spec.ConsumerStack
	full      string
	consumers []spec.Consumer
	bucket    spec.BucketOwner
}

// endpointIDs are every fixture consumer's endpoint, as the consumer stacks created or adopted them.
var endpointIDs = map[string]string{
	"web":       "vpce-0a0a0a0a0a0a0a0a0",
	"batch":     "vpce-0b0b0b0b0b0b0b0b0",
	"analytics": "vpce-0c0c0c0c0c0c0c0c0",
	"ingest":    "vpce-0d0d0d0d0d0d0d0d0",
	"archive":   "vpce-0e0e0e0e0e0e0e0e0",
}

const (
	fullWeb       = "acme/cross-account-s3/consumer-222222222222"
	fullAnalytics = "acme/cross-account-s3/consumer-333333333333"
	fullIngest    = "acme/cross-account-s3/consumer-444444444444"
)

// webStack connects two VPCs of account 222222222222: web (restricted endpoint, managed role
// policies, two roles) and batch (an adopted endpoint, a prefix, listing).
func webStack() stack {
	creds := spec.Credentials{Profile: "consumer-222222222222"}
	return stack{
		cs: spec.ConsumerStack{Stack: "consumer-222222222222", AccountIDs: []string{"222222222222"},
			Ceiling: spec.Access{Actions: []string{"s3:GetObject", "s3:PutObject"}, AllowListing: true}, IfMissing: spec.MissingFail},
		full: fullWeb,
		consumers: []spec.Consumer{
			{Name: "web", Account: spec.Account{ID: "222222222222", Region: "eu-west-1", Credentials: creds},
				VpcID: "vpc-0a0a0a0a0a0a0a0a0", RouteTableIDs: []string{"rtb-0a0a0a0a0a0a0a0a2", "rtb-0a0a0a0a0a0a0a0a1"},
				RoleARNs: []string{"arn:aws:iam::222222222222:role/web-b", "arn:aws:iam::222222222222:role/web-a"},
				Endpoint: spec.Endpoint{Policy: spec.Restricted, AllowedBuckets: []spec.AllowedBucket{{Name: "os-mirror"}}},
				Access:   spec.Access{Actions: []string{"s3:PutObject", "s3:GetObject"}}, ManageRolePolicy: true},
			{Name: "batch", Account: spec.Account{ID: "222222222222", Region: "eu-west-1", Credentials: creds},
				VpcID: "vpc-0b0b0b0b0b0b0b0b0", RouteTableIDs: []string{"rtb-0b0b0b0b0b0b0b0b1"},
				RoleARNs: []string{"arn:aws:iam::222222222222:role/batch"},
				Endpoint: spec.Endpoint{AdoptID: "vpce-0b0b0b0b0b0b0b0b0", Policy: spec.FullAccess},
				Access:   spec.Access{Actions: []string{"s3:GetObject"}, Prefixes: []string{"batch/"}, AllowListing: true}},
		},
	}
}

// analyticsStack connects one VPC of account 333333333333, with the default actions.
func analyticsStack() stack {
	return stack{
		cs: spec.ConsumerStack{Stack: "consumer-333333333333", AccountIDs: []string{"333333333333"},
			Ceiling: spec.Access{Actions: []string{"s3:GetObject", "s3:PutObject"}}, IfMissing: spec.MissingFail},
		full: fullAnalytics,
		consumers: []spec.Consumer{
			{Name: "analytics", Account: spec.Account{ID: "333333333333", Region: "eu-west-1", Credentials: spec.Credentials{AssumeRoleARN: "arn:aws:iam::333333333333:role/deployer"}},
				VpcID: "vpc-0c0c0c0c0c0c0c0c0", RouteTableIDs: []string{"rtb-0c0c0c0c0c0c0c0c1"},
				RoleARNs: []string{"arn:aws:iam::333333333333:role/analytics"},
				Endpoint: spec.Endpoint{Policy: spec.FullAccess},
				Access:   spec.Access{Actions: []string{"s3:GetObject", "s3:PutObject"}}},
		},
	}
}

// ingestStack speaks for two accounts, under the prefix in/ only.
func ingestStack() stack {
	return stack{
		cs: spec.ConsumerStack{Stack: "acme/cross-account-s3/consumer-444444444444", AccountIDs: []string{"444444444444", "555555555555"},
			Ceiling: spec.Access{Actions: []string{"s3:GetObject", "s3:PutObject"}, Prefixes: []string{"in/"}, AllowListing: true}, IfMissing: spec.MissingFail},
		full: fullIngest,
		consumers: []spec.Consumer{
			{Name: "ingest", Account: spec.Account{ID: "444444444444", Region: "eu-west-1"},
				VpcID: "vpc-0d0d0d0d0d0d0d0d0", RouteTableIDs: []string{"rtb-0d0d0d0d0d0d0d0d1"},
				RoleARNs: []string{"arn:aws:iam::444444444444:role/ingest"},
				Endpoint: spec.Endpoint{Policy: spec.FullAccess},
				Access:   spec.Access{Actions: []string{"s3:PutObject"}, Prefixes: []string{"in/ingest/"}}},
			{Name: "archive", Account: spec.Account{ID: "555555555555", Region: "eu-west-1"},
				VpcID: "vpc-0e0e0e0e0e0e0e0e0", RouteTableIDs: []string{"rtb-0e0e0e0e0e0e0e0e1"},
				RoleARNs: []string{"arn:aws:iam::555555555555:role/archive"},
				Endpoint: spec.Endpoint{Policy: spec.FullAccess},
				Access:   spec.Access{Actions: []string{"s3:GetObject"}, Prefixes: []string{"in/"}, AllowListing: true}},
		},
	}
}

// at lists the stack at position i of consumerStacks.
func (s stack) at(i int) stack {
	s.cs.Index = i
	return s
}

// spec is the consumer stack's own spec (side: consumer).
func (s stack) spec() spec.Spec {
	out := spec.Spec{Bucket: owner().Bucket}
	if s.bucket.Name != "" {
		out.Bucket = s.bucket
	}
	out.Bucket.Account.Credentials = spec.Credentials{}
	for i, c := range s.consumers {
		c.Index = i
		out.Consumers = append(out.Consumers, c)
	}
	return out
}

func (s stack) output() Output { return Build(s.spec(), endpointIDs) }

// found is the stack read by the program: its outputs as a stack reference gives them.
func (s stack) found() Read {
	return Read{Item: s.cs, Stack: Stack{Name: s.full, Status: OK, Outputs: map[string]any{
		OutputName:  s.output().Value(),
		"bucketArn": "arn:aws:s3:::shared-data",
	}}}
}

func (s stack) notFound() Read {
	return Read{Item: s.cs, Stack: Stack{Name: s.full, Status: NotFound, Detail: "no stack named '" + s.full + "' found"}}
}

func (s stack) noOutputs() Read {
	return Read{Item: s.cs, Stack: Stack{Name: s.full, Status: NoOutputs}}
}

func (s stack) ifMissing(m spec.IfMissing) stack {
	s.cs.IfMissing = m
	return s
}

func names(consumers []spec.Consumer) []string {
	out := []string{}
	for _, c := range consumers {
		out = append(out, c.Name)
	}
	return out
}

func threeStacks() []stack {
	return []stack{analyticsStack().at(0), webStack().at(1), ingestStack().at(2)}
}

func readsOf(stacks []stack) []Read {
	var out []Read
	for _, s := range stacks {
		out = append(out, s.found())
	}
	return out
}

func TestThreeStacksAreGranted(t *testing.T) {
	stacks := threeStacks()
	for _, s := range stacks {
		if ps := s.spec().Validate(); len(ps) > 0 {
			t.Fatalf("fixture %s is invalid: %v", s.full, ps)
		}
	}
	d := Decide(Input{Owner: owner(), Reads: readsOf(stacks)})
	if len(d.Problems) > 0 || len(d.Warnings) > 0 {
		t.Fatalf("problems %v, warnings %v", d.Problems, d.Warnings)
	}
	// In consumerStacks order, each stack's consumers as its output lists them (by name).
	if got, want := names(d.Spec.Consumers), []string{"analytics", "batch", "web", "archive", "ingest"}; !reflect.DeepEqual(got, want) {
		t.Errorf("consumers %v, want %v", got, want)
	}
	for i, c := range d.Spec.Consumers {
		if c.Index != i {
			t.Errorf("consumer %s has Index %d, want %d", c.Name, c.Index, i)
		}
	}
	// The owner's own spec is kept, with the consumers as Consumer.Spec gives them.
	if !reflect.DeepEqual(d.Spec.Bucket, owner().Bucket) {
		t.Errorf("bucket %+v", d.Spec.Bucket)
	}
	batch := d.Spec.Consumers[1]
	wantBatch := spec.Consumer{Name: "batch", Account: spec.Account{ID: "222222222222", Region: "eu-west-1"},
		VpcID: "vpc-0b0b0b0b0b0b0b0b0", RouteTableIDs: []string{"rtb-0b0b0b0b0b0b0b0b1"},
		RoleARNs: []string{"arn:aws:iam::222222222222:role/batch"},
		Endpoint: spec.Endpoint{AdoptID: "vpce-0b0b0b0b0b0b0b0b0", Policy: spec.FullAccess},
		Access:   spec.Access{Actions: []string{"s3:GetObject"}, Prefixes: []string{"batch/"}, AllowListing: true}, Index: 1}
	if !reflect.DeepEqual(batch, wantBatch) {
		t.Errorf("batch =\n%#v\nwant\n%#v", batch, wantBatch)
	}
	if !reflect.DeepEqual(d.EndpointIDs, endpointIDs) {
		t.Errorf("endpoint IDs %v, want %v", d.EndpointIDs, endpointIDs)
	}
	wantGrants := map[string]any{}
	for _, s := range stacks {
		wantGrants[s.full] = s.output().Value()
	}
	if !reflect.DeepEqual(d.Grants, wantGrants) {
		t.Errorf("grants\n%v\nwant\n%v", d.Grants, wantGrants)
	}
	wantStatus := map[string]StackStatus{
		fullAnalytics: {Status: OK, Action: "granted", Consumers: []string{"analytics"}},
		fullWeb:       {Status: OK, Action: "granted", Consumers: []string{"batch", "web"}},
		fullIngest:    {Status: OK, Action: "granted", Consumers: []string{"archive", "ingest"}},
	}
	if !reflect.DeepEqual(d.Status, wantStatus) {
		t.Errorf("status %+v\nwant %+v", d.Status, wantStatus)
	}
}

// singleStack is the single-stack form of the same consumers: one spec with every consumer in one
// list (in another order, with their credentials and allowed buckets), and the bucket's own key
// settings.
func singleStack(o spec.Spec, stacks []stack) spec.Spec {
	s := o
	s.Consumers = nil
	for i := len(stacks) - 1; i >= 0; i-- {
		for _, c := range stacks[i].consumers {
			c.Index = len(s.Consumers)
			s.Consumers = append(s.Consumers, c)
		}
	}
	return s
}

// The property split mode rests on: the owner writes, byte for byte, the bucket policy the single
// stack writes for the same consumers and endpoints.
func TestTheOwnersBucketPolicyIsTheSingleStacksOne(t *testing.T) {
	withKey := func(s spec.Spec) spec.Spec {
		s.Bucket.Encryption = spec.Encryption{KMSKeyARN: keyARN, BucketKey: true}
		return s
	}
	kept := []map[string]any{{"Sid": "KeepAuditRead", "Effect": "Allow",
		"Principal": map[string]any{"AWS": "arn:aws:iam::999999999999:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-data/*"}}
	cases := map[string]func(spec.Spec) spec.Spec{
		"per-endpoint": func(s spec.Spec) spec.Spec { return s },
		"by-access": func(s spec.Spec) spec.Spec {
			s.BucketPolicyGrouping = spec.GroupByAccess
			return s
		},
		"by-account": func(s spec.Spec) spec.Spec {
			s.BucketPolicyGrouping = spec.GroupByAccount
			return s
		},
		"by-organization": func(s spec.Spec) spec.Spec {
			s.BucketPolicyGrouping, s.OrganizationID = spec.GroupByOrganization, "o-a1b2c3d4e5"
			return s
		},
		"with a key and kept statements": func(s spec.Spec) spec.Spec {
			s = withKey(s)
			s.ExtraBucketStatements = kept
			return s
		},
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			o := change(owner())
			stacks := threeStacks()
			for i := range stacks {
				stacks[i].bucket = o.Bucket
			}
			d := Decide(Input{Owner: o, Reads: readsOf(stacks)})
			if len(d.Problems) > 0 {
				t.Fatal(d.Problems)
			}
			single := singleStack(o, stacks)
			if ps := single.Validate(); len(ps) > 0 {
				t.Fatalf("the single-stack equivalent is invalid: %v", ps)
			}
			got := policydoc.BucketPolicy(d.Spec, d.EndpointIDs).JSON()
			want := policydoc.BucketPolicy(single, endpointIDs).JSON()
			if got != want {
				t.Errorf("owner's bucket policy differs from the single stack's:\n got %s\nwant %s", got, want)
			}
			// Every consumer and endpoint is in it (by account and by organization, none: they
			// bind each principal to its own account's endpoints, whatever IDs a stack names).
			if d.Spec.Grouping() == spec.GroupByAccount || d.Spec.Grouping() == spec.GroupByOrganization {
				return
			}
			for _, id := range endpointIDs {
				if !strings.Contains(got, id) {
					t.Errorf("endpoint %s missing from %s", id, got)
				}
			}
		})
	}
}

// A kept stack (ifMissing: keep) is granted as its last output said: the policy is unchanged.
func TestAKeptStackKeepsTheBucketPolicyAsItWas(t *testing.T) {
	stacks := threeStacks()
	previous := Decide(Input{Owner: owner(), Reads: readsOf(stacks)})
	if len(previous.Problems) > 0 {
		t.Fatal(previous.Problems)
	}
	web := stacks[1].ifMissing(spec.MissingKeep)
	reads := []Read{stacks[0].found(), web.noOutputs(), stacks[2].found()}
	d := Decide(Input{Owner: owner(), Reads: reads, Previous: previous.Grants, PreviousRead: true})
	if len(d.Problems) > 0 {
		t.Fatal(d.Problems)
	}
	got := policydoc.BucketPolicy(d.Spec, d.EndpointIDs).JSON()
	want := policydoc.BucketPolicy(previous.Spec, previous.EndpointIDs).JSON()
	if got != want {
		t.Errorf("keeping a stack changed the policy:\n got %s\nwant %s", got, want)
	}
}

func TestNoStacksGrantNothing(t *testing.T) {
	d := Decide(Input{Owner: owner()})
	if d.Spec.Consumers != nil || len(d.Problems) > 0 || len(d.Warnings) > 0 || len(d.EndpointIDs) > 0 || len(d.Grants) > 0 || len(d.Status) > 0 {
		t.Errorf("decision %+v", d)
	}
	if d.Grants == nil || d.Status == nil || d.EndpointIDs == nil {
		t.Errorf("outputs must be empty maps, not nil: %+v", d)
	}
}

// A stack that connects nothing yet is granted nothing, without a problem.
func TestAStackWithoutConsumersIsGrantedNothing(t *testing.T) {
	s := analyticsStack().at(0)
	s.consumers = nil
	d := Decide(Input{Owner: owner(), Reads: []Read{s.found()}})
	if len(d.Problems) > 0 || len(d.Spec.Consumers) != 0 {
		t.Fatalf("problems %v, consumers %v", d.Problems, d.Spec.Consumers)
	}
	if want := (StackStatus{Status: OK, Action: "granted", Consumers: []string{}}); !reflect.DeepEqual(d.Status[fullAnalytics], want) {
		t.Errorf("status %+v, want %+v", d.Status[fullAnalytics], want)
	}
	if !reflect.DeepEqual(d.Grants[fullAnalytics], s.output().Value()) {
		t.Errorf("grant %v", d.Grants[fullAnalytics])
	}
}

// Each way a found stack is refused: the problem's key names the stack's place in consumerStacks,
// its full name and the path in its output; the stack is marked failed; the others are still
// read, so that every problem is reported at once.
func TestRefusedStacks(t *testing.T) {
	failed := StackStatus{Status: Invalid, Action: "failed", Consumers: []string{}}
	cases := []struct {
		name string
		read func() Read // the stack at consumerStacks[1], between two good ones
		want spec.Problems
	}{
		{"crossAccountS3 missing", func() Read {
			r := webStack().at(1).found()
			delete(r.Outputs, OutputName)
			r.Outputs["endpointIds"] = map[string]any{}
			return r
		}, spec.Problems{{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3",
			Message: "is not among the stack's outputs (bucketArn, endpointIds); is " + fullWeb + " a consumer stack (side: consumer) of this program, deployed with it?"}}},
		{"crossAccountS3 secret", func() Read {
			r := webStack().at(1).found()
			r.SecretOutputs = []string{"consumerExternalId", OutputName}
			return r
		}, spec.Problems{{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3",
			Message: "is secret; the owner cannot show what it grants from a secret, and nothing in it is: export it in plain text (this program never makes it secret)"}}},
		{"invalid shape", func() Read {
			r := webStack().at(1).found()
			v := r.Outputs[OutputName].(map[string]any)
			v["consumers"].([]any)[1].(map[string]any)["endpointId"] = "vpce-1"
			v["bucket"].(map[string]any)["region"] = nil
			return r
		}, spec.Problems{
			{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.bucket.region", Message: "is null, not a string"},
			{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.consumers[1].endpointId", Message: `"vpce-1" is not a VPC endpoint ID (vpce-0123456789abcdef0)`}}},
		{"a newer program", func() Read {
			r := webStack().at(1).found()
			r.Outputs[OutputName].(map[string]any)["schemaVersion"] = 2.0
			return r
		}, spec.Problems{{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.schemaVersion",
			Message: "is 2: the consumer stack was deployed by a newer version of this program (this one reads version 1); update the owner stack's program first"}}},
		{"another bucket", func() Read {
			s := webStack().at(1)
			s.bucket = owner().Bucket
			s.bucket.Name = "other-data"
			return s.found()
		}, spec.Problems{{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.bucket.name",
			Message: `is "other-data" but this owner stack's bucketName is "shared-data": the consumer stack was made for another bucket (or key); set the same bucketName in both stacks, or remove it from consumerStacks`}}},
		{"another account and Region", func() Read {
			s := webStack().at(1)
			s.bucket = spec.BucketOwner{Account: spec.Account{ID: "999999999999", Region: "eu-west-2"}, Name: "shared-data"}
			return s.found()
		}, spec.Problems{
			{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.bucket.accountId",
				Message: `is "999999999999" but this owner stack's bucketAccountId is "111111111111": the consumer stack was made for another bucket (or key); set the same bucketAccountId in both stacks, or remove it from consumerStacks`},
			{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.bucket.region",
				Message: `is "eu-west-2" but this owner stack's bucketRegion is "eu-west-1": the consumer stack was made for another bucket (or key); set the same bucketRegion in both stacks, or remove it from consumerStacks`}}},
		{"a key the owner does not have", func() Read {
			s := webStack().at(1)
			s.bucket = owner().Bucket
			s.bucket.Encryption.KMSKeyARN = keyARN
			return s.found()
		}, spec.Problems{{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.bucket.kmsKeyArn",
			Message: `is "` + keyARN + `" but this owner stack's bucketKmsKeyArn is "": the consumer stack was made for another bucket (or key); set the same bucketKmsKeyArn in both stacks, or remove it from consumerStacks`}}},
		{"an account not pinned", func() Read {
			s := webStack().at(1)
			s.cs.AccountIDs = []string{"666666666666", "777777777777"}
			return s.found()
		}, spec.Problems{
			{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.consumers[0].accountId",
				Message: "222222222222 is not among the accounts the owner grants this stack (consumerStacks[1].accountIds: 666666666666, 777777777777); if the stack is right to connect it, add it there"},
			{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.consumers[1].accountId",
				Message: "222222222222 is not among the accounts the owner grants this stack (consumerStacks[1].accountIds: 666666666666, 777777777777); if the stack is right to connect it, add it there"}}},
		{"an action beyond the ceiling", func() Read {
			s := webStack().at(1)
			s.cs.Ceiling.Actions = []string{"s3:GetObject"}
			return s.found()
		}, spec.Problems{{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.consumers[1].access",
			Message: "exceeds what the owner grants this stack: action s3:PutObject is not among the actions it may be granted (s3:GetObject); add it to consumerStacks[1].actions to allow it"}}},
		{"a service the owner does not allow", func() Read {
			s := webStack().at(1)
			s.cs.Ceiling.ViaServices = []string{"athena.amazonaws.com"}
			s.consumers[1].Access.ViaServices = []string{"athena.amazonaws.com", "glue.amazonaws.com"}
			return s.found()
		}, spec.Problems{{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.consumers[0].access",
			Message: "exceeds what the owner grants this stack: it lets glue.amazonaws.com call for its roles, which consumerStacks[1].viaAwsServices does not allow (athena.amazonaws.com); add it there to allow it"}}},
		{"a service when the owner allows none", func() Read {
			s := webStack().at(1)
			s.consumers[0].Access.ViaServices = []string{"athena.amazonaws.com"}
			return s.found()
		}, spec.Problems{{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.consumers[1].access",
			Message: "exceeds what the owner grants this stack: it lets athena.amazonaws.com call for its roles, which consumerStacks[1].viaAwsServices does not allow (none); add it there to allow it"}}},
		{"a prefix not under the ceiling's", func() Read {
			s := ingestStack().at(1)
			s.cs.Ceiling.Prefixes = []string{"in/archive/", "out/"}
			s.consumers[1].Access.Prefixes = []string{"in/archive/2024/"}
			return s.found()
		}, spec.Problems{{Key: "consumerStacks[1] (" + fullIngest + "): crossAccountS3.consumers[1].access",
			Message: "exceeds what the owner grants this stack: prefix in/ingest/ is not under in/archive/, out/ (consumerStacks[1].prefixes)"}}},
		{"the whole bucket when the ceiling has prefixes", func() Read {
			s := webStack().at(1)
			s.cs.Ceiling.Prefixes = []string{"batch/"}
			return s.found()
		}, spec.Problems{{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.consumers[1].access",
			Message: "exceeds what the owner grants this stack: it asks for the whole bucket, but it may be granted only under batch/ (consumerStacks[1].prefixes)"}}},
		{"listing not allowed", func() Read {
			s := webStack().at(1)
			s.cs.Ceiling.AllowListing = false
			return s.found()
		}, spec.Problems{{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.consumers[0].access",
			Message: "exceeds what the owner grants this stack: it asks for listing (allowListing), which consumerStacks[1].allowListing does not allow"}}},
		{"everything beyond the ceiling, one reason each", func() Read {
			s := webStack().at(1)
			s.cs.Ceiling = spec.Access{Actions: []string{"s3:GetObject"}, Prefixes: []string{"web/"}}
			return s.found()
		}, spec.Problems{
			{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.consumers[0].access",
				Message: "exceeds what the owner grants this stack: prefix batch/ is not under web/ (consumerStacks[1].prefixes)"},
			{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.consumers[0].access",
				Message: "exceeds what the owner grants this stack: it asks for listing (allowListing), which consumerStacks[1].allowListing does not allow"},
			{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.consumers[1].access",
				Message: "exceeds what the owner grants this stack: action s3:PutObject is not among the actions it may be granted (s3:GetObject); add it to consumerStacks[1].actions to allow it"},
			{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.consumers[1].access",
				Message: "exceeds what the owner grants this stack: it asks for the whole bucket, but it may be granted only under web/ (consumerStacks[1].prefixes)"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.read()
			other := ingestStack().at(2)
			if r.Name == fullIngest {
				other = webStack().at(2)
			}
			d := Decide(Input{Owner: owner(), Reads: []Read{analyticsStack().at(0).found(), r, other.found()}})
			if !reflect.DeepEqual(d.Problems, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", spec.Problems(d.Problems).Report("problems"), spec.Problems(tc.want).Report("problems"))
			}
			if got := d.Status[r.Name]; !reflect.DeepEqual(got, failed) {
				t.Errorf("status %+v, want %+v", got, failed)
			}
			if _, granted := d.Grants[r.Name]; granted {
				t.Errorf("a refused stack is in the grants")
			}
			// Only the stacks around it are granted: they are still read.
			want := append([]string{"analytics"}, names(other.spec().SortedConsumers())...)
			if got := names(d.Spec.Consumers); !reflect.DeepEqual(got, want) {
				t.Errorf("granted %v, want %v", got, want)
			}
			if d.Status[fullAnalytics].Action != "granted" || d.Status[other.full].Action != "granted" {
				t.Errorf("the other stacks were not granted: %+v", d.Status)
			}
			if len(d.Warnings) > 0 {
				t.Errorf("warnings %v", d.Warnings)
			}
		})
	}
}

// The owner validates what the stacks bring together, as spec.Validate does for a consumers list;
// problems name the stack and the path in its output, never the owner's merged list.
func TestSpecProblemsAreDescribedByStack(t *testing.T) {
	cases := []struct {
		name   string
		stacks func() []stack
		want   spec.Problems
	}{
		{"a role of another account", func() []stack {
			web := webStack().at(1)
			web.consumers[0].RoleARNs = []string{"arn:aws:iam::222222222222:role/web-a", "arn:aws:iam::999999999999:role/data-bucket.reader"}
			return []stack{analyticsStack().at(0), web, ingestStack().at(2)}
		}, spec.Problems{{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.consumers[1].roleArns[1]",
			Message: "role arn:aws:iam::999999999999:role/data-bucket.reader is in account 999999999999, not in the consumer account 222222222222"}}},
		{"another Region than the bucket's", func() []stack {
			ingest := ingestStack().at(2)
			ingest.consumers[1].Account.Region = "eu-west-2"
			return []stack{analyticsStack().at(0), webStack().at(1), ingest}
		}, spec.Problems{{Key: "consumerStacks[2] (" + fullIngest + "): crossAccountS3.consumers[0].region",
			Message: "eu-west-2 differs from bucketRegion eu-west-1; an S3 gateway endpoint reaches only buckets in its own Region, so set both to eu-west-1"}}},
		{"a consumer name in two stacks", func() []stack {
			analytics := analyticsStack().at(0)
			analytics.consumers[0].Name = "web"
			return []stack{analytics, webStack().at(1)}
		}, spec.Problems{
			// The fixtures give a consumer's endpoint by its name, so the two "web" claim one
			// endpoint in two VPCs too.
			{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.consumers[1].endpointId",
				Message: "vpce-0a0a0a0a0a0a0a0a0 is also the endpoint of consumerStacks[0] (" + fullAnalytics + "): crossAccountS3.consumers[0].name in vpc-0c0c0c0c0c0c0c0c0 (account 333333333333); an endpoint belongs to one VPC"},
			{Key: "consumerStacks[1] (" + fullWeb + "): crossAccountS3.consumers[1].name",
				Message: `"web" names more than one consumer; give each consumer its own name`}}},
		{"a role under two stacks' consumers", func() []stack {
			ingest := ingestStack().at(1)
			ingest.consumers[1].RoleARNs = []string{"arn:aws:iam::555555555555:role/archive", "arn:aws:iam::444444444444:role/ingest"}
			return []stack{analyticsStack().at(0), ingest}
		}, spec.Problems{
			{Key: "consumerStacks[1] (" + fullIngest + "): crossAccountS3.consumers[0].roleArns[0]",
				Message: "role arn:aws:iam::444444444444:role/ingest is in account 444444444444, not in the consumer account 555555555555"},
			{Key: "consumerStacks[1] (" + fullIngest + "): crossAccountS3.consumers[1].roleArns",
				Message: `arn:aws:iam::444444444444:role/ingest is also a role of consumer "archive"; list each role under one consumer`}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(Input{Owner: owner(), Reads: readsOf(tc.stacks())})
			if !reflect.DeepEqual(d.Problems, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", spec.Problems(d.Problems).Report("problems"), spec.Problems(tc.want).Report("problems"))
			}
		})
	}
}

// One VPC has one endpoint: two stacks cannot both bring it.
func TestTheSameVPCInTwoStacks(t *testing.T) {
	analytics := analyticsStack().at(0)
	ingest := ingestStack().at(2)
	ingest.consumers[1].VpcID = "vpc-0c0c0c0c0c0c0c0c0"
	d := Decide(Input{Owner: owner(), Reads: []Read{analytics.found(), webStack().at(1).found(), ingest.found()}})
	want := spec.Problems{
		// spec.Validate finds it, as it would in one stack's list: an account belongs to one
		// consumer stack (ValidateConsumerStacks), so the same VPC in two stacks is the VPC of two
		// accounts.
		{Key: "consumerStacks[2] (" + fullIngest + "): crossAccountS3.consumers[0].vpcId",
			Message: `vpc-0c0c0c0c0c0c0c0c0 is also the VPC of consumer "analytics" in account 333333333333; a VPC belongs to one account (its owner, which creates the endpoint), so correct the VPC ID or the account ID`},
	}
	if !reflect.DeepEqual(d.Problems, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", spec.Problems(d.Problems).Report("problems"), spec.Problems(want).Report("problems"))
	}
}

// RewritePaths rewrites the merged spec's paths into the stacks' and the owner's keys, in keys and in
// messages, and leaves paths already under crossAccountS3 and ARNs alone.
func TestRewritePaths(t *testing.T) {
	d := Decide(Input{Owner: owner(), Reads: readsOf(threeStacks())})
	for in, want := range map[string]string{
		"consumers[0].vpcId":                                     "consumerStacks[0] (" + fullAnalytics + "): crossAccountS3.consumers[0].vpcId",
		"consumers[2].roleArns[1]":                               "consumerStacks[1] (" + fullWeb + "): crossAccountS3.consumers[1].roleArns[1]",
		"consumers[4].actions":                                   "consumerStacks[2] (" + fullIngest + "): crossAccountS3.consumers[1].actions",
		"consumers[5].vpcId":                                     "consumers[5].vpcId",
		"bucket.region":                                          "bucketRegion",
		"differs from bucket.region":                             "differs from bucketRegion",
		"see (consumers[3].name)":                                "see (consumerStacks[2] (" + fullIngest + "): crossAccountS3.consumers[0].name)",
		"crossAccountS3.consumers[0].vpcId: x":                   "crossAccountS3.consumers[0].vpcId: x",
		"role arn:aws:iam::222222222222:role/data-bucket.reader": "role arn:aws:iam::222222222222:role/data-bucket.reader",
		"role arn:aws:iam::222222222222:role/x/bucket.reader":    "role arn:aws:iam::222222222222:role/x/bucket.reader",
	} {
		if got := d.RewritePaths(in); got != want {
			t.Errorf("RewritePaths(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

// ifMissing decides about a stack that is not found or has no outputs.
func TestMissingStacks(t *testing.T) {
	web := webStack().at(1)
	previous := map[string]any{fullWeb: web.output().Value(), fullAnalytics: analyticsStack().output().Value()}
	notFound := "not found (no stack named '" + fullWeb + "' found)"
	noOutputs := "no outputs (created but never deployed, or destroyed)"
	webSummary := "consumers batch, web; 3 roles; endpoints vpce-0a0a0a0a0a0a0a0a0, vpce-0b0b0b0b0b0b0b0b0"
	cases := []struct {
		name      string
		read      Read
		previous  map[string]any
		noRecord  bool     // the owner's own outputs hold no consumerStackGrants (first update, or after a move)
		consumers []string // granted, all stacks
		status    StackStatus
		grant     bool
		warnings  []string
		problems  spec.Problems
	}{
		{name: "fail, not found", read: web.notFound(), previous: previous,
			consumers: []string{"analytics", "archive", "ingest"},
			status:    StackStatus{Status: NotFound, Action: "failed", Consumers: []string{}},
			problems: spec.Problems{{Key: "consumerStacks[1] (" + fullWeb + "): stack",
				Message: notFound + ". Deploy it first (pulumi up --stack consumer-222222222222); or remove it from consumerStacks, which drops its grants; " +
					"or set ifMissing: keep (grant what the owner's last update granted it) or ifMissing: drop (grant it nothing) on it"}}},
		{name: "fail, no outputs", read: web.noOutputs(),
			consumers: []string{"analytics", "archive", "ingest"},
			status:    StackStatus{Status: NoOutputs, Action: "failed", Consumers: []string{}},
			problems: spec.Problems{{Key: "consumerStacks[1] (" + fullWeb + "): stack",
				Message: noOutputs + ". Deploy it first (pulumi up --stack consumer-222222222222); or remove it from consumerStacks, which drops its grants; " +
					"or set ifMissing: keep (grant what the owner's last update granted it) or ifMissing: drop (grant it nothing) on it"}}},
		{name: "keep, with a previous grant", read: web.ifMissing(spec.MissingKeep).noOutputs(), previous: previous,
			consumers: []string{"analytics", "batch", "web", "archive", "ingest"},
			status:    StackStatus{Status: NoOutputs, Action: "kept", Consumers: []string{"batch", "web"}}, grant: true,
			warnings: []string{"consumer stack " + fullWeb + ": " + noOutputs + "; kept the grants of the owner's last update (" + webSummary + "), as ifMissing: keep says"}},
		{name: "keep, without a previous grant", read: web.ifMissing(spec.MissingKeep).notFound(),
			previous:  map[string]any{fullAnalytics: analyticsStack().output().Value()},
			consumers: []string{"analytics", "archive", "ingest"},
			status:    StackStatus{Status: NotFound, Action: "pending", Consumers: []string{}},
			warnings: []string{"consumer stack " + fullWeb + ": " + notFound + "; ifMissing is keep, but the owner never granted it (no entry in its output consumerStackGrants), " +
				"so it is granted nothing until it is deployed"}},
		// Without the owner's record, granting nothing might drop what an earlier owner (a single
		// stack before a move) granted: keep stops instead.
		{name: "keep, before the owner's first update", read: web.ifMissing(spec.MissingKeep).notFound(), noRecord: true,
			consumers: []string{"analytics", "archive", "ingest"},
			status:    StackStatus{Status: NotFound, Action: "failed", Consumers: []string{}},
			problems: spec.Problems{{Key: "consumerStacks[1] (" + fullWeb + "): ifMissing",
				Message: "is keep, but the owner stack has no record of what it granted (its output consumerStackGrants from an earlier update), so there is nothing to keep: " +
					notFound + ". Deploy the consumer stack first, or set ifMissing: drop for it if granting it nothing is right"}}},
		{name: "drop, before the owner's first update", read: web.ifMissing(spec.MissingDrop).notFound(), noRecord: true,
			consumers: []string{"analytics", "archive", "ingest"},
			status:    StackStatus{Status: NotFound, Action: "dropped", Consumers: []string{}},
			warnings:  []string{"consumer stack " + fullWeb + ": " + notFound + "; granted nothing, as ifMissing: drop says (the owner has no record of its earlier grants)"}},
		{name: "drop, the previous grant unreadable", read: web.ifMissing(spec.MissingDrop).notFound(), previous: map[string]any{fullWeb: "garbage"},
			consumers: []string{"analytics", "archive", "ingest"},
			status:    StackStatus{Status: NotFound, Action: "dropped", Consumers: []string{}},
			warnings:  []string{"consumer stack " + fullWeb + ": " + notFound + "; granted nothing, as ifMissing: drop says (its grant in the owner's last update cannot be read, so what it drops is not known)"}},
		{name: "keep, the previous grant now beyond the ceiling", read: func() Read {
			s := web.ifMissing(spec.MissingKeep)
			s.cs.Ceiling.Actions = []string{"s3:GetObject"}
			s.cs.Ceiling.AllowListing = false
			return s.noOutputs()
		}(), previous: previous,
			consumers: []string{"analytics", "archive", "ingest"},
			status:    StackStatus{Status: NoOutputs, Action: "failed", Consumers: []string{}},
			problems: spec.Problems{
				{Key: "consumerStacks[1] (" + fullWeb + "): kept grant: crossAccountS3.consumers[0].access",
					Message: "exceeds what the owner grants this stack: it asks for listing (allowListing), which consumerStacks[1].allowListing does not allow"},
				{Key: "consumerStacks[1] (" + fullWeb + "): kept grant: crossAccountS3.consumers[1].access",
					Message: "exceeds what the owner grants this stack: action s3:PutObject is not among the actions it may be granted (s3:GetObject); add it to consumerStacks[1].actions to allow it"}}},
		{name: "keep, the previous grant of an account no longer pinned", read: func() Read {
			s := web.ifMissing(spec.MissingKeep)
			s.cs.AccountIDs = []string{"666666666666"}
			return s.notFound()
		}(), previous: previous,
			consumers: []string{"analytics", "archive", "ingest"},
			status:    StackStatus{Status: NotFound, Action: "failed", Consumers: []string{}},
			problems: spec.Problems{
				{Key: "consumerStacks[1] (" + fullWeb + "): kept grant: crossAccountS3.consumers[0].accountId",
					Message: "222222222222 is not among the accounts the owner grants this stack (consumerStacks[1].accountIds: 666666666666); if the stack is right to connect it, add it there"},
				{Key: "consumerStacks[1] (" + fullWeb + "): kept grant: crossAccountS3.consumers[1].accountId",
					Message: "222222222222 is not among the accounts the owner grants this stack (consumerStacks[1].accountIds: 666666666666); if the stack is right to connect it, add it there"}}},
		{name: "keep, the previous grant unreadable", read: web.ifMissing(spec.MissingKeep).noOutputs(),
			previous:  map[string]any{fullWeb: "garbage"},
			consumers: []string{"analytics", "archive", "ingest"},
			status:    StackStatus{Status: NoOutputs, Action: "failed", Consumers: []string{}},
			problems: spec.Problems{{Key: "consumerStacks[1] (" + fullWeb + "): kept grant (consumerStackGrants): crossAccountS3",
				Message: `is the string "garbage", not an object with the fields schemaVersion, bucket, consumers`}}},
		{name: "drop, with a previous grant", read: web.ifMissing(spec.MissingDrop).notFound(), previous: previous,
			consumers: []string{"analytics", "archive", "ingest"},
			status:    StackStatus{Status: NotFound, Action: "dropped", Consumers: []string{}},
			warnings:  []string{"consumer stack " + fullWeb + ": " + notFound + "; granted nothing, as ifMissing: drop says (drops " + webSummary + ")"}},
		{name: "drop, without a previous grant", read: web.ifMissing(spec.MissingDrop).noOutputs(),
			consumers: []string{"analytics", "archive", "ingest"},
			status:    StackStatus{Status: NoOutputs, Action: "dropped", Consumers: []string{}},
			warnings:  []string{"consumer stack " + fullWeb + ": " + noOutputs + "; granted nothing, as ifMissing: drop says (it had no grant from the owner's last update)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reads := []Read{analyticsStack().at(0).found(), tc.read, ingestStack().at(2).found()}
			d := Decide(Input{Owner: owner(), Reads: reads, Previous: tc.previous, PreviousRead: !tc.noRecord})
			if !reflect.DeepEqual(d.Problems, tc.problems) {
				t.Errorf("problems:\n%s\nwant:\n%s", spec.Problems(d.Problems).Report("problems"), spec.Problems(tc.problems).Report("problems"))
			}
			if !reflect.DeepEqual(d.Warnings, tc.warnings) {
				t.Errorf("warnings:\n%q\nwant:\n%q", d.Warnings, tc.warnings)
			}
			if got := names(d.Spec.Consumers); !reflect.DeepEqual(got, tc.consumers) {
				t.Errorf("granted %v, want %v", got, tc.consumers)
			}
			if got := d.Status[fullWeb]; !reflect.DeepEqual(got, tc.status) {
				t.Errorf("status %+v, want %+v", got, tc.status)
			}
			grant, granted := d.Grants[fullWeb]
			if granted != tc.grant {
				t.Errorf("in the grants: %v, want %v", granted, tc.grant)
			}
			// A kept grant is exported again, as it was, so that the next update can keep it too.
			if tc.grant && !reflect.DeepEqual(grant, tc.previous[fullWeb]) {
				t.Errorf("kept grant re-exported as\n%v\nwant\n%v", grant, tc.previous[fullWeb])
			}
			if tc.grant {
				if d.EndpointIDs["web"] != endpointIDs["web"] || d.EndpointIDs["batch"] != endpointIDs["batch"] {
					t.Errorf("kept endpoints %v", d.EndpointIDs)
				}
			}
			for _, other := range []string{fullAnalytics, fullIngest} {
				if d.Status[other].Action != "granted" {
					t.Errorf("%s: %+v", other, d.Status[other])
				}
			}
		})
	}
}

// The summary of a kept grant says one role and one endpoint in the singular.
func TestAKeptGrantOfOneConsumer(t *testing.T) {
	analytics := analyticsStack().at(0).ifMissing(spec.MissingKeep)
	d := Decide(Input{Owner: owner(), Reads: []Read{analytics.notFound()},
		Previous: map[string]any{fullAnalytics: analytics.output().Value()}, PreviousRead: true})
	want := []string{"consumer stack " + fullAnalytics + ": not found (no stack named '" + fullAnalytics + "' found); " +
		"kept the grants of the owner's last update (consumers analytics; 1 role; endpoint vpce-0c0c0c0c0c0c0c0c0), as ifMissing: keep says"}
	if !reflect.DeepEqual(d.Warnings, want) || len(d.Problems) > 0 {
		t.Errorf("warnings %q\nwant %q\nproblems %v", d.Warnings, want, d.Problems)
	}
}

// A kept stack's consumers are validated with the others and described by its stack.
func TestAKeptGrantIsValidatedWithTheOthers(t *testing.T) {
	web := webStack().at(1).ifMissing(spec.MissingKeep)
	analytics := analyticsStack().at(0)
	analytics.consumers[0].RoleARNs = []string{"arn:aws:iam::333333333333:role/analytics", "arn:aws:iam::333333333333:role/analytics"}
	d := Decide(Input{Owner: owner(), Reads: []Read{analytics.found(), web.notFound()},
		Previous: map[string]any{fullWeb: web.output().Value()}, PreviousRead: true})
	want := spec.Problems{{Key: "consumerStacks[0] (" + fullAnalytics + "): crossAccountS3.consumers[0].roleArns",
		Message: "lists arn:aws:iam::333333333333:role/analytics more than once"}}
	if !reflect.DeepEqual(d.Problems, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", spec.Problems(d.Problems).Report("problems"), spec.Problems(want).Report("problems"))
	}
	if got := d.RewritePaths("consumers[2].vpcId"); got != "consumerStacks[1] ("+fullWeb+"): crossAccountS3.consumers[1].vpcId" {
		t.Errorf("a kept consumer is described as %q", got)
	}
}

// Every problem of every stack is reported at once, each under its stack.
func TestEveryStacksProblemsAtOnce(t *testing.T) {
	analytics := analyticsStack().at(0)
	analytics.cs.Ceiling.Actions = []string{"s3:GetObject"}
	ingest := ingestStack().at(2)
	ingest.consumers[0].RouteTableIDs = []string{"rtb-x"}
	d := Decide(Input{Owner: owner(), Reads: []Read{analytics.found(), webStack().at(1).notFound(), ingest.found()}})
	var keys []string
	for _, p := range d.Problems {
		keys = append(keys, p.Key)
	}
	want := []string{
		"consumerStacks[0] (" + fullAnalytics + "): crossAccountS3.consumers[0].access",
		"consumerStacks[1] (" + fullWeb + "): stack",
		"consumerStacks[2] (" + fullIngest + "): crossAccountS3.consumers[1].routeTableIds[0]",
	}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("problems by key:\n%s\nwant %q", spec.Problems(d.Problems).Report("problems"), want)
	}
}

// One stack named twice, in two spellings that resolve to the same full name, is refused at the
// second item (config cannot see it: only the program knows the organization and project).
func TestOneStackListedTwice(t *testing.T) {
	first := analyticsStack().at(0)
	again := analyticsStack().at(1)
	again.cs.Stack = "cross-account-s3/consumer-333333333333"
	d := Decide(Input{Owner: owner(), Reads: []Read{first.found(), again.found()}})
	want := spec.Problems{{Key: "consumerStacks[1].stack",
		Message: "cross-account-s3/consumer-333333333333 names stack " + fullAnalytics + ", as consumerStacks[0].stack (consumer-333333333333) does; list each consumer stack once"}}
	if !reflect.DeepEqual(d.Problems, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", spec.Problems(d.Problems).Report("problems"), spec.Problems(want).Report("problems"))
	}
}

// Endpoint IDs are the consumer stacks' word (the bucket account cannot read another account's
// endpoints); claims that cannot be true together are refused: one endpoint in two VPCs, two
// endpoints for one VPC. A pinned VPC list refuses any other VPC.
func TestEndpointClaimsThatCannotBeTrue(t *testing.T) {
	web := webStack().at(0)
	analytics := analyticsStack().at(1)
	stolen := analytics.output()
	stolen.Consumers[0].EndpointID = "vpce-0a0a0a0a0a0a0a0a0" // web's, in another account's VPC
	read := analytics.found()
	read.Outputs[OutputName] = stolen.Value()
	d := Decide(Input{Owner: owner(), Reads: []Read{web.found(), read}})
	want := spec.Problems{{Key: "consumerStacks[1] (" + fullAnalytics + "): crossAccountS3.consumers[0].endpointId",
		Message: "vpce-0a0a0a0a0a0a0a0a0 is also the endpoint of consumerStacks[0] (" + fullWeb + "): crossAccountS3.consumers[1].name in vpc-0a0a0a0a0a0a0a0a0 (account 222222222222); an endpoint belongs to one VPC"}}
	if !reflect.DeepEqual(d.Problems, want) {
		t.Errorf("one endpoint in two VPCs:\n%s\nwant:\n%s", spec.Problems(d.Problems).Report("problems"), spec.Problems(want).Report("problems"))
	}

	split := web.output()
	for i := range split.Consumers {
		if split.Consumers[i].Name == "web" {
			split.Consumers = append(split.Consumers, split.Consumers[i])
			split.Consumers[len(split.Consumers)-1].Name = "web-2"
			split.Consumers[len(split.Consumers)-1].RoleARNs = []string{"arn:aws:iam::222222222222:role/web-c"}
			split.Consumers[len(split.Consumers)-1].EndpointID = "vpce-0f0f0f0f0f0f0f0f0"
		}
	}
	read = web.found()
	read.Outputs[OutputName] = split.Value()
	d = Decide(Input{Owner: owner(), Reads: []Read{read}})
	want = spec.Problems{{Key: "consumerStacks[0] (" + fullWeb + "): crossAccountS3.consumers[2].endpointId",
		Message: "vpce-0f0f0f0f0f0f0f0f0 differs from vpce-0a0a0a0a0a0a0a0a0, the endpoint of consumerStacks[0] (" + fullWeb + "): crossAccountS3.consumers[1].name in the same VPC vpc-0a0a0a0a0a0a0a0a0; a VPC's consumers share its one S3 gateway endpoint"}}
	if !reflect.DeepEqual(d.Problems, want) {
		t.Errorf("two endpoints for one VPC:\n%s\nwant:\n%s", spec.Problems(d.Problems).Report("problems"), spec.Problems(want).Report("problems"))
	}

	pinned := analyticsStack().at(0)
	pinned.cs.VpcIDs = []string{"vpc-0d0d0d0d0d0d0d0d0"}
	d = Decide(Input{Owner: owner(), Reads: []Read{pinned.found()}})
	want = spec.Problems{{Key: "consumerStacks[0] (" + fullAnalytics + "): crossAccountS3.consumers[0].vpcId",
		Message: "vpc-0c0c0c0c0c0c0c0c0 is not among the VPCs the owner grants this stack (consumerStacks[0].vpcIds: vpc-0d0d0d0d0d0d0d0d0); if the stack is right to connect it, add it there"}}
	if !reflect.DeepEqual(d.Problems, want) {
		t.Errorf("a VPC not pinned:\n%s\nwant:\n%s", spec.Problems(d.Problems).Report("problems"), spec.Problems(want).Report("problems"))
	}
}
