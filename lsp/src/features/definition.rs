//! Go to definition: user files and the standard library (served as
//! read-only copies, see `stdlib_files`).

use infrac_compiler::Semantics;
use tower_lsp_server::ls_types::Location;

use super::location::location;
use crate::state::Snapshot;

pub fn definition(snap: &Snapshot, offset: u32) -> Option<Location> {
    let sema = Semantics::new(&snap.db);
    let def = sema.name_at(snap.file, offset)?.def?;
    let (file, span) = sema.definition(&def)?;
    location(snap, file, span)
}
