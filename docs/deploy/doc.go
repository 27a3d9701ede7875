// Package deploy holds no code. Its directory holds the scheduling recipes
// (crontab, systemd service and timer, Kubernetes CronJob, environment file
// example), and its tests guarantee they stay usable: the files parse, the
// keys an operator relies on are there (oneshot with exit 75 as success,
// sandboxing, Forbid, PVC, Secret, deadlines longer than --deadline), every
// flag and BULKUNFOLLOW_* variable they use exists, the crontab line runs
// under /bin/sh with a stand-in binary, and, where systemd-analyze is
// installed, the units pass "systemd-analyze verify".
package deploy
