//! The complete small engine `docs/architecture.md` walks through ("how to add a secrets
//! engine"), kept here so the example always compiles and passes its test.

use crate::engines::EngineContext;
use crate::handler;
use crate::logical::{Display, Engine, Field, FieldData, FieldType, PathDef, Reply};
use crate::{CoreError, Request, Response};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A note as stored under `note/<name>` in the mount's view.
#[derive(Serialize, Deserialize)]
struct Note {
    text: String,
    ttl: u64,
}

pub struct Notes {
    ctx: EngineContext,
}

impl Notes {
    pub fn new(ctx: EngineContext) -> Self {
        Notes { ctx }
    }

    async fn list(&self, _: &Request, _: &FieldData) -> Reply {
        Ok(Some(Response::list(self.ctx.view.list("note/").await?)))
    }

    async fn read(&self, _: &Request, d: &FieldData) -> Reply {
        let name = d.str("name").unwrap_or_default();
        let note: Note = self.ctx.view.get_json(&format!("note/{name}")).await?.ok_or(CoreError::NotFound)?;
        let mut resp = Response::from_value(json!({ "text": note.text }));
        // A lease hint, capped by the mount's live max TTL (tuning reaches the engine at once).
        resp.lease = Some((false, note.ttl.min(self.ctx.system.max_lease_ttl())));
        Ok(Some(resp))
    }

    async fn write(&self, _: &Request, d: &FieldData) -> Reply {
        let name = d.str("name").unwrap_or_default();
        let text = d.str("text").filter(|t| !t.is_empty()).ok_or_else(|| CoreError::invalid("missing text"))?;
        let note = Note { text: text.to_string(), ttl: d.seconds("ttl").unwrap_or(0) };
        self.ctx.view.put_json(&format!("note/{name}"), &note).await?;
        Ok(None)
    }

    async fn delete(&self, _: &Request, d: &FieldData) -> Reply {
        self.ctx.view.delete(&format!("note/{}", d.str("name").unwrap_or_default())).await?;
        Ok(None)
    }

    async fn exists(&self, _: &Request, d: &FieldData) -> Result<bool, CoreError> {
        Ok(self.ctx.view.get(&format!("note/{}", d.str("name").unwrap_or_default())).await?.is_some())
    }
}

const NOTE_FIELDS: &[Field] = &[
    Field::new("name", FieldType::Name, "Name of the note."),
    Field::new("text", FieldType::String, "What the note says.").required(),
    Field::new("ttl", FieldType::Duration, "How long readers may cache it."),
];

#[async_trait]
impl Engine for Notes {
    fn paths() -> Vec<PathDef<Self>> {
        vec![
            PathDef::new("notes/?")
                .display(Display::ids("notes", "notes"))
                .list(handler!(Self::list))
                .help("List the notes.", "Lists the names of every note."),
            PathDef::new("notes/{name}")
                .display(Display::ids("notes", "note"))
                .fields(&[NOTE_FIELDS])
                .read(handler!(Self::read))
                .update(handler!(Self::write))
                .delete(handler!(Self::delete))
                .exists(handler!(Self::exists))
                .help("Read, write and delete a note.", "A note is a piece of text with a TTL hint."),
        ]
    }

    fn help() -> &'static str {
        "The notes engine keeps short texts."
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logical::{Backend, LogicalBackend};
    use crate::test_support::{engine_context, unsealed_view};
    use crate::Operation;

    fn req(op: Operation, path: &str, body: serde_json::Value) -> Request {
        let mut r = Request::new(op, format!("notes-mount/{path}"));
        r.relative_path = path.to_string();
        r.data = body.as_object().cloned().unwrap_or_default();
        r
    }

    #[actix_rt::test]
    async fn the_example_engine_works() {
        let notes = Backend::new(Notes::new(engine_context(unsealed_view().await))).unwrap();
        let write = req(Operation::Update, "notes/todo", json!({"text": "buy milk", "ttl": "1h"}));
        assert_eq!(notes.exists(&write).await.unwrap(), Some(false));
        notes.handle(&write).await.unwrap();
        let read = notes.handle(&req(Operation::Read, "notes/todo", json!({}))).await.unwrap().unwrap();
        assert_eq!((read.data.unwrap()["text"].clone(), read.lease), (json!("buy milk"), Some((false, 3600))));
        let list = notes.handle(&req(Operation::List, "notes/", json!({}))).await.unwrap().unwrap();
        assert_eq!(list.data.unwrap()["keys"], json!(["todo"]));
        let bad = notes.handle(&req(Operation::Update, "notes/x", json!({"ttl": "soon"}))).await.unwrap_err();
        assert_eq!(bad.to_string(), "error converting input for field \"ttl\": time: invalid duration \"soon\"");
        let gone = notes.handle(&req(Operation::Patch, "notes/todo", json!({}))).await.unwrap_err();
        assert_eq!(gone.status(), 405);
    }
}
