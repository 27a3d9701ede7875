package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"

	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/queue/input"
	"github.com/bulkunfollow/bulkunfollow/worker"
)

func runImport(ctx context.Context, c *cli, args []string) (err error) {
	fs := c.newFlagSet("import", "FILE...", `
Load X account ids and @handles from lists into the queue, after the targets
already there, in file order. Formats: CSV (header optional), plain text (one
per line, # comments), JSON, JSON Lines and the X archive's following.js; see
docs/input-formats.md. "-" reads standard input.

All or nothing: every file is read and checked first; if any entry is invalid,
each bad line is listed as FILE:LINE: reason, nothing is imported (exit 65) and
the queue is unchanged. Duplicates collapse; importing the same list again
changes nothing already finished. A killed import leaves the queue as it was.

A review sheet (a list with a "decision" column, such as the one "bulkunfollow
following" writes) queues only the rows marked unfollow; rows marked keep and
rows left empty are skipped and counted. Any other decision is a bad line, and
a sheet that marks no row unfollow is refused (exit 65).`,
		"bulkunfollow import following.csv",
		"bulkunfollow import --queue nightly.db --dry-run list-a.txt list-b.txt",
		"jq -r '.data[].id' page.json | bulkunfollow import --format text -",
	)
	queuePath := fs.queueFlag()
	format := fs.String("format", "auto", "input format: auto, csv, text, json, jsonl or archive")
	fs.envAs("format", "BULKUNFOLLOW_IMPORT_FORMAT") // export's --format means something else
	dryRun := fs.Bool("dry-run", false, "read and check everything, report what would be imported, write nothing")
	maxErrors := fs.Int("max-errors", input.DefaultMaxErrors, "bad lines to list before \"... and N more\" (all of them are counted)")
	if err := fs.parse(args); err != nil {
		return err
	}
	files := fs.Args()
	if len(files) == 0 {
		return usageErrorf("import: no input file").withHint("bulkunfollow import list.csv", "bulkunfollow import --help")
	}
	f, err := input.ParseFormat(*format)
	if err != nil {
		return usageErrorf("import: --format: %v", err).withHint("bulkunfollow import --format csv list.csv")
	}
	if *maxErrors <= 0 {
		return usageErrorf("import: --max-errors must be at least 1")
	}

	srcs, closeAll, err := openSources(c, files, f)
	if err != nil {
		return err
	}
	defer closeAll()
	if err := checkQueueNotInput(*queuePath, srcs); err != nil {
		return err
	}

	// SIGINT/SIGTERM stop the import the way they stop a run: nothing
	// written, exit 75 (see signals.go).
	ctx, stop := c.trapSignals(ctx, func() {})
	defer stop()
	opts := queue.ImportOptions{
		DryRun:    *dryRun,
		MaxErrors: *maxErrors,
		BeforeWrite: func(s queue.ImportSummary) {
			if s.Added >= 10_000 {
				c.tell("import_writing", func(e *zerolog.Event) { e.Int("read", s.Read).Int("added", s.Added) },
					"import: read %s; writing %s...", countNoun(s.Read, "entry", "entries"), countNoun(s.Added, "new target", "new targets"))
			}
		},
	}
	var sum queue.ImportSummary
	var s *queue.Store
	if *dryRun && !queueExists(*queuePath) {
		sum, err = queue.CheckImport(ctx, srcs, opts)
	} else {
		created := !*dryRun && !queueExists(*queuePath)
		s, err = openQueue(*queuePath, "import", *dryRun)
		if err != nil {
			return err
		}
		defer closeQueue(s, &err)
		sum, err = s.Import(ctx, srcs, opts)
		if err != nil && created {
			// A rejected first import leaves no queue file behind: the
			// queue is unchanged, it still does not exist.
			s.DiscardIfEmpty()
		}
	}
	var inv *queue.InvalidError
	var unmarked *queue.UnmarkedError
	switch {
	case errors.As(err, &unmarked):
		for _, src := range unmarked.Sources {
			c.tell("unmarked_list", func(e *zerolog.Event) {
				e.Str("file", src.Name).Int("kept", src.Kept).Int("undecided", src.Undecided)
			}, "%s: no row is marked unfollow in the decision column (%s)", src.Name, decisionCounts(src))
		}
		return withExit(exitBadInput,
			errors.New("import: nothing is marked to unfollow: nothing imported, the queue is unchanged"),
			markHint(unmarked.Sources[0].Name))
	case errors.As(err, &inv):
		for _, le := range inv.Errors {
			c.tell("invalid_entry", nil, "%s", le.Error())
		}
		if more := inv.Total - len(inv.Errors); more > 0 {
			c.tell("invalid_entries_more", func(e *zerolog.Event) { e.Int("more", more) }, "... and %d more", more)
		}
		return withExit(exitBadInput,
			fmt.Errorf("import: %s in the input: nothing imported, the queue is unchanged", countNoun(inv.Total, "invalid entry", "invalid entries")),
			"fix or delete the lines listed above, then import again")
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return withExit(exitTempFail, fmt.Errorf("import: interrupted: nothing imported, the queue is unchanged"), "run the import again")
	case err != nil:
		var x *exitError
		if errors.As(err, &x) {
			return err
		}
		return withExit(exitPerson, err, "")
	}
	printImportSummary(c.stdout, *queuePath, sum)
	if c.events != nil {
		// The summary as one event, for a job whose stderr is JSON.
		c.tell("import", func(e *zerolog.Event) {
			names := make([]string, len(sum.Sources))
			for i, src := range sum.Sources {
				names[i] = src.Name
			}
			e.Strs("files", names).Int("read", sum.Read).Int("added", sum.Added).Int("added_handles", sum.AddedHandles).
				Int("duplicate", sum.Duplicate).Int("already_pending", sum.AlreadyPending).Int("already_finished", sum.AlreadyFinished).
				Int("kept", sum.Kept).Int("undecided", sum.Undecided).Int("by_username", sum.ByUsername).Bool("dry_run", sum.DryRun)
		}, "%s", addedLine(sum))
	}
	if s != nil && !*dryRun {
		if st, serr := s.Status(); serr == nil {
			fmt.Fprintf(c.stdout, "Queue %s: %s\n", *queuePath, queueCountsLine(st))
		}
	}
	return nil
}

// openSources opens every input ("-" is standard input, once) before
// anything is read, so a mistyped name fails at once.
func openSources(c *cli, files []string, f input.Format) ([]queue.Source, func(), error) {
	var srcs []queue.Source
	var opened []*os.File
	closeAll := func() {
		for _, f := range opened {
			f.Close()
		}
	}
	stdin := false
	for _, name := range files {
		if name == "-" {
			if stdin {
				return nil, nil, usageErrorf(`import: "-" (standard input) given twice`)
			}
			stdin = true
			srcs = append(srcs, queue.Source{Name: "<stdin>", R: c.stdin, Format: f})
			continue
		}
		fh, err := os.Open(name)
		if err != nil {
			closeAll()
			hint := "check the file name; nothing was imported"
			if errors.Is(err, fs.ErrPermission) {
				hint = "check the file's permissions; nothing was imported"
			}
			return nil, nil, withExit(exitBadInput, fmt.Errorf("import: cannot read input: %w", err), hint)
		}
		if st, err := fh.Stat(); err == nil && st.IsDir() {
			fh.Close()
			closeAll()
			return nil, nil, withExit(exitBadInput, fmt.Errorf("import: %s is a directory, not a list", name), dirHint(name))
		}
		opened = append(opened, fh)
		srcs = append(srcs, queue.Source{Name: name, R: fh, Format: f})
	}
	return srcs, closeAll, nil
}

// dirHint suggests the list inside a directory given as input: the X
// archive's data/following.js when it is there.
func dirHint(dir string) string {
	for _, rel := range []string{"following.js", filepath.Join("data", "following.js")} {
		p := filepath.Join(dir, rel)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return "name the file inside it, e.g.: bulkunfollow import " + p
		}
	}
	return "name the files inside it (e.g. " + filepath.Join(dir, "*.csv") + "); nothing was imported"
}

// checkQueueNotInput refuses a queue path that names one of the inputs
// (opening it as a queue would fail at best, and a 0-byte list would be
// turned into a queue file), or a new queue path named like a list.
func checkQueueNotInput(queuePath string, srcs []queue.Source) error {
	qs, err := os.Stat(queuePath)
	if err == nil {
		for _, src := range srcs {
			fh, ok := src.R.(*os.File)
			if !ok {
				continue
			}
			if st, err := fh.Stat(); err == nil && os.SameFile(qs, st) {
				return usageErrorf("import: the queue %s is also an input file; nothing was imported", queuePath).
					withHint("the queue is the file bulkunfollow keeps its state in: give it another name, e.g. --queue unfollow.db")
			}
		}
	}
	if (err != nil || qs.Size() == 0) && input.FormatByName(queuePath) != input.Auto {
		// A new (or empty) queue named like a list: surely a mix-up of
		// the list and the queue. An existing queue keeps working,
		// whatever its name.
		return usageErrorf("import: --queue %s is named like an input list (%s), not a queue; nothing was imported", queuePath, filepath.Ext(queuePath)).
			withHint("the queue is the file bulkunfollow keeps its state in: give it another name, e.g. --queue unfollow.db, and the list as FILE")
	}
	return nil
}

func printImportSummary(w io.Writer, queuePath string, s queue.ImportSummary) {
	decisions := false
	for _, src := range s.Sources {
		format := src.Format.String()
		if src.Encoding != "" {
			format += ", " + src.Encoding
		}
		line := fmt.Sprintf("Read %s: %s (%s)", src.Name, countNoun(src.Entries, "entry", "entries"), format)
		if src.Decisions {
			decisions = true
			line += fmt.Sprintf(": %d marked unfollow, %s", src.Unfollow(), decisionCounts(src))
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w, addedLine(s))
	fmt.Fprintf(w, "  duplicate:        %d\n", s.Duplicate)
	fmt.Fprintf(w, "  already pending:  %d\n", s.AlreadyPending)
	fmt.Fprintf(w, "  already finished: %d\n", s.AlreadyFinished)
	if decisions {
		fmt.Fprintf(w, "  kept:             %d (marked keep)\n", s.Kept)
		fmt.Fprintf(w, "  undecided:        %d (no decision)\n", s.Undecided)
	}
	if s.ByUsername > 0 {
		fmt.Fprintf(w, "  by username:      %d (a spreadsheet rounded their ids to 1.6E+18 and the like: queued by\n"+
			"                    the row's username, looked up at the run for $0.010 each; format the id\n"+
			"                    column as Text before saving to keep the ids)\n", s.ByUsername)
	}
}

// addedLine is the summary's first line: "Added N targets ...".
func addedLine(s queue.ImportSummary) string {
	verb := "Added"
	if s.DryRun {
		verb = "Dry run, nothing written. Would add"
	}
	added := fmt.Sprintf("%s %s", verb, countNoun(s.Added, "target", "targets"))
	if s.AddedHandles > 0 {
		added += fmt.Sprintf(" (%s to resolve at the next run)", countNoun(s.AddedHandles, "@handle", "@handles"))
	}
	return added
}

// decisionCounts is "K kept, U undecided" for a review sheet.
func decisionCounts(src queue.SourceSummary) string {
	if src.Entries == 0 {
		return "it has no rows"
	}
	return fmt.Sprintf("%d kept, %d undecided", src.Kept, src.Undecided)
}

// markHint says how to mark a review sheet so that import takes it.
func markHint(file string) string {
	return "write unfollow in the decision column of each account to unfollow, keep for the rest; or use bulkunfollow review " +
		shellQuote(file) + "; then import the file again"
}

// countNoun formats n with the singular or plural noun.
func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// groupedNoun is countNoun with thousands separators: "5,000 follows".
func groupedNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return worker.GroupDigits(n) + " " + many
}

// queueCountsLine is "N targets: P pending, D done, S skipped, F failed".
func queueCountsLine(st queue.Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d pending", countNoun(st.Total, "target", "targets"), st.Pending)
	if st.Unresolved > 0 {
		fmt.Fprintf(&b, " (%s)", countNoun(st.Unresolved, "@handle unresolved", "@handles unresolved"))
	}
	fmt.Fprintf(&b, ", %d done, %d skipped, %d failed", st.Done, st.Skipped, st.Failed)
	return b.String()
}
