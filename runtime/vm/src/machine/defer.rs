//! Commands whose results nothing reads are not waited for. The VM records
//! them and goes on; they travel with its next request (a fact read, a
//! command whose result is used, an op result that is used, the end of the
//! stage or a failure) as one `Request::Batch`, so a host's changes take
//! few round trips. The program's meaning does not change: the commands run
//! in program order before anything that could observe them, a fact read
//! still comes after the commands before it, and when a deferred command
//! fails the host fails there — at that command's place, with the events
//! that followed it dropped — as if the VM had waited.
//!
//! A fact that an op's `changes` dropped while that op's commands are still
//! deferred is not read at once either: the VM goes on with its last value
//! (a checkpoint is kept) and the batch checks on the host, right where the
//! program read it, that the commands before left it as it was when the
//! batch began. When it changed, the script stops there and the VM goes
//! back to the checkpoint with the new value: the commands after it never
//! ran. So a fact is still read again after an op that may have changed
//! it — in the same round trip as that op's commands.

use infrac_bytecode::Instr;

use super::mode::ModeState;
use super::{Flow, Frame, FrameKind, Halt, Pending, Vm};
use crate::error::RuntimeError;
use crate::ops::command_result;
use crate::request::{Batch, CommandOutput, Deferred, FactQuery, Request, Response};
use crate::value::Value;

/// How many jumps the liveness check follows.
const MAX_JUMPS: usize = 16;

#[derive(Debug, Default)]
pub(super) struct DeferState {
    /// Batching is on (the runtime asks for it).
    pub(super) enabled: bool,
    /// Deferred, not sent yet.
    queue: Vec<Held>,
    /// Sent with the request in flight.
    sent: Vec<Held>,
    /// What the VM was about to return when it sent the queue first: the
    /// stage's end or the host's failure.
    after: Option<Halt>,
}

#[derive(Debug)]
struct Held {
    command: Deferred,
    /// Where the host fails if the command does (the message is set then).
    place: RuntimeError,
    /// The serial numbers of the op calls in progress when it was deferred:
    /// those still open take its output as their last command's.
    ops: Vec<u64>,
    /// How many events came before it, counted from the last
    /// `take_events`: those after it are dropped when it fails.
    events: usize,
    /// For a `Verify`: the VM as it was when it went on with the fact's
    /// last value (the fact's arguments popped).
    checkpoint: Option<Box<Vm>>,
}

/// What a batch's response leaves the VM to do.
pub(super) enum Settled {
    /// Handle this response to the request the batch carried (if any).
    Go(Option<Response>),
    /// Return this (the stage's end, the host's failure).
    End(Halt),
    /// A checked fact had changed: the VM is back at its checkpoint, with
    /// the new value.
    RolledBack,
}

impl DeferState {
    pub(super) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Forgets everything (a new stage, a failure).
    pub(super) fn clear(&mut self) {
        self.queue.clear();
        self.sent.clear();
        self.after = None;
    }

    /// How many of the pending events may be reported now: those before
    /// the first command that has not run yet.
    pub(super) fn releasable(&self, pending_events: usize) -> usize {
        self.sent
            .iter()
            .chain(&self.queue)
            .map(|h| h.events)
            .min()
            .unwrap_or(pending_events)
    }

    /// `n` events were reported: the marks move down.
    pub(super) fn released(&mut self, n: usize) {
        for h in self.sent.iter_mut().chain(self.queue.iter_mut()) {
            h.events = h.events.saturating_sub(n);
        }
    }
}

impl Vm {
    /// Whether the value just pushed by the instruction before the current
    /// frame's `pc` is thrown away unread: popped, or the value of an op's
    /// body (which is not the op's result).
    fn value_unused(&self, frame: &Frame) -> bool {
        let Some(f) = self.ctx.program().functions.get(frame.func as usize) else {
            return false;
        };
        let mut pc = frame.pc;
        for _ in 0..MAX_JUMPS {
            match f.code.get(pc) {
                Some(Instr::Pop) => return true,
                Some(Instr::Jump(t)) => pc = *t as usize,
                Some(Instr::Return) => return matches!(frame.kind, FrameKind::Op),
                _ => return false,
            }
        }
        false
    }

    /// Defers the changing command `request` (built with its `pending`)
    /// when deferring is on and nothing reads its result; then the VM goes
    /// on as if it had run and succeeded.
    pub(super) fn try_defer(&mut self, request: &Request) -> Option<Flow> {
        let frame = self.frames.last()?;
        if !self.batching() || !self.value_unused(frame) {
            return None;
        }
        let (command, display) = match (request, &self.pending) {
            (
                Request::Exec(exec),
                Pending::Exec {
                    check,
                    changing: true,
                    display,
                },
            ) => (
                Deferred::Exec {
                    exec: exec.clone(),
                    check: *check,
                },
                display.clone(),
            ),
            (Request::Upload(upload), Pending::Upload { display }) => {
                (Deferred::Upload(upload.clone()), display.clone())
            }
            _ => return None,
        };
        self.pending = Pending::Nothing;
        let place = self.error(String::new());
        let placeholder = CommandOutput::default();
        if let Some(op) = self.ops.last_mut() {
            op.record(display, &placeholder);
        }
        self.defer.queue.push(Held {
            command,
            place,
            ops: self.ops.iter().map(|o| o.serial).collect(),
            events: self.events.len(),
            checkpoint: None,
        });
        self.stack.push(command_result(&placeholder));
        Some(Flow::Continue)
    }

    /// A native fact not in the cache: when deferred commands may have
    /// changed it since its last read (an op's `changes` dropped it and no
    /// request went since), the VM goes on with its last value and the
    /// batch checks it (see the module's documentation).
    pub(super) fn try_speculate(&mut self, key: &FactQuery) -> Option<Flow> {
        if !self.checking_facts() || self.defer.queue.is_empty() {
            return None;
        }
        let value = self.facts.stale(key)?.clone();
        let checkpoint = Box::new(self.copy_with_mode(ModeState::Run));
        self.defer.queue.push(Held {
            command: Deferred::Verify(key.clone()),
            place: self.error(String::new()),
            ops: Vec::new(),
            events: self.events.len(),
            checkpoint: Some(checkpoint),
        });
        self.facts.insert(key.clone(), value.clone());
        self.stack.push(value);
        Some(Flow::Continue)
    }

    /// An op call returns: when its result is used and commands are
    /// deferred, they must run first (the result holds the last command's
    /// output). `true`: send them (the `Return` runs again afterwards).
    pub(super) fn flush_before_result(&self) -> bool {
        if self.defer.queue.is_empty() {
            return false;
        }
        let n = self.frames.len();
        match (
            self.frames.last(),
            n.checked_sub(2).map(|i| &self.frames[i]),
        ) {
            (Some(top), Some(caller)) if matches!(top.kind, FrameKind::Op) => {
                !self.value_unused(caller)
            }
            _ => false,
        }
    }

    /// What the VM returns instead of `halt` while commands are deferred:
    /// they go first, with the request it halted for, or before its end or
    /// failure.
    pub(super) fn send_deferred(&mut self, halt: Halt) -> Halt {
        if self.defer.queue.is_empty() {
            return halt;
        }
        match halt {
            Halt::Request(request) => self.send(Some(Box::new(request))),
            Halt::Budget => Halt::Budget,
            end @ (Halt::Done(_) | Halt::Failed(_)) => {
                self.defer.after = Some(end);
                self.send(None)
            }
        }
    }

    /// Sends the deferred commands before an op result is used, with the
    /// facts the rest of the stage will read that are not cached (the
    /// op's `changes` may just have dropped them): read after the commands.
    pub(super) fn flush(&mut self) -> Halt {
        let ahead = self.discover(None, &[]);
        if ahead.is_empty() {
            return self.send(None);
        }
        self.pending = Pending::Prefetch(ahead.clone());
        self.send(Some(Box::new(Request::ReadFacts(ahead))))
    }

    fn send(&mut self, then: Option<Box<Request>>) -> Halt {
        let pending = std::mem::replace(&mut self.pending, Pending::Nothing);
        self.pending = Pending::Batch(Box::new(pending));
        self.defer.sent = std::mem::take(&mut self.defer.queue);
        let deferred = self.defer.sent.iter().map(|h| h.command.clone()).collect();
        Halt::Request(Request::Batch(Batch { deferred, then }))
    }

    /// The response to a batch: the deferred commands' outputs settle the
    /// ops that ran them; the first that failed fails the host at its
    /// place, a checked fact that changed takes the VM back to its
    /// checkpoint. Otherwise: the response to the request it carried, or
    /// the end the VM was about to return.
    pub(super) fn settle(
        &mut self,
        done: Vec<CommandOutput>,
        lost: Option<String>,
        mut changed: Option<Result<Value, String>>,
        then: Option<Box<Response>>,
    ) -> Result<Settled, RuntimeError> {
        let sent = std::mem::take(&mut self.defer.sent);
        let count = done.len();
        let mut outputs = done.into_iter();
        // The outputs given to the ops so far: a rollback gives them again.
        let mut given: Vec<(Vec<u64>, CommandOutput)> = Vec::new();
        for (i, held) in sent.into_iter().enumerate() {
            let Some(out) = outputs.next() else {
                self.events.truncate(held.events);
                let mut err = held.place;
                err.message = lost.unwrap_or_else(|| "internal: a command got no answer".into());
                return Err(err);
            };
            if let Deferred::Verify(key) = &held.command
                && i + 1 == count
                && let Some(now) = changed.take()
            {
                self.roll_back(key.clone(), held, now, &given)?;
                return Ok(Settled::RolledBack);
            }
            if let Some(message) = failure(&held.command, &out) {
                self.events.truncate(held.events);
                let mut err = held.place;
                err.message = message;
                return Err(err);
            }
            self.give_output(&held.ops, &out);
            given.push((held.ops, out));
        }
        if let Some(message) = lost {
            // Lost during the request the VM halted for: placed here.
            return Err(self.error(message));
        }
        Ok(match self.defer.after.take() {
            Some(end) => Settled::End(end),
            None => Settled::Go(then.map(|r| *r)),
        })
    }

    /// A command's output becomes the last output of the op calls (still
    /// open) that ran it.
    fn give_output(&mut self, ops: &[u64], out: &CommandOutput) {
        for op in self.ops.iter_mut().filter(|o| ops.contains(&o.serial)) {
            op.last = out.clone();
        }
    }

    /// Back to the checkpoint of a checked fact that changed, which now has
    /// the value `now`; the events since are dropped, the outputs `given`
    /// (of the commands that ran before the check) kept.
    fn roll_back(
        &mut self,
        key: FactQuery,
        held: Held,
        now: Result<Value, String>,
        given: &[(Vec<u64>, CommandOutput)],
    ) -> Result<(), RuntimeError> {
        let Some(checkpoint) = held.checkpoint else {
            let mut err = held.place;
            err.message = "internal: a checked fact without a checkpoint".into();
            return Err(err);
        };
        self.events.truncate(held.events);
        let events = std::mem::take(&mut self.events);
        let moment = self.facts.moment();
        let Vm {
            stack,
            frames,
            ops,
            facts,
            next_op,
            ..
        } = *checkpoint;
        (self.stack, self.frames, self.ops, self.facts, self.next_op) =
            (stack, frames, ops, facts, next_op);
        self.facts.set_moment(moment);
        for (ops, out) in given {
            self.give_output(ops, out);
        }
        self.events = events;
        self.defer.clear();
        self.pending = Pending::Nothing;
        match now {
            Ok(value) => {
                self.facts.insert(key, value.clone());
                self.stack.push(value);
                Ok(())
            }
            Err(e) => {
                let mut err = held.place;
                err.message = format!("cannot read {e}");
                Err(err)
            }
        }
    }
}

/// Why a deferred command's output fails the host, if it does.
fn failure(command: &Deferred, out: &CommandOutput) -> Option<String> {
    match command {
        _ if out.code == 0 => None,
        Deferred::Verify(_) => None,
        Deferred::Exec { check: false, .. } => None,
        Deferred::Exec { exec, .. } => Some(exec_failure(&exec.display, out)),
        Deferred::Upload(upload) => Some(upload_failure(&upload_display(&upload.remote), out)),
    }
}

/// How a checked command that failed is reported.
pub(super) fn exec_failure(display: &str, out: &CommandOutput) -> String {
    let stderr = out.stderr.trim_end();
    let mut msg = format!("command failed with exit code {}: {display}", out.code);
    if !stderr.is_empty() {
        msg.push_str(&format!("\n{stderr}"));
    }
    msg
}

/// How an upload refused on the host is reported.
pub(super) fn upload_failure(display: &str, out: &CommandOutput) -> String {
    format!("{display} failed: {}", out.stderr.trim_end())
}

/// How an upload is shown among an op's commands.
pub(super) fn upload_display(remote: &str) -> String {
    format!("upload {remote}")
}
