package database

import (
	"strings"

	"github.com/jackc/pgx/v5/pgtype"
)

// Array passes s as one array parameter (= ANY(?), unnest(?)): gorm would
// expand a bare slice into a list of parameters.
func Array[T any](s []T) pgtype.Array[T] {
	return pgtype.Array[T]{Elements: s, Dims: []pgtype.ArrayDimension{{Length: int32(len(s)), LowerBound: 1}}, Valid: true}
}

// LikeContaining is the ILIKE pattern for "contains s": s's own %, _ and \
// match themselves, so a search for "50%" finds "50%", not everything.
func LikeContaining(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}
