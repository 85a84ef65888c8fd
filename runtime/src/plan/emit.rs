//! `--emit-sh`: one POSIX shell script per host with its planned commands
//! in order, for review or for another tool to run.

use std::fmt::Write;

use infrac_shell::quote as shell_quote;
use infrac_vm::local_files::{MAX_PROGRAM_FILE, read_regular};
use infrac_vm::plan::{HostPlan, Outcome, PlannedCommand};
use infrac_vm::request::{Sudo, UploadRequest, UploadSource};

use crate::event::{Locate, Place};

/// The script of `host`. Commands that hold a secret (`secrets`: the
/// run's secret strings, which rendered files may contain) are not written:
/// the script stops there (apply the plan with infrac instead). Ops the
/// plan could not determine are comments.
pub fn shell_script(
    program: &str,
    host: &str,
    plan: &HostPlan,
    stages: &[String],
    locate: &dyn Locate,
    secrets: &[String],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "#!/bin/sh");
    let _ = writeln!(
        out,
        "# Planned by infrac from {program} for host {host}: the changing commands, in order."
    );
    let _ = writeln!(out, "set -eu");
    let mut stage = None;
    for step in &plan.steps {
        if stage != Some(step.stage) {
            stage = Some(step.stage);
            let name = stages.get(step.stage).map_or("?", String::as_str);
            let _ = writeln!(out, "\n# stage {name}");
        }
        let at = locate.locate(Place {
            module: step.module,
            span: step.span,
        });
        let what = if step.op.is_empty() {
            "the rest of the stage"
        } else {
            &step.op
        };
        match &step.outcome {
            Outcome::NoChange => continue,
            Outcome::WillChange => {
                let _ = writeln!(out, "\n# {}:{} {what}", at.file, at.line);
            }
            Outcome::MayChange(u) | Outcome::RestUndetermined(u) => {
                let origin = locate.locate(Place {
                    module: u.module,
                    span: u.span,
                });
                let _ = writeln!(
                    out,
                    "\n# {}:{} {what}: undetermined in the plan (depends on the change at {}:{});\n# not written here: use `infrac apply`",
                    at.file, at.line, origin.file, origin.line
                );
                continue;
            }
        }
        for command in &step.commands {
            write_command(&mut out, command, secrets);
        }
    }
    out
}

fn write_command(out: &mut String, command: &PlannedCommand, secrets: &[String]) {
    match command {
        PlannedCommand::Exec {
            secret: true,
            display,
            ..
        }
        | PlannedCommand::Upload {
            secret: true,
            request: UploadRequest {
                remote: display, ..
            },
            ..
        } => needs_secret(out, display),
        // A secret the program `reveal`ed is a plain string by now, but the
        // script must not hold it either.
        PlannedCommand::Exec {
            script,
            stdin,
            display,
            ..
        } if holds_any(script, secrets)
            || stdin.as_deref().is_some_and(|i| holds_any(i, secrets)) =>
        {
            needs_secret(out, &crate::secrets::redact(display, secrets));
        }
        PlannedCommand::Exec {
            script,
            stdin,
            sudo,
            ..
        } => {
            let run = in_shell(script, sudo.as_ref());
            match stdin {
                Some(input) => {
                    let _ = writeln!(out, "printf '%s' {} | {run}", shell_quote(input));
                }
                None => {
                    let _ = writeln!(out, "{run}");
                }
            }
        }
        PlannedCommand::Upload { request, .. } => write_upload(out, request, secrets),
    }
}

fn holds_any(text: &str, secrets: &[String]) -> bool {
    secrets.iter().any(|s| text.contains(s.as_str()))
}

fn needs_secret(out: &mut String, what: &str) {
    let _ = writeln!(
        out,
        "# needs a secret: {what}\necho 'this step needs a secret: run infrac apply instead' >&2\nexit 1"
    );
}

/// `sh -c SCRIPT`, through sudo when asked.
fn in_shell(script: &str, sudo: Option<&Sudo>) -> String {
    let quoted = shell_quote(script);
    match sudo {
        None => format!("sh -c {quoted}"),
        Some(Sudo { user: None }) => format!("sudo -n sh -c {quoted}"),
        Some(Sudo { user: Some(user) }) => {
            format!("sudo -n -u {} sh -c {quoted}", shell_quote(user))
        }
    }
}

/// An upload exactly as the connectors do it.
fn write_upload(out: &mut String, request: &UploadRequest, secrets: &[String]) {
    let content = match &request.source {
        UploadSource::Content(bytes) => Ok(bytes.clone()),
        UploadSource::LocalFile(path) => read_regular(path, MAX_PROGRAM_FILE),
    };
    let content = match content {
        Ok(bytes) => bytes,
        Err(message) => {
            let _ = writeln!(out, "echo {} >&2\nexit 1", shell_quote(&message));
            return;
        }
    };
    if holds_any(&String::from_utf8_lossy(&content), secrets) {
        return needs_secret(out, &format!("upload {}", request.remote));
    }
    // The connectors' own upload (see `shell::upload`), its stdin from a
    // here-document of the emitted script: in `sh -c`'s argument the
    // content would hit the kernel's limit of 128 KiB per argument.
    let upload = infrac_connect::shell::upload(
        &request.remote,
        &content,
        request.mode,
        request.owner.as_deref(),
        request.group.as_deref(),
        true,
    );
    // The base64 alphabet has no `_`: no line of it ends the document.
    let encoded = base64(&upload.stdin);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|line| std::str::from_utf8(line).unwrap_or_default())
        .collect();
    let _ = writeln!(
        out,
        "base64 -d <<'INFRAC_CONTENT' | {}\n{}\nINFRAC_CONTENT",
        in_shell(&upload.command, request.sudo.as_ref()),
        lines.join("\n")
    );
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"hello\n"), "aGVsbG8K");
    }

    #[test]
    fn sudo_wraps_the_script() {
        assert_eq!(in_shell("mkdir -p /a", None), "sh -c 'mkdir -p /a'");
        assert_eq!(
            in_shell(
                "id",
                Some(&Sudo {
                    user: Some("app".into())
                })
            ),
            "sudo -n -u app sh -c id"
        );
    }
}
