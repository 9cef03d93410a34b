package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"kemitraan/app/audit"
	"kemitraan/app/platform/actor"
)

func TestAuditEventList(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	officer := s.as(actor.RoleOfficer)
	// 25 events over three days (WIB), by two actors, about two entity types.
	jakarta, _ := time.LoadLocation("Asia/Jakarta")
	day := func(d, h int) time.Time { return time.Date(2025, 3, d, h, 0, 0, 0, jakarta) }
	budi := actor.With(context.Background(), actor.Actor{UserID: officer.userID, Username: "budi", Role: actor.RoleOfficer})
	system := actor.With(context.Background(), actor.SystemActor)
	for i := range 25 {
		ctx, entity := budi, "business"
		if i%5 == 0 {
			ctx, entity = system, "purchase"
		}
		at := day(10+i/10, i%10)
		if err := audit.Record(ctx, s.db, at, audit.Event{Action: entity + ".update", EntityType: entity,
			EntityID: strconv.Itoa(i % 3), After: map[string]int{"n": i}}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(query string) listPage[auditEventResponse] {
		t.Helper()
		return decode[listPage[auditEventResponse]](s.call(officer, http.MethodGet, "/api/v1/audit-events?"+query, nil), http.StatusOK)
	}

	t.Run("keyset pages cover every event once, newest first", func(t *testing.T) {
		seen := map[int64]bool{}
		var last int64 = 1 << 62
		query, pages := "limit=10", 0
		for {
			page := list(query)
			pages++
			for _, e := range page.Items {
				if e.ID >= last || seen[e.ID] {
					t.Fatalf("event %d out of order or repeated", e.ID)
				}
				seen[e.ID], last = true, e.ID
			}
			if page.NextCursor == nil {
				break
			}
			query = fmt.Sprintf("limit=10&cursor=%d", *page.NextCursor)
		}
		if len(seen) != 25 || pages != 3 {
			t.Errorf("%d events in %d pages, want 25 in 3", len(seen), pages)
		}
	})
	t.Run("filters", func(t *testing.T) {
		tests := []struct {
			query string
			want  int
		}{
			{"entity_type=purchase", 5},
			{"entity_type=business&entity_id=1", 7},
			{"action=business.update", 20},
			{"actor=system", 5},
			{"actor=budi&action=purchase.update", 0},
			{fmt.Sprintf("actor_user_id=%d", officer.userID), 20},
			{"from=2025-03-11&to=2025-03-11", 10}, // one WIB day
			{"from=2025-03-12", 5},                // the last day
			{"from=" + url.QueryEscape("2025-03-10T05:00:00+07:00") + "&to=2025-03-10", 5},
		}
		for _, tt := range tests {
			if got := list(tt.query + "&limit=200"); len(got.Items) != tt.want {
				t.Errorf("%s: %d events, want %d", tt.query, len(got.Items), tt.want)
			}
		}
	})
	t.Run("an event shows what changed, as JSON", func(t *testing.T) {
		e := list("limit=1").Items[0]
		want := map[string]string{"after": `{"n":24}`, "before": "null", "action": "business.update", "actor": "budi"}
		got := map[string]string{"after": string(e.After), "before": string(e.Before), "action": e.Action, "actor": e.Actor}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("event (-want +got):\n%s", diff)
		}
	})
	t.Run("bad filters name the parameter", func(t *testing.T) {
		tests := []struct{ query, field string }{
			{"limit=0", "limit"},
			{"limit=201", "limit"},
			{"cursor=abc", "cursor"},
			{"from=kemarin", "from"},
			{"to=2025-13-01", "to"},
			{"from=2025-03-12&to=2025-03-10", "to"},
			{"entity_id=7", "entity_id"},
			{"actor_user_id=-3", "actor_user_id"},
		}
		for _, tt := range tests {
			p := s.call(officer, http.MethodGet, "/api/v1/audit-events?"+tt.query, nil).problem(422)
			if strings.Join(fields(p), ",") != tt.field {
				t.Errorf("%s: fields %v, want %s", tt.query, fields(p), tt.field)
			}
		}
	})
	t.Run("nothing updates or deletes an event", func(t *testing.T) {
		for _, r := range s.e.Routes() {
			if strings.HasPrefix(r.Path, "/api/v1/audit-events") && r.Method != http.MethodGet {
				t.Errorf("%s %s changes the audit trail", r.Method, r.Path)
			}
		}
		if err := s.db.Exec(`UPDATE audit_events SET action = 'x'`).Error; err == nil {
			t.Error("the database let an audit event change")
		}
	})
}
