//! Go to definition: user files and the standard library (served as
//! read-only copies, see `stdlib_files`).

use infrac_compiler::items::parse;
use tower_lsp_server::ls_types::Location;

use super::location::location;
use super::occurrences;
use super::resolve;
use crate::state::Snapshot;

pub fn definition(snap: &Snapshot, offset: u32) -> Option<Location> {
    let occs = occurrences::collect(&parse(&snap.db, snap.file).file);
    let occ = occurrences::at(&occs, offset)?;
    let def = resolve::resolve(&snap.db, snap.file, occ)?;
    let (file, span) = resolve::location(&snap.db, &def)?;
    location(snap, file, span)
}
