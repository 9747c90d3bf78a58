package splitstacks

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"cross-account-s3/spec"
)

// Decode reads the value of a crossAccountS3 output, as a stack reference gives it (JSON values:
// maps, lists, strings, booleans, float64). It checks the shape only, strictly: every field
// present with its type, no other field (an owner older than the consumer program notices), the
// schema version, and the endpoint IDs' form. What the values mean (accounts, Regions, roles,
// actions) is checked by Decide, with spec.ValidateConsumers, like config. Problems are keyed by their
// path under OutputName: crossAccountS3.consumers[0].roleArns[1].
func Decode(value any) (Output, spec.Problems) {
	d := &decoder{}
	var out Output
	root, ok := d.object(OutputName, value, "schemaVersion", "bucket", "consumers")
	if !ok {
		return out, d.problems
	}
	version, ok := root["schemaVersion"].(float64)
	switch {
	case !ok || version != float64(int(version)):
		d.fail(OutputName+".schemaVersion", "is %s, not a whole number; this is not an output of this program", describe(root["schemaVersion"]))
		return out, d.problems
	case int(version) > SchemaVersion:
		d.fail(OutputName+".schemaVersion", "is %d: the consumer stack was deployed by a newer version of this program (this one reads version %d); update the owner stack's program first", int(version), SchemaVersion)
		return out, d.problems
	case int(version) < 1:
		d.fail(OutputName+".schemaVersion", "is %d; versions start at 1: this is not an output of this program", int(version))
		return out, d.problems
	}
	out.SchemaVersion = int(version)
	if b, ok := d.object(OutputName+".bucket", root["bucket"], "accountId", "region", "name", "kmsKeyArn"); ok {
		path := OutputName + ".bucket."
		out.Bucket = Bucket{AccountID: d.str(path+"accountId", b["accountId"]), Region: d.str(path+"region", b["region"]),
			Name: d.str(path+"name", b["name"]), KMSKeyARN: d.str(path+"kmsKeyArn", b["kmsKeyArn"])}
	}
	items, ok := root["consumers"].([]any)
	if !ok {
		d.fail(OutputName+".consumers", "is %s, not a list of consumers", describe(root["consumers"]))
		return out, d.problems
	}
	out.Consumers = []Consumer{}
	for i, item := range items {
		if c, ok := d.consumer(fmt.Sprintf("%s.consumers[%d]", OutputName, i), item); ok {
			out.Consumers = append(out.Consumers, c)
		}
	}
	return out, d.problems
}

type decoder struct {
	problems spec.Problems
	// absent are the paths of fields that object reported missing: reading them finds nil, and
	// "is null" would report the same mistake twice, and wrongly.
	absent map[string]bool
}

func (d *decoder) fail(path, format string, args ...any) {
	if d.absent[path] {
		return
	}
	d.problems = append(d.problems, spec.Problem{Key: path, Message: fmt.Sprintf(format, args...)})
}

// object checks that value is a map with exactly these fields.
func (d *decoder) object(path string, value any, fields ...string) (map[string]any, bool) {
	m, ok := value.(map[string]any)
	if !ok {
		d.fail(path, "is %s, not an object with the fields %s", describe(value), strings.Join(fields, ", "))
		return nil, false
	}
	want := map[string]bool{}
	for _, f := range fields {
		want[f] = true
		if _, set := m[f]; !set {
			d.fail(path, "has no field %s; it is not an output of this program's version %d", f, SchemaVersion)
			if d.absent == nil {
				d.absent = map[string]bool{}
			}
			d.absent[path+"."+f] = true
		}
	}
	var unknown []string
	for f := range m {
		if !want[f] {
			unknown = append(unknown, f)
		}
	}
	sort.Strings(unknown)
	for _, f := range unknown {
		d.fail(path, "has a field %s that this program does not know (fields: %s); was the consumer stack deployed by a newer version of this program?", f, strings.Join(fields, ", "))
	}
	return m, len(unknown) == 0
}

func (d *decoder) consumer(path string, value any) (Consumer, bool) {
	m, ok := d.object(path, value, "name", "accountId", "region", "vpcId", "routeTableIds", "endpointId",
		"endpointPolicy", "roleArns", "access", "manageRolePolicy")
	if !ok {
		return Consumer{}, false
	}
	before := len(d.problems)
	c := Consumer{
		Name:             d.str(path+".name", m["name"]),
		AccountID:        d.str(path+".accountId", m["accountId"]),
		Region:           d.str(path+".region", m["region"]),
		VpcID:            d.str(path+".vpcId", m["vpcId"]),
		RouteTableIDs:    d.strings(path+".routeTableIds", m["routeTableIds"]),
		EndpointID:       d.str(path+".endpointId", m["endpointId"]),
		EndpointPolicy:   d.str(path+".endpointPolicy", m["endpointPolicy"]),
		RoleARNs:         d.strings(path+".roleArns", m["roleArns"]),
		ManageRolePolicy: d.boolean(path+".manageRolePolicy", m["manageRolePolicy"]),
	}
	access, via := withoutField(m["access"], "viaAwsServices") // optional: absent when none
	if a, ok := d.object(path+".access", access, "actions", "prefixes", "allowListing"); ok {
		c.Access = Access{Actions: d.strings(path+".access.actions", a["actions"]),
			Prefixes: d.strings(path+".access.prefixes", a["prefixes"]), AllowListing: d.boolean(path+".access.allowListing", a["allowListing"])}
		if via != nil {
			c.Access.ViaServices = d.strings(path+".access.viaAwsServices", via)
		}
	}
	if _, isString := m["endpointId"].(string); isString && !spec.IsEndpointID(c.EndpointID) {
		d.fail(path+".endpointId", "%q is not a VPC endpoint ID (vpce-0123456789abcdef0)", c.EndpointID)
	}
	switch c.EndpointPolicy {
	case string(spec.FullAccess), string(spec.Restricted), Adopted:
	default:
		if _, isString := m["endpointPolicy"].(string); isString {
			d.fail(path+".endpointPolicy", "%q is not %s, %s or %s", c.EndpointPolicy, spec.FullAccess, spec.Restricted, Adopted)
		}
	}
	return c, len(d.problems) == before
}

func (d *decoder) str(path string, value any) string {
	s, ok := value.(string)
	if !ok && value != nil {
		d.fail(path, "is %s, not a string", describe(value))
	}
	if value == nil {
		d.fail(path, "is null, not a string")
	}
	return s
}

func (d *decoder) boolean(path string, value any) bool {
	b, ok := value.(bool)
	if !ok {
		d.fail(path, "is %s, not true or false", describe(value))
	}
	return b
}

func (d *decoder) strings(path string, value any) []string {
	items, ok := value.([]any)
	if !ok {
		d.fail(path, "is %s, not a list of strings", describe(value))
		return nil
	}
	out := []string{}
	for i, item := range items {
		s, ok := item.(string)
		if !ok {
			d.fail(fmt.Sprintf("%s[%d]", path, i), "is %s, not a string", describe(item))
			continue
		}
		out = append(out, s)
	}
	return out
}

// describe names a JSON value's kind for messages, with the value when it is short.
func describe(value any) string {
	switch v := value.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", v)
	case bool:
		return fmt.Sprintf("%t", v)
	case float64:
		// As written: an account ID is 222222222222, not 2.22222222222e+11.
		if math.Abs(v) < 1e21 {
			return "the number " + strconv.FormatFloat(v, 'f', -1, 64)
		}
		return fmt.Sprintf("the number %v", v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("a %T", v)
	}
}

// withoutField is an object without one optional field, and that field's value (nil when unset);
// anything that is not an object is returned as it is, for object to report.
func withoutField(value any, field string) (any, any) {
	m, ok := value.(map[string]any)
	if !ok {
		return value, nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != field {
			out[k] = v
		}
	}
	return out, m[field]
}
