//! Op calls in progress: what they changed, the commands they ran, and the
//! sudo setting their commands carry.

use std::collections::BTreeMap;
use std::sync::Arc;

use infrac_bytecode::Span;

use crate::format::kind_name;
use crate::request::{CommandOutput, Sudo};
use crate::value::Value;

#[derive(Debug, Clone)]
pub struct OpState {
    /// Tells op calls apart (unique in the VM's life).
    pub serial: u64,
    /// The fact cache's moment when the call began.
    pub started_at: u64,
    pub op: u32,
    pub module: u32,
    pub span: Span,
    pub changed: bool,
    pub commands: Vec<String>,
    /// Output of the last changing command.
    pub last: CommandOutput,
    pub sudo: Option<Sudo>,
    /// A handler's call (see [`crate::event::Event::OpStart`]).
    pub handler: bool,
}

impl OpState {
    /// Records a changing command (`run`, `upload`) that ran.
    pub fn record(&mut self, display: String, output: &CommandOutput) {
        self.changed = true;
        self.commands.push(display);
        self.last = output.clone();
    }

    /// A nested op call that changed something counts for its caller.
    pub fn absorb(&mut self, nested: &OpState) {
        if nested.changed {
            self.changed = true;
            self.commands.extend(nested.commands.iter().cloned());
            self.last = nested.last.clone();
        }
    }

    /// The `OpResult` record of a finished call.
    pub fn result(&self) -> Value {
        let commands = self
            .commands
            .iter()
            .map(|c| Value::Str(c.as_str().into()))
            .collect();
        record([
            ("changed", Value::Bool(self.changed)),
            ("stdout", Value::Str(self.last.stdout.as_str().into())),
            ("stderr", Value::Str(self.last.stderr.as_str().into())),
            ("code", Value::Int(i64::from(self.last.code))),
            ("commands", Value::List(Arc::new(commands))),
        ])
    }
}

/// The `CommandResult` record of a command.
pub fn command_result(out: &CommandOutput) -> Value {
    record([
        ("code", Value::Int(i64::from(out.code))),
        ("stdout", Value::Str(out.stdout.as_str().into())),
        ("stderr", Value::Str(out.stderr.as_str().into())),
    ])
}

pub fn record<const N: usize>(fields: [(&str, Value); N]) -> Value {
    let map: BTreeMap<Arc<str>, Value> =
        fields.into_iter().map(|(k, v)| (Arc::from(k), v)).collect();
    Value::Record(Arc::new(map))
}

/// The sudo setting of an op call from its `sudo:` and `sudo_user:`
/// arguments (`none` when not given), else `inherited` (the caller's).
pub fn call_sudo(
    sudo: &Value,
    sudo_user: &Value,
    inherited: Option<Sudo>,
) -> Result<Option<Sudo>, String> {
    match (sudo, sudo_user) {
        (Value::Bool(false), _) => Ok(None),
        (_, Value::Str(user)) => Ok(Some(Sudo {
            user: Some(user.to_string()),
        })),
        (Value::Bool(true), Value::None) => Ok(Some(Sudo { user: None })),
        (Value::None, Value::None) => Ok(inherited),
        (s, u) => Err(format!(
            "internal: sudo: {} / sudo_user: {}",
            kind_name(s),
            kind_name(u)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sudo_arguments() {
        let root = Some(Sudo { user: None });
        assert_eq!(
            call_sudo(&Value::None, &Value::None, root.clone()),
            Ok(root.clone())
        );
        assert_eq!(
            call_sudo(&Value::Bool(false), &Value::None, root.clone()),
            Ok(None)
        );
        assert_eq!(call_sudo(&Value::Bool(true), &Value::None, None), Ok(root));
        assert_eq!(
            call_sudo(&Value::None, &Value::Str("app".into()), None),
            Ok(Some(Sudo {
                user: Some("app".into())
            }))
        );
    }
}
