//! Shamir splitting of the unseal key (KEK) with the `blahaj` crate (a maintained fork of
//! `sharks`, GF(256), zeroized shares). Shares are laid out as Vault's: the y bytes followed by
//! the one-byte x coordinate, so a 32-byte key gives 33-byte shares (66 hex characters).

use blahaj::{Share, Sharks};
use zeroize::Zeroizing;

/// Vault's bounds on an unseal key part.
pub const MIN_KEY_SIZE: usize = 16;
pub const MAX_KEY_SIZE: usize = 33;

pub fn split(secret: &[u8], shares: u8, threshold: u8) -> Vec<Zeroizing<Vec<u8>>> {
    if shares == 1 {
        // Vault hands out the key itself when there is a single share.
        return vec![Zeroizing::new(secret.to_vec())];
    }
    Sharks(threshold)
        .dealer(secret)
        .take(shares as usize)
        .map(|share| {
            let raw = Zeroizing::new(Vec::from(&share));
            let mut out = Zeroizing::new(Vec::with_capacity(raw.len()));
            out.extend_from_slice(&raw[1..]);
            out.push(raw[0]);
            out
        })
        .collect()
}

/// Recombines parts; with one share the part is the key itself.
pub fn combine(parts: &[Zeroizing<Vec<u8>>], threshold: u8) -> Result<Zeroizing<Vec<u8>>, String> {
    if threshold == 1 {
        return parts.first().cloned().ok_or_else(|| "no key parts".to_string());
    }
    let mut shares = Vec::with_capacity(parts.len());
    for p in parts {
        let (x, y) = p.split_last().ok_or("empty key part")?;
        let mut raw = Zeroizing::new(Vec::with_capacity(p.len()));
        raw.push(*x);
        raw.extend_from_slice(y);
        shares.push(Share::try_from(raw.as_slice()).map_err(str::to_string)?);
    }
    Sharks(threshold).recover(shares.iter()).map(Zeroizing::new).map_err(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_threshold_subset_recovers() {
        let secret = [9u8; 32];
        let parts = split(&secret, 5, 3);
        assert_eq!(parts.len(), 5);
        assert!(parts.iter().all(|p| p.len() == 33));
        let subset = vec![parts[4].clone(), parts[1].clone(), parts[2].clone()];
        assert_eq!(&combine(&subset, 3).unwrap()[..], &secret);
        assert!(combine(&parts[..2], 3).is_err());
    }

    #[test]
    fn single_share_is_the_key() {
        let parts = split(&[1u8; 32], 1, 1);
        assert_eq!(&parts[0][..], &[1u8; 32]);
        assert_eq!(&combine(&parts, 1).unwrap()[..], &[1u8; 32]);
    }
}
