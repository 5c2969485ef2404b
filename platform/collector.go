package platform

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/karton-social/karton/domain"
)

// dayCollector reports, on each scrape, what breaks a centre's day and is
// only in the database: open and overdue tasks by centre, payrolls by
// state, and the payrolls not approved by their payment day. It queries
// at most once every 15 s, whatever the scrape rate and however many
// Prometheus servers ask; if the database does not answer it reports
// nothing (and logs it), so the alerts on these series see them absent
// rather than at a false zero.
type dayCollector struct {
	pool       *pgxpool.Pool
	log        *slog.Logger
	paymentDay int

	mu      sync.Mutex
	at      time.Time
	metrics []prometheus.Metric
}

var (
	descTasksOpen = prometheus.NewDesc("karton_tasks_open", "Open human tasks, by centre.", []string{"centre"}, nil)
	descOverdue   = prometheus.NewDesc("karton_tasks_overdue", "Open human tasks past their due time, by centre.", []string{"centre"}, nil)
	descPayrolls  = prometheus.NewDesc("karton_payrolls", "Monthly payrolls by state (preparing, awaiting_submission, awaiting_approval, approved, sent).", []string{"state"}, nil)
	descLate      = prometheus.NewDesc("karton_payrolls_unapproved_past_payment_day",
		"Payrolls not yet approved although the payment day of the month after their period has come (KARTON_PAYMENT_DAY, default 15).", nil, nil)
)

func newDayCollector(pool *pgxpool.Pool, log *slog.Logger, paymentDay int) *dayCollector {
	return &dayCollector{pool: pool, log: log, paymentDay: domain.PaymentDayOr(paymentDay)}
}

func (c *dayCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descTasksOpen
	ch <- descOverdue
	ch <- descPayrolls
	ch <- descLate
}

func (c *dayCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) > 15*time.Second {
		ms, err := c.query()
		if err != nil {
			c.log.Warn("metrics: the tasks and payrolls could not be counted", "error", err)
			return
		}
		c.metrics, c.at = ms, time.Now()
	}
	for _, m := range c.metrics {
		ch <- m
	}
}

func (c *dayCollector) query() ([]prometheus.Metric, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var ms []prometheus.Metric
	// Every centre, at zero when it has no open task, so that a centre's
	// series never vanishes from the dashboard.
	open, overdue := map[string]int64{}, map[string]int64{}
	for _, c := range domain.Centres() {
		open[c.ID], overdue[c.ID] = 0, 0
	}
	rows, err := c.pool.Query(ctx, `SELECT centre_id, count(*), count(*) FILTER (WHERE due_at < now()) FROM tasks WHERE state = 'open' GROUP BY centre_id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var centre string
		var o, late int64
		if err := rows.Scan(&centre, &o, &late); err != nil {
			rows.Close()
			return nil, err
		}
		open[centre], overdue[centre] = o, late
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for centre := range open {
		ms = append(ms, prometheus.MustNewConstMetric(descTasksOpen, prometheus.GaugeValue, float64(open[centre]), centre),
			prometheus.MustNewConstMetric(descOverdue, prometheus.GaugeValue, float64(overdue[centre]), centre))
	}
	states := map[string]int64{"preparing": 0, "awaiting_submission": 0, "awaiting_approval": 0, "approved": 0, "sent": 0}
	rows, err = c.pool.Query(ctx, `SELECT state, count(*) FROM payrolls GROUP BY state`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			rows.Close()
			return nil, err
		}
		states[state] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for state, n := range states {
		ms = append(ms, prometheus.MustNewConstMetric(descPayrolls, prometheus.GaugeValue, float64(n), state))
	}
	// A month's payroll is prepared on KARTON_PAYROLL_DAY of the next month
	// and paid from its payment day: by then it must be approved.
	var late int64
	if err := c.pool.QueryRow(ctx, `SELECT count(*) FROM payrolls WHERE state IN ('preparing', 'awaiting_submission', 'awaiting_approval')
		AND period + interval '1 month' + ($1::int - 1) * interval '1 day' <= now()`, c.paymentDay).Scan(&late); err != nil {
		return nil, err
	}
	ms = append(ms, prometheus.MustNewConstMetric(descLate, prometheus.GaugeValue, float64(late)))
	return ms, nil
}
