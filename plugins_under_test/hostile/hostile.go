package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/vault/sdk/logical"
	"github.com/hashicorp/vault/sdk/plugin"
)

// hostile holds the points where one behaviour (hostile_*.go, selected by a build tag) makes the
// plugin misbehave. Without a tag every point is harmless and the plugin is conformant.
var hostile = struct {
	// beforeServe runs first in main.
	beforeServe func()
	// rewriteHandshake, when set, rewrites the fields of the handshake line go-plugin prints.
	rewriteHandshake func(fields []string) []string
	// afterHandshake, when set, runs (in its own goroutine) once the handshake line is written,
	// with the process's real stdout and stderr (go-plugin redirects os.Stdout and os.Stderr).
	afterHandshake func(stdout, stderr *os.File)
	// handleRequest, when set, answers requests instead of the framework (next is the framework).
	handleRequest func(ctx context.Context, req *logical.Request, next func(context.Context, *logical.Request) (*logical.Response, error)) (*logical.Response, error)
	// afterServe runs when go-plugin's Serve has returned (after GRPCController/Shutdown).
	afterServe func()
}{
	beforeServe: func() {},
	afterServe:  func() {},
}

// startedByHost tells whether the magic cookie a Vault/OpenBao host sets is present, so that a
// hostile plugin misbehaves only where a conformant one would go on to serve.
func startedByHost() bool {
	return os.Getenv(plugin.HandshakeConfig.MagicCookieKey) == plugin.HandshakeConfig.MagicCookieValue
}

// sleepForever blocks without letting the Go runtime call it a deadlock (a bare select{} with no
// other goroutine is "fatal error: all goroutines are asleep", an exit with status 2).
func sleepForever() {
	for {
		time.Sleep(time.Hour)
	}
}

// interceptHandshake puts a pipe in front of stdout so that the first line go-plugin writes (the
// handshake) can be rewritten before the host sees it; afterHandshake then gets the real stdout.
//
// go-plugin v1.7.0 (server.go, Serve) listens first, then writes the line with fmt.Printf to
// whatever os.Stdout is at that moment (here: the pipe); right after, it replaces os.Stdout and
// os.Stderr with its own pipes for the GRPCStdio stream. So the pipe carries exactly the
// handshake line.
func interceptHandshake() {
	realStdout, realStderr := os.Stdout, os.Stderr
	reader, writer, err := os.Pipe()
	if err != nil {
		panic(err)
	}
	os.Stdout = writer
	go func() {
		buffered := bufio.NewReader(reader)
		line, err := buffered.ReadString('\n')
		if err != nil && line == "" {
			return
		}
		if hostile.rewriteHandshake != nil {
			fields := strings.Split(strings.TrimRight(line, "\n"), "|")
			line = strings.Join(hostile.rewriteHandshake(fields), "|") + "\n"
		}
		_, _ = realStdout.WriteString(line)
		if hostile.afterHandshake != nil {
			go hostile.afterHandshake(realStdout, realStderr)
		}
		_, _ = io.Copy(realStdout, buffered)
	}()
}
