package offline

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

// Plain turns a property value into JSON-like Go values: strings, float64, bool, []any,
// map[string]any, nil. A secret becomes secret, or its value when secret is nil; a value not known
// yet (preview) becomes unknown. The offline plan shows inputs this way, and the engine tests'
// fake AWS reads and logs them.
func Plain(v resource.PropertyValue, secret, unknown any) any {
	switch {
	case v.IsSecret():
		if secret != nil {
			return secret
		}
		return Plain(v.SecretValue().Element, secret, unknown)
	case v.IsComputed():
		return unknown
	case v.IsOutput():
		o := v.OutputValue()
		if !o.Known {
			return unknown
		}
		if o.Secret && secret != nil {
			return secret
		}
		return Plain(o.Element, secret, unknown)
	case v.IsNull():
		return nil
	case v.IsString():
		return v.StringValue()
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = Plain(e, secret, unknown)
		}
		return out
	case v.IsObject():
		return PlainMap(v.ObjectValue(), secret, unknown)
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	default:
		return "[" + v.TypeString() + "]"
	}
}

// PlainMap is Plain of every value of a property map.
func PlainMap(m resource.PropertyMap, secret, unknown any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[string(k)] = Plain(v, secret, unknown)
	}
	return out
}
