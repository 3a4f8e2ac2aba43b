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
