package main

import (
	"strings"
	"testing"
)

func TestRetryCommand(t *testing.T) {
	env, path := queueEnv(t)
	seedQueue(t, path)
	code, stdout, stderr := runCLI(t, env, "", "retry")
	if code != exitOK || !strings.Contains(stdout, "Moved 1 failed target back to pending") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if st := queueCounts(t, path); st.Failed != 0 || st.Pending != 4 {
		t.Errorf("after retry: %+v", st)
	}
	code, stdout, _ = runCLI(t, env, "", "retry")
	if code != exitOK || !strings.Contains(stdout, "No failed targets") {
		t.Errorf("second retry: exit %d, %q", code, stdout)
	}
	if code, _, _ := runCLI(t, map[string]string{"BULKUNFOLLOW_QUEUE": path + ".missing"}, "", "retry"); code != exitPerson {
		t.Errorf("retry on a missing queue: exit %d", code)
	}
}
