//! The item table of every module, and the lowering state shared by all
//! functions.

use std::collections::HashMap;
use std::sync::Arc;

use infrac_bytecode::{
    FactDef, FactKind, Function, FunctionKind, GroupDef, ModuleInfo, OpChanges, OpDef, ParamDef,
    PrefetchArg, Program, RecordDef, StageDef, TypeDesc,
};
use infrac_syntax::ast::{
    Block, EnumDecl, Expr, FactDecl, FnDecl, GroupDecl, Ident, ItemKind, OpDecl, Param, ParamDecl,
    Span, StageDecl, TypeDecl, TypeExpr,
};

use crate::def::Def;
use crate::items::ItemId;
use crate::lower::prefetch::{Callee, constant_arg};
use crate::lower::{LowerError, ModuleInput};

#[derive(Clone)]
pub(crate) enum ItemRef<'a> {
    Record(u32),
    /// A type alias, declared in module `module`.
    Alias {
        module: usize,
        target: &'a TypeExpr,
    },
    Enum {
        name: Arc<str>,
        variants: Vec<Arc<str>>,
    },
    Param(u32),
    Group(u32),
    Stage(u32),
    Fact(u32),
    Op(u32),
    /// A function with a body.
    Fn(u32),
    Native(u32),
}

/// A callee's parameters (for named arguments and defaults).
#[derive(Clone, Default)]
pub(crate) struct Sig {
    pub params: Vec<SigParam>,
    /// A function's declared result (`changes` clauses need to know which
    /// arguments are lists).
    pub ret: Option<TypeDesc>,
}

#[derive(Clone)]
pub(crate) struct SigParam {
    pub name: String,
    pub ty: TypeDesc,
    /// A `Default` function.
    pub default: Option<u32>,
    /// The default when it is a literal (for the stage prefetch).
    pub literal_default: Option<PrefetchArg>,
}

/// The parameters and body of an op or a fact, in its module.
#[derive(Clone, Copy)]
pub(crate) struct Body<'a> {
    pub module: usize,
    pub block: &'a Block,
}

/// A body waiting to be lowered into an allocated function.
pub(crate) enum Job<'a> {
    Default {
        func: u32,
        module: usize,
        expr: &'a Expr,
        ty: TypeDesc,
    },
    Fn {
        func: u32,
        module: usize,
        decl: &'a FnDecl,
        body: &'a Block,
    },
    Op {
        func: u32,
        module: usize,
        decl: &'a OpDecl,
    },
    Fact {
        func: u32,
        module: usize,
        decl: &'a FactDecl,
        body: &'a Block,
    },
    Stage {
        func: u32,
        stage: u32,
        module: usize,
        decl: &'a StageDecl,
    },
    Group {
        func: u32,
        module: usize,
        decl: &'a GroupDecl,
        data: TypeDesc,
    },
}

/// Which callable a signature belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SigKey {
    Fn(u32),
    Native(u32),
    Op(u32),
    Fact(u32),
}

pub(crate) struct Lowerer<'a> {
    pub modules: &'a [ModuleInput<'a>],
    pub program: Program,
    /// What each checked item lowers to.
    pub by_id: HashMap<ItemId, ItemRef<'a>>,
    pub sigs: HashMap<SigKey, Sig>,
    pub jobs: Vec<Job<'a>>,
    shapes: HashMap<Vec<Arc<str>>, u32>,
    /// The declaration of every op and fact with a body, by index (for the
    /// stage prefetch analysis).
    pub bodies: HashMap<Callee, Body<'a>>,
    /// The ops some `notify:` names, in the order first seen.
    pub handler_ops: Vec<u32>,
}

/// `lib/common.infra` -> `common`; `<std>/files.infra` -> `files`.
pub(crate) fn stem(path: &str) -> &str {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let base = base.rsplit("::").next().unwrap_or(base);
    base.strip_suffix(".infra").unwrap_or(base)
}

impl<'a> Lowerer<'a> {
    pub fn new(modules: &'a [ModuleInput<'a>]) -> Self {
        let program = Program {
            modules: modules
                .iter()
                .map(|m| ModuleInfo {
                    path: m.path.clone(),
                    is_std: m.is_std,
                })
                .collect(),
            ..Program::default()
        };
        Lowerer {
            modules,
            program,
            by_id: HashMap::new(),
            sigs: HashMap::new(),
            jobs: Vec::new(),
            shapes: HashMap::new(),
            bodies: HashMap::new(),
            handler_ops: Vec::new(),
        }
    }

    pub fn finish(self) -> Program {
        self.program
    }

    pub fn error(&self, module: usize, span: Span, message: impl Into<String>) -> LowerError {
        LowerError {
            module,
            span,
            message: message.into(),
        }
    }

    /// `files.directory` for display; `directory` alone for the root-less case.
    pub fn qualified(&self, module: usize, name: &str) -> String {
        match self.modules.get(module) {
            Some(m) => format!("{}.{name}", stem(&m.path)),
            None => name.to_string(),
        }
    }

    /// Reserves a function to be filled in later.
    pub fn alloc_function(
        &mut self,
        name: String,
        kind: FunctionKind,
        module: usize,
        arity: u32,
    ) -> u32 {
        let idx = self.program.functions.len() as u32;
        self.program.functions.push(Function {
            name,
            kind,
            module: module as u32,
            arity,
            locals: arity,
            code: Vec::new(),
            spans: Vec::new(),
            consts: Vec::new(),
        });
        idx
    }

    /// A `Default` function computing `expr` (of type `ty`) in `module`.
    pub fn alloc_default(
        &mut self,
        name: String,
        module: usize,
        expr: &'a Expr,
        ty: TypeDesc,
    ) -> u32 {
        let func = self.alloc_function(name, FunctionKind::Default, module, 0);
        self.jobs.push(Job::Default {
            func,
            module,
            expr,
            ty,
        });
        func
    }

    pub fn shape(&mut self, names: Vec<Arc<str>>) -> u32 {
        if let Some(&i) = self.shapes.get(&names) {
            return i;
        }
        let i = self.program.shapes.len() as u32;
        self.program.shapes.push(names.clone());
        self.shapes.insert(names, i);
        i
    }

    /// Step 1: every item gets its index, so that bodies can refer to items
    /// declared later or in other modules.
    pub fn register_items(&mut self, root: usize) -> Result<(), LowerError> {
        for (m, input) in self.modules.iter().enumerate() {
            for (item, id) in input.ast.items.iter().zip(&input.items) {
                let kind = match &item.kind {
                    // Stages are registered below, in run order.
                    ItemKind::Use(_) | ItemKind::Error | ItemKind::Stage(_) => continue,
                    ItemKind::Type(d) => self.register_type(m, d),
                    ItemKind::Enum(d) => register_enum(d),
                    ItemKind::Param(d) => self.register_param(m, d, item.span),
                    ItemKind::Group(d) => self.register_group(m, d, item.span),
                    ItemKind::Fact(d) => self.register_fact(m, d),
                    ItemKind::Op(d) => self.register_op(m, d),
                    ItemKind::Fn(d) => self.register_fn(m, d),
                };
                if let Some(id) = id {
                    self.by_id.insert(*id, kind);
                }
            }
        }
        let user = (0..self.modules.len()).filter(|&m| !self.modules[m].is_std && m != root);
        for m in user.chain(std::iter::once(root)) {
            let Some(input) = self.modules.get(m) else {
                continue;
            };
            for (item, id) in input.ast.items.iter().zip(&input.items) {
                if let (ItemKind::Stage(d), Some(id)) = (&item.kind, id) {
                    let kind = self.register_stage(m, d, item.span);
                    self.by_id.insert(*id, kind);
                }
            }
        }
        Ok(())
    }

    fn register_type(&mut self, m: usize, d: &'a TypeDecl) -> ItemRef<'a> {
        match &d.body {
            infrac_syntax::ast::TypeDeclBody::Record(_) => {
                let idx = self.program.records.len() as u32;
                self.program.records.push(RecordDef {
                    name: d.name.name.clone(),
                    fields: Vec::new(),
                });
                ItemRef::Record(idx)
            }
            infrac_syntax::ast::TypeDeclBody::Alias(target) => ItemRef::Alias { module: m, target },
        }
    }

    fn register_param(&mut self, m: usize, d: &'a ParamDecl, span: Span) -> ItemRef<'a> {
        let idx = self.program.params.len() as u32;
        self.program.params.push(ParamDef {
            name: d.name.name.clone(),
            module: m as u32,
            span: bspan(span),
            ty: TypeDesc::Any,
            default: None,
            required: d.default.is_none(),
            secret: false,
        });
        ItemRef::Param(idx)
    }

    fn register_group(&mut self, m: usize, d: &'a GroupDecl, span: Span) -> ItemRef<'a> {
        let idx = self.program.groups.len() as u32;
        self.program.groups.push(GroupDef {
            name: d.name.name.clone(),
            module: m as u32,
            span: bspan(span),
            data: TypeDesc::Unit,
            hosts: 0,
        });
        ItemRef::Group(idx)
    }

    fn register_stage(&mut self, m: usize, d: &'a StageDecl, span: Span) -> ItemRef<'a> {
        let idx = self.program.stages.len() as u32;
        self.program.stages.push(StageDef {
            name: d.name.name.clone(),
            module: m as u32,
            span: bspan(span),
            targets: Vec::new(),
            options: Default::default(),
            has_value: d.ret.is_some(),
            body: 0,
            prefetch: Vec::new(),
        });
        ItemRef::Stage(idx)
    }

    fn register_fact(&mut self, m: usize, d: &'a FactDecl) -> ItemRef<'a> {
        let idx = self.program.facts.len() as u32;
        let arity = d.params.as_ref().map_or(0, |p| p.len()) as u32;
        let is_std_facts = self
            .modules
            .get(m)
            .is_some_and(|mi| mi.is_std && stem(&mi.path) == "facts");
        // Standard facts keep their plain name: it is the runtime readers'
        // key. Other facts are named by their file (without `.infra`), so
        // that two modules named alike in different folders cannot share
        // cache entries.
        let name = match self.modules.get(m) {
            Some(mi) if !is_std_facts => {
                let file = mi.path.strip_suffix(".infra").unwrap_or(&mi.path);
                format!("{file}.{}", d.name.name)
            }
            _ => d.name.name.clone(),
        };
        let kind = match &d.body {
            Some(body) => {
                let func =
                    self.alloc_function(format!("fact {name}"), FunctionKind::Fact, m, arity);
                self.jobs.push(Job::Fact {
                    func,
                    module: m,
                    decl: d,
                    body,
                });
                let fact = self.program.facts.len() as u32;
                let body = Body {
                    module: m,
                    block: body,
                };
                self.bodies.insert(Callee::Fact(fact), body);
                FactKind::Body(func)
            }
            None => FactKind::Native,
        };
        self.program.facts.push(FactDef {
            name,
            module: m as u32,
            arity,
            kind,
        });
        ItemRef::Fact(idx)
    }

    fn register_op(&mut self, m: usize, d: &'a OpDecl) -> ItemRef<'a> {
        let idx = self.program.ops.len() as u32;
        let name = self.qualified(m, &d.name.name);
        let arity = d.params.len() as u32;
        let func = self.alloc_function(format!("op {name}"), FunctionKind::Op, m, arity);
        let changes = match &d.changes {
            None => OpChanges::All,
            Some(infrac_syntax::ast::Changes::Nothing(_)) => OpChanges::Nothing,
            Some(infrac_syntax::ast::Changes::Facts(_)) => OpChanges::Listed,
        };
        self.program.ops.push(OpDef {
            name,
            module: m as u32,
            function: func,
            arity,
            params: d.params.iter().map(|p| p.name.name.clone()).collect(),
            changes,
        });
        self.jobs.push(Job::Op {
            func,
            module: m,
            decl: d,
        });
        let body = Body {
            module: m,
            block: &d.body,
        };
        self.bodies.insert(Callee::Op(idx), body);
        ItemRef::Op(idx)
    }

    fn register_fn(&mut self, m: usize, d: &'a FnDecl) -> ItemRef<'a> {
        let name = self.qualified(m, &d.name.name);
        match &d.body {
            Some(body) => {
                let func = self.alloc_function(name, FunctionKind::Fn, m, d.params.len() as u32);
                self.jobs.push(Job::Fn {
                    func,
                    module: m,
                    decl: d,
                    body,
                });
                ItemRef::Fn(func)
            }
            None => {
                let idx = self.program.natives.len() as u32;
                self.program.natives.push(name);
                ItemRef::Native(idx)
            }
        }
    }

    /// What the checker resolved the name at `span` of module `m` to.
    pub fn def(&self, m: usize, span: Span) -> Option<&Def> {
        self.modules.get(m)?.names.get(&span)
    }

    /// What the item named `name` (where it is declared, or used) lowers to.
    pub fn item_named(&self, m: usize, name: &Ident) -> Option<ItemRef<'a>> {
        match self.def(m, name.span)? {
            Def::Item(id) => self.by_id.get(id).cloned(),
            _ => None,
        }
    }

    /// Step 2: signatures, types and program-level declarations.
    pub fn declare(&mut self) -> Result<(), LowerError> {
        for (m, input) in self.modules.iter().enumerate() {
            for item in &input.ast.items {
                match &item.kind {
                    ItemKind::Type(TypeDecl {
                        name,
                        body: infrac_syntax::ast::TypeDeclBody::Record(fields),
                    }) => {
                        if let Some(ItemRef::Record(r)) = self.item_named(m, name) {
                            let fields = self.record_fields(m, &name.name, fields)?;
                            if let Some(rec) = self.program.records.get_mut(r as usize) {
                                rec.fields = fields;
                            }
                        }
                    }
                    ItemKind::Fact(d) => {
                        if let Some(ItemRef::Fact(f)) = self.item_named(m, &d.name) {
                            let params = d.params.as_deref().unwrap_or_default();
                            let sig = self.sig(m, &d.name.name, params)?;
                            self.sigs.insert(SigKey::Fact(f), sig);
                        }
                    }
                    ItemKind::Op(d) => {
                        if let Some(ItemRef::Op(o)) = self.item_named(m, &d.name) {
                            let sig = self.sig(m, &d.name.name, &d.params)?;
                            self.sigs.insert(SigKey::Op(o), sig);
                        }
                    }
                    ItemKind::Fn(d) => {
                        let key = match self.item_named(m, &d.name) {
                            Some(ItemRef::Fn(f)) => SigKey::Fn(f),
                            Some(ItemRef::Native(n)) => SigKey::Native(n),
                            _ => continue,
                        };
                        let mut sig = self.sig(m, &d.name.name, &d.params)?;
                        sig.ret = match &d.ret {
                            Some(t) => Some(self.resolve_type(m, t)?),
                            None => None,
                        };
                        self.sigs.insert(key, sig);
                    }
                    _ => {}
                }
            }
        }
        for (m, input) in self.modules.iter().enumerate() {
            for item in &input.ast.items {
                match &item.kind {
                    ItemKind::Param(d) => self.declare_param(m, d)?,
                    ItemKind::Group(d) => self.declare_group(m, d)?,
                    _ => {}
                }
            }
        }
        self.declare_stages()
    }

    fn sig(&mut self, m: usize, owner: &str, params: &'a [Param]) -> Result<Sig, LowerError> {
        let mut out = Vec::with_capacity(params.len());
        for p in params {
            let ty = self.resolve_type(m, &p.ty)?;
            let default = match &p.default {
                Some(e) => {
                    let name = format!("{} default {}", self.qualified(m, owner), p.name.name);
                    Some(self.alloc_default(name, m, e, ty.clone()))
                }
                None => None,
            };
            let literal_default = p.default.as_ref().and_then(constant_arg);
            out.push(SigParam {
                name: p.name.name.clone(),
                ty,
                default,
                literal_default,
            });
        }
        Ok(Sig {
            params: out,
            ret: None,
        })
    }

    /// Step 3: lower every queued body (lowering may queue more).
    pub fn drain_jobs(&mut self) -> Result<(), LowerError> {
        while let Some(job) = self.jobs.pop() {
            self.lower_job(job)?;
        }
        Ok(())
    }
}

fn register_enum<'a>(d: &'a EnumDecl) -> ItemRef<'a> {
    ItemRef::Enum {
        name: Arc::from(d.name.name.as_str()),
        variants: d
            .variants
            .iter()
            .map(|v| Arc::from(v.name.name.as_str()))
            .collect(),
    }
}

pub(crate) fn bspan(s: Span) -> infrac_bytecode::Span {
    infrac_bytecode::Span::new(s.start, s.end)
}
