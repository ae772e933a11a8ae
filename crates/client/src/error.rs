use std::path::PathBuf;

use strm_model::{ErrorBody, Invalid};

/// What went wrong talking to the API, in words a user can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error body.
    #[error("{message} (HTTP {status})")]
    Api { status: u16, message: String },
    /// No credentials, or the refresh token was refused: the user must log in again.
    #[error("not logged in to {api}: {reason}; log in again")]
    LoginRequired { api: String, reason: String },
    #[error("cannot reach {api}: {reason}")]
    Unreachable { api: String, reason: String },
    #[error("{api} did not answer within {secs} s")]
    Timeout { api: String, secs: u64 },
    #[error("unexpected answer from {api}: {reason}")]
    Decode { api: String, reason: String },
    #[error("{path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("refused: {0}")]
    Refused(String),
}

impl ClientError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True when the API could not be reached at all (the console shows an offline
    /// state and retries).
    pub fn is_offline(&self) -> bool {
        matches!(
            self,
            ClientError::Unreachable { .. } | ClientError::Timeout { .. }
        )
    }

    pub fn needs_login(&self) -> bool {
        matches!(self, ClientError::LoginRequired { .. })
    }

    pub(crate) fn from_body(status: u16, body: &str) -> ClientError {
        let message = serde_json::from_str::<ErrorBody>(body)
            .map(|b| b.error.message)
            .unwrap_or_else(|_| {
                let text = body.trim();
                if text.is_empty() {
                    strm_model::reason_phrase(status).to_string()
                } else {
                    text.chars().take(500).collect()
                }
            });
        ClientError::Api { status, message }
    }
}
