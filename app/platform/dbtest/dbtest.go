// Package dbtest gives each test its own real PostgreSQL database, cloned
// from a migrated template (CREATE DATABASE … TEMPLATE …) and dropped when the
// test ends. The server is the one DATABASE_URL names; scripts/test starts a
// throwaway one.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for the admin connection
	"gorm.io/gorm"

	"kemitraan/app/platform/config"
	"kemitraan/app/platform/database"
	"kemitraan/migrations"
)

var (
	once     sync.Once
	admin    *sql.DB
	template string
	initErr  error
)

// New returns a database migrated to the current schema with the reference
// data (kecamatan) loaded. It is dropped when t ends.
func New(t testing.TB) *gorm.DB {
	t.Helper()
	return open(t, URL(t, true))
}

// NewEmpty returns a database with no schema at all, for migration tests.
func NewEmpty(t testing.TB) *gorm.DB {
	t.Helper()
	return open(t, URL(t, false))
}

// URL creates a fresh database (migrated from the template, or empty) and
// returns its connection URL; the database is dropped when t ends.
func URL(t testing.TB, migrated bool) string {
	t.Helper()
	once.Do(setup)
	if initErr != nil {
		t.Fatalf("dbtest: %v", initErr)
	}
	name := "kt_" + randomHex(8)
	stmt := "CREATE DATABASE " + name
	if migrated {
		stmt += " TEMPLATE " + template
	}
	ctx := context.Background()
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		if _, err = admin.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("dbtest: %s: %v", stmt, err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dbtest: drop %s: %v", name, err)
		}
	})
	return withDatabase(baseURL(), name)
}

// PoolEnv names the environment variable that sets the pool size of every
// test database (default 10). scripts/test also runs the domain and API
// tests with a pool of one connection and a short acquire timeout: a unit
// of work that holds a connection and asks the pool for another then fails
// its test with database.ErrPoolExhausted instead of passing on a larger pool.
const PoolEnv = "KEMITRAAN_TEST_POOL"

// poolSize is the pool every test database gets, and whether it is the
// strict pool of one.
func poolSize(t testing.TB) (int, bool) {
	raw := os.Getenv(PoolEnv)
	if raw == "" {
		return 10, false
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		t.Fatalf("dbtest: %s=%q: want a whole number of connections", PoolEnv, raw)
	}
	return n, n == 1
}

func open(t testing.TB, dbURL string) *gorm.DB {
	t.Helper()
	cfg := config.Default().Database
	cfg.URL = config.Secret(dbURL)
	n, strict := poolSize(t)
	cfg.MaxOpenConns, cfg.MaxIdleConns = n, n
	if strict {
		cfg.AcquireTimeout = 2 * time.Second
	}
	db, err := database.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	// Registered after URL's drop, so it runs first: close, then drop.
	t.Cleanup(func() { _ = database.Close(db) })
	return db
}

func baseURL() string { return os.Getenv("DATABASE_URL") }

func withDatabase(raw, name string) string {
	u, _ := url.Parse(raw)
	u.Path = "/" + name
	return u.String()
}

// setup connects to the server and makes sure a template for the current
// migrations exists. Test binaries of several packages run at once, so the
// template is built under an advisory lock, and named by a hash of the
// migration files so a changed migration gets a new template.
func setup() {
	if baseURL() == "" {
		initErr = fmt.Errorf("DATABASE_URL is not set: run the tests with scripts/test")
		return
	}
	admin, initErr = sql.Open("pgx", baseURL())
	if initErr != nil {
		return
	}
	admin.SetMaxOpenConns(4)
	template, initErr = migrationsHash()
	if initErr != nil {
		return
	}
	template = "kemitraan_tmpl_" + template
	initErr = ensureTemplate(context.Background())
}

func ensureTemplate(ctx context.Context) error {
	conn, err := admin.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(hashtext('kemitraan_dbtest_template'))"); err != nil {
		return err
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock(hashtext('kemitraan_dbtest_template'))") //nolint:errcheck

	var ready sql.NullBool
	err = conn.QueryRowContext(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", template).Scan(&ready)
	if err == nil && ready.Bool {
		return nil
	}
	if err == nil { // a build that died half-way: start again
		if _, err := conn.ExecContext(ctx, "DROP DATABASE "+template+" WITH (FORCE)"); err != nil {
			return err
		}
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+template); err != nil {
		return err
	}
	if err := migrateTemplate(ctx); err != nil {
		return fmt.Errorf("building template: %w", err)
	}
	_, err = conn.ExecContext(ctx, "ALTER DATABASE "+template+" WITH IS_TEMPLATE true")
	return err
}

func migrateTemplate(ctx context.Context) error {
	cfg := config.Default().Database
	cfg.URL = config.Secret(withDatabase(baseURL(), template))
	db, err := database.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer database.Close(db) //nolint:errcheck
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	m, err := database.NewMigrator(sqlDB)
	if err != nil {
		return err
	}
	_, err = m.Up(ctx)
	return err
}

func migrationsHash() (string, error) {
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(migrations.FS, n)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Reopen opens a second pool on the database behind db, for a test that
// needs another session at the same time (one holding a lock the code under
// test waits for), whatever size the pool under test has.
func Reopen(t testing.TB, db *gorm.DB) *gorm.DB {
	t.Helper()
	var name string
	if err := db.Raw("SELECT current_database()").Scan(&name).Error; err != nil {
		t.Fatalf("dbtest: reopen: %v", err)
	}
	return open(t, withDatabase(baseURL(), name))
}

// Beside opens a connection of the test's own to db's database, outside
// db's pool (which may hold a single connection: PoolEnv), for a test that
// holds a lock or a transaction while the code under test works; it is
// closed when t ends.
func Beside(t testing.TB, db *gorm.DB) *sql.DB {
	t.Helper()
	var name string
	if err := db.Raw(`SELECT current_database()`).Row().Scan(&name); err != nil {
		t.Fatalf("dbtest: current database: %v", err)
	}
	side, err := sql.Open("pgx", withDatabase(baseURL(), name))
	if err != nil {
		t.Fatalf("dbtest: open beside: %v", err)
	}
	t.Cleanup(func() { _ = side.Close() })
	return side
}

// NeedsTwoConnections skips t on the pool of one (PoolEnv=1): a test where
// two units of work run at once by design (a background import and the
// page that follows it) cannot pass there, and proves nothing about a unit
// that asks for a second connection.
func NeedsTwoConnections(t testing.TB) {
	t.Helper()
	if _, strict := poolSize(t); strict {
		t.Skip("two units of work at once: not on the pool of one connection")
	}
}
