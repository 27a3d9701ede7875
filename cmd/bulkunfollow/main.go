// Command bulkunfollow unfollows a reviewed list of X accounts through a
// durable, resumable queue, paced to the server's rate limits.
//
// Run "bulkunfollow help" for the commands, or "bulkunfollow demo" for a
// first look that needs no account and no network.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
