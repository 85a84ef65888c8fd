//! Secret sources on the controller (`secret_env`, `secret_file`,
//! `secret_cmd`): read when the run starts, in a param's default or a
//! host's data, so that the run knows every secret it must redact before
//! any host is touched. Each source is read once per run.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use infrac_bytecode::Builtin;

use crate::format::kind_name;
use crate::local_files::{MAX_PROGRAM_FILE, read_regular};
use crate::value::Value;

/// A source and its argument (a command as its shell text).
type SourceKey = (Builtin, String);

/// The secrets read so far in a run, by source and argument.
#[derive(Clone, Default)]
pub(crate) struct SourceCache(Arc<Mutex<HashMap<SourceKey, Arc<str>>>>);

impl std::fmt::Debug for SourceCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SourceCache(***)")
    }
}

impl SourceCache {
    /// The cached value of `source(arg)`, else `read`'s (then cached).
    pub(crate) fn get_or_read(
        &self,
        source: Builtin,
        arg: &Value,
        read: impl FnOnce(Builtin, &Value) -> Result<Arc<str>, String>,
    ) -> Result<Value, String> {
        let key = (source, key_text(arg));
        // A poisoned lock only means another host's thread panicked.
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(value) = cache.get(&key) {
            return Ok(Value::Secret(Arc::clone(value)));
        }
        let value = read(source, arg)?;
        cache.insert(key, Arc::clone(&value));
        Ok(Value::Secret(value))
    }
}

fn key_text(arg: &Value) -> String {
    match arg {
        Value::Cmd(cmd) => cmd.inline_script(),
        other => other.to_string(),
    }
}

/// Reads one source.
pub(crate) fn read_source(
    source: Builtin,
    arg: &Value,
    base_dir: &Path,
) -> Result<Arc<str>, String> {
    match (source, arg) {
        (Builtin::SecretEnv, Value::Str(name)) => std::env::var(&**name)
            .map(Into::into)
            .map_err(|_| format!("`secret_env`: the controller's environment has no {name}")),
        (Builtin::SecretFile, Value::Str(path)) => {
            let full = base_dir.join(&**path);
            let bytes =
                read_regular(&full, MAX_PROGRAM_FILE).map_err(|e| format!("`secret_file`: {e}"))?;
            text(bytes)
                .ok_or_else(|| format!("`secret_file`: {} is not UTF-8 text", full.display()))
        }
        (Builtin::SecretCmd, Value::Cmd(cmd)) => {
            if cmd.holds_secrets() {
                // Its text would be on this machine's command line.
                return Err(format!(
                    "`secret_cmd({})`: a command that reads a secret cannot take another secret",
                    cmd.display
                ));
            }
            run(&cmd.inline_script(), base_dir)
                .map_err(|e| format!("`secret_cmd(sh\"{}\")`: {e}", cmd.display))
        }
        (source, other) => Err(format!(
            "internal: `{}` of a {}",
            source.name(),
            kind_name(other)
        )),
    }
}

/// Runs `script` with `sh -c` in the program's directory. Its standard
/// error and input stay the terminal's (a password manager may ask for a
/// passphrase); its output is the secret.
fn run(script: &str, dir: &Path) -> Result<Arc<str>, String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .stdin(Stdio::inherit())
        .stderr(Stdio::inherit())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start sh: {e}"))?;
    let mut out = Vec::new();
    if let Some(mut stdout) = child.stdout.take() {
        stdout
            .read_to_end(&mut out)
            .map_err(|e| format!("could not read its output: {e}"))?;
    }
    let status = child
        .wait()
        .map_err(|e| format!("could not wait for it: {e}"))?;
    if !status.success() {
        return Err(match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".into(),
        });
    }
    text(out).ok_or_else(|| "its output is not UTF-8 text".into())
}

/// The text without its final line break (`pass show`, `echo`, and most
/// files end with one that is not part of the secret).
fn text(bytes: Vec<u8>) -> Option<Arc<str>> {
    let text = String::from_utf8(bytes).ok()?;
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    Some(text.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_final_line_break_is_dropped() {
        let t = |s: &str| text(s.as_bytes().to_vec()).map(|t| t.to_string());
        assert_eq!(t("pw\n").as_deref(), Some("pw"));
        assert_eq!(t("pw\r\n").as_deref(), Some("pw"));
        assert_eq!(t("pw\n\n").as_deref(), Some("pw\n"));
        assert_eq!(t(" pw ").as_deref(), Some(" pw "));
        assert_eq!(text(vec![0xff]), None);
    }

    #[test]
    fn a_command_is_run_once_per_run() {
        let dir = std::env::temp_dir().join(format!("infrac-sources-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let cache = SourceCache::default();
        let cmd = crate::shell::build(&[Value::Str("echo x >> count; echo s3cret".into())])
            .unwrap_or(Value::None);
        for _ in 0..3 {
            let v = cache.get_or_read(Builtin::SecretCmd, &cmd, |s, a| read_source(s, a, &dir));
            assert_eq!(v, Ok(Value::Secret("s3cret".into())));
        }
        let count = std::fs::read_to_string(dir.join("count")).unwrap_or_default();
        assert_eq!(count, "x\n");
        let failing = crate::shell::build(&[Value::Str("exit 3".into())]).unwrap_or(Value::None);
        let e = read_source(Builtin::SecretCmd, &failing, &dir);
        assert_eq!(
            e,
            Err("`secret_cmd(sh\"exit 3\")`: exited with status 3".into())
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
