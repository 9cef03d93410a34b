package procurement_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/platform/files"
	"kemitraan/app/procurement"
)

// BenchmarkImportAgainstCopy imports 100,000 generated CSV rows through the
// purchase import and, in turn, COPYs the same rows (their IKM already
// resolved to its id) into a table made LIKE purchases INCLUDING ALL (the
// same columns, checks and indexes; no foreign keys or triggers): the most
// a bulk write of those rows could cost. Rounds alternate import, COPY,
// import, COPY (BENCH_ROUNDS, 3); it reports each one's median and their
// ratio, the import's target being at most 3.
//
//	scripts/bench-import
func BenchmarkImportAgainstCopy(b *testing.B) {
	const rows = 100_000
	rounds := 3
	if n, err := strconv.Atoi(os.Getenv("BENCH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	db := dbtest.New(b)
	ctx := context.Background()
	businessID := benchBusiness(b, db)
	if err := db.Exec(`CREATE TABLE bare_purchases (LIKE purchases INCLUDING ALL)`).Error; err != nil {
		b.Fatal(err)
	}
	clk := clock.NewFixed(time.Date(2025, 7, 1, 3, 0, 0, 0, time.UTC))
	svc := procurement.New(db, clk, procurement.Config{MaxAmount: 10_000_000_000, ImportMaxRows: 200_000,
		PublicURL: "http://127.0.0.1:8080", TokenSecret: "benchmark-secret-of-at-least-32-chars"},
		files.NewStore(b.TempDir(), 1<<20, clk), nil)
	ctx = actor.With(ctx, actor.Actor{UserID: 1, Username: "bench", Role: actor.RoleCompany, BusinessID: businessID})

	var imports, copies []time.Duration
	for i := 0; i < b.N*rounds; i++ {
		if err := db.Exec("CHECKPOINT").Error; err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		res, _, err := svc.Import(ctx, procurement.ImportInput{File: generateCSV(i, rows)}, nil)
		imports = append(imports, time.Since(start))
		if err != nil || res.Created != rows {
			b.Fatalf("import: %d of %d, %v", res.Created, rows, err)
		}
		if err := db.Exec("CHECKPOINT").Error; err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		copyRows(b, db, businessID, i, rows)
		copies = append(copies, time.Since(start))
	}
	imp, cp := median(imports), median(copies)
	b.ReportMetric(imp.Seconds(), "import-s")
	b.ReportMetric(cp.Seconds(), "copy-s")
	b.ReportMetric(imp.Seconds()/cp.Seconds(), "import/copy")
	b.ReportMetric(float64(rows)/imp.Seconds(), "rows/s")
	b.Logf("import %v, COPY %v (each round: import %v, COPY %v)", imp, cp, imports, copies)
}

// copyRows COPYs iteration's rows, as CSV the server parses, into
// bare_purchases: what the import stores of each, but the link and the
// agreement (none in these rows).
func copyRows(b *testing.B, db *gorm.DB, businessID int64, iteration, rows int) {
	b.Helper()
	ikms := map[string]int64{}
	var list []struct {
		ID  int64
		NIB string
	}
	if err := db.Raw("SELECT id, nib FROM ikms").Scan(&list).Error; err != nil {
		b.Fatal(err)
	}
	for _, i := range list {
		ikms[i.NIB] = i.ID
	}
	pr, pw := io.Pipe()
	go func() {
		w := &errWriter{w: pw}
		now := "2025-07-01 03:00:00+00"
		for r := range rows {
			v := row(iteration, r)
			fmt.Fprintf(w, "%d,%d,%s,%s,%s,%d,%d,reported,2025-07-15 03:00:00+00,import,1,%s,%s\n",
				businessID, ikms[v[1].(string)], v[0], v[2], v[3], v[4], v[5], now, now)
		}
		pw.CloseWithError(w.err)
	}()
	conn, _, err := database.DedicatedConn(context.Background(), db)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		_, err := dc.(*stdlib.Conn).Conn().PgConn().CopyFrom(context.Background(), pr,
			`COPY bare_purchases (business_id, ikm_id, invoice_number, purchase_date, description, quantity, amount,
				status, confirm_by, source, created_by, created_at, updated_at) FROM STDIN (FORMAT csv)`)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
