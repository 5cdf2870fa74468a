"""`lamina lsp`: the language server. Thin glue from LSP to the project model and the runtime;
the only package that imports pygls and lsprotocol."""
