package database

import "github.com/jackc/pgx/v5/pgtype"

// Array passes s as one array parameter (= ANY(?), unnest(?)): gorm would
// expand a bare slice into a list of parameters.
func Array[T any](s []T) pgtype.Array[T] {
	return pgtype.Array[T]{Elements: s, Dims: []pgtype.ArrayDimension{{Length: int32(len(s)), LowerBound: 1}}, Valid: true}
}
