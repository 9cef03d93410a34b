package database

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"

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

// With builds one statement from named parts (WITH name AS (part), …)
// and a final query over them, keeping every part's arguments in order.
// Data-modifying parts (INSERT, UPDATE, DELETE) commit with the statement
// or not at all, in one round trip and without a transaction of their own;
// every part sees the same snapshot, so none reads what another writes, and
// each runs to completion whether or not anything reads it.
type With struct {
	sql  strings.Builder
	args []any
}

// Part adds the part named name.
func (w *With) Part(name string, st Stmt) *With {
	if w.sql.Len() == 0 {
		w.sql.WriteString("WITH ")
	} else {
		w.sql.WriteString(",\n")
	}
	fmt.Fprintf(&w.sql, "%s AS (%s)", name, st.SQL)
	w.args = append(w.args, st.Args...)
	return w
}

// Then ends the statement with the final query.
func (w *With) Then(final Stmt) Stmt {
	return Stmt{SQL: w.sql.String() + "\n" + final.SQL, Args: append(w.args, final.Args...)}
}

// Together runs data-modifying statements as the parts of one (see With).
func Together(ctx context.Context, db *gorm.DB, parts ...Stmt) error {
	var w With
	for i, p := range parts {
		w.Part(fmt.Sprintf("w%d", i), p)
	}
	return Exec(ctx, db, w.Then(Stmt{SQL: "SELECT 1"}))
}

// Exec runs st on db's connection (its transaction's, or the pool) through
// database/sql directly. It is for the hot paths: gorm's statement building
// and callbacks cost more than the round trip on a one-row write.
func Exec(ctx context.Context, db *gorm.DB, st Stmt) error {
	_, err := db.Statement.ConnPool.ExecContext(ctx, bind(st.SQL), st.Args...)
	return err
}

// QueryRow runs a one-row query on db's connection like Exec; sql has ?
// placeholders.
func QueryRow(ctx context.Context, db *gorm.DB, sql string, args ...any) *sql.Row {
	return db.Statement.ConnPool.QueryRowContext(ctx, bind(sql), args...)
}

// bound caches bind's work: the statements are few and fixed.
var bound sync.Map

// bind numbers a statement's ? placeholders as PostgreSQL's $1, $2, …,
// leaving quoted literals and identifiers alone. The statements it serves
// use no ? operator (jsonb's ?, ?| and ?&).
func bind(query string) string {
	if v, ok := bound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n, quote := 0, byte(0)
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	out := b.String()
	bound.Store(query, out)
	return out
}
