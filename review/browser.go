package review

import (
	"fmt"
	"os/exec"
	"runtime"
)

// OpenBrowser opens url in the person's browser with the system's opener
// (browserCommand), its output kept off the review's screen.
func OpenBrowser(url string) error { return runOpener(browserCommand(runtime.GOOS, url)) }

// browserCommand is the command that opens url on goos: xdg-open; open
// on macOS; the URL handler on Windows.
func browserCommand(goos, url string) []string {
	switch goos {
	case "darwin":
		return []string{"open", url}
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler", url}
	}
	return []string{"xdg-open", url}
}

func runOpener(args []string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	switch {
	case err != nil && len(out) > 0:
		return fmt.Errorf("%s: %w: %.200s", args[0], err, out)
	case err != nil:
		return fmt.Errorf("%s: %w", args[0], err)
	}
	return nil
}
