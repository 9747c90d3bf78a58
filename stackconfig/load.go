package stackconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"cross-account-s3/policydoc"
	"cross-account-s3/spec"
)

// Source gives the raw config values of the project namespace, by bare key ("vpcId"). Arrays and
// objects arrive JSON-encoded, as Pulumi hands them to programs.
type Source interface {
	Get(key string) (value string, ok bool)
	IsSecret(key string) bool
	// Keys lists every project key the stack sets, or nil when the source cannot tell.
	Keys() []string
}

// MapSource is a Source over plain maps.
type MapSource struct {
	Values  map[string]string
	Secrets map[string]bool
	// Nested are the encrypted values inside keys, as the stack file holds them (NestedSecrets);
	// nil when the source cannot tell, and a secret key is then judged as a whole.
	Nested NestedSecrets
}

// Get implements Source.
func (m MapSource) Get(key string) (string, bool) { v, ok := m.Values[key]; return v, ok }

// IsSecret implements Source.
func (m MapSource) IsSecret(key string) bool { return m.Secrets[key] }

// Keys implements Source.
func (m MapSource) Keys() []string {
	keys := make([]string, 0, len(m.Values))
	for k := range m.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Settings are the keys of preflight and of the resources' lifecycle (docs/preflight.md): how
// the program deploys the spec, not what it deploys.
type Settings struct {
	// Preflight reads the live accounts before writing (preflight).
	Preflight bool
	// DropForeign is dropForeignBucketPolicyStatements.
	DropForeign bool
	// ProtectBucketPolicy, ProtectEndpoints and ReleaseBucketPolicy are the keys of those names.
	ProtectBucketPolicy, ProtectEndpoints, ReleaseBucketPolicy bool
	// ListForm says the stack lists its consumers under consumers.
	ListForm bool
	// Side is which accounts' resources the stack holds (side).
	Side spec.Side
	// ConsumerStacks are an owner stack's consumer stacks (consumerStacks).
	ConsumerStacks []spec.ConsumerStack
}

// Load reads the whole configuration, the spec and the settings, and validates the spec it
// describes: the keys and their shapes, the spec itself, and the documents built from it (kept
// statements, AWS's size limits). It is the one validation of a stack's config, and returns every
// problem at once, ordered by key as Keys lists them; the spec is only usable when there are none.
func Load(src Source) (spec.Spec, Settings, spec.Problems) {
	r := &reader{src: src, nested: nestedSecrets(src)}
	r.checkKeys()
	side := r.side()
	r.checkScope(side)
	s := spec.Spec{
		Bucket: spec.BucketOwner{
			Account: r.account(KeyBucketAccountID, KeyBucketRegion, KeyBucketProfile, KeyBucketAssumeRoleARN, KeyBucketExternalID, KeyBucketSessionName),
			Name:    r.str(KeyBucketName),
			Encryption: spec.Encryption{
				KMSKeyARN: r.str(KeyBucketKMSKeyARN),
				BucketKey: r.boolean(KeyBucketKeyEnabled),
			},
		},
		Tags:                  r.tags(),
		ExtraBucketStatements: r.statements(),
		BucketPolicyGrouping:  spec.BucketPolicyGrouping(r.str(KeyBucketPolicyGrouping)),
		OrganizationID:        r.str(KeyOrganizationID),
	}
	var stacks []spec.ConsumerStack
	switch raw, listForm := src.Get(KeyConsumers); {
	case side == spec.SideOwner:
		stacks = r.consumerStacks()
	case listForm:
		s.Consumers = r.consumerList(raw, s.Bucket.Account.Region)
	default:
		s.Consumers = []spec.Consumer{r.flatConsumer()}
	}
	_, listForm := src.Get(KeyConsumers)
	set := Settings{
		Side:                side,
		ConsumerStacks:      stacks,
		Preflight:           r.boolean(KeyPreflight),
		DropForeign:         r.boolean(KeyDropForeignStatements),
		ProtectBucketPolicy: r.boolean(KeyProtectBucketPolicy),
		ProtectEndpoints:    r.boolean(KeyProtectEndpoints),
		ReleaseBucketPolicy: r.boolean(KeyReleaseBucketPolicy),
		ListForm:            listForm,
	}
	if set.ReleaseBucketPolicy && set.ProtectBucketPolicy {
		r.fail(KeyReleaseBucketPolicy, "is true while protectBucketPolicy is true too; releasing is the step before pulumi destroy, which a protected bucket policy refuses: set protectBucketPolicy to false (or releaseBucketPolicy to false to keep the stack)")
	}
	validated := NamesOf(src).Problems(append(validate(s, set), check(s, set)...))
	if side == spec.SideOwner {
		validated = append(r.ownerDefaults(), validated...)
	}
	return s, set, merge(r.problems, validated).InKeyOrder(AllKeys)
}

// validate is spec.Validate, or for an owner stack the checks of what it configures itself: its
// consumers are validated when the consumer stacks are read (splitstacks.Decide).
func validate(s spec.Spec, set Settings) spec.Problems {
	if set.Side != spec.SideOwner {
		return s.Validate()
	}
	return append(s.ValidateOwnerSide(), spec.ValidateConsumerStacks(s.Bucket, set.ConsumerStacks)...)
}

// check is policydoc.Check, or for an owner stack, whose consumers are known only once its
// consumer stacks are read, policydoc.CheckOwner with every account its consumerStacks may grant:
// a kept statement may admit those (the perimeter will bind the ones granted; the program checks
// again with them) and no other.
func check(s spec.Spec, set Settings) spec.Problems {
	if set.Side != spec.SideOwner {
		return policydoc.Check(s)
	}
	var accounts []string
	for _, cs := range set.ConsumerStacks {
		accounts = append(accounts, cs.AccountIDs...)
	}
	return policydoc.CheckOwner(s, accounts)
}

// side reads the side key; an unknown value is reported and read as both, so that the rest of
// the stack is still checked.
func (r *reader) side() spec.Side {
	v := r.str(KeySide)
	for _, side := range spec.Sides {
		if v == string(side) {
			return side
		}
	}
	r.fail(KeySide, "%q is not a side; use both (one stack for every account), consumer (consumer accounts only) or owner (the bucket owner only)", v)
	return spec.SideBoth
}

// merge keeps the reader's problems, once each (a top-level default is read for every consumers
// item), and adds the spec's, except for keys the reader already reported (a missing key would
// otherwise be reported twice).
func merge(read, validated spec.Problems) spec.Problems {
	reported := map[string]bool{}
	seen := map[spec.Problem]bool{}
	var out spec.Problems
	for _, p := range read {
		reported[p.Key] = true
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range validated {
		// A top-level default that several consumers inherit is reported once.
		if !reported[baseKey(p.Key)] && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

var trailingIndex = regexp.MustCompile(`\[\d+\]$`)

// baseKey strips a trailing index: "routeTableIds[0]" -> "routeTableIds", and
// "consumers[1].routeTableIds[0]" -> "consumers[1].routeTableIds".
func baseKey(key string) string {
	return trailingIndex.ReplaceAllString(key, "")
}

type reader struct {
	src      Source
	nested   NestedSecrets
	problems spec.Problems
}

// secretAt says whether the value at path inside key is stored encrypted, and whether the source
// can tell (NestedSecrets); when it cannot, only the whole key's secrecy is known.
func (r *reader) secretAt(key, path string) (secret, known bool) {
	paths, ok := r.nested[key]
	if !ok {
		return false, false
	}
	return paths[path] || paths[key], true
}

func (r *reader) fail(key, format string, args ...any) {
	r.problems = append(r.problems, spec.Problem{Key: key, Message: fmt.Sprintf(format, args...)})
}

func (r *reader) raw(key string) (string, bool) {
	if v, ok := r.src.Get(key); ok {
		return v, true
	}
	if k, ok := Lookup(key); ok && k.Need != Optional {
		r.fail(key, "is required; set it with: pulumi config set %s %s", key, k.Example)
		return "", false
	}
	v, ok := Defaults[key]
	return v, ok
}

func (r *reader) str(key string) string {
	v, _ := r.raw(key)
	return v
}

func (r *reader) list(key string) []string {
	v, ok := r.raw(key)
	if !ok || v == "" {
		return nil
	}
	var out []string
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		r.fail(key, "must be a list of strings, e.g. pulumi config set --path '%s[0]' VALUE, or in the stack file a YAML list", key)
		return nil
	}
	return out
}

// prefixes reads KeyPrefixes; a set but empty list is refused, since unset is what shares the
// whole bucket and an empty list reads as "nothing".
func (r *reader) prefixes() []string {
	prefixes := r.list(KeyPrefixes)
	if v, set := r.src.Get(KeyPrefixes); set && prefixes != nil && len(prefixes) == 0 {
		r.fail(KeyPrefixes, "is an empty list; remove the key to share the whole bucket, or list prefixes such as [reports/] (%s)", v)
	}
	return prefixes
}

func (r *reader) boolean(key string) bool {
	v, _ := r.raw(key)
	switch v {
	case "true":
		return true
	case "false", "":
		return false
	}
	r.fail(key, "%q is not a boolean; use true or false", v)
	return false
}

// flatConsumer reads the single consumer of the flat form.
func (r *reader) flatConsumer() spec.Consumer {
	return spec.Consumer{
		Name:          r.str(KeyConsumerName),
		Account:       r.account(KeyConsumerAccountID, KeyConsumerRegion, KeyConsumerProfile, KeyConsumerAssumeRoleARN, KeyConsumerExternalID, KeyConsumerSessionName),
		VpcID:         r.str(KeyVpcID),
		RouteTableIDs: r.list(KeyRouteTableIDs),
		RoleARNs:      r.list(KeyConsumerRoleARNs),
		Endpoint: spec.Endpoint{
			AdoptID:        r.str(KeyAdoptEndpointID),
			Policy:         spec.EndpointPolicyMode(r.str(KeyEndpointPolicy)),
			AllowedBuckets: r.allowedBuckets(),
		},
		Access: spec.Access{
			Actions:      r.list(KeyActions),
			Prefixes:     r.prefixes(),
			AllowListing: r.boolean(KeyAllowListing),
			ViaServices:  r.list(KeyViaAwsServices),
		},
		ManageRolePolicy: r.boolean(KeyManageRolePolicy),
	}
}

func (r *reader) account(id, region, profile, roleARN, externalID, sessionName string) spec.Account {
	if _, set := r.src.Get(externalID); set && !r.src.IsSecret(externalID) {
		r.fail(externalID, "is stored in plain text; store it encrypted with: pulumi config set --secret %s VALUE", externalID)
	}
	return spec.Account{
		ID:     r.str(id),
		Region: r.str(region),
		Credentials: spec.Credentials{
			Profile:       r.str(profile),
			AssumeRoleARN: r.str(roleARN),
			ExternalID:    r.str(externalID),
			SessionName:   r.str(sessionName),
		},
	}
}

func (r *reader) tags() map[string]string {
	v, ok := r.raw(KeyTags)
	if !ok || v == "" {
		return nil
	}
	var tags map[string]string
	if err := json.Unmarshal([]byte(v), &tags); err != nil {
		r.fail(KeyTags, "must be a map of string keys to string values, e.g. in the stack file:  tags: {team: platform}")
		return nil
	}
	return tags
}

func (r *reader) statements() []map[string]any {
	v, ok := r.raw(KeyExtraBucketStatements)
	if !ok || strings.TrimSpace(v) == "" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(v)))
	dec.UseNumber()
	var out []map[string]any
	if err := dec.Decode(&out); err != nil {
		r.fail(KeyExtraBucketStatements, "is not a JSON array of policy statements (%v); e.g. '[{\"Sid\":\"KeepAuditRead\",\"Effect\":\"Allow\",...}]'", err)
		return nil
	}
	return out
}

// checkKeys catches typos: an unknown key would otherwise be ignored silently. A consumers-item
// field written at the top level (roleArns) is pointed at both places it could go: the
// single-consumer key (consumerRoleArns) and the field inside a consumers item.
func (r *reader) checkKeys() {
	known := map[string]bool{}
	byLower := map[string]string{}
	itemField := map[string]Key{}
	for _, k := range Keys {
		known[k.Name] = true
		byLower[strings.ToLower(k.Name)] = k.Name
		if k.ItemField != "" && k.ItemField != k.Name {
			itemField[strings.ToLower(k.ItemField)] = k
		}
	}
	for _, k := range r.src.Keys() {
		if known[k] {
			continue
		}
		if match, ok := byLower[strings.ToLower(k)]; ok {
			r.fail(k, "is not a key of this project; did you mean %s?", match)
		} else if flat, ok := itemField[strings.ToLower(k)]; ok {
			r.fail(k, "is not a key of this project; did you mean %s, or %s inside a %s item?", flat.Name, flat.ItemField, KeyConsumers)
		} else {
			r.fail(k, "is not a key of this project; Pulumi.yaml lists the keys it reads")
		}
	}
}
