package stackconfig

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"cross-account-s3/spec"
)

// Fields of one consumers item, from Keys. Access and endpoint fields default to the top-level keys
// of the same name; region defaults to bucketRegion.
var itemFields = func() []string {
	var out []string
	for _, k := range Keys {
		if k.ItemField != "" {
			out = append(out, k.ItemField)
		}
	}
	return out
}()

var requiredItemFields = []string{"name", "accountId", "roleArns", "vpcId", "routeTableIds"}

// flatConsumerKeys describe the one consumer of the flat form; they cannot be mixed with the list.
var flatConsumerKeys = func() []string {
	var out []string
	for _, k := range Keys {
		if k.FlatOnly {
			out = append(out, k.Name)
		}
	}
	return out
}()

// consumerList reads the list form.
func (r *reader) consumerList(raw, bucketRegion string) []spec.Consumer {
	for _, k := range flatConsumerKeys {
		// The CLI fills in Pulumi.yaml's defaults (consumerName), so a default value is not a mix.
		if v, set := r.src.Get(k); set && v != Defaults[k] {
			r.fail(k, "is set together with %s; move it into each consumers item, or remove %s to use the single-consumer keys", KeyConsumers, KeyConsumers)
		}
	}
	var items []map[string]any
	if err := json.Unmarshal([]byte(raw), &items); err != nil || len(items) == 0 {
		r.fail(KeyConsumers, "must be a non-empty list of objects, e.g. in the stack file:  consumers: [{name: analytics, accountId: \"222222222222\", roleArns: [...], vpcId: vpc-..., routeTableIds: [...]}]")
		return nil
	}
	consumers := make([]spec.Consumer, 0, len(items))
	for i, item := range items {
		it := itemReader{r: r, item: item, index: i, prefix: fmt.Sprintf("%s[%d].", KeyConsumers, i)}
		consumers = append(consumers, it.consumer(bucketRegion))
	}
	return consumers
}

// itemReader reads one consumers item, falling back to the top-level keys.
type itemReader struct {
	r      *reader
	item   map[string]any
	index  int
	prefix string
}

func (it itemReader) consumer(bucketRegion string) spec.Consumer {
	it.checkFields()
	region := it.str("region")
	if region == "" {
		region = bucketRegion
	}
	c := spec.Consumer{
		Name: it.str("name"),
		Account: spec.Account{ID: it.str("accountId"), Region: region, Credentials: spec.Credentials{
			Profile: it.str("profile"), AssumeRoleARN: it.str("assumeRoleArn"),
			ExternalID: it.str("externalId"), SessionName: it.str("sessionName"),
		}},
		VpcID:         it.str("vpcId"),
		RouteTableIDs: it.list("routeTableIds", ""),
		RoleARNs:      it.list("roleArns", ""),
		Endpoint: spec.Endpoint{
			AdoptID:        it.str("adoptEndpointId"),
			Policy:         spec.EndpointPolicyMode(it.strOr("endpointPolicy", KeyEndpointPolicy)),
			AllowedBuckets: it.allowedBuckets(),
		},
		Access: spec.Access{
			Actions:      it.list("actions", KeyActions),
			Prefixes:     it.prefixes(),
			AllowListing: it.boolean("allowListing", KeyAllowListing),
			ViaServices:  it.list("viaAwsServices", KeyViaAwsServices),
		},
		ManageRolePolicy: it.boolean("manageRolePolicy", KeyManageRolePolicy),
		Index:            it.index,
	}
	if c.Account.Credentials.ExternalID != "" {
		it.checkSecret("externalId")
	}
	return c
}

// checkSecret refuses a field of the item that is stored in plain text. Each value of a list is
// encrypted on its own (pulumi config set --secret --path), and Pulumi calls the whole consumers
// key secret as soon as one of them is; so the stack file decides, value by value, where it can
// be read (NestedSecrets). Where it cannot, the key is judged as a whole: a consumers key that is
// not secret holds no encrypted value at all.
func (it itemReader) checkSecret(field string) {
	fix := fmt.Sprintf("store it encrypted with: pulumi config set --secret --path '%s%s' VALUE", it.prefix, field)
	switch secret, known := it.r.secretAt(KeyConsumers, it.prefix+field); {
	case known && !secret && it.r.src.IsSecret(KeyConsumers):
		it.fail(field, "is stored in plain text in the stack file, although other values in %s are encrypted (which makes Pulumi report the whole key as secret); %s", KeyConsumers, fix)
	case known && !secret, !known && !it.r.src.IsSecret(KeyConsumers):
		it.fail(field, "is stored in plain text; %s", fix)
	}
}

func (it itemReader) fail(field, format string, args ...any) {
	it.r.fail(it.prefix+field, format, args...)
}

func (it itemReader) checkFields() {
	it.checkFieldsOf("consumer", KeyConsumers, itemFields, requiredItemFields, topLevelHint)
}

// topLevelHint points a top-level key written inside a consumers item at its place: the item
// field it stands for in the single-consumer form (consumerRoleArns is roleArns in an item), or
// the top level, for a key no item takes. "" when the field is no key of the project.
func topLevelHint(field string) string {
	for _, k := range Keys {
		switch {
		case !strings.EqualFold(k.Name, field):
		case k.ItemField != "":
			return fmt.Sprintf("did you mean %s? (%s is its top-level key in the single-consumer form)", k.ItemField, k.Name)
		default:
			return fmt.Sprintf("%s is a top-level key: set it beside %s, not inside an item", k.Name, KeyConsumers)
		}
	}
	return ""
}

// checkFieldsOf refuses fields of an item of list that are not known (with the field they
// probably meant, or where the key belongs when hint knows) and reports the required ones it
// lacks; what names an item in messages.
func (it itemReader) checkFieldsOf(what, list string, known, required []string, hint func(field string) string) {
	byLower := map[string]string{}
	for _, f := range known {
		byLower[strings.ToLower(f)] = f
	}
	var fields []string
	for f := range it.item {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		switch match, ok := byLower[strings.ToLower(f)]; {
		case ok && match == f:
		case ok:
			it.fail(f, "is not a %s field; did you mean %s?", what, match)
		case hint != nil && hint(f) != "":
			it.fail(f, "is not a %s field; %s", what, hint(f))
		default:
			it.fail(f, "is not a %s field; use %s", what, strings.Join(known, ", "))
		}
	}
	for _, f := range required {
		if _, ok := it.item[f]; !ok {
			it.fail(f, "is required in every %s item", list)
		}
	}
}

func (it itemReader) str(field string) string {
	v, ok := it.item[field]
	if !ok || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		// An unquoted account ID is a YAML number, and a leading zero is already lost.
		// YAML read the value unquoted, as a number: leading zeros are gone (and a leading 0 may
		// have made it octal), so the number is not shown back as if it were the ID.
		_ = x
		it.fail(field, "is a number, not text: YAML reads unquoted digits as a number and drops leading zeros; write the value in quotes, e.g. %s: \"012345678901\"", field)
	default:
		it.fail(field, "must be a string, not %v", v)
	}
	return ""
}

// strOr reads a string field, or the top-level key when the item lacks it.
func (it itemReader) strOr(field, topLevel string) string {
	if _, ok := it.item[field]; ok {
		return it.str(field)
	}
	return it.r.str(topLevel)
}

func (it itemReader) list(field, topLevel string) []string {
	v, ok := it.item[field]
	if !ok {
		if topLevel == "" {
			return nil
		}
		return it.r.list(topLevel)
	}
	values, isList := v.([]any)
	out := make([]string, 0, len(values))
	for _, x := range values {
		s, isString := x.(string)
		if !isString {
			isList = false
			break
		}
		out = append(out, s)
	}
	if !isList {
		it.fail(field, "must be a list of strings")
		return nil
	}
	return out
}

// prefixes reads the item's prefixes, or the top-level key's; a set but empty list is refused.
func (it itemReader) prefixes() []string {
	v, set := it.item["prefixes"]
	if !set {
		return it.r.prefixes()
	}
	prefixes := it.list("prefixes", KeyPrefixes)
	if list, ok := v.([]any); ok && len(list) == 0 {
		it.fail("prefixes", "is an empty list; remove it to share the whole bucket, or list prefixes such as [reports/]")
	}
	return prefixes
}

func (it itemReader) boolean(field, topLevel string) bool {
	v, ok := it.item[field]
	if !ok {
		return it.r.boolean(topLevel)
	}
	b, isBool := v.(bool)
	if !isBool {
		it.fail(field, "%v is not a boolean; use true or false", v)
	}
	return b
}
