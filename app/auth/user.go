package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"kemitraan/app/audit"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
)

// User is an account as people (and the audit trail) see it: never its
// password hash.
type User struct {
	ID         int64      `json:"id"`
	Username   string     `json:"username"`
	Name       string     `json:"name"`
	Email      string     `json:"email"`
	Role       actor.Role `json:"role"`
	BusinessID *int64     `json:"business_id"`
	IKMID      *int64     `json:"ikm_id" gorm:"column:ikm_id"`
	Active     bool       `json:"active"`
	// Position (jabatan), Rank (pangkat/golongan) and NIP are the signer's
	// profile that letters print under the signature; nil when not set.
	Position  *string   `json:"position"`
	Rank      *string   `json:"rank"`
	NIP       *string   `json:"nip" gorm:"column:nip"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (User) TableName() string { return "users" }

type userRow struct {
	User
	PasswordHash      string
	PasswordChangedAt time.Time
}

func (userRow) TableName() string { return "users" }

// NewUser is an account to create. A company user names their business, an
// IKM user their IKM; nobody else names either.
type NewUser struct {
	Username   string
	Name       string
	Email      string
	Role       actor.Role
	BusinessID *int64
	IKMID      *int64
	Password   string
	// The signer's profile, empty when not given: see User.
	Position, Rank, NIP string
}

// UserUpdate changes an account; nil fields stay as they are. Changing the
// role away from company or ikm drops the binding.
type UserUpdate struct {
	Name       *string
	Email      *string
	Role       *actor.Role
	BusinessID *int64
	IKMID      *int64
	Active     *bool
	// The signer's profile: nil stays, "" clears.
	Position, Rank, NIP *string
}

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$`)

const (
	nameMax     = 200
	positionMax = 200
	rankMax     = 100
	nipLen      = 18
)

func checkName(c *fault.Checker, name string) {
	c.Check(name != "", "name", "wajib diisi")
	c.Check(utf8.RuneCountInString(name) <= nameMax, "name", fmt.Sprintf("paling banyak %d karakter", nameMax))
}

func checkEmail(c *fault.Checker, email string) {
	if email == "" {
		return
	}
	addr, err := mail.ParseAddress(email)
	c.Check(err == nil && addr.Address == email && len(email) <= 254, "email", "bukan alamat e-mail yang valid")
}

// checkProfile validates and normalises a signer's profile field: blanks
// around it are dropped, and a NIP may be typed in its printed groups
// (19700101 199503 2 001). The result is nil for an empty value, which
// stores NULL.
func checkProfile(c *fault.Checker, field, value string) *string {
	value = strings.TrimSpace(value)
	switch field {
	case "position":
		c.Check(utf8.RuneCountInString(value) <= positionMax, field, fmt.Sprintf("paling banyak %d karakter", positionMax))
	case "rank":
		c.Check(utf8.RuneCountInString(value) <= rankMax, field, fmt.Sprintf("paling banyak %d karakter", rankMax))
	case "nip":
		value = strings.Join(strings.Fields(value), "")
		c.Check(value == "" || (len(value) == nipLen && strings.Trim(value, "0123456789") == ""), field,
			fmt.Sprintf("NIP terdiri dari %d angka, misalnya 197001011995032001", nipLen))
	}
	if value == "" {
		return nil
	}
	return &value
}

// CheckPassword reports what is wrong with a new password, for field.
func CheckPassword(c *fault.Checker, field, password, username string) {
	switch {
	case utf8.RuneCountInString(password) < PasswordMinLen:
		c.Add(field, fmt.Sprintf("paling sedikit %d karakter", PasswordMinLen))
	case len(password) > PasswordMaxLen:
		c.Add(field, fmt.Sprintf("paling banyak %d bita", PasswordMaxLen))
	case username != "" && strings.EqualFold(password, username):
		c.Add(field, "tidak boleh sama dengan nama pengguna")
	}
}

// checkBinding validates a role's business or IKM binding, including that
// the record exists.
func (s *Service) checkBinding(ctx context.Context, c *fault.Checker, role actor.Role, businessID, ikmID *int64) error {
	switch {
	case !role.Valid():
		return nil // the role's own error says enough
	case role == actor.RoleCompany:
		if businessID == nil {
			c.Add("business_id", "wajib diisi untuk pengguna peran company")
		} else if err := s.mustExist(ctx, c, "businesses", *businessID, "business_id", "usaha tidak ditemukan"); err != nil {
			return err
		}
	case businessID != nil:
		c.Add("business_id", "hanya untuk pengguna peran company")
	}
	switch {
	case !role.Valid():
	case role == actor.RoleIKM:
		if ikmID == nil {
			c.Add("ikm_id", "wajib diisi untuk pengguna peran ikm")
		} else if err := s.mustExist(ctx, c, "ikms", *ikmID, "ikm_id", "IKM tidak ditemukan"); err != nil {
			return err
		}
	case ikmID != nil:
		c.Add("ikm_id", "hanya untuk pengguna peran ikm")
	}
	return nil
}

func (s *Service) mustExist(ctx context.Context, c *fault.Checker, table string, id int64, field, reason string) error {
	var found bool
	// table is one of two constants above, never input.
	err := s.db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM `+table+` WHERE id = ?)`, id).Row().Scan(&found)
	if err != nil {
		return fmt.Errorf("auth: %s %d: %w", table, id, err)
	}
	c.Check(found, field, reason)
	return nil
}

func usernameTaken(err error) error {
	if constraint, ok := database.UniqueViolation(err); ok && constraint == "users_username_key" {
		e := fault.Conflict("username_taken", "Nama pengguna sudah dipakai.")
		e.Fields = []fault.FieldError{fault.Field("username", "sudah dipakai")}
		return e
	}
	return nil
}

// CreateUser validates and stores a new account. Every problem with the
// input is reported at once and nothing is written.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (User, error) {
	in.Username = strings.TrimSpace(in.Username)
	in.Name = strings.TrimSpace(in.Name)
	in.Email = strings.TrimSpace(in.Email)
	var c fault.Checker
	c.Check(in.Username != "", "username", "wajib diisi")
	c.Check(in.Username == "" || usernamePattern.MatchString(in.Username), "username",
		"3–64 karakter: huruf, angka, titik, garis bawah atau tanda hubung, diawali huruf atau angka")
	checkName(&c, in.Name)
	checkEmail(&c, in.Email)
	if in.Role == "" {
		c.Add("role", "wajib diisi")
	} else {
		c.Check(in.Role.Valid(), "role", fault.OneOf(actor.Roles))
	}
	CheckPassword(&c, "password", in.Password, in.Username)
	position := checkProfile(&c, "position", in.Position)
	rank := checkProfile(&c, "rank", in.Rank)
	nip := checkProfile(&c, "nip", in.NIP)
	if err := s.checkBinding(ctx, &c, in.Role, in.BusinessID, in.IKMID); err != nil {
		return User{}, err
	}
	if err := c.Err(); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	row := userRow{
		User: User{
			Username: in.Username, Name: in.Name, Email: in.Email, Role: in.Role,
			BusinessID: in.BusinessID, IKMID: in.IKMID, Active: true, Position: position, Rank: rank, NIP: nip,
			CreatedAt: now, UpdatedAt: now,
		},
		PasswordHash: hash, PasswordChangedAt: now,
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			if conflict := usernameTaken(err); conflict != nil {
				return conflict
			}
			return fmt.Errorf("auth: create user: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{
			Action: "user.create", EntityType: "user", EntityID: strconv.FormatInt(row.ID, 10), After: row.User,
		})
	})
	if err != nil {
		return User{}, err
	}
	return row.User, nil
}

var errUserNotFound = fault.NotFound("user_not_found", "Pengguna tidak ditemukan.")

// GetUser returns one account.
func (s *Service) GetUser(ctx context.Context, id int64) (User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&u).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return User{}, errUserNotFound
	case err != nil:
		return User{}, fmt.Errorf("auth: user %d: %w", id, err)
	}
	return u, nil
}

// UserFilter narrows the account list.
type UserFilter struct {
	Role       actor.Role
	Active     *bool
	BusinessID int64
	IKMID      int64
	Query      string // part of the username or name
	Page       PageRequest
}

// ListUsers lists accounts by username.
func (s *Service) ListUsers(ctx context.Context, f UserFilter) (Page[User], error) {
	q := s.db.WithContext(ctx).Model(&User{})
	if f.Role != "" {
		q = q.Where("role = ?", string(f.Role))
	}
	if f.Active != nil {
		q = q.Where("active = ?", *f.Active)
	}
	if f.BusinessID != 0 {
		q = q.Where("business_id = ?", f.BusinessID)
	}
	if f.IKMID != 0 {
		q = q.Where("ikm_id = ?", f.IKMID)
	}
	if t := strings.TrimSpace(f.Query); t != "" {
		like := database.LikeContaining(t)
		q = q.Where("(username ILIKE ? OR name ILIKE ?)", like, like)
	}
	return paginate[User](q, f.Page, "lower(username), id")
}

// UpdateUser changes an account. Deactivating it, or changing its role or
// binding, ends its sessions at once. The last active admin can be neither
// deactivated nor demoted, so the Dinas never locks itself out.
func (s *Service) UpdateUser(ctx context.Context, id int64, in UserUpdate) (User, error) {
	var c fault.Checker
	if in.Name != nil {
		*in.Name = strings.TrimSpace(*in.Name)
		checkName(&c, *in.Name)
	}
	if in.Email != nil {
		*in.Email = strings.TrimSpace(*in.Email)
		checkEmail(&c, *in.Email)
	}
	if in.Role != nil {
		c.Check(in.Role.Valid(), "role", fault.OneOf(actor.Roles))
	}
	// Checked in the order the fields are listed, so errors come out alike
	// every time.
	profile := map[string]*string{}
	for _, f := range []struct {
		field string
		value *string
	}{{"position", in.Position}, {"rank", in.Rank}, {"nip", in.NIP}} {
		if f.value != nil {
			profile[f.field] = checkProfile(&c, f.field, *f.value)
		}
	}
	if err := c.Err(); err != nil {
		return User{}, err
	}
	before, err := s.GetUser(ctx, id)
	if err != nil {
		return User{}, err
	}
	after := before
	if in.Name != nil {
		after.Name = *in.Name
	}
	if in.Email != nil {
		after.Email = *in.Email
	}
	if in.Active != nil {
		after.Active = *in.Active
	}
	if in.Role != nil {
		after.Role = *in.Role
	}
	if v, ok := profile["position"]; ok {
		after.Position = v
	}
	if v, ok := profile["rank"]; ok {
		after.Rank = v
	}
	if v, ok := profile["nip"]; ok {
		after.NIP = v
	}
	// The binding follows the role: kept while the role keeps needing it,
	// replaced when given, dropped when the new role has none.
	switch after.Role {
	case actor.RoleCompany:
		after.IKMID = nil
		if in.BusinessID != nil {
			after.BusinessID = in.BusinessID
		}
	case actor.RoleIKM:
		after.BusinessID = nil
		if in.IKMID != nil {
			after.IKMID = in.IKMID
		}
	default:
		after.BusinessID, after.IKMID = nil, nil
		if in.BusinessID != nil {
			c.Add("business_id", "hanya untuk pengguna peran company")
		}
		if in.IKMID != nil {
			c.Add("ikm_id", "hanya untuk pengguna peran ikm")
		}
	}
	if err := s.checkBinding(ctx, &c, after.Role, after.BusinessID, after.IKMID); err != nil {
		return User{}, err
	}
	if err := c.Err(); err != nil {
		return User{}, err
	}
	if sameUser(before, after) {
		return before, nil
	}
	now := s.now()
	after.UpdatedAt = now
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var current User
		if err := tx.Clauses(lockForUpdate).Where("id = ?", id).Take(&current).Error; err != nil {
			return fmt.Errorf("auth: lock user %d: %w", id, err)
		}
		if current.Role == actor.RoleAdmin && current.Active && (after.Role != actor.RoleAdmin || !after.Active) {
			if err := lastAdminGuard(ctx, tx, id); err != nil {
				return err
			}
		}
		if err := tx.Model(&User{}).Where("id = ?", id).Updates(map[string]any{
			"name": after.Name, "email": after.Email, "role": string(after.Role),
			"business_id": after.BusinessID, "ikm_id": after.IKMID, "active": after.Active,
			"position": after.Position, "rank": after.Rank, "nip": after.NIP, "updated_at": now,
		}).Error; err != nil {
			return fmt.Errorf("auth: update user %d: %w", id, err)
		}
		if !after.Active || after.Role != current.Role || !samePtr(after.BusinessID, current.BusinessID) ||
			!samePtr(after.IKMID, current.IKMID) {
			if err := revokeSessionsOf(ctx, tx, id, now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Event{
			Action: "user.update", EntityType: "user", EntityID: strconv.FormatInt(id, 10),
			Before: current, After: after,
		})
	})
	if err != nil {
		return User{}, err
	}
	return after, nil
}

// lastAdminGuard refuses to leave the system without an active admin. The
// active admins are locked so two admins cannot demote each other at once.
func lastAdminGuard(ctx context.Context, tx *gorm.DB, leaving int64) error {
	var ids []int64
	if err := tx.WithContext(ctx).Raw(`SELECT id FROM users WHERE role = 'admin' AND active FOR UPDATE`).
		Scan(&ids).Error; err != nil {
		return fmt.Errorf("auth: active admins: %w", err)
	}
	for _, id := range ids {
		if id != leaving {
			return nil
		}
	}
	return fault.Conflict("last_admin",
		"Ini admin aktif terakhir: angkat admin lain dahulu sebelum menonaktifkan atau mengubah perannya.")
}

func revokeSessionsOf(ctx context.Context, tx *gorm.DB, userID int64, now time.Time) error {
	if err := tx.WithContext(ctx).Exec(`UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
		now, userID).Error; err != nil {
		return fmt.Errorf("auth: revoke sessions of %d: %w", userID, err)
	}
	return nil
}

// ResetPassword sets a new password for an account (an admin's act) and
// ends its sessions.
func (s *Service) ResetPassword(ctx context.Context, id int64, password string) (User, error) {
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return User{}, err
	}
	var c fault.Checker
	CheckPassword(&c, "password", password, u.Username)
	if err := c.Err(); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?`,
			hash, now, now, id).Error; err != nil {
			return fmt.Errorf("auth: reset password %d: %w", id, err)
		}
		if err := revokeSessionsOf(ctx, tx, id, now); err != nil {
			return err
		}
		// The event says that it happened and who did it; the hash stays out.
		return audit.Record(ctx, tx, now, audit.Event{
			Action: "user.password_reset", EntityType: "user", EntityID: strconv.FormatInt(id, 10),
		})
	})
	if err != nil {
		return User{}, err
	}
	u.UpdatedAt = now
	return u, nil
}

func sameUser(a, b User) bool {
	return a.Name == b.Name && a.Email == b.Email && a.Role == b.Role && a.Active == b.Active &&
		samePtr(a.BusinessID, b.BusinessID) && samePtr(a.IKMID, b.IKMID) &&
		samePtr(a.Position, b.Position) && samePtr(a.Rank, b.Rank) && samePtr(a.NIP, b.NIP)
}

// samePtr reports whether two optional values are both absent or equal.
func samePtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// BindingByNIB finds the business or IKM a new company or IKM user will be
// bound to by its NIB (how people know them), for the command line. An
// unknown NIB is a field error on "business" or "ikm".
func (s *Service) BindingByNIB(ctx context.Context, businessNIB, ikmNIB string) (businessID, ikmID *int64, err error) {
	var c fault.Checker
	find := func(table, nib, field, reason string) (*int64, error) {
		if nib == "" {
			return nil, nil
		}
		var id int64
		// table is one of two constants below, never input.
		err := s.db.WithContext(ctx).Raw(`SELECT id FROM `+table+` WHERE nib = ?`, nib).Row().Scan(&id)
		switch {
		case isNoRows(err):
			c.Add(field, reason)
			return nil, nil
		case err != nil:
			return nil, fmt.Errorf("auth: %s %s: %w", table, nib, err)
		}
		return &id, nil
	}
	if businessID, err = find("businesses", businessNIB, "business", "tidak ada usaha dengan NIB "+businessNIB); err != nil {
		return nil, nil, err
	}
	if ikmID, err = find("ikms", ikmNIB, "ikm", "tidak ada IKM dengan NIB "+ikmNIB); err != nil {
		return nil, nil, err
	}
	return businessID, ikmID, c.Err()
}

// ChangePassword sets the caller's own password after checking the
// current one, and ends every other session of the account, so a session
// left open elsewhere stops working; the caller's own stays.
func (s *Service) ChangePassword(ctx context.Context, current, next string) error {
	a := actor.From(ctx)
	if a.UserID == 0 || a.SessionID == 0 {
		return errNoSession
	}
	var row userRow
	if err := s.db.WithContext(ctx).Where("id = ?", a.UserID).Take(&row).Error; err != nil {
		return fmt.Errorf("auth: change password of %d: %w", a.UserID, err)
	}
	var c fault.Checker
	c.Check(current != "", "current_password", "wajib diisi")
	if current != "" {
		ok, err := VerifyPassword(row.PasswordHash, current)
		if err != nil {
			return fmt.Errorf("auth: verify password of %d: %w", a.UserID, err)
		}
		c.Check(ok, "current_password", "tidak sesuai dengan kata sandi Anda sekarang")
	}
	CheckPassword(&c, "new_password", next, row.Username)
	c.Check(next == "" || next != current, "new_password", "harus berbeda dari kata sandi sekarang")
	if err := c.Err(); err != nil {
		return err
	}
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?`,
			hash, now, now, a.UserID).Error; err != nil {
			return fmt.Errorf("auth: change password of %d: %w", a.UserID, err)
		}
		if err := tx.Exec(`UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL`,
			now, a.UserID, a.SessionID).Error; err != nil {
			return fmt.Errorf("auth: end other sessions of %d: %w", a.UserID, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{
			Action: "user.password_changed", EntityType: "user", EntityID: strconv.FormatInt(a.UserID, 10),
		})
	})
}

// Languages are the languages the pages come in; Indonesian is everyone's,
// English a company user's choice.
var Languages = []string{"id", "en"}

// SetLanguage saves the language the calling user reads the pages in.
// Only company users may choose English; anyone may go back to Indonesian.
func (s *Service) SetLanguage(ctx context.Context, language string) error {
	a := actor.From(ctx)
	if a.UserID == 0 || a.SessionID == 0 {
		return errNoSession
	}
	var c fault.Checker
	c.Check(slices.Contains(Languages, language), "language", fault.OneOf(Languages))
	c.Check(language == "id" || a.Role == actor.RoleCompany, "language", "bahasa Inggris hanya tersedia untuk pengguna perusahaan")
	if err := c.Err(); err != nil {
		return err
	}
	now := s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE users SET language = ?, updated_at = ? WHERE id = ?`, language, now, a.UserID).Error; err != nil {
			return fmt.Errorf("auth: set language of %d: %w", a.UserID, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "user.language_changed", EntityType: "user",
			EntityID: strconv.FormatInt(a.UserID, 10), After: map[string]any{"language": language}})
	})
}
