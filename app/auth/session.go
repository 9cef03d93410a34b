package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
)

type sessionRow struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     int64
	TokenHash  []byte
	CreatedAt  time.Time
	ExpiresAt  time.Time
	RevokedAt  *time.Time
	LastSeenAt time.Time
	IP         string `gorm:"column:ip"`
	UserAgent  string
}

func (sessionRow) TableName() string { return "sessions" }

// Session is a bearer token just issued; the token is shown once and only its
// hash is kept.
type Session struct {
	ID        int64
	Token     string
	ExpiresAt time.Time
}

// Errors a bearer token can meet. Each is a 401; the detail tells the person
// what to do.
var (
	errTokenInvalid = &fault.Error{Kind: fault.KindUnauthenticated, Code: "unauthenticated",
		Detail: "Token tidak dikenal. Silakan masuk kembali."}
	errSessionExpired = &fault.Error{Kind: fault.KindUnauthenticated, Code: "unauthenticated",
		Detail: "Sesi telah berakhir. Silakan masuk kembali."}
	errSessionRevoked = &fault.Error{Kind: fault.KindUnauthenticated, Code: "unauthenticated",
		Detail: "Sesi telah diakhiri. Silakan masuk kembali."}
	errAccountInactive = &fault.Error{Kind: fault.KindUnauthenticated, Code: "unauthenticated",
		Detail: "Akun ini dinonaktifkan. Hubungi admin Dinas."}
	errAPITokenRevoked = &fault.Error{Kind: fault.KindUnauthenticated, Code: "unauthenticated",
		Detail: "Token API telah dicabut."}
)

// IssueSession starts a session for userID and returns its token. It writes
// no audit event; Login and Refresh start theirs through issueSession, in
// their own transaction, and write one.
func (s *Service) IssueSession(ctx context.Context, userID int64, ip, userAgent string) (Session, error) {
	return s.issueSession(ctx, s.db, userID, ip, userAgent)
}

func (s *Service) issueSession(ctx context.Context, tx *gorm.DB, userID int64, ip, userAgent string) (Session, error) {
	token, hash, err := newToken(sessionTokenPrefix)
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	row := sessionRow{
		UserID: userID, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL),
		LastSeenAt: now, IP: ip, UserAgent: database.Text(userAgent, 400),
	}
	if err := tx.WithContext(ctx).Create(&row).Error; err != nil {
		return Session{}, fmt.Errorf("auth: create session: %w", err)
	}
	return Session{ID: row.ID, Token: token, ExpiresAt: row.ExpiresAt}, nil
}

// Authenticate resolves a bearer token (a session token or an ERP API token)
// to the actor it stands for. Any unusable token is a 401 fault.
func (s *Service) Authenticate(ctx context.Context, token string) (actor.Actor, error) {
	if strings.HasPrefix(token, apiTokenPrefix) {
		return s.authenticateAPIToken(ctx, token)
	}
	if !strings.HasPrefix(token, sessionTokenPrefix) {
		return actor.Actor{}, errTokenInvalid
	}
	var r struct {
		SessionID  int64
		ExpiresAt  time.Time
		RevokedAt  *time.Time
		LastSeenAt time.Time
		UserID     int64
		Username   string
		Role       string
		BusinessID *int64
		IKMID      *int64 `gorm:"column:ikm_id"`
		Active     bool
		Language   string
	}
	err := s.db.WithContext(ctx).Raw(`
		SELECT s.id AS session_id, s.expires_at, s.revoked_at, s.last_seen_at,
		       u.id AS user_id, u.username, u.role, u.business_id, u.ikm_id, u.active, u.language
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ?`, hashToken(token)).Take(&r).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return actor.Actor{}, errTokenInvalid
	case err != nil:
		return actor.Actor{}, fmt.Errorf("auth: session lookup: %w", err)
	}
	now := s.now()
	switch {
	case r.RevokedAt != nil:
		return actor.Actor{}, errSessionRevoked
	case !now.Before(r.ExpiresAt):
		return actor.Actor{}, errSessionExpired
	case !r.Active:
		return actor.Actor{}, errAccountInactive
	}
	if now.Sub(r.LastSeenAt) >= touchEvery {
		if err := s.db.WithContext(ctx).Exec(`UPDATE sessions SET last_seen_at = ? WHERE id = ?`, now, r.SessionID).Error; err != nil {
			return actor.Actor{}, fmt.Errorf("auth: session last seen: %w", err)
		}
	}
	return actor.Actor{
		UserID: r.UserID, Username: r.Username, Role: actor.Role(r.Role),
		BusinessID: deref(r.BusinessID), IKMID: deref(r.IKMID), SessionID: r.SessionID, Language: r.Language,
	}, nil
}

func (s *Service) authenticateAPIToken(ctx context.Context, token string) (actor.Actor, error) {
	var r struct {
		ID         int64
		BusinessID int64
		RevokedAt  *time.Time
		LastUsedAt *time.Time
	}
	// Straight through database/sql: every ERP report starts here.
	err := database.QueryRow(ctx, s.db, `SELECT id, business_id, revoked_at, last_used_at FROM api_tokens
		WHERE token_hash = ?`, hashToken(token)).Scan(&r.ID, &r.BusinessID, &r.RevokedAt, &r.LastUsedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return actor.Actor{}, errTokenInvalid
	case err != nil:
		return actor.Actor{}, fmt.Errorf("auth: api token lookup: %w", err)
	case r.RevokedAt != nil:
		return actor.Actor{}, errAPITokenRevoked
	}
	now := s.now()
	if r.LastUsedAt == nil || now.Sub(*r.LastUsedAt) >= touchEvery {
		if err := s.db.WithContext(ctx).Exec(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, now, r.ID).Error; err != nil {
			return actor.Actor{}, fmt.Errorf("auth: api token last used: %w", err)
		}
	}
	// The company role makes role-based scoping treat the token as its
	// business's own; what it may do comes from the token permission list,
	// which Allowed consults first.
	return actor.Actor{TokenID: r.ID, BusinessID: r.BusinessID, Role: actor.RoleCompany}, nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
