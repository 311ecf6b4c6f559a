//! Go's `base64.StdEncoding.DecodeString`, which Vault runs on every base64 field: padding
//! required, CR and LF skipped, non-zero trailing bits accepted, and its error text with the
//! offset Go reports ("illegal base64 data at input byte N").

use base64::{engine::general_purpose::STANDARD, Engine};

fn value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

fn corrupt(at: usize) -> String {
    format!("illegal base64 data at input byte {at}")
}

fn is_newline(c: u8) -> bool {
    c == b'\n' || c == b'\r'
}

/// Decodes as Go does; the error is Go's text.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    // Canonical input (the usual case) decodes the same in both; only the rest needs Go's walk.
    if let Ok(bytes) = STANDARD.decode(text) {
        return Ok(bytes);
    }
    let src = text.as_bytes();
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    loop {
        let mut quantum = [0u32; 4];
        let mut len = 4;
        let mut j = 0;
        let mut trailing: Option<usize> = None;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return Err(corrupt(si - j));
            }
            let c = src[si];
            si += 1;
            if let Some(v) = value(c) {
                quantum[j] = v;
                j += 1;
                continue;
            }
            if is_newline(c) {
                continue;
            }
            if c != b'=' || j < 2 {
                return Err(corrupt(si - 1));
            }
            if j == 2 {
                // A second '=' must follow.
                while si < src.len() && is_newline(src[si]) {
                    si += 1;
                }
                if si == src.len() {
                    return Err(corrupt(src.len()));
                }
                if src[si] != b'=' {
                    return Err(corrupt(si - 1));
                }
                si += 1;
            }
            while si < src.len() && is_newline(src[si]) {
                si += 1;
            }
            if si < src.len() {
                trailing = Some(si);
            }
            len = j;
            break;
        }
        let v = quantum[0] << 18 | quantum[1] << 12 | quantum[2] << 6 | quantum[3];
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        out.extend_from_slice(&bytes[..len - 1]);
        if let Some(at) = trailing {
            return Err(corrupt(at));
        }
        if len < 4 {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn offsets_and_leniency_are_gos() {
        assert_eq!(decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode("aGVs\nbG8=").unwrap(), b"hello");
        assert_eq!(decode("aGVsbG9=").unwrap(), b"hello", "non-zero trailing bits are accepted");
        assert_eq!(decode("").unwrap(), b"");
        for (bad, at) in [
            ("YQ", 0),
            ("abc", 0),
            ("ab!d", 2),
            ("=abc", 0),
            ("a=bc", 1),
            ("YQ=", 3),
            ("YQ=x", 2),
            ("YQ==x", 4),
            ("aGVsbG8", 4),
        ] {
            assert_eq!(decode(bad).unwrap_err(), format!("illegal base64 data at input byte {at}"), "{bad}");
        }
    }
}
