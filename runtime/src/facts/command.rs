//! `facts.command(script)`: a read-only command's `CommandResult`.

use infrac_vm::value::Value;

use super::parse::{ParseResult, Section, record, str_value};

/// The script as written; the batch runs each fact in its own subshell with
/// no standard input.
pub fn script(args: &[&str]) -> String {
    args.first().copied().unwrap_or_default().to_string()
}

/// Never fails: a non-zero status is part of the result.
pub fn parse(section: &Section) -> ParseResult {
    Ok(record([
        ("code", Value::Int(i64::from(section.code))),
        ("stdout", str_value(&section.stdout)),
        ("stderr", str_value(&section.stderr)),
    ]))
}
