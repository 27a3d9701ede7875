package main

import (
	"fmt"
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

// isJSON reports whether lf selects JSON logs for c.
func (lf logFlags) isJSON(c *cli) bool {
	f := strings.ToLower(*lf.format)
	return f == "json" || ((f == "auto" || f == "") && !c.interactive)
}

// One stream per audience: with JSON logs every line on stderr is one JSON
// object, the plan, progress, summary and errors included (the events of
// docs/monitoring.md); with text logs stderr is for a person. Data goes to
// stdout, and only when asked for.

// useLogFormat makes stderr JSON events or text for the rest of a command
// that has lf's flags, as --log-format (or BULKUNFOLLOW_LOG_FORMAT) says.
// A command calls it as soon as its flags are parsed, even when parsing
// failed, so that the error is reported in the chosen format: then the
// variable is read here, since the flag set did not get to it.
func (c *cli) useLogFormat(lf logFlags) {
	if lf.format == nil {
		return
	}
	f := *lf.format
	if v := c.getenvOrEmpty(envName("log-format")); v != "" && (f == "" || strings.EqualFold(f, "auto")) {
		f = v
	}
	c.events = nil
	if (logFlags{format: &f}).isJSON(c) {
		l := zerolog.New(c.stderr).With().Timestamp().Logger()
		c.events = &l
	}
}

// useEnvLogFormat is the stream of commands that do not log (import,
// status, export, retry, auth status/logout): JSON events when
// BULKUNFOLLOW_LOG_FORMAT is json, text otherwise. Commands that log
// decide again with useLogFormat.
func (c *cli) useEnvLogFormat() {
	c.events = nil
	if strings.EqualFold(c.getenvOrEmpty(envName("log-format")), "json") {
		l := zerolog.New(c.stderr).With().Timestamp().Logger()
		c.events = &l
	}
}

func (c *cli) getenvOrEmpty(k string) string {
	if c.getenv == nil {
		return ""
	}
	return c.getenv(k)
}

// tell says one thing on stderr: an event of type event (with fields, if
// set, and the text as its message) when stderr is JSON, else the text as
// a line.
func (c *cli) tell(event string, fields func(*zerolog.Event), format string, a ...any) {
	text := fmt.Sprintf(format, a...)
	if c.events == nil {
		fmt.Fprintln(c.stderr, text)
		return
	}
	e := c.events.Info().Str("event", event)
	if fields != nil {
		fields(e)
	}
	e.Msg(strings.TrimSpace(text))
}

// tellWrapped is tell of a long text, whose lines may be paragraphs: as
// text, wrapped at 80 columns (the commands it names kept whole); as an
// event, one message on one line.
func (c *cli) tellWrapped(event string, fields func(*zerolog.Event), text string) {
	if c.events == nil {
		fmt.Fprint(c.stderr, fitText("", text))
		return
	}
	c.tell(event, fields, "%s", strings.ReplaceAll(text, "\n", " "))
}

// errorEvent is report's "Error:", "Try:" and "Hint:" lines as one event.
func (c *cli) errorEvent(err error, x *exitError) {
	e := c.events.Error().Str("event", "error").Int("exit_code", exitCode(err))
	var tries []string
	for _, t := range x.triesOrNil() {
		if t != "" {
			tries = append(tries, c.hints.inHint(t))
		}
	}
	if len(tries) > 0 {
		e = e.Strs("try", tries)
	}
	if h := c.hints.inHint(x.hintOrEmpty()); h != "" {
		e = e.Str("hint", h)
	}
	e.Msg(err.Error())
}

// seconds is how every duration is logged: seconds as a JSON number, in a
// field whose name ends in _s (docs/monitoring.md).
func seconds(d time.Duration) float64 { return d.Seconds() }
