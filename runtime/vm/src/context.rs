//! What every host's VM of one run shares: the program, the params and the
//! controller directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use infrac_bytecode::{Builtin, Const, Program};

use crate::plan::Mode;
use crate::secret_sources::{SourceCache, read_source};
use crate::value::{HostValue, Value};

#[derive(Debug)]
pub struct RunContext {
    program: Arc<Program>,
    params: Arc<[Value]>,
    base_dir: PathBuf,
    /// `consts[f]`: the constant pool of function `f` as values.
    consts: Arc<[Box<[Value]>]>,
    /// Run, plan or apply (see `crate::plan`).
    mode: Mode,
    /// The secret sources read so far: each is read once per run.
    sources: SourceCache,
    /// The hosts of each group (`program.groups` order), once evaluated:
    /// templates see them (`groups`).
    groups: Arc<[Vec<Arc<HostValue>>]>,
}

impl RunContext {
    /// `params` are in `program.params` order (see
    /// [`crate::controller::eval_params`]); `base_dir` is the directory of
    /// the program file (controller paths are relative to it).
    pub fn new(program: Arc<Program>, params: Arc<[Value]>, base_dir: PathBuf) -> Self {
        let consts = program
            .functions
            .iter()
            .map(|f| f.consts.iter().map(const_value).collect())
            .collect();
        RunContext {
            program,
            params,
            base_dir,
            consts,
            mode: Mode::Run,
            sources: SourceCache::default(),
            groups: Arc::from(Vec::new()),
        }
    }

    /// The same context, for VMs that plan or apply (see `crate::plan`).
    pub fn with_mode(&self, mode: Mode) -> Self {
        RunContext {
            mode,
            ..self.with_params(Arc::clone(&self.params))
        }
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// The same context with other param values.
    pub fn with_params(&self, params: Arc<[Value]>) -> Self {
        RunContext {
            program: Arc::clone(&self.program),
            params,
            base_dir: self.base_dir.clone(),
            consts: Arc::clone(&self.consts),
            mode: self.mode.clone(),
            sources: self.sources.clone(),
            groups: Arc::clone(&self.groups),
        }
    }

    /// The same context, knowing the hosts of each group (see
    /// [`crate::controller::eval_groups`]).
    pub fn with_groups(&self, groups: &[Vec<Arc<HostValue>>]) -> Self {
        RunContext {
            groups: Arc::from(groups),
            ..self.with_params(Arc::clone(&self.params))
        }
    }

    /// The hosts of each group, in `program.groups` order (empty before
    /// the groups are evaluated).
    pub fn groups(&self) -> &[Vec<Arc<HostValue>>] {
        &self.groups
    }

    /// The same context with another version of the same program (its
    /// functions unchanged: the stage options resolved from the params).
    pub(crate) fn with_program(&self, program: Arc<Program>) -> Self {
        RunContext {
            program,
            ..self.with_params(Arc::clone(&self.params))
        }
    }

    pub fn program(&self) -> &Arc<Program> {
        &self.program
    }
    pub fn params(&self) -> &[Value] {
        &self.params
    }
    pub fn base_dir(&self) -> &Path {
        &self.base_dir
    }
    pub(crate) fn consts(&self, func: usize) -> &[Value] {
        self.consts.get(func).map_or(&[], |c| c)
    }

    /// The secret `secret_env(arg)`, `secret_file(arg)` or
    /// `secret_cmd(arg)` gives, read on the first call of the run.
    pub(crate) fn secret_source(&self, source: Builtin, arg: &Value) -> Result<Value, String> {
        self.sources.get_or_read(source, arg, |source, arg| {
            read_source(source, arg, &self.base_dir)
        })
    }
}

fn const_value(c: &Const) -> Value {
    match c {
        Const::Int(n) => Value::Int(*n),
        Const::Float(x) => Value::Float(*x),
        Const::Str(s) => Value::Str(Arc::clone(s)),
        Const::Enum { ty, variant } => Value::Enum {
            ty: Arc::clone(ty),
            variant: Arc::clone(variant),
        },
    }
}
