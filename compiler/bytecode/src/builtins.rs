//! The one table of built-in functions and methods (docs/language.md §6):
//! name, parameters with their types and defaults, result, where a call
//! is allowed, and documentation. The checker types calls from it, the
//! lowering fills defaults from it, the VM dispatches only what it lists,
//! and the editor shows its signatures and docs.
//!
//! Types are written as in `.infra` (`str?`, `list<str>`), plus `T` for
//! a list's element or a map's value (methods) or a group's data type
//! (`data:` of a host constructor), and `CommandResult`, the prelude's
//! record. An empty type is untyped (`len(x)`).

use crate::instr::{Builtin, ParamDefault};

/// A parameter of a built-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Param {
    pub name: &'static str,
    pub ty: &'static str,
    pub default: ParamDefault,
}

/// Where a call of a built-in function may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Allowed {
    Anywhere,
    /// Changing commands: in ops.
    Ops,
    /// Read-only commands: in ops, facts, fns and stages.
    Bodies,
    /// Host constructors: in a group's host list.
    Groups,
    /// As the whole of an interpolation in `sh"..."`.
    Commands,
    /// In a stage body.
    Stages,
    /// Secret sources, read on the controller before any host is touched:
    /// in a param's default or a group's host list.
    Sources,
}

/// A built-in function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Function {
    pub name: &'static str,
    /// What the VM runs (`None`: handled by the compiler, `raw`).
    pub builtin: Option<Builtin>,
    pub params: &'static [Param],
    /// Empty: no value of its own (`raw`).
    pub ret: &'static str,
    pub allowed: Allowed,
    pub doc: &'static str,
}

/// The kinds of values that have methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recv {
    Str,
    List,
    Map,
    Int,
    Float,
}

/// A built-in method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Method {
    pub recv: Recv,
    pub name: &'static str,
    pub params: &'static [Param],
    pub ret: &'static str,
    /// The elements the receiver must have: `str` (`join`), `bool`
    /// (`any`), `number` (int or float: `sum`), `ordered` (int, float or
    /// str: `sort`, `min`), `list` (`flatten`) or `record` (`sort_by`).
    pub elem: Option<&'static str>,
    pub doc: &'static str,
}

/// A name that is neither a function nor a method: `(name, how it reads,
/// documentation)`.
pub const NAMES: &[(&str, &str, &str)] = &[
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

/// `delay:` of a retried call when it is not given, in seconds.
pub const RETRY_DELAY: i64 = 5;

/// Names that mean something in one place only: the named arguments a
/// call takes besides its callee's own (every op call's `sudo:` and
/// `sudo_user:`; the retry arguments of op calls and `probe`), and
/// `result` inside `until:`. `(name, how it reads, documentation)`.
pub const CALL_NAMES: &[(&str, &str, &str)] = &[
    (
        "sudo",
        "sudo: bool",
        "Run the op's commands, probes and fact reads through sudo (`sudo -n`); `false` wins over a stage's or host's `sudo: true`.",
    ),
    (
        "sudo_user",
        "sudo_user: str",
        "The user sudo runs the op's commands as (default root).",
    ),
    (
        "retries",
        "retries: int = 0",
        "Try the call again when it fails (or while `until:` is false), at most this many more times, `delay:` seconds apart; the last failure stops the host, with the number of attempts.",
    ),
    (
        "delay",
        "delay: int = 5",
        "Seconds between two attempts of a retried call (on the controller: nothing runs on the host meanwhile).",
    ),
    (
        "until",
        "until: bool",
        "A condition on the call's `result`: the call is tried again while it is false (with `retries:`).",
    ),
    (
        "result",
        "result",
        "In `until:`, the result of the call being retried: the op's `OpResult`, or the probe's `CommandResult`.",
    ),
];

/// The named arguments of a retried call.
pub const RETRY_ARGS: [&str; 3] = ["retries", "delay", "until"];

/// The entry of [`CALL_NAMES`] for `name`.
pub fn call_name(name: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    CALL_NAMES.iter().find(|(n, ..)| *n == name)
}

const fn p(name: &'static str, ty: &'static str, default: ParamDefault) -> Param {
    Param { name, ty, default }
}

use ParamDefault::{False, None as Absent, Required, True};

/// The variables `env:` exports to a command.
const ENV: &str = "map<str, secret>?";

pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "probe",
        builtin: Some(Builtin::Probe),
        params: &[p("cmd", "cmd", Required), p("env", ENV, Absent)],
        ret: "CommandResult",
        allowed: Allowed::Bodies,
        doc: "Runs a read-only command on the host; runs even in a plan. `env`: variables exported to the command (values may be secrets).",
    },
    Function {
        name: "poll",
        builtin: Some(Builtin::Poll),
        params: &[
            p("check", "cmd", Required),
            p("what", "str", Required),
            p("timeout", "int", Required),
            p("interval", "int", Required),
        ],
        ret: "bool",
        allowed: Allowed::Bodies,
        doc: "Runs the read-only command `check` on the host every `interval` seconds until it succeeds, for at most `timeout` seconds, as one command (no round trip per check); whether it succeeded. Shown live as \"waiting for WHAT\". A plan runs nothing here and takes it as succeeded.",
    },
    Function {
        name: "run",
        builtin: Some(Builtin::Run),
        params: &[
            p("cmd", "cmd", Required),
            p("stdin", "secret?", Absent),
            p("check", "bool", True),
            p("env", ENV, Absent),
        ],
        ret: "CommandResult",
        allowed: Allowed::Ops,
        doc: "Runs a changing command (only in ops). A non-zero exit fails the host unless `check: false`. `stdin` and the values of `env` may be secrets: they never reach a command line.",
    },
    Function {
        name: "upload",
        builtin: Some(Builtin::Upload),
        params: &[
            p("remote", "str", Required),
            p("src", "str?", Absent),
            p("content", "secret?", Absent),
            p("mode", "int?", Absent),
            p("owner", "str?", Absent),
            p("group", "str?", Absent),
        ],
        ret: "CommandResult",
        allowed: Allowed::Ops,
        doc: "Writes a file on the host (only in ops): exactly one of `src` (a controller file) and `content`; written to a temporary name, then renamed.",
    },
    Function {
        name: "raw",
        builtin: None,
        params: &[p("text", "str", Required)],
        ret: "",
        allowed: Allowed::Commands,
        doc: "Inserts text unquoted into a `sh\"...\"` command (only inside an interpolation).",
    },
    Function {
        name: "flush_handlers",
        builtin: None,
        params: &[],
        ret: "",
        allowed: Allowed::Stages,
        doc: "Runs the handlers notified so far on this host now (each once, in declaration order), instead of at the end of the stage.",
    },
    Function {
        name: "reveal",
        builtin: Some(Builtin::Reveal),
        params: &[p("secret", "secret", Required)],
        ret: "str",
        allowed: Allowed::Anywhere,
        doc: "Turns a secret into a plain string, visibly.",
    },
    Function {
        name: "env",
        builtin: Some(Builtin::Env),
        params: &[p("name", "str", Required)],
        ret: "str?",
        allowed: Allowed::Anywhere,
        doc: "A variable of the controller's environment.",
    },
    Function {
        name: "read_file",
        builtin: Some(Builtin::ReadFile),
        params: &[p("path", "str", Required)],
        ret: "str",
        allowed: Allowed::Anywhere,
        doc: "A controller file: a literal path is relative to the .infra file it is written in, any other to the program.",
    },
    Function {
        name: "secret_env",
        builtin: Some(Builtin::SecretEnv),
        params: &[p("name", "str", Required)],
        ret: "secret",
        allowed: Allowed::Sources,
        doc: "A secret from a variable of the controller's environment (in a param's default or a host's data; read once per run).",
    },
    Function {
        name: "secret_file",
        builtin: Some(Builtin::SecretFile),
        params: &[p("path", "str", Required)],
        ret: "secret",
        allowed: Allowed::Sources,
        doc: "A secret from a controller file (a literal path is relative to the .infra file it is written in), without its final line break (in a param's default or a host's data; read once per run).",
    },
    Function {
        name: "secret_cmd",
        builtin: Some(Builtin::SecretCmd),
        params: &[p("cmd", "cmd", Required)],
        ret: "secret",
        allowed: Allowed::Sources,
        doc: "A secret printed by a command run on the controller, like a password manager's (`secret_cmd(sh\"pass show db\")`), without its final line break (in a param's default or a host's data; run once per run).",
    },
    Function {
        name: "range",
        builtin: Some(Builtin::Range),
        params: &[p("start", "int", Required), p("end", "int?", Absent)],
        ret: "list<int>",
        allowed: Allowed::Anywhere,
        doc: "The ints from `start` up to `end`, without `end`; `range(n)` is `0` up to `n`. At most 1,000,000 of them.",
    },
    Function {
        name: "len",
        builtin: Some(Builtin::Len),
        params: &[p("x", "", Required)],
        ret: "int",
        allowed: Allowed::Anywhere,
        doc: "The length of a string, list or map.",
    },
    Function {
        name: "local",
        builtin: Some(Builtin::Local),
        params: &[
            p("name", "str?", Absent),
            p("sudo", "bool", False),
            p("sudo_password", "secret?", Absent),
            p("data", "T", Absent),
        ],
        ret: "Host",
        allowed: Allowed::Groups,
        doc: "The machine infrac runs on.",
    },
    Function {
        name: "ssh",
        builtin: Some(Builtin::Ssh),
        params: &[
            p("address", "str", Required),
            p("user", "str?", Absent),
            p("port", "int?", Absent),
            p("identity", "str?", Absent),
            p("jump", "str?", Absent),
            p("name", "str?", Absent),
            p("sudo", "bool", False),
            p("sudo_password", "secret?", Absent),
            p("data", "T", Absent),
        ],
        ret: "Host",
        allowed: Allowed::Groups,
        doc: "A host reached over SSH.",
    },
    Function {
        name: "docker",
        builtin: Some(Builtin::Docker),
        params: &[
            p("container", "str", Required),
            p("image", "str?", Absent),
            p("name", "str?", Absent),
            p("sudo", "bool", False),
            p("sudo_password", "secret?", Absent),
            p("data", "T", Absent),
        ],
        ret: "Host",
        allowed: Allowed::Groups,
        doc: "A Docker container.",
    },
    Function {
        name: "inventory",
        builtin: Some(Builtin::Inventory),
        params: &[p("path", "str", Required), p("group", "str?", Absent)],
        ret: "list<Host>",
        allowed: Allowed::Groups,
        doc: "Hosts loaded at run time from an Ansible INI/YAML inventory or a JSON list.",
    },
];

const fn m(
    recv: Recv,
    name: &'static str,
    params: &'static [Param],
    ret: &'static str,
    doc: &'static str,
) -> Method {
    Method {
        recv,
        name,
        params,
        ret,
        elem: None,
        doc,
    }
}

const SEP: &[Param] = &[p("sep", "str", Required)];
const TEXT: &[Param] = &[p("text", "str", Required)];
const KEY: &[Param] = &[p("key", "str", Required)];
const PAD: &[Param] = &[p("width", "int", Required), p("fill", "str?", Absent)];

pub const METHODS: &[Method] = &[
    m(Recv::Str, "len", &[], "int", "Length in characters."),
    m(
        Recv::Str,
        "trim",
        &[],
        "str",
        "Without leading and trailing whitespace.",
    ),
    m(
        Recv::Str,
        "trim_start",
        &[],
        "str",
        "Without leading whitespace.",
    ),
    m(
        Recv::Str,
        "trim_end",
        &[],
        "str",
        "Without trailing whitespace.",
    ),
    m(
        Recv::Str,
        "lines",
        &[],
        "list<str>",
        "The lines of the text.",
    ),
    m(
        Recv::Str,
        "split",
        SEP,
        "list<str>",
        "The parts between occurrences of `sep`.",
    ),
    m(
        Recv::Str,
        "starts_with",
        TEXT,
        "bool",
        "Whether the string starts with `text`.",
    ),
    m(
        Recv::Str,
        "ends_with",
        TEXT,
        "bool",
        "Whether the string ends with `text`.",
    ),
    m(
        Recv::Str,
        "contains",
        TEXT,
        "bool",
        "Whether `text` occurs in the string.",
    ),
    m(
        Recv::Str,
        "replace",
        &[p("from", "str", Required), p("to", "str", Required)],
        "str",
        "Every `from` replaced by `to`.",
    ),
    m(
        Recv::Str,
        "find",
        TEXT,
        "int?",
        "Where `text` first occurs (in characters from the start), or `none`.",
    ),
    m(
        Recv::Str,
        "split_once",
        SEP,
        "list<str>?",
        "The text before and after the first `sep` (two strings), or `none` when `sep` does not occur.",
    ),
    m(
        Recv::Str,
        "pad_start",
        PAD,
        "str",
        "Padded at the start to `width` characters with `fill` (a space by default); a longer string is kept whole.",
    ),
    m(
        Recv::Str,
        "pad_end",
        PAD,
        "str",
        "Padded at the end to `width` characters with `fill` (a space by default); a longer string is kept whole.",
    ),
    m(Recv::Str, "upper", &[], "str", "In upper case."),
    m(Recv::Str, "lower", &[], "str", "In lower case."),
    m(
        Recv::Str,
        "to_int",
        &[],
        "int?",
        "The integer it spells, or `none`.",
    ),
    m(
        Recv::Str,
        "to_float",
        &[],
        "float?",
        "The number it spells, or `none`.",
    ),
    m(Recv::List, "len", &[], "int", "Number of elements."),
    m(
        Recv::List,
        "first",
        &[],
        "T?",
        "The first element, or `none`.",
    ),
    m(
        Recv::List,
        "last",
        &[],
        "T?",
        "The last element, or `none`.",
    ),
    m(
        Recv::List,
        "contains",
        &[p("value", "T", Required)],
        "bool",
        "Whether `value` is an element.",
    ),
    Method {
        elem: Some("str"),
        ..m(
            Recv::List,
            "join",
            SEP,
            "str",
            "The elements (strings) joined with `sep`.",
        )
    },
    m(
        Recv::List,
        "reverse",
        &[],
        "list<T>",
        "The elements in reverse order.",
    ),
    Method {
        elem: Some("ordered"),
        ..m(
            Recv::List,
            "sort",
            &[],
            "list<T>",
            "The elements in ascending order (ints, floats or strings; strings by code point).",
        )
    },
    Method {
        elem: Some("record"),
        ..m(
            Recv::List,
            "sort_by",
            &[p("field", "str", Required)],
            "list<T>",
            "The records in ascending order of their field `field` (an int, float or str; stable).",
        )
    },
    m(
        Recv::List,
        "unique",
        &[],
        "list<T>",
        "The elements without repeats, in the order they first occur.",
    ),
    Method {
        elem: Some("bool"),
        ..m(
            Recv::List,
            "any",
            &[],
            "bool",
            "Whether some element is `true` (`false` for an empty list).",
        )
    },
    Method {
        elem: Some("bool"),
        ..m(
            Recv::List,
            "all",
            &[],
            "bool",
            "Whether every element is `true` (`true` for an empty list).",
        )
    },
    Method {
        elem: Some("number"),
        ..m(
            Recv::List,
            "sum",
            &[],
            "T",
            "The sum of the numbers (0 for an empty list; an int overflow fails the host).",
        )
    },
    Method {
        elem: Some("ordered"),
        ..m(
            Recv::List,
            "min",
            &[],
            "T?",
            "The smallest element, or `none` for an empty list.",
        )
    },
    Method {
        elem: Some("ordered"),
        ..m(
            Recv::List,
            "max",
            &[],
            "T?",
            "The largest element, or `none` for an empty list.",
        )
    },
    Method {
        elem: Some("list"),
        ..m(
            Recv::List,
            "flatten",
            &[],
            "T",
            "The elements of the lists, in order, as one list.",
        )
    },
    m(Recv::Map, "len", &[], "int", "Number of entries."),
    m(
        Recv::Map,
        "get",
        KEY,
        "T?",
        "The value at `key`, or `none`.",
    ),
    m(Recv::Map, "keys", &[], "list<str>", "The keys."),
    m(Recv::Map, "values", &[], "list<T>", "The values."),
    m(
        Recv::Map,
        "contains",
        KEY,
        "bool",
        "Whether `key` is present.",
    ),
    m(
        Recv::Map,
        "merge",
        &[p("other", "map<str, T>", Required)],
        "map<str, T>",
        "The entries of both maps; `other`'s value wins for a key in both.",
    ),
    m(Recv::Int, "to_str", &[], "str", "In decimal."),
    m(Recv::Int, "to_float", &[], "float", "As a float."),
    m(Recv::Float, "to_str", &[], "str", "As text."),
    m(Recv::Float, "round", &[], "int", "The nearest integer."),
];

/// The built-in function called `name` in a program.
/// The parameters that name a file on the controller, by callee (a
/// built-in function, or a standard-library item as `module.item`). A
/// string literal given to one is relative to the directory of the file
/// it is written in: the checker resolves it (and reports a missing
/// file), the lowering writes the resolved path (docs/language.md §5.6).
/// `local.path` exists to mark any other literal that way.
pub const CONTROLLER_PATHS: &[(&str, &str)] = &[
    ("inventory", "path"),
    ("read_file", "path"),
    ("secret_file", "path"),
    ("upload", "src"),
    ("files.put", "src"),
    ("files.template", "src"),
    ("server.script", "src"),
    ("local.path", "path"),
    ("local.read_file", "path"),
    ("local.render_template", "path"),
    ("local.sha256_file", "path"),
];

/// The callees of [`CONTROLLER_PATHS`] whose file may be missing when the
/// program is checked: a secret is often only on the machine that runs
/// the program (not in CI, where `infrac check` runs).
pub const PATHS_READ_AT_RUN: &[&str] = &["secret_file"];

/// The callees whose controller-path parameter is a Jinja2 template.
/// Each takes its variables as `vars` ([`TEMPLATE_VARS`]) and the facts
/// it reads as `host_facts` ([`TEMPLATE_FACTS`]).
pub const TEMPLATES: &[&str] = &["files.template", "local.render_template"];

/// The parameter of a [`TEMPLATES`] callee that holds its variables.
pub const TEMPLATE_VARS: &str = "vars";

/// The parameter of a [`TEMPLATES`] callee that holds the facts it reads
/// (a record of fact reads, seen as `facts` by the template; not named
/// `facts`, which would hide the `facts` namespace in the callee).
pub const TEMPLATE_FACTS: &str = "host_facts";

/// The names every template sees besides its `vars:` (the VM gives
/// them when it renders; the checker does not report them as missing).
pub const TEMPLATE_CONTEXT: &[&str] = &["host", "params", "groups", "stages", "facts"];

/// The name of `callee`'s parameter that names a controller file, if it
/// has one ([`CONTROLLER_PATHS`]).
pub fn controller_path_param(callee: &str) -> Option<&'static str> {
    CONTROLLER_PATHS
        .iter()
        .find(|(c, _)| *c == callee)
        .map(|(_, p)| *p)
}

/// Whether the check reports a missing controller file of `callee`.
pub fn checks_existence(callee: &str) -> bool {
    !PATHS_READ_AT_RUN.contains(&callee)
}

/// Whether `callee` renders the template its controller path names.
pub fn renders_template(callee: &str) -> bool {
    TEMPLATES.contains(&callee)
}

pub fn function(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// Method `name` of values of kind `recv`.
pub fn method(recv: Recv, name: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.recv == recv && m.name == name)
}

/// The methods of values of kind `recv`.
pub fn methods(recv: Recv) -> impl Iterator<Item = &'static Method> {
    METHODS.iter().filter(move |m| m.recv == recv)
}

/// `name(a: str, b: int? = none) -> T`, as the editor shows it.
fn signature(name: &str, params: &[Param], ret: &str) -> String {
    let params: Vec<String> = params
        .iter()
        .map(|p| {
            let ty = if p.ty.is_empty() {
                String::new()
            } else {
                format!(": {}", p.ty)
            };
            let default = match p.default {
                // `data: T` takes its default from the group's data type.
                _ if p.ty == "T" => "",
                Required => "",
                Absent => " = none",
                False => " = false",
                True => " = true",
            };
            format!("{}{ty}{default}", p.name)
        })
        .collect();
    let ret = if ret.is_empty() {
        String::new()
    } else {
        format!(" -> {ret}")
    };
    format!("{name}({}){ret}", params.join(", "))
}

impl Function {
    pub fn signature(&self) -> String {
        signature(self.name, self.params, self.ret)
    }
}

impl Method {
    pub fn signature(&self) -> String {
        signature(self.name, self.params, self.ret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_builtin_is_in_the_table_once() {
        for builtin in Builtin::ALL {
            let entries = FUNCTIONS.iter().filter(|f| f.builtin == Some(builtin));
            assert_eq!(entries.count(), 1, "{builtin:?}");
            assert_eq!(
                function(builtin.name()).and_then(|f| f.builtin),
                Some(builtin)
            );
        }
    }

    /// The language reference lists every function and method of the
    /// table: in §6, the host constructors with the groups (§2.5).
    #[test]
    fn the_reference_lists_every_builtin() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/language.md");
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let section = text
            .split("## 6. Built-in functions and methods")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap_or("");
        let functions = FUNCTIONS.iter().map(|f| {
            let place = if f.allowed == Allowed::Groups {
                text.as_str()
            } else {
                section
            };
            (format!("`{}(", f.name), place)
        });
        let methods = METHODS.iter().map(|m| (format!("{}(", m.name), section));
        let missing: Vec<String> = functions
            .chain(methods)
            .filter(|(needle, place)| !place.contains(needle.as_str()))
            .map(|(needle, _)| needle)
            .collect();
        assert!(section.len() > 100, "no §6 in {path}");
        assert!(
            missing.is_empty(),
            "not in docs/language.md §6: {missing:?}"
        );
    }

    #[test]
    fn the_retry_delay_reads_as_its_default() {
        let delay = call_name("delay").map(|(_, text, _)| *text);
        assert_eq!(delay, Some(format!("delay: int = {RETRY_DELAY}").as_str()));
    }

    #[test]
    fn signatures_read_like_declarations() {
        let ssh = function("ssh").map(Function::signature);
        assert_eq!(
            ssh.as_deref(),
            Some(
                "ssh(address: str, user: str? = none, port: int? = none, identity: str? = none, \
                 jump: str? = none, name: str? = none, sudo: bool = false, \
                 sudo_password: secret? = none, data: T) -> Host"
            )
        );
        assert_eq!(
            function("raw").map(Function::signature).as_deref(),
            Some("raw(text: str)")
        );
        assert_eq!(
            function("len").map(Function::signature).as_deref(),
            Some("len(x) -> int")
        );
    }
}
