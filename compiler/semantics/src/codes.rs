//! Every diagnostic code the checker emits, with a one-line summary. The
//! table in docs/language.md §7 lists the same codes, and the fixture tests
//! fail when a code here has no fixture.

/// `(code, summary)`; `E00xx` (syntax) come from the parser.
pub const CODES: &[(&str, &str)] = &[
    ("E0101", "unknown name (variable, function, module)"),
    ("E0102", "unknown type, or wrong type arguments"),
    ("E0103", "unknown fact"),
    ("E0104", "unknown standard-library module"),
    ("E0105", "module file not found"),
    ("E0106", "import cycle"),
    (
        "E0107",
        "defined twice (item, field, variant, parameter, import name)",
    ),
    ("E0108", "private item used from another module"),
    ("E0109", "the module has no such item"),
    ("E0110", "unknown enum variant"),
    ("E0111", "type alias that refers to itself"),
    ("E0112", "unknown handler in `notify:`"),
    (
        "E0113",
        "controller file not found (a literal path in a call)",
    ),
    ("E0114", "syntax error in a template"),
    ("E0115", "a template uses a variable the call does not give"),
    ("E0201", "type mismatch"),
    ("E0202", "too many positional arguments"),
    ("E0203", "unknown named argument"),
    ("E0204", "unknown field"),
    ("E0205", "unknown field in a record literal"),
    ("E0206", "missing field in a record literal"),
    ("E0207", "missing required argument"),
    ("E0208", "argument or field given twice"),
    ("E0209", "positional argument after a named argument"),
    ("E0210", "`match` not exhaustive"),
    ("E0211", "`any` outside the standard library"),
    ("E0212", "not a value, or not callable"),
    (
        "E0213",
        "fact read with the wrong form (`facts.x` vs `facts.x(args)`)",
    ),
    ("E0214", "unknown method"),
    ("E0215", "operator applied to wrong types"),
    (
        "E0216",
        "field, method or index on a value that may be `none`",
    ),
    (
        "E0218",
        "`fact`/`fn` without a body outside the standard library",
    ),
    ("E0219", "type not allowed for a `param`"),
    (
        "E0220",
        "`secret` used as `str` (or interpolated in a string, also inside an optional, list, map or record)",
    ),
    ("E0221", "`return` outside a fn, fact or op"),
    ("E0222", "value cannot be indexed"),
    ("E0223", "value cannot be looped over"),
    ("E0224", "unknown interpolation format"),
    ("E0225", "negative `retries:` or `delay:`"),
    (
        "E0226",
        "retry arguments that have no effect (`until:` or `delay:` without `retries:`, `retries:` on a probe without `until:`)",
    ),
    (
        "E0227",
        "retry arguments on a call that is neither an op call nor a probe",
    ),
    ("E0301", "stage target is not a group"),
    ("E0302", "unknown, unnamed or repeated stage option"),
    ("E0303", "`host.data` without one shared data type"),
    ("E0304", "stage value read in its own or an earlier stage"),
    ("E0305", "value read from a stage that yields none"),
    ("E0306", "`data:` on a host of a group without data type"),
    ("E0307", "two hosts of a group with the same name"),
    ("E0308", "group is not a list of hosts"),
    ("E0309", "host constructor outside a group"),
    ("E0401", "`run`/`upload` outside an op"),
    (
        "E0402",
        "op called from a fact, or outside stages, ops and fns",
    ),
    ("E0403", "`probe` or a fact read outside a body"),
    ("E0404", "`raw(...)` outside a `sh\"...\"` interpolation"),
    (
        "E0405",
        "secret source outside a param's default or a group",
    ),
    ("E0406", "`flush_handlers()` outside a stage body"),
    ("W0101", "unused variable"),
    ("W0102", "unreachable code"),
    ("W0103", "secret written in the program's source"),
];

#[cfg(test)]
mod tests {
    /// docs/language.md §7 lists exactly these codes, with these summaries.
    #[test]
    fn language_reference_lists_every_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/language.md");
        let doc = std::fs::read_to_string(path).unwrap_or_default();
        for (code, summary) in super::CODES {
            let row = format!("| `{code}` | {} |", summary.replace('|', "\\|"));
            assert!(
                doc.contains(&row),
                "docs/language.md §7 lacks the row {row}"
            );
        }
    }
}
