//! Checking many files on every core.
//!
//! Salsa queries may run on several clones of one database at once; their
//! results land in the shared storage. So a cold check warms the caches in
//! parallel — the parse and imports of each level of the module graph, then
//! the diagnostics of every file — and the sequential [`check_programs`]
//! that follows only collects memoized results (same output, same order).

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::db::{Database, Db, SourceFile};
use crate::{Diagnostic, check_programs, diagnostics, modules};

impl Database {
    /// [`check_programs`], computed on all available cores.
    pub fn check_programs_parallel(&self, roots: &[SourceFile]) -> Vec<Diagnostic> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        if threads > 1 {
            let files = self.discover_parallel(roots, threads);
            self.for_each_parallel(&files, threads, |db, file| {
                diagnostics(db, file);
            });
        }
        check_programs(self, roots)
    }

    /// Every module reachable from `roots`, breadth-first: the files of one
    /// level are parsed (and their `use`s resolved) in parallel.
    fn discover_parallel(&self, roots: &[SourceFile], threads: usize) -> Vec<SourceFile> {
        let mut seen = HashSet::new();
        let mut all = Vec::new();
        let mut level: Vec<SourceFile> = roots.to_vec();
        while !level.is_empty() {
            level.retain(|file| seen.insert(*file));
            self.for_each_parallel(&level, threads, |db, file| {
                modules::imports(db, file);
            });
            let next = level
                .iter()
                .flat_map(|file| {
                    modules::imports(self, *file)
                        .modules
                        .iter()
                        .map(|(_, m)| *m)
                })
                .collect();
            all.append(&mut level);
            level = next;
        }
        all
    }

    /// Runs `work` on every file, on up to `threads` clones of the database
    /// taking files from a shared counter (files differ a lot in size).
    fn for_each_parallel(
        &self,
        files: &[SourceFile],
        threads: usize,
        work: impl Fn(&dyn Db, SourceFile) + Sync,
    ) {
        if files.len() < 2 {
            files.iter().for_each(|file| work(self, *file));
            return;
        }
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..threads.min(files.len()) {
                let db = self.clone();
                let (next, work) = (&next, &work);
                scope.spawn(move || {
                    while let Some(file) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                        work(&db, *file);
                    }
                });
            }
        });
    }
}
