//! Capabilities as a bitmap (Vault's `cap2Int`) and the ACL's notion of an operation, which, unlike
//! [`crate::Operation`], tells `create` from `update`.

use std::fmt;

use crate::Operation;

/// A set of capabilities, stored as Vault's bitmap (`DenyCapabilityInt` = 1, then create, read,
/// update, delete, list, sudo, patch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Capabilities(u32);

impl Capabilities {
    pub const NONE: Capabilities = Capabilities(0);
    pub const DENY: Capabilities = Capabilities(1);
    pub const CREATE: Capabilities = Capabilities(1 << 1);
    pub const READ: Capabilities = Capabilities(1 << 2);
    pub const UPDATE: Capabilities = Capabilities(1 << 3);
    pub const DELETE: Capabilities = Capabilities(1 << 4);
    pub const LIST: Capabilities = Capabilities(1 << 5);
    pub const SUDO: Capabilities = Capabilities(1 << 6);
    pub const PATCH: Capabilities = Capabilities(1 << 7);

    /// Every capability name a policy may grant, with its bit, in the order `sys/capabilities`
    /// sorts them (alphabetically).
    const NAMED: [(&'static str, Capabilities); 8] = [
        ("create", Capabilities::CREATE),
        ("delete", Capabilities::DELETE),
        ("deny", Capabilities::DENY),
        ("list", Capabilities::LIST),
        ("patch", Capabilities::PATCH),
        ("read", Capabilities::READ),
        ("sudo", Capabilities::SUDO),
        ("update", Capabilities::UPDATE),
    ];

    /// The bit for one capability name as written in a policy; `None` for anything else
    /// (including `root`, which no policy may grant).
    pub fn from_name(name: &str) -> Option<Capabilities> {
        Self::NAMED.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
    }

    pub fn bits(self) -> u32 {
        self.0
    }

    pub fn contains(self, other: Capabilities) -> bool {
        other.0 != 0 && self.0 & other.0 == other.0
    }

    pub fn is_deny(self) -> bool {
        self.0 & Self::DENY.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The names of the set, sorted; `["deny"]` when deny is set or the set is empty, as
    /// `sys/capabilities` reports them.
    pub fn names(self) -> Vec<String> {
        if self.is_deny() || self.is_empty() {
            return vec!["deny".to_string()];
        }
        Self::NAMED.iter().filter(|(_, c)| self.contains(*c)).map(|(n, _)| n.to_string()).collect()
    }
}

impl std::ops::BitOr for Capabilities {
    type Output = Capabilities;
    fn bitor(self, rhs: Capabilities) -> Capabilities {
        Capabilities(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for Capabilities {
    fn bitor_assign(&mut self, rhs: Capabilities) {
        self.0 |= rhs.0;
    }
}

/// The operation an ACL check is made for. Vault's request handler turns an `update` on a path
/// whose resource does not exist yet into `create` (see [`AclOperation::for_request`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AclOperation {
    Create,
    Read,
    Update,
    Patch,
    Delete,
    List,
    /// Always allowed (Vault's `HelpOperation`).
    Help,
    /// Lease revoke/renew and rollback reuse the `update` capability.
    Revoke,
    Renew,
    Rollback,
}

impl AclOperation {
    /// The ACL operation for a logical request: a write (`Update`) to a path whose resource does
    /// not exist is a `Create`.
    pub fn for_request(op: Operation, exists: bool) -> AclOperation {
        match op {
            Operation::Update if !exists => AclOperation::Create,
            other => AclOperation::from(other),
        }
    }

    /// The capability this operation needs; `None` for `Help`, which needs none.
    pub fn required_capability(self) -> Option<Capabilities> {
        Some(match self {
            AclOperation::Create => Capabilities::CREATE,
            AclOperation::Read => Capabilities::READ,
            AclOperation::Update | AclOperation::Revoke | AclOperation::Renew | AclOperation::Rollback => {
                Capabilities::UPDATE
            }
            AclOperation::Patch => Capabilities::PATCH,
            AclOperation::Delete => Capabilities::DELETE,
            AclOperation::List => Capabilities::LIST,
            AclOperation::Help => return None,
        })
    }

    /// Whether Vault checks request parameters (`allowed_parameters` and friends) for this
    /// operation.
    pub(crate) fn checks_parameters(self) -> bool {
        matches!(self, AclOperation::Read | AclOperation::Update | AclOperation::Create | AclOperation::Patch)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AclOperation::Create => "create",
            AclOperation::Read => "read",
            AclOperation::Update => "update",
            AclOperation::Patch => "patch",
            AclOperation::Delete => "delete",
            AclOperation::List => "list",
            AclOperation::Help => "help",
            AclOperation::Revoke => "revoke",
            AclOperation::Renew => "renew",
            AclOperation::Rollback => "rollback",
        }
    }
}

impl From<Operation> for AclOperation {
    fn from(op: Operation) -> AclOperation {
        match op {
            // Help is always allowed; the pipeline never asks the ACL about it.
            Operation::Read | Operation::Help => AclOperation::Read,
            Operation::Update => AclOperation::Update,
            Operation::Delete => AclOperation::Delete,
            Operation::List => AclOperation::List,
            Operation::Patch => AclOperation::Patch,
        }
    }
}

impl fmt::Display for AclOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_store_capability_names_round_trip() {
        for name in ["create", "read", "update", "patch", "delete", "list", "sudo", "deny"] {
            let c = Capabilities::from_name(name).unwrap();
            assert_eq!(c.names(), vec![name.to_string()]);
        }
        assert_eq!(Capabilities::from_name("root"), None);
        assert_eq!(Capabilities::from_name("READ"), None);
        assert_eq!(Capabilities::NONE.names(), vec!["deny"]);
        let rw = Capabilities::READ | Capabilities::UPDATE | Capabilities::SUDO | Capabilities::LIST;
        assert_eq!(rw.names(), vec!["list", "read", "sudo", "update"]);
        assert_eq!((rw | Capabilities::DENY).names(), vec!["deny"]);
    }

    #[test]
    fn policy_store_operation_mapping() {
        assert_eq!(AclOperation::for_request(Operation::Update, false), AclOperation::Create);
        assert_eq!(AclOperation::for_request(Operation::Update, true), AclOperation::Update);
        assert_eq!(AclOperation::for_request(Operation::Read, false), AclOperation::Read);
        assert_eq!(AclOperation::Create.required_capability(), Some(Capabilities::CREATE));
        assert_eq!(AclOperation::Renew.required_capability(), Some(Capabilities::UPDATE));
        assert_eq!(AclOperation::Help.required_capability(), None);
        assert_eq!(AclOperation::from(Operation::Patch), AclOperation::Patch);
    }
}
