package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/seed"
)

// scaleOptions are seed's generator flags: --scale N,M or --businesses N
// --purchases M (and --ikms K).
type scaleOptions struct {
	scale                 string
	businesses, purchases int
	ikms                  int
}

func scaleFlags(fs *flag.FlagSet) *scaleOptions {
	o := &scaleOptions{}
	fs.StringVar(&o.scale, "scale", "", "generate N businesses and M purchases over 2025, as N,M (e.g. 100000,10000000)")
	fs.IntVar(&o.businesses, "businesses", 0, "generate this many businesses (with --purchases)")
	fs.IntVar(&o.purchases, "purchases", 0, "generate this many purchases (with --businesses)")
	fs.IntVar(&o.ikms, "ikms", 2000, "IKM to buy from in a generated data set")
	return o
}

// run generates the data set when asked; it is set-based SQL and safe to
// repeat (generated rows have natural keys of their own).
func (o *scaleOptions) run(ctx context.Context, env *environment, db *gorm.DB) error {
	if o.scale != "" {
		n, m, ok := strings.Cut(o.scale, ",")
		var err1, err2 error
		o.businesses, err1 = strconv.Atoi(strings.TrimSpace(n))
		o.purchases, err2 = strconv.Atoi(strings.TrimSpace(m))
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("seed: --scale wants N,M (businesses,purchases), got %q", o.scale)
		}
	}
	if o.businesses == 0 && o.purchases == 0 {
		return nil
	}
	started := time.Now()
	res, err := seed.ScaleData(ctx, db, seed.Scale{Businesses: o.businesses, Purchases: o.purchases, IKMs: o.ikms,
		Progress: func(step string, done, total int) {
			fmt.Fprintf(env.stdout, "scale: %s %d/%d (%s)\n", step, done, total, time.Since(started).Round(time.Second))
		}})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "scale: %d IKM, %d businesses, %d purchases, %d agreements, %d outlets, %d reports new in %s\n",
		res.IKMs, res.Businesses, res.Purchases, res.Agreements, res.Outlets, res.Reports, time.Since(started).Round(time.Second))
	return nil
}
