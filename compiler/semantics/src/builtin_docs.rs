//! What the editor shows for built-in functions, names and methods
//! (docs/language.md §6): signatures as text and a line of documentation.
//!
//! This is presentation data for hovers and completion lists, read through
//! [`crate::semantics`]; the types of built-in calls come from the checker.

use crate::ty::Ty;

/// Built-in functions and names: `(name, signature, documentation)`.
pub const FUNCTIONS: &[(&str, &str, &str)] = &[
    (
        "probe",
        "probe(cmd: cmd) -> CommandResult",
        "Runs a read-only command on the host; runs even in a plan.",
    ),
    (
        "run",
        "run(cmd: cmd, stdin: str? = none, check: bool = true) -> CommandResult",
        "Runs a changing command (only in ops). A non-zero exit fails the host unless `check: false`.",
    ),
    (
        "upload",
        "upload(remote: str, src: str? = none, content: str? = none, mode: int? = none, owner: str? = none, group: str? = none) -> CommandResult",
        "Writes a file on the host (only in ops): exactly one of `src` (a controller file) and `content`; written to a temporary name, then renamed.",
    ),
    (
        "raw",
        "raw(text: str)",
        "Inserts text unquoted into a `sh\"...\"` command (only inside an interpolation).",
    ),
    (
        "reveal",
        "reveal(value: secret) -> str",
        "Turns a secret into a plain string, visibly.",
    ),
    (
        "env",
        "env(name: str) -> str?",
        "A variable of the controller's environment.",
    ),
    (
        "read_file",
        "read_file(path: str) -> str",
        "A controller file, relative to the program.",
    ),
    (
        "len",
        "len(x) -> int",
        "The length of a string, list or map.",
    ),
    (
        "local",
        "local(name: str? = none, sudo: bool = false, data: T) -> Host",
        "The machine infrac runs on.",
    ),
    (
        "ssh",
        "ssh(address: str, user: str? = none, port: int? = none, identity: str? = none, jump: str? = none, name: str? = none, sudo: bool = false, data: T) -> Host",
        "A host reached over SSH.",
    ),
    (
        "docker",
        "docker(container: str, image: str? = none, name: str? = none, sudo: bool = false, data: T) -> Host",
        "A Docker container.",
    ),
    (
        "inventory",
        "inventory(path: str, group: str? = none) -> list<Host>",
        "Hosts loaded at run time from an Ansible INI/YAML inventory or a JSON list.",
    ),
    (
        "host",
        "host: Host<T>",
        "The host the stage body runs on (`host.name`, `host.data`).",
    ),
    (
        "facts",
        "facts",
        "Typed, live reads of the host's state: `facts.NAME` or `facts.NAME(args)`.",
    ),
    (
        "one",
        "one(group)",
        "The first host of a group, as a stage target.",
    ),
];

/// Methods: `(receiver kind, name, signature, documentation)`.
const METHODS: &[(Recv, &str, &str, &str)] = &[
    (Recv::Str, "len", "len() -> int", "Length in characters."),
    (
        Recv::Str,
        "trim",
        "trim() -> str",
        "Without leading and trailing whitespace.",
    ),
    (
        Recv::Str,
        "trim_start",
        "trim_start() -> str",
        "Without leading whitespace.",
    ),
    (
        Recv::Str,
        "trim_end",
        "trim_end() -> str",
        "Without trailing whitespace.",
    ),
    (
        Recv::Str,
        "lines",
        "lines() -> list<str>",
        "The lines of the text.",
    ),
    (
        Recv::Str,
        "split",
        "split(sep: str) -> list<str>",
        "The parts between occurrences of `sep`.",
    ),
    (
        Recv::Str,
        "starts_with",
        "starts_with(text: str) -> bool",
        "Whether the string starts with `text`.",
    ),
    (
        Recv::Str,
        "ends_with",
        "ends_with(text: str) -> bool",
        "Whether the string ends with `text`.",
    ),
    (
        Recv::Str,
        "contains",
        "contains(text: str) -> bool",
        "Whether `text` occurs in the string.",
    ),
    (
        Recv::Str,
        "replace",
        "replace(from: str, to: str) -> str",
        "Every `from` replaced by `to`.",
    ),
    (Recv::Str, "upper", "upper() -> str", "In upper case."),
    (Recv::Str, "lower", "lower() -> str", "In lower case."),
    (
        Recv::Str,
        "to_int",
        "to_int() -> int?",
        "The integer it spells, or `none`.",
    ),
    (
        Recv::Str,
        "to_float",
        "to_float() -> float?",
        "The number it spells, or `none`.",
    ),
    (Recv::List, "len", "len() -> int", "Number of elements."),
    (
        Recv::List,
        "first",
        "first() -> T?",
        "The first element, or `none`.",
    ),
    (
        Recv::List,
        "last",
        "last() -> T?",
        "The last element, or `none`.",
    ),
    (
        Recv::List,
        "contains",
        "contains(value: T) -> bool",
        "Whether `value` is an element.",
    ),
    (
        Recv::List,
        "join",
        "join(sep: str) -> str",
        "The elements (strings) joined with `sep`.",
    ),
    (
        Recv::List,
        "reverse",
        "reverse() -> list<T>",
        "The elements in reverse order.",
    ),
    (Recv::Map, "len", "len() -> int", "Number of entries."),
    (
        Recv::Map,
        "get",
        "get(key: str) -> T?",
        "The value at `key`, or `none`.",
    ),
    (Recv::Map, "keys", "keys() -> list<str>", "The keys."),
    (Recv::Map, "values", "values() -> list<T>", "The values."),
    (
        Recv::Map,
        "contains",
        "contains(key: str) -> bool",
        "Whether `key` is present.",
    ),
    (Recv::Int, "to_str", "to_str() -> str", "In decimal."),
    (Recv::Int, "to_float", "to_float() -> float", "As a float."),
    (Recv::Float, "to_str", "to_str() -> str", "As text."),
    (
        Recv::Float,
        "round",
        "round() -> int",
        "The nearest integer.",
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recv {
    Str,
    List,
    Map,
    Int,
    Float,
}

fn recv_of(ty: &Ty) -> Option<Recv> {
    Some(match ty {
        Ty::Str => Recv::Str,
        Ty::List(_) => Recv::List,
        Ty::Map(_) => Recv::Map,
        Ty::Int => Recv::Int,
        Ty::Float => Recv::Float,
        _ => return None,
    })
}

/// Documentation of a built-in function or name.
pub fn doc(name: &str) -> Option<&'static str> {
    FUNCTIONS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, d)| *d)
}

pub fn signature(name: &str) -> Option<&'static str> {
    FUNCTIONS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, s, _)| *s)
}

/// The methods of a value of type `ty`: `(name, signature, doc)`.
pub fn methods(ty: &Ty) -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    let recv = recv_of(ty);
    METHODS
        .iter()
        .filter(move |(r, ..)| Some(*r) == recv)
        .map(|(_, n, s, d)| (*n, *s, *d))
}

/// `(signature, doc)` of method `name` on `ty`.
pub fn method(ty: &Ty, name: &str) -> Option<(&'static str, &'static str)> {
    methods(ty)
        .find(|(n, ..)| *n == name)
        .map(|(_, s, d)| (s, d))
}
