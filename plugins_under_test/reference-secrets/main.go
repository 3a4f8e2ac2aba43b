// Command reference-secrets is the reference secrets engine of vault-plugin-conformance:
// a plugin that does everything the protocol asks, the way the Vault SDK intends.
package main

import (
	"fmt"
	"os"

	"github.com/hashicorp/vault/sdk/plugin"
)

// version is reported to the server through logical.PluginVersion (set with -ldflags -X main.version=...).
var version = "v0.1.0"

func main() {
	mutation.beforeServe()
	if mutation.rewriteHandshake != nil {
		interceptHandshake(mutation.rewriteHandshake)
	}
	err := plugin.ServeMultiplex(&plugin.ServeOpts{
		BackendFactoryFunc: Factory,
		TLSProviderFunc:    mutation.tlsProvider, // nil: go-plugin's AutoMTLS
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "reference-secrets:", err)
		os.Exit(1)
	}
	mutation.afterServe()
}
