//! What rekey and generate-root share: key parts entered one by one against a nonce, combined
//! at the threshold and proven to be the current unseal key before anything happens.

use super::{shamir, STORED_ROOT_KEY_PATH};
use crate::barrier::Barrier;
use crate::CoreError;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Vault's bounds on a key part: why a part is refused, if it is.
pub(super) fn part_size_error(key: &[u8]) -> Option<String> {
    if key.len() < shamir::MIN_KEY_SIZE {
        return Some(format!("key is shorter than minimum {} bytes", shamir::MIN_KEY_SIZE));
    }
    if key.len() > shamir::MAX_KEY_SIZE {
        return Some(format!("key is longer than maximum {} bytes", shamir::MAX_KEY_SIZE));
    }
    None
}

/// Parts entered so far in one ceremony, compared in constant time.
#[derive(Default)]
pub(super) struct Parts(Vec<Zeroizing<Vec<u8>>>);

impl Parts {
    pub(super) fn contains(&self, key: &[u8]) -> bool {
        self.0.iter().any(|p| bool::from(p.as_slice().ct_eq(key)))
    }

    pub(super) fn push(&mut self, key: Zeroizing<Vec<u8>>) {
        self.0.push(key);
    }

    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    /// Combines the parts and forgets them: the progress restarts whatever comes next.
    pub(super) fn take_combined(&mut self, threshold: u8) -> Result<Zeroizing<Vec<u8>>, String> {
        let parts = std::mem::take(&mut self.0);
        shamir::combine(&parts, threshold)
    }
}

/// Why combined parts are not the current unseal key.
pub(super) enum NotTheKey {
    /// It does not open the stored root key (Vault: "invalid key: ...").
    Undecryptable(String),
    /// It opens a root key the barrier does not run on.
    Mismatch(String),
}

/// Proves `kek` is the current unseal key: it opens the stored root key, and that root key is
/// the one the barrier runs on.
pub(super) async fn authenticate(barrier: &Barrier, kek: &[u8]) -> Result<(), NotTheKey> {
    let stored = barrier.physical().get(STORED_ROOT_KEY_PATH).await;
    let wrapped = match stored {
        Ok(Some(w)) => w,
        Ok(None) => return Err(NotTheKey::Undecryptable("stored root key is missing".into())),
        Err(e) => return Err(NotTheKey::Undecryptable(e.to_string())),
    };
    let root = Barrier::open_with(kek, STORED_ROOT_KEY_PATH, &wrapped).map_err(|_| {
        NotTheKey::Undecryptable(
            "invalid key: failed to decrypt keys from storage: cipher: message authentication failed".into(),
        )
    })?;
    let current = barrier.root_key().map_err(|e| NotTheKey::Mismatch(e.to_string()))?;
    if bool::from(root.as_slice().ct_eq(current.as_slice())) {
        Ok(())
    } else {
        Err(NotTheKey::Mismatch("root key verification failed: the key does not match the barrier's".into()))
    }
}

pub(super) fn new_nonce() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(super) fn bad_request(m: impl Into<String>) -> CoreError {
    CoreError::invalid(m.into())
}
