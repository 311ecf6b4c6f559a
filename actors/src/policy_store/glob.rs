//! Matching helpers: Vault's `GlobbedStringsMatch` for parameter values, a byte trie for
//! longest-prefix lookup of `foo/*` rules, and compiled `+` segment-wildcard patterns with Vault's
//! priority order.

use std::cmp::Ordering;

/// Vault's `strutil.GlobbedStringsMatch`: `item` may start and/or end with `*`. An `item` shorter
/// than two characters (so a lone `*`) only matches itself.
pub fn globbed_strings_match(item: &str, val: &str) -> bool {
    if item.len() < 2 {
        return val == item;
    }
    match (item.strip_prefix('*'), item.strip_suffix('*')) {
        (Some(_), Some(_)) => val.contains(&item[1..item.len() - 1]),
        (Some(suffix), None) => val.ends_with(suffix),
        (None, Some(prefix)) => val.starts_with(prefix),
        (None, None) => val == item,
    }
}

#[derive(Debug, Default, Clone)]
struct TrieNode {
    /// Sorted by byte.
    children: Vec<(u8, u32)>,
    value: Option<u32>,
}

/// A byte trie mapping prefixes to rule indexes; `longest_prefix` walks the path once.
#[derive(Debug, Clone)]
pub(crate) struct PrefixTrie {
    nodes: Vec<TrieNode>,
}

impl Default for PrefixTrie {
    fn default() -> Self {
        PrefixTrie { nodes: vec![TrieNode::default()] }
    }
}

impl PrefixTrie {
    pub(crate) fn insert(&mut self, key: &str, value: u32) {
        let mut node = 0usize;
        for &b in key.as_bytes() {
            let next_index = self.nodes.len() as u32;
            let children = &mut self.nodes[node].children;
            node = match children.binary_search_by_key(&b, |(c, _)| *c) {
                Ok(i) => children[i].1 as usize,
                Err(i) => {
                    children.insert(i, (b, next_index));
                    self.nodes.push(TrieNode::default());
                    next_index as usize
                }
            };
        }
        self.nodes[node].value = Some(value);
    }

    /// The value stored for exactly `key`.
    pub(crate) fn get(&self, key: &str) -> Option<u32> {
        let mut node = &self.nodes[0];
        for &b in key.as_bytes() {
            let pos = node.children.binary_search_by_key(&b, |(c, _)| *c).ok()?;
            node = &self.nodes[node.children[pos].1 as usize];
        }
        node.value
    }

    /// Calls `f` with the value of every inserted key that prefixes `path`, shortest first.
    pub(crate) fn for_each_prefix(&self, path: &str, mut f: impl FnMut(u32)) {
        let mut node = &self.nodes[0];
        if let Some(v) = node.value {
            f(v);
        }
        for &b in path.as_bytes() {
            let Ok(pos) = node.children.binary_search_by_key(&b, |(c, _)| *c) else {
                return;
            };
            node = &self.nodes[node.children[pos].1 as usize];
            if let Some(v) = node.value {
                f(v);
            }
        }
    }

    /// The longest inserted key that prefixes `path`: its length and value.
    pub(crate) fn longest_prefix(&self, path: &str) -> Option<(usize, u32)> {
        let mut node = &self.nodes[0];
        let mut best = node.value.map(|v| (0, v));
        for (i, &b) in path.as_bytes().iter().enumerate() {
            let Ok(pos) = node.children.binary_search_by_key(&b, |(c, _)| *c) else {
                break;
            };
            node = &self.nodes[node.children[pos].1 as usize];
            if let Some(v) = node.value {
                best = Some((i + 1, v));
            }
        }
        best
    }
}

/// One segment of a `+` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// `+`: any single segment.
    Any,
    Literal(String),
}

/// A compiled segment-wildcard path such as `secret/+/config` or `secret/+/app*`.
#[derive(Debug, Clone)]
pub(crate) struct SegmentPattern {
    segments: Vec<Segment>,
    /// The pattern ended in `*`: the last segment is a prefix and more segments may follow.
    is_prefix: bool,
    /// Byte index of the first `+` in the full pattern (Vault's `firstWCOrGlob`).
    first_wildcard: usize,
    /// Number of `+` segments.
    wildcards: usize,
    /// The pattern without its trailing `*`.
    wc_path: String,
}

/// What Vault's `CheckAllowedFromNonExactPaths` compares to pick the most specific match.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MatchPriority<'a> {
    pub first_wildcard: usize,
    pub is_prefix: bool,
    pub wildcards: usize,
    pub wc_path: &'a str,
}

impl MatchPriority<'_> {
    /// Vault's `less`, turned around: `Greater` means `self` is the more specific match. Earlier
    /// wildcards lose; a prefix loses to a non-prefix; more `+` segments lose; shorter loses;
    /// lexicographically smaller loses.
    pub(crate) fn cmp(&self, other: &MatchPriority<'_>) -> Ordering {
        self.first_wildcard
            .cmp(&other.first_wildcard)
            .then_with(|| other.is_prefix.cmp(&self.is_prefix))
            .then_with(|| other.wildcards.cmp(&self.wildcards))
            .then_with(|| self.wc_path.len().cmp(&other.wc_path.len()))
            .then_with(|| self.wc_path.cmp(other.wc_path))
    }
}

impl SegmentPattern {
    /// Compiles a rule path that has segment wildcards (its trailing `*`, if any, still on).
    pub(crate) fn new(full: &str) -> SegmentPattern {
        let first_wildcard = full.find('+').unwrap_or(0);
        let (wc_path, is_prefix) = match full.strip_suffix('*') {
            Some(p) => (p, true),
            None => (full, false),
        };
        let segments: Vec<Segment> =
            wc_path.split('/').map(|s| if s == "+" { Segment::Any } else { Segment::Literal(s.to_string()) }).collect();
        let wildcards = segments.iter().filter(|s| **s == Segment::Any).count();
        SegmentPattern { segments, is_prefix, first_wildcard, wildcards, wc_path: wc_path.to_string() }
    }

    pub(crate) fn priority(&self) -> MatchPriority<'_> {
        MatchPriority {
            first_wildcard: self.first_wildcard,
            is_prefix: self.is_prefix,
            wildcards: self.wildcards,
            wc_path: &self.wc_path,
        }
    }

    /// The keys a matching path must have: `(position, literal, is_prefix)` — the segment at
    /// `position` equals `literal`, or starts with it for the prefix segment at the end.
    fn index_keys(&self) -> impl Iterator<Item = (usize, &str, bool)> {
        let n = self.segments.len();
        self.segments.iter().enumerate().filter_map(move |(i, seg)| match seg {
            Segment::Any => None,
            Segment::Literal(lit) if self.is_prefix && i == n - 1 => {
                (!lit.is_empty()).then_some((i, lit.as_str(), true))
            }
            Segment::Literal(lit) => Some((i, lit.as_str(), false)),
        })
    }

    /// Whether a path at or below the mount `mount` (e.g. `secret/`) can match this pattern: the
    /// mount's segments match the pattern's first segments (Vault's `bareMount` check).
    pub(crate) fn covers_mount(&self, mount: &str) -> bool {
        let n = self.segments.len();
        for (i, part) in mount.trim_end_matches('/').split('/').enumerate() {
            let ok = match self.segments.get(i) {
                None => return self.is_prefix,
                Some(Segment::Any) => true,
                Some(Segment::Literal(lit)) => {
                    lit == part || (self.is_prefix && i == n - 1 && part.starts_with(lit.as_str()))
                }
            };
            if !ok {
                return false;
            }
        }
        true
    }

    /// Vault's segment match: `path_segments` is the number of `/`-separated parts of `path`.
    pub(crate) fn matches(&self, path: &str, path_segments: usize) -> bool {
        let n = self.segments.len();
        if path_segments < n || (!self.is_prefix && path_segments != n) {
            return false;
        }
        for (i, (seg, part)) in self.segments.iter().zip(path.split('/')).enumerate() {
            let ok = match seg {
                Segment::Any => true,
                Segment::Literal(lit) => {
                    lit == part || (self.is_prefix && i == n - 1 && part.starts_with(lit.as_str()))
                }
            };
            if !ok {
                return false;
            }
        }
        true
    }
}

/// Segment patterns indexed so a lookup only tries the patterns that can match: each pattern is
/// filed under its most selective literal segment (exact segments in hash maps per position, the
/// trailing prefix segment in a trie per position); patterns of only `+` are always tried.
#[derive(Default)]
pub(crate) struct SegmentIndex {
    patterns: Vec<(SegmentPattern, u32)>,
    exact: Vec<std::collections::HashMap<String, Vec<u32>>>,
    prefix: Vec<(PrefixTrie, Vec<Vec<u32>>)>,
    always: Vec<u32>,
}

impl SegmentIndex {
    /// Indexes `(pattern, value)` pairs.
    pub(crate) fn new(patterns: Vec<(SegmentPattern, u32)>) -> SegmentIndex {
        use std::collections::HashMap;
        let mut counts: HashMap<(usize, &str, bool), usize> = HashMap::new();
        for (p, _) in &patterns {
            for key in p.index_keys() {
                *counts.entry(key).or_default() += 1;
            }
        }
        // Pick each pattern's rarest key (ties: the later position) before moving `patterns`.
        let chosen: Vec<Option<(usize, String, bool)>> = patterns
            .iter()
            .map(|(p, _)| {
                p.index_keys()
                    .min_by_key(|k| (counts.get(k).copied().unwrap_or(0), usize::MAX - k.0))
                    .map(|(i, lit, pre)| (i, lit.to_string(), pre))
            })
            .collect();
        let mut index = SegmentIndex { patterns, ..SegmentIndex::default() };
        for (id, key) in chosen.into_iter().enumerate() {
            let id = id as u32;
            match key {
                None => index.always.push(id),
                Some((pos, lit, false)) => {
                    if index.exact.len() <= pos {
                        index.exact.resize_with(pos + 1, HashMap::new);
                    }
                    index.exact[pos].entry(lit).or_default().push(id);
                }
                Some((pos, lit, true)) => {
                    if index.prefix.len() <= pos {
                        index.prefix.resize_with(pos + 1, Default::default);
                    }
                    let (trie, buckets) = &mut index.prefix[pos];
                    match trie.get(&lit) {
                        Some(b) => buckets[b as usize].push(id),
                        None => {
                            trie.insert(&lit, buckets.len() as u32);
                            buckets.push(vec![id]);
                        }
                    }
                }
            }
        }
        index
    }

    pub(crate) fn patterns(&self) -> &[(SegmentPattern, u32)] {
        &self.patterns
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Calls `f` with every pattern that matches `path`, and its value.
    pub(crate) fn for_each_match<'a>(&'a self, path: &str, mut f: impl FnMut(&'a SegmentPattern, u32)) {
        let segments = segment_count(path);
        let mut try_id = |id: u32| {
            let (pattern, value) = &self.patterns[id as usize];
            if pattern.matches(path, segments) {
                f(pattern, *value);
            }
        };
        for (i, part) in path.split('/').enumerate() {
            if i >= self.exact.len() && i >= self.prefix.len() {
                break;
            }
            if let Some(ids) = self.exact.get(i).and_then(|m| m.get(part)) {
                ids.iter().for_each(|id| try_id(*id));
            }
            if let Some((trie, buckets)) = self.prefix.get(i) {
                trie.for_each_prefix(part, |b| buckets[b as usize].iter().for_each(|id| try_id(*id)));
            }
        }
        self.always.iter().for_each(|id| try_id(*id));
    }
}

/// Number of `/`-separated parts, as `strings.Split(path, "/")` counts them.
pub(crate) fn segment_count(path: &str) -> usize {
    path.bytes().filter(|b| *b == b'/').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_store_globbed_strings() {
        let cases = [
            ("*", "*", true),
            ("*", "anything", false),
            ("", "", true),
            ("foo*", "foobar", true),
            ("foo*", "barfoo", false),
            ("*foo", "barfoo", true),
            ("*foo", "foobar", false),
            ("*oo*", "xooy", true),
            ("*oo*", "xoy", false),
            ("exact", "exact", true),
            ("exact", "exactly", false),
        ];
        for (item, val, want) in cases {
            assert_eq!(globbed_strings_match(item, val), want, "{item} vs {val}");
        }
    }

    #[test]
    fn policy_store_trie_longest_prefix() {
        let mut t = PrefixTrie::default();
        t.insert("secret/", 1);
        t.insert("secret/foo", 2);
        t.insert("", 3);
        assert_eq!(t.longest_prefix("secret/foobar"), Some((10, 2)));
        assert_eq!(t.longest_prefix("secret/fo"), Some((7, 1)));
        assert_eq!(t.longest_prefix("other"), Some((0, 3)));
        let empty = PrefixTrie::default();
        assert_eq!(empty.longest_prefix("x"), None);
    }

    #[test]
    fn policy_store_segment_patterns() {
        let p = SegmentPattern::new("secret/+/config");
        assert!(p.matches("secret/a/config", 3));
        assert!(p.matches("secret//config", 3));
        assert!(!p.matches("secret/a/b/config", 4));
        assert!(!p.matches("secret/a/configs", 3));

        let p = SegmentPattern::new("secret/+/app*");
        assert!(p.matches("secret/x/app", 3));
        assert!(p.matches("secret/x/apple/deep", 4));
        assert!(!p.matches("secret/x/ap", 3));
        assert!(!p.matches("secret/x", 2));

        let p = SegmentPattern::new("+/foo");
        assert!(p.matches("anything/foo", 2));
        assert_eq!(segment_count("a/b/c"), 3);
    }

    /// The index must find exactly what trying every pattern finds.
    #[test]
    fn policy_store_segment_index_matches_brute_force() {
        let words = ["a", "b", "ab", "+", ""];
        let mut raw = Vec::new();
        for x in words {
            for y in words {
                for z in ["", "*", "c", "c*", "+"] {
                    let p = if z.is_empty() { format!("{x}/{y}") } else { format!("{x}/{y}/{z}") };
                    if p.contains("+*") || !(p.starts_with("+/") || p.contains("/+")) {
                        continue;
                    }
                    raw.push(p);
                }
            }
        }
        raw.sort();
        raw.dedup();
        let patterns: Vec<(SegmentPattern, u32)> =
            raw.iter().enumerate().map(|(i, p)| (SegmentPattern::new(p), i as u32)).collect();
        let index = SegmentIndex::new(patterns.clone());
        let parts = ["a", "b", "ab", "abc", "c", "cd", ""];
        let mut checked = 0;
        for x in parts {
            for y in parts {
                for z in [None, Some("c"), Some("cd"), Some("x/c")] {
                    let path = match z {
                        Some(z) => format!("{x}/{y}/{z}"),
                        None => format!("{x}/{y}"),
                    };
                    let n = segment_count(&path);
                    let mut want: Vec<u32> =
                        patterns.iter().filter(|(p, _)| p.matches(&path, n)).map(|(_, v)| *v).collect();
                    let mut got = Vec::new();
                    index.for_each_match(&path, |_, v| got.push(v));
                    want.sort();
                    got.sort();
                    assert_eq!(got, want, "{path}");
                    checked += want.len();
                }
            }
        }
        assert!(checked > 100, "the table should exercise many matches, got {checked}");
        assert_eq!(segment_count(""), 1);
    }
}
