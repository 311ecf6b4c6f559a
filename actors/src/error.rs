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
    /// A response sent whole, in its envelope, with another status than 200 (Vault's
    /// `RespondWithStatusCode`: a transit batch whose items failed).
    #[error("")]
    WithStatus(u16, Box<crate::Response>),
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
    /// An error a handler returned as a Go `error` rather than as an error response: Vault's
    /// core lists it with go-multierror ("1 error occurred:\n\t* ...") on every request but a
    /// login, keeping its status. See [`CoreError::listed`].
    #[error("{}", crate::logical::go::multierror(&[.0.to_string()]))]
    Listed(Box<CoreError>),
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
            CoreError::Listed(inner) => inner.status(),
            CoreError::WithStatus(status, _) => *status,
        }
    }

    /// The entries of the `errors` array of the response body.
    pub fn messages(&self) -> Vec<String> {
        match self {
            CoreError::NotFound | CoreError::NotFoundWith(_) | CoreError::WithStatus(..) => Vec::new(),
            other => vec![other.to_string()],
        }
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        CoreError::InvalidRequest(msg.into())
    }

    pub fn internal(msg: impl std::fmt::Display) -> Self {
        CoreError::Internal(msg.to_string())
    }

    /// Vault's second error shape: this error as a handler's Go error, which the client reads
    /// wrapped by go-multierror. The first shape, an error response (`logical.ErrorResponse`),
    /// is the error as it is. Listing twice changes nothing.
    pub fn listed(self) -> Self {
        match self {
            CoreError::Listed(_) => self,
            other => CoreError::Listed(Box::new(other)),
        }
    }

    /// A write reached a node that no longer leads the raft cluster: nothing of it was proposed.
    pub fn is_not_leader(&self) -> bool {
        matches!(self.unlisted(), CoreError::Storage(StorageError::NotLeader { .. }))
    }

    /// The error itself, listed or not.
    pub fn unlisted(&self) -> &CoreError {
        match self {
            CoreError::Listed(inner) => inner.unlisted(),
            other => other,
        }
    }

    /// The shape a backend's error reaches the client in (Vault's `handleRequest` versus
    /// `handleLoginRequest`): the framework's own 404 and 405 are Go errors, listed on every
    /// request but a login; everything else already has its shape.
    pub fn shaped(self, login: bool) -> Self {
        match self {
            CoreError::UnsupportedPath | CoreError::UnsupportedOperation if !login => self.listed(),
            other => other,
        }
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
