//! A compiled table of paths (Vault's `framework.Backend` routing): the first pattern that
//! matches serves the request; 404 for an unknown path, 405 for an operation the path does not
//! declare; field decoding, the existence check, the unknown-parameter warning, help and the
//! OpenAPI items. A [`Table`] does not own its engine, so a backend built into the node (`sys/`,
//! `auth/token/`, served over the `Core`) uses the same table as a mounted one.

use super::field::FieldData;
use super::help;
use super::path::{CompiledPath, Op, PathDef, Reply};
use super::pattern::{Captures, Pattern};
use super::PathsSpecial;
use crate::{CoreError, Operation, Request, Response};
use serde_json::{Map, Value};

pub struct Table<E> {
    paths: Vec<CompiledPath<E>>,
    special: PathsSpecial,
    help: &'static str,
}

impl<E> Table<E> {
    /// Compiles `paths`; a malformed pattern is an internal error.
    pub fn new(paths: Vec<PathDef<E>>, special: PathsSpecial, help: &'static str) -> Result<Self, CoreError> {
        let paths = paths
            .into_iter()
            .map(|def| Ok(CompiledPath { pattern: Pattern::parse(def.pattern).map_err(CoreError::internal)?, def }))
            .collect::<Result<Vec<_>, CoreError>>()?;
        Ok(Table { paths, special, help })
    }

    pub fn special(&self) -> &PathsSpecial {
        &self.special
    }

    /// The path serving `path` (below the mount) and its captures.
    fn route(&self, path: &str) -> Option<(&CompiledPath<E>, Captures)> {
        self.paths.iter().find_map(|p| p.pattern.matches(path).map(|c| (p, c)))
    }

    /// Whether some path of the table matches `path`.
    pub fn knows(&self, path: &str) -> bool {
        self.route(path).is_some()
    }

    /// The declared operation a request asks of a path, before the existence check.
    fn declared_op(path: &CompiledPath<E>, op: Operation) -> Result<Op, CoreError> {
        let op = match op {
            Operation::Read => Op::Read,
            Operation::List => Op::List,
            Operation::Delete => Op::Delete,
            Operation::Patch => Op::Patch,
            Operation::Update => Op::Update,
            Operation::Help => return Err(CoreError::UnsupportedOperation),
        };
        let declared = path.def.handler(op).is_some() || (op == Op::Update && path.def.handler(Op::Create).is_some());
        if declared {
            Ok(op)
        } else {
            Err(CoreError::UnsupportedOperation)
        }
    }

    /// Serves a request whose `relative_path` is below the table's mount.
    pub async fn handle(&self, engine: &E, req: &Request) -> Reply {
        if req.operation == Operation::Help {
            return self.help_response(req);
        }
        let (path, captures) = self.route(&req.relative_path).ok_or(CoreError::UnsupportedPath)?;
        // As Vault's framework: the operation is checked before the fields.
        let mut op = Self::declared_op(path, req.operation)?;
        // Create and update on paths with an existence check validate without Vault's prefix.
        let prefixed = !(op == Op::Update && path.def.existence.is_some());
        let mut fields = FieldData::parse(&req.data, &captures, path.def.fields, prefixed)?;
        fields.forget("list");
        // A write to a missing resource is a `Create` where the path declares one.
        if let (Op::Update, Some(check), Some(_)) = (op, path.def.existence, path.def.handler(Op::Create)) {
            if !check(engine, req, &fields).await? {
                op = Op::Create;
            }
        }
        let handler = match (path.def.handler(op), op) {
            (Some(h), _) => h,
            (None, Op::Update) => path.def.handler(Op::Create).ok_or(CoreError::UnsupportedOperation)?,
            (None, _) => return Err(CoreError::UnsupportedOperation),
        };
        let mut resp = handler(engine, req, &fields).await?;
        if let (Some(r), Some(w), false) = (resp.as_mut(), fields.ignored_warning(), path.def.arbitrary_input) {
            r.warnings.push(w);
        }
        Ok(resp)
    }

    /// Vault's existence check: `None` where the path has none.
    pub async fn exists(&self, engine: &E, req: &Request) -> Result<Option<bool>, CoreError> {
        let Some((path, captures)) = self.route(&req.relative_path) else {
            return Ok(None);
        };
        let Some(check) = path.def.existence else {
            return Ok(None);
        };
        let fields = FieldData::parse(&req.data, &captures, path.def.fields, false)?;
        Ok(Some(check(engine, req, &fields).await?))
    }

    /// The help of the path a request names, or of the table for its root.
    fn help_response(&self, req: &Request) -> Reply {
        let (text, openapi) = if req.relative_path.is_empty() {
            let text = help::backend_help(self.help, self.paths.iter().map(|p| (&p.pattern, p.def.synopsis)));
            (text, self.openapi("", "", false))
        } else {
            let (path, _) = self.route(&req.relative_path).ok_or(CoreError::UnsupportedPath)?;
            let text = help::path_help(&req.relative_path, &path.pattern, &path.def);
            let one = super::openapi::paths("", "", false, std::iter::once((&path.pattern, &path.def)), &self.special);
            (text, one)
        };
        let mut data = Map::new();
        data.insert("help".into(), Value::String(text));
        data.insert("openapi".into(), super::openapi::document(crate::VERSION, openapi));
        data.insert("see_also".into(), Value::Null);
        Ok(Some(Response::with_data(data)))
    }

    /// The OpenAPI path items of this table below `mount` (e.g. `auth/userpass/`); `generic`
    /// makes the mount path a parameter (Vault's `generic_mount_paths`).
    pub fn openapi(&self, mount: &str, kind: &str, generic: bool) -> Map<String, Value> {
        super::openapi::paths(mount, kind, generic, self.paths.iter().map(|p| (&p.pattern, &p.def)), &self.special)
    }
}
