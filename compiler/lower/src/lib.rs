//! Lowering of checked `.infra` modules to bytecode.
