package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"kemitraan/app/auth"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/fault"
)

const userUsage = `Usage: kemitraan user create --role ROLE --username NAME --name "FULL NAME"
                             [--email ADDRESS] [--business NIB | --ikm NIB]
                             [--position JABATAN] [--rank PANGKAT] [--nip NIP]

The password is read from KEMITRAAN_PASSWORD or, without it, asked for on
standard input (twice, not echoed, on a terminal). A company user names their
business's NIB, an IKM user their IKM's NIB. A reviewer's position, rank and
NIP are printed under the signature of the letters they issue. The first
admin is created so:

  kemitraan user create --role admin --username admin --name "Admin Dinas"
`

func userCmd(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprint(env.stdout, userUsage)
		return errors.New("user: the only subcommand is create")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(env.stdout)
	fs.Usage = func() { fmt.Fprint(env.stdout, userUsage) }
	role := fs.String("role", "", "admin, officer, reviewer, company or ikm")
	username := fs.String("username", "", "login name")
	name := fs.String("name", "", "the person's full name")
	email := fs.String("email", "", "e-mail address (optional)")
	businessNIB := fs.String("business", "", "NIB of the business (role company)")
	ikmNIB := fs.String("ikm", "", "NIB of the IKM (role ikm)")
	position := fs.String("position", "", "position (jabatan) printed under a letter's signature (optional)")
	rank := fs.String("rank", "", "rank (pangkat/golongan), e.g. \"Pembina (IV/a)\" (optional)")
	nip := fs.String("nip", "", "the civil servant's 18-digit NIP (optional)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("user create: unexpected argument %q", fs.Arg(0))
	}
	password, err := readPassword(env)
	if err != nil {
		return err
	}
	db, err := env.database(ctx)
	if err != nil {
		return err
	}
	svc := auth.NewService(db, clock.System{}, env.cfg.Auth)
	ctx = actor.With(ctx, actor.SystemActor)
	businessID, ikmID, err := svc.BindingByNIB(ctx, *businessNIB, *ikmNIB)
	if err != nil {
		return explain(err)
	}
	u, err := svc.CreateUser(ctx, auth.NewUser{
		Username: *username, Name: *name, Email: *email, Role: actor.Role(*role),
		BusinessID: businessID, IKMID: ikmID, Password: password, Position: *position, Rank: *rank, NIP: *nip,
	})
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(env.stdout, "user %s (id %d, role %s) created\n", u.Username, u.ID, u.Role)
	return nil
}

// explain turns a validation fault into one line per field, named as the
// command-line flag where it has one.
func explain(err error) error {
	fe, ok := fault.As(err)
	if !ok || len(fe.Fields) == 0 {
		return err
	}
	flagOf := map[string]string{"business_id": "--business", "ikm_id": "--ikm", "business": "--business",
		"ikm": "--ikm", "username": "--username", "name": "--name", "email": "--email", "role": "--role",
		"position": "--position", "rank": "--rank", "nip": "--nip"}
	lines := make([]string, 0, len(fe.Fields))
	for _, f := range fe.Fields {
		field, ok := flagOf[f.Field]
		if !ok {
			field = f.Field // the password, which has no flag
		}
		lines = append(lines, fmt.Sprintf("  %s: %s", field, f.Reason))
	}
	return fmt.Errorf("user create: %s\n%s", fe.Detail, strings.Join(lines, "\n"))
}

// readPassword takes KEMITRAAN_PASSWORD, else asks: on a terminal without
// echo and twice, from a pipe the first line.
func readPassword(env *environment) (string, error) {
	if p := env.getenv("KEMITRAAN_PASSWORD"); p != "" {
		return p, nil
	}
	if f, ok := env.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		ask := func(prompt string) (string, error) {
			fmt.Fprint(os.Stderr, prompt)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(os.Stderr)
			return string(b), err
		}
		first, err := ask("Kata sandi: ")
		if err != nil {
			return "", fmt.Errorf("user create: reading the password: %w", err)
		}
		again, err := ask("Ulangi kata sandi: ")
		if err != nil {
			return "", fmt.Errorf("user create: reading the password: %w", err)
		}
		if first != again {
			return "", errors.New("user create: the two passwords differ")
		}
		return first, nil
	}
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("user create: reading the password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("user create: no password: set KEMITRAAN_PASSWORD or give it on standard input")
	}
	return line, nil
}
