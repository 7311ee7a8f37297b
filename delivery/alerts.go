package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"portalegenitori/db"
	"portalegenitori/internal/appio"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/money"
	"portalegenitori/internal/notify"
)

// Kinds of the alert messages (messages.kind).
const (
	KindAlertLowBalance = "alert_low_balance"
	KindAlertDebt       = "alert_debt"
)

// Channels of the alerts (messages.channel).
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
	ChannelAppIO = "appio"
)

// AlertArgs sends one firing of one alert on one channel. The balance and
// the threshold are those of the crossing.
type AlertArgs struct {
	InstallationID int64  `json:"installation_id"`
	AdultID        int64  `json:"adult_id"`
	AccountID      int64  `json:"account_id"`
	Alert          string `json:"alert"` // db.AlertLowBalance, db.AlertDebt
	Channel        string `json:"channel"`
	Generation     int    `json:"generation"`
	BalanceCents   int64  `json:"balance_cents"`
	ThresholdCents int64  `json:"threshold_cents"`
}

// Kind is River's job kind.
func (AlertArgs) Kind() string { return "alert" }

// InsertOpts sets the retries and the queue.
func (AlertArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: maxAttempts, Queue: river.QueueDefault}
}

// AlertScanArgs looks for crossings: of the adults whose ledger moved since
// the last scan (frequent), or of every paying adult (Daily).
type AlertScanArgs struct {
	Daily bool `json:"daily"`
}

// Kind is River's job kind.
func (AlertScanArgs) Kind() string { return "alert_scan" }

// InsertOpts: a scan that fails is simply the next one's work.
func (AlertScanArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, Queue: river.QueueDefault}
}

// scanBatch bounds the ledger entries one frequent scan reads.
const scanBatch = 20000

// AppIOClients builds the App IO client of each Comune from its sealed
// service key (staff settings).
type AppIOClients struct {
	BaseURL    string
	Sealer     appio.KeySealer
	HTTPClient *http.Client // nil: appio's default
	Store      *db.Store
}

// ErrNoAppIOService: the Comune has not set an IO service key.
var ErrNoAppIOService = errors.New("the Comune has no App IO service")

// For returns the client of the installation's IO service.
func (a *AppIOClients) For(ctx context.Context, installationID int64) (appio.Client, error) {
	svc, err := a.Store.AppIOServiceOf(ctx, installationID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, ErrNoAppIOService
	}
	if err != nil {
		return nil, err
	}
	key, err := a.Sealer.Open(svc.KeySealed, installationID)
	if err != nil {
		return nil, err
	}
	return appio.New(appio.Config{BaseURL: a.BaseURL, Key: key, HTTPClient: a.HTTPClient})
}

// QuietUntil tells whether now is inside the quiet hours start–end
// (minutes after midnight, Italian time; start = end: none, and a start
// after the end spans midnight), and when they end.
func QuietUntil(now time.Time, start, end int) (bool, time.Time) {
	if start == end {
		return false, time.Time{}
	}
	local := now.In(calendar.Rome)
	m := local.Hour()*60 + local.Minute()
	at := func(days int) time.Time {
		y, mo, d := local.Date()
		return time.Date(y, mo, d+days, end/60, end%60, 0, 0, calendar.Rome)
	}
	if start < end {
		if m >= start && m < end {
			return true, at(0)
		}
		return false, time.Time{}
	}
	switch {
	case m >= start:
		return true, at(1)
	case m < end:
		return true, at(0)
	}
	return false, time.Time{}
}

// EvaluateAlerts applies the crossing rule to adults of an installation
// (installationID 0: all; adultIDs nil: all) and enqueues, in the
// transaction that marks an alert fired, one message job per channel the
// adult chose and has. It returns how many alerts fired.
func (e *Enqueuer) EvaluateAlerts(ctx context.Context, store *db.Store, installationID int64, adultIDs []int64, now time.Time) (int, error) {
	today := calendar.DateOf(now.In(calendar.Rome))
	subjects, err := store.AlertSubjects(ctx, installationID, adultIDs, today)
	if err != nil {
		return 0, err
	}
	hasIO := map[int64]bool{}
	fired := 0
	for _, s := range subjects {
		if len(s.Changes()) == 0 {
			continue
		}
		io, ok := hasIO[s.InstallationID]
		if !ok {
			_, err := store.AppIOServiceOf(ctx, s.InstallationID)
			if err != nil && !errors.Is(err, db.ErrNotFound) {
				return fired, err
			}
			io = err == nil
			hasIO[s.InstallationID] = io
		}
		applied, err := store.ApplyAlertChanges(ctx, s.InstallationID, s.AdultID, today, func(tx *sql.Tx, subj db.AlertSubject, ch db.AlertChange) error {
			for _, channel := range AlertChannels(subj, io) {
				args := AlertArgs{InstallationID: subj.InstallationID, AdultID: subj.AdultID, AccountID: subj.AccountID, Alert: ch.Kind,
					Channel: channel, Generation: ch.Generation, BalanceCents: ch.BalanceCents, ThresholdCents: ch.ThresholdCents}
				if err := e.insert(ctx, tx, args, "enqueue alert"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fired, err
		}
		for _, ch := range applied {
			if ch.Fire {
				fired++
			}
		}
	}
	return fired, nil
}

// AlertChannels are the channels an alert of subj goes on: those chosen
// that the adult has (an e-mail, a mobile; App IO when the Comune has an
// IO service, by the codice fiscale).
func AlertChannels(subj db.AlertSubject, comuneHasIO bool) []string {
	var out []string
	if subj.ViaEmail && subj.Email != "" {
		out = append(out, ChannelEmail)
	}
	if subj.ViaSMS && subj.Mobile != "" {
		out = append(out, ChannelSMS)
	}
	if subj.ViaAppIO && comuneHasIO && subj.FiscalCode != "" {
		out = append(out, ChannelAppIO)
	}
	return out
}

// addAlertWorkers registers the alert jobs; deps.store nil: for an
// insert-only client.
func addAlertWorkers(workers *river.Workers, deps jobDeps, now func() time.Time) {
	var enq *Enqueuer
	if deps.store != nil {
		var err error
		if enq, err = NewEnqueuer(deps.store.DB().DB); err != nil {
			panic(err) // only a configuration error of River: NewEnqueuer succeeded once already
		}
	}
	if now == nil {
		now = time.Now
	}
	river.AddWorker(workers, &alertWorker{jobDeps: deps, now: now})
	river.AddWorker(workers, &alertScanWorker{jobDeps: deps, enq: enq, now: now})
	river.AddWorker(workers, &mealReminderWorker{jobDeps: deps, now: now}) // meal_reminder.go
	river.AddWorker(workers, &mealReminderScanWorker{jobDeps: deps, enq: enq, now: now})
}

// dailyAt is the schedule of the daily scan: every day at hh:mm, Italian time.
type dailyAt struct{ hour, minute int }

func (d dailyAt) Next(t time.Time) time.Time {
	l := t.In(calendar.Rome)
	n := time.Date(l.Year(), l.Month(), l.Day(), d.hour, d.minute, 0, 0, calendar.Rome)
	if !n.After(t) {
		n = time.Date(l.Year(), l.Month(), l.Day()+1, d.hour, d.minute, 0, 0, calendar.Rome)
	}
	return n
}

// alertPeriodicJobs: the frequent scan of the balances that moved (every
// scanEvery) and the daily scan of all (at 7:00, before school).
func alertPeriodicJobs(scanEvery time.Duration) []*river.PeriodicJob {
	if scanEvery <= 0 {
		scanEvery = time.Minute
	}
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(scanEvery), func() (river.JobArgs, *river.InsertOpts) {
			return AlertScanArgs{}, nil
		}, &river.PeriodicJobOpts{ID: "alert_scan"}),
		river.NewPeriodicJob(dailyAt{7, 0}, func() (river.JobArgs, *river.InsertOpts) {
			return AlertScanArgs{Daily: true}, nil
		}, &river.PeriodicJobOpts{ID: "alert_daily"}),
		mealReminderPeriodicJob(), // meal_reminder.go
	}
}

type alertScanWorker struct {
	river.WorkerDefaults[AlertScanArgs]
	jobDeps
	enq *Enqueuer
	now func() time.Time
}

func (w *alertScanWorker) Work(ctx context.Context, job *river.Job[AlertScanArgs]) error {
	if job.Args.Daily {
		n, err := w.enq.EvaluateAlerts(ctx, w.store, 0, nil, w.now())
		if n > 0 {
			w.log.Info("daily alert scan", "fired", n)
		}
		return err
	}
	// batch after batch until caught up, within the job's time: a backlog
	// (a large import) is worked through, the rest by the next scan
	deadline := time.Now().Add(20 * time.Second)
	for {
		byInst, mark, err := w.store.AdultsWithNewEntries(ctx, scanBatch)
		if err != nil {
			return err
		}
		if len(byInst) == 0 {
			return nil
		}
		for inst, adults := range byInst {
			if _, err := w.enq.EvaluateAlerts(ctx, w.store, inst, adults, w.now()); err != nil {
				return err
			}
		}
		if err := w.store.SetAlertScanMark(ctx, mark); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return nil
		}
	}
}

type alertWorker struct {
	river.WorkerDefaults[AlertArgs]
	jobDeps
	now func() time.Time
}

func (w *alertWorker) Work(ctx context.Context, job *river.Job[AlertArgs]) error {
	return w.store.WithDeliveryLock(ctx, job.ID, func() error { return w.work(ctx, job) })
}

func (w *alertWorker) work(ctx context.Context, job *river.Job[AlertArgs]) error {
	a := job.Args
	if sent, err := w.store.MessageSentByJob(ctx, a.InstallationID, job.ID, a.Channel); err != nil || sent {
		return err
	}
	still, err := w.store.AlertStillFired(ctx, a.InstallationID, a.AdultID, a.Alert, a.Generation)
	if err != nil {
		return err
	}
	if !still {
		w.log.Info("alert not sent: the balance recovered, or a newer alert replaced it", "adult", a.AdultID, "alert", a.Alert, "channel", a.Channel)
		return nil
	}
	now := w.now()
	subjects, err := w.store.AlertSubjects(ctx, a.InstallationID, []int64{a.AdultID}, calendar.DateOf(now.In(calendar.Rome)))
	if err != nil {
		return err
	}
	if len(subjects) == 0 || subjects[0].AccountID != a.AccountID {
		return river.JobCancel(fmt.Errorf("adult %d no longer pays with account %d", a.AdultID, a.AccountID))
	}
	subj := subjects[0]
	chosen := false
	for _, ch := range AlertChannels(subj, true) {
		chosen = chosen || ch == a.Channel
	}
	if !chosen {
		w.log.Info("alert not sent: the channel was turned off since", "adult", a.AdultID, "channel", a.Channel)
		return nil
	}
	if a.Channel != ChannelEmail {
		if quiet, until := QuietUntil(now, subj.QuietStart, subj.QuietEnd); quiet {
			return river.JobSnooze(until.Sub(now)) // not an attempt: it waits for the end of the quiet hours
		}
	}
	inst, err := w.store.InstallationByID(ctx, a.InstallationID)
	if err != nil {
		return err
	}
	acc, err := w.store.AccountByID(ctx, a.InstallationID, a.AccountID)
	if err != nil {
		return cancelIfGone(err, a.AccountID)
	}
	lang := acc.Lang
	if lang != "en" {
		lang = "it"
	}
	d := notify.Alert{Comune: inst.Name, Name: greetingName(acc), Debt: a.Alert == db.AlertDebt,
		Balance: money.Format(a.BalanceCents, lang), Threshold: money.Format(a.ThresholdCents, lang),
		TopUpURL: w.senders.pageURL(inst, "pagamenti"), AlertsURL: w.senders.pageURL(inst, "avvisi"), Office: office(inst)}
	kind := KindAlertLowBalance
	if d.Debt {
		kind = KindAlertDebt
	}
	m := db.Message{InstallationID: inst.ID, AccountID: acc.ID, JobID: &job.ID, Attempt: job.Attempt,
		Kind: kind, Channel: a.Channel, Outcome: "sent"}
	var sendErr error
	switch a.Channel {
	case ChannelAppIO:
		m.Recipient = subj.FiscalCode
		var refused bool
		refused, sendErr = w.sendAppIO(ctx, inst.ID, subj.FiscalCode, func() (notify.AppIOMessage, error) { return notify.AlertAppIO(lang, d) })
		if refused {
			m.Outcome, m.Error = "refused", sendErr.Error()
			w.log.Info("alert refused by App IO: the citizen does not accept the Comune's messages", "adult", a.AdultID)
			return recordMessage(ctx, w.store, m) // not retried
		}
	default:
		m.Recipient = subj.Email
		if a.Channel == ChannelSMS {
			m.Recipient = subj.Mobile
		}
		var buildErr error
		sendErr, buildErr = deliver(ctx, w.senders, a.Channel, lang, m.Recipient, messageKey(job.JobRow, 0, a.Channel), d, notify.AlertMail, notify.AlertSMS)
		if buildErr != nil {
			return buildErr
		}
	}
	if sendErr != nil {
		m.Outcome, m.Error = "failed", sendErr.Error()
		w.log.Warn("alert delivery failed", "adult", a.AdultID, "channel", a.Channel, "attempt", job.Attempt, "err", sendErr)
	}
	if err := recordMessage(ctx, w.store, m); err != nil {
		return err
	}
	if permanentAppIO(sendErr) {
		return river.JobCancel(sendErr) // the same call would be refused again
	}
	return sendErr
}

// sendAppIO asks App IO whether the citizen allows the Comune's service,
// then sends the message (msg builds it, once the client is known);
// refused: the citizen does not (no profile, or opted out). The alerts and
// the meal reminders send this way.
func (d jobDeps) sendAppIO(ctx context.Context, installationID int64, fiscalCode string, msg func() (notify.AppIOMessage, error)) (refused bool, err error) {
	if d.senders.AppIO == nil {
		return false, ErrNoAppIOService
	}
	cl, err := d.senders.AppIO.For(ctx, installationID)
	if err != nil {
		return false, err
	}
	m, err := msg()
	if err != nil {
		return false, err
	}
	id, err := appio.Send(ctx, cl, fiscalCode, m.Subject, m.Markdown)
	if errors.Is(err, appio.ErrNotAllowed) {
		return true, err
	}
	if err == nil {
		d.log.Info("message accepted by App IO", "installation", installationID, "io_message", id)
	}
	return false, err
}

// permanentAppIO tells a refusal that the same call would meet again: the
// job is cancelled rather than retried.
func permanentAppIO(err error) bool {
	return errors.Is(err, appio.ErrRejected) || errors.Is(err, ErrNoAppIOService) || errors.Is(err, appio.ErrKeySealed)
}
