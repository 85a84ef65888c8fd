//! Native fact readers: for every bodyless `fact` of stdlib/facts.infra, a
//! shell snippet and a typed parser of its output. [`batch`] runs many of
//! them in one round trip.

pub mod batch;
mod key;
mod parse;

mod account;
mod command;
mod crontab;
mod env;
mod file;
mod git;
mod lines;
mod machine;
mod network;
mod packages;
mod service;
mod system;

pub use key::parse_key;
pub use parse::Section;

use infrac_vm::request::{FactArg, FactKey};
use infrac_vm::value::Value;

/// One native fact: its name in `facts.NAME`, its (string) parameters, the
/// snippet that reads it and the parser of the snippet's output.
struct NativeFact {
    name: &'static str,
    arity: usize,
    script: fn(&[&str]) -> String,
    parse: fn(&Section) -> parse::ParseResult,
}

const NATIVE: &[NativeFact] = &[
    NativeFact {
        name: "os",
        arity: 0,
        script: system::os_script,
        parse: system::parse_os,
    },
    NativeFact {
        name: "hostname",
        arity: 0,
        script: system::hostname_script,
        parse: system::parse_line,
    },
    NativeFact {
        name: "arch",
        arity: 0,
        script: system::arch_script,
        parse: system::parse_line,
    },
    NativeFact {
        name: "kernel",
        arity: 0,
        script: system::kernel_script,
        parse: system::parse_line,
    },
    NativeFact {
        name: "cpus",
        arity: 0,
        script: machine::cpus_script,
        parse: machine::parse_cpus,
    },
    NativeFact {
        name: "memory",
        arity: 0,
        script: machine::memory_script,
        parse: machine::parse_memory,
    },
    NativeFact {
        name: "timezone",
        arity: 0,
        script: machine::timezone_script,
        parse: machine::parse_timezone,
    },
    NativeFact {
        name: "locales",
        arity: 0,
        script: machine::locales_script,
        parse: machine::parse_locales,
    },
    NativeFact {
        name: "mounts",
        arity: 0,
        script: machine::mounts_script,
        parse: machine::parse_mounts,
    },
    NativeFact {
        name: "network",
        arity: 0,
        script: network::script,
        parse: network::parse,
    },
    NativeFact {
        name: "file",
        arity: 1,
        script: file::file_script,
        parse: file::parse_file,
    },
    NativeFact {
        name: "dir",
        arity: 1,
        script: file::dir_script,
        parse: file::parse_dir,
    },
    NativeFact {
        name: "has_line",
        arity: 2,
        script: lines::has_line_script,
        parse: lines::parse,
    },
    NativeFact {
        name: "has_line_matching",
        arity: 2,
        script: lines::has_line_matching_script,
        parse: lines::parse,
    },
    NativeFact {
        name: "packages",
        arity: 0,
        script: packages::script,
        parse: packages::parse,
    },
    NativeFact {
        name: "service",
        arity: 1,
        script: service::script,
        parse: service::parse,
    },
    NativeFact {
        name: "user",
        arity: 1,
        script: account::user_script,
        parse: account::parse_user,
    },
    NativeFact {
        name: "group",
        arity: 1,
        script: account::group_script,
        parse: account::parse_group,
    },
    NativeFact {
        name: "env",
        arity: 1,
        script: env::env_script,
        parse: env::parse_env,
    },
    NativeFact {
        name: "which",
        arity: 1,
        script: env::which_script,
        parse: env::parse_which,
    },
    NativeFact {
        name: "crontab",
        arity: 1,
        script: crontab::script,
        parse: crontab::parse,
    },
    NativeFact {
        name: "git",
        arity: 1,
        script: git::script,
        parse: git::parse,
    },
    NativeFact {
        name: "command",
        arity: 1,
        script: command::script,
        parse: command::parse,
    },
];

/// A fact ready to run: the shell snippet and how to read its output.
pub struct PlannedFact {
    /// `facts.file("/etc/hosts")`: names the fact in errors.
    pub label: String,
    pub script: String,
    parse: fn(&Section) -> parse::ParseResult,
}

impl PlannedFact {
    /// The typed value, or an error that names the fact.
    pub fn parse(&self, section: &Section) -> Result<Value, String> {
        (self.parse)(section).map_err(|e| format!("{}: {e}", self.label))
    }
}

/// How many arguments the native fact `name` takes; `None` for a fact
/// without a native reader.
pub fn arity(name: &str) -> Option<usize> {
    NATIVE.iter().find(|f| f.name == name).map(|f| f.arity)
}

/// Finds the reader of `key` and builds its snippet.
pub fn plan(key: &FactKey) -> Result<PlannedFact, String> {
    let label = key.label();
    let Some(fact) = NATIVE.iter().find(|f| f.name == key.name) else {
        let names: Vec<&str> = NATIVE.iter().map(|f| f.name).collect();
        return Err(format!(
            "{label}: no native reader for facts.{} (facts written in .infra, like \
             facts.systemd, are read by programs); native facts: {}",
            key.name,
            names.join(", ")
        ));
    };
    if key.args.len() != fact.arity {
        return Err(format!(
            "{label}: expected {} argument(s), got {}",
            fact.arity,
            key.args.len()
        ));
    }
    let mut args = Vec::with_capacity(key.args.len());
    for arg in &key.args {
        match arg {
            FactArg::Str(s) => args.push(s.as_str()),
            other => {
                return Err(format!(
                    "{label}: expected a string argument, got {other:?}"
                ));
            }
        }
    }
    Ok(PlannedFact {
        script: (fact.script)(&args),
        parse: fact.parse,
        label,
    })
}

/// A `Request::ReadFacts`: the facts' snippets joined into one batch
/// script, and how to turn the batch's output into one result per fact.
pub struct FactRead {
    planned: Vec<Result<PlannedFact, String>>,
    batch: batch::Batch,
}

impl FactRead {
    pub fn new(keys: &[FactKey]) -> FactRead {
        let planned: Vec<_> = keys.iter().map(plan).collect();
        let snippets: Vec<&str> = planned
            .iter()
            .filter_map(|p| p.as_ref().ok())
            .map(|p| p.script.as_str())
            .collect();
        FactRead {
            batch: batch::Batch::new(&snippets),
            planned,
        }
    }

    /// The one script to run on the host.
    pub fn script(&self) -> &str {
        &self.batch.script
    }

    /// One result per requested fact, in order.
    pub fn results(&self, stdout: &str, stderr: &str) -> Vec<Result<Value, String>> {
        let mut sections = self.batch.split(stdout, stderr).into_iter();
        self.planned
            .iter()
            .map(|planned| {
                let planned = planned.as_ref().map_err(Clone::clone)?;
                let section = sections.next().unwrap_or_else(|| Err("no output".into()));
                planned.parse(&section.map_err(|e| format!("{}: {e}", planned.label))?)
            })
            .collect()
    }

    /// Every fact failed the same way (the host could not be reached).
    pub fn failed(&self, error: &str) -> Vec<Result<Value, String>> {
        self.planned
            .iter()
            .map(|p| match p {
                Ok(p) => Err(format!("{}: {error}", p.label)),
                Err(e) => Err(e.clone()),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, args: &[&str]) -> FactKey {
        FactKey {
            name: name.into(),
            args: args.iter().map(|a| FactArg::Str(a.to_string())).collect(),
        }
    }

    #[test]
    fn every_fact_of_the_stdlib_has_a_reader() {
        let source = include_str!("../../../stdlib/facts.infra");
        let bodyless: Vec<&str> = source
            .lines()
            .filter_map(|l| l.strip_prefix("pub fact "))
            .filter(|l| !l.trim_end().ends_with('{'))
            .map(|l| l.split([':', '(']).next().unwrap_or_default())
            .collect();
        assert!(bodyless.len() >= 14, "{bodyless:?}");
        for name in bodyless {
            assert!(
                NATIVE.iter().any(|f| f.name == name),
                "no reader for facts.{name}"
            );
        }
    }

    #[test]
    fn plan_checks_name_and_arguments() {
        assert!(plan(&key("file", &["/etc"])).is_ok());
        let unknown = plan(&key("nope", &[])).err().unwrap_or_default();
        assert!(
            unknown.starts_with("facts.nope: no native reader for facts.nope")
                && unknown.contains("native facts: os, hostname,"),
            "{unknown}"
        );
        assert_eq!(
            plan(&key("file", &[])).err(),
            Some("facts.file: expected 1 argument(s), got 0".into())
        );
        let int_arg = FactKey {
            name: "user".into(),
            args: vec![FactArg::Int(3)],
        };
        assert!(plan(&int_arg).is_err());
    }

    #[test]
    fn parse_errors_name_the_fact() {
        let Ok(planned) = plan(&key("file", &["/x"])) else {
            panic!("no reader for facts.file")
        };
        let bad = Section {
            code: 0,
            stdout: "zz 1\nu\ng\n".into(),
            stderr: String::new(),
        };
        assert_eq!(
            planned.parse(&bad).err(),
            Some("facts.file(\"/x\"): the raw mode is not hexadecimal: \"zz\" (offending line: \"zz 1\")".into())
        );
    }
}

/// Every reader against this machine, through one real batch (`sh -c`).
#[cfg(test)]
mod local_tests;

/// Garbage output never panics a parser: it is a value or an error.
#[cfg(test)]
mod garbage_tests {
    use super::*;
    use proptest::prelude::*;

    fn output() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "\n",
            ":",
            "\t",
            " ",
            "\0",
            "=",
            "-",
            "dir\n",
            "81a4 ",
            "41ed 4096\n",
            "root",
            "0",
            "12",
            "x:x:0:0:",
            "LoadState=",
            "not-found",
            "ii ",
            "\u{ffff}",
            "é",
            "--infrac-env-value--\n",
            "MemTotal: ",
            " kB\n",
            "\\040",
            "\\",
            "checkout\n",
            "none\n",
            "dirty",
            "0123456789abcdef0123456789abcdef01234567",
            "VERSION_ID=",
            "ID_LIKE=",
            "default via ",
            "--infrac-routes--\n",
            " dev ",
            "inet ",
            "/24",
        ]);
        prop::collection::vec(pieces, 0..40).prop_map(|p| p.concat())
    }

    proptest! {
        #[test]
        fn parsers_never_panic(code in -2i32..130, stdout in output(), stderr in output()) {
            let section = Section { code, stdout, stderr };
            for fact in NATIVE {
                let _ = (fact.parse)(&section);
            }
        }
    }
}
