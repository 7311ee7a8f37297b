package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"portalegenitori/db"
	"portalegenitori/internal/appio"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/notify"
)

// BroadcastArgs sends a message from the Comune (docs/messages.md). The
// first execution fixes the recipients and one delivery row per recipient
// and channel; every execution then sends the rows still pending, in
// slices of at most chunkTime, snoozing between slices so that a message
// to 100,000 families never holds a worker or a connection for long. A
// retried job sends only what is not recorded as sent.
type BroadcastArgs struct {
	InstallationID int64 `json:"installation_id"`
	BroadcastID    int64 `json:"broadcast_id"`
}

// Kind is River's job kind.
func (BroadcastArgs) Kind() string { return "broadcast" }

// InsertOpts: one job per message.
func (BroadcastArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: maxAttempts, Queue: river.QueueDefault, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Broadcast enqueues the sending of a message in tx.
func (e *Enqueuer) Broadcast(ctx context.Context, tx *sql.Tx, args BroadcastArgs) error {
	return e.insert(ctx, tx, args, "enqueue broadcast")
}

// broadcastAttempts bounds the attempts of one delivery; the wait between
// rounds of retries grows with them.
const broadcastAttempts = 4

type broadcastWorker struct {
	river.WorkerDefaults[BroadcastArgs]
	jobDeps
}

// addDocumentWorkers registers the workers of the certificates and of the
// messages from the Comune.
func addDocumentWorkers(workers *river.Workers, deps jobDeps) {
	river.AddWorker(workers, &certificateRunWorker{jobDeps: deps})
	river.AddWorker(workers, &broadcastWorker{jobDeps: deps})
}

// appIOFor is the installation's App IO client; nil when the deployment
// has no App IO or the Comune no IO service (then the channel is recorded
// as not available, never retried).
func (w *broadcastWorker) appIOFor(ctx context.Context, installationID int64) (appio.Client, error) {
	if w.senders.AppIO == nil {
		return nil, nil
	}
	cl, err := w.senders.AppIO.For(ctx, installationID)
	if errors.Is(err, ErrNoAppIOService) || errors.Is(err, appio.ErrKeySealed) {
		w.log.Warn("messages: App IO not available for the Comune", "installation", installationID, "err", err)
		return nil, nil
	}
	return cl, err
}

func (w *broadcastWorker) Work(ctx context.Context, job *river.Job[BroadcastArgs]) error {
	a := job.Args
	inst, err := w.store.InstallationByID(ctx, a.InstallationID)
	if err != nil {
		return err
	}
	io, err := w.appIOFor(ctx, inst.ID)
	if err != nil {
		return err
	}
	if err := w.store.MaterializeBroadcast(ctx, inst.ID, a.BroadcastID, calendar.SchoolYear(calendar.DateOf(time.Now().In(calendar.Rome))), io != nil); err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return river.JobCancel(err)
		}
		return err
	}
	b, err := w.store.BroadcastByID(ctx, inst.ID, a.BroadcastID)
	if err != nil {
		return err
	}
	d := notify.Broadcast{Comune: inst.Name, Title: b.Title, Body: b.Body, Link: b.Link,
		PortalURL: w.senders.pageURL(inst, fmt.Sprintf("messaggi/%d", b.ID)), Office: inst.OfficeName}
	if d.Office == "" {
		d.Office = inst.Name
	}
	deadline := time.Now().Add(chunkTime)
	for {
		batch, err := w.store.PendingDeliveries(ctx, inst.ID, b.ID, 200)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, dl := range batch {
			key := fmt.Sprintf("broadcast-%d-%d-%d-%s", inst.ID, b.ID, dl.AdultID, dl.Channel)
			var sendErr, buildErr error
			if dl.Channel == "io" {
				sendErr, buildErr = w.sendAppIO(ctx, io, dl, d)
			} else {
				sendErr, buildErr = deliver(ctx, w.senders, dl.Channel, dl.Lang, dl.Recipient, key, d, notify.BroadcastMail, notify.BroadcastSMS)
			}
			status, errText := "sent", ""
			if err := errors.Join(buildErr, sendErr); err != nil {
				status, errText = "failed", err.Error()
				// the citizen has not allowed the Comune's IO service, or IO
				// refuses the request: another attempt would not change it
				if buildErr != nil || errors.Is(sendErr, appio.ErrNotAllowed) || errors.Is(sendErr, appio.ErrRejected) || errors.Is(sendErr, errNoAppIO) {
					status = "unavailable"
				}
			}
			// the record must land even when the job's time is up: a
			// "sent" lost here means a second copy
			if err := persist(ctx, func(ctx context.Context) error {
				return w.store.RecordDelivery(ctx, inst.ID, b.ID, dl.AdultID, dl.Channel, status, errText)
			}); err != nil {
				return err
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return river.JobSnooze(0)
		}
	}
	n, err := w.store.RetryFailedDeliveries(ctx, inst.ID, b.ID, broadcastAttempts)
	if err != nil {
		return err
	}
	if n > 0 {
		// another round for the failed ones, later: attempts are counted
		// per delivery, not by River
		return river.JobSnooze(time.Minute)
	}
	return w.store.FinishBroadcast(ctx, inst.ID, b.ID)
}

var errNoAppIO = errors.New("app IO not available")

// sendAppIO sends the message through App IO after the profile check; a
// 201 means IO accepted it, not that it was read.
func (w *broadcastWorker) sendAppIO(ctx context.Context, cl appio.Client, dl db.Delivery, d notify.Broadcast) (sendErr, buildErr error) {
	if cl == nil {
		return errNoAppIO, nil
	}
	msg, err := notify.BroadcastAppIO(dl.Lang, d)
	if err == nil {
		err = appio.ValidContent(msg.Subject, msg.Markdown)
	}
	if err != nil {
		return nil, err
	}
	_, err = appio.Send(ctx, cl, dl.Recipient, msg.Subject, msg.Markdown)
	return err, nil
}
