package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"portalegenitori/db"
	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/i18n"
	"portalegenitori/internal/notify"
)

// KindMealReminder is the messages.kind of the evening-before-cut-off
// reminder of a meal not yet booked (docs/alerts.md).
const KindMealReminder = "meal_reminder"

// MealReminderArgs sends the reminder of one adult for one meal day on one
// channel. The children are read again when it is sent: a meal booked
// meanwhile is not reminded.
type MealReminderArgs struct {
	InstallationID int64     `json:"installation_id"`
	AdultID        int64     `json:"adult_id"`
	AccountID      int64     `json:"account_id"`
	Day            time.Time `json:"day"`
	Channel        string    `json:"channel"`
}

// Kind is River's job kind.
func (MealReminderArgs) Kind() string { return "meal_reminder" }

// InsertOpts sets the retries and the queue.
func (MealReminderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: maxAttempts, Queue: river.QueueDefault}
}

// MealReminderScanArgs looks for the reminders due now.
type MealReminderScanArgs struct{}

// Kind is River's job kind.
func (MealReminderScanArgs) Kind() string { return "meal_reminder_scan" }

// InsertOpts: a scan that fails is simply the next one's work.
func (MealReminderScanArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, Queue: river.QueueDefault}
}

// mealReminderEvery is how often the scan runs: a reminder goes within
// this time after 18:00.
const mealReminderEvery = 5 * time.Minute

// EnqueueMealReminders finds the reminders due at now (db.DueMealReminders)
// and enqueues, for each adult who has the reminder on and a child without
// a booking decision, one message job per chosen channel, in the
// transaction that records the adult's reminder for the day: a rerun
// enqueues nothing twice. It returns how many adults were reminded.
func (e *Enqueuer) EnqueueMealReminders(ctx context.Context, store *db.Store, now time.Time) (int, error) {
	due, err := store.DueMealReminders(ctx, now)
	if err != nil {
		return 0, err
	}
	type instDay struct {
		inst int64
		day  time.Time
	}
	seen := map[instDay]bool{}
	reminded := 0
	for _, rd := range due {
		k := instDay{rd.InstallationID, rd.Day}
		if seen[k] {
			continue // the installation's services with the same day: one pass, one message per adult
		}
		seen[k] = true
		rows, err := store.MealReminderChildren(ctx, rd.InstallationID, rd.Day, now, 0)
		if err != nil {
			return reminded, err
		}
		if len(rows) == 0 {
			continue
		}
		_, err = store.AppIOServiceOf(ctx, rd.InstallationID)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return reminded, err
		}
		io := err == nil
		for i := 0; i < len(rows); {
			j := i
			for j < len(rows) && rows[j].AdultID == rows[i].AdultID {
				j++
			}
			r := rows[i]
			claimed, err := store.ClaimMealReminder(ctx, rd.InstallationID, r.AdultID, rd.Day, j-i, func(tx *sql.Tx) error {
				for _, ch := range AlertChannels(reminderSubject(r), io) {
					args := MealReminderArgs{InstallationID: rd.InstallationID, AdultID: r.AdultID, AccountID: r.AccountID, Day: rd.Day, Channel: ch}
					if err := e.insert(ctx, tx, args, "enqueue meal reminder"); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return reminded, err
			}
			if claimed {
				reminded++
			}
			i = j
		}
	}
	return reminded, nil
}

// reminderSubject is the adult of a reminder as AlertChannels reads it.
func reminderSubject(r db.ReminderChild) db.AlertSubject {
	return db.AlertSubject{AdultID: r.AdultID, AccountID: r.AccountID, FiscalCode: r.FiscalCode, Email: r.Email, Mobile: r.Mobile,
		Lang: r.Lang, AlertSettings: r.AlertSettings}
}

func mealReminderPeriodicJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(mealReminderEvery), func() (river.JobArgs, *river.InsertOpts) {
		return MealReminderScanArgs{}, nil
	}, &river.PeriodicJobOpts{ID: "meal_reminder_scan"})
}

type mealReminderScanWorker struct {
	river.WorkerDefaults[MealReminderScanArgs]
	jobDeps
	enq *Enqueuer
	now func() time.Time
}

func (w *mealReminderScanWorker) Work(ctx context.Context, _ *river.Job[MealReminderScanArgs]) error {
	n, err := w.enq.EnqueueMealReminders(ctx, w.store, w.now())
	if n > 0 {
		w.log.Info("meal reminders enqueued", "adults", n)
	}
	return err
}

type mealReminderWorker struct {
	river.WorkerDefaults[MealReminderArgs]
	jobDeps
	now func() time.Time
}

func (w *mealReminderWorker) Work(ctx context.Context, job *river.Job[MealReminderArgs]) error {
	return w.store.WithDeliveryLock(ctx, job.ID, func() error { return w.work(ctx, job) })
}

func (w *mealReminderWorker) work(ctx context.Context, job *river.Job[MealReminderArgs]) error {
	a := job.Args
	if sent, err := w.store.MessageSentByJob(ctx, a.InstallationID, job.ID, a.Channel); err != nil || sent {
		return err
	}
	now := w.now()
	day := calendar.DateOf(a.Day)
	rows, err := w.store.MealReminderChildren(ctx, a.InstallationID, day, now, a.AdultID)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		w.log.Info("meal reminder not sent: booked meanwhile, past the cut-off, or turned off", "adult", a.AdultID, "channel", a.Channel)
		return nil
	}
	r := rows[0]
	if r.AccountID != a.AccountID {
		return river.JobCancel(fmt.Errorf("adult %d no longer has account %d", a.AdultID, a.AccountID))
	}
	chosen := false
	for _, ch := range AlertChannels(reminderSubject(r), true) {
		chosen = chosen || ch == a.Channel
	}
	if !chosen {
		w.log.Info("meal reminder not sent: the channel was turned off since", "adult", a.AdultID, "channel", a.Channel)
		return nil
	}
	if a.Channel != ChannelEmail {
		if quiet, until := QuietUntil(now, r.QuietStart, r.QuietEnd); quiet {
			return river.JobSnooze(until.Sub(now)) // at the end of the quiet hours the children are read again
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
	d := mealReminderData(lang, rows, day)
	d.Comune, d.Name, d.Office = inst.Name, greetingName(acc), office(inst)
	d.BookURL, d.AlertsURL = w.senders.pageURL(inst, "famiglia#meal-days"), w.senders.pageURL(inst, "avvisi")
	m := db.Message{InstallationID: inst.ID, AccountID: acc.ID, JobID: &job.ID, Attempt: job.Attempt,
		Kind: KindMealReminder, Channel: a.Channel, Outcome: "sent"}
	var sendErr error
	switch a.Channel {
	case ChannelAppIO:
		m.Recipient = r.FiscalCode
		var refused bool
		refused, sendErr = w.sendAppIO(ctx, inst.ID, r.FiscalCode, func() (notify.AppIOMessage, error) { return notify.MealReminderAppIO(lang, d) })
		if refused {
			m.Outcome, m.Error = "refused", sendErr.Error()
			return recordMessage(ctx, w.store, m) // not retried
		}
	default:
		m.Recipient = r.Email
		if a.Channel == ChannelSMS {
			m.Recipient = r.Mobile
		}
		var buildErr error
		sendErr, buildErr = deliver(ctx, w.senders, a.Channel, lang, m.Recipient, messageKey(job.JobRow, 0, a.Channel), d,
			notify.MealReminderMail, notify.MealReminderSMS)
		if buildErr != nil {
			return buildErr
		}
	}
	if sendErr != nil {
		m.Outcome, m.Error = "failed", sendErr.Error()
		w.log.Warn("meal reminder delivery failed", "adult", a.AdultID, "channel", a.Channel, "attempt", job.Attempt, "err", sendErr)
	}
	if err := recordMessage(ctx, w.store, m); err != nil {
		return err
	}
	if permanentAppIO(sendErr) {
		return river.JobCancel(sendErr)
	}
	return sendErr
}

// mealReminderData says the children (each once, in order) and the
// earliest cut-off of the day, in words.
func mealReminderData(lang string, rows []db.ReminderChild, day time.Time) notify.MealReminder {
	var names []string
	seen := map[int64]bool{}
	cutoff := rows[0].Cutoff
	for _, r := range rows {
		if !seen[r.ChildID] {
			seen[r.ChildID] = true
			names = append(names, r.FirstName)
		}
		if r.Cutoff.Before(cutoff) {
			cutoff = r.Cutoff
		}
	}
	c := cutoff.In(calendar.Rome)
	clock := booking.Clock{Hour: c.Hour(), Minute: c.Minute()}.Words()
	return notify.MealReminder{Children: strings.Join(names, ", "), Many: len(names) > 1, Day: longDate(lang, day),
		Cutoff: i18n.T(lang, "reminder.cutoff", clock, longDate(lang, calendar.DateOf(c)))}
}
