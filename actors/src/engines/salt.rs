//! A mount's salt (Vault's `salt.Salt` of a backend): a random key kept in the mount's own view
//! under `salt`, made on first use. HMAC-SHA256 under it keeps identifiers (role IDs, accessors)
//! out of storage keys in clear.

use crate::barrier::{hmac_hex, random_key, BarrierView};
use crate::CoreError;
use std::sync::Arc;
use tokio::sync::OnceCell;
use zeroize::Zeroizing;

/// Where the salt lives in the mount's view, as in Vault.
const SALT_KEY: &str = "salt";

#[derive(Clone)]
pub struct MountSalt {
    view: BarrierView,
    key: Arc<OnceCell<Zeroizing<Vec<u8>>>>,
}

impl MountSalt {
    pub fn new(view: BarrierView) -> Self {
        MountSalt { view, key: Arc::new(OnceCell::new()) }
    }

    async fn key(&self) -> Result<&Zeroizing<Vec<u8>>, CoreError> {
        self.key
            .get_or_try_init(|| async {
                if let Some(k) = self.view.get(SALT_KEY).await? {
                    return Ok(Zeroizing::new(k));
                }
                let k = random_key();
                self.view.put(SALT_KEY, &k).await?;
                Ok(k)
            })
            .await
    }

    /// The salt itself, for a holder that hashes many values without waiting (an audit device).
    pub async fn key_bytes(&self) -> Result<Zeroizing<Vec<u8>>, CoreError> {
        Ok(self.key().await?.clone())
    }

    /// The salted form of `value`: hex HMAC-SHA256 under the mount's salt.
    pub async fn salted(&self, value: &str) -> Result<String, CoreError> {
        hmac_hex(self.key().await?, value)
    }
}

impl std::fmt::Debug for MountSalt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MountSalt(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::unsealed_view;

    #[actix_rt::test]
    async fn the_salt_is_made_once_and_kept_in_the_view() {
        let view = unsealed_view().await;
        let salt = MountSalt::new(view.clone());
        let a = salt.salted("role-id").await.unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, salt.salted("other").await.unwrap());
        // A new engine on the same mount reads the same salt.
        assert_eq!(MountSalt::new(view.clone()).salted("role-id").await.unwrap(), a);
        assert!(view.get(SALT_KEY).await.unwrap().is_some());
    }
}
