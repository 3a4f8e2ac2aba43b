// Command reference-database is the reference database plugin of vault-plugin-conformance:
// a dbplugin v5 plugin that manages Redis ACL users the way the Vault SDK intends.
package main

import (
	dbplugin "github.com/hashicorp/vault/sdk/database/dbplugin/v5"
)

// version is reported to the server through logical.PluginVersioner (set with -ldflags -X main.version=...).
var version = "v0.1.0"

func main() {
	// Multiplexed: go-plugin negotiates protocol 6 (one process, one instance per
	// database connection); a host that only knows protocol 5 gets a single instance.
	dbplugin.ServeMultiplex(New)
	mutation.afterServe()
}
