package queue

import "strconv"

// The queue owns the words its callers store in it: the reasons a target
// is recorded with (status and export show them; a resumed run reads some
// of them back) and the meta keys that hold a run's state. Every package
// uses these names; none spells the strings itself, so renaming one is a
// change in one place.

// Reasons a target finished, or is pending with.
const (
	ReasonUnfollowed   = "unfollowed"    // done: X answered following:false
	ReasonNotFollowing = "not following" // skipped: the following list does not hold it
	ReasonKept         = "kept"          // skipped: on the keep-list
	ReasonOwnAccount   = "own account"   // skipped: the signed-in account itself
	ReasonNotFound     = "not found"     // failed: X knows no such account or @handle
	// ReasonConfirmed finishes as done a target whose earlier request may
	// have taken effect unrecorded (Target.MayHaveTakenEffect, or in flight
	// when a run died) and that the following list no longer holds.
	ReasonConfirmed = "unfollowed (confirmed by the following list)"
	// ReasonOutcomeUnknown is a pending target whose request may have
	// unfollowed the account although no complete answer says so (no
	// answer, a gateway error, an answer cut off or not understood).
	ReasonOutcomeUnknown = "sent, outcome unknown"
	// ReasonStillFollowing is a target X answered with following:true: X
	// acted on the request, so it may have taken effect since.
	ReasonStillFollowing = "still following"
)

// Meta keys: a run's state, written in the same transaction as the result
// it belongs to (Result.Meta) or with SetMeta.
const (
	// MetaRateLimit holds the unfollow limiter's state (JSON of
	// ratelimit.State); status shows it as "ratelimit".
	MetaRateLimit = "ratelimit"
	// MetaSending holds the seq (decimal) of the target whose request went
	// out last; its answer deletes it.
	MetaSending = "sending"
	// MetaGaveUp holds how many targets in a row were given up on transient
	// errors with no answer from X since (absent: none).
	MetaGaveUp = "gave_up"
	// MetaTotals holds lifetime counts over every run (JSON), for the
	// metrics file's counters.
	MetaTotals = "totals"
	// MetaLastSuccess holds when a run last did its work (RFC 3339).
	MetaLastSuccess = "last_success"
	// MetaReadWindows holds the read endpoints' limiter states (JSON:
	// endpoint → ratelimit.State), saved when a run ends.
	MetaReadWindows = "read_windows"
)

// Sending is the target whose request went out last and whose answer was
// never recorded (MetaSending; 0: none or unreadable): if a run died
// then, that request may have taken effect.
func (s *Store) Sending() uint64 {
	raw, err := s.Meta(MetaSending)
	if err != nil || len(raw) == 0 {
		return 0
	}
	seq, _ := strconv.ParseUint(string(raw), 10, 64)
	return seq
}
