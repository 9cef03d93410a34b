package auth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/audit"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
)

// Credentials are what a person types to log in, and where from.
type Credentials struct {
	Username  string
	Password  string
	IP        string
	UserAgent string
}

var errBadCredentials = &fault.Error{Kind: fault.KindUnauthenticated, Code: "invalid_credentials",
	Detail: "Nama pengguna atau kata sandi salah."}

// Login checks a username and password and starts a session.
//
// Failed logins are counted per username and per address in login_attempts,
// so the limits hold across replicas. The address has its own, higher limit:
// the people of one office share an address, and one person's typos must not
// lock out the rest. Each attempt is recorded as a failure
// before the password is checked (and the record removed if it succeeds):
// that way a burst of parallel guesses is counted too, not only the ones that
// finished. Past half the allowed failures the caller must wait a doubling
// delay between attempts; at the limit they wait until the oldest failure in
// the window has aged out. A successful login clears the username's count.
func (s *Service) Login(ctx context.Context, in Credentials) (Session, User, error) {
	var c fault.Checker
	c.Check(strings.TrimSpace(in.Username) != "", "username", "wajib diisi")
	c.Check(in.Password != "", "password", "wajib diisi")
	c.Check(len(in.Password) <= PasswordMaxLen, "password", fmt.Sprintf("paling banyak %d bita", PasswordMaxLen))
	c.Check(len(in.Username) <= 64, "username", "paling banyak 64 karakter")
	if err := c.Err(); err != nil {
		return Session{}, User{}, err
	}
	key := strings.ToLower(strings.TrimSpace(in.Username))
	now := s.now()

	var attemptID int64
	if err := s.db.WithContext(ctx).Raw(`INSERT INTO login_attempts (username, ip, attempted_at) VALUES (?, ?, ?) RETURNING id`,
		key, in.IP, now).Row().Scan(&attemptID); err != nil {
		return Session{}, User{}, fmt.Errorf("auth: record attempt: %w", err)
	}
	forget := func() error {
		return s.db.WithContext(ctx).Exec(`DELETE FROM login_attempts WHERE id = ?`, attemptID).Error
	}
	wait, err := s.loginWait(ctx, key, in.IP, attemptID, now)
	if err != nil {
		return Session{}, User{}, err
	}
	if wait > 0 {
		// A refused attempt is not a failure: it must not stretch the lock.
		if err := forget(); err != nil {
			return Session{}, User{}, fmt.Errorf("auth: forget attempt: %w", err)
		}
		secs := int(math.Ceil(wait.Seconds()))
		return Session{}, User{}, &fault.Error{
			Kind: fault.KindTooMany, Code: "too_many_login_attempts", RetryAfter: secs,
			Detail: "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam " + humanWait(secs) + ".",
			Extra:  map[string]any{"retry_after": secs},
		}
	}

	var row userRow
	err = s.db.WithContext(ctx).Where("lower(username) = ?", key).Take(&row).Error
	found := err == nil
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return Session{}, User{}, fmt.Errorf("auth: find user: %w", err)
	}
	hash := row.PasswordHash
	if !found {
		hash = dummyHash() // the same work whether or not the user exists
	}
	ok, err := VerifyPassword(hash, in.Password)
	if err != nil {
		return Session{}, User{}, fmt.Errorf("auth: verify password of %q: %w", key, err)
	}
	switch {
	case !found || !ok:
		return Session{}, User{}, s.loginFailed(ctx, key, row.ID, now)
	case !row.Active:
		if err := forget(); err != nil {
			return Session{}, User{}, fmt.Errorf("auth: forget attempt: %w", err)
		}
		return Session{}, User{}, s.loginRefusedInactive(ctx, row.User, now)
	}

	userCtx := actor.With(ctx, actor.Actor{UserID: row.ID, Username: row.Username, Role: row.Role,
		BusinessID: deref(row.BusinessID), IKMID: deref(row.IKMID), IP: in.IP})
	var sess Session
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM login_attempts WHERE id = ?`, attemptID).Error; err != nil {
			return fmt.Errorf("auth: forget attempt: %w", err)
		}
		if err := tx.Exec(`UPDATE login_attempts SET username_cleared = true WHERE username = ? AND NOT username_cleared`,
			key).Error; err != nil {
			return fmt.Errorf("auth: clear failures: %w", err)
		}
		if NeedsRehash(row.PasswordHash) {
			fresh, err := HashPassword(in.Password)
			if err != nil {
				return err
			}
			if err := tx.Exec(`UPDATE users SET password_hash = ? WHERE id = ?`, fresh, row.ID).Error; err != nil {
				return fmt.Errorf("auth: rehash: %w", err)
			}
		}
		var err error
		if sess, err = s.issueSession(userCtx, tx, row.ID, in.IP, in.UserAgent); err != nil {
			return err
		}
		return audit.Record(userCtx, tx, now, audit.Event{
			Action: "auth.login", EntityType: "session", EntityID: strconv.FormatInt(sess.ID, 10),
			After: sessionAudit{UserID: row.ID, Username: row.Username, ExpiresAt: sess.ExpiresAt},
		})
	})
	if err != nil {
		return Session{}, User{}, err
	}
	return sess, row.User, nil
}

// sessionAudit is what the audit trail keeps of a session: never its token.
type sessionAudit struct {
	UserID    int64     `json:"user_id"`
	Username  string    `json:"username"`
	ExpiresAt time.Time `json:"expires_at"`
}

type loginFailure struct {
	Username string `json:"username"`
	Reason   string `json:"reason"`
}

// loginFailed keeps the attempt's failure record, writes the audit event and
// drops failures that have aged out of every window.
func (s *Service) loginFailed(ctx context.Context, key string, userID int64, now time.Time) error {
	reason := "wrong_password"
	entityID := strconv.FormatInt(userID, 10)
	if userID == 0 {
		reason, entityID = "unknown_user", ""
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM login_attempts WHERE attempted_at <= ?`, now.Add(-s.cfg.LoginLockWindow)).Error; err != nil {
			return fmt.Errorf("auth: prune attempts: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{
			Action: "auth.login_failed", EntityType: "user", EntityID: entityID,
			After: loginFailure{Username: key, Reason: reason},
		})
	})
	if err != nil {
		return err
	}
	return errBadCredentials
}

func (s *Service) loginRefusedInactive(ctx context.Context, u User, now time.Time) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return audit.Record(ctx, tx, now, audit.Event{
			Action: "auth.login_failed", EntityType: "user", EntityID: strconv.FormatInt(u.ID, 10),
			After: loginFailure{Username: u.Username, Reason: "inactive"},
		})
	})
	if err != nil {
		return err
	}
	return errAccountInactive
}

// loginWait says how long the caller must wait before this attempt may be
// checked, looking at the failures recorded before it (ids below attemptID)
// for the username and for the address; zero means go ahead.
func (s *Service) loginWait(ctx context.Context, key, ip string, attemptID int64, now time.Time) (time.Duration, error) {
	since := now.Add(-s.cfg.LoginLockWindow)
	var byUser, byIP []time.Time
	if err := s.db.WithContext(ctx).Raw(`
		SELECT attempted_at FROM login_attempts
		WHERE username = ? AND NOT username_cleared AND attempted_at > ? AND id < ?
		ORDER BY attempted_at`, key, since, attemptID).Scan(&byUser).Error; err != nil {
		return 0, fmt.Errorf("auth: failures by username: %w", err)
	}
	if err := s.db.WithContext(ctx).Raw(`
		SELECT attempted_at FROM login_attempts
		WHERE ip = ? AND attempted_at > ? AND id < ?
		ORDER BY attempted_at`, ip, since, attemptID).Scan(&byIP).Error; err != nil {
		return 0, fmt.Errorf("auth: failures by address: %w", err)
	}
	return max(s.waitAfter(byUser, s.cfg.LoginMaxFails, now), s.waitAfter(byIP, s.cfg.LoginMaxFailsPerAddress, now)), nil
}

// waitAfter applies the schedule to failures (oldest first, all inside the
// window): below half the limit, no wait; then 1s, 2s, 4s… after the latest
// failure; at the limit, until enough failures age out of the window.
func (s *Service) waitAfter(failures []time.Time, limit int, now time.Time) time.Duration {
	n := len(failures)
	if n == 0 {
		return 0
	}
	var until time.Time
	if n >= limit {
		until = failures[n-limit].Add(s.cfg.LoginLockWindow)
	} else if slowFrom := max(1, limit/2); n >= slowFrom {
		until = failures[n-1].Add(min(time.Second<<(n-slowFrom), s.cfg.LoginLockWindow))
	}
	if wait := until.Sub(now); wait > 0 {
		return wait
	}
	return 0
}

func humanWait(secs int) string {
	if secs < 120 {
		return strconv.Itoa(secs) + " detik"
	}
	return strconv.Itoa((secs+59)/60) + " menit"
}

var errNoSession = fault.Conflict("not_a_session", "Permintaan ini memerlukan sesi login, bukan token API.")

// Refresh replaces the caller's session with a new one and revokes the old
// at once, so a token that leaked earlier stops working.
func (s *Service) Refresh(ctx context.Context, userAgent string) (Session, error) {
	a := actor.From(ctx)
	if a.SessionID == 0 {
		return Session{}, errNoSession
	}
	now := s.now()
	var sess Session
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := revokeSession(ctx, tx, a.SessionID, now); err != nil {
			return err
		}
		var err error
		if sess, err = s.issueSession(ctx, tx, a.UserID, a.IP, userAgent); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{
			Action: "auth.refresh", EntityType: "session", EntityID: strconv.FormatInt(sess.ID, 10),
			Before: map[string]int64{"session_id": a.SessionID},
			After:  sessionAudit{UserID: a.UserID, Username: a.Username, ExpiresAt: sess.ExpiresAt},
		})
	})
	return sess, err
}

// Logout ends the caller's session at once.
func (s *Service) Logout(ctx context.Context) error {
	a := actor.From(ctx)
	if a.SessionID == 0 {
		return errNoSession
	}
	now := s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := revokeSession(ctx, tx, a.SessionID, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{
			Action: "auth.logout", EntityType: "session", EntityID: strconv.FormatInt(a.SessionID, 10),
		})
	})
}

// revokeSession revokes a live session; one revoked meanwhile (a parallel
// refresh or logout) is a 401, as if the token had been refused at the door.
func revokeSession(ctx context.Context, tx *gorm.DB, id int64, now time.Time) error {
	res := tx.WithContext(ctx).Exec(`UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, now, id)
	if res.Error != nil {
		return fmt.Errorf("auth: revoke session %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return errSessionRevoked
	}
	return nil
}

// Me is the caller as /me shows them.
type Me struct {
	User
	BusinessName     string
	IKMName          string
	SessionExpiresAt time.Time
	Permissions      []Permission
}

// WhoAmI describes the logged-in caller.
func (s *Service) WhoAmI(ctx context.Context) (Me, error) {
	a := actor.From(ctx)
	if a.UserID == 0 || a.SessionID == 0 {
		return Me{}, errNoSession
	}
	var m struct {
		User
		BusinessName     *string
		IKMName          *string `gorm:"column:ikm_name"`
		SessionExpiresAt time.Time
	}
	err := s.db.WithContext(ctx).Raw(`
		SELECT u.id, u.username, u.name, u.email, u.role, u.business_id, u.ikm_id, u.active, u.created_at, u.updated_at,
		       b.name AS business_name, i.name AS ikm_name, s.expires_at AS session_expires_at
		FROM users u
		JOIN sessions s ON s.id = ? AND s.user_id = u.id
		LEFT JOIN businesses b ON b.id = u.business_id
		LEFT JOIN ikms i ON i.id = u.ikm_id
		WHERE u.id = ?`, a.SessionID, a.UserID).Take(&m).Error
	if err != nil {
		return Me{}, fmt.Errorf("auth: me: %w", err)
	}
	out := Me{User: m.User, SessionExpiresAt: m.SessionExpiresAt, Permissions: PermissionsOf(a)}
	if m.BusinessName != nil {
		out.BusinessName = *m.BusinessName
	}
	if m.IKMName != nil {
		out.IKMName = *m.IKMName
	}
	return out, nil
}
