package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ErrPoolExhausted is returned when no pooled connection became free within
// the acquire timeout: the database is too busy to answer now.
var ErrPoolExhausted = errors.New("database: no connection free within the acquire timeout")

// pool is the connection pool gorm runs on. It is database/sql's pool with
// one addition: waiting for a connection is bounded by an acquire timeout,
// separate from the caller's own deadline. A burst then queues for a while
// and is answered 503, instead of waiting as long as the request may run;
// and code that asks for a second connection while it holds one (which with
// every connection held by such callers waits for ever) fails at once in
// tests that run on a pool of one.
type pool struct {
	db      *sql.DB
	timeout time.Duration // 0: wait as long as ctx allows
}

var (
	_ gorm.ConnPool         = (*pool)(nil)
	_ gorm.ConnPoolBeginner = (*pool)(nil)
	_ gorm.GetDBConnector   = (*pool)(nil)
)

// acquire takes a connection from the pool, waiting at most the acquire
// timeout (and never beyond ctx).
func (p *pool) acquire(ctx context.Context) (*sql.Conn, error) {
	if p.timeout <= 0 {
		return p.db.Conn(ctx)
	}
	actx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	conn, err := p.db.Conn(actx)
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("%w (%s)", ErrPoolExhausted, p.timeout)
	}
	return conn, err
}

// releaseAfter returns conn to the pool once the rows read from it are
// closed: Conn.Close waits for them.
func releaseAfter(conn *sql.Conn) { go conn.Close() }

func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	conn, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ExecContext(ctx, query, args...)
}

func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	conn, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		conn.Close()
		return nil, err
	}
	releaseAfter(conn)
	return rows, nil
}

// QueryRowContext cannot return an error of its own: a failed acquisition
// reaches the caller at Scan, through a context that is already done with
// that error (database/sql answers a done context with its Err).
func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	conn, err := p.acquire(ctx)
	if err != nil {
		return p.db.QueryRowContext(failedContext{ctx, err}, query, args...)
	}
	row := conn.QueryRowContext(ctx, query, args...)
	releaseAfter(conn)
	return row
}

// failedContext is done from the start, with err as its error.
type failedContext struct {
	context.Context
	err error
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (f failedContext) Done() <-chan struct{} { return closed }
func (f failedContext) Err() error            { return f.err }

// PrepareContext is not used (gorm's prepared-statement mode is off; pgx
// caches statements per connection itself); a statement prepared on the
// pool re-prepares on whichever connection runs it.
func (p *pool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.db.PrepareContext(ctx, query)
}

// BeginTx starts a transaction on a connection of its own, held until the
// transaction ends.
func (p *pool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	conn, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &poolTx{Tx: tx, conn: conn}, nil
}

func (p *pool) GetDBConn() (*sql.DB, error) { return p.db, nil }

// Ping lets gorm check the database at open.
func (p *pool) Ping() error { return p.db.Ping() }

// poolTx is a transaction that gives its connection back when it ends.
type poolTx struct {
	*sql.Tx
	conn *sql.Conn
}

func (t *poolTx) Commit() error {
	defer t.conn.Close()
	return t.Tx.Commit()
}

func (t *poolTx) Rollback() error {
	defer t.conn.Close()
	return t.Tx.Rollback()
}

// Conn takes a dedicated connection from db's pool, with the pool's
// acquire timeout, for work that needs one session throughout (COPY, a
// session-level advisory lock). The caller closes it. The returned *gorm.DB
// runs on that connection only.
func Conn(ctx context.Context, db *gorm.DB) (*sql.Conn, *gorm.DB, error) {
	var conn *sql.Conn
	var err error
	if p, ok := db.ConnPool.(*pool); ok {
		conn, err = p.acquire(ctx)
	} else {
		var sqlDB *sql.DB
		if sqlDB, err = db.DB(); err == nil {
			conn, err = sqlDB.Conn(ctx)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	on := db.Session(&gorm.Session{NewDB: true, Context: ctx})
	on.Statement.ConnPool = conn
	return conn, on, nil
}
