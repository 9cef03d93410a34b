package api

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/cmptest"
)

func reportPath(business int64, period string) string {
	return fmt.Sprintf("/api/v1/reports/%d/%s/submit", business, period)
}

// registeredLongAgo backdates a business's registration so it owes reports
// for 2025 periods.
func (s *testServer) registeredLongAgo(business int64) {
	s.t.Helper()
	if err := s.db.Exec("UPDATE businesses SET registered_at = '2024-01-01' WHERE id = ?", business).Error; err != nil {
		s.t.Fatal(err)
	}
}

func wib(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, clock.WIB)
}

func TestPeriodReportsOnTimeLateTwiceAndOpen(t *testing.T) {
	t.Parallel()
	clk := clock.NewFixed(wib(2025, 4, 10, 9, 0, 0))
	s := newTestServerWith(t, nil, clk, nil)
	s.loadRules()
	early, edge, late, missing := s.newBusiness("factory"), s.newBusiness("hotel"), s.newBusiness("restaurant"), s.newBusiness("factory")
	for _, b := range []int64{early, edge, late, missing} {
		s.registeredLongAgo(b)
	}
	newcomer := s.newBusiness("factory") // registered "today" (after Q1): owes nothing for Q1
	if err := s.db.Exec("UPDATE businesses SET registered_at = '2025-05-01' WHERE id = ?", newcomer).Error; err != nil {
		t.Fatal(err)
	}
	closed := s.newBusiness("factory")
	s.registeredLongAgo(closed)
	s.db.Exec("UPDATE businesses SET status = 'closed' WHERE id = ?", closed)

	company := s.asCompany(early)
	r := decode[periodReportResponse](s.call(company, http.MethodPost, reportPath(early, "2025-Q1"), nil), http.StatusCreated)
	wantDeadline := wib(2025, 4, 16, 0, 0, 0)
	wantR := periodReportResponse{OnTime: true, Status: "submitted", Period: "2025-Q1", Deadline: wantDeadline,
		SubmittedAt: clk.Now()}
	// cmp compares the times with their Equal method.
	if diff := cmp.Diff(wantR, r,
		cmptest.Only[periodReportResponse]("OnTime", "Status", "Period", "Deadline", "SubmittedAt")); diff != "" {
		t.Fatalf("report (-want +got):\n%s", diff)
	}

	t.Run("twice is 409 with the first submission", func(t *testing.T) {
		p := s.call(company, http.MethodPost, reportPath(early, "2025-q1"), nil).problem(http.StatusConflict)
		if p["code"] != "report_exists" || p["current_status"] != "submitted" || p["submitted_at"] == nil {
			t.Errorf("problem %v", p)
		}
	})
	t.Run("an open period is 409", func(t *testing.T) {
		p := s.call(company, http.MethodPost, reportPath(early, "2025-Q2"), nil).problem(http.StatusConflict)
		if p["code"] != "period_open" {
			t.Errorf("problem %v", p)
		}
	})
	t.Run("bad periods name the field", func(t *testing.T) {
		for _, period := range []string{"2025-Q5", "2025-03", "Q1-2025", "2025-S1"} {
			p := s.call(company, http.MethodPost, reportPath(early, period), nil).problem(http.StatusUnprocessableEntity)
			if f := fields(p); len(f) != 1 || f[0] != "period" {
				t.Errorf("%s: fields %v", period, f)
			}
		}
	})
	t.Run("another business is not found", func(t *testing.T) {
		s.call(company, http.MethodPost, reportPath(late, "2025-Q1"), nil).problem(http.StatusNotFound)
		s.call(company, http.MethodPost, reportPath(999999, "2025-Q1"), nil).problem(http.StatusNotFound)
	})

	// The last second of the due day is on time; the next is late.
	clk.Set(wib(2025, 4, 15, 23, 59, 59))
	r = decode[periodReportResponse](s.call(s.asCompany(edge), http.MethodPost, reportPath(edge, "2025-Q1"), nil), http.StatusCreated)
	if !r.OnTime {
		t.Errorf("23:59:59 WIB on the 15th: %+v", r)
	}
	clk.Set(wib(2025, 4, 16, 0, 0, 0))
	r = decode[periodReportResponse](s.call(s.asCompany(late), http.MethodPost, reportPath(late, "2025-Q1"), nil), http.StatusCreated)
	if r.OnTime || r.Status != "late" {
		t.Errorf("00:00 WIB on the 16th: %+v", r)
	}

	if n := s.count("SELECT count(*) FROM period_reports"); n != 3 {
		t.Errorf("%d reports stored, want 3", n)
	}
	if n := s.count("SELECT count(*) FROM audit_events WHERE action = 'report.submit'"); n != 3 {
		t.Errorf("%d report.submit events, want 3", n)
	}

	officer := s.as(actor.RoleOfficer)
	t.Run("officers see every active business with its status", func(t *testing.T) {
		list := decode[periodReportListResponse](s.call(officer, http.MethodGet, "/api/v1/reports?period=2025-Q1", nil), http.StatusOK)
		got := map[int64]string{}
		for _, row := range list.Items {
			got[row.Business.ID] = row.Status
		}
		want := map[int64]string{early: "submitted", edge: "submitted", late: "late", missing: "missing"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("statuses %v, want %v", got, want)
		}
		if list.Counts != (periodReportCounts{Submitted: 2, Late: 1, Missing: 1}) || !list.Closed || !list.Deadline.Equal(wantDeadline) {
			t.Errorf("list %+v", list)
		}
	})
	t.Run("status filter and pages", func(t *testing.T) {
		for status, want := range map[string]int64{"missing": missing, "late": late} {
			list := decode[periodReportListResponse](s.call(officer, http.MethodGet, "/api/v1/reports?period=2025-Q1&status="+status, nil), http.StatusOK)
			if len(list.Items) != 1 || list.Items[0].Business.ID != want {
				t.Errorf("%s: %+v", status, list.Items)
			}
		}
		first := decode[periodReportListResponse](s.call(officer, http.MethodGet, "/api/v1/reports?period=2025-Q1&limit=3", nil), http.StatusOK)
		if len(first.Items) != 3 || first.NextCursor == nil {
			t.Fatalf("first page %+v", first)
		}
		rest := decode[periodReportListResponse](s.call(officer, http.MethodGet,
			fmt.Sprintf("/api/v1/reports?period=2025-Q1&limit=3&cursor=%d", *first.NextCursor), nil), http.StatusOK)
		if len(rest.Items) != 1 || rest.NextCursor != nil || rest.Items[0].Business.ID != missing {
			t.Errorf("second page %+v", rest)
		}
	})
	t.Run("a company sees only its own", func(t *testing.T) {
		list := decode[periodReportListResponse](s.call(s.asCompany(late), http.MethodGet, "/api/v1/reports?period=2025-Q1", nil), http.StatusOK)
		if len(list.Items) != 1 || list.Items[0].Business.ID != late || list.Items[0].Status != "late" {
			t.Errorf("own list %+v", list.Items)
		}
		list = decode[periodReportListResponse](s.call(s.asCompany(late), http.MethodGet, "/api/v1/reports?period=2025-Q2", nil), http.StatusOK)
		if len(list.Items) != 1 || list.Items[0].Status != "missing" || list.Closed {
			t.Errorf("open period %+v", list)
		}
	})
	t.Run("bad filters name the field", func(t *testing.T) {
		p := s.call(officer, http.MethodGet, "/api/v1/reports?status=lengkap", nil).problem(http.StatusUnprocessableEntity)
		if f := fields(p); len(f) != 2 || f[0] != "status" || f[1] != "period" {
			t.Errorf("fields %v", f)
		}
	})
}
