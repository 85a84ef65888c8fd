//! The `.infra` language server.
