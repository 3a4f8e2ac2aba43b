"""vault-plugin-conformance: certify Vault and OpenBao external plugins against the plugin protocol."""

__version__ = "0.1.0"
