//! Positions of values in a RON source, by logical path.
//!
//! serde hands validation plain values without positions, so problems found
//! after parsing (an unknown reference, a probability of 1.5) are first
//! reported by path (`services[2].depends_on[0]`). This module scans the
//! source once more, structurally, and maps each path to the line and column
//! where its value starts. The scan runs only on text that ron has already
//! accepted; on anything unexpected it skips a character rather than fail,
//! and it never recurses deeper than [`MAX_DEPTH`].

use super::path::Seg;

/// Deeper nesting than this is not indexed (ron itself stops at 128).
const MAX_DEPTH: usize = 256;

/// A 1-based line and column (in characters) in a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Line number, from 1.
    pub line: usize,
    /// Column number in characters, from 1.
    pub column: usize,
}

#[derive(Debug, Default)]
struct Node {
    start: usize,
    end: usize,
    /// The struct or variant name written before `(`, if any.
    tag: Option<String>,
    fields: Vec<(String, Node)>,
    items: Vec<Node>,
}

/// What encloses a byte offset: the logical path and the nearest named element.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Enclosing {
    /// Logical path of the deepest value containing the offset.
    pub(crate) path: String,
    /// "pool 'web-servers'": the deepest enclosing element that has a name.
    pub(crate) element: Option<String>,
    /// Where the deepest value containing the offset starts.
    pub(crate) value_start: Option<Position>,
}

/// The noun for an element in a list under `field`, written as `tag(...)`.
fn noun_for_list(field: &str, tag: Option<&str>) -> Option<&'static str> {
    Some(match (field, tag) {
        ("power", Some("Utility")) => "utility feed",
        ("power", Some("Generator")) => "generator",
        ("power", Some("Ups")) => "UPS",
        ("power", Some("Switchboard")) => "switchboard",
        (field, _) => return noun_for_field(field),
    })
}

fn noun_for_field(field: &str) -> Option<&'static str> {
    Some(match field {
        "sites" => "site",
        "rooms" => "room",
        "power" => "power component",
        "cooling" => "cooling unit",
        "pools" => "pool",
        "services" => "service",
        "disasters" => "disaster",
        "teams" => "team",
        _ => return None,
    })
}

/// Where each value of a RON document starts.
#[derive(Debug)]
pub(crate) struct SourceMap<'a> {
    src: &'a str,
    root: Option<Node>,
    lines: LineIndex<'a>,
}

impl<'a> SourceMap<'a> {
    /// Indexes `src`.
    pub(crate) fn new(src: &'a str) -> Self {
        let mut s = Scanner { src: src.as_bytes(), i: 0 };
        s.skip_trivia();
        let root = (s.i < s.src.len()).then(|| s.value(0));
        SourceMap { src, root, lines: LineIndex::new(src) }
    }

    /// The position of the value at `path`, or of its deepest ancestor that
    /// appears in the source (a field left to its default has no position
    /// of its own).
    pub(crate) fn locate(&self, path: &[Seg]) -> Option<Position> {
        let mut node = self.root.as_ref()?;
        for seg in path {
            let next = match seg {
                Seg::Field(name) => node.fields.iter().find(|(k, _)| k == name).map(|(_, n)| n),
                Seg::Index(i) => node.items.get(*i),
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        Some(self.position(node.start))
    }

    /// The byte range of each item of each list field of the document's
    /// root (every pool of `pools`, every service of `services`, ...), with
    /// the field's name, in file order.
    pub(crate) fn root_list_items(&self) -> Vec<(&str, std::ops::Range<usize>)> {
        let Some(root) = self.root.as_ref() else { return Vec::new() };
        let mut out: Vec<(&str, std::ops::Range<usize>)> = root
            .fields
            .iter()
            .flat_map(|(field, node)| node.items.iter().map(move |item| (field.as_str(), item.start..item.end)))
            .filter(|(_, range)| range.start < range.end && range.end <= self.src.len())
            .collect();
        out.sort_by_key(|(_, range)| range.start);
        out
    }

    /// The path and named element enclosing byte offset `at`, for errors
    /// that ron reports by position only.
    pub(crate) fn enclosing(&self, at: usize) -> Enclosing {
        let mut out = Enclosing::default();
        let Some(mut node) = self.root.as_ref() else {
            return out;
        };
        let contains = |n: &Node| n.start <= at && at <= n.end;
        // The field whose list we are in, and whether we reached `node` as one of its items.
        let mut list_field: Option<&str> = None;
        let mut via_index = false;
        loop {
            out.value_start = Some(self.position(node.start));
            if via_index
                && let (Some(noun), Some(name)) =
                    (list_field.and_then(|f| noun_for_list(f, node.tag.as_deref())), self.name_of(node))
            {
                out.element = Some(format!("{noun} '{name}'"));
            }
            // Fields and items are in file order and do not overlap: the
            // first that ends at or after `at` is the only candidate, found
            // by bisection (a list of 100,000 elements is not walked once
            // per error).
            let field = node.fields.get(node.fields.partition_point(|(_, c)| c.end < at)).filter(|(_, c)| contains(c));
            let item = node.items.partition_point(|c| c.end < at);
            if let Some((key, child)) = field {
                if !out.path.is_empty() {
                    out.path.push('.');
                }
                out.path.push_str(key);
                (list_field, via_index, node) = (Some(key.as_str()), false, child);
            } else if let Some(child) = node.items.get(item).filter(|c| contains(c)) {
                out.path.push_str(&format!("[{item}]"));
                (via_index, node) = (true, child);
            } else {
                return out;
            }
        }
    }

    /// The value of a node's `name: "..."` field, if it is a plain string.
    fn name_of(&self, node: &Node) -> Option<&str> {
        let (_, n) = node.fields.iter().find(|(k, _)| k == "name")?;
        let text = self.src.get(n.start..n.end)?.trim();
        text.strip_prefix('"')?.strip_suffix('"').filter(|t| !t.contains('\\'))
    }

    /// The 1-based position of byte offset `byte`.
    pub(crate) fn position(&self, byte: usize) -> Position {
        self.lines.position(byte)
    }

    /// The byte offset of a 1-based line and column (in characters), for
    /// positions ron reports.
    pub(crate) fn offset(&self, p: Position) -> usize {
        self.lines.offset(p)
    }
}

/// Bytes per block of a [`LineIndex`].
const BLOCK: usize = 1024;

/// Lines and characters of a text, counted at the start of every block of
/// [`BLOCK`] bytes: a position (or an offset) costs a bisection and a scan
/// of at most two blocks, wherever it is in the file, so that locating
/// every error of a file costs errors x a block, not errors x the file.
/// It takes about 2% of the text's size.
#[derive(Debug)]
pub(crate) struct LineIndex<'a> {
    src: &'a str,
    blocks: Vec<BlockStart>,
    /// Bytes scanned by queries, for tests of the bound.
    #[cfg(test)]
    scanned: std::cell::Cell<usize>,
}

/// What comes before the first byte of a block.
#[derive(Clone, Copy, Debug)]
struct BlockStart {
    /// Characters (bytes that do not continue a character).
    chars: usize,
    /// Line feeds.
    newlines: usize,
    /// Where the line holding the block's first byte starts.
    line_start: usize,
}

fn starts_char(b: u8) -> bool {
    b & 0xC0 != 0x80
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        let mut blocks = Vec::with_capacity(src.len() / BLOCK + 1);
        let mut at = BlockStart { chars: 0, newlines: 0, line_start: 0 };
        for (k, block) in src.as_bytes().chunks(BLOCK).enumerate() {
            blocks.push(at);
            for (j, &b) in block.iter().enumerate() {
                at.chars += usize::from(starts_char(b));
                if b == b'\n' {
                    at.newlines += 1;
                    at.line_start = k * BLOCK + j + 1;
                }
            }
        }
        blocks.push(at); // the end of the text (or the start, for an empty one)
        LineIndex {
            src,
            blocks,
            #[cfg(test)]
            scanned: std::cell::Cell::new(0),
        }
    }

    /// Counts `n` bytes scanned (in tests).
    fn scan(&self, _n: usize) {
        #[cfg(test)]
        self.scanned.set(self.scanned.get() + _n);
    }

    /// Characters before byte `byte` (at most the text's length).
    fn chars_before(&self, byte: usize) -> usize {
        let k = byte / BLOCK;
        let start = k * BLOCK;
        self.scan(byte - start);
        self.blocks[k].chars + self.src.as_bytes()[start..byte].iter().filter(|&&b| starts_char(b)).count()
    }

    /// The 1-based position of byte offset `byte`.
    pub(crate) fn position(&self, byte: usize) -> Position {
        // Never inside a character: a position is about characters.
        let mut end = byte.min(self.src.len());
        while !self.src.is_char_boundary(end) {
            end -= 1;
        }
        let k = end / BLOCK;
        let block = &self.src.as_bytes()[k * BLOCK..end];
        self.scan(block.len());
        let newlines = block.iter().filter(|&&b| b == b'\n').count();
        let line_start =
            block.iter().rposition(|&b| b == b'\n').map_or(self.blocks[k].line_start, |j| k * BLOCK + j + 1);
        Position {
            line: self.blocks[k].newlines + newlines + 1,
            column: self.chars_before(end) - self.chars_before(line_start) + 1,
        }
    }

    /// The byte offset of a 1-based line and column (in characters): the
    /// end of the text past its last line, and a column past the end of its
    /// line counts on into the next lines (as ron's positions do).
    pub(crate) fn offset(&self, p: Position) -> usize {
        let bytes = self.src.as_bytes();
        // The start of line `p.line`: just past its (line - 1)th line feed.
        let wanted = p.line.saturating_sub(1);
        let line_start = if wanted == 0 {
            0
        } else if wanted > self.blocks[self.blocks.len() - 1].newlines {
            return self.src.len();
        } else {
            // The last block with fewer line feeds before it holds that one.
            let k = self.blocks.partition_point(|b| b.newlines < wanted) - 1;
            let mut seen = self.blocks[k].newlines;
            let mut at = k * BLOCK;
            let from = at;
            while seen < wanted {
                // seen < wanted <= the text's line feeds: one lies ahead
                seen += usize::from(bytes[at] == b'\n');
                at += 1;
            }
            self.scan(at - from);
            at
        };
        // Then `column - 1` characters on.
        let target = self.chars_before(line_start) + p.column.saturating_sub(1);
        if target >= self.blocks[self.blocks.len() - 1].chars {
            return self.src.len();
        }
        let k = self.blocks.partition_point(|b| b.chars <= target) - 1;
        let mut seen = self.blocks[k].chars;
        let mut at = k * BLOCK;
        loop {
            // target < the text's characters: its first byte lies ahead
            if starts_char(bytes[at]) {
                if seen == target {
                    self.scan(at - k * BLOCK);
                    return at;
                }
                seen += 1;
            }
            at += 1;
        }
    }
}

/// The ASCII whitespace ron skips: Rust's, plus the vertical tab.
fn is_ron_ascii_whitespace(c: u8) -> bool {
    c.is_ascii_whitespace() || c == 0x0B
}

struct Scanner<'s> {
    src: &'s [u8],
    i: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<u8> {
        self.src.get(self.i + k).copied()
    }

    /// Skips whitespace, `//` and nested `/* */` comments, and `#![...]` attributes.
    fn skip_trivia(&mut self) {
        loop {
            match (self.peek(), self.peek_at(1)) {
                (Some(c), _) if is_ron_ascii_whitespace(c) => self.i += 1,
                (Some(c), _) if c >= 0x80 && self.unicode_whitespace() > 0 => self.i += self.unicode_whitespace(),
                (Some(b'/'), Some(b'/')) => {
                    while self.peek().is_some_and(|c| c != b'\n') {
                        self.i += 1;
                    }
                }
                (Some(b'/'), Some(b'*')) => {
                    self.i += 2;
                    let mut depth = 1;
                    while depth > 0 && self.i < self.src.len() {
                        match (self.peek(), self.peek_at(1)) {
                            (Some(b'/'), Some(b'*')) => (depth, self.i) = (depth + 1, self.i + 2),
                            (Some(b'*'), Some(b'/')) => (depth, self.i) = (depth - 1, self.i + 2),
                            _ => self.i += 1,
                        }
                    }
                }
                (Some(b'#'), Some(b'!')) => {
                    while self.peek().is_some_and(|c| c != b']') {
                        self.i += 1;
                    }
                    self.i += 1;
                }
                _ => return,
            }
        }
    }

    /// The byte length of the non-ASCII whitespace ron skips (next line,
    /// the direction marks, the line and paragraph separators) at the
    /// scanner, or 0.
    fn unicode_whitespace(&self) -> usize {
        let rest = &self.src[self.i.min(self.src.len())..];
        let end = rest.len().min(4);
        let head = (1..=end).rev().find_map(|n| std::str::from_utf8(&rest[..n]).ok());
        match head.and_then(|h| h.chars().next()) {
            Some(c @ ('\u{85}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}')) => c.len_utf8(),
            _ => 0,
        }
    }

    /// Steps over one character, all of its bytes: spans must end on
    /// character boundaries (patches edit the text at them).
    fn bump(&mut self) {
        self.i += 1;
        while self.peek().is_some_and(|c| c & 0xC0 == 0x80) {
            self.i += 1;
        }
    }

    fn is_ident_start(c: u8) -> bool {
        c.is_ascii_alphabetic() || c == b'_'
    }

    fn ident(&mut self) -> &str {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_') {
            self.i += 1;
        }
        std::str::from_utf8(&self.src[start..self.i]).unwrap_or("")
    }

    fn value(&mut self, depth: usize) -> Node {
        let mut node = self.value_inner(depth);
        node.end = node.end.max(self.i.min(self.src.len()));
        node
    }

    fn value_inner(&mut self, depth: usize) -> Node {
        self.skip_trivia();
        let start = self.i;
        let mut node = Node { start, ..Node::default() };
        let Some(c) = self.peek() else { return node };
        if depth > MAX_DEPTH {
            self.bump();
            return node;
        }
        match c {
            b'[' => {
                self.i += 1;
                node.items = self.sequence(b']', depth);
            }
            b'{' => {
                self.i += 1;
                self.skip_group(b'}', depth);
            }
            b'(' => {
                self.i += 1;
                self.body(&mut node, depth);
            }
            b'"' => self.string(),
            b'\'' => self.char_literal(),
            b'r' if matches!(self.peek_at(1), Some(b'#' | b'"')) => self.raw_string(),
            c if Self::is_ident_start(c) => {
                let tag = self.ident().to_owned();
                let is_some = tag == "Some";
                node.tag = Some(tag);
                let ident_end = self.i;
                self.skip_trivia();
                if self.peek() != Some(b'(') {
                    self.i = ident_end; // a unit value: its span ends with the name
                } else {
                    self.i += 1;
                    if is_some {
                        // `Some(x)` is transparent: the path goes straight to x.
                        let inner = self.value(depth + 1);
                        self.skip_trivia();
                        if self.peek() == Some(b')') {
                            self.i += 1;
                        }
                        return inner;
                    }
                    self.body(&mut node, depth);
                }
            }
            _ => {
                // Numbers, booleans' punctuation and anything unexpected.
                self.bump();
                while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'+' | b'-')) {
                    self.i += 1;
                }
            }
        }
        node
    }

    /// The inside of `( ... )`: named fields or positional items.
    fn body(&mut self, node: &mut Node, depth: usize) {
        self.skip_trivia();
        if self.is_named_field() {
            loop {
                self.skip_trivia();
                match self.peek() {
                    None => return,
                    Some(b')') => {
                        self.i += 1;
                        return;
                    }
                    Some(c) if Self::is_ident_start(c) => {
                        let key = self.ident().to_owned();
                        self.skip_trivia();
                        if self.peek() == Some(b':') {
                            self.i += 1;
                        }
                        let value = self.value(depth + 1);
                        node.fields.push((key, value));
                        self.skip_trivia();
                        if self.peek() == Some(b',') {
                            self.i += 1;
                        }
                    }
                    Some(_) => self.bump(),
                }
            }
        } else {
            node.items = self.sequence(b')', depth);
        }
    }

    /// Whether the scanner stands on `ident :` (and not `ident::`).
    fn is_named_field(&self) -> bool {
        let mut k = self.i;
        if !self.src.get(k).copied().is_some_and(Self::is_ident_start) {
            return false;
        }
        while self.src.get(k).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
            k += 1;
        }
        while self.src.get(k).is_some_and(|&c| is_ron_ascii_whitespace(c)) {
            k += 1;
        }
        self.src.get(k) == Some(&b':') && self.src.get(k + 1) != Some(&b':')
    }

    fn sequence(&mut self, close: u8, depth: usize) -> Vec<Node> {
        let mut items = Vec::new();
        loop {
            self.skip_trivia();
            match self.peek() {
                None => return items,
                Some(c) if c == close => {
                    self.i += 1;
                    return items;
                }
                Some(b',') => self.i += 1,
                Some(b')' | b']' | b'}') => {
                    self.i += 1; // mismatched: cannot happen in text ron accepted
                    return items;
                }
                Some(_) => items.push(self.value(depth + 1)),
            }
        }
    }

    fn skip_group(&mut self, close: u8, depth: usize) {
        let _ = self.sequence(close, depth);
    }

    fn string(&mut self) {
        self.i += 1;
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'\\' => self.i += 1,
                b'"' => return,
                _ => {}
            }
        }
    }

    fn char_literal(&mut self) {
        self.i += 1;
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'\\' => self.i += 1,
                b'\'' => return,
                _ => {}
            }
        }
    }

    fn raw_string(&mut self) {
        self.i += 1; // r
        let mut hashes = 0;
        while self.peek() == Some(b'#') {
            hashes += 1;
            self.i += 1;
        }
        self.i += 1; // opening quote
        while self.i < self.src.len() {
            // self.i < len: the loop condition; so self.i + 1 <= len
            if self.src[self.i] == b'"'
                && self.src[self.i + 1..].iter().take(hashes).filter(|&&c| c == b'#').count() == hashes
            {
                self.i += 1 + hashes;
                return;
            }
            self.i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(map: &SourceMap, path: &[Seg]) -> (usize, usize) {
        let p = map.locate(path).unwrap();
        (p.line, p.column)
    }

    #[test]
    fn finds_fields_items_and_nested_variants() {
        let src = r##"// comment
Scenario(
    name: "x", /* block /* nested */ comment */
    services: [
        (name: "a"),
        Service(
            name: "b",
            boot: Fixed("30m"),
            note: r#"raw ( [ "# ,
            opt: Some((k: 1)),
        ),
    ],
)"##;
        let map = SourceMap::new(src);
        use Seg::*;
        assert_eq!(at(&map, &[Field("name")]), (3, 11));
        assert_eq!(at(&map, &[Field("services"), Index(0)]), (5, 9));
        assert_eq!(at(&map, &[Field("services"), Index(0), Field("name")]), (5, 16));
        assert_eq!(at(&map, &[Field("services"), Index(1), Field("name")]), (7, 19));
        assert_eq!(at(&map, &[Field("services"), Index(1), Field("boot")]), (8, 19));
        assert_eq!(at(&map, &[Field("services"), Index(1), Field("opt"), Field("k")]), (10, 27));
        // A missing field falls back to its closest ancestor.
        assert_eq!(at(&map, &[Field("services"), Index(1), Field("users")]), (6, 9));
        assert_eq!(at(&map, &[Field("services"), Index(9)]), (4, 15));
    }

    #[test]
    fn names_the_element_around_an_offset() {
        let src = "(pools: [(name: \"a\", servers: 1), (name: \"b\", servers: \"x\")], services: [])";
        let map = SourceMap::new(src);
        let at = src.find("\"x\"").unwrap();
        let e = map.enclosing(at);
        assert_eq!(e.path, "pools[1].servers");
        assert_eq!(e.element.as_deref(), Some("pool 'b'"));
        assert_eq!(e.value_start, Some(Position { line: 1, column: at + 1 }));
        assert_eq!(map.enclosing(src.find("services").unwrap() + 10).element, None);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let src = "(name: \"판교\", x: 1)";
        let map = SourceMap::new(src);
        assert_eq!(at(&map, &[Seg::Field("x")]), (1, 17));
    }

    /// Position and offset the slow way: from the start of the text.
    fn naive_position(src: &str, byte: usize) -> Position {
        let before = &src[..byte];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position { line: before.matches('\n').count() + 1, column: before[line_start..].chars().count() + 1 }
    }

    fn naive_offset(src: &str, p: Position) -> usize {
        let line_start: usize = src.split_inclusive('\n').take(p.line.saturating_sub(1)).map(str::len).sum();
        let rest = src.get(line_start..).unwrap_or("");
        line_start + rest.char_indices().nth(p.column.saturating_sub(1)).map_or(rest.len(), |(i, _)| i)
    }

    #[test]
    fn the_line_index_agrees_with_counting_from_the_start() {
        // Short and long lines, characters of 1 to 4 bytes astride block
        // boundaries, empty lines, no final line feed.
        let mut src = String::new();
        for k in 0..400 {
            let line: String = ["a", "é", "한", "𝄞"].iter().cycle().skip(k % 4).take(k * 7 % 1500).copied().collect();
            src.push_str(&line);
            if k % 37 != 0 {
                src.push('\n');
            }
            if k % 11 == 0 {
                src.push('\n');
            }
        }
        let index = LineIndex::new(&src);
        for (byte, _) in src.char_indices().step_by(7).chain([(src.len(), ' ')]) {
            let p = index.position(byte);
            assert_eq!(p, naive_position(&src, byte), "at {byte}");
            assert_eq!(index.offset(p), byte, "{p:?}");
        }
        // Past the ends: as counting from the start says.
        let lines = src.matches('\n').count() + 1;
        for p in [
            Position { line: lines + 3, column: 1 },
            Position { line: 2, column: 1_000_000 },
            Position { line: 0, column: 0 },
            Position { line: lines, column: 5_000 },
        ] {
            assert_eq!(index.offset(p), naive_offset(&src, p), "{p:?}");
        }
        assert_eq!(LineIndex::new("").position(0), Position { line: 1, column: 1 });
        assert_eq!(LineIndex::new("").offset(Position { line: 3, column: 2 }), 0);
    }

    #[test]
    fn a_position_costs_a_block_or_two_wherever_it_is() {
        // One line of 2 MB, then 100,000 short ones: the naive way scans up
        // to the whole text per position; the index at most two blocks
        // (the position's and its line start's) and an offset two more.
        let src = "x".repeat(2_000_000) + &"ab\n".repeat(100_000);
        let index = LineIndex::new(&src);
        for byte in [0, 1_999_999, 2_000_000, 2_150_000, src.len()] {
            index.scanned.set(0);
            let p = index.position(byte);
            assert!(index.scanned.get() <= 2 * BLOCK, "{byte}: {} bytes", index.scanned.get());
            index.scanned.set(0);
            assert_eq!(index.offset(p), byte);
            assert!(index.scanned.get() <= 3 * BLOCK, "{byte}: {} bytes", index.scanned.get());
        }
    }

    #[test]
    fn enclosing_bisects_long_lists() {
        let items: Vec<String> = (0..5_000).map(|i| format!("(name: \"p{i}\", servers: {i})")).collect();
        let src = format!("(pools: [{}], services: [])", items.join(", "));
        let map = SourceMap::new(&src);
        let at = src.find("\"p4321\"").unwrap();
        let e = map.enclosing(at);
        assert_eq!(e.path, "pools[4321].name");
        assert_eq!(e.element.as_deref(), Some("pool 'p4321'"));
        // An item's span ends where its text does (inclusive): the comma
        // right after item 6 is still item 6's; the space after it is the
        // list's, between two items.
        let comma = src.find("), (name: \"p7\"").unwrap() + 1;
        assert_eq!(map.enclosing(comma).path, "pools[6]");
        assert_eq!(map.enclosing(comma + 1).path, "pools");
    }

    #[test]
    fn survives_garbage_and_deep_nesting() {
        for src in ["", ")))", "(a: [[[[", "\"unterminated", "r#\"x", "/* open", "(a: (b: (c: ,,,)))"] {
            let _ = SourceMap::new(src).locate(&[Seg::Field("a")]);
        }
        let deep = "[".repeat(10_000);
        let _ = SourceMap::new(&deep).locate(&[Seg::Index(0)]);
    }
}
