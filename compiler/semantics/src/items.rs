//! Per-file syntax queries: the parse, the item tree (signatures only, with
//! item-relative spans) and each item's full tree (item-relative too).
//!
//! Item-relative spans are what make checking incremental: typing inside a
//! stage body changes that stage's [`item_ast`] only; the [`item_tree`] and
//! every other item's tree compare equal and salsa reuses their results.
//! The parse keeps each item relative already, shared with [`item_ast`]:
//! a file's tree is stored once.

use std::collections::HashMap;
use std::sync::Arc;

use infrac_syntax::Shift;
use infrac_syntax::SyntaxError;
use infrac_syntax::ast::{
    self, Block, Expr, ExprKind, FactDecl, FnDecl, GroupDecl, Item, ItemKind, OpDecl, ParamDecl,
    Span, StageDecl,
};

use crate::db::{Db, SourceFile};

/// A file's parse: each item with item-relative spans and where it
/// starts in the file, and the syntax errors (absolute).
#[derive(Debug)]
pub struct FileSyntax {
    pub items: Vec<(u32, Arc<Item>)>,
    pub errors: Vec<SyntaxError>,
}

impl FileSyntax {
    /// Item `index` with absolute spans (a copy).
    pub fn absolute_item(&self, index: usize) -> Option<Item> {
        let (origin, item) = self.items.get(index)?;
        let mut copy = Item::clone(item);
        copy.shift(i64::from(*origin));
        Some(copy)
    }

    /// The file's tree with absolute spans (a copy: for the lowering and
    /// tools that walk a whole file).
    pub fn absolute(&self) -> ast::SourceFile {
        ast::SourceFile {
            items: (0..self.items.len())
                .filter_map(|i| self.absolute_item(i))
                .collect(),
        }
    }
}

#[salsa::tracked(returns(ref), no_eq)]
pub fn parse(db: &dyn Db, file: SourceFile) -> FileSyntax {
    let parse = infrac_syntax::parse(file.text(db).as_deref().unwrap_or(""));
    let items = parse
        .file
        .items
        .into_iter()
        .map(|mut item| {
            let origin = item.span.start;
            item.shift(-i64::from(origin));
            (origin, Arc::new(item))
        })
        .collect();
    FileSyntax {
        items,
        errors: parse.errors,
    }
}

/// The kind of a named item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemTag {
    Type,
    Enum,
    Param,
    Group,
    Stage,
    Fact,
    Op,
    Fn,
}

impl ItemTag {
    pub fn of(kind: &ItemKind) -> Option<ItemTag> {
        Some(match kind {
            ItemKind::Type(_) => ItemTag::Type,
            ItemKind::Enum(_) => ItemTag::Enum,
            ItemKind::Param(_) => ItemTag::Param,
            ItemKind::Group(_) => ItemTag::Group,
            ItemKind::Stage(_) => ItemTag::Stage,
            ItemKind::Fact(_) => ItemTag::Fact,
            ItemKind::Op(_) => ItemTag::Op,
            ItemKind::Fn(_) => ItemTag::Fn,
            ItemKind::Use(_) | ItemKind::Error => return None,
        })
    }

    pub fn describe(self) -> &'static str {
        match self {
            ItemTag::Type => "type",
            ItemTag::Enum => "enum",
            ItemTag::Param => "param",
            ItemTag::Group => "group",
            ItemTag::Stage => "stage",
            ItemTag::Fact => "fact",
            ItemTag::Op => "op",
            ItemTag::Fn => "fn",
        }
    }
}

/// A named item, identified by file, kind, name and its rank among items
/// with the same kind and name (duplicates are reported, but still checked).
/// Stable across edits that do not rename items.
// Never collected (`revisions = usize::MAX`), so ids can live in query results
// without a `'db` lifetime.
#[salsa::interned(unsafe(no_lifetime), revisions = usize::MAX, debug)]
pub struct ItemId {
    #[returns(copy)]
    pub file: SourceFile,
    #[returns(copy)]
    pub tag: ItemTag,
    #[returns(ref)]
    pub name: String,
    #[returns(copy)]
    pub ordinal: u32,
}

/// The named items of a file with their signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemTree {
    pub items: Vec<TreeItem>,
    by_id: HashMap<ItemId, usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeItem {
    pub id: ItemId,
    /// Position in the parsed file's item list.
    pub index: u32,
    /// The item without its bodies (stage/fact/op/fn blocks, group hosts),
    /// spans relative to the item's start, the item span itself zeroed.
    pub sig: Item,
}

impl ItemTree {
    pub fn get(&self, id: ItemId) -> Option<&TreeItem> {
        self.by_id.get(&id).and_then(|&i| self.items.get(i))
    }
}

#[salsa::tracked(returns(ref))]
pub fn item_tree(db: &dyn Db, file: SourceFile) -> ItemTree {
    let mut ordinals: HashMap<(ItemTag, &str), u32> = HashMap::new();
    let mut items = Vec::new();
    let mut by_id = HashMap::new();
    for (index, (_, item)) in parse(db, file).items.iter().enumerate() {
        let (Some(tag), Some(name)) = (ItemTag::of(&item.kind), item.kind.name()) else {
            continue;
        };
        let ordinal = ordinals.entry((tag, name.name.as_str())).or_insert(0);
        let id = ItemId::new(db, file, tag, name.name.clone(), *ordinal);
        *ordinal += 1;
        by_id.insert(id, items.len());
        items.push(TreeItem {
            id,
            index: index as u32,
            sig: signature_of(item),
        });
    }
    ItemTree { items, by_id }
}

/// The item, relative, with its bodies emptied (so that body edits leave it
/// unchanged). Built without copying the bodies.
fn signature_of(item: &Item) -> Item {
    let empty = || Block {
        stmts: Vec::new(),
        span: Span::default(),
    };
    let kind = match &item.kind {
        ItemKind::Stage(d) => ItemKind::Stage(StageDecl {
            name: d.name.clone(),
            targets: d.targets.clone(),
            options: d.options.clone(),
            ret: d.ret.clone(),
            body: empty(),
        }),
        ItemKind::Fact(d) => ItemKind::Fact(FactDecl {
            name: d.name.clone(),
            params: d.params.clone(),
            ret: d.ret.clone(),
            body: d.body.as_ref().map(|_| empty()),
        }),
        ItemKind::Op(d) => ItemKind::Op(OpDecl {
            name: d.name.clone(),
            params: d.params.clone(),
            changes: d.changes.clone(),
            body: empty(),
        }),
        ItemKind::Fn(d) => ItemKind::Fn(FnDecl {
            name: d.name.clone(),
            params: d.params.clone(),
            ret: d.ret.clone(),
            body: d.body.as_ref().map(|_| empty()),
        }),
        ItemKind::Group(d) => ItemKind::Group(GroupDecl {
            name: d.name.clone(),
            data_ty: d.data_ty.clone(),
            hosts: Expr {
                kind: ExprKind::Error,
                span: Span::default(),
            },
        }),
        ItemKind::Param(d) => ItemKind::Param(ParamDecl {
            name: d.name.clone(),
            ty: d.ty.clone(),
            default: None,
        }),
        other => other.clone(),
    };
    let mut sig = Item {
        kind,
        docs: item.docs.clone(),
        is_pub: item.is_pub,
        span: item.span,
    };
    sig.shift(-i64::from(item.span.start));
    sig.span = Span::default();
    sig
}

/// The full tree of one item, spans relative to the item's start (shared
/// with the parse).
#[salsa::tracked(returns(ref))]
pub fn item_ast(db: &dyn Db, id: ItemId) -> Option<Arc<Item>> {
    let file = id.file(db);
    let entry = item_tree(db, file).get(id)?;
    let (_, item) = parse(db, file).items.get(entry.index as usize)?;
    Some(Arc::clone(item))
}

/// Where an item starts in its file (to make its diagnostics absolute).
#[salsa::tracked(returns(copy))]
pub fn item_origin(db: &dyn Db, id: ItemId) -> u32 {
    let file = id.file(db);
    item_tree(db, file)
        .get(id)
        .and_then(|entry| parse(db, file).items.get(entry.index as usize))
        .map_or(0, |(origin, _)| *origin)
}

/// One imported module: `use std::files`, `use lib::common as c`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UseDecl {
    /// Every segment, the module name last (`["lib", "common"]`).
    pub path: Vec<String>,
    /// The name the module is known by in the file.
    pub alias: String,
    /// The span of the imported name (absolute).
    pub span: Span,
}

impl UseDecl {
    pub fn is_std(&self) -> bool {
        self.path.first().is_some_and(|p| p == "std")
    }
}

/// The `use` declarations of a file, absolute spans.
#[salsa::tracked(returns(ref))]
pub fn uses(db: &dyn Db, file: SourceFile) -> Vec<UseDecl> {
    let mut out = Vec::new();
    for (origin, item) in &parse(db, file).items {
        let ItemKind::Use(u) = &item.kind else {
            continue;
        };
        for name in &u.names {
            let mut path: Vec<String> = u.prefix.iter().map(|i| i.name.clone()).collect();
            path.push(name.name.name.clone());
            let alias = name.alias.as_ref().unwrap_or(&name.name);
            let span = name.name.span.to(alias.span);
            out.push(UseDecl {
                path,
                alias: alias.name.clone(),
                span: Span::new(span.start + origin, span.end + origin),
            });
        }
    }
    out
}

/// Convenience for the checker: the tree item of `id`.
pub fn tree_item(db: &dyn Db, id: ItemId) -> Option<&TreeItem> {
    item_tree(db, id.file(db)).get(id)
}
