package queue

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

// The meta keys that hold a run's state. Only this package spells them:
// callers use the typed accessors in runstate.go.
const (
	// metaRateLimit holds the unfollow limiter's state (JSON of
	// ratelimit.State); status shows it as "ratelimit".
	metaRateLimit = "ratelimit"
	// metaSending holds the seq (decimal) of the target whose request went
	// out last; its answer deletes it.
	metaSending = "sending"
	// metaGaveUp holds how many targets in a row were given up on transient
	// errors with no answer from X since (absent: none).
	metaGaveUp = "gave_up"
	// metaTotals holds lifetime counts over every run (JSON of Totals).
	metaTotals = "totals"
	// metaLastSuccess holds when a run last did its work (RFC 3339).
	metaLastSuccess = "last_success"
	// metaReadWindows holds the read endpoints' limiter states (JSON:
	// endpoint → ratelimit.State), saved when a run ends.
	metaReadWindows = "read_windows"
	// metaSpend holds what the job has been charged (JSON of spendJSON).
	metaSpend = "spend"
	// metaBilledDay holds the UTC day (YYYY-MM-DD) of the resources in the
	// once-per-day ledger (bucket bBilled).
	metaBilledDay = "billed_day"
	// metaFollowing describes the following snapshot (JSON of
	// FollowingSnapshot); its accounts are in bucket bFollowing.
	metaFollowing = "following"
	// metaSample holds the prefilter's sample of pending targets (JSON of
	// Sample).
	metaSample = "prefilter_sample"
)
