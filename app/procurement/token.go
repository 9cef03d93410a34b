package procurement

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"kemitraan/app/platform/database"
)

// A confirmation link carries a token "<nonce>.<mac>": a 16-byte nonce and
// its HMAC under the installation's signing secret, both base64url. The
// nonce of a purchase's link is the purchase's id (8 bytes, big-endian) and
// 8 random bytes, kept in purchases.link_nonce: the link is found by the
// purchase's primary key and can be shown again to an officer, and a
// forged or mistyped token fails the MAC check before any lookup. Links
// issued before migration 00010 (a random nonce, its hash stored in
// confirmation_tokens) are still found there until they expire.

const secretName = "confirmation_token"

// token is a confirmation link's token.
type token struct {
	nonce []byte
	value string
	hash  []byte
}

// signingSecret is the configured secret, or the installation's, created on
// first use and committed on its own. It reads the pool: take it before a
// transaction begins, never inside one (a rolled-back first use would sign
// links with a secret nobody kept, and the read would ask the pool for a
// second connection).
func (s *Service) signingSecret(ctx context.Context) ([]byte, error) {
	return s.secretOn(ctx, s.db)
}

// secretOn is signingSecret reading db, a connection the caller holds
// outside any transaction.
func (s *Service) secretOn(ctx context.Context, db *gorm.DB) ([]byte, error) {
	if s.cfg.TokenSecret != "" {
		return []byte(s.cfg.TokenSecret), nil
	}
	s.secretMu.Lock()
	defer s.secretMu.Unlock()
	if s.secret != nil {
		return s.secret, nil
	}
	// Generated once per installation; every replica reads the same row.
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	db = db.WithContext(ctx)
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Table("installation_secrets").
		Create(map[string]any{"name": secretName, "value": fresh, "created_at": s.now()}).Error; err != nil {
		return nil, fmt.Errorf("procurement: store signing secret: %w", err)
	}
	var stored []byte
	if err := db.Raw("SELECT value FROM installation_secrets WHERE name = ?", secretName).Row().Scan(&stored); err != nil {
		return nil, fmt.Errorf("procurement: read signing secret: %w", err)
	}
	s.secret = stored
	return stored, nil
}

func mac(secret, nonce []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("kemitraan/confirmation\x00"))
	m.Write(nonce)
	return m.Sum(nil)[:16]
}

// b64 writes tokens; read strictly, a token has one spelling only (the
// spare bits of its last character zero), so an altered one never passes.
var b64 = base64.RawURLEncoding.Strict()

// linkNonce is the nonce of a new link to purchase id.
func linkNonce(id int64) ([]byte, error) {
	nonce := make([]byte, 16)
	binary.BigEndian.PutUint64(nonce, uint64(id))
	if _, err := rand.Read(nonce[8:]); err != nil {
		return nil, err
	}
	return nonce, nil
}

func tokenFor(secret, nonce []byte) token {
	v := b64.EncodeToString(nonce) + "." + b64.EncodeToString(mac(secret, nonce))
	h := sha256.Sum256([]byte(v))
	return token{nonce: nonce, value: v, hash: h[:]}
}

// checkToken verifies the MAC of a presented token and returns it.
func checkToken(secret []byte, value string) (token, bool) {
	n, m, ok := strings.Cut(value, ".")
	if !ok || len(value) > 100 {
		return token{}, false
	}
	nonce, err1 := b64.DecodeString(n)
	sig, err2 := b64.DecodeString(m)
	if err1 != nil || err2 != nil || len(nonce) != 16 || !hmac.Equal(sig, mac(secret, nonce)) {
		return token{}, false
	}
	return tokenFor(secret, nonce), true
}

// link is the password-less confirmation address of a token.
func (s *Service) link(value string) string {
	return strings.TrimRight(s.cfg.PublicURL, "/") + "/k/" + value
}

// openLink is what a presented link leads to.
type openLink struct {
	PurchaseID int64
	ExpiresAt  time.Time
	Used       bool // a decision was taken on the purchase, any way
}

// lookupLink finds the purchase a verified token leads to, locking it when
// lock is set; found is false for no purchase.
func lookupLink(ctx context.Context, db *gorm.DB, tok token, lock bool) (l openLink, found bool, err error) {
	forUpdate := ""
	if lock {
		forUpdate = " FOR UPDATE"
	}
	err = database.QueryRow(ctx, db, `SELECT id, confirm_by, status <> 'reported' FROM purchases
		WHERE id = ? AND link_nonce = ?`+forUpdate, int64(binary.BigEndian.Uint64(tok.nonce)), tok.nonce).
		Scan(&l.PurchaseID, &l.ExpiresAt, &l.Used)
	if errors.Is(err, sql.ErrNoRows) {
		// A link issued before purchases kept their own.
		err = database.QueryRow(ctx, db, `SELECT purchase_id, expires_at, used_at IS NOT NULL FROM confirmation_tokens
			WHERE token_hash = ? AND purchase_id IS NOT NULL`+forUpdate, tok.hash).Scan(&l.PurchaseID, &l.ExpiresAt, &l.Used)
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return l, false, nil
	case err != nil:
		return l, false, fmt.Errorf("procurement: confirmation link: %w", err)
	}
	return l, true, nil
}

// useTokens closes the open links kept in confirmation_tokens of the
// purchases (a purchase's own link closes with its first decision).
func useTokens(ctx context.Context, tx *gorm.DB, now time.Time, purchaseIDs ...int64) error {
	return tx.WithContext(ctx).Exec(`UPDATE confirmation_tokens SET used_at = ?
		WHERE purchase_id IN ? AND used_at IS NULL`, now, purchaseIDs).Error
}

// ConfirmationURL returns the live confirmation link of a purchase, if it
// has one that is neither used nor expired (shown to officers, who may pass
// it on by phone).
func (s *Service) ConfirmationURL(ctx context.Context, purchaseID int64) (url string, expires time.Time, ok bool, err error) {
	var nonce []byte
	err = database.QueryRow(ctx, s.db, `SELECT link_nonce, confirm_by FROM purchases
			WHERE id = ? AND link_nonce IS NOT NULL AND status = 'reported' AND confirm_by > ?
		UNION ALL
		SELECT nonce, expires_at FROM confirmation_tokens WHERE purchase_id = ? AND used_at IS NULL AND expires_at > ?
		LIMIT 1`, purchaseID, s.now(), purchaseID, s.now()).Scan(&nonce, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", time.Time{}, false, nil
	case err != nil:
		return "", time.Time{}, false, fmt.Errorf("procurement: link of %d: %w", purchaseID, err)
	}
	secret, err := s.signingSecret(ctx)
	if err != nil {
		return "", time.Time{}, false, err
	}
	return s.link(tokenFor(secret, nonce).value), expires, true, nil
}

// linkRetention is how long an expired, unused legacy confirmation link
// stays answerable as "expired" (410) before it is removed and answers
// "unknown".
const linkRetention = 30 * 24 * time.Hour

// PurgeExpiredLinks removes the legacy confirmation links that expired
// unused more than linkRetention before now, and returns how many. A link
// is refused from the moment it expires; this only keeps the table from
// growing. The purchase stays reported and uncounted until an officer
// verifies it.
func PurgeExpiredLinks(ctx context.Context, db *gorm.DB, now time.Time) (int64, error) {
	res := db.WithContext(ctx).Exec(`DELETE FROM confirmation_tokens WHERE used_at IS NULL AND expires_at < ?`,
		now.Add(-linkRetention))
	if res.Error != nil {
		return 0, fmt.Errorf("procurement: purge expired links: %w", res.Error)
	}
	return res.RowsAffected, nil
}
