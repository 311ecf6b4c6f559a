//! Help texts as Vault's framework renders them (`?help=1`, `vault path-help`).

use super::field::Field;
use super::path::PathDef;
use super::pattern::Pattern;

fn indent(n: usize, text: &str) -> String {
    let pad = " ".repeat(n);
    text.trim().lines().map(|l| format!("{pad}{l}")).collect::<Vec<_>>().join("\n")
}

fn type_name(f: &Field) -> &'static str {
    use super::field::FieldType as T;
    match f.kind {
        T::String | T::LowerCaseString => "string",
        T::Name => "string",
        T::Int => "int",
        T::Bool => "bool",
        T::Map => "map",
        T::KvPairs => "keypair",
        T::Duration => "duration (sec)",
        T::SignedDuration => "signed duration (sec)",
        T::CommaStrings => "slice",
        T::Strings => "slice",
        T::CommaInts => "slice",
        T::Slice => "slice",
    }
}

/// The help of one path: synopsis, parameters, description.
pub(super) fn path_help<E>(request: &str, pattern: &Pattern, def: &PathDef<E>) -> String {
    let mut out = format!("Request:        {request}\nMatching Route: {}\n\n", pattern.regex());
    out.push_str(def.synopsis.trim());
    out.push_str("\n\n");
    let mut fields: Vec<&Field> = def.fields.iter().flat_map(|g| g.iter()).collect();
    fields.sort_by_key(|f| f.name);
    if !fields.is_empty() {
        out.push_str("## PARAMETERS\n");
        for f in fields {
            let description =
                if f.deprecated { format!("(DEPRECATED) {}", f.description) } else { f.description.into() };
            out.push_str(&format!("\n{} ({})\n\n{}\n", indent(4, f.name), type_name(f), indent(8, &description)));
        }
        out.push('\n');
    } else {
        out.push('\n');
    }
    out.push_str("## DESCRIPTION\n\n");
    out.push_str(def.description.trim());
    out
}

/// The help of a backend's root: its description and a line per path.
pub(super) fn backend_help<'a>(help: &str, paths: impl Iterator<Item = (&'a Pattern, &'static str)>) -> String {
    let mut out = format!("## DESCRIPTION\n\n{}\n\n## PATHS\n\nThe following paths are supported by this backend. To view help for\nany of the paths below, use the help command with any route matching\nthe path pattern. Note that depending on the policy of your auth token,\nyou may or may not be able to access certain paths.\n", help.trim());
    let mut rows: Vec<(String, &str)> = paths.map(|(p, s)| (p.regex(), s)).collect();
    rows.sort();
    for (regex, synopsis) in rows {
        out.push_str(&format!("\n    {regex}\n{}\n", indent(8, synopsis)));
    }
    out.trim().to_string()
}
