// Package metrics exposes certa's Prometheus metrics. A Metrics registers
// its collectors on the registry it is given (never the global default) and
// implements engine.Observer and httpapi.Observer; the caller passes it to
// them explicitly and serves Handler at /metrics.
//
// The hot paths take no allocation-heavy label building: issuance counters
// are resolved once per (type, outcome) at construction, and HTTP counters
// are cached per (route, method, status) after their first use. Labels
// never carry client input: types are catalogue names ("unknown" else),
// routes are chi patterns ("unmatched" else), methods a fixed set.
//
// Metrics (all prefixed certa_):
//
//	issuances_total{type,outcome}               outcome: ok or the errs kind (problem slug)
//	issue_duration_seconds{outcome}             whole Issue call; outcome ok or error
//	issue_stage_duration_seconds{stage}         validate_render, sign, record (completed stages)
//	http_requests_total{route,method,status}
//	http_request_duration_seconds{route}
//	verification_lookups_total{page,status}     page status (/v/{code}) or seal (/v/{code}/{seal})
//	signer_sessions_in_use, signer_sessions_max PKCS#11 seals only
//
//	batch_items_total{outcome}                  batch items this process finished: issued, failed
//	batches_total{outcome}                      batch runs that ended here: done, interrupted
//	batches_running                             batches this process is running now
//	batch_items_pending                         their items still to do, as of their last page
//
// Batch metrics carry no batch id (unbounded label values); Metrics is a
// batch.Observer.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"certa.example/certa/engine"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/store"
	"certa.example/certa/templates"
)

// Metrics holds certa's collectors.
type Metrics struct {
	reg *prometheus.Registry

	typeIndex map[string]int         // catalogue name -> row of issued; the last row is "unknown"
	issued    [][]prometheus.Counter // [type][outcome]: 0 ok, 1+kind
	issueOK   prometheus.Observer    // issue_duration_seconds{outcome="ok"}
	issueErr  prometheus.Observer    // {outcome="error"}
	stages    [engine.NumStages]prometheus.Observer

	httpTotal    *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	httpMu       sync.RWMutex
	httpCache    map[httpKey]httpSeries

	lookups *prometheus.CounterVec

	batchIssued, batchFailed       prometheus.Counter
	batchesDone, batchesStopped    prometheus.Counter
	batchesRunning, batchesPending prometheus.Gauge
	batchMu                        sync.Mutex
	batchPending                   map[string]int64 // running batch id -> pending items
}

type httpKey struct {
	route, method string
	status        int
}

type httpSeries struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// kinds is the number of errs kinds (the enum is append-only).
var kinds = func() int {
	n := 0
	for errs.Kind(n).String() != "kind("+strconv.Itoa(n)+")" {
		n++
	}
	return n
}()

// New registers certa's collectors, and Go's and the process's, on reg.
func New(reg *prometheus.Registry) (*Metrics, error) {
	m := &Metrics{reg: reg, typeIndex: map[string]int{}, httpCache: map[httpKey]httpSeries{}}
	issued := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "certa_issuances_total", Help: "Issue calls by certificate type and outcome (ok, or the problem kind).",
	}, []string{"type", "outcome"})
	issueDur := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "certa_issue_duration_seconds", Help: "Duration of whole Issue calls by outcome (ok or error).",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"outcome"})
	stageDur := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "certa_issue_stage_duration_seconds", Help: "Duration of completed issuance stages: validate_render (validation, registry read, rules, render, text check), sign, record.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"stage"})
	m.httpTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "certa_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
	}, []string{"route", "method", "status"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "certa_http_request_duration_seconds", Help: "HTTP request duration by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route"})
	m.lookups = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "certa_verification_lookups_total", Help: "Public verification page look-ups by page (status, seal) and certificate status.",
	}, []string{"page", "status"})
	batchItems := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "certa_batch_items_total", Help: "Batch items this process finished, by outcome (issued, failed).",
	}, []string{"outcome"})
	batches := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "certa_batches_total", Help: "Batch runs that ended in this process: done, or interrupted (resumed later).",
	}, []string{"outcome"})
	m.batchesRunning = prometheus.NewGauge(prometheus.GaugeOpts{Name: "certa_batches_running", Help: "Batches this process is running."})
	m.batchesPending = prometheus.NewGauge(prometheus.GaugeOpts{Name: "certa_batch_items_pending", Help: "Items still to do in the batches this process runs, as of their last recorded page."})
	m.batchIssued, m.batchFailed = batchItems.WithLabelValues("issued"), batchItems.WithLabelValues("failed")
	m.batchesDone, m.batchesStopped = batches.WithLabelValues("done"), batches.WithLabelValues("interrupted")
	m.batchPending = map[string]int64{}
	for _, c := range []prometheus.Collector{issued, issueDur, stageDur, m.httpTotal, m.httpDuration, m.lookups,
		batchItems, batches, m.batchesRunning, m.batchesPending,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	names := []string{}
	for _, t := range templates.Types() {
		names = append(names, t.Name)
	}
	names = append(names, "unknown")
	for i, name := range names {
		m.typeIndex[name] = i
		row := make([]prometheus.Counter, 1+kinds)
		row[0] = issued.WithLabelValues(name, "ok")
		for k := range kinds {
			row[1+k] = issued.WithLabelValues(name, errs.Kind(k).String())
		}
		m.issued = append(m.issued, row)
	}
	m.issueOK, m.issueErr = issueDur.WithLabelValues("ok"), issueDur.WithLabelValues("error")
	for s := range engine.NumStages {
		m.stages[s] = stageDur.WithLabelValues(s.String())
	}
	for _, page := range []string{"status", "seal"} {
		for _, st := range []ledger.Status{ledger.StatusValid, ledger.StatusRevoked, ledger.StatusExpired, ledger.StatusUnknown} {
			m.lookups.WithLabelValues(page, string(st))
		}
	}
	return m, nil
}

// BatchStarted, BatchPage and BatchStopped make Metrics a batch.Observer.
func (m *Metrics) BatchStarted(b store.Batch) { m.setPending(b.ID, b.Pending(), true) }

func (m *Metrics) BatchPage(b store.Batch, issued, failed int) {
	m.batchIssued.Add(float64(issued))
	m.batchFailed.Add(float64(failed))
	m.setPending(b.ID, b.Pending(), true)
}

func (m *Metrics) BatchStopped(b store.Batch, err error) {
	if err == nil {
		m.batchesDone.Inc()
	} else {
		m.batchesStopped.Inc()
	}
	m.setPending(b.ID, 0, false)
}

// setPending records (or, with running false, forgets) a batch's pending
// count and updates the two gauges.
func (m *Metrics) setPending(id string, pending int64, running bool) {
	m.batchMu.Lock()
	defer m.batchMu.Unlock()
	if running {
		m.batchPending[id] = pending
	} else {
		delete(m.batchPending, id)
	}
	var sum int64
	for _, p := range m.batchPending {
		sum += p
	}
	m.batchesRunning.Set(float64(len(m.batchPending)))
	m.batchesPending.Set(float64(sum))
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveIssue implements engine.Observer.
func (m *Metrics) ObserveIssue(o engine.Observation) {
	row, ok := m.typeIndex[o.Type]
	if !ok {
		row = len(m.issued) - 1
	}
	outcome := 0
	if o.Err != nil {
		if k := int(errs.KindOf(o.Err)); k >= 0 && k < kinds {
			outcome = 1 + k
		} else {
			outcome = 1 + int(errs.Internal)
		}
	}
	m.issued[row][outcome].Inc()
	if o.Err == nil {
		m.issueOK.Observe(o.Total.Seconds())
	} else {
		m.issueErr.Observe(o.Total.Seconds())
	}
	for s := range engine.NumStages {
		if o.Completed(s) {
			m.stages[s].Observe(o.Durations[s].Seconds())
		}
	}
}

// ObserveRequest implements httpapi.Observer.
func (m *Metrics) ObserveRequest(route, method string, status int, elapsed time.Duration) {
	k := httpKey{route: route, method: knownMethod(method), status: status}
	m.httpMu.RLock()
	s, ok := m.httpCache[k]
	m.httpMu.RUnlock()
	if !ok {
		s = httpSeries{
			count:    m.httpTotal.WithLabelValues(k.route, k.method, strconv.Itoa(status)),
			duration: m.httpDuration.WithLabelValues(k.route),
		}
		m.httpMu.Lock()
		m.httpCache[k] = s
		m.httpMu.Unlock()
	}
	s.count.Inc()
	s.duration.Observe(elapsed.Seconds())
}

// ObserveLookup implements httpapi.Observer.
func (m *Metrics) ObserveLookup(page string, status ledger.Status) {
	m.lookups.WithLabelValues(page, string(status)).Inc()
}

// SessionPool is a signer with a pool of sessions (signer/pkcs11.Key).
type SessionPool interface {
	SessionsInUse() int
	MaxSessions() int
}

// WatchSessionPool exports the pool's use as certa_signer_sessions_in_use
// and certa_signer_sessions_max, read at each scrape.
func (m *Metrics) WatchSessionPool(p SessionPool) error {
	inUse := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "certa_signer_sessions_in_use", Help: "Signatures in progress on the PKCS#11 seal, holding or waiting for a session.",
	}, func() float64 { return float64(p.SessionsInUse()) })
	capacity := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "certa_signer_sessions_max", Help: "Signing sessions of the PKCS#11 seal (max-sessions).",
	}, func() float64 { return float64(p.MaxSessions()) })
	if err := m.reg.Register(inUse); err != nil {
		return err
	}
	return m.reg.Register(capacity)
}

// knownMethod keeps the method label to a fixed set.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
