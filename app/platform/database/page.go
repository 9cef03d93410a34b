package database

// Page sizes shared by the keyset-paginated lists.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// PageSize is how many rows a list returns when asked for limit: the
// default for zero or less, never more than MaxPageSize.
func PageSize(limit int) int {
	if limit <= 0 {
		return DefaultPageSize
	}
	return min(limit, MaxPageSize)
}

// KeysetPage trims rows, read with LIMIT size+1, to one page of size rows
// and returns the next page's cursor: the key of the page's last row, or 0
// when the extra row did not come back and this is the last page.
func KeysetPage[T any](rows []T, size int, key func(T) int64) ([]T, int64) {
	if len(rows) <= size {
		return rows, 0
	}
	rows = rows[:size]
	return rows, key(rows[size-1])
}
