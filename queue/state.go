package queue

import (
	"fmt"
	"strings"
	"time"
)

// State is where a target is in its life: pending until the server's answer
// (or a decision of ours) finishes it as done, skipped or failed. Retry moves
// failed targets back to pending. The zero State is not a state: Export reads
// it as "all".
type State uint8

// The states. Their numeric values are stored in queue files: never reorder.
const (
	Pending State = iota + 1 // waiting to be sent (or being sent: a crash re-sends it once)
	Done                     // the server said following:false
	Skipped                  // not sent: not followed, kept, the account itself, a duplicate
	Failed                   // gave up: permanent error or attempts exhausted

	maxState = Failed
)

var stateNames = [...]string{Pending: "pending", Done: "done", Skipped: "skipped", Failed: "failed"}

// String returns "pending", "done", "skipped" or "failed".
func (s State) String() string {
	if s >= Pending && s <= maxState {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// Finished reports whether s is a final state (done, skipped or failed).
func (s State) Finished() bool { return s >= Done && s <= maxState }

// valid reports whether s is one of the four states.
func (s State) valid() bool { return s >= Pending && s <= maxState }

// ParseState parses a state name as String prints it (case-insensitive).
func ParseState(s string) (State, error) {
	for st := Pending; st <= maxState; st++ {
		if strings.EqualFold(strings.TrimSpace(s), stateNames[st]) {
			return st, nil
		}
	}
	return 0, fmt.Errorf("parse state: unknown state %q (want pending, done, skipped or failed)", s)
}

// ErrorInfo is what the server answered when it did not simply say yes: the
// HTTP status and the problem's type, title and detail.
type ErrorInfo struct {
	Status int    `json:"status,omitzero"`
	Type   string `json:"type,omitzero"`
	Title  string `json:"title,omitzero"`
	Detail string `json:"detail,omitzero"`
}

// Target is one account to unfollow, as the queue keeps it.
type Target struct {
	Seq      uint64 // input order, 1-based, unique in the queue
	ID       string // decimal id; "" while an @handle is unresolved
	Handle   string // @handle as given in the input, without '@'; "" for ids
	Username string // username when known (the list beside the id, resolution, or the following list)

	State    State
	Attempts int        // requests counted against this target
	Reason   string     // why it finished: "unfollowed", "not following", "kept", ...
	Last     *ErrorInfo // the server's last error answer, if any

	AddedAt    time.Time // when it was imported
	UpdatedAt  time.Time // last change (attempt or result); zero if none
	FinishedAt time.Time // when it reached done, skipped or failed; zero while pending

	// MayHaveTakenEffect: a request to unfollow this target may have
	// reached the server (sent with no answer yet, or answered in a way
	// that shows it acted or leaves it open). Retry keeps it; only a
	// Record with Unmark clears it. A marked target is never taken for
	// "not following".
	MayHaveTakenEffect bool

	// Protected: the list the target was imported from marked the account
	// protected (a review sheet's protected column). Following it again is
	// a request the account has to accept.
	Protected bool
}

// Key returns the target as a person wrote it: the id, or "@handle" while
// unresolved.
func (t Target) Key() string {
	if t.ID != "" {
		return t.ID
	}
	return "@" + t.Handle
}

// Result is the outcome of one attempt on a target, as the worker records it.
type Result struct {
	// State is the target's new state. Pending records an attempt and keeps
	// the target pending (it will be tried again); any other state finishes it.
	State  State
	Reason string     // "unfollowed", "not following", "kept", "not found", "still following", ...
	Err    *ErrorInfo // the server's error answer, if any
	// CountAttempt adds one to the target's attempts (a request that counts
	// against its retry budget; a window-limited 429 does not).
	CountAttempt bool
	At           time.Time // when the answer arrived; zero = the store's clock
	// MayHaveTakenEffect records that the request may have reached the
	// server: true sets Target.MayHaveTakenEffect; false keeps what the
	// target already had, unless Unmark.
	MayHaveTakenEffect bool
	// Unmark clears Target.MayHaveTakenEffect: the caller knows that no
	// request for the target may have taken effect (the answer to the last
	// one was read whole and says it did nothing, and the target was not
	// marked before that request went out).
	Unmark bool
	// Run is the run's state written in the same transaction as the
	// result (nil: none), so a crash never separates the two.
	Run *RunState
}

// Counts is how many targets are in each state. Unresolved counts the
// pending targets that are @handles awaiting an id (they are also Pending).
type Counts struct {
	Total, Pending, Done, Skipped, Failed int
	Unresolved                            int
}

// RunInfo describes one run of the drain loop, as the run command records
// it at the start and end of a run. Status shows the last one.
type RunInfo struct {
	PID       int       `json:"pid"`
	Started   time.Time `json:"started"`
	Ended     time.Time `json:"ended,omitzero"`   // zero while running (or if the run was killed)
	Outcome   string    `json:"outcome,omitzero"` // "finished", "stopped", "failed", ...
	ExitCode  int       `json:"exit_code"`
	Attempted int       `json:"attempted"` // requests sent
	Done      int       `json:"done"`
	Skipped   int       `json:"skipped"`
	Failed    int       `json:"failed"`
	Message   string    `json:"message,omitzero"` // one line for a person, e.g. why it stopped
}
