//! One row of a backend's table (Vault's `framework.Path`): a pattern, its declared fields, a
//! handler per operation, an optional existence check and the help text.

use super::display::Display;
use super::field::{FieldData, Schema};
use super::pattern::Pattern;
use crate::{CoreError, Request, Response};
use futures::future::BoxFuture;

/// What a handler returns: `Ok(None)` is a success without a body (HTTP 204).
pub type Reply = Result<Option<Response>, CoreError>;

/// A handler of one operation on one path.
pub type HandlerFn<E> = for<'a> fn(&'a E, &'a Request, &'a FieldData) -> BoxFuture<'a, Reply>;

/// Vault's `ExistenceCheck`: does the resource a write names exist already?
pub type ExistenceFn<E> = for<'a> fn(&'a E, &'a Request, &'a FieldData) -> BoxFuture<'a, Result<bool, CoreError>>;

/// Wraps an `async fn(&E, &Request, &FieldData)` method as a table entry.
#[macro_export]
macro_rules! handler {
    ($f:path) => {
        |e, r, d| Box::pin($f(e, r, d))
    };
}

/// The operations a path can declare. A write arrives as `Update`; a path with an existence
/// check and a `Create` handler gets `Create` when the resource is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    Read,
    List,
    Create,
    Update,
    Patch,
    Delete,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::List => "list",
            Op::Create => "create",
            Op::Update => "update",
            Op::Patch => "patch",
            Op::Delete => "delete",
        }
    }
}

/// A declared path. Build with [`PathDef::new`] and the operation setters.
pub struct PathDef<E> {
    pub(super) pattern: &'static str,
    pub(super) fields: Schema,
    pub(super) arbitrary_input: bool,
    pub(super) ops: Vec<(Op, HandlerFn<E>)>,
    pub(super) existence: Option<ExistenceFn<E>>,
    pub(super) synopsis: &'static str,
    pub(super) description: &'static str,
    pub(super) display: Display,
    pub(super) op_display: Vec<(Op, Display)>,
    /// Left out of the OpenAPI document (Vault's `Unpublished`).
    pub(super) unpublished: bool,
}

impl<E> PathDef<E> {
    pub fn new(pattern: &'static str) -> Self {
        PathDef {
            pattern,
            fields: &[],
            arbitrary_input: false,
            ops: Vec::new(),
            existence: None,
            synopsis: "",
            description: "",
            display: Display::NONE,
            op_display: Vec::new(),
            unpublished: false,
        }
    }

    pub fn fields(mut self, fields: Schema) -> Self {
        self.fields = fields;
        self
    }

    /// The path takes any parameters (KV's data): no unknown-parameter warning.
    pub fn arbitrary_input(mut self) -> Self {
        self.arbitrary_input = true;
        self
    }

    pub fn op(mut self, op: Op, handler: HandlerFn<E>) -> Self {
        self.ops.push((op, handler));
        self
    }

    pub fn read(self, h: HandlerFn<E>) -> Self {
        self.op(Op::Read, h)
    }

    pub fn list(self, h: HandlerFn<E>) -> Self {
        self.op(Op::List, h)
    }

    pub fn create(self, h: HandlerFn<E>) -> Self {
        self.op(Op::Create, h)
    }

    pub fn update(self, h: HandlerFn<E>) -> Self {
        self.op(Op::Update, h)
    }

    pub fn patch(self, h: HandlerFn<E>) -> Self {
        self.op(Op::Patch, h)
    }

    pub fn delete(self, h: HandlerFn<E>) -> Self {
        self.op(Op::Delete, h)
    }

    pub fn exists(mut self, check: ExistenceFn<E>) -> Self {
        self.existence = Some(check);
        self
    }

    pub fn help(mut self, synopsis: &'static str, description: &'static str) -> Self {
        self.synopsis = synopsis;
        self.description = description;
        self
    }

    /// How a UI shows the path, and the words of its operation ids.
    pub fn display(mut self, display: Display) -> Self {
        self.display = display;
        self
    }

    /// The words of one operation's id, where they differ from the path's.
    pub fn op_display(mut self, op: Op, display: Display) -> Self {
        self.op_display.push((op, display));
        self
    }

    /// Served but not documented: a catch-all that only answers with guidance, or an alias
    /// documented under another path.
    pub fn unpublished(mut self) -> Self {
        self.unpublished = true;
        self
    }

    pub(super) fn handler(&self, op: Op) -> Option<HandlerFn<E>> {
        self.ops.iter().find(|(o, _)| *o == op).map(|(_, h)| *h)
    }
}

/// A compiled row.
pub(super) struct CompiledPath<E> {
    pub pattern: Pattern,
    pub def: PathDef<E>,
}
