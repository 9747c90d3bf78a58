package stackconfig

import (
	"encoding/json"
	"strings"

	"cross-account-s3/spec"
)

// Names turns the spec's field paths (bucket.region, consumers[0].roleArns[1]; see spec) into the
// keys the user wrote: bucketRegion, and consumerRoleArns[1] in the single-consumer form,
// consumers[0].roleArns[1] in the list form, or the top-level key when a list item inherits the
// field from it. It is the only place that knows both.
type Names struct {
	listForm bool
	// inherited[i] are the fields consumers item i leaves to the top-level key of the same name.
	inherited []map[string]bool
}

// NamesOf reads how the stack wrote its consumers.
func NamesOf(src Source) Names {
	raw, listForm := src.Get(KeyConsumers)
	n := Names{listForm: listForm}
	if !listForm {
		return n
	}
	var items []map[string]any
	_ = json.Unmarshal([]byte(raw), &items) // a malformed list is reported by the reader
	for _, item := range items {
		inherited := map[string]bool{}
		for _, k := range Keys {
			if _, set := item[k.ItemField]; !set && k.ItemField == k.Name {
				if _, top := src.Get(k.Name); top || k.Default != "" {
					inherited[k.Name] = true
				}
			}
		}
		n.inherited = append(n.inherited, inherited)
	}
	return n
}

// Key is the key of a path; a path in a message is rewritten the same way (RewritePaths).
func (n Names) Key(path string) string { return n.RewritePaths(path) }

// RewritePaths rewrites every path in a text into the key the user wrote.
func (n Names) RewritePaths(text string) string {
	return spec.RewritePaths(text, BucketKey, func(i int, field string) string {
		switch {
		case !n.listForm:
			return flatKey(field)
		case i < len(n.inherited) && n.inherited[i][field]:
			return field
		}
		return ""
	})
}

// BucketKey is the key of a bucket field's path: bucket.region is bucketRegion.
func BucketKey(field string) string { return "bucket" + strings.ToUpper(field[:1]) + field[1:] }

// Problems rewrites the keys and messages of problems reported by path.
func (n Names) Problems(ps spec.Problems) spec.Problems { return ps.Rewrite(n.RewritePaths) }

// flatKey is the single-consumer key of a consumers-item field.
func flatKey(field string) string {
	for _, k := range Keys {
		if k.ItemField == field {
			return k.Name
		}
	}
	return field
}
