//! The per-host fact cache, with invalidation that follows dependencies: a
//! fact with a body depends on the facts its body read, and is dropped with
//! them (`facts.package(n)` goes when `facts.packages` goes).

use std::collections::HashMap;

use crate::request::{FactArg, FactKey};
use crate::value::Value;

#[derive(Debug, Default)]
pub struct FactCache {
    entries: HashMap<FactKey, Entry>,
    /// One list per fact body being computed: the facts it has read so far.
    collecting: Vec<Vec<FactKey>>,
}

#[derive(Debug)]
struct Entry {
    value: Value,
    deps: Vec<FactKey>,
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

impl FactCache {
    /// Looks `key` up and records it as a dependency of the fact bodies
    /// being computed.
    pub fn read(&mut self, key: &FactKey) -> Option<Value> {
        if let Some(deps) = self.collecting.last_mut() {
            deps.push(key.clone());
        }
        self.entries.get(key).map(|e| e.value.clone())
    }

    /// The cached value, without recording a dependency.
    pub fn get(&self, key: &FactKey) -> Option<Value> {
        self.entries.get(key).map(|e| e.value.clone())
    }

    pub fn contains(&self, key: &FactKey) -> bool {
        self.entries.contains_key(key)
    }

    /// Stores a fact read by the runtime.
    pub fn insert(&mut self, key: FactKey, value: Value) {
        self.entries.insert(
            key,
            Entry {
                value,
                deps: Vec::new(),
            },
        );
    }

    /// A fact body starts.
    pub fn begin_body(&mut self) {
        self.collecting.push(Vec::new());
    }

    /// The fact body begun last ended with `value`; cache it under `key`
    /// (when it has one) with what it read.
    pub fn end_body(&mut self, key: Option<FactKey>, value: Value) {
        let deps = self.collecting.pop().unwrap_or_default();
        if let Some(key) = key {
            self.entries.insert(key, Entry { value, deps });
        }
    }

    /// Forgets fact bodies in progress (after a failure).
    pub fn abandon_bodies(&mut self) {
        self.collecting.clear();
    }

    /// Drops `key` and every entry that depends on it, transitively.
    pub fn invalidate(&mut self, key: &FactKey) {
        self.entries.remove(key);
        self.drop_dependents(vec![key.clone()]);
    }

    /// Drops every entry of the fact `name` and their dependents.
    pub fn invalidate_fact(&mut self, name: &str) {
        let keys: Vec<FactKey> = self
            .entries
            .keys()
            .filter(|k| k.name == name)
            .cloned()
            .collect();
        for k in &keys {
            self.entries.remove(k);
        }
        self.drop_dependents(keys);
    }

    fn drop_dependents(&mut self, mut dropped: Vec<FactKey>) {
        while let Some(gone) = dropped.pop() {
            let dependents: Vec<FactKey> = self
                .entries
                .iter()
                .filter(|(_, e)| e.deps.contains(&gone))
                .map(|(k, _)| k.clone())
                .collect();
            for k in dependents {
                self.entries.remove(&k);
                dropped.push(k);
            }
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
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

    #[test]
    fn invalidation_follows_dependencies() {
        let mut cache = FactCache::default();
        cache.insert(k("packages", None), Value::Int(1));
        cache.insert(k("os", None), Value::Int(2));
        cache.begin_body();
        assert_eq!(cache.read(&k("packages", None)), Some(Value::Int(1)));
        cache.end_body(Some(k("package", Some("nginx"))), Value::Int(3));
        cache.begin_body();
        cache.read(&k("package", Some("nginx")));
        cache.end_body(Some(k("nginx_ok", None)), Value::Bool(true));

        cache.invalidate(&k("packages", None));
        assert!(!cache.contains(&k("package", Some("nginx"))));
        assert!(!cache.contains(&k("nginx_ok", None)));
        assert!(cache.contains(&k("os", None)));
    }
}
