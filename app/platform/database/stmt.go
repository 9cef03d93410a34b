package database

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// Stmt is one SQL statement and its arguments, with ? placeholders as
// gorm's Exec and Raw take them. Packages that own a table hand out the
// statements that write it, so a unit of work elsewhere can run them
// together with its own.
type Stmt struct {
	SQL  string
	Args []any
}

// Together runs data-modifying statements (INSERT, UPDATE or DELETE,
// without a trailing semicolon) as the parts of one WITH statement: they
// commit together or not at all, in one round trip, without a transaction
// of their own. Parts see the same snapshot, so none can read what another
// writes, and each runs to completion whether or not anything reads it.
func Together(ctx context.Context, db *gorm.DB, parts ...Stmt) error {
	var b strings.Builder
	var args []any
	for i, p := range parts {
		if i == 0 {
			b.WriteString("WITH ")
		} else {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "w%d AS (%s)", i, p.SQL)
		args = append(args, p.Args...)
	}
	b.WriteString(" SELECT 1")
	return db.WithContext(ctx).Exec(b.String(), args...).Error
}
