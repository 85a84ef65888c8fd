//! `infrac exec --inventory FILE [--limit PATTERN] [--sudo] -- COMMAND`:
//! one shell command on many hosts in parallel; each host's output is
//! printed in one block when that host is done.

use super::stdout::outln;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use infrac_connect::{Connector, ExecOptions};
use infrac_runtime::connection::Connection;
use infrac_vm::request::CommandOutput;
use infrac_vm::value::HostValue;

use super::exit;
use super::fleet::{self, SshArgs};
use super::run::{Format, usage};

#[derive(clap::Args)]
pub struct Args {
    /// The hosts: an Ansible INI/YAML inventory or a JSON host list.
    #[arg(long, short = 'i', value_name = "FILE")]
    inventory: PathBuf,
    /// Only these hosts: a host name, a group name or a glob (`web-*`);
    /// repeatable or comma-separated.
    #[arg(long, value_name = "PATTERN")]
    limit: Vec<String>,
    /// Run the command as root through `sudo -n`.
    #[arg(long)]
    sudo: bool,
    /// At most N hosts at once (default: all).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    parallel: Option<u32>,
    /// Seconds the command may run on a host before that host fails (0: no limit).
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    timeout: u64,
    /// `human` (a block per host) or `json` (one object per line).
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    #[command(flatten)]
    ssh: SshArgs,
    #[command(flatten)]
    output: super::fleet::OutputArgs,
    #[command(flatten)]
    sudo_password: fleet::SudoArgs,
    /// The command, run with `sh -c` (words are joined with spaces).
    #[arg(last = true, required = true, value_name = "COMMAND")]
    command: Vec<String>,
}

/// One host's outcome.
struct HostRun {
    output: CommandOutput,
    duration_ms: u128,
}

pub fn run(args: Args) -> u8 {
    let hosts = match fleet::inventory_hosts(&args.inventory)
        .and_then(|hosts| fleet::limit_hosts(hosts, &args.limit))
    {
        Ok(hosts) => hosts,
        Err(message) => return usage(&message),
    };
    let command = args.command.join(" ");
    let timeout = fleet::command_timeout(args.timeout);
    let sudo = args.sudo;
    let password = match args.sudo_password.password() {
        Ok(p) => p,
        Err(message) => return usage(&message),
    };
    args.output.apply();
    let ssh = match args.ssh.defaults() {
        Ok(ssh) => ssh,
        Err(message) => return usage(&message),
    };
    let job = move |host: Arc<HostValue>, conn: Arc<Connection>| {
        let command = command.clone();
        let password = password.clone();
        async move {
            let opts = ExecOptions {
                sudo: (sudo || host.sudo).then_some(None),
                sudo_password: password.as_ref().map(|p| &*p.0),
                timeout,
                ..ExecOptions::default()
            };
            let started = Instant::now();
            let output = conn.exec(&command, opts).await.map_err(|e| e.message)?;
            Ok(HostRun {
                output,
                duration_ms: started.elapsed().as_millis(),
            })
        }
    };
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    let format = args.format;
    let result = fleet::for_each_host(
        hosts,
        args.parallel.map(|n| n as usize),
        ssh,
        job,
        |host, result| {
            let succeeded = matches!(&result, Ok(run) if run.output.code == 0);
            match format {
                Format::Human => print_human(&host.name, &result),
                Format::Json => print_json(&host.name, &result),
            }
            if succeeded { &mut ok } else { &mut failed }.push(host.name.clone());
        },
    );
    if let Err(message) = result {
        return usage(&message);
    }
    failed.sort();
    match format {
        Format::Human => {
            let mut line = format!(
                "{} host(s): {} ok, {} failed",
                ok.len() + failed.len(),
                ok.len(),
                failed.len()
            );
            if !failed.is_empty() {
                line.push_str(&format!(" ({})", failed.join(", ")));
            }
            outln!("{line}");
        }
        Format::Json => outln!(
            "{}",
            serde_json::json!({"event": "summary", "ok": ok.len(), "failed": failed})
        ),
    }
    if failed.is_empty() {
        exit::OK
    } else {
        exit::HOST_FAILED
    }
}

/// `── host: exit 0 (12ms)`, then the output, then the error output.
fn print_human(host: &str, result: &Result<HostRun, String>) {
    let mut out = std::io::stdout().lock();
    let _ = match result {
        Ok(run) => {
            let _ = writeln!(
                out,
                "── {host}: exit {} ({}ms)",
                run.output.code, run.duration_ms
            );
            let _ = write_block(&mut out, &run.output.stdout);
            if run.output.stderr.trim().is_empty() {
                Ok(())
            } else {
                let _ = writeln!(out, "── {host}: stderr");
                write_block(&mut out, &run.output.stderr)
            }
        }
        Err(message) => writeln!(out, "── {host}: failed: {message}"),
    };
}

fn write_block(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// `{"event":"host","host":..,"exit_code":..,"stdout":..,"stderr":..,"duration_ms":..,"error":..}`
fn print_json(host: &str, result: &Result<HostRun, String>) {
    let line = match result {
        Ok(run) => serde_json::json!({
            "event": "host", "host": host, "exit_code": run.output.code,
            "stdout": run.output.stdout, "stderr": run.output.stderr,
            "duration_ms": run.duration_ms as u64, "error": null,
        }),
        Err(message) => serde_json::json!({
            "event": "host", "host": host, "exit_code": null,
            "stdout": "", "stderr": "", "duration_ms": null, "error": message,
        }),
    };
    outln!("{line}");
}
