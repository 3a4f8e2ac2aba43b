//go:build hostile_floods_output

package main

import (
	"bytes"
	"os"
	"time"
)

// floodRate is what it writes per second to each of stdout and stderr.
const floodRate = 4 << 20

// Once its handshake line is out, it writes megabytes per second, continuously, to its real
// stdout (one endless line: no newline ever) and to its real stderr (1 KiB lines), for as long as
// it lives. A write blocks when nobody reads the pipe; it then goes on when someone does.
func init() {
	hostile.afterHandshake = func(stdout, stderr *os.File) {
		go flood(stdout, bytes.Repeat([]byte("flood-stdout-"), 64<<10/13))
		line := append(bytes.Repeat([]byte("x"), 1023), '\n')
		flood(stderr, bytes.Repeat(line, 64))
	}
}

func flood(out *os.File, chunk []byte) {
	tick := time.NewTicker(time.Second * time.Duration(len(chunk)) / floodRate)
	defer tick.Stop()
	for range tick.C {
		if _, err := out.Write(chunk); err != nil {
			return
		}
	}
}
