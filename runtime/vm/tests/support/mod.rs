//! Compiles small programs with the real front end (checker included), and runs
//! their stages against a scripted fake host (no tokio, no I/O).

#![allow(dead_code)] // each test file uses a part of this module

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use infrac_bytecode::Program;
use infrac_compiler::{Database, MemoryFileLoader};
use infrac_vm::controller::ParamInput;
use infrac_vm::request::{CommandOutput, Deferred, FactKey, FactQuery, Request, Response, Sudo};
use infrac_vm::value::{HostSpec, HostValue, Value};
use infrac_vm::{Event, Halt, RunContext, RuntimeError, Vm};

/// Checks and compiles `src` (as `site.infra`) with the standard modules
/// it uses. Panics on diagnostics: test programs are valid.
pub fn compile(src: &str) -> Program {
    compile_files(&[("site.infra", src)])
}

/// [`compile`] for several user files (the first is the root); `use a::b`
/// refers to the file `a/b.infra`.
pub fn compile_files(files: &[(&str, &str)]) -> Program {
    let loader = MemoryFileLoader {
        files: files
            .iter()
            .map(|(path, src)| (PathBuf::from(path), src.to_string()))
            .collect(),
    };
    let mut db = Database::new(Arc::new(loader));
    let (root_path, root_text) = files[0];
    let root = db.set_file_text(std::path::Path::new(root_path), root_text.to_string());
    match infrac_compiler::compile(&db, root) {
        Ok(p) => p,
        Err(diags) => panic!("{diags:#?}"),
    }
}

pub fn local_host() -> Arc<HostValue> {
    host(false)
}

/// The local host, with `sudo: true` or not.
pub fn host(sudo: bool) -> Arc<HostValue> {
    Arc::new(HostValue {
        name: "box".into(),
        spec: HostSpec::Local,
        data: Value::None,
        sudo,
        sudo_password: None,
    })
}

/// `key` read as the login user.
pub fn login(key: FactKey) -> FactQuery {
    FactQuery { key, sudo: None }
}

/// A VM for `local_host()` with the params' defaults.
pub fn vm(program: Program) -> Vm {
    vm_with(program, &[])
}

pub fn vm_with(program: Program, sets: &[(&str, &str)]) -> Vm {
    let ctx = context(program, sets);
    Vm::new(Arc::new(ctx), local_host())
}

pub fn context(program: Program, sets: &[(&str, &str)]) -> RunContext {
    let base = RunContext::new(
        Arc::new(program),
        Arc::from(Vec::new()),
        std::env::temp_dir(),
    );
    let sets: Vec<ParamInput> = sets.iter().map(|(k, v)| ParamInput::set(k, v)).collect();
    infrac_vm::controller::eval_params(&base, &sets).unwrap_or_else(|e| panic!("params: {e}"))
}

/// A scripted host: native facts by key (for every user, unless one user
/// sees it otherwise), command outputs by a substring of the script; it
/// records every request.
#[derive(Default)]
pub struct FakeHost {
    pub facts: HashMap<FactKey, Value>,
    pub facts_as: HashMap<FactQuery, Value>,
    pub outputs: Vec<(String, CommandOutput)>,
    /// Facts the commands change: a batch's check of one finds this value.
    pub changed: HashMap<FactKey, Value>,
    pub requests: Vec<Request>,
    pub events: Vec<Event>,
}

impl FakeHost {
    pub fn fact(mut self, key: FactKey, value: Value) -> Self {
        self.facts.insert(key, value);
        self
    }

    /// What the user of `sudo` (`None`: the login user) reads for `key`.
    pub fn fact_as(mut self, key: FactKey, sudo: Option<Sudo>, value: Value) -> Self {
        self.facts_as.insert(FactQuery { key, sudo }, value);
        self
    }

    /// After the commands, `key` reads `value` (a check of it fails).
    pub fn changed_by_commands(mut self, key: FactKey, value: Value) -> Self {
        self.changed.insert(key, value);
        self
    }

    pub fn output(mut self, script_part: &str, code: i32, stdout: &str) -> Self {
        let out = CommandOutput {
            code,
            stdout: stdout.into(),
            stderr: if code == 0 { "" } else { "boom" }.into(),
        };
        self.outputs.push((script_part.into(), out));
        self
    }

    fn answer(&mut self, req: &Request) -> Response {
        match req {
            Request::Exec(e) => {
                let out = self
                    .outputs
                    .iter()
                    .find(|(part, _)| e.script.contains(part.as_str()));
                Response::Done(out.map(|(_, o)| o.clone()).unwrap_or_default())
            }
            Request::ReadFacts(queries) => Response::Facts(
                queries
                    .iter()
                    .map(|q| {
                        self.facts_as
                            .get(q)
                            .or_else(|| self.facts.get(&q.key))
                            .cloned()
                            .ok_or_else(|| "no such fact".to_string())
                    })
                    .collect(),
            ),
            Request::Upload(_) | Request::Sleep(_) => Response::Done(CommandOutput::default()),
            // Like the runtime: in order, up to the first that fails.
            Request::Batch(batch) => {
                let mut done = Vec::new();
                for d in &batch.deferred {
                    if let Deferred::Verify(q) = d {
                        done.push(CommandOutput::default());
                        if let Some(now) = self.changed.remove(&q.key) {
                            self.facts.insert(q.key.clone(), now.clone());
                            return Response::Batch {
                                done,
                                lost: None,
                                changed: Some(Ok(now)),
                                then: None,
                            };
                        }
                        continue;
                    }
                    let (out, check) = match d {
                        Deferred::Exec { exec, check } => {
                            match self.answer(&Request::Exec(exec.clone())) {
                                Response::Done(out) => (out, *check),
                                _ => (CommandOutput::default(), *check),
                            }
                        }
                        Deferred::Upload(_) | Deferred::Verify(_) => {
                            (CommandOutput::default(), true)
                        }
                    };
                    let failed = check && out.code != 0;
                    done.push(out);
                    if failed {
                        return Response::Batch {
                            done,
                            lost: None,
                            changed: None,
                            then: None,
                        };
                    }
                }
                let then = batch.then.as_deref().map(|r| Box::new(self.answer(r)));
                Response::Batch {
                    done,
                    lost: None,
                    changed: None,
                    then,
                }
            }
        }
    }

    /// Runs stage `stage` to its end, with a small budget to exercise
    /// resumption.
    pub fn run(&mut self, vm: &mut Vm, stage: usize) -> Result<Value, RuntimeError> {
        vm.start_stage(stage, &[])?;
        let mut response = None;
        loop {
            let halt = vm.resume(response.take(), 7);
            self.events.extend(vm.take_events());
            match halt {
                Halt::Request(r) => {
                    response = Some(self.answer(&r));
                    self.requests.push(r);
                }
                Halt::Budget => {}
                Halt::Done(v) => return Ok(v),
                Halt::Failed(e) => return Err(e),
            }
        }
    }

    /// The display texts of the commands run, in order.
    pub fn commands(&self) -> Vec<String> {
        fn displays(r: &Request, out: &mut Vec<String>) {
            match r {
                Request::Exec(e) => out.push(e.display.clone()),
                Request::Batch(b) => {
                    for d in &b.deferred {
                        if let Deferred::Exec { exec, .. } = d {
                            out.push(exec.display.clone());
                        }
                    }
                    if let Some(then) = &b.then {
                        displays(then, out);
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        for r in &self.requests {
            displays(r, &mut out);
        }
        out
    }
}

/// Each request, as the kinds of what it carries: `read(n)` for n facts,
/// `run` for a command waited for, `defer` for a deferred one, `sleep(n)` between two attempts.
pub fn shape(host: &FakeHost) -> Vec<String> {
    fn kinds(r: &Request) -> String {
        match r {
            Request::ReadFacts(q) => format!("read({})", q.len()),
            Request::Exec(_) => "run".into(),
            Request::Upload(_) => "upload".into(),
            Request::Sleep(n) => format!("sleep({n})"),
            Request::Batch(b) => {
                let mut parts: Vec<String> = b
                    .deferred
                    .iter()
                    .map(|d| match d {
                        Deferred::Exec { .. } => "defer".to_string(),
                        Deferred::Upload(_) => "defer-upload".to_string(),
                        Deferred::Verify(_) => "check".to_string(),
                    })
                    .collect();
                parts.extend(b.then.as_deref().map(kinds));
                parts.join("+")
            }
        }
    }
    host.requests.iter().map(kinds).collect()
}

pub fn s(text: &str) -> Value {
    Value::Str(text.into())
}

pub fn key(name: &str, args: &[&str]) -> FactKey {
    FactKey {
        name: name.into(),
        args: args
            .iter()
            .map(|a| infrac_vm::request::FactArg::Str(a.to_string()))
            .collect(),
    }
}

/// Runs the only stage of `src` on a host with no facts; its value.
pub fn eval(src: &str) -> Result<Value, RuntimeError> {
    let mut vm = vm(compile(src));
    FakeHost::default().run(&mut vm, 0)
}
