package input

import (
	"bytes"
	"strconv"
)

// Decision is what a person wrote in a list's decision column (a review
// sheet: a CSV header, or a JSON key, named "decision").
type Decision uint8

// The decisions an Entry can carry.
const (
	NoDecision Decision = iota // the list has no decision column
	Undecided                  // the column is empty on this row
	Unfollow                   // "unfollow": the person decided to unfollow the account
	Keep                       // "keep": the person decided to keep following it
)

// String returns the decision as written ("" for NoDecision and Undecided).
func (d Decision) String() string {
	switch d {
	case Unfollow:
		return "unfollow"
	case Keep:
		return "keep"
	}
	return ""
}

// Column and key names, normalised by normName, of a review sheet's
// columns that are not the account: the person's decision and whether the
// account is protected.
const (
	decisionColumn  = "decision"
	protectedColumn = "protected"
)

// parseDecision reads a decision cell. Spaces around it and letter case
// are forgiven, as a spreadsheet (or its autocorrect) may add them;
// anything else is a reason fit for "FILE:LINE: reason".
func parseDecision(b []byte) (Decision, string) {
	t := trimSpace(b)
	switch {
	case len(t) == 0:
		return Undecided, ""
	case bytes.EqualFold(t, []byte("unfollow")):
		return Unfollow, ""
	case bytes.EqualFold(t, []byte("keep")):
		return Keep, ""
	}
	return NoDecision, "decision " + quote(string(t)) + " is not one of the allowed values: write unfollow, keep, or leave it empty (undecided)"
}

// parseProtected reads a protected cell: yes, y, true or 1 (any case) is
// protected; anything else (no, false, empty) is not. The column only
// marks accounts in export, so an odd value costs nothing.
func parseProtected(b []byte) bool {
	t := trimSpace(b)
	for _, yes := range []string{"yes", "y", "true", "1"} {
		if bytes.EqualFold(t, []byte(yes)) {
			return true
		}
	}
	return false
}

// Spreadsheets hold numbers as floating point and keep 15 significant
// digits (Excel, LibreOffice and Google Sheets alike): a column of 19-digit
// ids read as numbers and saved in full comes out with every digit past
// the 15th zero (1602345678912345601 → 1602345678912350000), which is a
// valid id of some other account. One id ending in zeros proves nothing;
// all of them doing so does. rounding watches the ids of one input and,
// at its end, names the rounded ones when every id longer than 15 digits
// ends that way and their zeros together are too many to be chance.
type rounding struct {
	zeros   int       // zero digits past the 15th, over the suspects
	clean   bool      // an id longer than 15 digits has a non-zero digit past the 15th
	suspect []suspect // the first suspects, in file order
	total   int       // suspects, counted
}

type suspect struct {
	line int
	id   uint64
}

// roundedZeros is how many zero digits past the 15th, over every id of
// a file, mean rounding: the chance of as many by accident is 10^-12.
const roundedZeros = 12

// see looks at one id read on line, keeping at most max suspects (all
// when max < 0). It costs no allocation for an id that is not one.
func (r *rounding) see(id uint64, line int, max int) {
	if r.clean || id < 1e15 { // 15 digits or fewer: what a spreadsheet keeps
		return
	}
	// Digits past the 15th: 1 for a 16-digit id, 4 for a 19-digit one.
	past, p := 1, uint64(10)
	for id/p >= 1e15 {
		past, p = past+1, p*10
	}
	if id%p != 0 {
		r.clean, r.suspect = true, nil
		return
	}
	r.zeros += past
	r.total++
	if max < 0 || len(r.suspect) < max {
		r.suspect = append(r.suspect, suspect{line, id})
	}
}

// errors returns the line errors of the rounded ids, or nil when the
// input's ids were not rounded.
func (r *rounding) errors(file string) []LineError {
	if r.clean || r.zeros < roundedZeros {
		return nil
	}
	errs := make([]LineError, len(r.suspect))
	for i, s := range r.suspect {
		errs[i] = LineError{File: file, Line: s.line, Reason: "id " + strconv.FormatUint(s.id, 10) +
			" was rounded by a spreadsheet: it and every other id longer than 15 digits in this file end in zeros after the 15th digit (a spreadsheet keeps only 15); " +
			spreadsheetFix}
	}
	return errs
}
