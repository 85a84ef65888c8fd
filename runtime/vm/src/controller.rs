//! Evaluation on the controller, before any host is touched: params (from
//! `--set` text, params files and defaults) and the host lists of groups.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use infrac_bytecode::{Program, Serial, Span, StageOptions, TypeDesc};

use crate::context::RunContext;
use crate::error::RuntimeError;
use crate::format::kind_name;
pub use crate::inventory::InventoryHost;
use crate::inventory::host_values;
use crate::machine::{Halt, Vm};
use crate::typed_json::{Strictness, from_json};
use crate::value::{HostValue, Value};

/// A bad param value (a usage error), with the param's declaration when known.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError {
    pub message: String,
    /// The declaration of the param (module index, span), when there is one.
    pub place: Option<(u32, Span)>,
}

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A param's value given from outside the program.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamInput {
    pub name: String,
    pub value: InputValue,
    pub origin: InputOrigin,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InputValue {
    /// Command-line text: converted as text for scalars and enums, read as
    /// JSON for lists, maps and records.
    Text(String),
    /// A value of a params file.
    Json(serde_json::Value),
}

/// Where a param's value was given, for messages.
#[derive(Debug, Clone, PartialEq)]
pub enum InputOrigin {
    /// `--set NAME=VALUE`.
    Set,
    /// `--set-file NAME=PATH`.
    SetFile(String),
    /// `--set-env NAME=VAR`.
    SetEnv(String),
    /// `--params FILE`: the file and the key's line (1-based).
    File { path: String, line: usize },
}

impl ParamInput {
    /// `--set NAME=TEXT`.
    pub fn set(name: &str, text: &str) -> ParamInput {
        ParamInput {
            name: name.to_string(),
            value: InputValue::Text(text.to_string()),
            origin: InputOrigin::Set,
        }
    }

    /// The text `--set` would take for the same value (plans store it).
    pub fn text(&self) -> String {
        match &self.value {
            InputValue::Text(text) => text.clone(),
            InputValue::Json(serde_json::Value::String(s)) => s.clone(),
            InputValue::Json(serde_json::Value::Null) => "none".into(),
            InputValue::Json(json) => json.to_string(),
        }
    }

    /// Where it was given: `--set replicas=two`, `vars.yaml:3: `users``.
    /// `shown`: whether the text may be shown (not when it holds a secret).
    fn describe(&self, shown: bool) -> String {
        let name = &self.name;
        match (&self.origin, &self.value) {
            (InputOrigin::Set, InputValue::Text(text)) if shown => format!("--set {name}={text}"),
            (InputOrigin::Set, _) => format!("--set {name}"),
            (InputOrigin::SetFile(path), _) => format!("--set-file {name}={path}"),
            (InputOrigin::SetEnv(var), _) => format!("--set-env {name}={var}"),
            (InputOrigin::File { path, line }, _) => format!("{path}:{line}: `{name}`"),
        }
    }

    /// Its value as `ty`.
    fn convert(&self, ctx: &Arc<RunContext>, ty: &TypeDesc) -> Result<Value, String> {
        let program = ctx.program();
        let json = match &self.value {
            InputValue::Text(text) if !structured(ty) => return parse_text(text, ty, program),
            InputValue::Text(text)
                if matches!(ty, TypeDesc::Optional(_)) && text.trim() == "none" =>
            {
                return Ok(Value::None);
            }
            InputValue::Text(text) => &serde_json::from_str(text)
                .map_err(|e| format!("not JSON ({e}); a {} is written as JSON", kind(ty)))?,
            InputValue::Json(json) => json,
        };
        from_json(ctx, json, ty, Strictness::Params).map_err(|e| e.to_string())
    }
}

/// Lists, maps and records (optional or not): given as JSON.
fn structured(ty: &TypeDesc) -> bool {
    match ty {
        TypeDesc::Optional(inner) => structured(inner),
        TypeDesc::List(_) | TypeDesc::Map(_) | TypeDesc::Record(_) => true,
        _ => false,
    }
}

/// The kind of a structured type, for messages.
fn kind(ty: &TypeDesc) -> &'static str {
    match ty {
        TypeDesc::Optional(inner) => kind(inner),
        TypeDesc::List(_) => "list",
        TypeDesc::Map(_) => "map",
        _ => "record",
    }
}

/// Whether a value of `ty` may hold a secret (then it is not shown).
pub fn holds_secret(ty: &TypeDesc, program: &Program) -> bool {
    holds_secret_in(ty, program, &mut Vec::new())
}

/// `seen`: the records being looked into (a record may hold itself).
fn holds_secret_in(ty: &TypeDesc, program: &Program, seen: &mut Vec<u32>) -> bool {
    match ty {
        TypeDesc::Secret => true,
        TypeDesc::Optional(inner) | TypeDesc::List(inner) | TypeDesc::Map(inner) => {
            holds_secret_in(inner, program, seen)
        }
        TypeDesc::Record(r) if seen.contains(r) => false,
        TypeDesc::Record(r) => {
            seen.push(*r);
            program.records.get(*r as usize).is_some_and(|def| {
                def.fields
                    .iter()
                    .any(|f| holds_secret_in(&f.ty, program, seen))
            })
        }
        _ => false,
    }
}

/// The value of every param, in `program.params` order: the last input
/// naming it converted to the declared type, else the default (which may
/// read earlier params). `ctx` supplies the program and the directory; its
/// params are ignored. Returns the context to run with; in its program,
/// stage options computed from params (`serial: batch`) are resolved.
pub fn eval_params(ctx: &RunContext, inputs: &[ParamInput]) -> Result<RunContext, ParamError> {
    let program = Arc::clone(ctx.program());
    for input in inputs {
        if !program.params.iter().any(|p| p.name == input.name) {
            let known: Vec<&str> = program.params.iter().map(|p| p.name.as_str()).collect();
            let known = if known.is_empty() {
                "the program has none".to_string()
            } else {
                known.join(", ")
            };
            let message = match &input.origin {
                InputOrigin::File { path, line } => {
                    format!(
                        "{path}:{line}: there is no param `{}` (params: {known})",
                        input.name
                    )
                }
                _ => format!("there is no param `{}` (params: {known})", input.name),
            };
            return Err(ParamError {
                message,
                place: None,
            });
        }
    }
    let mut values: Vec<Value> = Vec::with_capacity(program.params.len());
    for p in &program.params {
        let place = Some((p.module, p.span));
        let set = inputs.iter().rev().find(|input| input.name == p.name);
        // Defaults and record fields' defaults may read the earlier params.
        let partial = || {
            let mut partial = values.clone();
            partial.resize(program.params.len(), Value::None);
            Arc::new(ctx.with_params(partial.into()))
        };
        let value = match (set, p.default) {
            (Some(input), _) => input.convert(&partial(), &p.ty).map_err(|m| {
                let shown = !holds_secret(&p.ty, &program);
                ParamError {
                    message: format!("{}: {m}", input.describe(shown)),
                    place,
                }
            })?,
            (None, Some(func)) => run_function(&partial(), func).map_err(|e| ParamError {
                message: format!("the default of param `{}`: {}", p.name, e.message),
                place: Some((e.module, e.span)),
            })?,
            (None, None) if !p.required => Value::None,
            (None, None) => {
                return Err(ParamError {
                    message: format!(
                        "param `{}` has no default: set it with --set {}=...",
                        p.name, p.name
                    ),
                    place,
                });
            }
        };
        values.push(value);
    }
    let ctx = ctx.with_params(values.into());
    if program.dynamic_options.is_empty() {
        return Ok(ctx);
    }
    let ctx = Arc::new(ctx);
    let mut resolved = Program::clone(&program);
    for d in &program.dynamic_options {
        let Some(stage) = resolved.stages.get_mut(d.stage as usize) else {
            continue;
        };
        let value = run_function(&ctx, d.function).map_err(|e| ParamError {
            message: format!("the options of stage `{}`: {}", stage.name, e.message),
            place: Some((e.module, e.span)),
        })?;
        apply_options(&mut stage.options, &value).map_err(|message| ParamError {
            message: format!("the options of stage `{}`: {message}", stage.name),
            place: Some((stage.module, stage.span)),
        })?;
    }
    Ok(ctx.with_program(Arc::new(resolved)))
}

/// Sets the options computed at run time (a record of every option,
/// `none` for those not computed).
fn apply_options(options: &mut StageOptions, value: &Value) -> Result<(), String> {
    let Value::Record(fields) = value else {
        return Err("internal: options are not a record".into());
    };
    let count = |name: &str| match fields.get(name) {
        None | Some(Value::None) => Ok(None),
        Some(Value::Int(n)) => u32::try_from(*n)
            .ok()
            .filter(|&n| n >= 1)
            .map(Some)
            .ok_or_else(|| format!("`{name}: {n}` is not a count (1 or more)")),
        Some(other) => Err(format!(
            "`{name}` must be an int, found a {}",
            kind_name(other)
        )),
    };
    if let Some(n) = count("max_failures")? {
        options.max_failures = Some(n);
    }
    if let Some(n) = count("parallel")? {
        options.parallel = Some(n);
    }
    match fields.get("serial") {
        None | Some(Value::None) => {}
        Some(Value::Str(text)) => {
            let percent = Serial::percent(text)
                .ok_or_else(|| format!("`serial: {text:?}` is not a percentage (1% to 100%)"))?;
            options.serial = Some(percent);
        }
        Some(_) => options.serial = count("serial")?.map(Serial::Count),
    }
    if let Some(Value::Bool(b)) = fields.get("sudo") {
        options.sudo = *b;
    }
    Ok(())
}

/// Converts command-line text to a value of type `ty`.
pub fn parse_text(text: &str, ty: &TypeDesc, program: &Program) -> Result<Value, String> {
    match ty {
        TypeDesc::Str => Ok(Value::Str(text.into())),
        TypeDesc::Secret => Ok(Value::Secret(text.into())),
        TypeDesc::Int => parse_int(text).ok_or_else(|| format!("`{text}` is not an int")),
        TypeDesc::Float => text
            .trim()
            .parse()
            .map(Value::Float)
            .map_err(|_| format!("`{text}` is not a float")),
        TypeDesc::Bool => match text.trim() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{text}` is not a bool (true or false)")),
        },
        TypeDesc::Enum { name, variants } => match variants.iter().find(|v| &***v == text.trim()) {
            Some(v) => Ok(Value::Enum {
                ty: Arc::clone(name),
                variant: Arc::clone(v),
            }),
            None => {
                let all: Vec<&str> = variants.iter().map(|v| &**v).collect();
                Err(format!(
                    "`{text}` is not a variant of {name} ({})",
                    all.join(", ")
                ))
            }
        },
        TypeDesc::Optional(_) if text.trim() == "none" => Ok(Value::None),
        TypeDesc::Optional(inner) => parse_text(text, inner, program),
        other => Err(format!(
            "a param of type {} cannot be set from text",
            type_label(other, program)
        )),
    }
}

fn type_label(ty: &TypeDesc, program: &Program) -> String {
    match ty {
        TypeDesc::Record(r) => program
            .records
            .get(*r as usize)
            .map_or("record".into(), |r| r.name.clone()),
        TypeDesc::List(_) => "list".into(),
        TypeDesc::Map(_) => "map".into(),
        TypeDesc::Host => "Host".into(),
        TypeDesc::Cmd => "cmd".into(),
        _ => "this type".into(),
    }
}

fn parse_int(text: &str) -> Option<Value> {
    let t = text.trim().replace('_', "");
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    // The magnitude as u64: the smallest int's is one more than the largest's.
    let n = if let Some(d) = digits.strip_prefix("0o") {
        u64::from_str_radix(d, 8).ok()?
    } else if let Some(d) = digits.strip_prefix("0x") {
        u64::from_str_radix(d, 16).ok()?
    } else if let Some(d) = digits.strip_prefix("0b") {
        u64::from_str_radix(d, 2).ok()?
    } else {
        digits.parse().ok()?
    };
    let n = i128::from(n);
    i64::try_from(if neg { -n } else { n }).ok().map(Value::Int)
}

/// Reads the inventory file at a path (already joined to the program's
/// directory) and returns the hosts of `group` (all hosts when `None`).
pub type LoadInventory<'l> =
    dyn FnMut(&Path, Option<&str>) -> Result<Vec<InventoryHost>, String> + 'l;

/// The hosts of every group, in `program.groups` order. `ctx` must carry
/// the params (from [`eval_params`]). `inventory(...)` is an error here;
/// see [`eval_groups_with`].
pub fn eval_groups(ctx: &Arc<RunContext>) -> Result<Vec<Vec<Arc<HostValue>>>, RuntimeError> {
    eval_groups_with(ctx, &mut |path, _| {
        Err(format!(
            "cannot read inventory {}: no inventory reader is installed",
            path.display()
        ))
    })
}

/// [`eval_groups`], reading `inventory(path, group:)` with `load`; each
/// host's variables are converted to the group's data type.
pub fn eval_groups_with(
    ctx: &Arc<RunContext>,
    load: &mut LoadInventory<'_>,
) -> Result<Vec<Vec<Arc<HostValue>>>, RuntimeError> {
    let program = Arc::clone(ctx.program());
    let mut groups = Vec::with_capacity(program.groups.len());
    // Each name's host, and the last group (by index) that held it.
    let mut seen: HashMap<String, (usize, Arc<HostValue>)> = HashMap::new();
    for (index, g) in program.groups.iter().enumerate() {
        let mut inventory = |path: &str, group: Option<&str>| {
            let hosts = load(&ctx.base_dir().join(path), group)?;
            host_values(ctx, hosts, &g.data)
        };
        let value = run(ctx, g.hosts, &mut inventory)?;
        let fail = |message: String| RuntimeError {
            message,
            module: g.module,
            span: g.span,
            notes: Vec::new(),
        };
        let Value::List(items) = value else {
            return Err(fail(format!("group `{}` is not a list of hosts", g.name)));
        };
        let mut hosts: Vec<Arc<HostValue>> = Vec::with_capacity(items.len());
        for item in items.iter() {
            let Value::Host(h) = item else {
                return Err(fail(format!(
                    "group `{}` holds something that is not a host",
                    g.name
                )));
            };
            // A name is a host's identity for the whole run (its VM, its
            // connection, `--limit`): several groups may hold it only for
            // the same host, and a group only once.
            match seen.get_mut(h.name.as_str()) {
                Some((group, _)) if *group == index => {
                    return Err(fail(format!(
                        "host name `{}` appears twice in group `{}`",
                        h.name, g.name
                    )));
                }
                Some((group, other)) if other.spec != h.spec || other.sudo != h.sudo => {
                    return Err(fail(format!(
                        "host name `{}` names two different hosts: {} here and {} in group `{}`; \
                         give one of them another `name:`",
                        h.name,
                        h.describe(),
                        other.describe(),
                        program.groups[*group].name,
                    )));
                }
                Some((group, _)) => *group = index,
                None => {
                    seen.insert(h.name.clone(), (index, Arc::clone(h)));
                }
            }
            hosts.push(Arc::clone(h));
        }
        groups.push(hosts);
    }
    Ok(groups)
}

/// Runs a function without arguments on the controller (no host: a
/// command, an upload or a fact read is an error).
pub fn run_function(ctx: &Arc<RunContext>, func: u32) -> Result<Value, RuntimeError> {
    run(ctx, func, &mut |_, _| {
        Err("`inventory(...)` is only allowed in a group's host list".into())
    })
}

type Inventory<'l> = dyn FnMut(&str, Option<&str>) -> Result<Value, String> + 'l;

fn run(
    ctx: &Arc<RunContext>,
    func: u32,
    inventory: &mut Inventory<'_>,
) -> Result<Value, RuntimeError> {
    let mut vm = Vm::with_host(Arc::clone(ctx), None);
    if let Err(message) = vm.start_function(func, Vec::new()) {
        let module = ctx
            .program()
            .functions
            .get(func as usize)
            .map_or(0, |f| f.module);
        return Err(RuntimeError {
            message,
            module,
            span: Span::default(),
            notes: Vec::new(),
        });
    }
    loop {
        match vm.resume(None, u32::MAX) {
            Halt::Done(v) => return Ok(v),
            Halt::Failed(e) => return Err(e),
            Halt::Budget => {
                if let Some((path, group)) = vm.take_inventory_call() {
                    match inventory(&path, group.as_deref()) {
                        Ok(hosts) => vm.push_result(hosts),
                        Err(message) => return Err(vm.fail_here(message)),
                    }
                }
            }
            Halt::Request(_) => {
                return Err(vm.fail_here(
                    "hosts cannot be reached here: this runs on the controller".into(),
                ));
            }
        }
    }
}
