package auth

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"kemitraan/app/audit"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
)

// APIToken is an ERP API token as people see it: never its secret or hash.
type APIToken struct {
	ID         int64      `json:"id"`
	BusinessID int64      `json:"business_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedBy  int64      `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func (APIToken) TableName() string { return "api_tokens" }

type apiTokenRow struct {
	APIToken
	TokenHash []byte
	RevokedBy *int64
}

func (apiTokenRow) TableName() string { return "api_tokens" }

// NewAPIToken is a request for a token. A company user's token is always
// for their own business, so BusinessID may be left zero.
type NewAPIToken struct {
	BusinessID int64
	Name       string
}

const tokenNameMax = 100

// CreateAPIToken issues an ERP token for one business and returns it with
// its secret, which is never shown again.
func (s *Service) CreateAPIToken(ctx context.Context, in NewAPIToken) (APIToken, string, error) {
	a := actor.From(ctx)
	var c fault.Checker
	in.Name = strings.TrimSpace(in.Name)
	c.Check(in.Name != "", "name", "wajib diisi")
	c.Check(utf8.RuneCountInString(in.Name) <= tokenNameMax, "name", fmt.Sprintf("paling banyak %d karakter", tokenNameMax))
	switch {
	case a.BusinessID != 0:
		// A company user: their own business, whatever they name. Naming
		// another reads as an unknown business, never as "not yours".
		if in.BusinessID != 0 && in.BusinessID != a.BusinessID {
			c.Add("business_id", "usaha tidak ditemukan")
		}
		in.BusinessID = a.BusinessID
	case in.BusinessID <= 0:
		c.Add("business_id", "wajib diisi")
	}
	if a.UserID == 0 {
		return APIToken{}, "", fault.ErrUnauthenticated
	}
	if !c.Has("business_id") {
		var status string
		err := s.db.WithContext(ctx).Raw(`SELECT status FROM businesses WHERE id = ?`, in.BusinessID).Row().Scan(&status)
		switch {
		case isNoRows(err):
			c.Add("business_id", "usaha tidak ditemukan")
		case err != nil:
			return APIToken{}, "", fmt.Errorf("auth: token business: %w", err)
		case status != "active":
			c.Add("business_id", "usaha tidak berstatus aktif")
		}
	}
	if err := c.Err(); err != nil {
		return APIToken{}, "", err
	}

	secret, hash, err := newToken(apiTokenPrefix)
	if err != nil {
		return APIToken{}, "", err
	}
	row := apiTokenRow{
		APIToken: APIToken{
			BusinessID: in.BusinessID, Name: in.Name, Prefix: secret[:shownPrefixLen],
			CreatedBy: a.UserID, CreatedAt: s.now(),
		},
		TokenHash: hash,
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("auth: create token: %w", err)
		}
		return audit.Record(ctx, tx, row.CreatedAt, audit.Event{
			Action: "token.create", EntityType: "api_token", EntityID: strconv.FormatInt(row.ID, 10),
			After: row.APIToken,
		})
	})
	if err != nil {
		return APIToken{}, "", err
	}
	return row.APIToken, secret, nil
}

// APITokenFilter narrows the token list. A company user always sees only
// their own business's tokens.
type APITokenFilter struct {
	BusinessID     int64
	IncludeRevoked bool
	Page           PageRequest
}

// ListAPITokens lists tokens, newest first.
func (s *Service) ListAPITokens(ctx context.Context, f APITokenFilter) (Page[APIToken], error) {
	a := actor.From(ctx)
	q := s.db.WithContext(ctx).Model(&APIToken{})
	if a.BusinessID != 0 {
		q = q.Where("business_id = ?", a.BusinessID)
	}
	if f.BusinessID != 0 {
		q = q.Where("business_id = ?", f.BusinessID)
	}
	if !f.IncludeRevoked {
		q = q.Where("revoked_at IS NULL")
	}
	return paginate[APIToken](q, f.Page, "id DESC")
}

// RevokeAPIToken ends a token at once. Revoking a revoked token changes
// nothing and answers it as it is.
func (s *Service) RevokeAPIToken(ctx context.Context, id int64) (APIToken, error) {
	a := actor.From(ctx)
	var out APIToken
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Model(&APIToken{}).Clauses(lockForUpdate).Where("id = ?", id)
		if a.BusinessID != 0 {
			q = q.Where("business_id = ?", a.BusinessID)
		}
		err := q.Take(&out).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			return fault.NotFound("token_not_found", "Token API tidak ditemukan.")
		case err != nil:
			return fmt.Errorf("auth: token %d: %w", id, err)
		case out.RevokedAt != nil:
			return nil
		}
		before := out
		now := s.now()
		if err := tx.Exec(`UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ?`,
			now, a.OptionalUserID(), id).Error; err != nil {
			return fmt.Errorf("auth: revoke token %d: %w", id, err)
		}
		out.RevokedAt = &now
		return audit.Record(ctx, tx, now, audit.Event{
			Action: "token.revoke", EntityType: "api_token", EntityID: strconv.FormatInt(id, 10),
			Before: before, After: out,
		})
	})
	return out, err
}
