// Package actor says who is acting in a request or job: a person with a role
// (and, for company and IKM users, the one record they are bound to), an ERP
// token, or the system itself. Every read and write is scoped by it.
package actor

import (
	"context"
	"strconv"
)

// Role is what a user may do; the permission table lives in package auth.
type Role string

const (
	RoleAdmin    Role = "admin"
	RoleOfficer  Role = "officer"
	RoleReviewer Role = "reviewer"
	RoleCompany  Role = "company"
	RoleIKM      Role = "ikm"
)

// Roles lists every role, in the order screens show them.
var Roles = []Role{RoleAdmin, RoleOfficer, RoleReviewer, RoleCompany, RoleIKM}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, known := range Roles {
		if r == known {
			return true
		}
	}
	return false
}

// Actor is the caller. The zero value is the anonymous public.
type Actor struct {
	UserID     int64
	Username   string
	Role       Role
	BusinessID int64 // set for company users and ERP tokens
	IKMID      int64 // set for IKM users
	TokenID    int64 // set when acting through an ERP API token
	SessionID  int64
	IP         string
	System     bool   // a scheduled job or a command-line run
	Language   string // the user's pages: "id" (also when empty) or "en"
}

// Label is how audit events name the actor.
func (a Actor) Label() string {
	switch {
	case a.System:
		return "system"
	case a.TokenID != 0:
		return "token:" + strconv.FormatInt(a.TokenID, 10)
	case a.Username != "":
		return a.Username
	default:
		return "anonymous"
	}
}

// Authenticated reports whether anyone is logged in (or a token is used).
func (a Actor) Authenticated() bool { return a.UserID != 0 || a.TokenID != 0 || a.System }

// Staff is a Dinas user who sees every record: admin, officer or reviewer.
func (a Actor) Staff() bool {
	return a.System || a.Role == RoleAdmin || a.Role == RoleOfficer || a.Role == RoleReviewer
}

// BusinessScope is the SQL condition on column, a business id, that limits
// a read to what a may see: staff everything, a company user (or its ERP
// token) its own business, anyone else nothing. Use it as
// q.Where(cond, args...).
func (a Actor) BusinessScope(column string) (cond string, args []any) {
	switch {
	case a.Staff():
		return "true", nil
	case a.Role == RoleCompany && a.BusinessID != 0:
		return column + " = ?", []any{a.BusinessID}
	default:
		return "false", nil
	}
}

// OptionalUserID is the acting user's id for a nullable *_by column: nil
// for a token, a job or the public.
func (a Actor) OptionalUserID() *int64 {
	if a.UserID == 0 {
		return nil
	}
	id := a.UserID
	return &id
}

// SystemActor is used by jobs and command-line runs.
var SystemActor = Actor{System: true}

type key struct{}

// With stores a in ctx.
func With(ctx context.Context, a Actor) context.Context { return context.WithValue(ctx, key{}, a) }

// From returns the actor stored in ctx, or the anonymous public.
func From(ctx context.Context) Actor {
	a, _ := ctx.Value(key{}).(Actor)
	return a
}
