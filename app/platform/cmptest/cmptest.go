// Package cmptest holds the tests' go-cmp options.
package cmptest

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/google/go-cmp/cmp"
)

// Only makes cmp.Diff look at only the named fields of struct type T,
// wherever a T appears in the compared values; T's other fields are ignored.
// A test that checks a few fields of an answer names them here and writes
// the expected values as a T, so a failure names the field that differs.
// A name that is not a field of T panics, so a typo cannot silently turn a
// check off.
func Only[T any](fields ...string) cmp.Option {
	typ := reflect.TypeFor[T]()
	if typ.Kind() != reflect.Struct {
		panic(fmt.Sprintf("cmptest.Only: %v is not a struct", typ))
	}
	for _, f := range fields {
		if sf, ok := typ.FieldByName(f); !ok || len(sf.Index) != 1 {
			panic(fmt.Sprintf("cmptest.Only: %v has no field %s", typ, f))
		}
	}
	return cmp.FilterPath(func(p cmp.Path) bool {
		sf, ok := p.Last().(cmp.StructField)
		return ok && p.Index(-2).Type() == typ && !slices.Contains(fields, sf.Name())
	}, cmp.Ignore())
}
