package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"
)

// ErrPoolExhausted is returned when no pooled connection became free within
// the acquire timeout: the database is too busy to answer now.
var ErrPoolExhausted = errors.New("database: no connection free within the acquire timeout")

// pool is the connection pool gorm runs on: database/sql's pool, entered
// through a queue of permits, one per connection it may open. The queue is
// first come, first served (database/sql hands a freed connection to a
// waiter picked at random, which under a burst leaves some requests waiting
// far longer than the rest), and waiting in it is bounded by an acquire
// timeout, separate from the caller's own deadline: a burst queues for a
// while and is answered 503, instead of waiting as long as the request may
// run. Code that asks for a second connection while it holds one (which,
// when every connection is held so, waits for ever) fails at once in the
// tests that run on a pool of one.
type pool struct {
	db      *sql.DB
	timeout time.Duration // 0: wait as long as ctx allows
	permits chan struct{} // a send takes one, a receive gives it back
}

func newPool(db *sql.DB, size int, timeout time.Duration) *pool {
	return &pool{db: db, timeout: timeout, permits: make(chan struct{}, size)}
}

var (
	_ gorm.ConnPool         = (*pool)(nil)
	_ gorm.ConnPoolBeginner = (*pool)(nil)
	_ gorm.GetDBConnector   = (*pool)(nil)
)

// acquire takes a permit, waiting in turn at most the acquire timeout (and
// never beyond ctx), then a connection; release gives both back.
func (p *pool) acquire(ctx context.Context) (conn *sql.Conn, release func(), err error) {
	select {
	case p.permits <- struct{}{}:
	default:
		if err := p.wait(ctx); err != nil {
			return nil, nil, err
		}
	}
	var once sync.Once
	giveBack := func() { once.Do(func() { <-p.permits }) }
	// With a permit a connection is free, unless something outside the
	// queue holds one (a migration, /readyz's ping): wait for it as long as
	// ctx allows.
	if conn, err = p.db.Conn(ctx); err != nil {
		giveBack()
		return nil, nil, err
	}
	return conn, func() { _ = conn.Close(); giveBack() }, nil
}

func (p *pool) wait(ctx context.Context) error {
	var expired <-chan time.Time
	if p.timeout > 0 {
		t := time.NewTimer(p.timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case p.permits <- struct{}{}:
		return nil
	case <-expired:
		return fmt.Errorf("%w (%s)", ErrPoolExhausted, p.timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// releaseAfter gives conn back once the rows read from it are closed:
// Conn.Close waits for them.
func releaseAfter(release func()) { go release() }

func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	conn, release, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return conn.ExecContext(ctx, query, args...)
}

func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	conn, release, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		release()
		return nil, err
	}
	releaseAfter(release)
	return rows, nil
}

// QueryRowContext cannot return an error of its own: a failed acquisition
// reaches the caller at Scan, through a context that is already done with
// that error (database/sql answers a done context with its Err).
func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	conn, release, err := p.acquire(ctx)
	if err != nil {
		return p.db.QueryRowContext(failedContext{ctx, err}, query, args...)
	}
	row := conn.QueryRowContext(ctx, query, args...)
	releaseAfter(release)
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
	conn, release, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		release()
		return nil, err
	}
	return &poolTx{Tx: tx, release: release}, nil
}

func (p *pool) GetDBConn() (*sql.DB, error) { return p.db, nil }

// Ping lets gorm check the database at open.
func (p *pool) Ping() error { return p.db.Ping() }

// poolTx is a transaction that gives its connection back when it ends.
type poolTx struct {
	*sql.Tx
	release func()
}

func (t *poolTx) Commit() error {
	defer t.release()
	return t.Tx.Commit()
}

func (t *poolTx) Rollback() error {
	defer t.release()
	return t.Tx.Rollback()
}

// Conn is a dedicated connection from a pool, for work that needs one
// session throughout (COPY, a session-level advisory lock). Close gives it
// back.
type Conn struct {
	*sql.Conn
	release func()
}

// Close gives the connection back to its pool.
func (c *Conn) Close() error {
	c.release()
	return nil
}

// DedicatedConn takes a connection from db's pool, waiting in turn as any
// other use does. The returned *gorm.DB runs on that connection only; the
// caller closes the Conn.
func DedicatedConn(ctx context.Context, db *gorm.DB) (*Conn, *gorm.DB, error) {
	var c *Conn
	if p, ok := db.ConnPool.(*pool); ok {
		conn, release, err := p.acquire(ctx)
		if err != nil {
			return nil, nil, err
		}
		c = &Conn{Conn: conn, release: release}
	} else {
		sqlDB, err := db.DB()
		if err != nil {
			return nil, nil, err
		}
		conn, err := sqlDB.Conn(ctx)
		if err != nil {
			return nil, nil, err
		}
		c = &Conn{Conn: conn, release: func() { _ = conn.Close() }}
	}
	on := db.Session(&gorm.Session{NewDB: true, Context: ctx})
	on.Statement.ConnPool = c.Conn
	return c, on, nil
}
