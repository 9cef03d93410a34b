package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/notify"
	"kemitraan/app/platform/fault"
)

// The outbox queue, for admins: how many messages wait, went and failed,
// and each one's recipient, attempts, next try and last error, filtered by
// status and kind. Bodies are not shown: they carry single-use links.

func (p *Pages) outboxRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/admin/pesan", perm: auth.PermJobsRead, handler: p.outboxQueue},
	}
}

type outboxView struct {
	List     notify.QueueList
	Next     string
	Status   string
	Kind     string
	Statuses []option
	Kinds    []option
}

func (p *Pages) outboxQueue(c echo.Context) error {
	q := newListQuery(c, "/admin/pesan")
	v := outboxView{Status: q.get("status"), Kind: q.get("jenis"),
		Statuses: options(notify.Statuses, func(s string) string { return say(c, "admin.outbox.status."+s) })}
	f := notify.QueueFilter{Status: v.Status, Kind: v.Kind}
	var chk fault.Checker
	if raw := q.get("sebelum"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		chk.Check(err == nil && n > 0, "cursor", say(c, "admin.audit.cursor_invalid"))
		f.Before = n
	}
	err := chk.Err()
	if err == nil {
		v.List, err = p.svc.Outbox.List(c.Request().Context(), f)
	}
	v.Kinds = options(v.List.Kinds, func(k string) string { return k })
	if err != nil {
		pg := p.newPage(c, say(c, "admin.outbox.title"), v)
		status, ok := formErrors(pg, renamed(err, "kind", "jenis"), map[string]string{"status": say(c, "ikm.col.status"),
			"jenis": say(c, "admin.outbox.kind")})
		if !ok {
			return err
		}
		return p.render(c, status, "admin_outbox", pg)
	}
	if v.List.Next != 0 {
		v.Next = q.with("sebelum", strconv.FormatInt(v.List.Next, 10))
	}
	return p.render(c, http.StatusOK, "admin_outbox", p.newPage(c, say(c, "admin.outbox.title"), v))
}
