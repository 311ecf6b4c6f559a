//! Go's JSON for asymmetric key material, as Vault's keysutil stores it: `*big.Int` is a bare
//! decimal number (hundreds of digits for RSA), and `*rsa.PrivateKey` is the struct with its
//! exported fields `N`, `E`, `D`, `Primes` and `Precomputed`. The numbers are kept as
//! big-endian bytes in zeroized buffers; the decimal conversions are done here, on those
//! buffers, because the bignum crates in reach do not wipe their limbs.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use zeroize::Zeroizing;

/// A non-negative `*big.Int`: big-endian bytes without leading zeros.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct GoBigInt(pub Zeroizing<Vec<u8>>);

impl std::fmt::Debug for GoBigInt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl GoBigInt {
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        GoBigInt(Zeroizing::new(bytes[start..].to_vec()))
    }

    /// The value left-padded with zeros to `len` bytes (`None` if it does not fit).
    pub fn to_fixed(&self, len: usize) -> Option<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new(vec![0u8; len]);
        let offset = len.checked_sub(self.0.len())?;
        out[offset..].copy_from_slice(&self.0);
        Some(out)
    }

    fn from_decimal(text: &str) -> Option<Self> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Little-endian base-256 accumulator: value = value * 10 + digit.
        let mut acc = Zeroizing::new(Vec::<u8>::with_capacity(text.len() / 2 + 1));
        for digit in text.bytes() {
            let mut carry = u32::from(digit - b'0');
            for byte in acc.iter_mut() {
                let v = u32::from(*byte) * 10 + carry;
                *byte = (v & 0xff) as u8;
                carry = v >> 8;
            }
            while carry > 0 {
                acc.push((carry & 0xff) as u8);
                carry >>= 8;
            }
        }
        acc.reverse();
        Some(GoBigInt::from_bytes(&acc))
    }

    fn to_decimal(&self) -> Zeroizing<String> {
        let mut work = Zeroizing::new(self.0.to_vec());
        let mut digits = Zeroizing::new(Vec::<u8>::new());
        while work.iter().any(|b| *b != 0) {
            let mut rem = 0u32;
            for byte in work.iter_mut() {
                let v = (rem << 8) | u32::from(*byte);
                *byte = (v / 10) as u8;
                rem = v % 10;
            }
            digits.push(b'0' + rem as u8);
        }
        if digits.is_empty() {
            digits.push(b'0');
        }
        digits.reverse();
        Zeroizing::new(String::from_utf8_lossy(&digits).into_owned())
    }
}

impl Serialize for GoBigInt {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = self.to_decimal();
        let raw = RawValue::from_string(text.to_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

impl<'de> Deserialize<'de> for GoBigInt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        GoBigInt::from_decimal(raw.get().trim()).ok_or_else(|| D::Error::custom("invalid big integer"))
    }
}

/// Go's `rsa.PrecomputedValues` (its exported part).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct GoRsaPrecomputed {
    #[serde(rename = "Dp")]
    pub dp: Option<GoBigInt>,
    #[serde(rename = "Dq")]
    pub dq: Option<GoBigInt>,
    #[serde(rename = "Qinv")]
    pub qinv: Option<GoBigInt>,
    #[serde(rename = "CRTValues", default)]
    pub crt_values: Vec<serde_json::Value>,
}

/// Go's `rsa.PrivateKey`, its public half's fields promoted.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GoRsaPrivateKey {
    #[serde(rename = "N")]
    pub n: GoBigInt,
    #[serde(rename = "E")]
    pub e: u32,
    #[serde(rename = "D")]
    pub d: GoBigInt,
    #[serde(rename = "Primes")]
    pub primes: Vec<GoBigInt>,
    #[serde(rename = "Precomputed", default)]
    pub precomputed: GoRsaPrecomputed,
}

/// Go's `rsa.PublicKey`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GoRsaPublicKey {
    #[serde(rename = "N")]
    pub n: GoBigInt,
    #[serde(rename = "E")]
    pub e: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_integers_are_bare_decimal_numbers_both_ways() {
        let n = GoBigInt::from_bytes(&[0x00, 0x01, 0x00, 0x01]);
        assert_eq!(serde_json::to_string(&n).unwrap(), "65537");
        let big = "123456789012345678901234567890123456789012345678901234567890";
        let parsed: GoBigInt = serde_json::from_str(big).unwrap();
        assert_eq!(serde_json::to_string(&parsed).unwrap(), big);
        assert_eq!(hex::encode(&parsed.0[..]), "13aaf504e4bc1e62173f87a4378c37b49c8ccff196ce3f0ad2");
        assert_eq!(serde_json::to_string(&GoBigInt::default()).unwrap(), "0");
        assert!(serde_json::from_str::<GoBigInt>("-5").is_err() && serde_json::from_str::<GoBigInt>("1.5").is_err());
        assert_eq!(&n.to_fixed(4).unwrap()[..], &[0, 1, 0, 1]);
        assert!(n.to_fixed(2).is_none());
    }
}
