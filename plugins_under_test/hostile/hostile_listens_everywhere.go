//go:build hostile_listens_everywhere

package main

import (
	"fmt"
	"net"
	"os"
	"time"
)

// Besides its plugin socket it opens a TCP listener on every interface (0.0.0.0, a free port) and
// keeps it open for its whole life, accepting and closing connections; it never sends anything.
// It logs the address (an hclog JSON line on stderr) so a test can check that nothing listens there
// once the run is over.
func init() {
	hostile.beforeServe = func() {
		if !startedByHost() {
			return
		}
		listener, err := net.Listen("tcp4", "0.0.0.0:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, "hostile: listen on 0.0.0.0:", err)
			return
		}
		fmt.Fprintf(os.Stderr, "{\"@level\":\"info\",\"@message\":\"hostile: listening on every interface\",\"@timestamp\":%q,\"address\":%q}\n",
			time.Now().UTC().Format("2006-01-02T15:04:05.000000Z07:00"), listener.Addr().String())
		go func() {
			for {
				conn, err := listener.Accept()
				if err != nil {
					return
				}
				_ = conn.Close()
			}
		}()
	}
}
