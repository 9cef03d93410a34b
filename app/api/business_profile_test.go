package api

import (
	"fmt"
	"net/http"
	"testing"

	"kemitraan/app/platform/actor"
)

func TestCompanyUpdatesItsOwnProfile(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	company := s.as(actor.RoleCompany)
	path := fmt.Sprintf("/api/v1/businesses/%d/profile", company.businessID)
	var before struct {
		NIB, Category string
		Employees     int `json:"employee_count"`
	}
	s.db.Raw("SELECT nib, category, employee_count AS employees FROM businesses WHERE id = ?", company.businessID).Scan(&before)

	r := s.call(company, http.MethodPatch, path, map[string]any{
		"contact_phone": "0812-3456-7890", "employee_count": 321, "contact_email": "kontak@contoh.co.id",
	})
	if r.Code != http.StatusOK {
		t.Fatalf("status %d: %s", r.Code, r.Body.String())
	}
	var row struct {
		NIB, Category, ContactPhone, ContactEmail string
		EmployeeCount                             int
	}
	s.db.Raw("SELECT nib, category, contact_phone, contact_email, employee_count FROM businesses WHERE id = ?",
		company.businessID).Scan(&row)
	if row.ContactPhone != "+6281234567890" || row.EmployeeCount != 321 || row.ContactEmail != "kontak@contoh.co.id" {
		t.Errorf("profile not written: %+v", row)
	}
	if row.NIB != before.NIB || row.Category != before.Category {
		t.Errorf("fields outside the profile changed: %+v", row)
	}
	var events int64
	s.db.Table("audit_events").Where("action = 'business.profile_update' AND entity_id = ?",
		fmt.Sprint(company.businessID)).Count(&events)
	if events != 1 {
		t.Errorf("%d audit events, want 1", events)
	}

	t.Run("obligation fields are not the company's", func(t *testing.T) {
		p := s.call(company, http.MethodPatch, path, map[string]any{"category": "restaurant"}).problem(http.StatusUnprocessableEntity)
		if f := fields(p); len(f) != 1 || f[0] != "category" {
			t.Errorf("fields %v, want [category]", f)
		}
	})
	t.Run("bad values name the field and write nothing", func(t *testing.T) {
		p := s.call(company, http.MethodPatch, path, map[string]any{"employee_count": -4, "contact_phone": "abc"}).
			problem(http.StatusUnprocessableEntity)
		got := map[string]bool{}
		for _, f := range fields(p) {
			got[f] = true
		}
		if !got["employee_count"] || !got["contact_phone"] {
			t.Errorf("fields %v", fields(p))
		}
		var n int
		s.db.Raw("SELECT employee_count FROM businesses WHERE id = ?", company.businessID).Scan(&n)
		if n != 321 {
			t.Errorf("employee count %d after a refused update", n)
		}
	})
	t.Run("another company's business is not found", func(t *testing.T) {
		other := s.newBusiness("hotel")
		s.call(company, http.MethodPatch, fmt.Sprintf("/api/v1/businesses/%d/profile", other),
			map[string]any{"contact_name": "Penyusup"}).problem(http.StatusNotFound)
	})
}
