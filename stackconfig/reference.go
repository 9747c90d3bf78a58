package stackconfig

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// ReferenceTable renders Keys as the Markdown table of docs/configuration.md, one row per key in
// the order of Keys. The page holds it between generated-block markers, and a test keeps the two
// equal, so the reference cannot drift from the keys the program reads.
func ReferenceTable() string {
	var b strings.Builder
	b.WriteString("| Key | Side | Type | Required | Default | Secret | In a `consumers` item | Description |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, k := range Keys {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s | %s |\n",
			k.Name, sideOf(k), typeOf(k), requiredOf(k), defaultOf(k), secretOf(k), itemOf(k), cell(k.Doc))
	}
	return b.String()
}

// sideOf says which stacks may set the key when the sides are split (Key.Scope).
func sideOf(k Key) string {
	switch k.Scope {
	case OwnerSide:
		return "owner"
	case ConsumerSide:
		return "consumer"
	case SplitOwner:
		return "owner stack only"
	}
	return "any"
}

func typeOf(k Key) string {
	switch k.Type {
	case TypeArray:
		return "list of strings"
	case TypeMap:
		return "map of strings"
	case TypeObjects:
		return "list of maps"
	}
	return k.Type
}

func requiredOf(k Key) string {
	switch {
	case k.Need == Required:
		return "yes"
	case k.Need == RequiredFlat:
		return "single-consumer form"
	case k.Scope == SplitOwner && k.Default == "":
		return "with `side: owner`"
	}
	return ""
}

// defaultOf shows the default as a user writes it: a list as [a, b], not as the JSON Pulumi passes.
func defaultOf(k Key) string {
	if k.Default == "" {
		return ""
	}
	var list []string
	if k.Type == TypeArray && json.Unmarshal([]byte(k.Default), &list) == nil {
		return "`[" + strings.Join(list, ", ") + "]`"
	}
	return "`" + k.Default + "`"
}

func secretOf(k Key) string {
	if k.Secret {
		return "yes (`--secret`)"
	}
	return ""
}

// itemOf names the consumers-item field that replaces a single-consumer key, or that this key
// gives its default to.
func itemOf(k Key) string {
	switch {
	case k.ItemField == "":
		return ""
	case k.FlatOnly:
		return "`" + k.ItemField + "`"
	}
	return "`" + k.ItemField + "` (default: this key)"
}

// cell makes text safe inside a table cell.
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// MappingTable renders, for docs/consumers.md, where each single-consumer key goes in the list
// form: its field in a consumers item, and what the key does at the top level beside consumers
// (refused for the keys of the one consumer; the default of every item for the access and
// endpoint keys). One row per key with an item field, in the order of Keys.
func MappingTable() string {
	var b strings.Builder
	b.WriteString("| Single-consumer key | In each `consumers` item | At the top level, beside `consumers` |\n")
	b.WriteString("|---|---|---|\n")
	for _, k := range Keys {
		if k.ItemField == "" {
			continue
		}
		field := "`" + k.ItemField + "`"
		switch {
		case slices.Contains(requiredItemFields, k.ItemField):
			field += " (required)"
		case k.ItemField == "region":
			field += " (default: `" + KeyBucketRegion + "`)"
		}
		top := "the default of every item that does not set it"
		if k.FlatOnly {
			top = "refused: move it into each item"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", k.Name, field, top)
	}
	return b.String()
}
