//! `infrac facts FILE|--inventory FILE [--limit PATTERN] FACT...`: read
//! native facts on many hosts (one round trip per host, the same readers
//! and batching as `infrac run`) and print them per host.

use super::stdout::outln;
use std::path::PathBuf;
use std::sync::Arc;

use infrac_connect::{Connector, ExecOptions};
use infrac_runtime::connection::Connection;
use infrac_runtime::facts::{self, FactRead};
use infrac_vm::request::{FactArg, FactKey};
use infrac_vm::value::{HostValue, Value};
use serde_json::json;

use super::exit;
use super::fleet::{self, SshArgs};
use super::run::{Format, usage};

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
    sets: super::run::SetArgs,
    /// Only these hosts: a host name, a group name or a glob (`web-*`);
    /// repeatable or comma-separated.
    #[arg(long, value_name = "PATTERN")]
    limit: Vec<String>,
    /// At most N hosts at once (default: all).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    parallel: Option<u32>,
    /// Seconds the facts may take on a host before that host fails (0: no limit).
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    timeout: u64,
    /// `human` (a block per host) or `json` (one object per host, by name).
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    #[command(flatten)]
    ssh: SshArgs,
    #[command(flatten)]
    output: super::fleet::OutputArgs,
}

pub fn run(args: Args) -> u8 {
    let (hosts, fact_words) = match (&args.inventory, args.words.split_first()) {
        (Some(path), _) => (fleet::inventory_hosts(path), &args.words[..]),
        (None, Some((program, facts))) => {
            let hosts = args
                .sets
                .values()
                .and_then(|sets| fleet::program_hosts(&PathBuf::from(program), &sets));
            (hosts, facts)
        }
        (None, None) => return usage("give a program or --inventory FILE"),
    };
    if fact_words.is_empty() {
        return usage("name at least one fact (`os`, `file:/etc/hosts`, ...)");
    }
    let keys = match fact_words
        .iter()
        .map(|f| fact_key(f))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(keys) => keys,
        Err(message) => return usage(&message),
    };
    let hosts = match hosts.and_then(|hosts| fleet::limit_hosts(hosts, &args.limit)) {
        Ok(hosts) => hosts,
        Err(message) => return usage(&message),
    };
    let labels: Arc<[String]> = fact_words.iter().map(|f| f.trim().to_string()).collect();
    let keys: Arc<[FactKey]> = keys.into();
    let timeout = fleet::command_timeout(args.timeout);
    args.output.apply();
    let ssh = match args.ssh.defaults() {
        Ok(ssh) => ssh,
        Err(message) => return usage(&message),
    };
    let job = move |_host: Arc<HostValue>, conn: Arc<Connection>| {
        let keys = Arc::clone(&keys);
        async move {
            let read = FactRead::new(&keys);
            let opts = ExecOptions {
                timeout,
                ..ExecOptions::default()
            };
            let out = conn
                .exec(read.script(), opts)
                .await
                .map_err(|e| e.message)?;
            Ok(read.results(&out.stdout, &out.stderr))
        }
    };
    let mut results: Vec<HostFacts> = Vec::new();
    if let Err(message) = fleet::for_each_host(
        hosts,
        args.parallel.map(|n| n as usize),
        ssh,
        job,
        |host, result| results.push((host.name.clone(), result)),
    ) {
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

/// `NAME` or `NAME:ARGUMENT` (a leading `facts.` is allowed), checked
/// against the native readers.
fn fact_key(text: &str) -> Result<FactKey, String> {
    let text = text.trim();
    let text = text.strip_prefix("facts.").unwrap_or(text);
    // `has_line:/etc/hosts:127.0.0.1 localhost`: a fact of N arguments
    // takes N colon-separated ones, the last one whole.
    let key = match text.split_once(':') {
        Some((name, args)) => {
            let name = name.trim();
            let n = facts::arity(name).unwrap_or(1).max(1);
            FactKey {
                name: name.to_string(),
                args: args
                    .splitn(n, ':')
                    .map(|a| FactArg::Str(a.to_string()))
                    .collect(),
            }
        }
        None => FactKey {
            name: text.to_string(),
            args: Vec::new(),
        },
    };
    facts::plan(&key).map(|_| key)
}

type HostFacts = (String, Result<Vec<Result<Value, String>>, String>);

/// A block per host: `host:` then `  fact: value` lines.
fn print_human(labels: &[String], results: &[HostFacts]) {
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
fn print_json(labels: &[String], results: &[HostFacts]) {
    let mut hosts = serde_json::Map::new();
    for (host, result) in results {
        let entry = match result {
            Ok(values) => {
                let mut facts = serde_json::Map::new();
                let mut errors = serde_json::Map::new();
                for (label, value) in labels.iter().zip(values) {
                    match value {
                        Ok(value) => facts.insert(label.clone(), to_json(value)),
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

/// A fact value as JSON: records and maps as objects, enums as
/// `"Type.Variant"`, secrets as `"***"`.
fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::None => serde_json::Value::Null,
        Value::Bool(b) => json!(b),
        Value::Int(n) => json!(n),
        Value::Float(x) => json!(x),
        Value::Str(s) => json!(&**s),
        Value::Secret(_) => json!("***"),
        Value::Cmd(c) => json!(c.display),
        Value::List(items) => items.iter().map(to_json).collect(),
        Value::Map(m) | Value::Record(m) => m
            .iter()
            .map(|(k, v)| (k.to_string(), to_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        Value::Enum { ty, variant } => json!(format!("{ty}.{variant}")),
        // Hosts (by name), and whatever else has only a display form.
        other => json!(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fact_names_and_arguments() {
        let key = fact_key("file:/etc/hosts").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(key.name, "file");
        assert_eq!(key.args, vec![FactArg::Str("/etc/hosts".into())]);
        let key = fact_key("facts.command:echo a:b").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(key.args, vec![FactArg::Str("echo a:b".into())]);
        assert_eq!(fact_key("os").map(|k| k.name), Ok("os".to_string()));
    }

    #[test]
    fn unknown_facts_and_wrong_arity_are_errors() {
        let unknown = fact_key("nope").err().unwrap_or_default();
        assert!(unknown.contains("no native reader"), "{unknown}");
        let arity = fact_key("file").err().unwrap_or_default();
        assert!(arity.contains("expected 1 argument"), "{arity}");
    }

    #[test]
    fn values_as_json() {
        let record = Value::Record(Arc::new(
            [
                (Arc::from("mode"), Value::Int(0o644)),
                (
                    Arc::from("kind"),
                    Value::Enum {
                        ty: "FileKind".into(),
                        variant: "File".into(),
                    },
                ),
                (Arc::from("token"), Value::Secret("pw".into())),
            ]
            .into_iter()
            .collect(),
        ));
        assert_eq!(
            to_json(&record),
            json!({"mode": 420, "kind": "FileKind.File", "token": "***"})
        );
    }
}
