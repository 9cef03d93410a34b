package compliance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"kemitraan/app/audit"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/files"
)

const maxExemptionReason = 2000

// Exemption excuses a business for a period: its evaluation is exempt.
type Exemption struct {
	ID             int64      `json:"id"`
	BusinessID     int64      `json:"business_id"`
	Period         string     `json:"period"`
	Reason         string     `json:"reason"`
	DocumentFileID int64      `json:"document_file_id"`
	GrantedBy      *int64     `json:"granted_by"`
	GrantedAt      time.Time  `json:"granted_at"`
	RevokedAt      *time.Time `json:"revoked_at"`
	RevokedBy      *int64     `json:"revoked_by"`
	RevokeReason   string     `json:"revoke_reason"`
}

// ExemptionInput is an officer's exemption request.
type ExemptionInput struct {
	BusinessID int64
	Period     string
	Reason     string
}

// CheckExemption validates an exemption request before its document is
// read, so a bad request stores nothing.
func (x *Service) CheckExemption(ctx context.Context, in *ExemptionInput) error {
	in.Reason = strings.TrimSpace(in.Reason)
	var c fault.Checker
	if in.BusinessID <= 0 {
		c.Add("business_id", "wajib diisi")
	}
	p, err := ParsePeriod(in.Period)
	if err != nil {
		c.Add("period", err.Error())
	} else {
		in.Period = p.String()
		rs, err := RuleSetFor(ctx, x.db, p)
		switch {
		case errors.Is(err, fault.ErrNotFound):
			c.Add("period", "tidak ada aturan yang berlaku untuk periode ini")
		case err != nil:
			return err
		case rs.Period != p.Kind:
			c.Add("period", "aturan yang berlaku memakai periode "+rs.Period.Name())
		}
	}
	if in.Reason == "" {
		c.Add("reason", "wajib diisi: sebutkan alasan pembebasan (misalnya keadaan kahar atau penutupan usaha)")
	} else if utf8.RuneCountInString(in.Reason) > maxExemptionReason {
		c.Add("reason", fmt.Sprintf("paling banyak %d karakter", maxExemptionReason))
	}
	if in.BusinessID > 0 {
		var n int64
		if err := x.db.WithContext(ctx).Table("businesses").Where("id = ?", in.BusinessID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			c.Add("business_id", "usaha tidak ditemukan")
		}
	}
	return c.Err()
}

// Grant records an exemption with its document in one transaction with its
// audit event. One standing exemption per business and period (409). The
// evaluation shows it the next time the period is evaluated.
func (x *Service) Grant(ctx context.Context, in ExemptionInput, docName string, doc io.Reader) (Exemption, error) {
	if err := x.CheckExemption(ctx, &in); err != nil {
		return Exemption{}, err
	}
	a := actor.From(ctx)
	now := x.clock.Now().UTC()
	var out Exemption
	err := x.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		f, err := x.files.Save(ctx, tx, doc, docName, files.Options{Field: "document"})
		if err != nil {
			return err
		}
		out = Exemption{BusinessID: in.BusinessID, Period: in.Period, Reason: in.Reason, DocumentFileID: f.ID, GrantedAt: now}
		out.GrantedBy = a.OptionalUserID()
		if err := tx.Table("exemptions").Create(&out).Error; err != nil {
			if _, ok := database.UniqueViolation(err); ok {
				return &fault.Error{Kind: fault.KindConflict, Code: "exemption_exists",
					Detail: fmt.Sprintf("Usaha ini sudah dibebaskan untuk periode %s.", in.Period),
					Fields: []fault.FieldError{fault.Field("period", "sudah ada pembebasan untuk periode ini")}, Err: err}
			}
			return fmt.Errorf("compliance: grant exemption: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "exemption.grant", EntityType: "exemption",
			EntityID: fmt.Sprint(out.ID), After: out})
	})
	return out, err
}

// Revoke withdraws a standing exemption, with a reason.
func (x *Service) Revoke(ctx context.Context, id int64, reason string) (Exemption, error) {
	reason = strings.TrimSpace(reason)
	var c fault.Checker
	c.Check(reason != "", "reason", "wajib diisi")
	c.Check(utf8.RuneCountInString(reason) <= maxExemptionReason, "reason", fmt.Sprintf("paling banyak %d karakter", maxExemptionReason))
	if err := c.Err(); err != nil {
		return Exemption{}, err
	}
	a := actor.From(ctx)
	now := x.clock.Now().UTC()
	var out Exemption
	err := x.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Table("exemptions").Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&out).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return exemptionNotFound()
		}
		if err != nil {
			return err
		}
		if out.RevokedAt != nil {
			e := fault.Conflict("exemption_revoked", "Pembebasan ini sudah dicabut.")
			e.Extra = map[string]any{"revoked_at": out.RevokedAt.UTC().Format(time.RFC3339)}
			return e
		}
		before := out
		out.RevokedAt, out.RevokeReason = &now, reason
		out.RevokedBy = a.OptionalUserID()
		if err := tx.Table("exemptions").Where("id = ?", id).Updates(map[string]any{
			"revoked_at": now, "revoked_by": out.RevokedBy, "revoke_reason": reason}).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "exemption.revoke", EntityType: "exemption",
			EntityID: fmt.Sprint(id), Before: before, After: out})
	})
	return out, err
}

func exemptionNotFound() *fault.Error {
	return fault.NotFound("exemption_not_found", "Pembebasan tidak ditemukan.")
}

// ExemptionFilter narrows the exemption list.
type ExemptionFilter struct {
	Period     string
	BusinessID int64
	Revoked    *bool
}

// ListExemptions lists exemptions newest first, with the next cursor.
func (x *Service) ListExemptions(ctx context.Context, f ExemptionFilter, cursor int64, limit int) ([]Exemption, int64, error) {
	q := x.db.WithContext(ctx).Table("exemptions")
	if f.Period != "" {
		p, err := ParsePeriod(f.Period)
		if err != nil {
			return nil, 0, fault.Invalid(fault.Field("period", err.Error()))
		}
		q = q.Where("period = ?", p.String())
	}
	if f.BusinessID != 0 {
		q = q.Where("business_id = ?", f.BusinessID)
	}
	if f.Revoked != nil {
		if *f.Revoked {
			q = q.Where("revoked_at IS NOT NULL")
		} else {
			q = q.Where("revoked_at IS NULL")
		}
	}
	if cursor > 0 {
		q = q.Where("id < ?", cursor)
	}
	limit = database.PageSize(limit)
	var rows []Exemption
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("compliance: list exemptions: %w", err)
	}
	rows, next := database.KeysetPage(rows, limit, func(e Exemption) int64 { return e.ID })
	return rows, next, nil
}

// Document opens an exemption's document.
func (x *Service) Document(ctx context.Context, id int64) (files.File, io.ReadSeekCloser, error) {
	var e Exemption
	err := x.db.WithContext(ctx).Table("exemptions").Where("id = ?", id).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return files.File{}, nil, exemptionNotFound()
	}
	if err != nil {
		return files.File{}, nil, err
	}
	f, fh, err := x.files.Open(ctx, x.db, e.DocumentFileID)
	if err != nil {
		return files.File{}, nil, err
	}
	return f, fh, nil
}
