package main

import (
	"bytes"
	"context"
	"flag"
	"sort"
	"strings"
	"testing"
)

// flagEnvs returns, for every command, each flag's environment variable
// ("" when the flag has none).
func flagEnvs(t *testing.T) map[string]map[string]string {
	t.Helper()
	names := []string{"auth login", "auth status", "auth logout"}
	for _, c := range commands() {
		if c.name != "auth" {
			names = append(names, c.name)
		}
	}
	all := map[string]map[string]string{}
	for _, name := range names {
		var sets []*flagSet
		var out bytes.Buffer
		e := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &out, getenv: func(string) string { return "" },
			onFlagSet: func(fs *flagSet) { sets = append(sets, fs) }}
		if code := e.main(context.Background(), append(strings.Fields(name), "--help")); code != exitOK {
			t.Fatalf("%s --help: exit %d\n%s", name, code, out.String())
		}
		envs := map[string]string{}
		for _, fs := range sets {
			fs.VisitAll(func(f *flag.Flag) {
				if fs.noEnv[f.Name] {
					envs[f.Name] = ""
				} else {
					envs[f.Name] = fs.envOf(f.Name)
				}
			})
		}
		all[name] = envs
	}
	return all
}

// Every flag reads BULKUNFOLLOW_<something>, but no flag may read a
// credential variable, and two commands share a variable only where the
// flag means the same thing to both: exporting one for one command must
// never change what another does.
func TestFlagEnvironmentNames(t *testing.T) {
	credentials := map[string]bool{
		"BULKUNFOLLOW_ACCESS_TOKEN": true, "BULKUNFOLLOW_CLIENT_SECRET": true,
		"BULKUNFOLLOW_OAUTH1_CONSUMER_KEY": true, "BULKUNFOLLOW_OAUTH1_CONSUMER_SECRET": true,
		"BULKUNFOLLOW_OAUTH1_TOKEN": true, "BULKUNFOLLOW_OAUTH1_TOKEN_SECRET": true,
	}
	// Flags shared by several commands with one meaning.
	sameMeaning := map[string]bool{
		"queue": true, "api-base-url": true, "account": true, "config-dir": true,
		"log-format": true, "log-level": true, "json": true, "dry-run": true,
		"client-id": true, "redirect-uri": true, "client-secret-file": true, "window": true, "yes": true,
		"no-color": true, "prices": true, "own-app": true, "max-attempts": true, "request-timeout": true,
	}
	users := map[string][]string{} // variable → "command --flag"
	for cmd, envs := range flagEnvs(t) {
		for name, env := range envs {
			if env == "" {
				continue
			}
			if !strings.HasPrefix(env, envPrefix) {
				t.Errorf("%s --%s reads %s, not a BULKUNFOLLOW_ variable", cmd, name, env)
			}
			if credentials[env] {
				t.Errorf("%s --%s reads the credential variable %s", cmd, name, env)
			}
			users[env] = append(users[env], cmd+" --"+name)
		}
	}
	for env, us := range users {
		if len(us) < 2 {
			continue
		}
		sort.Strings(us)
		flagName := us[0][strings.LastIndex(us[0], "--")+2:]
		same := sameMeaning[flagName]
		for _, u := range us {
			same = same && strings.HasSuffix(u, "--"+flagName)
		}
		if !same {
			t.Errorf("%s is read by %s: give the ones that mean different things their own variable (flagSet.envAs)", env, strings.Join(us, ", "))
		}
	}
	if got := flagEnvs(t)["auth logout"]["all"]; got != "" {
		t.Errorf("auth logout --all reads %s: removing every account must be asked for on the command line", got)
	}
}
