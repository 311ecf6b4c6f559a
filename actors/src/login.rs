//! Request path step 7 for logins (Vault's `handleLoginRequest` / `LoginCreateToken` /
//! `RegisterAuth`): an auth method answers a login with [`Login`], the decision; this mints the
//! token it describes and answers with the `auth` block instead.

pub(crate) use crate::auth::token::fields::sanitize_policies;
use crate::core::Core;
use crate::mount_table::MountEntry;
use crate::policy_store::RESPONSE_WRAPPING_POLICY_NAME;
use crate::token_store::{NewToken, SysTtls, TokenType};
use crate::{Auth, CoreError, Login, Request, Response};

/// Policies no token may be given (Vault's `NonAssignablePolicies`).
const NON_ASSIGNABLE: [&str; 2] = [RESPONSE_WRAPPING_POLICY_NAME, "control-group"];

/// The token type of a login (Vault's router): a mount tuned to `service` or `batch` decides;
/// `default-service` / `default-batch` decide only when the method did not ask for one.
fn token_type(mount: &MountEntry, asked: &str) -> TokenType {
    let batch = match mount.config.token_type_name() {
        "service" => false,
        "batch" => true,
        "default-batch" => asked != "service",
        _ => asked == "batch",
    };
    if batch {
        TokenType::Batch
    } else {
        TokenType::Service
    }
}

/// `<mount path with '/' as '-'><name>`, one trailing `-` cut (Vault's `LoginCreateToken`):
/// `userpass-alice` for `alice` at `auth/userpass/`.
fn display_name(mount: &MountEntry, name: &str) -> String {
    let full = format!("{}{name}", mount.path.replace('/', "-"));
    match full.strip_suffix('-') {
        Some(cut) => cut.to_string(),
        None => full,
    }
}

impl Core {
    /// Step 7 for a login: mints the token `resp.login` describes (an orphan, as every login
    /// token is) and puts its `auth` block in the response.
    pub(crate) async fn complete_login(
        &self,
        req: &Request,
        mount: &MountEntry,
        mut resp: Response,
    ) -> Result<Response, CoreError> {
        let Some(login) = resp.login.take() else { return Ok(resp) };
        if !mount.is_auth() {
            tracing::error!(path = %req.path, "unexpected login response from a secret engine");
            return Err(CoreError::internal("internal error"));
        }
        let policies = sanitize_policies(&login.policies, !login.no_default_policy);
        if policies.iter().any(|p| p == "root") {
            return Err(CoreError::invalid("auth methods cannot create root tokens"));
        }
        if let Some(p) = policies.iter().find(|p| NON_ASSIGNABLE.contains(&p.as_str())) {
            return Err(CoreError::invalid(format!("cannot assign policy \"{p}\"")));
        }
        let token_type = token_type(mount, &login.token_type);
        let (ttl, warnings) = self.login_ttl(mount, &login)?;
        if ttl == 0 {
            tracing::error!(path = %req.path, "refusing to create a non-root zero TTL token");
            return Err(CoreError::internal("internal error"));
        }
        let renewable = login.renewable && token_type == TokenType::Service;
        let spec = NewToken {
            policies: policies.clone(),
            path: req.path.clone(),
            display_name: display_name(mount, &login.display_name),
            meta: login.metadata,
            num_uses: login.num_uses,
            ttl,
            explicit_max_ttl: login.explicit_max_ttl,
            period: login.period,
            token_type,
            renewable,
            bound_cidrs: login.bound_cidrs,
            ..Default::default()
        };
        // lease: the token store registers every service token's lease as it mints it.
        let created = self.tokens.create(spec).await?;
        let e = &created.entry;
        resp.warnings.extend(warnings);
        resp.auth = Some(Auth {
            client_token: created.id.clone().into(),
            accessor: e.accessor.clone(),
            policies: policies.clone(),
            token_policies: policies,
            metadata: e.meta.clone(),
            lease_duration: ttl,
            renewable,
            entity_id: e.entity_id.clone(),
            token_type: token_type.as_str().into(),
            orphan: true,
            num_uses: e.num_uses,
        });
        Ok(resp)
    }

    /// Vault's `CalculateTTL` for a login: the method's TTL, else the mount's default, capped
    /// by the method's max TTL, the mount's max and explicit_max_ttl; periodic tokens get their
    /// period.
    fn login_ttl(&self, mount: &MountEntry, login: &Login) -> Result<(u64, Vec<String>), CoreError> {
        let (default_ttl, mut max_ttl) = self.effective_ttls(&mount.config);
        if login.max_ttl > 0 && login.max_ttl < max_ttl {
            max_ttl = login.max_ttl;
        }
        self.tokens.creation_ttl(SysTtls { default_ttl, max_ttl }, login.ttl, login.period, login.explicit_max_ttl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_type_follows_the_mount_tuning() {
        let mut m = MountEntry::new_auth("userpass/", "userpass", "");
        assert_eq!(token_type(&m, ""), TokenType::Service);
        assert_eq!(token_type(&m, "batch"), TokenType::Batch);
        m.config.token_type = "default-batch".into();
        assert_eq!(token_type(&m, ""), TokenType::Batch);
        assert_eq!(token_type(&m, "service"), TokenType::Service);
        m.config.token_type = "service".into();
        assert_eq!(token_type(&m, "batch"), TokenType::Service);
        m.config.token_type = "batch".into();
        assert_eq!(token_type(&m, "service"), TokenType::Batch);
    }

    #[test]
    fn display_names_carry_the_mount_path() {
        let m = MountEntry::new_auth("userpass/", "userpass", "");
        assert_eq!(display_name(&m, "alice"), "userpass-alice");
        assert_eq!(display_name(&m, ""), "userpass");
        let nested = MountEntry::new_auth("team/up/", "userpass", "");
        assert_eq!(display_name(&nested, "bob"), "team-up-bob");
    }
}
