package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is stamped by the release build (-ldflags "-X main.version=v1.2.3");
// otherwise it comes from the module's build information.
var version = ""

// buildVersion returns the version, VCS revision and time, as known.
func buildVersion() (ver, revision, when string, modified bool) {
	ver = version
	info, ok := debug.ReadBuildInfo()
	if !ok {
		if ver == "" {
			ver = "(devel)"
		}
		return ver, "", "", false
	}
	if ver == "" {
		ver = info.Main.Version
	}
	if ver == "" {
		ver = "(devel)"
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	return ver, revision, when, modified
}

// userAgent names the tool and version in every API request.
func userAgent() string {
	v, _, _, _ := buildVersion()
	return "bulkunfollow/" + v
}

func runVersion(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("version", "", "Print the version, VCS revision and Go version this binary was built with.",
		"bulkunfollow version", "bulkunfollow version --short")
	short := fs.Bool("short", false, "print the version only")
	if err := fs.parse(args); err != nil {
		return err
	}
	v, rev, when, modified := buildVersion()
	if *short {
		fmt.Fprintln(c.stdout, v)
		return nil
	}
	fmt.Fprintf(c.stdout, "bulkunfollow %s\n", v)
	if rev != "" {
		dirty := ""
		if modified {
			dirty = " (modified)"
		}
		fmt.Fprintf(c.stdout, "revision: %s%s\n", rev, dirty)
	}
	if when != "" {
		fmt.Fprintf(c.stdout, "built from commit of: %s\n", when)
	}
	fmt.Fprintf(c.stdout, "go: %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
