//! A small HCL1 scanner and parser, as Vault's policy formatter sees a file: objects, lists and
//! literals with their source positions, and comments filed the way HCL1 files them (a group on
//! the line of the previous token is a line comment, a group ending on the line above an item is
//! its lead comment, anything else stands alone).

use std::collections::HashSet;

/// A parsed file: its items, every comment group, and the groups no item holds (in source
/// order), which the printer places by position.
pub(super) struct File {
    pub items: Vec<Item>,
    pub groups: Vec<Vec<Comment>>,
    pub standalone: Vec<Vec<Comment>>,
}

/// Parses HCL1 text.
pub(super) fn parse(src: &str) -> Result<File, String> {
    let mut parser = Parser::new(src);
    let items = parser.object_list(false)?;
    let attached: HashSet<usize> = parser.attached.iter().copied().collect();
    let mut standalone: Vec<Vec<Comment>> =
        parser.groups.iter().enumerate().filter(|(i, _)| !attached.contains(i)).map(|(_, g)| g.clone()).collect();
    standalone.sort_by_key(|g| g[0].start.offset);
    Ok(File { items, groups: parser.groups, standalone })
}

/// A source position: offset in characters, 1-based line (0 = none) and column.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Pos {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

impl Pos {
    pub fn is_valid(self) -> bool {
        self.line > 0
    }
    pub fn before(self, u: Pos) -> bool {
        u.offset > self.offset || u.line > self.line
    }
    pub fn after(self, u: Pos) -> bool {
        u.offset < self.offset || u.line < self.line
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Kind {
    Ident,
    Str,
    Number,
    Bool,
    LBrace,
    RBrace,
    LBrack,
    RBrack,
    Comma,
    Assign,
    Comment,
    Eof,
    Other,
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    kind: Kind,
    pub pos: Pos,
    pub text: String,
}

#[derive(Clone, Debug)]
pub(super) struct Comment {
    pub start: Pos,
    pub text: String,
}

struct Scanner {
    src: Vec<char>,
    off: usize,
    line: usize,
    column: usize,
}

impl Scanner {
    fn peek(&self, n: usize) -> Option<char> {
        self.src.get(self.off + n).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.off += 1;
        self.column += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        }
        Some(c)
    }

    fn scan(&mut self) -> Result<Token, String> {
        while matches!(self.peek(0), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
        let pos = Pos { offset: self.off, line: self.line, column: self.column };
        let start = self.off;
        let Some(c) = self.bump() else {
            return Ok(Token { kind: Kind::Eof, pos, text: String::new() });
        };
        let kind = match c {
            c if c.is_alphabetic() || c == '_' => {
                while self.peek(0).is_some_and(|c| c.is_alphanumeric() || "_-.".contains(c)) {
                    self.bump();
                }
                match self.text(start).as_str() {
                    "true" | "false" => Kind::Bool,
                    _ => Kind::Ident,
                }
            }
            c if c.is_ascii_digit() || (c == '-' && self.peek(0).is_some_and(|d| d.is_ascii_digit())) => {
                while let Some(d) = self.peek(0) {
                    let exp_sign = "+-".contains(d) && self.src[self.off - 1].eq_ignore_ascii_case(&'e');
                    if !(d.is_ascii_alphanumeric() || d == '.' || exp_sign) {
                        break;
                    }
                    self.bump();
                }
                Kind::Number
            }
            '"' => {
                self.string(pos)?;
                Kind::Str
            }
            '#' => self.line_comment(),
            '/' if self.peek(0) == Some('/') => self.line_comment(),
            '/' if self.peek(0) == Some('*') => {
                self.bump();
                while !(self.peek(0) == Some('*') && self.peek(1) == Some('/')) {
                    self.bump().ok_or_else(|| format!("At {}:{}: comment not terminated", pos.line, pos.column))?;
                }
                self.bump();
                self.bump();
                Kind::Comment
            }
            '<' if self.peek(0) == Some('<') => {
                return Err(format!("At {}:{}: heredocs are not supported", pos.line, pos.column))
            }
            '{' => Kind::LBrace,
            '}' => Kind::RBrace,
            '[' => Kind::LBrack,
            ']' => Kind::RBrack,
            ',' => Kind::Comma,
            '=' => Kind::Assign,
            _ => Kind::Other,
        };
        Ok(Token { kind, pos, text: self.text(start) })
    }

    fn text(&self, start: usize) -> String {
        self.src[start..self.off].iter().collect()
    }

    fn line_comment(&mut self) -> Kind {
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.bump();
        }
        Kind::Comment
    }

    /// A quoted string, `${...}` interpolations included (they may hold quotes).
    fn string(&mut self, pos: Pos) -> Result<(), String> {
        let mut braces = 0;
        loop {
            let c = self.bump().ok_or_else(|| format!("At {}:{}: literal not terminated", pos.line, pos.column))?;
            match c {
                '\n' if braces == 0 => return Err(format!("At {}:{}: literal not terminated", pos.line, pos.column)),
                '\\' => {
                    self.bump();
                }
                '$' if self.peek(0) == Some('{') => {
                    self.bump();
                    braces += 1;
                }
                '}' if braces > 0 => braces -= 1,
                '"' if braces == 0 => return Ok(()),
                _ => {}
            }
        }
    }
}

/// A value: a literal (with the lead and line comments a list element may carry), a list or an
/// object.
pub(super) enum Node {
    Literal(Token, Option<usize>, Option<usize>),
    List(Pos, Vec<Node>),
    Object(Object),
}

impl Node {
    pub fn pos(&self) -> Pos {
        match self {
            Node::Literal(t, _, _) => t.pos,
            Node::List(lbrack, _) => *lbrack,
            Node::Object(o) => o.lbrace,
        }
    }
}

pub(super) struct Object {
    pub lbrace: Pos,
    pub rbrace: Pos,
    pub items: Vec<Item>,
}

pub(super) struct Item {
    pub keys: Vec<Token>,
    /// `key = value` rather than `key "label" { ... }`.
    pub assign: bool,
    pub val: Node,
    /// Comment groups, by index into [`File::groups`].
    pub lead: Option<usize>,
    pub line: Option<usize>,
}

impl Item {
    pub fn pos(&self) -> Pos {
        self.keys[0].pos
    }
}

/// HCL1's parser.
struct Parser {
    scanner: Scanner,
    tok: Token,
    buffered: bool,
    groups: Vec<Vec<Comment>>,
    attached: Vec<usize>,
    lead: Option<usize>,
    line: Option<usize>,
}

impl Parser {
    fn new(src: &str) -> Parser {
        Parser {
            scanner: Scanner { src: src.chars().collect(), off: 0, line: 1, column: 1 },
            tok: Token { kind: Kind::Eof, pos: Pos::default(), text: String::new() },
            buffered: false,
            groups: Vec::new(),
            attached: Vec::new(),
            lead: None,
            line: None,
        }
    }

    fn scan(&mut self) -> Result<Kind, String> {
        if self.buffered {
            self.buffered = false;
            return Ok(self.tok.kind);
        }
        let prev_line = self.tok.pos.line;
        self.tok = self.scanner.scan()?;
        if self.tok.kind == Kind::Comment {
            if self.tok.pos.line == prev_line {
                let (group, end) = self.comment_group(0)?;
                if self.tok.pos.line != end {
                    self.line = Some(group);
                }
            }
            let mut last = None;
            while self.tok.kind == Kind::Comment {
                last = Some(self.comment_group(1)?);
            }
            if let Some((group, end)) = last {
                if end + 1 == self.tok.pos.line && !matches!(self.tok.kind, Kind::RBrace | Kind::RBrack) {
                    self.lead = Some(group);
                }
            }
        }
        Ok(self.tok.kind)
    }

    fn comment_group(&mut self, n: usize) -> Result<(usize, usize), String> {
        let mut list = Vec::new();
        let mut end = self.tok.pos.line;
        while self.tok.kind == Kind::Comment && self.tok.pos.line <= end + n {
            end = self.tok.pos.line;
            if self.tok.text.starts_with("/*") {
                end += self.tok.text.matches('\n').count();
            }
            list.push(Comment { start: self.tok.pos, text: self.tok.text.clone() });
            self.tok = self.scanner.scan()?;
        }
        self.groups.push(list);
        Ok((self.groups.len() - 1, end))
    }

    fn take(&mut self, which: fn(&mut Parser) -> &mut Option<usize>) -> Option<usize> {
        let g = which(self).take();
        self.attached.extend(g);
        g
    }

    fn err(&self, msg: &str) -> String {
        format!("At {}:{}: {msg}", self.tok.pos.line, self.tok.pos.column)
    }

    fn object_list(&mut self, in_object: bool) -> Result<Vec<Item>, String> {
        let mut items = Vec::new();
        loop {
            if in_object {
                let k = self.scan()?;
                self.buffered = true;
                if k == Kind::RBrace {
                    break;
                }
            }
            let Some(item) = self.object_item()? else { break };
            items.push(item);
            if self.scan()? != Kind::Comma {
                self.buffered = true;
            }
        }
        Ok(items)
    }

    /// `Ok(None)` at the end of the input.
    fn object_item(&mut self) -> Result<Option<Item>, String> {
        let mut keys = Vec::new();
        let kind = loop {
            match self.scan()? {
                Kind::Eof if keys.is_empty() => return Ok(None),
                Kind::Eof => return Err(self.err("expected start of object ('{') or assignment ('=')")),
                Kind::Assign if keys.len() != 1 => return Err(self.err("nested object expected: LBRACE got: ASSIGN")),
                Kind::LBrace if keys.is_empty() => return Err(self.err("expected: IDENT | STRING got: LBRACE")),
                k @ (Kind::Assign | Kind::LBrace) => break k,
                Kind::Ident | Kind::Str => keys.push(self.tok.clone()),
                k => return Err(self.err(&format!("expected: IDENT | STRING | ASSIGN | LBRACE got: {k:?}"))),
            }
        };
        let lead = self.take(|p| &mut p.lead);
        let val = if kind == Kind::Assign { self.value()? } else { Node::Object(self.object_type()?) };
        let mut line = self.take(|p| &mut p.line);
        self.scan()?;
        if val.pos().line == keys[0].pos.line && self.line.is_some() {
            line = self.take(|p| &mut p.line);
        }
        self.buffered = true;
        Ok(Some(Item { keys, assign: kind == Kind::Assign, val, lead, line }))
    }

    fn value(&mut self) -> Result<Node, String> {
        match self.scan()? {
            Kind::Number | Kind::Bool | Kind::Str => Ok(Node::Literal(self.tok.clone(), None, None)),
            Kind::LBrace => Ok(Node::Object(self.object_type()?)),
            Kind::LBrack => self.list(),
            k => Err(self.err(&format!("Unknown token: {k:?}"))),
        }
    }

    fn object_type(&mut self) -> Result<Object, String> {
        let lbrace = self.tok.pos;
        let items = self.object_list(true)?;
        if self.scan()? != Kind::RBrace {
            return Err(self.err(&format!("object expected closing RBRACE got: {:?}", self.tok.kind)));
        }
        Ok(Object { lbrace, rbrace: self.tok.pos, items })
    }

    fn list(&mut self) -> Result<Node, String> {
        let lbrack = self.tok.pos;
        let mut items: Vec<Node> = Vec::new();
        let mut need_comma = false;
        loop {
            let k = self.scan()?;
            if need_comma && !matches!(k, Kind::Comma | Kind::RBrack) {
                return Err(self.err(&format!("error parsing list, expected comma or list end, got: {k:?}")));
            }
            match k {
                Kind::Number | Kind::Bool | Kind::Str => {
                    let lead = self.take(|p| &mut p.lead);
                    items.push(Node::Literal(self.tok.clone(), lead, None));
                    need_comma = true;
                }
                Kind::Comma => {
                    self.scan()?;
                    if let (Some(Node::Literal(_, _, slot)), Some(_)) = (items.last_mut(), self.line) {
                        *slot = self.line.take();
                        self.attached.extend(*slot);
                    }
                    self.buffered = true;
                    need_comma = false;
                }
                Kind::LBrace => {
                    self.lead = None;
                    items.push(Node::Object(self.object_type()?));
                    need_comma = true;
                }
                Kind::LBrack => {
                    items.push(self.list()?);
                    need_comma = true;
                }
                Kind::RBrack => return Ok(Node::List(lbrack, items)),
                k => return Err(self.err(&format!("unexpected token while parsing list: {k:?}"))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(f: &File, g: Option<usize>) -> Vec<String> {
        g.map(|g| f.groups[g].iter().map(|c| c.text.clone()).collect()).unwrap_or_default()
    }

    #[test]
    fn comments_are_filed_as_hcl1_files_them() {
        let f = parse("# lead\na = \"x\" # line\n\n# alone\n\nb = [1, 2]\n").unwrap();
        assert_eq!(f.items.len(), 2);
        assert_eq!(texts(&f, f.items[0].lead), vec!["# lead"]);
        assert_eq!(texts(&f, f.items[0].line), vec!["# line"]);
        assert_eq!(f.items[1].lead, None);
        let alone: Vec<&str> = f.standalone.iter().flatten().map(|c| c.text.as_str()).collect();
        assert_eq!(alone, vec!["# alone"]);
    }

    #[test]
    fn positions_and_structure() {
        let f = parse("path \"a\" {\n  x = { \"k\" = [] }\n}\n").unwrap();
        let item = &f.items[0];
        assert_eq!(item.keys.iter().map(|k| k.text.as_str()).collect::<Vec<_>>(), vec!["path", "\"a\""]);
        assert!(!item.assign);
        let Node::Object(o) = &item.val else { panic!("not an object") };
        assert_eq!((o.lbrace.line, o.rbrace.line), (1, 3));
        assert_eq!(o.items[0].pos(), Pos { offset: 13, line: 2, column: 3 });
        assert!(parse("a = [1 2]").is_err());
        assert!(parse("a = \"open").is_err());
    }
}
