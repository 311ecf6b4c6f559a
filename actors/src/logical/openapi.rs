//! `sys/internal/specs/openapi`: an OpenAPI 3 document generated from the tables of the mounted
//! backends, in Vault's shape (a path item per pattern below its mount, path parameters from
//! the captures, a request body schema from the declared fields, `x-vault-*` extensions).

use super::display::operation_id;
use super::field::Field;
use super::path::{Op, PathDef};
use super::pattern::Pattern;
use super::{matches_special, PathsSpecial};
use serde_json::{json, Map, Value};

fn schema_of(f: &Field) -> Value {
    let (kind, item_or_format) = f.kind.openapi();
    let mut s = json!({"type": kind, "description": f.description});
    if f.deprecated {
        s["deprecated"] = json!(true);
    }
    if let Some(attrs) = f.display.to_json() {
        s["x-vault-displayAttrs"] = attrs;
    }
    match (kind, item_or_format) {
        ("array", Some(item)) => s["items"] = json!({"type": item}),
        (_, Some(format)) => s["format"] = json!(format),
        _ => {}
    }
    s
}

/// Vault's `generic_mount_paths` form of a mount: `auth/userpass/` → the prefix
/// `auth/{userpass_mount_path}` and that parameter, which defaults to the mount's own path.
fn generic_mount(mount: &str) -> (String, Value) {
    let (auth, bare) = match mount.strip_prefix("auth/") {
        Some(rest) => ("auth/", rest.trim_end_matches('/')),
        None => ("", mount.trim_end_matches('/')),
    };
    let name = format!("{}_mount_path", bare.replace(['/', '-', '.'], "_"));
    let param = json!({
        "name": name, "description": "Path that the backend was mounted at", "in": "path",
        "schema": {"type": "string", "default": bare}, "required": true,
    });
    (format!("{auth}{{{name}}}"), param)
}

/// The path items of one backend mounted at `mount`, a mount of type `kind`; with `generic`,
/// the mount path is a parameter (Vault's `generic_mount_paths`).
pub(super) fn paths<'a, E: 'a>(
    mount: &str,
    kind: &str,
    generic: bool,
    rows: impl Iterator<Item = (&'a Pattern, &'a PathDef<E>)>,
    special: &PathsSpecial,
) -> Map<String, Value> {
    let mut out = Map::new();
    let tag = match mount {
        "sys/" => "system",
        m if m.starts_with("auth/") => "auth",
        _ => "secrets",
    };
    let (shown_mount, mount_param) = match generic {
        true => {
            let (prefix, param) = generic_mount(mount);
            (prefix, Some(param))
        }
        false => (mount.trim_end_matches('/').to_string(), None),
    };
    for (pattern, def) in rows.filter(|(_, def)| !def.unpublished) {
        let captures: Vec<&str> = pattern.capture_names().collect();
        let relative = pattern.openapi_path();
        let mut item = Map::new();
        item.insert("description".into(), json!(def.synopsis.trim()));
        let mut parameters: Vec<Value> = captures
            .iter()
            .map(|name| {
                let desc =
                    def.fields.iter().flat_map(|g| g.iter()).find(|f| f.name == *name).map_or("", |f| f.description);
                json!({"name": name, "description": desc, "in": "path", "schema": {"type": "string"}, "required": true})
            })
            .collect();
        parameters.extend(mount_param.clone());
        if !parameters.is_empty() {
            item.insert("parameters".into(), Value::Array(parameters));
        }
        let rel = relative.trim_start_matches('/');
        mark_special(&mut item, rel, special);
        if def.existence.is_some() {
            item.insert("x-vault-createSupported".into(), json!(true));
        }
        if let Some(attrs) = def.display.to_json() {
            item.insert("x-vault-displayAttrs".into(), attrs);
        }
        let body_fields: Vec<&Field> =
            def.fields.iter().flat_map(|g| g.iter()).filter(|f| !captures.contains(&f.name)).collect();
        let declared = |op: Op| def.ops.iter().any(|(o, _)| *o == op);
        let mut list = None;
        for (op, _) in &def.ops {
            let method = match op {
                Op::Read | Op::List => "get",
                Op::Create | Op::Update => "post",
                Op::Patch => "patch",
                Op::Delete => "delete",
            };
            // A path with both documents its update, as Vault does; a list has an item of its own.
            let taken = match op {
                Op::List => list.is_some(),
                _ => item.contains_key(method),
            };
            if taken || (*op == Op::Create && declared(Op::Update)) {
                continue;
            }
            let op_display = def.op_display.iter().find(|(o, _)| o == op).map(|(_, d)| d);
            let id = operation_id(rel, &def.display, *op, op_display, kind);
            let mut operation = json!({
                "summary": def.synopsis.trim(),
                "operationId": id,
                "tags": [tag],
                "responses": {"200": {"description": "OK"}},
            });
            if *op == Op::List {
                operation["parameters"] = json!([{
                    "name": "list", "description": "Must be set to `true`", "in": "query",
                    "schema": {"type": "string", "enum": ["true"]}, "required": true,
                }]);
            }
            if matches!(op, Op::Create | Op::Update | Op::Patch) && !body_fields.is_empty() {
                let props: Map<String, Value> =
                    body_fields.iter().map(|f| (f.name.to_string(), schema_of(f))).collect();
                let required: Vec<&str> = body_fields.iter().filter(|f| f.required).map(|f| f.name).collect();
                let mut schema = json!({"type": "object", "properties": props});
                if !required.is_empty() {
                    schema["required"] = json!(required);
                }
                let ct = if *op == Op::Patch { "application/merge-patch+json" } else { "application/json" };
                operation["requestBody"] = json!({"required": true, "content": {ct: {"schema": schema}}});
            }
            if *op == Op::Delete || matches!(op, Op::Create | Op::Update) {
                operation["responses"] = json!({"204": {"description": "empty body"}, "200": {"description": "OK"}});
            }
            match op {
                Op::List => list = Some(operation),
                _ => {
                    item.insert(method.into(), operation);
                }
            }
        }
        let key = match shown_mount.as_str() {
            "" => relative.clone(),
            m => format!("/{m}{relative}"),
        };
        // A list is a GET too: Vault documents it under the path with a trailing slash, and
        // leaves out the path without one when listing is all it does.
        let Some(list) = list else {
            out.insert(key, Value::Object(item));
            continue;
        };
        let mut list_item: Map<String, Value> = ["description", "parameters", "x-vault-displayAttrs"]
            .into_iter()
            .filter_map(|k| item.get(k).map(|v| (k.to_string(), v.clone())))
            .collect();
        let list_rel = match rel.ends_with('/') || rel.is_empty() {
            true => rel.to_string(),
            false => format!("{rel}/"),
        };
        mark_special(&mut list_item, &list_rel, special);
        list_item.insert("get".into(), list);
        if ["get", "post", "patch", "delete"].iter().any(|m| item.contains_key(*m)) {
            out.insert(key.clone(), Value::Object(item));
        }
        let list_key = if key.ends_with('/') { key } else { format!("{key}/") };
        out.insert(list_key, Value::Object(list_item));
    }
    out
}

/// `x-vault-unauthenticated` and `x-vault-sudo` for the path `rel` below the mount.
fn mark_special(item: &mut Map<String, Value>, rel: &str, special: &PathsSpecial) {
    if matches_special(special.unauthenticated, rel) {
        item.insert("x-vault-unauthenticated".into(), json!(true));
    }
    if matches_special(special.root, rel) {
        item.insert("x-vault-sudo".into(), json!(true));
    }
}

/// `write-userpass-users-username` → `WriteUserpassUsersUsername`.
fn pascal_case(id: &str) -> String {
    id.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Moves each operation's request body schema to `components.schemas` under
/// `<PascalCase(operationId)>Request`, leaving a `$ref` in its place, as Vault's document does.
fn extract_request_schemas(paths: &mut Map<String, Value>) -> Map<String, Value> {
    let mut schemas = Map::new();
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut().filter_map(Value::as_object_mut) {
            let Some(id) = op.get("operationId").and_then(Value::as_str).map(pascal_case) else {
                continue;
            };
            let Some(content) = op.get_mut("requestBody").and_then(|b| b.get_mut("content")) else {
                continue;
            };
            for media in content.as_object_mut().into_iter().flat_map(|c| c.values_mut()) {
                let Some(schema) = media.get_mut("schema") else {
                    continue;
                };
                let mut name = format!("{id}Request");
                // Two operations with one name keep apart (the second gets a number).
                let mut n = 2;
                while schemas.get(&name).is_some_and(|s| s != schema) {
                    name = format!("{id}Request{n}");
                    n += 1;
                }
                let reference = json!({"$ref": format!("#/components/schemas/{name}")});
                schemas.insert(name, std::mem::replace(schema, reference));
            }
        }
    }
    schemas
}

/// The whole document over the given path items.
pub fn document(version: &str, mut paths: Map<String, Value>) -> Value {
    let schemas = extract_request_schemas(&mut paths);
    json!({
        "openapi": "3.0.2",
        "info": {
            "title": "HashiCorp Vault API",
            "description": "HTTP API that gives you full access to Vault. All API routes are prefixed with `/v1/`.",
            "version": version,
            "license": {"name": "Mozilla Public License 2.0", "url": "https://www.mozilla.org/en-US/MPL/2.0"},
        },
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

#[cfg(test)]
mod tests {
    use super::{document, generic_mount, pascal_case};
    use serde_json::json;

    #[test]
    fn generic_mounts_are_named_as_vaults() {
        let (prefix, param) = generic_mount("auth/userpass/");
        assert_eq!(prefix, "auth/{userpass_mount_path}");
        assert_eq!(param["name"], json!("userpass_mount_path"));
        assert_eq!(param["schema"]["default"], json!("userpass"));
        assert_eq!(generic_mount("secret/").0, "{secret_mount_path}");
    }

    #[test]
    fn request_bodies_become_component_schemas() {
        assert_eq!(pascal_case("write-userpass-users-username"), "WriteUserpassUsersUsername");
        let body = json!({"type": "object", "properties": {"password": {"type": "string"}}});
        let paths = json!({"/auth/userpass/users/{username}": {"post": {
            "operationId": "write-userpass-users-username",
            "requestBody": {"required": true, "content": {"application/json": {"schema": body}}},
        }}});
        let doc = document("v", paths.as_object().cloned().unwrap());
        let op = &doc["paths"]["/auth/userpass/users/{username}"]["post"];
        assert_eq!(
            op["requestBody"]["content"]["application/json"]["schema"],
            json!({"$ref": "#/components/schemas/WriteUserpassUsersUsernameRequest"})
        );
        assert_eq!(doc["components"]["schemas"]["WriteUserpassUsersUsernameRequest"], body);
    }
}
