package worker

import (
	"os"

	"github.com/bulkunfollow/bulkunfollow/queue"
)

// Record writes the run record: the last run (what this run decided and
// sent, its outcome, exitCode and message as the caller reported them),
// the read windows, the lifetime totals and, unless the stop needs a
// person, the time of the last success. What cannot be written is logged:
// the run's work is already in the queue.
func (j *Job) Record(sum Summary, exitCode int, message string) queue.RunInfo {
	q, log := j.q, j.opts.Log
	info := queue.RunInfo{
		PID: os.Getpid(), Started: j.start, Ended: j.opts.Clock.Now(), Outcome: string(sum.Stop), ExitCode: exitCode,
		Attempted: sum.Sent, Done: sum.Done, Skipped: sum.Skipped, Failed: sum.Failed, Message: message,
	}
	if p := j.prep; p != nil {
		// Decisions before sending are this run's work too.
		info.Done += len(p.confirmed)
		info.Failed += len(p.unknown)
		info.Skipped += len(p.duplicates)
		for _, seqs := range p.skips {
			info.Skipped += len(seqs)
		}
	}
	if err := j.opts.Windows.save(q); err != nil {
		log.Warn().Err(err).Msg("could not save the read windows in the queue")
	}
	if err := q.SetLastRun(info); err != nil {
		log.Warn().Err(err).Msg("could not record the run in the queue")
	}
	if sum.Sent > 0 || sum.RateLimited > 0 {
		if err := q.AddTotals(sum.Sent, sum.RateLimited); err != nil {
			log.Warn().Err(err).Msg("could not record the run's totals in the queue")
		}
	}
	if !sum.Stop.NeedsPerson() {
		if err := q.SetLastSuccess(info.Ended); err != nil {
			log.Warn().Err(err).Msg("could not record the run in the queue")
		}
	}
	return info
}
