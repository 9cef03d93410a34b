package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/platform/fault"
	"kemitraan/app/registry"
)

// The registries' forms: an officer registers a business or an IKM, corrects
// its data and deactivates it (after a page that says what that means).
// Refused, the form comes back as it was sent with every field's reason,
// and nothing is stored.

func (p *Pages) registryFormRoutes() []pageRoute {
	manage := auth.PermRegistryManage
	var out []pageRoute
	for _, r := range []registryRecord{p.businessRecordKind(), p.ikmRecordKind()} {
		out = append(out,
			pageRoute{method: http.MethodGet, path: r.list + "/baru", perm: manage, handler: p.registryEdit(r)},
			pageRoute{method: http.MethodPost, path: r.list + "/baru", perm: manage, handler: p.registrySave(r)},
			pageRoute{method: http.MethodGet, path: r.list + "/:id/ubah", perm: manage, handler: p.registryEdit(r)},
			pageRoute{method: http.MethodPost, path: r.list + "/:id/ubah", perm: manage, handler: p.registrySave(r)},
			pageRoute{method: http.MethodGet, path: r.list + "/:id/nonaktif", perm: manage, handler: p.deactivateForm},
			pageRoute{method: http.MethodPost, path: r.list + "/:id/nonaktif", perm: manage, handler: p.deactivate})
	}
	return out
}

// registryRecord is what differs between the business's and the IKM's
// forms: where they live, their fields and choices, how a stored record
// fills the form and how a sent form is saved.
type registryRecord struct {
	kind     string // "business" or "ikm": the messages' key
	list     string
	template string
	fields   []string
	choices  []option // categories or sectors
	statuses []string
	// stored is the record's form values and its name.
	stored func(ctx context.Context, id int64) (map[string]string, string, error)
	// save writes the form (id 0: a new record) and returns the record's id;
	// a refusal names the form's fields.
	save func(c echo.Context, id int64, v map[string]string) (int64, error)
}

// registryForm is a business's or an IKM's form: where it goes, the values
// as they stand (or as they were sent) and the choices it offers.
type registryForm struct {
	ID         int64 // 0: a new record
	Action     string
	Back       string
	Form       map[string]string
	Kecamatans []option
	Choices    []option // categories or sectors
	Statuses   []option
}

var (
	businessFields = []string{"nib", "name", "legal_form", "category", "kbli", "address", "kecamatan_code",
		"parent_nib", "employee_count", "contact_name", "contact_phone", "contact_email", "registered_at", "status"}
	ikmFields = []string{"nib", "name", "owner_name", "sector", "products", "kecamatan_code", "desa", "address",
		"phone", "email", "monthly_capacity", "public_contact", "whatsapp_consent", "status"}
)

// registryPage is r's form for the record the path names (none: a new
// one) with values, and its title.
func (p *Pages) registryPage(c echo.Context, r registryRecord, values map[string]string) (registryForm, string, error) {
	id, err := formID(c)
	if err != nil {
		return registryForm{}, "", err
	}
	f := registryForm{ID: id, Action: r.list + "/baru", Back: r.list, Form: values, Choices: r.choices,
		Statuses: options(r.statuses, func(s string) string { return say(c, "registry.status."+s) })}
	title := say(c, "registry.form.new_"+r.kind)
	if id != 0 {
		f.Action, f.Back = fmt.Sprintf("%s/%d/ubah", r.list, id), fmt.Sprintf("%s/%d", r.list, id)
		stored, name, err := r.stored(c.Request().Context(), id)
		if err != nil {
			return f, "", err
		}
		if f.Form == nil {
			f.Form = stored
		}
		title = say(c, "registry.form.edit", name)
	}
	if f.Form == nil {
		f.Form = map[string]string{}
	}
	kec, err := p.svc.Registry.ListKecamatan(c.Request().Context())
	for _, k := range kec {
		f.Kecamatans = append(f.Kecamatans, option{Value: k.Code, Label: k.Name})
	}
	return f, title, err
}

func (p *Pages) registryEdit(r registryRecord) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, title, err := p.registryPage(c, r, nil)
		if err != nil {
			return err
		}
		return p.render(c, http.StatusOK, r.template, p.newPage(c, title, f))
	}
}

// registrySave registers a record or replaces its data; refused, the form
// comes back as it was sent with every field's reason.
func (p *Pages) registrySave(r registryRecord) echo.HandlerFunc {
	return func(c echo.Context) error {
		sent := map[string]string{}
		for _, k := range r.fields {
			sent[k] = strings.TrimSpace(c.FormValue(k))
		}
		f, title, err := p.registryPage(c, r, sent)
		if err != nil {
			return err
		}
		id, err := r.save(c, f.ID, sent)
		if err != nil {
			pg := p.newPage(c, title, f)
			labels := map[string]string{}
			for _, k := range r.fields {
				labels[k] = say(c, "registry.field."+k)
			}
			status, ok := formErrors(pg, err, labels)
			if !ok {
				return err
			}
			return p.render(c, status, r.template, pg)
		}
		return redirect(c, fmt.Sprintf("%s/%d?pesan=%s", r.list, id, map[bool]string{true: "dibuat", false: "diubah"}[f.ID == 0]))
	}
}

// options are a select's options for values, labelled by label.
func options(values []string, label func(string) string) []option {
	out := make([]option, len(values))
	for i, v := range values {
		out[i] = option{Value: v, Label: label(v)}
	}
	return out
}

// formID is the record a form edits: 0 for a new one.
func formID(c echo.Context) (int64, error) {
	if c.Param("id") == "" {
		return 0, nil
	}
	return pathID(c)
}

// renamed moves a domain error's field to the one the page shows for it.
func renamed(err error, from, to string) error {
	if fe, ok := fault.As(err); ok {
		for i := range fe.Fields {
			if fe.Fields[i].Field == from {
				fe.Fields[i].Field = to
			}
		}
	}
	return err
}

func (p *Pages) businessRecordKind() registryRecord {
	return registryRecord{kind: "business", list: "/dinas/usaha", template: "office_business_form", fields: businessFields,
		choices: options(registry.Categories, categoryName), statuses: registry.BusinessStatuses,
		stored: func(ctx context.Context, id int64) (map[string]string, string, error) {
			b, err := p.svc.Registry.GetBusiness(ctx, id)
			if err != nil {
				return nil, "", err
			}
			v := map[string]string{"nib": b.NIB, "name": b.Name, "legal_form": b.LegalForm, "category": b.Category,
				"kbli": strings.Join(b.KBLI, ", "), "address": b.Address, "kecamatan_code": b.KecamatanCode,
				"employee_count": strconv.Itoa(b.EmployeeCount), "contact_name": b.ContactName,
				"contact_phone": b.ContactPhone, "contact_email": b.ContactEmail,
				"registered_at": b.RegisteredAt.Format(time.DateOnly), "status": b.Status}
			if b.ParentID != nil {
				parent, err := p.svc.Registry.GetBusiness(ctx, *b.ParentID)
				if err != nil {
					return nil, "", err
				}
				v["parent_nib"] = parent.NIB
			}
			return v, b.Name, nil
		},
		save: func(c echo.Context, id int64, v map[string]string) (int64, error) {
			ctx := c.Request().Context()
			in := registry.BusinessInput{NIB: v["nib"], Name: v["name"], LegalForm: v["legal_form"], Category: v["category"],
				KBLI: splitList(v["kbli"]), Address: v["address"], KecamatanCode: v["kecamatan_code"],
				ContactName: v["contact_name"], ContactPhone: v["contact_phone"], ContactEmail: v["contact_email"],
				RegisteredAt: v["registered_at"], Status: v["status"]}
			if v["employee_count"] != "" {
				n, err := strconv.Atoi(strings.ReplaceAll(v["employee_count"], ".", ""))
				if err != nil {
					return 0, fault.Invalid(fault.Field("employee_count", say(c, "registry.form.whole_number")))
				}
				in.EmployeeCount = n
			}
			if v["parent_nib"] != "" {
				parent, _, err := p.svc.Auth.BindingByNIB(ctx, v["parent_nib"], "")
				if err != nil {
					return 0, renamed(err, "business", "parent_nib")
				}
				in.ParentID = parent
			}
			var b registry.Business
			var err error
			if id == 0 {
				b, err = p.svc.Registry.CreateBusiness(ctx, in)
			} else {
				b, err = p.svc.Registry.UpdateBusiness(ctx, id, in)
			}
			return b.ID, renamed(err, "parent_id", "parent_nib")
		},
	}
}

func (p *Pages) ikmRecordKind() registryRecord {
	return registryRecord{kind: "ikm", list: "/dinas/ikm", template: "office_ikm_form", fields: ikmFields,
		choices: options(registry.Sectors, sectorName), statuses: registry.IKMStatuses,
		stored: func(ctx context.Context, id int64) (map[string]string, string, error) {
			i, err := p.svc.Registry.GetIKM(ctx, id)
			if err != nil {
				return nil, "", err
			}
			v := map[string]string{"nib": i.NIB, "name": i.Name, "owner_name": i.OwnerName, "sector": i.Sector,
				"products": i.Products, "kecamatan_code": i.KecamatanCode, "desa": i.Desa, "address": i.Address,
				"phone": i.Phone, "email": deref(i.Email), "monthly_capacity": strconv.FormatInt(i.MonthlyCapacity, 10),
				"status": i.Status}
			if i.PublicContact {
				v["public_contact"] = "ya"
			}
			if i.WhatsAppConsentAt != nil {
				v["whatsapp_consent"] = "ya"
			}
			return v, i.Name, nil
		},
		save: func(c echo.Context, id int64, v map[string]string) (int64, error) {
			ctx := c.Request().Context()
			in := registry.IKMInput{NIB: v["nib"], Name: v["name"], OwnerName: v["owner_name"], Sector: v["sector"],
				Products: v["products"], KecamatanCode: v["kecamatan_code"], Desa: v["desa"], Address: v["address"],
				Phone: v["phone"], Email: v["email"], PublicContact: v["public_contact"] == "ya",
				WhatsAppConsent: v["whatsapp_consent"] == "ya", Status: v["status"]}
			if v["monthly_capacity"] != "" && v["monthly_capacity"] != "0" {
				n, ok := parseRupiah(v["monthly_capacity"])
				if !ok {
					return 0, fault.Invalid(fault.Field("monthly_capacity", say(c, "registry.form.rupiah")))
				}
				in.MonthlyCapacity = n
			}
			var i registry.IKM
			var err error
			if id == 0 {
				i, err = p.svc.Registry.CreateIKM(ctx, in)
			} else {
				i, err = p.svc.Registry.UpdateIKM(ctx, id, in)
			}
			return i.ID, err
		},
	}
}

// sectorName is an IKM sector as a heading writes it: "Makanan".
func sectorName(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// splitList reads codes typed with commas, semicolons or spaces between.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' })
}

// deactivation is the page that asks before a record is deactivated: what
// it is and what deactivating it means.
type deactivation struct {
	Kind, Name, NIB, Action, Back string
}

func (p *Pages) deactivation(c echo.Context) (deactivation, error) {
	id, err := pathID(c)
	if err != nil {
		return deactivation{}, err
	}
	ctx := c.Request().Context()
	if strings.HasPrefix(c.Path(), "/dinas/ikm/") {
		i, err := p.svc.Registry.GetIKM(ctx, id)
		back := fmt.Sprintf("/dinas/ikm/%d", id)
		return deactivation{Kind: "ikm", Name: i.Name, NIB: i.NIB, Action: back + "/nonaktif", Back: back}, err
	}
	b, err := p.svc.Registry.GetBusiness(ctx, id)
	back := fmt.Sprintf("/dinas/usaha/%d", id)
	return deactivation{Kind: "business", Name: b.Name, NIB: b.NIB, Action: back + "/nonaktif", Back: back}, err
}

func (p *Pages) deactivateForm(c echo.Context) error {
	d, err := p.deactivation(c)
	if err != nil {
		return err
	}
	return p.render(c, http.StatusOK, "office_deactivate", p.newPage(c, say(c, "registry.deactivate.title_"+d.Kind, d.Name), d))
}

// deactivate closes a business or makes an IKM inactive; one already so is
// told on the same page.
func (p *Pages) deactivate(c echo.Context) error {
	d, err := p.deactivation(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	id, _ := pathID(c)
	if d.Kind == "ikm" {
		_, err = p.svc.Registry.DeactivateIKM(ctx, id)
	} else {
		_, err = p.svc.Registry.DeactivateBusiness(ctx, id)
	}
	if err != nil {
		pg := p.newPage(c, say(c, "registry.deactivate.title_"+d.Kind, d.Name), d)
		status, ok := formErrors(pg, err, nil)
		if !ok {
			return err
		}
		return p.render(c, status, "office_deactivate", pg)
	}
	return redirect(c, d.Back+"?pesan=dinonaktifkan")
}
