//! `infrac run FILE [--set NAME=VALUE]... [--limit PATTERN] [--parallel N]
//! [--format human|json] [--yes]`: check the program, evaluate its params
//! and groups on the controller, then run its stages live on the hosts
//! (without `--yes`: plan, show the plan and ask first; see approve.rs).

use super::stdout::outln;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use infrac_compiler::{Database, Diagnostic, LineIndex, Severity};
use infrac_runtime::event::{HostError, Locate, Location, Place, RunSummary};
use infrac_runtime::inventory::Inventory;
use infrac_vm::controller::InventoryHost;
use infrac_vm::value::HostValue;

use super::approve::{Approval, approve};
use super::exit;
use super::prepare::{TargetArgs, block_on, prepare};
use super::report::{diagnostics_json, eprint_diagnostics, finish_run, run_sink};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: TargetArgs,
    /// `human` (live view and summary) or `json` (one object per line).
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Run without asking: no plan first, changes are made (and shown)
    /// as the run goes. Without it, the run plans, shows the plan and asks
    /// `Apply these changes? [y/N]` (without a terminal it changes nothing).
    #[arg(long)]
    yes: bool,
}

pub fn run(args: Args) -> u8 {
    let p = match prepare(&args.target, args.format) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let approved = match args.yes {
        true => None,
        false => match approve(&p, &args.target, args.format) {
            Approval::Apply(session) => Some(session),
            Approval::Done(code) => return code,
        },
    };
    let sink = run_sink(args.format, &p);
    let (ctx, groups, options) = (p.ctx.clone(), p.groups.clone(), p.options.clone());
    let summary = match approved {
        // The approved plan, exactly: a host that drifted since is refused.
        Some(session) => block_on(|cancel| {
            infrac_runtime::plan::apply(&ctx, session, groups, options, sink, cancel)
        }),
        None => block_on(|cancel| infrac_runtime::run(ctx, groups, options, sink, cancel)),
    };
    finish_run(args.format, &p, summary)
}

/// `inventory(path, group:)` in a group: the hosts of an Ansible INI/YAML
/// inventory or a JSON host list (all of them without `group:`).
pub(super) fn load_inventory(
    path: &Path,
    group: Option<&str>,
) -> Result<Vec<InventoryHost>, String> {
    let inventory = Inventory::load(path).map_err(|e| e.to_string())?;
    let hosts = match group {
        Some(group) => inventory.group(group).map_err(|e| e.to_string())?,
        None => inventory.hosts.iter().collect(),
    };
    Ok(hosts
        .into_iter()
        .map(|h| InventoryHost {
            name: h.name.clone(),
            spec: h.spec(),
            sudo: h.vars.get("ansible_become").is_some_and(is_truthy),
            origin: h.origin.to_string(),
            vars: h.vars.clone(),
        })
        .collect())
}

/// Ansible's booleans: `true`, `yes`, `1` (any case).
pub(super) fn is_truthy(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::Number(n) => n.as_i64() == Some(1),
        serde_json::Value::String(s) => {
            ["true", "yes", "1"].contains(&s.to_ascii_lowercase().as_str())
        }
        _ => false,
    }
}

/// `NAME=VALUE` pairs; the value may contain `=`.
/// Where params' values come from on the command line.
#[derive(clap::Args, Clone, Default)]
pub struct SetArgs {
    /// Set a param: `--set release=2.4.1` (repeatable). Other users of the
    /// controller see it in the process list: give secrets with
    /// `--set-file` or `--set-env`.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
    /// Set a param to a file's content, without its final newline:
    /// `--set-file db_password=secrets/db` (repeatable).
    #[arg(long = "set-file", value_name = "NAME=PATH")]
    pub files: Vec<String>,
    /// Set a param to an environment variable's value:
    /// `--set-env db_password=DB_PASSWORD` (repeatable).
    #[arg(long = "set-env", value_name = "NAME=VAR")]
    pub envs: Vec<String>,
}

impl SetArgs {
    /// Every `NAME=VALUE`, in the order `--set`, `--set-file`, `--set-env`.
    pub fn values(&self) -> Result<Vec<(String, String)>, String> {
        let mut out = parse_pairs("--set", &self.sets)?;
        for (name, path) in parse_pairs("--set-file", &self.files)? {
            let text = infrac_vm::local_files::read_regular_text(Path::new(&path), 1 << 20)
                .map_err(|e| format!("--set-file {name}: {e}"))?;
            let text = text.strip_suffix('\n').unwrap_or(&text);
            out.push((name, text.strip_suffix('\r').unwrap_or(text).to_string()));
        }
        for (name, var) in parse_pairs("--set-env", &self.envs)? {
            let value = std::env::var(&var)
                .map_err(|_| format!("--set-env {name}={var}: the environment has no {var}"))?;
            out.push((name, value));
        }
        Ok(out)
    }
}

/// `NAME=VALUE` pairs of the flag `flag`.
fn parse_pairs(flag: &str, pairs: &[String]) -> Result<Vec<(String, String)>, String> {
    pairs
        .iter()
        .map(|s| match s.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                Ok((name.trim().to_string(), value.to_string()))
            }
            _ => Err(format!("{flag} {s}: expected NAME=VALUE")),
        })
        .collect()
}

/// Controller paths (`upload(src:)`, templates) are relative to the program.
pub(super) fn base_dir(file: &Path) -> PathBuf {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

pub(super) fn known_names<'a>(
    groups: &[Vec<Arc<HostValue>>],
    group_names: impl Iterator<Item = &'a str>,
) -> Vec<String> {
    let hosts = groups.iter().flatten().map(|h| h.name.clone());
    hosts.chain(group_names.map(str::to_string)).collect()
}

pub(super) fn usage(message: &str) -> u8 {
    eprintln!("error: {message}");
    exit::USAGE
}

pub(super) fn print_diagnostics(db: &Database, diags: &[Diagnostic], format: Format) {
    match format {
        Format::Json => {
            let list: serde_json::Value = serde_json::from_str(&diagnostics_json(db, diags))
                .unwrap_or(serde_json::Value::Null);
            outln!(
                "{}",
                serde_json::json!({ "event": "diagnostics", "diagnostics": list })
            );
        }
        Format::Human => eprint_diagnostics(db, diags),
    }
}

/// Each failed host's error, rendered like a compile error at its place.
pub(super) fn report_failures(db: &Database, sources: &Sources, summary: &RunSummary) {
    let diags: Vec<Diagnostic> = summary
        .hosts
        .iter()
        .filter_map(|(host, s)| {
            let failure = s.failure.as_ref()?;
            let title = format!("host `{host}` failed in stage `{}`", failure.stage);
            Some(place_diagnostic(sources, title, &failure.error))
        })
        .collect();
    print_diagnostics(db, &diags, Format::Human);
}

/// A run-time error as a diagnostic: `title`, and the error's message under
/// its place.
pub(super) fn place_diagnostic(sources: &Sources, title: String, error: &HostError) -> Diagnostic {
    let (file, span) = match error.place {
        Some(place) => (sources.path(place.module), sources.first_line(place)),
        None => (String::new(), infrac_syntax::Span::default()),
    };
    // A label is one line: a command's stderr, after the first line, is a note.
    let (label, output) = error
        .message
        .split_once('\n')
        .unwrap_or((&error.message, ""));
    let mut notes: Vec<String> = error
        .notes
        .iter()
        .map(|(message, place)| {
            let loc = sources.locate(*place);
            format!("{message}: {}:{}", loc.file, loc.line)
        })
        .collect();
    if !output.trim().is_empty() {
        notes.insert(0, format!("output:\n{}", output.trim_end()));
    }
    Diagnostic {
        severity: Severity::Error,
        code: "run",
        message: title,
        file,
        span,
        label: Some(label.to_string()),
        labels: Vec::new(),
        notes,
        help: None,
    }
}

/// The program's module sources, to turn places into file and line.
pub(super) struct Sources {
    modules: Vec<(String, String)>,
}

impl Sources {
    pub(super) fn new(db: &Database, modules: &[infrac_bytecode::ModuleInfo]) -> Sources {
        let modules = modules
            .iter()
            .map(|m| {
                let text = db
                    .file_by_display_path(&m.path)
                    .and_then(|f| f.text(db).clone())
                    .unwrap_or_default();
                (m.path.clone(), text)
            })
            .collect();
        Sources { modules }
    }

    /// The place's span, cut at the end of its first line: a whole stage
    /// (the place of a connection failure) is shown by its header.
    fn first_line(&self, place: Place) -> infrac_syntax::Span {
        let text = self
            .modules
            .get(place.module as usize)
            .map_or("", |(_, t)| t.as_str());
        let (start, end) = (place.span.start, place.span.end);
        let line_end = text
            .get(start as usize..)
            .and_then(|rest| rest.find('\n'))
            .and_then(|n| u32::try_from(n).ok())
            .map_or(end, |n| start + n);
        infrac_syntax::Span::new(start, end.min(line_end).max(start))
    }

    fn path(&self, module: u32) -> String {
        self.modules
            .get(module as usize)
            .map(|(p, _)| p.clone())
            .unwrap_or_default()
    }
}

impl Locate for Sources {
    fn locate(&self, place: Place) -> Location {
        let Some((file, text)) = self.modules.get(place.module as usize) else {
            return Location {
                file: String::from("?"),
                line: 0,
            };
        };
        let (line, _) = LineIndex::new(text).line_col(place.span.start);
        Location {
            file: file.clone(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
        }
    }
}
