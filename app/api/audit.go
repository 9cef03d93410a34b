package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/audit"
	"kemitraan/app/auth"
	"kemitraan/app/platform/clock"
)

// auditRoutes only reads: no route updates or deletes an audit event.
func (s *Server) auditRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/v1/audit-events", perm: auth.PermAuditRead, handler: s.listAuditEvents,
			doc: openapi.Doc{Summary: "Jejak audit, terbaru dahulu", Tag: "audit", Query: auditQuery{}, Response: listPage[auditEventResponse]{},
				Description: "Halaman berikutnya: kirim `next_cursor` sebagai `cursor`. `next_cursor` null berarti " +
					"tidak ada lagi. `from` dan `to` menerima RFC 3339 atau tanggal (YYYY-MM-DD, WIB)."}},
	}
}

type auditQuery struct {
	EntityType  string `query:"entity_type" example:"user"`
	EntityID    string `query:"entity_id"`
	ActorUserID int64  `query:"actor_user_id"`
	Actor       string `query:"actor" doc:"nama pengguna, token:<id> atau system"`
	Action      string `query:"action" example:"auth.login"`
	From        string `query:"from" doc:"sejak (inklusif)"`
	To          string `query:"to" doc:"sampai (eksklusif); tanggal berarti sampai akhir hari itu"`
	pageQuery
}

type auditEventResponse struct {
	ID          int64           `json:"id"`
	OccurredAt  time.Time       `json:"occurred_at"`
	ActorUserID *int64          `json:"actor_user_id" openapi:"nullable"`
	Actor       string          `json:"actor"`
	ActorRole   string          `json:"actor_role"`
	Action      string          `json:"action"`
	EntityType  string          `json:"entity_type"`
	EntityID    string          `json:"entity_id"`
	Before      json.RawMessage `json:"before" openapi:"nullable"`
	After       json.RawMessage `json:"after" openapi:"nullable"`
	RequestID   string          `json:"request_id"`
	IP          string          `json:"ip"`
}

func (s *Server) listAuditEvents(c echo.Context) error {
	q, loc := newQuery(c), clock.WIB
	f := audit.Filter{
		EntityType: q.text("entity_type"), EntityID: q.text("entity_id"), ActorUserID: q.id("actor_user_id"),
		Actor: q.text("actor"), Action: q.text("action"),
		From: q.instant("from", false, loc), To: q.instant("to", true, loc),
		Before: q.id("cursor"), Limit: q.number("limit", 1, audit.MaxLimit),
	}
	if err := q.err(); err != nil {
		return err
	}
	events, next, err := s.audit.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	items := make([]auditEventResponse, 0, len(events))
	for _, e := range events {
		items = append(items, auditEventResponse{
			ID: e.ID, OccurredAt: e.OccurredAt, ActorUserID: e.ActorUserID, Actor: e.Actor, ActorRole: e.ActorRole,
			Action: e.Action, EntityType: e.EntityType, EntityID: e.EntityID, Before: rawOrNull(e.Before),
			After: rawOrNull(e.After), RequestID: e.RequestID, IP: e.IP,
		})
	}
	return c.JSON(http.StatusOK, newListPage(items, next))
}

func rawOrNull(r json.RawMessage) json.RawMessage {
	if len(r) == 0 {
		return json.RawMessage("null")
	}
	return r
}

// numberedPage is the envelope of a list paged by number (page, per_page)
// rather than by keyset cursor.
type numberedPage[T any] struct {
	Items   []T   `json:"items"`
	Total   int64 `json:"total" doc:"Jumlah seluruh yang cocok dengan saringan"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
}

// newNumberedPage shapes a domain page's items with shape.
func newNumberedPage[S, T any](items []S, shape func(S) T, total int64, page, perPage int) numberedPage[T] {
	out := numberedPage[T]{Items: make([]T, 0, len(items)), Total: total, Page: page, PerPage: perPage}
	for _, it := range items {
		out.Items = append(out.Items, shape(it))
	}
	return out
}
