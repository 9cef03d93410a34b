package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/jobs"
)

func (s *Server) jobRoutes() []route {
	const tag = "tugas terjadwal"
	nameParam := struct {
		Name string `param:"name" openapi:"enum=evaluate|lapse|remind|expire|outbox"`
	}{}
	return []route{
		{method: http.MethodGet, path: "/api/v1/jobs", perm: auth.PermJobsRead, handler: s.listJobs,
			doc: openapi.Doc{Summary: "Tugas terjadwal, jadwalnya dan jalannya yang terakhir", Tag: tag, Response: jobListResponse{},
				Description: "Jadwal cron dibaca dalam Asia/Jakarta (config jobs.schedules)."}},
		{method: http.MethodPost, path: "/api/v1/jobs/:name/run", perm: auth.PermJobsRun, handler: s.runJob,
			doc: openapi.Doc{Summary: "Jalankan tugas sekarang", Tag: tag, Params: nameParam, Request: jobRunRequest{},
				Response: jobRunResponse{}, NoBodyOK: true,
				Description: "Badan `{}` atau tanpa badan bila tanpa parameter. `period` hanya untuk evaluate (mis. 2025-Q1; periode yang tenggat laporannya " +
					"belum lewat dijawab 409). Tugas yang sedang dijalankan replika lain dicatat `skipped`. Hasil gagal " +
					"dicatat dengan `outcome: failed` dan pesan galatnya."}},
		{method: http.MethodGet, path: "/api/v1/jobs/:name/runs", perm: auth.PermJobsRead, handler: s.listJobRuns,
			doc: openapi.Doc{Summary: "Riwayat jalannya satu tugas", Tag: tag, Params: nameParam, Query: pageQuery{},
				Response: listPage[jobRunResponse]{}}},
	}
}

type jobRunRequest struct {
	Period string `json:"period,omitempty" doc:"Hanya untuk evaluate" example:"2025-Q1"`
}

type jobRunResponse struct {
	ID         int64           `json:"id"`
	Job        string          `json:"job"`
	Trigger    string          `json:"trigger" openapi:"enum=schedule|command|api"`
	Params     json.RawMessage `json:"params"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at" openapi:"nullable"`
	Outcome    string          `json:"outcome" openapi:"enum=running|succeeded|failed|skipped"`
	Counts     json.RawMessage `json:"counts" doc:"Apa yang dikerjakan, per tugas"`
	Error      string          `json:"error"`
}

func newJobRunResponse(r jobs.RunRecord) jobRunResponse {
	return jobRunResponse{ID: r.ID, Job: r.Job, Trigger: string(r.Trigger), Params: rawOrEmpty(r.Params),
		StartedAt: r.StartedAt.UTC(), FinishedAt: utcPtr(r.FinishedAt), Outcome: r.Outcome,
		Counts: rawOrEmpty(r.Counts), Error: r.Error}
}

func rawOrEmpty(b []byte) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("{}")
	}
	return b
}

type jobItem struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Schedule    string          `json:"schedule" doc:"Ekspresi cron (WIB); kosong bila hanya dijalankan manual"`
	LastRun     *jobRunResponse `json:"last_run" openapi:"nullable"`
	LastSuccess *jobRunResponse `json:"last_success" openapi:"nullable"`
}

type jobListResponse struct {
	Items []jobItem `json:"items"`
}

func (s *Server) listJobs(c echo.Context) error {
	list, err := s.jobs.Status(c.Request().Context(), s.cfg.Jobs.Schedules)
	if err != nil {
		return err
	}
	out := jobListResponse{Items: make([]jobItem, len(list))}
	for i, j := range list {
		out.Items[i] = jobItem{Name: j.Name, Description: j.Description, Schedule: j.Schedule}
		if j.LastRun != nil {
			r := newJobRunResponse(*j.LastRun)
			out.Items[i].LastRun = &r
		}
		if j.LastSuccess != nil {
			r := newJobRunResponse(*j.LastSuccess)
			out.Items[i].LastSuccess = &r
		}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) runJob(c echo.Context) error {
	name := c.Param("name")
	if _, ok := s.jobs.Job(name); !ok {
		return newProblem(http.StatusNotFound, "job_not_found", "Tugas "+name+" tidak dikenal.")
	}
	var req jobRunRequest
	if c.Request().ContentLength != 0 {
		if err := bindJSON(c, &req); err != nil {
			return err
		}
	}
	rec, err := s.jobs.Run(c.Request().Context(), name, jobs.TriggerAPI, jobs.Params{Period: req.Period})
	if rec.ID == 0 && err != nil {
		return err // refused before anything ran: bad params
	}
	// A run that failed is reported, not raised: the record says why.
	return c.JSON(http.StatusOK, newJobRunResponse(rec))
}

func (s *Server) listJobRuns(c echo.Context) error {
	q := newQuery(c)
	cursor, limit := q.int64("cursor"), q.limit(200)
	if err := q.err(); err != nil {
		return err
	}
	list, next, err := s.jobs.Runs(c.Request().Context(), c.Param("name"), cursor, limit)
	if err != nil {
		return err
	}
	out := make([]jobRunResponse, len(list))
	for i, r := range list {
		out[i] = newJobRunResponse(r)
	}
	return c.JSON(http.StatusOK, newListPage(out, next))
}
