// Command bare is the baseline scripts/bench-write measures kemitraan's
// POST /api/v1/purchases against: the least a server can do for the same
// request on the same PostgreSQL. echo and a pgx pool as large as
// kemitraan's default; per request the ERP token looked up by its SHA-256
// hash, the JSON body decoded, and one INSERT into bare_purchases (made with
// `CREATE TABLE bare_purchases (LIKE purchases INCLUDING ALL)`: the same
// columns, defaults, checks and indexes, no foreign keys or triggers). No
// middleware, no IKM lookup (the body must name ikm_id), no confirmation
// link, audit event or outbox message.
//
//	bare -addr 127.0.0.1:8081 -database-url postgres://…
package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"kemitraan/app/platform/config"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	dbURL := flag.String("database-url", os.Getenv("DATABASE_URL"), "PostgreSQL URL (default $DATABASE_URL)")
	maxConns := flag.Int("max-conns", config.Default().Database.MaxOpenConns, "pool size (default kemitraan's)")
	flag.Parse()
	if *dbURL == "" {
		return errors.New("no database: set -database-url or DATABASE_URL")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	pc, err := pgxpool.ParseConfig(*dbURL)
	if err != nil {
		return err
	}
	pc.MaxConns = int32(*maxConns)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := pool.Ping(ctx); err != nil {
		return err
	}

	s := &server{pool: pool}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/readyz", s.ready)
	e.POST("/api/v1/purchases", s.report)
	errc := make(chan error, 1)
	go func() { errc <- e.Start(*addr) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return e.Shutdown(shutdown)
}

type server struct {
	pool *pgxpool.Pool
}

func (s *server) ready(c echo.Context) error {
	if err := s.pool.Ping(c.Request().Context()); err != nil {
		return answer(c, http.StatusServiceUnavailable, err.Error())
	}
	return c.String(http.StatusOK, "ok")
}

// purchaseRequest holds the fields kemitraan's POST /api/v1/purchases takes.
type purchaseRequest struct {
	IKMID         int64  `json:"ikm_id"`
	IKMNIB        string `json:"ikm_nib"`
	InvoiceNumber string `json:"invoice_number"`
	PurchaseDate  string `json:"purchase_date"`
	Description   string `json:"description"`
	Quantity      *int64 `json:"quantity"`
	Amount        int64  `json:"amount"`
}

type purchaseResponse struct {
	ID            int64     `json:"id"`
	InvoiceNumber string    `json:"invoice_number"`
	CreatedAt     time.Time `json:"created_at"`
}

// confirmWindow is the rule set's confirmation window (bekasi-2025: 14
// days); kemitraan reads it per request, the baseline takes it as known.
const confirmWindow = "14 days"

func (s *server) report(c echo.Context) error {
	ctx := c.Request().Context()
	token, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
	if !ok {
		return answer(c, http.StatusUnauthorized, "no bearer token")
	}
	hash := sha256.Sum256([]byte(token))
	var tokenID, businessID int64
	var revokedAt *time.Time
	err := s.pool.QueryRow(ctx, `SELECT id, business_id, revoked_at FROM api_tokens WHERE token_hash = $1`,
		hash[:]).Scan(&tokenID, &businessID, &revokedAt)
	switch {
	case errors.Is(err, pgx.ErrNoRows), err == nil && revokedAt != nil:
		return answer(c, http.StatusUnauthorized, "unknown or revoked token")
	case err != nil:
		return answer(c, http.StatusInternalServerError, err.Error())
	}

	var req purchaseRequest
	if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil {
		return answer(c, http.StatusBadRequest, "body: "+err.Error())
	}
	date, err := time.Parse(time.DateOnly, req.PurchaseDate)
	qty := int64(1)
	if req.Quantity != nil {
		qty = *req.Quantity
	}
	switch {
	case req.IKMID <= 0:
		return answer(c, http.StatusUnprocessableEntity, "ikm_id is required: the baseline looks up no NIB")
	case strings.TrimSpace(req.InvoiceNumber) == "", strings.TrimSpace(req.Description) == "":
		return answer(c, http.StatusUnprocessableEntity, "invoice_number and description are required")
	case err != nil:
		return answer(c, http.StatusUnprocessableEntity, "purchase_date: "+err.Error())
	case req.Amount <= 0 || qty < 1:
		return answer(c, http.StatusUnprocessableEntity, "amount and quantity must be positive")
	}

	// The NOT NULL columns get what kemitraan writes for an ERP report.
	var out purchaseResponse
	err = s.pool.QueryRow(ctx, `
		INSERT INTO bare_purchases (business_id, ikm_id, invoice_number, purchase_date, description, quantity, amount,
			status, confirm_by, source, created_token_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'reported', now() + $8::interval, 'erp', $9, now(), now())
		RETURNING id, invoice_number, created_at`,
		businessID, req.IKMID, strings.TrimSpace(req.InvoiceNumber), date, strings.TrimSpace(req.Description), qty,
		req.Amount, confirmWindow, tokenID).Scan(&out.ID, &out.InvoiceNumber, &out.CreatedAt)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		return answer(c, http.StatusConflict, "invoice number already reported")
	case err != nil:
		return answer(c, http.StatusInternalServerError, err.Error())
	}
	return c.JSON(http.StatusCreated, out)
}

func answer(c echo.Context, status int, detail string) error {
	return c.JSON(status, map[string]string{"detail": detail})
}
