// Package simproc runs "bulkunfollow simulate" as its own process for the
// benchmark drivers, and the built tool against it.
package simproc

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
)

// Sim is a running "bulkunfollow simulate".
type Sim struct {
	cmd     *exec.Cmd
	log     strings.Builder // its stderr, shown if it fails to start
	BaseURL string          `json:"base_url"`
	Token   string          `json:"access_token"`
}

// Start runs bin simulate with args (a loopback address of its own
// choosing) and reads the first line it prints: where it serves, and a
// user token.
func Start(bin string, args ...string) (*Sim, error) {
	cmd := exec.Command(bin, append([]string{"simulate", "--addr", "127.0.0.1:0"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s := &Sim{cmd: cmd}
	cmd.Stderr = &s.log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err == nil {
		if err = json.Unmarshal([]byte(line), s); err != nil {
			err = fmt.Errorf("simulator's first line %q: %w", line, err)
		}
	} else {
		err = fmt.Errorf("read the simulator's first line: %w\n%s", err, s.log.String())
	}
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, err
	}
	return s, nil
}

// Stop interrupts the simulator and waits for it to end.
func (s *Sim) Stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	_ = s.cmd.Wait()
}

// Stats decodes GET /sim/stats into v.
func (s *Sim) Stats(v any) error {
	resp, err := http.Get(s.BaseURL + "/sim/stats")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("read /sim/stats: %w", err)
	}
	return nil
}

// Tool is bin with args, run against s with queue q (JSON logs).
func (s *Sim) Tool(bin, q string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(),
		"BULKUNFOLLOW_ACCESS_TOKEN="+s.Token,
		"BULKUNFOLLOW_API_BASE_URL="+s.BaseURL,
		"BULKUNFOLLOW_QUEUE="+q,
		"BULKUNFOLLOW_LOG_FORMAT=json",
	)
	return cmd
}

// ExitCode is the exit code of a finished command's error (0 for nil, -1
// when it did not run to an exit).
func ExitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
