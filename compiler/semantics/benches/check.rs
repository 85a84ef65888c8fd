//! Benchmark of checking (run by hand; see docs/benchmarks.md):
//!
//!     python3 benches/check_gen.py /tmp/infra-bench
//!     cargo bench -p infrac-compiler --bench check -- /tmp/infra-bench
//!
//! Measures a cold check of `site.infra` and the modules it uses (a fresh
//! database each time, files read from disk), then the re-check after a
//! one-line edit inside one stage body of `site.infra`, through the same
//! database.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use infrac_compiler::{Database, Db, OsFileLoader, Semantics, check_program};

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map_or_else(|| PathBuf::from("/tmp/infra-bench"), PathBuf::from);
    let site = dir.join("site.infra");
    let Ok(text) = std::fs::read_to_string(&site) else {
        eprintln!(
            "cannot read {}: generate it with benches/check_gen.py",
            site.display()
        );
        std::process::exit(2);
    };

    let mut cold = Vec::new();
    let mut lines = 0;
    for _ in 0..5 {
        let db = Database::new(Arc::new(OsFileLoader));
        let started = Instant::now();
        let root = db.file(&site);
        let diags = check_program(&db, root);
        cold.push(started.elapsed());
        assert!(
            diags.is_empty(),
            "the generated program should check: {:?}",
            diags.first()
        );
        lines = Semantics::new(&db)
            .user_modules(&[root])
            .iter()
            .map(|f| f.text(&db).as_deref().map_or(0, |t| t.lines().count()))
            .sum::<usize>();
    }
    let best = cold.iter().min().copied().unwrap_or_default();
    let texts: Vec<String> = {
        let db = Database::new(Arc::new(OsFileLoader));
        let root = db.file(&site);
        check_program(&db, root);
        Semantics::new(&db)
            .user_modules(&[root])
            .iter()
            .filter_map(|f| f.text(&db).clone())
            .collect()
    };
    let started = Instant::now();
    for text in &texts {
        std::hint::black_box(infrac_syntax::parse(text));
    }
    let parsing = started.elapsed();
    println!(
        "cold check: {lines} lines, best {:.1} ms of {} runs = {:.0} lines/s (median {:.1} ms)",
        ms(best),
        cold.len(),
        lines as f64 / best.as_secs_f64(),
        ms(median(&mut cold))
    );
    println!("  of which parsing alone: {:.1} ms", ms(parsing));

    let mut db = Database::new(Arc::new(OsFileLoader));
    let root = db.set_file_text(&site, text.clone());
    check_program(&db, root);
    let needle = "\"/srv/0/0\"";
    let mut edits = Vec::new();
    for i in 0..50 {
        // The one-line edit changes the stage body's length every time.
        let edited = text.replacen(needle, &format!("\"/srv/0/0-{}\"", "x".repeat(i + 1)), 1);
        db.set_file_text(&site, edited);
        let started = Instant::now();
        let diags = check_program(&db, root);
        edits.push(started.elapsed());
        assert!(diags.is_empty(), "{:?}", diags.first());
    }
    println!(
        "re-check after a one-line edit in one stage: median {:.2} ms, max {:.2} ms ({} edits)",
        ms(median(&mut edits)),
        ms(edits.iter().max().copied().unwrap_or_default()),
        edits.len()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(xs: &mut [Duration]) -> Duration {
    xs.sort();
    xs.get(xs.len() / 2).copied().unwrap_or_default()
}
