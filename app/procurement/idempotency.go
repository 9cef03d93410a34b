package procurement

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
)

// Idem carries a request's Idempotency-Key into a unit of work that creates
// money records. The key is claimed inside the work's own transaction, so a
// concurrent retry waits for the first and then replays its answer, and a
// failed first attempt leaves no key behind.
type Idem[T any] struct {
	Key string
	// Hash identifies the request (method, path and body, the body by its
	// meaning rather than its bytes); the same key with another hash is
	// refused.
	Hash []byte
	// Answer renders the response stored for replays.
	Answer func(T) (status int, body []byte, err error)
}

// Replay is the stored first answer to a repeated request.
type Replay struct {
	Status int
	Body   []byte
}

// IdempotencyTTL is how long keys are kept at least.
const IdempotencyTTL = 24 * time.Hour

// MaxIdempotencyKey is the longest key accepted.
const MaxIdempotencyKey = 255

// CheckIdempotencyKey validates a header value ("" means none).
func CheckIdempotencyKey(key string) error {
	if len(key) > MaxIdempotencyKey {
		return fault.Invalid(fault.Field("Idempotency-Key", fmt.Sprintf("paling panjang %d karakter", MaxIdempotencyKey)))
	}
	for _, r := range key {
		if r < 0x21 || r > 0x7e {
			return fault.Invalid(fault.Field("Idempotency-Key", "hanya boleh berisi karakter ASCII yang terlihat"))
		}
	}
	return nil
}

// claim records the key inside tx, or returns the earlier answer when the
// key was used before with the same request.
func claim(ctx context.Context, tx *gorm.DB, scope int64, key string, hash []byte, now time.Time) (*Replay, error) {
	res := tx.WithContext(ctx).Exec(`INSERT INTO idempotency_keys (scope, key, request_hash, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (scope, key) DO NOTHING`, scope, key, hash, now)
	if res.Error != nil {
		return nil, fmt.Errorf("procurement: claim idempotency key: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return nil, nil
	}
	var prior struct {
		RequestHash    []byte
		ResponseStatus int
		ResponseBody   []byte
	}
	if err := tx.WithContext(ctx).Raw(`SELECT request_hash, response_status, response_body
		FROM idempotency_keys WHERE scope = ? AND key = ?`, scope, key).Scan(&prior).Error; err != nil {
		return nil, fmt.Errorf("procurement: read idempotency key: %w", err)
	}
	if !bytes.Equal(prior.RequestHash, hash) {
		e := fault.Invalid(fault.Field("Idempotency-Key",
			"kunci ini sudah dipakai untuk permintaan dengan isi yang berbeda"))
		e.Code = "idempotency_key_reused"
		e.Detail = "Idempotency-Key yang sama dikirim dengan isi permintaan yang berbeda."
		return nil, e
	}
	return &Replay{Status: prior.ResponseStatus, Body: prior.ResponseBody}, nil
}

// completeStmt stores the answer for replays; it runs in the key's
// transaction.
func completeStmt(scope int64, key string, status int, body []byte) database.Stmt {
	return database.Stmt{SQL: `UPDATE idempotency_keys SET response_status = ?, response_body = ?
		WHERE scope = ? AND key = ?`, Args: []any{status, body, scope, key}}
}

// withIdem runs work in a transaction guarded by idem (which may be nil).
func withIdem[T any](ctx context.Context, s *Service, scope int64, idem *Idem[T], work func(tx *gorm.DB) (T, error)) (T, *Replay, error) {
	var out T
	var replay *Replay
	keyed := idem != nil && idem.Key != ""
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if keyed {
			r, err := claim(ctx, tx, scope, idem.Key, idem.Hash, s.now())
			if err != nil || r != nil {
				replay = r
				return err
			}
		}
		v, err := work(tx)
		if err != nil {
			return err
		}
		out = v
		if !keyed {
			return nil
		}
		status, body, err := idem.Answer(v)
		if err != nil {
			return err
		}
		return database.Exec(ctx, tx, completeStmt(scope, idem.Key, status, body))
	})
	return out, replay, err
}

// PurgeIdempotencyKeys removes keys older than IdempotencyTTL (for a
// scheduled job) and reports how many went.
func PurgeIdempotencyKeys(ctx context.Context, db *gorm.DB, now time.Time) (int64, error) {
	res := db.WithContext(ctx).Exec("DELETE FROM idempotency_keys WHERE created_at < ?", now.Add(-IdempotencyTTL))
	return res.RowsAffected, res.Error
}
