package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/bulkunfollow/bulkunfollow/review"
	"github.com/bulkunfollow/bulkunfollow/sheet"
	"github.com/bulkunfollow/bulkunfollow/worker"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

const reviewDescription = `Decide account by account: the accounts of a review sheet (the file
"bulkunfollow following" writes, CSV or JSON Lines) one at a time, full screen,
with their facts, and one key per decision: u unfollow, k keep, s or → skip,
b or ← back (a decision can be changed), q quit; ? shows every key (o opens the
profile in a browser, / jumps to a username). Nothing is unfollowed here.

Every decision is saved in FILE before the next account shows: the sheet is
rewritten atomically, in its own format and column order, with a decided_at
column (RFC 3339, UTC) after decision. Quit any time: a new review resumes at
the first account still undecided. The file stays a sheet for a spreadsheet and
for "bulkunfollow import", which queues the rows marked unfollow.

One review at a time per sheet: a second one refuses, naming the first (its lock
file .FILE.lock lies beside the sheet). It needs a terminal; without one, mark
the decision column in a spreadsheet instead.`

func runReview(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("review", "FILE", reviewDescription,
		"bulkunfollow review sheet.csv",
		"bulkunfollow review sheet.csv --only all --sort=-followers_count",
		"bulkunfollow review sheet.jsonl --only unfollow   # look over the unfollows",
	)
	only := fs.String("only", string(review.OnlyUndecided), "which accounts to show: undecided (as the review opens), all, unfollow or keep")
	sortBy := fs.String("sort", "none", "order the accounts by this column (- before it: descending; none: the file's order)")
	fs.envAs("sort", "BULKUNFOLLOW_REVIEW_SORT") // following's --sort orders the file it writes
	noColor := fs.Bool("no-color", false, "no colour (as NO_COLOR=1 does)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if len(fs.Args()) != 1 {
		return usageErrorf("review: want one sheet file, got %d arguments", len(fs.Args())).withHint("bulkunfollow review sheet.csv")
	}
	path := fs.Args()[0]
	which, err := review.ParseOnly(*only)
	if err != nil {
		return usageErrorf("review: --%v", err).withHint("bulkunfollow review " + path + " --only all")
	}
	if _, err := sheet.Order(nil, *sortBy); err != nil {
		return usageErrorf("review: --%v", err).withHint("bulkunfollow review " + path + " --sort last_post_at")
	}

	lock, err := review.Acquire(path, worker.SystemClock().Now())
	if err != nil {
		var le *review.LockedError
		if errors.As(err, &le) {
			return withExit(exitTempFail, err, "finish or quit that review first (q); a review that was killed leaves a lock that the next one takes over")
		}
		return withExit(exitPerson, fmt.Errorf("review: %w", err), "")
	}
	defer func() { _ = lock.Release() }()
	saver, err := review.NewSaver(path)
	if err != nil {
		return withExit(exitPerson, fmt.Errorf("review: %w", err), "chmod u+w "+path+"   # to review it")
	}
	f, err := readSheet(path)
	if err != nil {
		return err
	}

	in, inOK := c.stdin.(*os.File)
	out, outOK := unwrapStdout(c.stdout).(*os.File)
	if !inOK || !outOK || !isTerminal(in) || !isTerminal(out) {
		return usageErrorf("review shows one account at a time and needs a terminal (standard input and output); nothing was changed").
			withHint("bulkunfollow import " + path + "   # after writing unfollow or keep in its decision column, in a spreadsheet")
	}
	var r *lipgloss.Renderer
	if c.env("TERM") != "dumb" && c.env("NO_COLOR") == "" && !*noColor {
		r = lipgloss.NewRenderer(out)
	}
	m, err := review.New(f, review.Options{
		Name: path, Only: which, Sort: *sortBy, Renderer: r, Open: review.OpenBrowser,
		Save: saver.Save,
	})
	if err != nil {
		return usageErrorf("review: %v", err)
	}
	_, err = tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out), tea.WithAltScreen()).Run()
	if err != nil && !errors.Is(err, tea.ErrInterrupted) {
		return withExit(exitPerson, fmt.Errorf("review: %w", err), "every decision shown as saved is in "+path)
	}
	unfollow, keep, undecided := f.Counts()
	c.tell("review", nil, "%s: %s unfollow, %s keep, %s undecided.", path, worker.GroupDigits(unfollow), worker.GroupDigits(keep), worker.GroupDigits(undecided))
	if err := m.Err(); err != nil {
		hint := "every decision before it is in " + path + "; check the disk and the file's permissions, then review again"
		if errors.Is(err, review.ErrChanged) {
			hint = "every decision before it is in " + path + " unless that program's change undid it; review again to go on from the file as it is now"
		}
		return withExit(exitPerson, fmt.Errorf("review: the last decision was not saved: %w", err), hint)
	}
	if unfollow > 0 {
		c.tell("next", nil, "Next: bulkunfollow import %s, then bulkunfollow run.", path)
	}
	return nil
}

// readSheet reads the sheet at path: a bad line is exit 65.
func readSheet(path string) (*sheet.File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, withExit(exitPerson, fmt.Errorf("review: %w", err), "bulkunfollow following -o "+path+" writes a sheet")
	}
	defer fh.Close()
	f, err := sheet.Read(fh, path)
	if err != nil {
		return nil, withExit(exitBadInput, err, "fix that line (in a spreadsheet or an editor), or write a new sheet with bulkunfollow following")
	}
	return f, nil
}

// unwrapStdout is the stream behind the command's checked standard output.
func unwrapStdout(w any) any {
	if cw, ok := w.(*checkedWriter); ok {
		return cw.w
	}
	return w
}
