use serde::{Deserialize, Serialize};

/// The error body every non-2xx answer carries, as shown in the 2021 guide:
/// `{"error": {"code": 401, "status": "Unauthorized", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: u16,
    pub status: String,
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: u16, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code,
                status: reason_phrase(code).to_string(),
                message: message.into(),
            },
        }
    }
}

/// The reason phrases the contract names; anything else gets the generic class phrase.
pub fn reason_phrase(code: u16) -> &'static str {
    match code {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        c if c < 500 => "Client Error",
        _ => "Server Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_the_seed_shape() {
        let body = ErrorBody::new(401, "The request could not be authorized");
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"error": {"code": 401, "status": "Unauthorized",
                "message": "The request could not be authorized"}})
        );
    }
}
