package main

import (
	"io"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// logFlags are the logging flags of commands that log (run, demo, simulate).
type logFlags struct {
	format  *string
	level   *string
	noColor *bool
}

func (fs *flagSet) logFlags() logFlags {
	return logFlags{
		format: fs.String("log-format", "auto", "log format on stderr: auto (console on a terminal, JSON otherwise), console or json"),
		level:  fs.String("log-level", "info", "log level: debug, info, warn or error"),
		// (NO_COLOR=1 and TERM=dumb turn colour off too: colorOK.)
		noColor: fs.Bool("no-color", false, "no colour on stderr (as NO_COLOR=1 does)"),
	}
}

// logger builds the zerolog logger the flags ask for, writing to stderr.
func (lf logFlags) logger(c *cli) (zerolog.Logger, error) {
	level, err := zerolog.ParseLevel(strings.ToLower(*lf.level))
	if err != nil || level == zerolog.NoLevel {
		return zerolog.Nop(), usageErrorf("--log-level %q: want debug, info, warn or error", *lf.level)
	}
	var w io.Writer
	switch strings.ToLower(*lf.format) {
	case "auto", "":
		if c.interactive {
			w = consoleWriter(c.stderr, c.colorOK(*lf.noColor))
		} else {
			w = c.stderr
		}
	case "console", "text":
		w = consoleWriter(c.stderr, c.colorOK(*lf.noColor))
	case "json":
		w = c.stderr
	default:
		return zerolog.Nop(), usageErrorf("--log-format %q: want auto, console or json", *lf.format)
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger(), nil
}

func consoleWriter(w io.Writer, color bool) io.Writer {
	return zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly, NoColor: !color}
}

// isJSON reports whether lf selects JSON logs for e.
func (lf logFlags) isJSON(c *cli) bool {
	f := strings.ToLower(*lf.format)
	return f == "json" || ((f == "auto" || f == "") && !c.interactive)
}
