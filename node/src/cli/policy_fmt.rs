//! The layout `vault policy fmt` gives a policy file: HCL1's `hcl/printer` (two-space indents,
//! `=` and trailing comments aligned across adjacent one-line items, a blank line between
//! blocks, every comment kept). `hcl-rs`'s formatter works on `hcl::Body`, which has no
//! comments, so formatting in place with it would delete them; this is a port of the printer's
//! rules over the small HCL1 parser in `hcl1`, which keeps comments and source positions.

use super::hcl1::{parse, Comment, Item, Node, Object, Pos};

/// Formats policy HCL as `printer.Format` does (with its trailing newline).
pub fn format(src: &str) -> Result<String, String> {
    let file = parse(src)?;
    let mut printer = Printer { groups: file.groups, standalone: file.standalone, prev: Pos::default() };
    Ok(printer.object_list(&file.items) + "\n")
}

/// `hcl/printer` with Vault's configuration (two-space indents).
struct Printer {
    /// Every comment group, by the index items refer to.
    groups: Vec<Vec<Comment>>,
    /// The groups attached to no item, in source order.
    standalone: Vec<Vec<Comment>>,
    /// Where printing got to (the printer's `prev`), deciding which standalone comments go where.
    prev: Pos,
}

const INDENT: &str = "  ";

impl Printer {
    /// The standalone groups' comments between `prev` and `next`, group by group.
    fn standalone_between(&self, next: Pos) -> Vec<Vec<Comment>> {
        let prev = self.prev;
        let between = |c: &&Comment| c.start.after(prev) && c.start.before(next);
        let groups = self.standalone.iter().map(|g| g.iter().filter(between).cloned().collect::<Vec<_>>());
        groups.filter(|g| !g.is_empty()).collect()
    }

    fn texts(&self, group: Option<usize>) -> Vec<String> {
        group.map(|g| self.groups[g].iter().map(|c| c.text.clone()).collect()).unwrap_or_default()
    }

    /// The top level (`ObjectList`): blank lines between items except between adjacent empty
    /// blocks, standalone comment groups between them.
    fn object_list(&mut self, items: &[Item]) -> String {
        let mut buf = String::new();
        let mut index = 0;
        loop {
            let next =
                items.get(index).map(Item::pos).unwrap_or(Pos { offset: usize::MAX, line: usize::MAX, column: 0 });
            for group in self.standalone_between(next) {
                if self.prev.is_valid() && index == items.len() {
                    buf.push_str("\n\n");
                }
                for c in &group {
                    buf.push_str(&c.text);
                    buf.push('\n');
                }
                if index != items.len() {
                    buf.push('\n');
                }
            }
            if index == items.len() {
                break;
            }
            self.prev = items[index].pos();
            buf.push_str(&self.object_item(&items[index]));
            if let Some(next) = items.get(index + 1) {
                let cur = &items[index];
                buf.push('\n');
                if next.pos().line != cur.pos().line + 1 || !single_line_block(next) || !single_line_block(cur) {
                    buf.push('\n');
                }
            }
            index += 1;
        }
        buf
    }

    fn value(&mut self, node: &Node) -> String {
        match node {
            Node::Literal(tok, _, _) => tok.text.clone(),
            Node::List(lbrack, items) => self.list(*lbrack, items),
            Node::Object(o) => self.object_type(o),
        }
    }

    fn object_item(&mut self, item: &Item) -> String {
        let mut buf = String::new();
        for text in self.texts(item.lead) {
            buf.push_str(&text);
            buf.push('\n');
        }
        for k in &item.keys {
            buf.push_str(&k.text);
            buf.push(' ');
            if item.assign && item.keys.len() == 1 {
                buf.push_str("= ");
            }
        }
        buf.push_str(&self.value(&item.val));
        if item.val.pos().line == item.pos().line && item.line.is_some() {
            buf.push(' ');
            buf.push_str(&self.texts(item.line).concat());
        }
        buf
    }

    fn object_type(&mut self, o: &Object) -> String {
        let items = &o.items;
        let mut buf = String::from("{");
        let mut index = 0;
        let (mut commented, mut newline_printed) = (false, false);
        loop {
            let next = items.get(index).map(Item::pos).unwrap_or(o.rbrace);
            for group in self.standalone_between(next) {
                for c in &group {
                    if !newline_printed {
                        newline_printed = true;
                        buf.push('\n');
                    }
                    if index > 0 {
                        commented = true;
                        buf.push('\n');
                    }
                    // Vault's printer adds no newline here: two comments of a group that opens a
                    // block end up on one line. Kept, so that files format as with Vault.
                    buf.push_str(&indent(&c.text));
                }
                buf.push('\n');
                let last = group[group.len() - 1].start;
                if next != o.rbrace && next.line != last.line + 1 {
                    buf.push('\n');
                }
            }
            if index == items.len() {
                self.prev = o.rbrace;
                break;
            }
            if !newline_printed {
                buf.push('\n');
                newline_printed = true;
            }
            // Adjacent one-line items (a lead comment allowed) are aligned together.
            let start = index;
            for item in &items[start..] {
                if items.len() == 1 {
                    break;
                }
                let printed = self.object_item(item);
                if printed.matches('\n').count() + 1 > 2 {
                    break;
                }
                let cur = item.pos();
                let next = items.get(index + 1).map(Item::pos).unwrap_or_default();
                let prev = if index == 0 { Pos::default() } else { items[index - 1].pos() };
                if cur.line + 1 == next.line {
                    index += 1;
                    continue;
                }
                if cur.line.wrapping_sub(1) == prev.line {
                    index += 1;
                    if cur.line + 1 != next.line {
                        break;
                    }
                    continue;
                }
                break;
            }
            let aligned = &items[start..index];
            // Vault compares the index with the group's length, not with where it started.
            if !commented && index != aligned.len() {
                buf.push('\n');
            }
            if aligned.is_empty() {
                self.prev = items[index].pos();
                let printed = self.object_item(&items[index]);
                buf.push_str(&indent(&printed));
                index += 1;
            } else {
                self.prev = aligned[aligned.len() - 1].pos();
                let printed = self.aligned_items(aligned);
                buf.push_str(&indent(&printed));
            }
            buf.push('\n');
        }
        buf.push('}');
        buf
    }

    fn aligned_items(&mut self, items: &[Item]) -> String {
        let mut longest_key = 0;
        let mut longest_val = 0;
        for item in items {
            longest_key = longest_key.max(item.keys[0].text.len());
            longest_val = longest_val.max(self.value(&item.val).len());
        }
        let mut buf = String::new();
        for (i, item) in items.iter().enumerate() {
            for text in self.texts(item.lead) {
                buf.push_str(&text);
                buf.push('\n');
            }
            for k in &item.keys {
                buf.push_str(&k.text);
                buf.push_str(&" ".repeat((longest_key + 1).saturating_sub(k.text.len())));
                if item.assign && item.keys.len() == 1 {
                    buf.push_str("= ");
                }
            }
            let val = self.value(&item.val);
            buf.push_str(&val);
            if item.val.pos().line == item.pos().line && item.line.is_some() {
                buf.push_str(&" ".repeat((longest_val + 1).saturating_sub(val.len())));
                buf.push_str(&self.texts(item.line).concat());
            }
            if i != items.len() - 1 {
                buf.push('\n');
            }
        }
        buf
    }

    fn list(&mut self, lbrack: Pos, items: &[Node]) -> String {
        let mut buf = String::from("[");
        let longest = items
            .iter()
            .filter_map(|n| if let Node::Literal(t, _, _) = n { Some(t.text.len()) } else { None })
            .max()
            .unwrap_or(0);
        let mut space_before = false;
        let mut last_had_lead = false;
        for (i, item) in items.iter().enumerate() {
            let (lead, line) = match item {
                Node::Literal(_, lead, line) => (*lead, *line),
                _ => (None, None),
            };
            let val = self.value(item);
            let last = i == items.len() - 1;
            if item.pos().line != lbrack.line {
                // A multi-line list: one element per line, each with a trailing comma.
                buf.push('\n');
                space_before = false;
                if lead.is_some() {
                    if i > 0 && !last_had_lead {
                        buf.push('\n');
                    }
                    for text in self.texts(lead) {
                        buf.push_str(&indent(&text));
                        buf.push('\n');
                    }
                }
                buf.push_str(&indent(&val));
                buf.push(',');
                if line.is_some() {
                    buf.push(' ');
                    buf.push_str(&" ".repeat(longest.saturating_sub(val.len())));
                    buf.push_str(&self.texts(line).concat());
                }
                if last {
                    buf.push('\n');
                }
                if lead.is_some() && !last {
                    buf.push('\n');
                }
                last_had_lead = lead.is_some();
            } else {
                if space_before {
                    buf.push(' ');
                    space_before = false;
                }
                buf.push_str(&val);
                if !last {
                    buf.push(',');
                    space_before = true;
                }
                if line.is_some() {
                    buf.push(' ');
                    buf.push_str(&" ".repeat(longest.saturating_sub(val.len())));
                    buf.push_str(&self.texts(line).concat());
                }
            }
        }
        buf.push(']');
        buf
    }
}

/// Vault's `isSingleLineObject`: an empty block (`path "x" {}`) without a lead comment.
fn single_line_block(item: &Item) -> bool {
    item.lead.is_none() && !item.assign && matches!(&item.val, Node::Object(o) if o.items.is_empty())
}

/// Indents every non-empty line by one level.
fn indent(s: &str) -> String {
    let mut out = String::new();
    let mut bol = true;
    for c in s.chars() {
        if bol && c != '\n' {
            out.push_str(INDENT);
        }
        out.push(c);
        bol = c == '\n';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lays_out_like_vaults_printer() {
        let src = "# top comment\npath \"secret/*\" {\ncapabilities = [\"create\", \"read\"]\n    min_wrapping_ttl = \"1h\" # trailing\n  allowed_parameters = {\n  \"foo\" = [\"a\",\"b\"]\n   \"x\" = []\n  }\n}\npath   \"sys/*\"   {   capabilities=[\"deny\"]   }\n\n\npath \"a\" {\n  // inner comment\n  capabilities = [\n    \"read\",\n    \"list\",\n  ]\n}\n";
        // What `bao policy fmt` (Vault's hcl/printer) writes for the same file.
        let want = "# top comment\npath \"secret/*\" {\n  capabilities     = [\"create\", \"read\"]\n  min_wrapping_ttl = \"1h\"               # trailing\n\n  allowed_parameters = {\n    \"foo\" = [\"a\", \"b\"]\n    \"x\"   = []\n  }\n}\n\npath \"sys/*\" {\n  capabilities = [\"deny\"]\n}\n\npath \"a\" {\n  // inner comment\n  capabilities = [\n    \"read\",\n    \"list\",\n  ]\n}\n";
        assert_eq!(format(src).unwrap(), want);
    }

    /// Each pair: a file and what `bao policy fmt` (Vault's printer) turned it into.
    fn check(src: &str, want: &str) {
        assert_eq!(format(src).unwrap(), want, "formatting:\n{src}");
    }

    #[test]
    fn comments_between_and_inside_blocks() {
        check(
            r#"path "x" {
  # c1
  # c2

  capabilities = ["read"]

  # mid1
  # mid2

  policy = "read"
  # tail1
  # tail2
}
path "empty" {}
path "empty2" {}
path "y" { capabilities = ["read"] }
# end1
# end2
"#,
            // The joined "# c1  # c2" is Vault's printer's own doing.
            r#"path "x" {
  # c1  # c2

  capabilities = ["read"]

  # mid1
  # mid2

  policy = "read"

  # tail1
  # tail2
}

path "empty" {}
path "empty2" {}

path "y" {
  capabilities = ["read"]
}

# end1
# end2

"#,
        );
    }

    #[test]
    fn lead_comments_in_lists_and_on_items() {
        check(
            r#"path "x" {
  capabilities = [
    # lead1
    "read",
    "list",
    # lead2
    "create", # lc
  ]
}
"#,
            r#"path "x" {
  capabilities = [
    # lead1
    "read",

    "list",

    # lead2
    "create", # lc
  ]
}
"#,
        );
        check(
            r#"# lead of first
path "a" {
  capabilities = ["read"]
}
# lead of second
path "b" {
  capabilities = ["read"]
}

# standalone

path "c" {
  capabilities = ["read"]
  # lead of policy
  policy = "deny"
  denied_parameters = { "a" = [] }
}
"#,
            r#"# lead of first
path "a" {
  capabilities = ["read"]
}

# lead of second
path "b" {
  capabilities = ["read"]
}

# standalone

path "c" {
  capabilities = ["read"]

  # lead of policy
  policy = "deny"

  denied_parameters = {
    "a" = []
  }
}
"#,
        );
    }

    #[test]
    fn block_comments_and_aligned_line_comments() {
        check(
            r#"/* block
   comment */
path "secret/metadata/*" { capabilities = ["list"] }
path "sys/mounts" {
  capabilities = ["read"] // why
  required_parameters = ["a", "b"]
  denied_parameters = {
    "ttl" = []
  }
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = 90
}
# trailing comment
"#,
            r#"/* block
   comment */
path "secret/metadata/*" {
  capabilities = ["list"]
}

path "sys/mounts" {
  capabilities        = ["read"]   // why
  required_parameters = ["a", "b"]

  denied_parameters = {
    "ttl" = []
  }

  min_wrapping_ttl = "1s"
  max_wrapping_ttl = 90
}

# trailing comment

"#,
        );
    }

    #[test]
    fn formatting_is_stable() {
        let src = "path \"a/*\" {\n  capabilities = [\"read\"]\n}\n";
        assert_eq!(format(src).unwrap(), src);
        assert_eq!(format(&format(src).unwrap()).unwrap(), src);
    }

    #[test]
    fn syntax_errors_are_reported() {
        assert_eq!(format("{}"), Err("At 1:1: expected: IDENT | STRING got: LBRACE".to_string()));
        assert!(format("path \"x\" {").is_err());
        assert!(format("path \"x\" { capabilities = [\"a\" \"b\"] }").is_err());
    }
}
