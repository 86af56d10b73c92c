package batch

import (
	"context"
	"sync"
	"time"

	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/store"
)

// Quota counts one batch item against its client's daily issuance quota
// before it is issued. It returns giveBack, to call when the item did not
// make a new certificate (refused, failed, or replayed), or an
// errs.QuotaExceeded error when the quota is used up: the runner then
// stops the page and the batch resumes later, when the lease lapses (on a
// new day, the quota allows it again).
type Quota func(ctx context.Context, client string) (giveBack func(), err error)

// StoreQuota applies the daily quotas of stored clients (docs/clients.md)
// on the calendar day in loc, as the HTTP API does. Clients' quotas are
// read with ListClients at most once a minute; a client that is not
// stored (configured keys, the CLI) has none.
func StoreQuota(st store.Clients, loc *time.Location, now func() time.Time) Quota {
	var (
		mu      sync.Mutex
		quotas  map[string]int64
		fetched time.Time
	)
	quotaOf := func(ctx context.Context, client string) (int64, error) {
		mu.Lock()
		defer mu.Unlock()
		if quotas == nil || now().Sub(fetched) > time.Minute {
			all, err := st.ListClients(ctx)
			if err != nil {
				return 0, err
			}
			quotas, fetched = map[string]int64{}, now()
			for _, c := range all {
				if c.RevokedAt.IsZero() && c.DailyQuota > 0 {
					quotas[c.ID] = c.DailyQuota
				}
			}
		}
		return quotas[client], nil
	}
	return func(ctx context.Context, client string) (func(), error) {
		q, err := quotaOf(ctx, client)
		if err != nil || q == 0 {
			return func() {}, err
		}
		day := now().In(loc)
		_, ok, err := st.UseClientQuota(ctx, client, day, q)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errs.New(errs.QuotaExceeded, "the client's daily issuance quota is used up; the batch resumes when it renews")
		}
		return func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			st.ReturnClientQuota(ctx, client, day)
		}, nil
	}
}
