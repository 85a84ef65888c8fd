//! Running a computation on a database snapshot, off the async runtime,
//! with salsa cancellation retried and panics contained.
//!
//! An edit (`&mut db`) cancels every query running on a snapshot; the
//! query unwinds with a `salsa::Cancelled` payload. That is not an error:
//! the computation is run again on a fresh snapshot. A real panic (a bug)
//! is caught, reported to the caller as [`Failure::Panicked`] and logged;
//! the server stays up.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// How many fresh snapshots a computation gets before we give up and tell
/// the client the content was modified.
const MAX_ATTEMPTS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Cancelled by edits on every attempt.
    Cancelled,
    /// The computation panicked; the message of the panic.
    Panicked(String),
}

/// Runs `compute(take_snapshot())` on a blocking thread until it completes
/// without being cancelled. `take_snapshot` is called on the async side for
/// each attempt; it returns `None` when the input is gone (document closed).
pub async fn run<S, T>(
    mut take_snapshot: impl FnMut() -> Option<S>,
    compute: impl Fn(&S) -> T + Send + Sync + Clone + 'static,
) -> Result<Option<T>, Failure>
where
    S: Send + 'static,
    T: Send + 'static,
{
    for _ in 0..MAX_ATTEMPTS {
        let Some(snapshot) = take_snapshot() else {
            return Ok(None);
        };
        let compute = compute.clone();
        // The snapshot is moved into the blocking task and dropped there, so
        // that no async task ever holds a database clone (a write waits for
        // every clone to be dropped).
        let joined = tokio::task::spawn_blocking(move || {
            catch_unwind(AssertUnwindSafe(|| compute(&snapshot)))
        })
        .await;
        match joined {
            Ok(Ok(value)) => return Ok(Some(value)),
            Ok(Err(payload)) if payload.is::<salsa::Cancelled>() => tokio::task::yield_now().await,
            Ok(Err(payload)) => return Err(Failure::Panicked(panic_message(payload.as_ref()))),
            Err(join_error) => return Err(Failure::Panicked(join_error.to_string())),
        }
    }
    Err(Failure::Cancelled)
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cancelled_computation_is_retried() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let result = run(
            || Some(()),
            move |_: &()| {
                if counter.fetch_add(1, Ordering::SeqCst) < 2 {
                    std::panic::resume_unwind(Box::new(salsa::Cancelled::PendingWrite));
                }
                42
            },
        )
        .await;
        assert_eq!(result, Ok(Some(42)));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    /// With the real database: a write during a computation cancels it;
    /// it runs again on the new revision and sees the new text.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_cancels_and_the_computation_reruns_on_the_new_revision() {
        use std::path::Path;
        use std::sync::Mutex;
        use std::sync::atomic::AtomicBool;

        use infrac_compiler::{Database, MemoryFileLoader};
        use salsa::Database as _;

        let mut db = Database::new(Arc::new(MemoryFileLoader::default()));
        let file = db.set_file_text(Path::new("a.infra"), "v1".into());
        let db = Arc::new(Mutex::new(db));
        let spinning = Arc::new(AtomicBool::new(false));
        let flag = spinning.clone();
        let shared = db.clone();
        let task = tokio::spawn(async move {
            run(
                move || shared.lock().ok().map(|db| db.clone()),
                move |snap: &Database| {
                    let text = file.text(snap).clone().unwrap_or_default();
                    if text == "v1" {
                        // A long computation on the old text: it ends only
                        // by cancellation.
                        flag.store(true, Ordering::SeqCst);
                        loop {
                            snap.unwind_if_revision_cancelled();
                            std::thread::yield_now();
                        }
                    }
                    text
                },
            )
            .await
        });
        while !spinning.load(Ordering::SeqCst) {
            tokio::task::yield_now().await;
        }
        // Blocks until the snapshot of the first attempt is dropped.
        tokio::task::spawn_blocking(move || {
            if let Ok(mut db) = db.lock() {
                db.set_file_text(Path::new("a.infra"), "v2".into());
            }
        })
        .await
        .expect("the write completes");
        let result = task.await.expect("the task completes");
        assert_eq!(result, Ok(Some("v2".to_string())));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn always_cancelled_gives_up() {
        let result = run(
            || Some(()),
            |_: &()| -> i32 { std::panic::resume_unwind(Box::new(salsa::Cancelled::PendingWrite)) },
        )
        .await;
        assert_eq!(result, Err(Failure::Cancelled));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_is_contained() {
        let result = run(
            || Some(()),
            |_: &()| -> i32 { std::panic::resume_unwind(Box::new("boom")) },
        )
        .await;
        assert_eq!(result, Err(Failure::Panicked("boom".to_string())));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_snapshot_no_result() {
        let result = run(|| None::<()>, |_: &()| 1).await;
        assert_eq!(result, Ok(None));
    }
}
