//! Vault's text layout helpers: `columnize` tables with a `---` underline row, `== Title ==`
//! section headers, and `kr/text`-style paragraph wrapping at 78 columns.

/// The column delimiter Vault uses for key/value tables (it hopes no secret contains it).
pub const HOPE_DELIM: &str = "♨";

const GLUE: &str = "    ";
const EMPTY: &str = "n/a";
const MAX_LINE_LENGTH: usize = 78;

/// `columnize.Format` as Vault configures it: cells trimmed, empty cells shown as `n/a`, columns
/// padded to the widest cell (in runes) and glued with four spaces; the last cell is not padded.
pub fn columnize(lines: &[String], delim: &str) -> String {
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|line| {
            line.split(delim)
                .map(|cell| {
                    let cell = cell.trim();
                    if cell.is_empty() {
                        EMPTY.to_string()
                    } else {
                        cell.to_string()
                    }
                })
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = Vec::new();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            let w = cell.chars().count();
            match widths.get_mut(i) {
                Some(cur) if *cur < w => *cur = w,
                Some(_) => {}
                None => widths.push(w),
            }
        }
    }
    let mut out = String::new();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                out.push_str(cell);
                out.push('\n');
            } else {
                let pad = widths[i].saturating_sub(cell.chars().count());
                out.push_str(cell);
                out.push_str(&" ".repeat(pad));
                out.push_str(GLUE);
            }
        }
    }
    if out.ends_with('\n') {
        out.pop();
    }
    out
}

/// Vault's `tableOutput`: the first line holds the headers, and an underline row of dashes is
/// inserted below it.
pub fn table_output(mut lines: Vec<String>, delim: &str) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let underline: Vec<String> = lines[0].split(delim).map(|h| "-".repeat(h.trim().chars().count())).collect();
    lines.insert(1, underline.join(delim));
    columnize(&lines, delim)
}

/// Vault's `padEqualSigns`: `== header ==` spanning about `total_len` characters.
pub fn pad_equal_signs(header: &str, total_len: usize) -> String {
    let mut signs = total_len as i64 - (header.len() as i64 + 2);
    if signs <= 0 {
        signs = 4;
    }
    if signs % 2 != 0 {
        signs += 1;
    }
    let side = "=".repeat((signs / 2) as usize);
    format!("{side} {header} {side}")
}

/// Vault's `getHeaderForMap`: a section header as wide as a two-column table of `keys`.
pub fn header_for_keys<'a>(header: &str, keys: impl Iterator<Item = &'a String>) -> String {
    let max_key = keys.map(|k| k.len()).max().unwrap_or(0);
    // 4 for the column glue and 5 for len("value").
    pad_equal_signs(header, max_key + 4 + 5)
}

/// Vault's `wrapAtLengthWithPadding`, built on `kr/text.Wrap` (minimum raggedness, not greedy).
pub fn wrap_at_length(s: &str, pad: usize) -> String {
    let lim = MAX_LINE_LENGTH - pad;
    let flat = s.trim().replace('\n', " ");
    let words: Vec<&str> = flat.split(' ').collect();
    let lines = wrap_words(&words, lim);
    lines.iter().map(|line| format!("{}{}", " ".repeat(pad), line.join(" "))).collect::<Vec<_>>().join("\n")
}

/// The dynamic program from `kr/text`: minimise the sum of squared slack, with a large penalty
/// for lines over the limit.
fn wrap_words<'a>(words: &[&'a str], lim: usize) -> Vec<Vec<&'a str>> {
    const PENALTY: i64 = 100_000;
    let n = words.len();
    if n == 0 {
        return Vec::new();
    }
    let widths: Vec<i64> = words.iter().map(|w| w.chars().count() as i64).collect();
    // length(i, j): the width of words i..=j joined by single spaces.
    let length = |i: usize, j: usize| -> i64 { widths[i..=j].iter().sum::<i64>() + (j - i) as i64 };
    let lim = lim as i64;
    let mut cost = vec![i64::from(i32::MAX); n];
    let mut brk = vec![n; n];
    for i in (0..n).rev() {
        if length(i, n - 1) <= lim || i == n - 1 {
            cost[i] = 0;
            brk[i] = n;
            continue;
        }
        for j in i + 1..n {
            let len = length(i, j - 1);
            let d = lim - len;
            let mut c = d * d + cost[j];
            if len > lim {
                c += PENALTY;
            }
            if c < cost[i] {
                cost[i] = c;
                brk[i] = j;
            }
        }
    }
    let mut lines = Vec::new();
    let mut i = 0;
    while i < n {
        lines.push(words[i..brk[i]].to_vec());
        i = brk[i];
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_table_is_aligned_like_vault() {
        let lines = vec![
            format!("Key{HOPE_DELIM}Value"),
            format!("created_time {HOPE_DELIM} 2024"),
            format!("deletion_time {HOPE_DELIM} "),
            format!("version {HOPE_DELIM} 1"),
        ];
        let want = "Key              Value\n\
                    ---              -----\n\
                    created_time     2024\n\
                    deletion_time    n/a\n\
                    version          1";
        assert_eq!(table_output(lines, HOPE_DELIM), want);
    }

    #[test]
    fn multi_column_table_with_pipe_delimiter() {
        let lines = vec![
            "Path | Type | Description".to_string(),
            "secret/ | kv | ".to_string(),
            "sys/ | system | system endpoints".to_string(),
        ];
        let want = "Path       Type      Description\n\
                    ----       ----      -----------\n\
                    secret/    kv        n/a\n\
                    sys/       system    system endpoints";
        assert_eq!(table_output(lines, "|"), want);
    }

    #[test]
    fn section_headers_match_vault() {
        assert_eq!(pad_equal_signs("Secret Path", 15), "= Secret Path =");
        assert_eq!(pad_equal_signs("Secret Path", 13), "== Secret Path ==");
        let keys = ["created_time".to_string(), "custom_metadata".to_string()];
        assert_eq!(header_for_keys("Metadata", keys.iter()), "======= Metadata =======");
        let keys = ["ttl".to_string(), "v".to_string()];
        assert_eq!(header_for_keys("Data", keys.iter()), "=== Data ===");
    }

    #[test]
    fn wraps_with_minimum_raggedness() {
        let text = "Vault initialized with 3 key shares and a key threshold of 2. Please \
                    securely distribute the key shares printed above. When the Vault is \
                    re-sealed, restarted, or stopped, you must supply at least 2 of these keys \
                    to unseal it before it can start servicing requests.";
        let want = "Vault initialized with 3 key shares and a key threshold of 2. Please securely\n\
                    distribute the key shares printed above. When the Vault is re-sealed,\n\
                    restarted, or stopped, you must supply at least 2 of these keys to unseal it\n\
                    before it can start servicing requests.";
        assert_eq!(wrap_at_length(text, 0), want);
    }
}
