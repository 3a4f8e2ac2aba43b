//go:build mutant_no_server_cert

package main

// Breaks HS-008: leaves the certificate field empty although PLUGIN_CLIENT_CERT is set.
func init() {
	mutation.rewriteHandshake = func(fields []string) []string {
		if len(fields) > 5 {
			fields[5] = ""
		}
		return fields
	}
}
