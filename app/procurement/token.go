package procurement

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"kemitraan/app/platform/database"
)

// A confirmation link carries a token "<nonce>.<mac>": a random nonce and its
// HMAC under the installation's signing secret, both base64url. The database
// keeps the nonce (so an officer can be shown the link again) and the
// token's SHA-256 (for lookup); a forged or mistyped token fails the MAC
// check before any lookup.

const secretName = "confirmation_token"

// token is a confirmation token about to be stored.
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
	db := s.db.WithContext(ctx)
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

var b64 = base64.RawURLEncoding

// newToken makes a fresh signed token.
func newToken(secret []byte) (token, error) {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return token{}, err
	}
	return tokenFor(secret, nonce), nil
}

func tokenFor(secret, nonce []byte) token {
	v := b64.EncodeToString(nonce) + "." + b64.EncodeToString(mac(secret, nonce))
	h := sha256.Sum256([]byte(v))
	return token{nonce: nonce, value: v, hash: h[:]}
}

// checkToken verifies the MAC of a presented token and returns its hash.
func checkToken(secret []byte, value string) ([]byte, bool) {
	n, m, ok := strings.Cut(value, ".")
	if !ok || len(value) > 100 {
		return nil, false
	}
	nonce, err1 := b64.DecodeString(n)
	sig, err2 := b64.DecodeString(m)
	if err1 != nil || err2 != nil || len(nonce) != 16 || !hmac.Equal(sig, mac(secret, nonce)) {
		return nil, false
	}
	h := sha256.Sum256([]byte(value))
	return h[:], true
}

// link is the password-less confirmation address of a token.
func (s *Service) link(value string) string {
	return strings.TrimRight(s.cfg.PublicURL, "/") + "/api/v1/confirmations/" + value
}

// tokenRow is the stored shape of a confirmation token.
type tokenRow struct {
	ID         int64 `gorm:"primaryKey;->"`
	PurchaseID *int64
	OutletID   *int64
	Nonce      []byte
	TokenHash  []byte
	ExpiresAt  time.Time
	UsedAt     *time.Time
	CreatedAt  time.Time
}

func (tokenRow) TableName() string { return "confirmation_tokens" }

// issueToken stores a fresh token for purchase p inside tx.
func (s *Service) issueToken(ctx context.Context, tx *gorm.DB, p Purchase, secret []byte) (token, error) {
	tok, err := newToken(secret)
	if err != nil {
		return token{}, err
	}
	id := p.ID
	row := tokenRow{PurchaseID: &id, Nonce: tok.nonce, TokenHash: tok.hash, ExpiresAt: p.ConfirmBy, CreatedAt: s.now()}
	if err := tx.WithContext(ctx).Create(&row).Error; err != nil {
		return token{}, fmt.Errorf("procurement: store token: %w", err)
	}
	return tok, nil
}

// tokenStmt stores tok as the link of the new purchase p.
func tokenStmt(p Purchase, tok token, now time.Time) database.Stmt {
	return database.Stmt{SQL: `INSERT INTO confirmation_tokens (purchase_id, nonce, token_hash, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?)`, Args: []any{p.ID, tok.nonce, tok.hash, p.ConfirmBy, now}}
}

// useTokens closes every open link of the purchases: a decision taken any
// way (app, link, officer) ends them.
func useTokens(ctx context.Context, tx *gorm.DB, now time.Time, purchaseIDs ...int64) error {
	return tx.WithContext(ctx).Exec(`UPDATE confirmation_tokens SET used_at = ?
		WHERE purchase_id IN ? AND used_at IS NULL`, now, purchaseIDs).Error
}

// ConfirmationURL returns the live confirmation link of a purchase, if it
// has one that is neither used nor expired (shown to officers, who may pass
// it on by phone).
func (s *Service) ConfirmationURL(ctx context.Context, purchaseID int64) (url string, expires time.Time, ok bool, err error) {
	var row tokenRow
	res := s.db.WithContext(ctx).Where("purchase_id = ? AND used_at IS NULL AND expires_at > ?", purchaseID, s.now()).
		Order("id DESC").Limit(1).Find(&row)
	if res.Error != nil {
		return "", time.Time{}, false, fmt.Errorf("procurement: token of %d: %w", purchaseID, res.Error)
	}
	if res.RowsAffected == 0 {
		return "", time.Time{}, false, nil
	}
	secret, err := s.signingSecret(ctx)
	if err != nil {
		return "", time.Time{}, false, err
	}
	return s.link(tokenFor(secret, row.Nonce).value), row.ExpiresAt, true, nil
}
