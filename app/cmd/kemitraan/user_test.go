package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"gorm.io/gorm"

	"kemitraan/app/auth"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/dbtest"
)

func TestUserCreateCommand(t *testing.T) {
	dbURL := dbtest.URL(t, true)
	cfg := config.Default()
	cfg.Database.URL = config.Secret(dbURL)
	newEnv := func(env map[string]string, stdin string) (*environment, *bytes.Buffer) {
		out := &bytes.Buffer{}
		return &environment{cfg: cfg, log: slog.New(slog.DiscardHandler), stdout: out,
			getenv: func(k string) string { return env[k] }, stdin: strings.NewReader(stdin)}, out
	}
	db, err := database.Open(context.Background(), cfg.Database, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { database.Close(db) })
	dbtest.AddBusiness(t, db, dbtest.Business{NIB: "9120000000010", Name: "PT Sinar Logam Presisi"})
	passwordOf := func(db *gorm.DB, username string) string {
		var h string
		db.Raw(`SELECT password_hash FROM users WHERE username = ?`, username).Row().Scan(&h)
		return h
	}

	tests := []struct {
		name    string
		args    string
		env     map[string]string
		stdin   string
		wantErr string // a fragment; empty means success
	}{
		{"first admin, password from the environment", "create --role admin --username admin --name Admin",
			map[string]string{"KEMITRAAN_PASSWORD": "rahasia-admin-2025"}, "", ""},
		{"company user by NIB, password from stdin", "create --role company --username sinar --name Budi --business 9120000000010",
			nil, "rahasia-sinar-2025\n", ""},
		{"unknown NIB", "create --role company --username x1 --name X --business 9120000000999",
			map[string]string{"KEMITRAAN_PASSWORD": "rahasia-xxxx-2025"}, "", "--business: tidak ada usaha dengan NIB 9120000000999"},
		{"company without business", "create --role company --username x2 --name X",
			map[string]string{"KEMITRAAN_PASSWORD": "rahasia-xxxx-2025"}, "", "--business: wajib diisi"},
		{"short password", "create --role officer --username x3 --name X",
			map[string]string{"KEMITRAAN_PASSWORD": "pendek"}, "", "  password: paling sedikit 10 karakter"},
		{"no password at all", "create --role officer --username x4 --name X", nil, "", "no password"},
		{"duplicate", "create --role officer --username ADMIN --name X",
			map[string]string{"KEMITRAAN_PASSWORD": "rahasia-xxxx-2025"}, "", "--username: sudah dipakai"},
		{"not create", "delete --username admin", nil, "", "only subcommand is create"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, out := newEnv(tt.env, tt.stdin)
			defer env.close()
			err := userCmd(context.Background(), env, strings.Fields(tt.args))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("%v\n%s", err, out)
				}
				if !strings.Contains(out.String(), "created") {
					t.Errorf("output %q", out)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	for user, password := range map[string]string{"admin": "rahasia-admin-2025", "sinar": "rahasia-sinar-2025"} {
		if ok, err := auth.VerifyPassword(passwordOf(db, user), password); !ok || err != nil {
			t.Errorf("%s cannot log in with the password given: %v", user, err)
		}
	}
	var bound int64
	db.Raw(`SELECT count(*) FROM users u JOIN businesses b ON b.id = u.business_id WHERE u.username = 'sinar' AND b.nib = '9120000000010'`).Row().Scan(&bound)
	var users, events int64
	db.Raw(`SELECT count(*) FROM users`).Row().Scan(&users)
	db.Raw(`SELECT count(*) FROM audit_events WHERE action = 'user.create' AND actor = 'system'`).Row().Scan(&events)
	if bound != 1 || users != 2 || events != 2 {
		t.Errorf("bound %d, users %d, events %d; want 1, 2, 2", bound, users, events)
	}
}
