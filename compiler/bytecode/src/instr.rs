//! The instruction set: a stack machine with inline operands.
//!
//! Every function has its own locals (its parameters first, then `let`
//! bindings and hidden temporaries) and an operand stack. Jump targets are
//! absolute instruction indices within the function.

/// One instruction. Operands named `*const*` index the function's constant
/// pool; `func`, `op`, `fact`, `native`, `shape` index the tables of the
/// [`crate::Program`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instr {
    /// Push constant `n` of the function's pool.
    Const(u32),
    PushNone,
    PushTrue,
    PushFalse,
    Pop,
    Dup,
    LoadLocal(u32),
    StoreLocal(u32),
    /// Push the value of program param `n`.
    LoadParam(u32),
    /// Push the current host (`host`).
    LoadHost,
    /// Push the value of stage `n` (an earlier stage; injected by the driver).
    LoadStage(u32),
    /// Pop `n` values, push a list of them (in push order).
    MakeList(u32),
    /// Pop `n` key/value pairs (key pushed first), push a map.
    MakeMap(u32),
    /// Pop one value per field of shape `n` (in the shape's order), push a record.
    MakeRecord(u32),
    /// Pop a record or host, push its field named by constant `n`.
    GetField(u32),
    /// Like `GetField`, but `none` stays `none` (`e?.f`).
    GetFieldOpt(u32),
    /// Pop index then base, push `base[index]`.
    Index,
    Neg,
    Not,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Pop a value, push whether it is `none`.
    IsNone,
    Jump(u32),
    /// Pop a bool; jump when it is false.
    JumpIfFalse(u32),
    /// Pop a bool; jump when it is true.
    JumpIfTrue(u32),
    /// Iterate the list or map held in local `slot` (local `slot + 1` holds
    /// the position, an int starting at 0). When exhausted, jump to `exit`;
    /// else push the next element (lists), or the next key (maps) and, when
    /// `pair`, its value too.
    IterNext {
        slot: u32,
        exit: u32,
        pair: bool,
    },
    /// Pop a value, push its text (string interpolation).
    Format(Fmt),
    /// Pop `n` strings, push their concatenation.
    Concat(u32),
    /// Pop a value, push it as a shell-quoted command fragment.
    ShQuote,
    /// Pop a value, push it as an unquoted command fragment (`raw(...)`).
    ShRaw,
    /// Pop `n` parts (strings are literal shell text, commands are
    /// fragments), push the command.
    MakeCmd(u32),
    /// Call bytecode function `func` with `argc` arguments.
    Call {
        func: u32,
        argc: u32,
    },
    /// Call the native function `native` (implemented in the VM by name).
    CallNative {
        native: u32,
        argc: u32,
    },
    /// Call a built-in function with all its arguments (defaults filled).
    CallBuiltin {
        builtin: Builtin,
        argc: u32,
    },
    /// Call the method named by constant `name` on a receiver; the receiver
    /// is pushed before the `argc` arguments.
    CallMethod {
        name: u32,
        argc: u32,
    },
    /// Read fact `fact` with `argc` arguments (cached per host).
    ReadFact {
        fact: u32,
        argc: u32,
    },
    /// Call op `op`: `argc` declared arguments, then `sudo` and `sudo_user`
    /// (each `none` when not given). Pushes an `OpResult`.
    CallOp {
        op: u32,
        argc: u32,
    },
    /// Push whether the current op has changed something (op epilogues).
    OpChanged,
    /// Pop a bool (an op call's `changed`): when true, mark handler `op`
    /// (an op index) as notified on this host.
    Notify(u32),
    /// Push whether handler `op` is notified, and clear it (the handler
    /// call that follows shows the place that notified it).
    TakeNotified(u32),
    /// Begin a retried call (`retries:`, `delay:`, docs/language.md
    /// "Waiting and retrying"): pop `delay` and `retries` (`none`: the
    /// defaults), keep a copy of the `argc` arguments below them. Until
    /// the matching `RetryEnd`, a failure goes back to the next
    /// instruction (the call) with those arguments, after the delay,
    /// while attempts are left.
    RetryStart {
        argc: u32,
    },
    /// Pop the value of `until:`; `false` fails like the call would (so
    /// the call is tried again, while attempts are left).
    RetryUnless,
    /// End the retried call begun by the last `RetryStart`.
    RetryEnd,
    /// Pop `argc` arguments; drop that entry of fact `fact` from the cache.
    Invalidate {
        fact: u32,
        argc: u32,
    },
    /// Drop every cached entry of fact `n`, whatever its arguments.
    InvalidateFact(u32),
    /// Drop the whole fact cache of the host.
    InvalidateAll,
    /// Pop a message; stop this host with an error at this instruction.
    Fail,
    /// Pop the result and return from the function.
    Return,
}

/// A built-in function (§6 of the language reference, plus connectors).
/// Every built-in gets all its declared arguments, defaults filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// `probe(cmd, env)`
    Probe,
    /// `poll(check, what, timeout, interval)`
    Poll,
    /// `run(cmd, stdin, check, env)`
    Run,
    /// `upload(remote, src, content, mode, owner, group)`
    Upload,
    /// `reveal(secret)`
    Reveal,
    /// `env(name)`: controller environment.
    Env,
    /// `read_file(path)`: controller file.
    ReadFile,
    /// `secret_env(name)`, `secret_file(path)`, `secret_cmd(cmd)`: secret
    /// sources on the controller.
    SecretEnv,
    SecretFile,
    SecretCmd,
    /// `len(x)`
    Len,
    /// `range(start, end)`
    Range,
    /// `local(name, sudo, data)`
    Local,
    /// `ssh(address, user, port, identity, jump, name, sudo, data)`
    Ssh,
    /// `docker(container, image, name, sudo, data)`
    Docker,
    /// `inventory(path, group)`
    Inventory,
}

impl Builtin {
    pub const ALL: [Builtin; 16] = [
        Builtin::Probe,
        Builtin::Poll,
        Builtin::Run,
        Builtin::Upload,
        Builtin::Reveal,
        Builtin::Env,
        Builtin::ReadFile,
        Builtin::SecretEnv,
        Builtin::SecretFile,
        Builtin::SecretCmd,
        Builtin::Len,
        Builtin::Range,
        Builtin::Local,
        Builtin::Ssh,
        Builtin::Docker,
        Builtin::Inventory,
    ];

    /// The built-in called `name` in a program.
    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Builtin::Probe => "probe",
            Builtin::Poll => "poll",
            Builtin::Run => "run",
            Builtin::Upload => "upload",
            Builtin::Reveal => "reveal",
            Builtin::Env => "env",
            Builtin::ReadFile => "read_file",
            Builtin::SecretEnv => "secret_env",
            Builtin::SecretFile => "secret_file",
            Builtin::SecretCmd => "secret_cmd",
            Builtin::Len => "len",
            Builtin::Range => "range",
            Builtin::Local => "local",
            Builtin::Ssh => "ssh",
            Builtin::Docker => "docker",
            Builtin::Inventory => "inventory",
        }
    }
}

/// What a built-in's parameter is when the call leaves it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamDefault {
    Required,
    /// `none` (the parameter is optional: `T?`).
    None,
    False,
    True,
}

impl Builtin {
    /// The parameters, in call order, from the table of built-ins: the
    /// one list the checker (names, types), the lowering (argument order,
    /// defaults) and the editor read. Host constructors end with `data`,
    /// which the checker only admits when the group has a data type.
    pub fn params(self) -> &'static [crate::builtins::Param] {
        crate::builtins::function(self.name()).map_or(&[], |f| f.params)
    }
}

/// An interpolation format: `{n}`, `{mode:o}`, `{n:x}`, `{n:03}`, `{mode:04o}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Fmt {
    pub radix: Radix,
    /// Minimum width, padded with zeros on the left (0: no padding).
    pub width: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Radix {
    #[default]
    Decimal,
    Octal,
    Hex,
}

impl Fmt {
    /// Parses the text after the colon of an interpolation.
    pub fn parse(spec: &str) -> Option<Fmt> {
        let (digits, radix) = match spec.as_bytes().last() {
            Some(b'o') => (&spec[..spec.len() - 1], Radix::Octal),
            Some(b'x') => (&spec[..spec.len() - 1], Radix::Hex),
            _ => (spec, Radix::Decimal),
        };
        if digits.is_empty() {
            return Some(Fmt { radix, width: 0 });
        }
        // A width is zero-padded and written so: `{n:03}`, `{m:04o}`
        // (`{n:3}`, space padding, is not a format of the language).
        if !digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Fmt {
            radix,
            width: digits.parse().ok()?,
        })
    }
}

impl std::fmt::Display for Fmt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.width > 0 {
            write!(f, "0{}", self.width)?;
        }
        match self.radix {
            Radix::Decimal => Ok(()),
            Radix::Octal => f.write_str("o"),
            Radix::Hex => f.write_str("x"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_formats() {
        assert_eq!(
            Fmt::parse("o"),
            Some(Fmt {
                radix: Radix::Octal,
                width: 0
            })
        );
        assert_eq!(
            Fmt::parse("x"),
            Some(Fmt {
                radix: Radix::Hex,
                width: 0
            })
        );
        assert_eq!(
            Fmt::parse("03"),
            Some(Fmt {
                radix: Radix::Decimal,
                width: 3
            })
        );
        assert_eq!(
            Fmt::parse("04o"),
            Some(Fmt {
                radix: Radix::Octal,
                width: 4
            })
        );
        assert_eq!(Fmt::parse(""), Some(Fmt::default()));
        assert_eq!(Fmt::parse("3"), None);
        assert_eq!(Fmt::parse("4o"), None);
        assert_eq!(Fmt::parse("0+4"), None);
        assert_eq!(Fmt::parse("q"), None);
    }

    #[test]
    fn builtins_are_found_by_their_names() {
        for b in Builtin::ALL {
            assert_eq!(Builtin::from_name(b.name()), Some(b));
        }
        assert_eq!(Builtin::from_name("raw"), None);
    }
}
