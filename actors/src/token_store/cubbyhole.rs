//! A token's cubbyhole dies with it (Vault's `cubbyholeDestroyer`).

use super::TokenStore;

impl TokenStore {
    /// Deletes everything the revoked token `key` kept in its cubbyhole. Runs after the token's
    /// own entries are gone, so a failure leaves only unreachable data; it is logged, not fatal.
    pub(crate) async fn destroy_cubbyhole(&self, key: &str) {
        let view = self.cubbyholes.sub_view(&format!("{key}/"));
        if let Err(e) = view.clear().await {
            tracing::warn!(error = %e, "failed to destroy a revoked token's cubbyhole");
        }
    }
}
