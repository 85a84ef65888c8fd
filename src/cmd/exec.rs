//! `infrac exec --inventory FILE [--limit PATTERN] [--sudo] -- COMMAND`:
//! one shell command on many hosts in parallel; each host's output is
//! printed in one block when that host is done.

use super::stdout::outln;
use std::io::Write;
use std::path::PathBuf;

use infrac_runtime::fleet::{self, CommandJob, CommandRun};
use infrac_runtime::inventory::Inventory;

use super::args::{Format, HostSelectArgs, SudoArgs};
use super::exit;
use super::report::usage;

#[derive(clap::Args)]
pub struct Args {
    /// The hosts: an Ansible INI/YAML inventory or a JSON host list.
    #[arg(long, short = 'i', value_name = "FILE")]
    inventory: PathBuf,
    /// Run the command as root through `sudo -n`.
    #[arg(long)]
    sudo: bool,
    #[command(flatten)]
    hosts: HostSelectArgs,
    /// `human` (a block per host) or `json` (one object per line).
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    #[command(flatten)]
    sudo_password: SudoArgs,
    /// The command, run with `sh -c` (words are joined with spaces).
    #[arg(last = true, required = true, value_name = "COMMAND")]
    command: Vec<String>,
}

pub fn run(args: Args) -> u8 {
    let hosts = match Inventory::load(&args.inventory) {
        Ok(inventory) => {
            fleet::limit_hosts(fleet::inventory_hosts(&inventory), &args.hosts.limit())
        }
        Err(e) => Err(e.to_string()),
    };
    let hosts = match hosts {
        Ok(hosts) => hosts,
        Err(message) => return usage(&message),
    };
    let sudo_password = match args.sudo_password.password() {
        Ok(p) => p,
        Err(message) => return usage(&message),
    };
    let options = match args.hosts.options() {
        Ok(options) => options,
        Err(message) => return usage(&message),
    };
    if let (_, Some(notice)) = fleet::open_files_cap(options.parallel, hosts.len()) {
        eprintln!("note: {notice}");
    }
    let job = CommandJob {
        command: args.command.join(" "),
        sudo: args.sudo,
        sudo_password,
    };
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    let format = args.format;
    let result = fleet::run_command(hosts, options, job, |host, result| {
        let succeeded = matches!(&result, Ok(run) if run.output.code == 0);
        match format {
            Format::Human => print_human(&host.name, &result),
            Format::Json => print_json(&host.name, &result),
        }
        if succeeded { &mut ok } else { &mut failed }.push(host.name.clone());
    });
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
fn print_human(host: &str, result: &Result<CommandRun, String>) {
    let mut out = std::io::stdout().lock();
    let _ = match result {
        Ok(run) => {
            let _ = writeln!(
                out,
                "── {host}: exit {} ({}ms)",
                run.output.code,
                run.duration.as_millis()
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
fn print_json(host: &str, result: &Result<CommandRun, String>) {
    let line = match result {
        Ok(run) => serde_json::json!({
            "event": "host", "host": host, "exit_code": run.output.code,
            "stdout": run.output.stdout, "stderr": run.output.stderr,
            "duration_ms": run.duration.as_millis() as u64, "error": null,
        }),
        Err(message) => serde_json::json!({
            "event": "host", "host": host, "exit_code": null,
            "stdout": "", "stderr": "", "duration_ms": null, "error": message,
        }),
    };
    outln!("{line}");
}
