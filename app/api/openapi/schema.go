package openapi

import (
	"encoding"
	"encoding/json"
	"fmt"
	"maps"
	"mime/multipart"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
)

// side says which way a Go type travels, because "required" means different
// things: a response field without omitempty is always written, while a
// request field is required only when the client cannot leave it out.
type side int

const (
	inRequest side = iota
	inResponse
)

// schemaMaker turns Go types into schemas with openapi3gen, honouring json
// tags, and adds what the generator does not know: required fields, no
// unknown members (the server refuses them; response types are exact), JSON
// marshalers, and the doc/example/openapi field tags described on type doc.
type schemaMaker struct {
	side side
	gen  *openapi3gen.Generator
	// cycles receives the components openapi3gen makes for recursive types.
	cycles openapi3.Schemas
	vocab  map[string][]string
}

func newSchemaMaker(s side, cycles openapi3.Schemas, vocab map[string][]string) *schemaMaker {
	m := &schemaMaker{side: s, cycles: cycles, vocab: vocab}
	m.gen = openapi3gen.NewGenerator(openapi3gen.UseAllExportedFields(),
		openapi3gen.SchemaCustomizer(m.customize))
	return m
}

// schema describes v's type inline. Nested types are inlined too, so a field
// can say it is nullable or add a description without touching a shared
// component.
func (m *schemaMaker) schema(v any) (*openapi3.SchemaRef, error) {
	ref, err := m.gen.NewSchemaRefForValue(v, m.cycles)
	if err != nil {
		return nil, fmt.Errorf("schema for %T: %w", v, err)
	}
	return ref, nil
}

// fieldSchema describes one field of a query, path or form struct, applying
// its tags as customize does for JSON fields.
func (m *schemaMaker) fieldSchema(f reflect.StructField) (*openapi3.SchemaRef, error) {
	t := f.Type
	switch {
	case t == fileHeaderType:
		return openapi3.NewSchemaRef("", openapi3.NewStringSchema().WithFormat("binary")), nil
	case t.Kind() == reflect.Slice && t.Elem() == fileHeaderType:
		return openapi3.NewSchemaRef("", openapi3.NewArraySchema().WithItems(
			openapi3.NewStringSchema().WithFormat("binary"))), nil
	}
	ref, err := m.schema(reflect.New(t).Elem().Interface())
	if err != nil {
		return nil, err
	}
	if ref.Value == nil {
		return nil, fmt.Errorf("field %s: type %s has no schema", f.Name, t)
	}
	if err := m.applyTags(ref.Value, f.Type, f.Tag); err != nil {
		return nil, fmt.Errorf("field %s: %w", f.Name, err)
	}
	if items := ref.Value.Items; t.Kind() == reflect.Slice && items != nil && items.Value != nil {
		if err := m.applyTags(items.Value, t.Elem(), f.Tag); err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name, err)
		}
	}
	return ref, nil
}

var (
	timeType        = reflect.TypeFor[time.Time]()
	fileHeaderType  = reflect.TypeFor[*multipart.FileHeader]()
	jsonMarshaler   = reflect.TypeFor[json.Marshaler]()
	textMarshaler   = reflect.TypeFor[encoding.TextMarshaler]()
	noExtraMembers  = openapi3.AdditionalProperties{Has: new(false)}
	genericTypeName = regexp.MustCompile(`[\w./-]*\.`)
)

// customize is openapi3gen's hook, called for every type it meets (t with
// pointers removed) with the tag of the field it meets it in.
func (m *schemaMaker) customize(name string, t reflect.Type, tag reflect.StructTag, s *openapi3.Schema) error {
	if t != timeType && (implements(t, jsonMarshaler) || implements(t, textMarshaler)) {
		*s = marshalerSchema(t, s.Nullable)
	} else if t.Kind() == reflect.Struct && t != timeType {
		if err := m.describeStruct(t, s); err != nil {
			return err
		}
	}
	if t.Kind() == reflect.Interface {
		s.Nullable = true // any: whatever the handler puts there, null included
	}
	if name == "_root" || tag == "" {
		return nil
	}
	// A slice's items are customised with the slice's own tag too, so
	// value constraints land on the items (see applyTags).
	if err := m.applyTags(s, t, tag); err != nil {
		return fmt.Errorf("field %q: %w", name, err)
	}
	return nil
}

// describeStruct marks required members and closes the object.
func (m *schemaMaker) describeStruct(t reflect.Type, s *openapi3.Schema) error {
	s.Type = &openapi3.Types{openapi3.TypeObject}
	s.AdditionalProperties = noExtraMembers
	s.Required = nil
	for _, f := range jsonFields(t) {
		opts := tagOptions(f.field.Tag.Get("openapi"))
		required := !f.omitEmpty
		if m.side == inRequest && f.field.Type.Kind() == reflect.Pointer {
			required = false
		}
		if opts.has("optional") {
			required = false
		}
		if opts.has("required") {
			required = true
		}
		if required {
			s.Required = append(s.Required, f.name)
		}
		if f.quoted {
			if p := s.Properties[f.name]; p != nil && p.Value != nil {
				p.Value.Type = &openapi3.Types{openapi3.TypeString}
				p.Value.Format = ""
			}
		}
	}
	return nil
}

// applyTags reads the doc, example and openapi tags of a field.
func (m *schemaMaker) applyTags(s *openapi3.Schema, t reflect.Type, tag reflect.StructTag) error {
	isList := s.Type.Is(openapi3.TypeArray)
	if d := tag.Get("doc"); d != "" {
		s.Description = d
	}
	opts := tagOptions(tag.Get("openapi"))
	if opts.has("nullable") {
		s.Nullable = true
	}
	if isList && t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 {
		// Constraints below go to the items, customised in their own call.
		return nil
	}
	if f, ok := opts.value("format"); ok {
		s.Format = f
	}
	for _, bound := range []struct {
		key string
		dst **float64
	}{{"min", &s.Min}, {"max", &s.Max}} {
		if v, ok := opts.value(bound.key); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("openapi %s=%q is not a number", bound.key, v)
			}
			*bound.dst = &n
		}
	}
	if e, ok := opts.value("enum"); ok {
		values := strings.Split(e, "|")
		for name, vocab := range m.vocab {
			if slices.Equal(slices.Sorted(slices.Values(values)), slices.Sorted(slices.Values(vocab))) {
				return fmt.Errorf("enum=%s repeats a vocabulary: write openapi:\"vocab=%s\"", e, name)
			}
		}
		for _, raw := range values {
			v, err := parseTagValue(s, raw)
			if err != nil {
				return fmt.Errorf("enum value %q: %w", raw, err)
			}
			s.Enum = append(s.Enum, v)
		}
	}
	if name, ok := opts.value("vocab"); ok {
		vocab, known := m.vocab[name]
		if !known {
			return fmt.Errorf("vocab=%s: no such vocabulary; known: %v", name, slices.Sorted(maps.Keys(m.vocab)))
		}
		for _, raw := range vocab {
			v, err := parseTagValue(s, raw)
			if err != nil {
				return fmt.Errorf("vocab %s value %q: %w", name, raw, err)
			}
			s.Enum = append(s.Enum, v)
		}
	}
	if ex, ok := tag.Lookup("example"); ok {
		v, err := parseTagValue(s, ex)
		if err != nil {
			return fmt.Errorf("example %q: %w", ex, err)
		}
		s.Example = v
	}
	return nil
}

// parseTagValue reads a tag's text as a value of the schema's type.
func parseTagValue(s *openapi3.Schema, raw string) (any, error) {
	switch {
	case s.Type.Is(openapi3.TypeInteger):
		return strconv.ParseInt(raw, 10, 64)
	case s.Type.Is(openapi3.TypeNumber):
		return strconv.ParseFloat(raw, 64)
	case s.Type.Is(openapi3.TypeBoolean):
		return strconv.ParseBool(raw)
	case s.Type.Is(openapi3.TypeString):
		return raw, nil
	default:
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return nil, fmt.Errorf("not JSON: %w", err)
		}
		return v, nil
	}
}

// marshalerSchema describes a type that writes its own JSON (a date, a
// period) by what its zero value writes.
func marshalerSchema(t reflect.Type, nullable bool) (s openapi3.Schema) {
	s.Nullable = nullable
	if !implements(t, jsonMarshaler) {
		s.Type = &openapi3.Types{openapi3.TypeString}
		return s
	}
	defer func() {
		if recover() != nil { // a marshaler that cannot cope with its zero value
			s = openapi3.Schema{Nullable: true}
		}
	}()
	b, err := json.Marshal(reflect.New(t).Interface())
	var v any
	if err != nil || json.Unmarshal(b, &v) != nil {
		return openapi3.Schema{Nullable: true}
	}
	switch v.(type) {
	case string:
		s.Type = &openapi3.Types{openapi3.TypeString}
	case float64:
		s.Type = &openapi3.Types{openapi3.TypeNumber}
	case bool:
		s.Type = &openapi3.Types{openapi3.TypeBoolean}
	case []any:
		s.Type = &openapi3.Types{openapi3.TypeArray}
		s.Items = openapi3.NewSchemaRef("", &openapi3.Schema{})
	case map[string]any:
		s.Type = &openapi3.Types{openapi3.TypeObject}
	default: // null: the zero value says nothing about the shape
		s.Nullable = true
	}
	return s
}

func implements(t, iface reflect.Type) bool {
	return t.Implements(iface) || reflect.PointerTo(t).Implements(iface)
}

// jsonField is one member of a struct's JSON encoding.
type jsonField struct {
	name      string
	field     reflect.StructField
	omitEmpty bool
	quoted    bool // ,string
}

// jsonFields lists a struct's JSON members the way encoding/json does,
// promoting the fields of untagged embedded structs.
func jsonFields(t reflect.Type) []jsonField {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			out = append(out, jsonFields(ft)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		o := tagOptions(opts)
		out = append(out, jsonField{name: name, field: f,
			omitEmpty: o.has("omitempty") || o.has("omitzero"), quoted: o.has("string")})
	}
	return out
}

// taggedFields lists the exported fields of a query, path or form struct
// that carry the named tag, with embedded structs promoted.
func taggedFields(t reflect.Type, key string) []reflect.StructField {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get(key)
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, taggedFields(f.Type, key)...)
			continue
		}
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		out = append(out, f)
	}
	return out
}

// tagOptions is a comma-separated tag: flags and key=value pairs.
type tagOptions string

func (o tagOptions) has(flag string) bool {
	for _, part := range strings.Split(string(o), ",") {
		if strings.TrimSpace(part) == flag {
			return true
		}
	}
	return false
}

func (o tagOptions) value(key string) (string, bool) {
	for _, part := range strings.Split(string(o), ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// componentName is how the document names a body type: the Go name with an
// upper-case first letter, type arguments spelled out
// (page[api.businessResponse] becomes PageBusinessResponse).
func componentName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name := genericTypeName.ReplaceAllString(t.Name(), "")
	var b strings.Builder
	upper := true
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
