package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

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
	return []pageRoute{
		{method: http.MethodGet, path: "/dinas/usaha/baru", perm: manage, handler: p.businessForm},
		{method: http.MethodPost, path: "/dinas/usaha/baru", perm: manage, handler: p.saveBusiness},
		{method: http.MethodGet, path: "/dinas/usaha/:id/ubah", perm: manage, handler: p.businessForm},
		{method: http.MethodPost, path: "/dinas/usaha/:id/ubah", perm: manage, handler: p.saveBusiness},
		{method: http.MethodGet, path: "/dinas/usaha/:id/nonaktif", perm: manage, handler: p.deactivateForm},
		{method: http.MethodPost, path: "/dinas/usaha/:id/nonaktif", perm: manage, handler: p.deactivate},
		{method: http.MethodGet, path: "/dinas/ikm/baru", perm: manage, handler: p.ikmForm},
		{method: http.MethodPost, path: "/dinas/ikm/baru", perm: manage, handler: p.saveIKM},
		{method: http.MethodGet, path: "/dinas/ikm/:id/ubah", perm: manage, handler: p.ikmForm},
		{method: http.MethodPost, path: "/dinas/ikm/:id/ubah", perm: manage, handler: p.saveIKM},
		{method: http.MethodGet, path: "/dinas/ikm/:id/nonaktif", perm: manage, handler: p.deactivateForm},
		{method: http.MethodPost, path: "/dinas/ikm/:id/nonaktif", perm: manage, handler: p.deactivate},
	}
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

// newRegistryForm is the form for the record at path (".../baru" or
// ".../:id/ubah") with the values sent, or those given.
func (p *Pages) newRegistryForm(c echo.Context, list string, id int64, fields []string, values map[string]string) (registryForm, error) {
	f := registryForm{ID: id, Action: list + "/baru", Back: list, Form: map[string]string{}}
	if id != 0 {
		f.Action, f.Back = fmt.Sprintf("%s/%d/ubah", list, id), fmt.Sprintf("%s/%d", list, id)
	}
	if c.Request().Method == http.MethodPost {
		for _, k := range fields {
			f.Form[k] = strings.TrimSpace(c.FormValue(k))
		}
	} else {
		f.Form = values
	}
	kec, err := p.svc.Registry.ListKecamatan(c.Request().Context())
	for _, k := range kec {
		f.Kecamatans = append(f.Kecamatans, option{Value: k.Code, Label: k.Name})
	}
	return f, err
}

// options are a select's options for values, labelled by label.
func options(values []string, label func(string) string) []option {
	out := make([]option, len(values))
	for i, v := range values {
		out[i] = option{Value: v, Label: label(v)}
	}
	return out
}

// statusOptions are the statuses a record's form offers, as people read them.
func statusOptions(c echo.Context, statuses []string) []option {
	return options(statuses, func(s string) string { return say(c, "registry.status."+s) })
}

// formID is the record a form edits: 0 for a new one.
func formID(c echo.Context) (int64, error) {
	if c.Param("id") == "" {
		return 0, nil
	}
	return pathID(c)
}

// registryTitle is a form's title: a new record, or the one it edits.
func registryTitle(c echo.Context, kind string, id int64, name string) string {
	if id == 0 {
		return say(c, "registry.form.new_"+kind)
	}
	return say(c, "registry.form.edit", name)
}

// refusedForm shows a registry form again with why it was refused.
func (p *Pages) refusedForm(c echo.Context, tmpl, title string, f registryForm, err error) error {
	pg := p.newPage(c, title, f)
	labels := map[string]string{}
	for _, k := range append(append([]string{}, businessFields...), ikmFields...) {
		labels[k] = say(c, "registry.field."+k)
	}
	status, ok := formErrors(pg, err, labels)
	if !ok {
		return err
	}
	return p.render(c, status, tmpl, pg)
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

func (p *Pages) businessForm(c echo.Context) error {
	id, err := formID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	values, name := map[string]string{}, ""
	if id != 0 {
		b, err := p.svc.Registry.GetBusiness(ctx, id)
		if err != nil {
			return err
		}
		name = b.Name
		values = map[string]string{"nib": b.NIB, "name": b.Name, "legal_form": b.LegalForm, "category": b.Category,
			"kbli": strings.Join(b.KBLI, ", "), "address": b.Address, "kecamatan_code": b.KecamatanCode,
			"employee_count": strconv.Itoa(b.EmployeeCount), "contact_name": b.ContactName,
			"contact_phone": b.ContactPhone, "contact_email": b.ContactEmail,
			"registered_at": b.RegisteredAt.Format("2006-01-02"), "status": b.Status}
		if b.ParentID != nil {
			parent, err := p.svc.Registry.GetBusiness(ctx, *b.ParentID)
			if err != nil {
				return err
			}
			values["parent_nib"] = parent.NIB
		}
	}
	f, err := p.newRegistryForm(c, "/dinas/usaha", id, businessFields, values)
	if err != nil {
		return err
	}
	f.Choices, f.Statuses = options(registry.Categories, categoryName), statusOptions(c, registry.BusinessStatuses)
	return p.render(c, http.StatusOK, "office_business_form", p.newPage(c, registryTitle(c, "business", id, name), f))
}

// saveBusiness registers a business or replaces its data.
func (p *Pages) saveBusiness(c echo.Context) error {
	id, err := formID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	name := ""
	if id != 0 {
		b, err := p.svc.Registry.GetBusiness(ctx, id)
		if err != nil {
			return err
		}
		name = b.Name
	}
	f, err := p.newRegistryForm(c, "/dinas/usaha", id, businessFields, nil)
	if err != nil {
		return err
	}
	f.Choices, f.Statuses = options(registry.Categories, categoryName), statusOptions(c, registry.BusinessStatuses)
	title := registryTitle(c, "business", id, name)
	v := f.Form
	in := registry.BusinessInput{NIB: v["nib"], Name: v["name"], LegalForm: v["legal_form"], Category: v["category"],
		KBLI: splitList(v["kbli"]), Address: v["address"], KecamatanCode: v["kecamatan_code"],
		ContactName: v["contact_name"], ContactPhone: v["contact_phone"], ContactEmail: v["contact_email"],
		RegisteredAt: v["registered_at"], Status: v["status"]}
	var c0 fault.Checker
	if v["employee_count"] != "" {
		n, err := strconv.Atoi(strings.ReplaceAll(v["employee_count"], ".", ""))
		c0.Check(err == nil, "employee_count", say(c, "registry.form.whole_number"))
		in.EmployeeCount = n
	}
	if err := c0.Err(); err != nil {
		return p.refusedForm(c, "office_business_form", title, f, err)
	}
	if v["parent_nib"] != "" {
		parent, _, err := p.svc.Auth.BindingByNIB(ctx, v["parent_nib"], "")
		if err != nil {
			return p.refusedForm(c, "office_business_form", title, f, renamed(err, "business", "parent_nib"))
		}
		in.ParentID = parent
	}
	var b registry.Business
	if id == 0 {
		b, err = p.svc.Registry.CreateBusiness(ctx, in)
	} else {
		b, err = p.svc.Registry.UpdateBusiness(ctx, id, in)
	}
	if err != nil {
		return p.refusedForm(c, "office_business_form", title, f, renamed(err, "parent_id", "parent_nib"))
	}
	return redirect(c, fmt.Sprintf("/dinas/usaha/%d?pesan=%s", b.ID, map[bool]string{true: "dibuat", false: "diubah"}[id == 0]))
}

func (p *Pages) ikmForm(c echo.Context) error {
	id, err := formID(c)
	if err != nil {
		return err
	}
	values, name := map[string]string{}, ""
	if id != 0 {
		i, err := p.svc.Registry.GetIKM(c.Request().Context(), id)
		if err != nil {
			return err
		}
		name = i.Name
		values = map[string]string{"nib": i.NIB, "name": i.Name, "owner_name": i.OwnerName, "sector": i.Sector,
			"products": i.Products, "kecamatan_code": i.KecamatanCode, "desa": i.Desa, "address": i.Address,
			"phone": i.Phone, "email": deref(i.Email), "monthly_capacity": strconv.FormatInt(i.MonthlyCapacity, 10),
			"status": i.Status}
		if i.PublicContact {
			values["public_contact"] = "ya"
		}
		if i.WhatsAppConsentAt != nil {
			values["whatsapp_consent"] = "ya"
		}
	}
	f, err := p.newRegistryForm(c, "/dinas/ikm", id, ikmFields, values)
	if err != nil {
		return err
	}
	f.Choices, f.Statuses = options(registry.Sectors, sectorName), statusOptions(c, registry.IKMStatuses)
	return p.render(c, http.StatusOK, "office_ikm_form", p.newPage(c, registryTitle(c, "ikm", id, name), f))
}

// saveIKM registers an IKM (unverified) or replaces its data.
func (p *Pages) saveIKM(c echo.Context) error {
	id, err := formID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	name := ""
	if id != 0 {
		i, err := p.svc.Registry.GetIKM(ctx, id)
		if err != nil {
			return err
		}
		name = i.Name
	}
	f, err := p.newRegistryForm(c, "/dinas/ikm", id, ikmFields, nil)
	if err != nil {
		return err
	}
	f.Choices, f.Statuses = options(registry.Sectors, sectorName), statusOptions(c, registry.IKMStatuses)
	title := registryTitle(c, "ikm", id, name)
	v := f.Form
	in := registry.IKMInput{NIB: v["nib"], Name: v["name"], OwnerName: v["owner_name"], Sector: v["sector"],
		Products: v["products"], KecamatanCode: v["kecamatan_code"], Desa: v["desa"], Address: v["address"],
		Phone: v["phone"], Email: v["email"], PublicContact: v["public_contact"] == "ya",
		WhatsAppConsent: v["whatsapp_consent"] == "ya", Status: v["status"]}
	if v["monthly_capacity"] != "" && v["monthly_capacity"] != "0" {
		n, ok := parseRupiah(v["monthly_capacity"])
		if !ok {
			return p.refusedForm(c, "office_ikm_form", title, f,
				fault.Invalid(fault.Field("monthly_capacity", say(c, "registry.form.rupiah"))))
		}
		in.MonthlyCapacity = n
	}
	var i registry.IKM
	if id == 0 {
		i, err = p.svc.Registry.CreateIKM(ctx, in)
	} else {
		i, err = p.svc.Registry.UpdateIKM(ctx, id, in)
	}
	if err != nil {
		return p.refusedForm(c, "office_ikm_form", title, f, err)
	}
	return redirect(c, fmt.Sprintf("/dinas/ikm/%d?pesan=%s", i.ID, map[bool]string{true: "dibuat", false: "diubah"}[id == 0]))
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
