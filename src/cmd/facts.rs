//! `infrac facts FILE|--inventory FILE [--limit PATTERN] FACT...`: read
//! native facts on many hosts (one round trip per host, the same readers
//! and batching as `infrac run`) and print them per host.

use super::stdout::outln;
use std::path::{Path, PathBuf};

use infrac_runtime::Value;
use infrac_runtime::facts::parse_key;
use infrac_runtime::fleet::{self, FleetHost, HostFacts};
use infrac_runtime::inventory::Inventory;
use infrac_runtime::output::value_json;
use serde_json::json;

use super::args::{Format, HostSelectArgs, SetArgs};
use super::exit;
use super::prepare::load;
use super::report::usage;

#[derive(clap::Args)]
pub struct Args {
    /// Without `--inventory`, the first word is a program whose groups give
    /// the hosts (params at their defaults, or `--set`). Then the facts to read: `NAME`
    /// or `NAME:ARGUMENT` (`os`, `file:/etc/hosts`, `service:ssh`,
    /// `command:uname -r`).
    #[arg(value_name = "[FILE] FACT", required = true)]
    words: Vec<String>,
    /// The hosts: an Ansible INI/YAML inventory or a JSON host list.
    #[arg(long, short = 'i', value_name = "FILE")]
    inventory: Option<PathBuf>,
    /// The params of the program whose groups give the hosts.
    #[command(flatten)]
    sets: SetArgs,
    #[command(flatten)]
    hosts: HostSelectArgs,
    /// `human` (a block per host) or `json` (one object per host, by name).
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

pub fn run(args: Args) -> u8 {
    let (source, fact_words) = match (&args.inventory, args.words.split_first()) {
        (Some(path), _) => (Source::Inventory(path), &args.words[..]),
        (None, Some((program, facts))) => (Source::Program(Path::new(program)), facts),
        (None, None) => return usage("give a program or --inventory FILE"),
    };
    if fact_words.is_empty() {
        return usage("name at least one fact (`os`, `file:/etc/hosts`, ...)");
    }
    let keys = match fact_words
        .iter()
        .map(|f| parse_key(f))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(keys) => keys,
        Err(message) => return usage(&message),
    };
    let hosts = match source.hosts(&args.sets) {
        Ok(hosts) => hosts,
        Err(code) => return code,
    };
    let hosts = match fleet::limit_hosts(hosts, &args.hosts.limit()) {
        Ok(hosts) => hosts,
        Err(message) => return usage(&message),
    };
    let labels: Vec<String> = fact_words.iter().map(|f| f.trim().to_string()).collect();
    let options = match args.hosts.options() {
        Ok(options) => options,
        Err(message) => return usage(&message),
    };
    if let (_, Some(notice)) = fleet::open_files_cap(options.parallel, hosts.len()) {
        eprintln!("note: {notice}");
    }
    let mut results: Vec<(String, Result<HostFacts, String>)> = Vec::new();
    if let Err(message) = fleet::read_facts(hosts, options, keys.into(), |host, result| {
        results.push((host.name.clone(), result))
    }) {
        return usage(&message);
    }
    results.sort_by(|a, b| a.0.cmp(&b.0));
    match args.format {
        Format::Human => print_human(&labels, &results),
        Format::Json => print_json(&labels, &results),
    }
    let any_failed = results.iter().any(|(_, r)| {
        r.as_ref()
            .map_or(true, |facts| facts.iter().any(Result::is_err))
    });
    if any_failed {
        exit::HOST_FAILED
    } else {
        exit::OK
    }
}

/// Where the hosts come from.
enum Source<'a> {
    Inventory(&'a Path),
    /// A program's groups (params at their defaults, or as `--set` says),
    /// loaded like `infrac run` does.
    Program(&'a Path),
}

impl Source<'_> {
    /// The hosts; `Err`: the exit code (the error printed).
    fn hosts(&self, sets: &SetArgs) -> Result<Vec<FleetHost>, u8> {
        match self {
            Source::Inventory(path) => {
                let inventory = Inventory::load(path).map_err(|e| usage(&e.to_string()))?;
                Ok(fleet::inventory_hosts(&inventory))
            }
            Source::Program(file) => {
                let sets = sets.values().map_err(|m| usage(&m))?;
                let loaded = load(file, &sets, Format::Human)?;
                Ok(fleet::program_hosts(&loaded.program, loaded.groups))
            }
        }
    }
}

type HostResult = (String, Result<HostFacts, String>);

/// A block per host: `host:` then `  fact: value` lines.
fn print_human(labels: &[String], results: &[HostResult]) {
    for (host, result) in results {
        outln!("{host}:");
        match result {
            Ok(values) => {
                for (label, value) in labels.iter().zip(values) {
                    match value {
                        Ok(value) => outln!("  {label}: {}", display(value)),
                        Err(message) => outln!("  {label}: error: {message}"),
                    }
                }
            }
            Err(message) => outln!("  error: {message}"),
        }
    }
}

/// Strings quoted (a bare fact that is a string reads like one).
fn display(value: &Value) -> String {
    match value {
        Value::Str(s) => format!("{:?}", &**s),
        other => other.to_string(),
    }
}

/// `{"HOST": {"facts": {"LABEL": VALUE}, "errors": {"LABEL": "..."}, "error": null}}`.
fn print_json(labels: &[String], results: &[HostResult]) {
    let mut hosts = serde_json::Map::new();
    for (host, result) in results {
        let entry = match result {
            Ok(values) => {
                let mut facts = serde_json::Map::new();
                let mut errors = serde_json::Map::new();
                for (label, value) in labels.iter().zip(values) {
                    match value {
                        Ok(value) => facts.insert(label.clone(), value_json(value)),
                        Err(message) => errors.insert(label.clone(), json!(message)),
                    };
                }
                json!({"facts": facts, "errors": errors, "error": null})
            }
            Err(message) => json!({"facts": {}, "errors": {}, "error": message}),
        };
        hosts.insert(host.clone(), entry);
    }
    outln!(
        "{}",
        serde_json::to_string_pretty(&serde_json::Value::Object(hosts)).unwrap_or_default()
    );
}
