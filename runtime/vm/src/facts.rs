//! The per-host fact cache, with invalidation that follows dependencies: a
//! fact with a body depends on the facts its body read, and is dropped with
//! them (`facts.package(n)` goes when `facts.packages` goes).
//!
//! Entries are keyed by the fact *and the user it was read as*
//! ([`FactQuery`]): a file only root can read is absent for the login user.
//! Invalidation by key or by name drops the entries of every user.

use std::collections::HashMap;

use crate::request::{FactArg, FactKey, FactQuery, Sudo};
use crate::value::Value;

#[derive(Debug, Default, Clone)]
pub struct FactCache {
    entries: HashMap<FactQuery, Entry>,
    /// One list per fact body being computed: the facts it has read so far.
    collecting: Vec<Vec<FactQuery>>,
    /// Native facts dropped by an invalidation, with their last value and
    /// the moment they were dropped (see [`FactCache::stale`]).
    stale: HashMap<FactQuery, (Value, u64)>,
    /// The moment now: the owner counts its requests with it.
    now: u64,
    /// The moment recorded with values dropped from now on (see
    /// [`FactCache::dropping_since`]).
    drop_at: u64,
}

#[derive(Debug, Clone)]
struct Entry {
    value: Value,
    deps: Vec<FactQuery>,
    /// Read from the host (not computed by a fact body).
    native: bool,
}

/// The cache key of a fact read, or `None` when an argument is not a str,
/// int or bool (such reads are not cached).
pub fn key(name: &str, args: &[Value]) -> Option<FactKey> {
    let args = args
        .iter()
        .map(|a| match a {
            Value::Str(s) => Some(FactArg::Str(s.to_string())),
            Value::Int(n) => Some(FactArg::Int(*n)),
            Value::Bool(b) => Some(FactArg::Bool(*b)),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some(FactKey {
        name: name.to_string(),
        args,
    })
}

/// The query for reading `key` under the sudo context `sudo`. `sudo_user:
/// "root"` is plain sudo: both share one cache entry.
pub fn query(key: FactKey, sudo: Option<Sudo>) -> FactQuery {
    let sudo = sudo.map(|s| Sudo {
        user: s.user.filter(|u| u != "root"),
    });
    FactQuery { key, sudo }
}

impl FactCache {
    /// Looks `key` up and records it as a dependency of the fact bodies
    /// being computed.
    pub fn read(&mut self, key: &FactQuery) -> Option<Value> {
        if let Some(deps) = self.collecting.last_mut() {
            deps.push(key.clone());
        }
        self.entries.get(key).map(|e| e.value.clone())
    }

    /// The cached value, without recording a dependency.
    pub fn get(&self, key: &FactQuery) -> Option<Value> {
        self.entries.get(key).map(|e| e.value.clone())
    }

    pub fn contains(&self, key: &FactQuery) -> bool {
        self.entries.contains_key(key)
    }

    /// Stores a fact read by the runtime.
    pub fn insert(&mut self, key: FactQuery, value: Value) {
        self.stale.remove(&key);
        self.entries.insert(
            key,
            Entry {
                value,
                deps: Vec::new(),
                native: true,
            },
        );
    }

    /// The next moment: the owner sent a request to the host (see
    /// [`FactCache::stale`]).
    pub fn tick(&mut self) {
        self.now += 1;
    }

    /// Values dropped from now on may have been changed by commands sent
    /// since `moment` (the start of the op call that drops them).
    pub fn dropping_since(&mut self, moment: u64) {
        self.drop_at = moment;
    }

    /// The moment now (to carry it over to an older copy of the cache).
    pub fn moment(&self) -> u64 {
        self.now
    }

    pub fn set_moment(&mut self, now: u64) {
        self.now = now;
    }

    /// The last value of a native fact that an invalidation dropped, when
    /// no request was sent since the start of the op call that dropped it
    /// (so the commands that may have changed it have not run yet), and
    /// that was not read again since.
    pub fn stale(&self, key: &FactQuery) -> Option<&Value> {
        self.stale
            .get(key)
            .filter(|(_, at)| *at == self.now)
            .map(|(v, _)| v)
    }

    /// A fact body starts.
    pub fn begin_body(&mut self) {
        self.collecting.push(Vec::new());
    }

    /// The fact body begun last ended with `value`; cache it under `key`
    /// (when it has one) with what it read.
    pub fn end_body(&mut self, key: Option<FactQuery>, value: Value) {
        let deps = self.collecting.pop().unwrap_or_default();
        if let Some(key) = key {
            let native = false;
            self.entries.insert(
                key,
                Entry {
                    value,
                    deps,
                    native,
                },
            );
        }
    }

    /// Forgets fact bodies in progress (after a failure).
    pub fn abandon_bodies(&mut self) {
        self.collecting.clear();
    }

    /// Drops `key`, as read by every user, and every entry that depends on
    /// it, transitively.
    pub fn invalidate(&mut self, key: &FactKey) {
        self.drop_where(|q| &q.key == key);
    }

    /// Drops every entry of the fact `name` and their dependents.
    pub fn invalidate_fact(&mut self, name: &str) {
        self.drop_where(|q| q.key.name == name);
    }

    fn drop_where(&mut self, matches: impl Fn(&FactQuery) -> bool) {
        let keys: Vec<FactQuery> = self
            .entries
            .keys()
            .filter(|q| matches(q))
            .cloned()
            .collect();
        for k in &keys {
            self.remove(k);
        }
        self.drop_dependents(keys);
        // Already dropped: the earliest op call that may have changed them counts.
        let drop_at = self.drop_at;
        for (k, (_, at)) in self.stale.iter_mut() {
            if matches(k) {
                *at = (*at).min(drop_at);
            }
        }
    }

    fn drop_dependents(&mut self, mut dropped: Vec<FactQuery>) {
        while let Some(gone) = dropped.pop() {
            let dependents: Vec<FactQuery> = self
                .entries
                .iter()
                .filter(|(_, e)| e.deps.contains(&gone))
                .map(|(k, _)| k.clone())
                .collect();
            for k in dependents {
                self.remove(&k);
                dropped.push(k);
            }
        }
    }

    pub fn clear(&mut self) {
        self.drop_where(|_| true);
    }

    /// Drops an entry, keeping a native fact's value as stale.
    fn remove(&mut self, key: &FactQuery) {
        if let Some(entry) = self.entries.remove(key)
            && entry.native
        {
            self.stale.insert(key.clone(), (entry.value, self.drop_at));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(name: &str, arg: Option<&str>) -> FactKey {
        FactKey {
            name: name.into(),
            args: arg.map(|a| FactArg::Str(a.into())).into_iter().collect(),
        }
    }

    /// `k` read as the login user.
    fn login(name: &str, arg: Option<&str>) -> FactQuery {
        query(k(name, arg), None)
    }

    fn as_user(name: &str, arg: Option<&str>, user: Option<&str>) -> FactQuery {
        let sudo = Sudo {
            user: user.map(str::to_string),
        };
        query(k(name, arg), Some(sudo))
    }

    #[test]
    fn invalidation_follows_dependencies() {
        let mut cache = FactCache::default();
        cache.insert(login("packages", None), Value::Int(1));
        cache.insert(login("os", None), Value::Int(2));
        cache.begin_body();
        assert_eq!(cache.read(&login("packages", None)), Some(Value::Int(1)));
        cache.end_body(Some(login("package", Some("nginx"))), Value::Int(3));
        cache.begin_body();
        cache.read(&login("package", Some("nginx")));
        cache.end_body(Some(login("nginx_ok", None)), Value::Bool(true));

        cache.invalidate(&k("packages", None));
        assert!(!cache.contains(&login("package", Some("nginx"))));
        assert!(!cache.contains(&login("nginx_ok", None)));
        assert!(cache.contains(&login("os", None)));
    }

    #[test]
    fn entries_are_per_user() {
        let mut cache = FactCache::default();
        let file = Some("/etc/app.env");
        cache.insert(login("file", file), Value::None);
        assert_eq!(cache.get(&as_user("file", file, None)), None);
        cache.insert(as_user("file", file, None), Value::Int(600));
        assert_eq!(cache.get(&login("file", file)), Some(Value::None));
        assert_eq!(
            cache.get(&as_user("file", file, None)),
            Some(Value::Int(600))
        );
        assert!(!cache.contains(&as_user("file", file, Some("app"))));
    }

    #[test]
    fn sudo_user_root_is_plain_sudo() {
        assert_eq!(as_user("os", None, Some("root")), as_user("os", None, None));
        assert_ne!(as_user("os", None, Some("app")), login("os", None));
    }

    #[test]
    fn invalidation_drops_every_user() {
        let mut cache = FactCache::default();
        let file = Some("/etc/app.env");
        cache.insert(login("file", file), Value::None);
        cache.insert(as_user("file", file, None), Value::Int(1));
        cache.insert(as_user("file", file, Some("app")), Value::Int(2));
        cache.insert(as_user("file", Some("/other"), None), Value::Int(3));
        // A body read as root depends on the root entry only.
        cache.begin_body();
        cache.read(&as_user("file", file, None));
        cache.end_body(Some(as_user("conf_ok", None, None)), Value::Bool(true));

        cache.invalidate(&k("file", file));
        assert!(!cache.contains(&login("file", file)));
        assert!(!cache.contains(&as_user("file", file, None)));
        assert!(!cache.contains(&as_user("file", file, Some("app"))));
        assert!(!cache.contains(&as_user("conf_ok", None, None)));
        assert!(cache.contains(&as_user("file", Some("/other"), None)));

        cache.insert(login("users", None), Value::Int(4));
        cache.insert(as_user("users", None, Some("app")), Value::Int(5));
        cache.invalidate_fact("users");
        assert!(!cache.contains(&login("users", None)));
        assert!(!cache.contains(&as_user("users", None, Some("app"))));
        assert!(cache.contains(&as_user("file", Some("/other"), None)));
    }
}
