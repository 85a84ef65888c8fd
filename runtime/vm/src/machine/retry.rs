//! Retried calls (`retries:`, `delay:`, `until:` on an op call or a
//! `probe`; docs/language.md "Waiting and retrying"). `RetryStart` keeps
//! the call's arguments; a failure before the matching `RetryEnd` (in the
//! op, or `until:` being false) goes back to the call while attempts are
//! left: the VM drops what the failed attempt left (frames, stack, op
//! calls, the whole fact cache: the attempt may have changed anything),
//! reports the attempt, sleeps `delay` seconds (a request to the driver,
//! nothing runs on the host) and calls again. The last failure stops the
//! host with the number of attempts in its message.
//!
//! Only runs and applies retry: a plan runs the call once, sleeps never,
//! and takes `until:` as holding (its result may be unknown). Requests
//! are not batched inside a retried call, so that a failure is known
//! before the next attempt.

use infrac_bytecode::builtins::RETRY_DELAY;
use infrac_bytecode::{Instr, Span};

use super::mode::ModeState;
use super::step::not_in_family;
use super::{Flow, Halt, Pending, Step, Vm};
use crate::context::RunContext;
use crate::event::Event;
use crate::format::kind_name;
use crate::request::Request;
use crate::value::Value;

/// A retried call in progress.
#[derive(Debug, Clone)]
pub(super) struct Retry {
    /// The op's qualified name, or `probe`, and the call's place.
    call: String,
    module: u32,
    span: Span,
    /// The frame that makes the call, and the call's instruction.
    frames: usize,
    pc: usize,
    /// Where the call's arguments start on the stack, and a copy of them.
    base: usize,
    args: Vec<Value>,
    /// Op calls open outside the retried call.
    ops: usize,
    /// The apply cursor when the call began (the plan's commands of the
    /// call are admitted again by each attempt).
    cursor: Option<usize>,
    /// The attempt running (1 for the first), of `1 + retries`.
    attempt: u64,
    retries: u64,
    delay: u64,
}

impl Vm {
    /// The retry instructions.
    pub(super) fn step_retry(&mut self, ctx: &RunContext, instr: Instr) -> Step {
        match instr {
            Instr::RetryStart { argc } => {
                // Commands sent later would report their failure after
                // the call ended: send them first.
                if !self.defer.is_empty() {
                    return Ok(Flow::Flush);
                }
                let delay = count(self.pop()?, "delay", RETRY_DELAY)?;
                let retries = count(self.pop()?, "retries", 0)?;
                let base = self.top_start(argc)?;
                let frame = self.frame()?;
                let (module, span) = self.place(frame);
                let next = ctx
                    .program()
                    .functions
                    .get(frame.func as usize)
                    .and_then(|f| f.code.get(frame.pc));
                let call = match next {
                    Some(Instr::CallOp { op, .. }) => {
                        ctx.program().ops.get(*op as usize).map(|o| o.name.clone())
                    }
                    Some(Instr::CallBuiltin { builtin, .. }) => Some(builtin.name().to_string()),
                    _ => None,
                };
                let retry = Retry {
                    call: call.ok_or("internal: `RetryStart` not before a call")?,
                    module,
                    span,
                    frames: self.frames.len(),
                    pc: frame.pc,
                    base,
                    args: self.stack[base..].to_vec(),
                    ops: self.ops.len(),
                    cursor: self.mode.apply_cursor(),
                    attempt: 1,
                    retries,
                    delay,
                };
                self.retries.push(retry);
            }
            Instr::RetryUnless => {
                let holds = self.pop()?;
                let retrying = self.retrying();
                if retrying && holds == Value::Bool(false) {
                    return Err("`until:` is still false".into());
                }
                if retrying && !matches!(holds, Value::Bool(_)) {
                    return Err(format!(
                        "`until:` must be a bool, found a {}",
                        kind_name(&holds)
                    ));
                }
            }
            Instr::RetryEnd => {
                self.retries.pop();
            }
            other => return Err(not_in_family(other, "retry")),
        }
        Ok(Flow::Continue)
    }

    /// Whether a failure goes back to a retried call here: in runs and
    /// applies, inside one.
    pub(super) fn retrying(&self) -> bool {
        matches!(self.mode, ModeState::Run | ModeState::Apply(_)) && !self.retries.is_empty()
    }

    /// The host would fail with `message`: inside a retried call with
    /// attempts left, go back to it (the halt to return); else the message
    /// to fail with, saying how many attempts the calls around made.
    pub(super) fn retry_or_fail(&mut self, mut message: String) -> Result<Halt, String> {
        if !self.retrying() {
            return Err(message);
        }
        while let Some(retry) = self.retries.pop() {
            if retry.attempt > retry.retries {
                // Out of attempts: a retried call around this one may
                // try again. (`retries: 0` made one attempt: nothing to
                // say.)
                if retry.retries > 0 {
                    message = format!("after {} attempts: {message}", retry.attempt);
                }
                continue;
            }
            return Ok(self.again(retry, message));
        }
        Err(message)
    }

    /// Goes back to the call of `retry` after a failed attempt.
    fn again(&mut self, mut retry: Retry, error: String) -> Halt {
        self.events.push(Event::Retry {
            call: retry.call.clone(),
            module: retry.module,
            span: retry.span,
            attempt: retry.attempt,
            attempts: retry.retries + 1,
            error,
            delay: retry.delay,
            depth: retry.ops as u32,
        });
        self.frames.truncate(retry.frames);
        if let Some(frame) = self.frames.last_mut() {
            frame.pc = retry.pc;
        }
        self.stack.truncate(retry.base);
        self.stack.extend(retry.args.iter().cloned());
        self.ops.truncate(retry.ops);
        self.facts.abandon_bodies();
        self.facts.clear();
        if let Some(cursor) = retry.cursor {
            self.mode.rewind_apply(cursor);
        }
        retry.attempt += 1;
        let delay = retry.delay;
        self.retries.push(retry);
        if delay == 0 {
            return Halt::Budget;
        }
        self.pending = Pending::Sleep;
        Halt::Request(Request::Sleep(delay))
    }
}

/// A `retries:` or `delay:` value: a count, `none` for `default`.
fn count(v: Value, what: &str, default: i64) -> Result<u64, String> {
    let n = match v {
        // Unknown only in plans and the look-ahead, which never retry.
        Value::None | Value::Unknown(_) => default,
        Value::Int(n) => n,
        other => {
            return Err(format!(
                "`{what}:` must be an int, found a {}",
                kind_name(&other)
            ));
        }
    };
    u64::try_from(n).map_err(|_| format!("`{what}:` must not be negative, got {n}"))
}
