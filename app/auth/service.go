package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
)

// Service keeps accounts, sessions and API tokens in the database.
type Service struct {
	db    *gorm.DB
	clock clock.Clock
	cfg   config.Auth
}

// NewService returns the accounts service; cfg gives the session lifetime
// and the login rate limit.
func NewService(db *gorm.DB, clk clock.Clock, cfg config.Auth) *Service {
	return &Service{db: db, clock: clk, cfg: cfg}
}

// Token prefixes tell a session token from an ERP API token at a glance (and
// to secret scanners).
const (
	sessionTokenPrefix = "kms_"
	apiTokenPrefix     = "kmt_"
	// shownPrefixLen is how much of an API token its list shows, so a person
	// can tell tokens apart without the secret.
	shownPrefixLen = len(apiTokenPrefix) + 8
)

// newToken returns a random bearer token with the given prefix and the
// SHA-256 hash under which it is stored. The token carries 256 random bits,
// so a fast hash is as safe as a slow one and keeps lookups to one index probe.
func newToken(prefix string) (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("auth: token: %w", err)
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token), nil
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// touchEvery is how stale a last-seen or last-used time may get before a
// request writes it again, so authenticating is a read, not a write.
const touchEvery = time.Minute

// now is the clock's time at PostgreSQL's precision, so an answer shows the
// same instant as the row it wrote.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }
