// Command reference-auth is the reference auth method of vault-plugin-conformance:
// a userpass-like plugin that logs users in the way the Vault SDK intends.
package main

import (
	"fmt"
	"os"

	"github.com/hashicorp/vault/sdk/plugin"
)

// version is reported to the server through logical.PluginVersion (set with -ldflags -X main.version=...).
var version = "v0.1.0"

func main() {
	err := plugin.ServeMultiplex(&plugin.ServeOpts{
		BackendFactoryFunc: Factory,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "reference-auth:", err)
		os.Exit(1)
	}
}
