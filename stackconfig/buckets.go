package stackconfig

import (
	"encoding/json"
	"fmt"

	"cross-account-s3/spec"
)

// endpointAllowedBuckets items are a bucket name (read only: what a package manager needs) or a
// map {bucket: NAME, write: true} for a bucket the endpoint's account may also write to.
const allowedBucketForm = `a bucket name, or {bucket: NAME, write: true} to allow writes too`

// allowedBuckets reads the flat form's endpointAllowedBuckets.
func (r *reader) allowedBuckets() []spec.AllowedBucket {
	v, ok := r.raw(KeyEndpointAllowedBuckets)
	if !ok || v == "" {
		return nil
	}
	var items []any
	if err := json.Unmarshal([]byte(v), &items); err != nil {
		r.fail(KeyEndpointAllowedBuckets, "must be a list; each item %s", allowedBucketForm)
		return nil
	}
	return parseAllowedBuckets(items, func(i int, format string, args ...any) {
		r.fail(fmt.Sprintf("%s[%d]", KeyEndpointAllowedBuckets, i), format, args...)
	})
}

// allowedBuckets reads an item's endpointAllowedBuckets, or the top-level key's.
func (it itemReader) allowedBuckets() []spec.AllowedBucket {
	const field = "endpointAllowedBuckets"
	v, ok := it.item[field]
	if !ok {
		return it.r.allowedBuckets()
	}
	items, isList := v.([]any)
	if !isList {
		it.fail(field, "must be a list; each item %s", allowedBucketForm)
		return nil
	}
	return parseAllowedBuckets(items, func(i int, format string, args ...any) {
		it.fail(fmt.Sprintf("%s[%d]", field, i), format, args...)
	})
}

func parseAllowedBuckets(items []any, fail func(i int, format string, args ...any)) []spec.AllowedBucket {
	out := make([]spec.AllowedBucket, 0, len(items))
	for i, item := range items {
		switch x := item.(type) {
		case string:
			out = append(out, spec.AllowedBucket{Name: x})
		case map[string]any:
			name, nameOK := x["bucket"].(string)
			write, writeOK := x["write"].(bool)
			_, hasWrite := x["write"]
			if !nameOK || (hasWrite && !writeOK) || len(x) > 2 || (len(x) == 2 && !hasWrite) {
				fail(i, "is not %s", allowedBucketForm)
				continue
			}
			out = append(out, spec.AllowedBucket{Name: name, Write: write})
		default:
			fail(i, "is not %s", allowedBucketForm)
		}
	}
	return out
}
