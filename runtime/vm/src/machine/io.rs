//! The host side of the VM: fact reads, commands and uploads become
//! requests, and their responses become values.

use infrac_bytecode::{Builtin, FactKind};

use super::defer::{exec_failure, upload_display, upload_failure};
use super::{Flow, FrameKind, Halt, Pending, Step, Vm, fact_def};
use crate::builtins;
use crate::context::RunContext;
use crate::event::Event;
use crate::facts;
use crate::format::kind_name;
use crate::ops::command_result;
use crate::request::{
    CommandSecrets, ExecRequest, FactKey, FactQuery, Request, Response, Sudo, UploadRequest,
    UploadSource,
};
use crate::shell::with_env;
use crate::value::Value;

impl Vm {
    pub(super) fn deliver(&mut self, pending: Pending, response: Response) -> Result<(), String> {
        match (pending, response) {
            (Pending::Prefetch(keys), Response::Facts(values)) => {
                // A prefetch error is not fatal: the body reads the fact
                // again and then reports the error where it reads it.
                for (key, value) in keys.into_iter().zip(values) {
                    if let Ok(v) = value {
                        self.facts.insert(key, v);
                    }
                }
                Ok(())
            }
            (Pending::Fact(key, ahead), Response::Facts(values)) => {
                let mut values = values.into_iter();
                let first = values.next();
                // Facts read ahead: an error waits until the program reads them.
                for (key, value) in ahead.into_iter().zip(values) {
                    if let Ok(v) = value {
                        self.facts.insert(key, v);
                    }
                }
                match first {
                    Some(Ok(v)) => {
                        self.plan_relies(&key, &v);
                        self.facts.insert(key, v.clone());
                        self.stack.push(v);
                        Ok(())
                    }
                    // The runtime's errors name the fact already.
                    Some(Err(e)) if e.starts_with(&key.key.label()) => {
                        Err(format!("cannot read {e}"))
                    }
                    Some(Err(e)) => Err(format!("cannot read {}: {e}", key.key.label())),
                    None => Err(format!("cannot read {}: no answer", key.key.label())),
                }
            }
            (
                Pending::Exec {
                    changing,
                    check,
                    display,
                },
                Response::Done(out),
            ) => {
                if changing && check && out.code != 0 {
                    return Err(exec_failure(&display, &out));
                }
                if changing && let Some(op) = self.ops.last_mut() {
                    op.record(display, &out);
                }
                self.stack.push(command_result(&out));
                Ok(())
            }
            (Pending::Sleep, Response::Done(_)) => Ok(()),
            (Pending::Poll, Response::Done(out)) => {
                self.stack.push(Value::Bool(out.code == 0));
                Ok(())
            }
            (Pending::Upload { display }, Response::Done(out)) => {
                if out.code != 0 {
                    return Err(upload_failure(&display, &out));
                }
                if let Some(op) = self.ops.last_mut() {
                    op.record(display, &out);
                }
                self.stack.push(command_result(&out));
                Ok(())
            }
            (_, r) => Err(format!("internal: unexpected response {r:?}")),
        }
    }

    /// The facts to read with `key` (not in the cache, the VM halting to
    /// read it): those the rest of the stage may read (see `discover`).
    pub(super) fn read_ahead(&self, key: &FactQuery) -> Vec<FactQuery> {
        if !self.batching() {
            return Vec::new();
        }
        let read_now = self.unknown("the fact being read");
        self.discover(Some(read_now), std::slice::from_ref(key))
    }

    pub(super) fn current_sudo(&self) -> Option<Sudo> {
        match self.ops.last() {
            Some(op) => op.sudo.clone(),
            None => {
                let host_sudo = self.host.as_ref().is_some_and(|h| h.sudo);
                (self.stage_sudo || host_sudo).then_some(Sudo { user: None })
            }
        }
    }

    /// `key` read under the sudo context in force here (§2.12): fact reads
    /// go through sudo like the commands around them.
    pub(super) fn fact_query(&self, key: FactKey) -> FactQuery {
        facts::query(key, self.current_sudo())
    }

    pub(super) fn read_fact(&mut self, ctx: &RunContext, fact: u32, argc: u32) -> Step {
        let def = fact_def(ctx, fact)?;
        let args = self.pop_n(argc)?;
        let key = facts::key(&def.name, &args).map(|k| self.fact_query(k));
        if let Some((k, v)) = key
            .as_ref()
            .and_then(|k| self.facts.read(k).map(|v| (k, v)))
        {
            if def.kind == FactKind::Native {
                self.plan_relies(k, &v);
            }
            self.stack.push(v);
            return Ok(Flow::Continue);
        }
        match def.kind {
            FactKind::Native => {
                let key = key.ok_or_else(|| {
                    format!(
                        "the arguments of facts.{} must be str, int or bool",
                        def.name
                    )
                })?;
                if let Some(flow) = self.try_speculate(&key) {
                    return Ok(flow);
                }
                let ahead = self.read_ahead(&key);
                let mut keys = vec![key.clone()];
                keys.extend(ahead.iter().cloned());
                self.pending = Pending::Fact(key, ahead);
                Ok(Flow::Halt(Halt::Request(Request::ReadFacts(keys))))
            }
            FactKind::Body(func) => {
                self.facts.begin_body();
                self.stack.extend(args);
                self.call(func, argc, FrameKind::Fact(key))?;
                Ok(Flow::Continue)
            }
        }
    }

    pub(super) fn call_builtin(&mut self, ctx: &RunContext, builtin: Builtin, argc: u32) -> Step {
        let args = self.pop_n(argc)?;
        let request = match (builtin, args.as_slice()) {
            (Builtin::Probe, [cmd, env]) => self.exec(&with_env(cmd, env)?, None, false, false)?,
            (Builtin::Poll, [check, what, timeout, interval]) => {
                self.poll(check, what, timeout, interval)?
            }
            (Builtin::Run, [cmd, stdin, check, env]) => self.exec(
                &with_env(cmd, env)?,
                run_stdin(stdin)?,
                true,
                *check != Value::Bool(false),
            )?,
            (Builtin::SecretEnv | Builtin::SecretFile | Builtin::SecretCmd, [arg]) => {
                let value = ctx.secret_source(builtin, arg)?;
                self.stack.push(value);
                return Ok(Flow::Continue);
            }
            (Builtin::Upload, [remote, src, content, mode, owner, group]) => {
                self.upload(ctx, remote, src, content, mode, owner, group)?
            }
            // On the controller, the group evaluation reads the inventory
            // (see `controller::eval_groups_with`) and pushes the hosts.
            (Builtin::Inventory, [Value::Str(path), group]) if self.host.is_none() => {
                let group = match group {
                    Value::Str(g) => Some(g.to_string()),
                    _ => None,
                };
                self.inventory_call = Some((path.to_string(), group));
                return Ok(Flow::Halt(Halt::Budget));
            }
            (Builtin::Probe | Builtin::Poll | Builtin::Run | Builtin::Upload, _) => {
                return Err(format!(
                    "internal: `{}` with {argc} arguments",
                    builtin.name()
                ));
            }
            _ => {
                self.stack
                    .push(builtins::call(builtin, &args, ctx.base_dir())?);
                return Ok(Flow::Continue);
            }
        };
        if let Some(flow) = self.try_defer(&request) {
            return Ok(flow);
        }
        Ok(Flow::Halt(Halt::Request(request)))
    }

    pub(super) fn exec(
        &mut self,
        cmd: &Value,
        stdin: Option<String>,
        changing: bool,
        check: bool,
    ) -> Result<Request, String> {
        let Value::Cmd(cmd) = cmd else {
            return Err(format!(
                "a command must be built with sh\"...\", found a {}",
                kind_name(cmd)
            ));
        };
        self.pending = Pending::Exec {
            changing,
            check,
            display: cmd.display.clone(),
        };
        let host = cmd.script_for_host()?;
        Ok(Request::Exec(ExecRequest {
            script: host.script,
            secrets: CommandSecrets {
                values: host.secrets,
                exported: host.nested,
            },
            display: cmd.display.clone(),
            stdin,
            sudo: self.current_sudo(),
            changing,
        }))
    }

    /// `poll(check, what, timeout, interval)`: one command on the host that
    /// runs `check` until it succeeds or `timeout` seconds have passed.
    fn poll(
        &mut self,
        check: &Value,
        what: &Value,
        timeout: &Value,
        interval: &Value,
    ) -> Result<Request, String> {
        let (Value::Cmd(check), Value::Str(what), Value::Int(timeout), Value::Int(interval)) =
            (check, what, timeout, interval)
        else {
            return Err("internal: `poll` with arguments of the wrong kinds".into());
        };
        let timeout = u64::try_from(*timeout).map_err(|_| {
            format!("waiting for {what}: the timeout must not be negative, got {timeout}")
        })?;
        if *interval < 1 {
            return Err(format!(
                "waiting for {what}: the interval must be at least 1 second, got {interval}"
            ));
        }
        // The numbers are checked ints: text that is safe unquoted.
        let script = crate::shell::build(&[
            Value::Str(format!("end=$(( $(date +%s) + {timeout} ))\nuntil ( ").into()),
            Value::Cmd(std::sync::Arc::clone(check)),
            Value::Str(
                format!(
                    " ) >/dev/null 2>&1; do\n  [ \"$(date +%s)\" -lt \"$end\" ] || exit 1\n  sleep {interval}\ndone"
                )
                .into(),
            ),
        ])?;
        let request = self.exec(&script, None, false, false)?;
        self.pending = Pending::Poll;
        let (module, span) = self.place(self.frame()?);
        self.events.push(Event::Waiting {
            what: what.to_string(),
            timeout,
            module,
            span,
        });
        Ok(request)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn upload(
        &mut self,
        ctx: &RunContext,
        remote: &Value,
        src: &Value,
        content: &Value,
        mode: &Value,
        owner: &Value,
        group: &Value,
    ) -> Result<Request, String> {
        let Value::Str(remote) = remote else {
            return Err("`upload`: `remote` must be a str".into());
        };
        let source = match (src, content) {
            (Value::Str(src), Value::None) => UploadSource::LocalFile(ctx.base_dir().join(&**src)),
            (Value::None, Value::Str(text) | Value::Secret(text)) => {
                UploadSource::Content(text.as_bytes().to_vec())
            }
            _ => return Err("`upload` needs exactly one of `src:` and `content:`".into()),
        };
        let mode = builtins::opt_int::<u32>(mode, "mode", "file mode")?;
        self.pending = Pending::Upload {
            display: upload_display(remote),
        };
        Ok(Request::Upload(UploadRequest {
            source,
            remote: remote.to_string(),
            mode,
            owner: builtins::opt_str(owner, "owner")?,
            group: builtins::opt_str(group, "group")?,
            sudo: self.current_sudo(),
        }))
    }
}

/// The `stdin:` argument of `run`.
pub(super) fn run_stdin(stdin: &Value) -> Result<Option<String>, String> {
    match stdin {
        Value::None => Ok(None),
        Value::Str(s) | Value::Secret(s) => Ok(Some(s.to_string())),
        other => Err(format!(
            "`stdin:` must be a str, found a {}",
            kind_name(other)
        )),
    }
}
