//! The secret values of a run (secret params, secrets in hosts' data, hosts'
//! sudo passwords) and
//! their redaction from text shown to the user: diffs, plans, and the
//! errors of a run (a command's error output may echo a secret).

use std::sync::Arc;

use infrac_vm::value::{HostValue, Value};

/// The secret strings of a run (params, hosts' data and sudo passwords).
pub fn secrets(params: &[Value], groups: &[Vec<Arc<HostValue>>]) -> Vec<String> {
    fn collect(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Secret(s) if !s.is_empty() => out.push(s.to_string()),
            Value::List(items) => items.iter().for_each(|i| collect(i, out)),
            Value::Map(m) | Value::Record(m) => m.values().for_each(|i| collect(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    params.iter().for_each(|p| collect(p, &mut out));
    for host in groups.iter().flatten() {
        collect(&host.data, &mut out);
        if let Some(password) = host.sudo_password.as_ref().filter(|p| !p.0.is_empty()) {
            out.push(password.0.to_string());
        }
    }
    with_trimmed(out)
}

/// `secrets` and, for those with surrounding whitespace, their trimmed
/// value too (output is often trimmed before it is shown), longest first so
/// that a secret containing another is redacted whole.
pub fn with_trimmed(mut secrets: Vec<String>) -> Vec<String> {
    let trimmed: Vec<String> = secrets
        .iter()
        .map(|s| s.trim())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    secrets.extend(trimmed);
    secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    secrets.dedup();
    secrets
}

/// `text` with every secret replaced by `***`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .fold(text.to_string(), |t, s| t.replace(s.as_str(), "***"))
}
