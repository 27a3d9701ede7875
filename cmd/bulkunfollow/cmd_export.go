package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bulkunfollow/bulkunfollow/internal/atomicfile"
	"github.com/bulkunfollow/bulkunfollow/queue"
	"github.com/bulkunfollow/bulkunfollow/refollow"
)

// exportColumns are the export's columns, in order (docs/queue.md).
var exportColumns = []string{"id", "handle", "username", "state", "reason", "attempts", "finished_at", "status", "error_type", "detail"}

// exportRow is one target in JSON Lines form. Keys are exportColumns.
type exportRow struct {
	ID         string  `json:"id"`
	Handle     string  `json:"handle"`
	Username   string  `json:"username"`
	State      string  `json:"state"`
	Reason     string  `json:"reason"`
	Attempts   int     `json:"attempts"`
	FinishedAt *string `json:"finished_at"`
	Status     *int    `json:"status"`
	ErrorType  string  `json:"error_type"`
	Detail     string  `json:"detail"`
}

func newExportRow(t queue.Target) exportRow {
	r := exportRow{ID: t.ID, Handle: t.Handle, Username: t.Username, State: t.State.String(), Reason: t.Reason, Attempts: t.Attempts}
	if !t.FinishedAt.IsZero() {
		s := t.FinishedAt.UTC().Format(time.RFC3339)
		r.FinishedAt = &s
	}
	if t.Last != nil {
		if t.Last.Status != 0 {
			r.Status = &t.Last.Status
		}
		r.ErrorType, r.Detail = t.Last.Type, t.Last.Detail
		if r.Detail == "" {
			r.Detail = t.Last.Title
		}
	}
	return r
}

func (r exportRow) csv() []string {
	finished, status := "", ""
	if r.FinishedAt != nil {
		finished = *r.FinishedAt
	}
	if r.Status != nil {
		status = strconv.Itoa(*r.Status)
	}
	return []string{r.ID, r.Handle, r.Username, r.State, r.Reason, strconv.Itoa(r.Attempts), finished, status, r.ErrorType, r.Detail}
}

func runExport(ctx context.Context, c *cli, args []string) (err error) {
	fs := c.newFlagSet("export", "", `
Write every target with its state and outcome, in input order: the record of
what was done, and the list to re-follow from. Columns:
`+strings.Join(exportColumns[:5], ", ")+`,
`+strings.Join(exportColumns[5:], ", ")+`
(docs/queue.md). CSV has a header row; JSON Lines has one object per target.
With -o the file is written atomically (complete or not at all) and readable
only by you (0600: it names the accounts you unfollowed); an interrupted export
leaves no file and no temporary file behind. -o may not name the queue itself.

To undo: X no longer lets a program follow accounts, so a re-follow is a click
on X's own page. --format follow-links writes the unfollowed accounts as rows
username,id,https://x.com/intent/follow?user_id=ID (header username,id,
follow_link); --format html (or -o FILE.html) writes one page of those links to
open in a browser, in batches of at most 400 (X's daily follow limit), protected
accounts marked (they get a follow request). Both take the done targets unless
--state says otherwise (docs/queue.md, "Undo").`,
		"bulkunfollow export -o unfollowed.csv --state done",
		"bulkunfollow export --format jsonl --state failed | jq -r .detail",
		"bulkunfollow export -o follow-again.html",
		"bulkunfollow export --format follow-links -o follow-again.csv",
	)
	queuePath := fs.queueFlag()
	stateFlag := fs.String("state", "", "only targets in this state: all, pending, done, skipped or failed (default: all; done for follow-links and html)")
	format := fs.String("format", "", "csv, jsonl, follow-links or html (default: from the -o file name, .jsonl or .html, else csv)")
	fs.envAs("format", "BULKUNFOLLOW_EXPORT_FORMAT") // import's --format means something else
	var out string
	fs.StringVar(&out, "output", "", "write to this file (atomically) instead of standard output")
	fs.alias("o", "output")
	if err := fs.parse(args); err != nil {
		return err
	}
	if len(fs.Args()) > 0 {
		return usageErrorf("export: unexpected argument %q", fs.Args()[0]).withHint("bulkunfollow export -o " + fs.Args()[0])
	}
	f := strings.ToLower(*format)
	if f == "" {
		f = "csv"
		switch strings.ToLower(filepath.Ext(out)) {
		case ".jsonl", ".ndjson":
			f = "jsonl"
		case ".html", ".htm":
			f = string(refollow.HTML)
		}
	}
	if f == "ndjson" {
		f = "jsonl"
	}
	links := f == string(refollow.CSV) || f == string(refollow.HTML)
	if f != "csv" && f != "jsonl" && !links {
		return usageErrorf("export: --format %q: want csv, jsonl, follow-links or html", *format).withHint("bulkunfollow export --format jsonl")
	}
	var state queue.State
	switch {
	case *stateFlag == "" && links:
		state = queue.Done // the way back from what was unfollowed
	case *stateFlag != "all" && *stateFlag != "":
		state, err = queue.ParseState(*stateFlag)
		if err != nil {
			// queue's list of states lacks "all", which only export means.
			return usageErrorf("export: --state %q: want all, pending, done, skipped or failed", *stateFlag).withHint(c.hints.command("export", "--state failed"))
		}
	}

	if f == string(refollow.HTML) && (out == "" || out == "-") && isTerminal(unwrapStdout(c.stdout)) {
		// A web page is for a browser, not for the terminal.
		return usageErrorf("export: --format html writes a web page to open in a browser; give it a file").
			withHint(c.hints.command("export", "-o follow-again.html"))
	}
	if err := refuseQueueOutput("export", "-o", out, *queuePath, "unfollowed.csv"); err != nil {
		return err
	}

	s, err := openQueue(*queuePath, "export", true)
	if err != nil {
		return err
	}
	defer closeQueue(s, &err)

	ctx, stop := c.trapSignals(ctx, func() {})
	defer stop()
	write := func(w io.Writer) error { return exportTo(ctx, s, w, state, f) }
	if links {
		write = func(w io.Writer) error {
			return refollow.Write(w, refollow.Format(f), func(fn func(queue.Target) error) error {
				return s.Export(state, func(t queue.Target) error {
					if err := ctx.Err(); err != nil {
						return err
					}
					return fn(t)
				})
			})
		}
	}
	if out == "" || out == "-" {
		bw := bufio.NewWriter(c.stdout)
		err := write(bw)
		if err == nil {
			err = bw.Flush()
		}
		if ctx.Err() != nil {
			return withExit(exitTempFail, errors.New("export: interrupted: the output is incomplete"), "run the export again")
		}
		return err
	}
	if err := atomicfile.Write(out, 0o600, write); err != nil {
		if ctx.Err() != nil {
			return withExit(exitTempFail, fmt.Errorf("export: interrupted: nothing written to %s", out), "run the export again")
		}
		return withExit(exitPerson, fmt.Errorf("export: %w", err), "")
	}
	return nil
}

// refuseQueueOutput refuses an output file (named by flag) that would
// write over the queue at queuePath or one of its files, whatever the
// spelling, symlink or hard link, or over any other queue's files (told by
// their content): exit 2, before anything is written.
func refuseQueueOutput(command, flag, out, queuePath, example string) error {
	if errors.Is(atomicfile.CheckTarget(out), atomicfile.ErrNotRegular) {
		// A pipe, a device (-o /dev/stdout) or a directory: the atomic
		// writer never renames a file over one.
		hint := fmt.Sprintf("name a file, e.g. %s %s", flag, example)
		if flag == "-o" {
			hint += fmt.Sprintf(" (%s writes to standard output without -o)", command)
		}
		return usageErrorf("%s: %s %s is not a regular file; nothing was written", command, flag, out).withHint(hint)
	}
	if !queue.NamesQueueFile(queuePath, out) {
		if !queue.IsQueueFile(out) {
			return nil
		}
		return usageErrorf("%s: %s %s is a queue file (or one of its files): writing there would destroy the queue; nothing was written", command, flag, out).
			withHint(fmt.Sprintf("bulkunfollow %s %s %s", command, flag, example))
	}
	return usageErrorf("%s: %s %s names the queue file %s (or one of its files): writing there would destroy the queue; nothing was written", command, flag, out, queuePath).
		withHint(fmt.Sprintf("bulkunfollow %s --queue %s %s %s", command, queuePath, flag, example))
}

// exportTo writes the targets in state (0 = all) to w as csv or jsonl.
func exportTo(ctx context.Context, s *queue.Store, w io.Writer, state queue.State, format string) error {
	var put func(exportRow) error
	var flush func() error
	if format == "csv" {
		cw := csv.NewWriter(w)
		if err := cw.Write(exportColumns); err != nil {
			return err
		}
		put = func(r exportRow) error { return cw.Write(r.csv()) }
		flush = func() error { cw.Flush(); return cw.Error() }
	} else {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		put = func(r exportRow) error { return enc.Encode(r) }
		flush = func() error { return nil }
	}
	err := s.Export(state, func(t queue.Target) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return put(newExportRow(t))
	})
	if err != nil {
		return err
	}
	return flush()
}
