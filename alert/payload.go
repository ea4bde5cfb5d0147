package alert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"
)

// JSON helpers shared by the decoders: one place turns encoding/json's
// errors into reasons a sender's admin can act on, and the loose types below
// absorb the shape drift real senders show.

// maxQuoted caps how much of a sender's value a reason repeats.
const maxQuoted = 40

func decodeErrorf(format string, args ...any) error {
	return &DecodeError{Reason: fmt.Sprintf(format, args...)}
}

// decodeObject unmarshals body, which must be one JSON object, into v.
func decodeObject(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return decodeErrorf("empty body, want a JSON object")
	}
	if trimmed[0] != '{' {
		return decodeErrorf("body is %s, want a JSON object", describeJSON(trimmed))
	}
	if err := json.Unmarshal(trimmed, v); err != nil {
		return jsonError(err)
	}
	return nil
}

// describeJSON names what a body that is not an object looks like.
func describeJSON(b []byte) string {
	if !json.Valid(b) {
		return "not JSON (it starts " + quote(string(b)) + ")"
	}
	switch b[0] {
	case '[':
		return "a JSON array"
	case '"':
		return "a JSON string"
	case 'n':
		return "JSON null"
	case 't', 'f':
		return "a JSON boolean"
	}
	return "a JSON number"
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return decodeErrorf("body is not valid JSON: %s (at byte %d)", syn.Error(), syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return decodeErrorf("field %s is a JSON %s, want %s", field, typ.Value, goKindName(typ.Type))
	}
	return decodeErrorf("body is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// goKindName says what JSON a Go type accepts, in JSON's words.
func goKindName(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return t.String()
}

// quote repeats a sender's value in a reason: clipped, valid UTF-8, and Go
// quoted so that control characters cannot forge log lines.
func quote(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) > maxQuoted {
		s = string([]rune(s)[:maxQuoted]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

// scalarText is a JSON value as text: a string unquoted, null empty, and
// anything else as its compact JSON.
func scalarText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return string(raw)
	}
	return buf.String()
}

// tagList is a list of tags as "key:value" or bare strings. Senders send a
// list of strings or, in older StackState schemas, an object; both end up as
// one sorted list without duplicates so that two deliveries with the same
// tags compare equal. Any other shape counts as no tags: a tag list is never
// worth rejecting a notification over.
type tagList []string

// UnmarshalJSON accepts a list, an object, a single string or null.
func (t *tagList) UnmarshalJSON(b []byte) error {
	var out []string
	var list []json.RawMessage
	var obj map[string]json.RawMessage
	var one string
	switch {
	case json.Unmarshal(b, &list) == nil:
		for _, v := range list {
			out = append(out, scalarText(v))
		}
	case json.Unmarshal(b, &obj) == nil:
		for k, v := range obj {
			out = append(out, joinTag(k, scalarText(v)))
		}
	case json.Unmarshal(b, &one) == nil:
		out = append(out, one)
	}
	*t = normaliseTags(out)
	return nil
}

func joinTag(k, v string) string {
	if v == "" {
		return k
	}
	return k + ":" + v
}

func normaliseTags(tags []string) []string {
	tags = slices.DeleteFunc(tags, func(s string) bool { return strings.TrimSpace(s) == "" })
	if len(tags) == 0 {
		return nil
	}
	slices.Sort(tags)
	return slices.Compact(tags)
}

// looseMap is a string map such as StackState's metadata. An object's values
// are taken as text; a list of "key:value" strings is split at the first
// colon; any other shape counts as empty rather than failing the delivery.
type looseMap map[string]string

// UnmarshalJSON accepts an object, a list of "key:value" strings or null.
func (m *looseMap) UnmarshalJSON(b []byte) error {
	out := looseMap{}
	var obj map[string]json.RawMessage
	var list []json.RawMessage
	switch {
	case json.Unmarshal(b, &obj) == nil:
		for k, v := range obj {
			out[k] = scalarText(v)
		}
	case json.Unmarshal(b, &list) == nil:
		for _, v := range list {
			if k, val, _ := strings.Cut(scalarText(v), ":"); k != "" {
				out[k] = val
			}
		}
	}
	*m = out
	return nil
}
