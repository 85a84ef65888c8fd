//! Which hosts a run touches (`--limit`), how many run at once and how a
//! stage's hosts are cut into `serial` batches.

use std::sync::Arc;

use infrac_bytecode::Serial;
use tokio::sync::Semaphore;

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
        let patterns = patterns
            .iter()
            .flat_map(|p| p.split(','))
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        Limit { patterns }
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
