//! The logical error of a request, with the HTTP status Vault gives it.

use strongbox_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("Vault is sealed")]
    Sealed,
    #[error("Vault is not initialized")]
    NotInitialized,
    #[error("Vault is already initialized")]
    AlreadyInitialized,
    #[error("permission denied")]
    PermissionDenied,
    /// A 403 with Vault's more specific message.
    #[error("{0}")]
    Forbidden(String),
    /// Bad input from the client (400).
    #[error("{0}")]
    InvalidRequest(String),
    /// A read that found nothing: 404 with an empty `errors` list, as Vault answers.
    #[error("")]
    NotFound,
    #[error("{0}")]
    NotFoundMessage(String),
    /// A 404 that still carries a response body (KV v2 reads of a deleted version).
    #[error("")]
    NotFoundWith(Box<crate::Response>),
    #[error("unsupported path")]
    UnsupportedPath,
    #[error("unsupported operation")]
    UnsupportedOperation,
    /// Optimistic concurrency failures and the like (Vault also answers these with 400).
    #[error("{0}")]
    Conflict(String),
    #[error("http: request body too large")]
    TooLarge,
    #[error("{0}")]
    Internal(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl CoreError {
    /// The HTTP status Vault's `RespondErrorCommon` would pick.
    pub fn status(&self) -> u16 {
        match self {
            CoreError::Sealed => 503,
            CoreError::NotInitialized | CoreError::AlreadyInitialized => 400,
            CoreError::PermissionDenied | CoreError::Forbidden(_) => 403,
            CoreError::InvalidRequest(_) | CoreError::Conflict(_) => 400,
            CoreError::NotFound
            | CoreError::NotFoundMessage(_)
            | CoreError::NotFoundWith(_)
            | CoreError::UnsupportedPath => 404,
            CoreError::UnsupportedOperation => 405,
            CoreError::TooLarge => 413,
            CoreError::Internal(_) | CoreError::Storage(_) => 500,
        }
    }

    /// The entries of the `errors` array of the response body.
    pub fn messages(&self) -> Vec<String> {
        match self {
            CoreError::NotFound | CoreError::NotFoundWith(_) => Vec::new(),
            other => vec![other.to_string()],
        }
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        CoreError::InvalidRequest(msg.into())
    }

    pub fn internal(msg: impl std::fmt::Display) -> Self {
        CoreError::Internal(msg.to_string())
    }
}

impl From<actix::MailboxError> for CoreError {
    fn from(e: actix::MailboxError) -> Self {
        CoreError::Internal(format!("internal actor unavailable: {e}"))
    }
}

impl From<serde_json::Error> for CoreError {
    fn from(e: serde_json::Error) -> Self {
        CoreError::Internal(format!("failed to decode stored entry: {e}"))
    }
}
