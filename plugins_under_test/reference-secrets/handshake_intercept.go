package main

import (
	"bufio"
	"io"
	"os"
	"strings"
)

// interceptHandshake puts a pipe in front of stdout so that the first line go-plugin
// writes (the handshake) can be rewritten before the host sees it; the rest is copied
// through unchanged. Only mutants use it.
//
// go-plugin v1.7.0 (server.go, Serve) listens first, then writes the line with
// fmt.Printf to whatever os.Stdout is at that moment (here: the pipe) and calls
// os.Stdout.Sync(); right after, it replaces os.Stdout and os.Stderr with its own
// pipes for the GRPCStdio stream. So the pipe carries exactly the handshake line, the
// copy loop below then idles, and the line reaches the host (unbuffered write to the
// real stdout) after the socket already accepts connections.
func interceptHandshake(rewrite func(fields []string) []string) {
	realStdout := os.Stdout
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
		fields := strings.Split(strings.TrimRight(line, "\n"), "|")
		_, _ = realStdout.WriteString(strings.Join(rewrite(fields), "|") + "\n")
		_, _ = io.Copy(realStdout, buffered)
	}()
}
