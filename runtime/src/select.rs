//! Which hosts a run touches (`--limit`), which stages run (`--stage`,
//! `--tags`, `--skip-tags`), how many hosts run at once and how a stage's
//! hosts are cut into `serial` batches.

use std::sync::Arc;

use infrac_bytecode::{Instr, Program, Serial, StageDef, suggest};
use tokio::sync::Semaphore;

/// The words of repeated or comma-separated flags (`--limit a,b --limit c`).
fn words(given: &[String]) -> Vec<String> {
    given
        .iter()
        .flat_map(|p| p.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// `--stage NAME`, `--tags TAG`, `--skip-tags TAG` as given. A stage runs
/// when it is named or has one of the tags (every stage when neither flag
/// is given), unless it has one of the skipped tags.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StageFilter {
    stages: Vec<String>,
    tags: Vec<String>,
    skip_tags: Vec<String>,
}

/// The stages that run, by index in `Program::stages` (`None`: all).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selected(Option<Vec<bool>>);

impl Selected {
    pub fn runs(&self, stage: usize) -> bool {
        self.0
            .as_ref()
            .is_none_or(|s| s.get(stage).copied().unwrap_or(false))
    }

    /// The names of the stages that run, when not all do.
    pub fn names(&self, program: &Program) -> Vec<String> {
        match &self.0 {
            None => Vec::new(),
            Some(_) => program
                .stages
                .iter()
                .enumerate()
                .filter(|(i, _)| self.runs(*i))
                .map(|(_, s)| s.name.clone())
                .collect(),
        }
    }
}

impl StageFilter {
    /// Each flag repeatable or comma-separated.
    pub fn new(stages: &[String], tags: &[String], skip_tags: &[String]) -> StageFilter {
        StageFilter {
            stages: words(stages),
            tags: words(tags),
            skip_tags: words(skip_tags),
        }
    }

    /// The stages of `program` that run. An unknown stage or tag is an
    /// error (with a suggestion), and so is a stage that runs and reads the
    /// value of one that does not.
    pub fn select(&self, program: &Program) -> Result<Selected, String> {
        if self.stages.is_empty() && self.tags.is_empty() && self.skip_tags.is_empty() {
            return Ok(Selected(None));
        }
        let stages: Vec<&str> = program.stages.iter().map(|s| s.name.as_str()).collect();
        for name in &self.stages {
            known("--stage", name, "no such stage", "stages", &stages)?;
        }
        let mut tags: Vec<&str> = program
            .stages
            .iter()
            .flat_map(|s| s.options.tags.iter().map(String::as_str))
            .collect();
        tags.sort_unstable();
        tags.dedup();
        for (flag, given) in [("--tags", &self.tags), ("--skip-tags", &self.skip_tags)] {
            for tag in given {
                known(flag, tag, "no stage has this tag", "tags", &tags)?;
            }
        }
        let has = |s: &StageDef, tags: &[String]| s.options.tags.iter().any(|t| tags.contains(t));
        let picked = self.stages.is_empty() && self.tags.is_empty();
        let runs: Vec<bool> = program
            .stages
            .iter()
            .map(|s| {
                (picked || self.stages.contains(&s.name) || has(s, &self.tags))
                    && !has(s, &self.skip_tags)
            })
            .collect();
        for (index, stage) in program.stages.iter().enumerate() {
            if !runs.get(index).copied().unwrap_or(false) {
                continue;
            }
            let left_out = reads(program, stage)
                .find(|read| !runs.get(*read as usize).copied().unwrap_or(false))
                .and_then(|read| program.stages.get(read as usize));
            if let Some(read) = left_out {
                return Err(format!(
                    "stage `{}` reads the value of stage `{}`, which would not run: select it too (--stage {}) or leave `{}` out",
                    stage.name, read.name, read.name, stage.name
                ));
            }
        }
        Ok(Selected(Some(runs)))
    }
}

/// An error unless `name` is one of `known`.
fn known(flag: &str, name: &str, missing: &str, what: &str, known: &[&str]) -> Result<(), String> {
    if known.contains(&name) {
        return Ok(());
    }
    let listed = match known {
        [] => "there are none".to_string(),
        _ => format!("{what}: {}", known.join(", ")),
    };
    let help = suggest::did_you_mean(name, known.iter().copied())
        .map(|h| format!("; {h}"))
        .unwrap_or_default();
    Err(format!("{flag} {name}: {missing} ({listed}){help}"))
}

/// The stages whose values the body of `stage` reads (they ran before it).
fn reads<'p>(program: &'p Program, stage: &StageDef) -> impl Iterator<Item = u32> + 'p {
    let code = program
        .functions
        .get(stage.body as usize)
        .map_or(&[][..], |f| f.code.as_slice());
    code.iter().filter_map(|i| match i {
        Instr::LoadStage(read) => Some(*read),
        _ => None,
    })
}

/// `--limit PATTERN`: a host is kept when the pattern matches its name or
/// the name of a group it belongs to. `*` matches any run of characters,
/// `?` one character; without them the pattern must match exactly.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Limit {
    patterns: Vec<String>,
}

impl Limit {
    /// Several patterns may be given (repeated `--limit`, or comma-separated).
    pub fn new(patterns: &[String]) -> Limit {
        Limit {
            patterns: words(patterns),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether the host `name`, member of `groups`, is in the run.
    pub fn allows(&self, name: &str, groups: &[&str]) -> bool {
        self.is_empty()
            || self
                .patterns
                .iter()
                .any(|p| glob(p, name) || groups.iter().any(|g| glob(p, g)))
    }

    /// Patterns that matched nothing.
    fn unmatched<'a>(&'a self, names: &[&str]) -> Vec<&'a str> {
        self.patterns
            .iter()
            .filter(|p| !names.iter().any(|n| glob(p, n)))
            .map(String::as_str)
            .collect()
    }

    /// The rule of `--limit`: every pattern matches one of `names` (the
    /// hosts' and the groups' names); else the error to report.
    pub fn check(&self, names: &[&str]) -> Result<(), String> {
        match self.unmatched(names).as_slice() {
            [] => Ok(()),
            unmatched => Err(format!(
                "--limit {} matches no host or group",
                unmatched.join(", ")
            )),
        }
    }
}

/// Shell-style `*` / `?` matching over characters.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Classic two-pointer matching with backtracking to the last `*`.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|&c| c == '*')
}

/// The open-files limit after raising it (see `infrac_connect::limits`):
/// how many hosts it lets be connected at once, and the limit.
pub(crate) fn open_files() -> Option<(usize, u64)> {
    infrac_connect::limits::raise_open_files_limit()
        .map(|limit| (infrac_connect::limits::hosts_within(limit), limit))
}

/// At most `parallel` hosts at once (none: all), lowered to what the
/// open-files limit allows when `hosts` need more; with the notice to give
/// when it was lowered.
pub(crate) fn within_open_files(
    parallel: Option<usize>,
    hosts: usize,
    open_files: Option<(usize, u64)>,
) -> (Option<usize>, Option<String>) {
    match open_files {
        Some((cap, limit)) if hosts > cap && parallel.is_none_or(|p| p > cap) => (
            Some(cap),
            Some(format!(
                "the open-files limit ({limit}) lets {cap} hosts be connected at once: the others start as these finish (raise the hard limit, `ulimit -Hn`, for more)"
            )),
        ),
        _ => (parallel, None),
    }
}

/// The permits of hosts running at once: `parallel` of them (at least
/// one), or as many as there are hosts when `None`.
pub(crate) fn host_permits(parallel: Option<usize>) -> Arc<Semaphore> {
    let permits = parallel
        .unwrap_or(Semaphore::MAX_PERMITS)
        .clamp(1, Semaphore::MAX_PERMITS);
    Arc::new(Semaphore::new(permits))
}

/// The sizes of a stage's batches over `hosts` hosts: one batch of all of
/// them without `serial`; `serial: "30%"` rounds up and is at least 1.
pub fn batch_size(serial: Option<Serial>, hosts: usize) -> usize {
    let size = match serial {
        None => hosts,
        Some(Serial::Count(n)) => n as usize,
        Some(Serial::Percent(p)) => (hosts * p as usize).div_ceil(100),
    };
    size.clamp(1, hosts.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("web-*", "web-1"));
        assert!(glob("*", ""));
        assert!(glob("w?b-*1", "web-11"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxbyy"));
        assert!(!glob("web", "web-1"));
        assert!(glob("web", "web"));
    }

    #[test]
    fn limit_by_name_group_or_glob() {
        let limit = Limit::new(&["db-*,web".to_string()]);
        assert!(limit.allows("db-2", &["db"]));
        assert!(limit.allows("host-9", &["web"]));
        assert!(!limit.allows("host-9", &["control"]));
        assert!(Limit::new(&[]).allows("anything", &[]));
        assert_eq!(limit.unmatched(&["db-1", "control"]), vec!["web"]);
        assert_eq!(
            limit.check(&["db-1", "control"]),
            Err("--limit web matches no host or group".to_string())
        );
        assert_eq!(limit.check(&["db-1", "web"]), Ok(()));
    }

    #[test]
    fn serial_batches() {
        assert_eq!(batch_size(None, 5), 5);
        assert_eq!(batch_size(Some(Serial::Count(2)), 5), 2);
        assert_eq!(batch_size(Some(Serial::Count(9)), 5), 5);
        assert_eq!(batch_size(Some(Serial::Percent(30)), 10), 3);
        assert_eq!(batch_size(Some(Serial::Percent(30)), 4), 2);
        assert_eq!(batch_size(Some(Serial::Percent(1)), 4), 1);
        assert_eq!(batch_size(Some(Serial::Count(0)), 4), 1);
        assert_eq!(batch_size(None, 0), 1);
    }
}
