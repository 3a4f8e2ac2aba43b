// Command hostile is the hostile plugin zoo of vault-plugin-conformance: a minimal, otherwise
// well-behaved secrets engine (the real SDK, multiplexed) that one build tag (hostile_<name>,
// one file per behaviour) turns into a plugin that hangs, floods, forks, crashes, stalls or
// refuses to die. It proves that the suite ends every run with a verdict, within a known time,
// and leaves nothing behind. Built by plugins_under_test/build as bin/hostile-<name>.
package main

import (
	"fmt"
	"os"

	"github.com/hashicorp/vault/sdk/plugin"
)

// version is reported to the server through logical.PluginVersion (set with -ldflags -X main.version=...).
var version = "v0.1.0"

func main() {
	hostile.beforeServe()
	if hostile.rewriteHandshake != nil || hostile.afterHandshake != nil {
		interceptHandshake()
	}
	err := plugin.ServeMultiplex(&plugin.ServeOpts{BackendFactoryFunc: Factory})
	if err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		os.Exit(1)
	}
	hostile.afterServe()
}
