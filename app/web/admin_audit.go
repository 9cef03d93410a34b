package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/audit"
	"kemitraan/app/auth"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/fault"
)

// The audit trail with its filters, for admins and officers: who did what
// to which record, and when.

func (p *Pages) auditRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/admin/jejak", perm: auth.PermAuditRead, handler: p.auditTrail},
	}
}

type auditView struct {
	Events                          []audit.Stored
	Next                            string
	Entity, EntityID, Actor, Action string
	From, To                        string
}

func (p *Pages) auditTrail(c echo.Context) error {
	q := newListQuery(c, "/admin/jejak")
	v := auditView{Entity: q.get("jenis"), EntityID: q.get("entity_id"), Actor: q.get("oleh"),
		Action: q.get("tindakan"), From: q.get("from"), To: q.get("to")}
	f := audit.Filter{EntityType: v.Entity, EntityID: v.EntityID, Actor: v.Actor, Action: v.Action}
	var chk fault.Checker
	day := func(field, raw string) time.Time {
		if raw == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(time.DateOnly, raw, clock.WIB)
		chk.Check(err == nil, field, say(c, "admin.audit.date_invalid"))
		return t
	}
	f.From = day("from", v.From)
	if to := day("to", v.To); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // the whole last day
	}
	if raw := q.get("sebelum"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		chk.Check(err == nil && n > 0, "cursor", say(c, "admin.audit.cursor_invalid"))
		f.Before = n
	}
	err := chk.Err()
	var next int64
	if err == nil {
		v.Events, next, err = p.svc.Audit.List(c.Request().Context(), f)
	}
	if err != nil {
		pg := p.newPage(c, say(c, "admin.audit.title"), v)
		status, ok := formErrors(pg, err, map[string]string{"from": say(c, "admin.audit.from"),
			"to": say(c, "admin.audit.to"), "entity_id": say(c, "admin.audit.entity_id")})
		if !ok {
			return err
		}
		return p.render(c, status, "admin_audit", pg)
	}
	if next != 0 {
		v.Next = q.with("sebelum", strconv.FormatInt(next, 10))
	}
	return p.render(c, http.StatusOK, "admin_audit", p.newPage(c, say(c, "admin.audit.title"), v))
}
