package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/jobs"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
)

// The administrator's pages: accounts (create with a role and its binding,
// deactivate, reset a password) and the jobs (schedules, last runs, run
// now).

func (p *Pages) adminRoutes() []pageRoute {
	return []pageRoute{
		{method: http.MethodGet, path: "/admin/pengguna", perm: auth.PermUsersManage, handler: p.adminUsers},
		{method: http.MethodPost, path: "/admin/pengguna", perm: auth.PermUsersManage, handler: p.adminCreateUser},
		{method: http.MethodGet, path: "/admin/pengguna/:id", perm: auth.PermUsersManage, handler: p.adminUser},
		{method: http.MethodPost, path: "/admin/pengguna/:id/status", perm: auth.PermUsersManage, handler: p.adminUserActive},
		{method: http.MethodPost, path: "/admin/pengguna/:id/sandi", perm: auth.PermUsersManage, handler: p.adminResetPassword},
		{method: http.MethodPost, path: "/admin/pengguna/:id/profil", perm: auth.PermUsersManage, handler: p.adminUserProfile},
		{method: http.MethodGet, path: "/admin/tugas", perm: auth.PermJobsRead, handler: p.adminJobs},
		{method: http.MethodPost, path: "/admin/tugas/:name/jalankan", perm: auth.PermJobsRun, handler: p.adminRunJob, long: true},
	}
}

type adminUsersView struct {
	Users auth.Page[auth.User]
	Form  map[string]string
	Roles []actor.Role
	Pager pager
}

// userFormFields are the create form's fields, by their domain names.
var userFormFields = []string{"username", "name", "email", "role", "business_nib", "ikm_nib", "password",
	"position", "rank", "nip"}

func (p *Pages) adminUsersView(c echo.Context) (adminUsersView, error) {
	q := newListQuery(c, "/admin/pengguna")
	v := adminUsersView{Form: map[string]string{}, Roles: actor.Roles}
	users, err := p.svc.Auth.ListUsers(c.Request().Context(), auth.UserFilter{Query: q.get("q"),
		Page: auth.PageRequest{Page: q.page()}})
	if err != nil {
		return v, err
	}
	v.Users, v.Pager = users, newPager(q, users.Page, users.PerPage, users.Total)
	return v, nil
}

func (p *Pages) adminUsers(c echo.Context) error {
	v, err := p.adminUsersView(c)
	if err != nil {
		return err
	}
	return p.render(c, http.StatusOK, "admin_users", p.newPage(c, say(c, "admin.users.title"), v))
}

func (p *Pages) adminCreateUser(c echo.Context) error {
	v, err := p.adminUsersView(c)
	if err != nil {
		return err
	}
	for _, f := range userFormFields {
		v.Form[f] = strings.TrimSpace(c.FormValue(f))
	}
	ctx := c.Request().Context()
	in := auth.NewUser{Username: v.Form["username"], Name: v.Form["name"], Email: v.Form["email"],
		Role: actor.Role(v.Form["role"]), Password: c.FormValue("password"), Position: v.Form["position"],
		Rank: v.Form["rank"], NIP: v.Form["nip"]}
	u, err := func() (auth.User, error) {
		var err error
		if in.BusinessID, in.IKMID, err = p.svc.Auth.BindingByNIB(ctx, v.Form["business_nib"], v.Form["ikm_nib"]); err != nil {
			return auth.User{}, err
		}
		return p.svc.Auth.CreateUser(ctx, in)
	}()
	if err != nil {
		pg := p.newPage(c, say(c, "admin.users.title"), v)
		labels := map[string]string{}
		for _, f := range userFormFields {
			labels[f] = say(c, "admin.user."+f)
		}
		labels["business_id"], labels["ikm_id"] = labels["business_nib"], labels["ikm_nib"]
		status, ok := formErrors(pg, err, labels)
		if !ok {
			return err
		}
		return p.render(c, status, "admin_users", pg)
	}
	return redirect(c, fmt.Sprintf("/admin/pengguna/%d?pesan=dibuat", u.ID))
}

// adminUserView is one account's page: its facts and the forms that change
// it, as they were sent when a change was refused.
type adminUserView struct {
	User auth.User
	Form map[string]string
}

// profileFields are the fields of the account's profile form: its name,
// e-mail and the signer's profile printed under a letter's signature.
var profileFields = []string{"name", "email", "position", "rank", "nip"}

func (p *Pages) adminUserPage(c echo.Context, u auth.User, form map[string]string) *page {
	if form == nil {
		form = map[string]string{"name": u.Name, "email": u.Email, "position": deref(u.Position), "rank": deref(u.Rank),
			"nip": deref(u.NIP)}
	}
	return p.newPage(c, u.Name, adminUserView{User: u, Form: form})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (p *Pages) adminUser(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u, err := p.svc.Auth.GetUser(c.Request().Context(), id)
	if err != nil {
		return err
	}
	pg := p.adminUserPage(c, u, nil)
	if m := c.QueryParam("pesan"); m == "dibuat" || m == "diubah" || m == "sandi" || m == "profil" {
		pg.Notice = say(c, "admin.user.notice."+m)
	}
	return p.render(c, http.StatusOK, "admin_user", pg)
}

// refusedUser shows the account's page again with why a change was refused.
func (p *Pages) refusedUser(c echo.Context, id int64, form map[string]string, err error) error {
	u, gerr := p.svc.Auth.GetUser(c.Request().Context(), id)
	if gerr != nil {
		return gerr
	}
	pg := p.adminUserPage(c, u, form)
	labels := map[string]string{"password": say(c, "admin.user.password")}
	for _, f := range profileFields {
		labels[f] = say(c, "admin.user."+f)
	}
	status, ok := formErrors(pg, err, labels)
	if !ok {
		return err
	}
	return p.render(c, status, "admin_user", pg)
}

func (p *Pages) adminUserActive(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	active := c.FormValue("aktif") == "ya"
	if _, err := p.svc.Auth.UpdateUser(c.Request().Context(), id, auth.UserUpdate{Active: &active}); err != nil {
		return err
	}
	return redirect(c, fmt.Sprintf("/admin/pengguna/%d?pesan=diubah", id))
}

// adminUserProfile changes the account's name, e-mail and signer's
// profile; an emptied position, rank or NIP is cleared.
func (p *Pages) adminUserProfile(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	form := map[string]string{}
	for _, f := range profileFields {
		form[f] = strings.TrimSpace(c.FormValue(f))
	}
	in := auth.UserUpdate{}
	in.Name, in.Email, in.Position, in.Rank, in.NIP = ptr(form["name"]), ptr(form["email"]), ptr(form["position"]),
		ptr(form["rank"]), ptr(form["nip"])
	if _, err := p.svc.Auth.UpdateUser(c.Request().Context(), id, in); err != nil {
		return p.refusedUser(c, id, form, err)
	}
	return redirect(c, fmt.Sprintf("/admin/pengguna/%d?pesan=profil", id))
}

func (p *Pages) adminResetPassword(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u, err := p.svc.Auth.ResetPassword(c.Request().Context(), id, c.FormValue("password"))
	if err != nil {
		return p.refusedUser(c, id, nil, err)
	}
	return redirect(c, fmt.Sprintf("/admin/pengguna/%d?pesan=sandi", u.ID))
}

type adminJobsView struct {
	Jobs   []jobs.JobStatus
	CanRun bool
	Ran    *jobs.RunRecord
}

func (p *Pages) adminJobs(c echo.Context) error {
	if p.jobs == nil {
		return fault.NotFound("jobs_unavailable", say(c, "error.404.detail"))
	}
	ctx := c.Request().Context()
	list, err := p.jobs.Status(ctx, p.cfg.Jobs.Schedules)
	if err != nil {
		return err
	}
	v := adminJobsView{Jobs: list, CanRun: auth.Allowed(actor.From(ctx), auth.PermJobsRun)}
	pg := p.newPage(c, say(c, "admin.jobs.title"), v)
	if name := c.QueryParam("dijalankan"); name != "" {
		for _, j := range list {
			if j.Name == name && j.LastRun != nil {
				pg.Notice = say(c, "admin.jobs.ran", name, say(c, "admin.jobs.outcome."+j.LastRun.Outcome))
			}
		}
	}
	return p.render(c, http.StatusOK, "admin_jobs", pg)
}

// adminRunJob runs a job now, as the API's run does; a failed run is
// recorded with its error and shown on the list.
func (p *Pages) adminRunJob(c echo.Context) error {
	name := c.Param("name")
	if p.jobs == nil {
		return fault.NotFound("job_not_found", say(c, "error.404.detail"))
	}
	if _, ok := p.jobs.Job(name); !ok {
		return fault.NotFound("job_not_found", say(c, "error.404.detail"))
	}
	rec, err := p.jobs.Run(c.Request().Context(), name, jobs.TriggerAPI, jobs.Params{})
	if rec.ID == 0 && err != nil {
		return err
	}
	return redirect(c, "/admin/tugas?dijalankan="+name)
}
