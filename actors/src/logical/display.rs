//! Vault's `DisplayAttributes`: how a UI shows a path or a field (`x-vault-displayAttrs` in the
//! OpenAPI document) and the words of a path's operation ids (`<prefix>-<verb>-<suffix>`), which
//! client generators turn into method names.

use super::path::Op;
use serde_json::{Map, Value};

/// Display attributes of a path, one of its operations, or a field. Empty strings are unset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Display {
    /// First word of the operation ids (`userpass`); else the mount type, as Vault's default.
    pub operation_prefix: &'static str,
    /// Middle word (`login`); else the operation (`read`, `write` for updates, ...).
    pub operation_verb: &'static str,
    /// Last word (`user`); else, without a verb, the path's words.
    pub operation_suffix: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub group: &'static str,
    pub item_type: &'static str,
    pub action: &'static str,
    pub edit_type: &'static str,
    pub navigation: bool,
    pub sensitive: bool,
}

impl Display {
    pub const NONE: Display = Display {
        operation_prefix: "",
        operation_verb: "",
        operation_suffix: "",
        name: "",
        description: "",
        group: "",
        item_type: "",
        action: "",
        edit_type: "",
        navigation: false,
        sensitive: false,
    };

    /// Operation ids `<prefix>-<op>-<suffix>`, the most common declaration.
    pub const fn ids(prefix: &'static str, suffix: &'static str) -> Display {
        Display { operation_prefix: prefix, operation_suffix: suffix, ..Display::NONE }
    }

    /// Operation ids `<prefix>-<verb>-<suffix>` whatever the operation.
    pub const fn verb(prefix: &'static str, verb: &'static str, suffix: &'static str) -> Display {
        Display { operation_prefix: prefix, operation_verb: verb, operation_suffix: suffix, ..Display::NONE }
    }

    /// A field's label and form group in a UI.
    pub const fn named(name: &'static str, group: &'static str) -> Display {
        Display { name, group, ..Display::NONE }
    }

    /// A field whose value a UI masks.
    pub const SENSITIVE: Display = Display { sensitive: true, ..Display::NONE };

    pub const fn describe(mut self, description: &'static str) -> Display {
        self.description = description;
        self
    }

    /// A path a UI lists under the mount, showing its items as `item_type`.
    pub const fn navigation(mut self, item_type: &'static str) -> Display {
        self.navigation = true;
        self.item_type = item_type;
        self
    }

    /// A path whose form a UI titles `action` (`Create`) for an `item_type`.
    pub const fn action(mut self, item_type: &'static str, action: &'static str) -> Display {
        self.item_type = item_type;
        self.action = action;
        self
    }

    /// `x-vault-displayAttrs`: the attributes a UI reads (never the operation id words), or
    /// `None` when there are none.
    pub(super) fn to_json(self) -> Option<Value> {
        let mut m = Map::new();
        let strings = [
            ("name", self.name),
            ("description", self.description),
            ("itemType", self.item_type),
            ("group", self.group),
            ("action", self.action),
            ("editType", self.edit_type),
        ];
        for (k, v) in strings.into_iter().filter(|(_, v)| !v.is_empty()) {
            m.insert(k.into(), Value::from(v));
        }
        for (k, v) in [("sensitive", self.sensitive), ("navigation", self.navigation)].into_iter().filter(|(_, v)| *v) {
            m.insert(k.into(), Value::Bool(v));
        }
        (!m.is_empty()).then_some(Value::Object(m))
    }
}

/// Vault's `constructOperationID`: the operation's words override the path's; what is still
/// missing comes from the mount type, the operation and the path's own words.
pub(super) fn operation_id(path: &str, path_attrs: &Display, op: Op, op_attrs: Option<&Display>, kind: &str) -> String {
    let pick =
        |f: fn(&Display) -> &'static str| op_attrs.map(f).filter(|s| !s.is_empty()).unwrap_or_else(|| f(path_attrs));
    let (mut prefix, mut verb, mut suffix) =
        (pick(|d| d.operation_prefix), pick(|d| d.operation_verb), pick(|d| d.operation_suffix).to_string());
    if prefix.is_empty() && verb.is_empty() {
        prefix = kind;
    }
    if suffix.is_empty() && verb.is_empty() {
        suffix = path
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("-");
    }
    if verb.is_empty() {
        verb = match op {
            Op::Update => "write",
            other => other.as_str(),
        };
    }
    [prefix, verb, suffix.as_str()]
        .iter()
        .filter(|w| !w.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("-")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_built_as_vaults() {
        let user = Display::ids("userpass", "user");
        assert_eq!(operation_id("users/{username}", &user, Op::Read, None, "userpass"), "userpass-read-user");
        assert_eq!(operation_id("users/{username}", &user, Op::Update, None, "userpass"), "userpass-write-user");
        let login = Display::verb("userpass", "login", "");
        assert_eq!(operation_id("login/{username}", &login, Op::Update, None, "userpass"), "userpass-login");
        // Nothing declared: the mount type, the operation and the path's words.
        assert_eq!(
            operation_id("users/{username}", &Display::NONE, Op::Read, None, "userpass"),
            "userpass-read-users-username"
        );
        // An operation's own words win over the path's.
        let get = Display::verb("", "look-up", "get");
        let lookup = Display::ids("token", "");
        assert_eq!(operation_id("lookup", &lookup, Op::Read, Some(&get), "token"), "token-look-up-get");
    }

    #[test]
    fn only_ui_attributes_are_shown() {
        assert_eq!(Display::ids("a", "b").to_json(), None);
        let users = Display::ids("userpass", "users").navigation("User").to_json();
        assert_eq!(users, Some(serde_json::json!({"navigation": true, "itemType": "User"})));
        assert_eq!(Display::SENSITIVE.to_json(), Some(serde_json::json!({"sensitive": true})));
    }
}
