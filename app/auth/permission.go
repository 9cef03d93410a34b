// Package auth decides who the caller is (sessions, API tokens, passwords)
// and what they may do (the permission table by role).
package auth

// Permission names one thing a caller may do; the route table names the
// permission each route needs.
type Permission string
