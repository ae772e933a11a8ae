use serde::{Deserialize, Serialize};

/// What `POST /v1/auth`, `/v1/refresh` and `/v1/accounts` answer, and exactly what the
/// credentials file holds.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthResponse {
    pub email: String,
    pub billing_id: String,
    /// Epoch seconds, UTC.
    pub expires_at: i64,
    pub id_token: String,
    pub refresh_token: String,
}

// Tokens must never reach a log, so Debug shows only who and until when.
debug_showing!(AuthResponse {
    email,
    billing_id,
    expires_at
});

/// `POST /v1/auth` and the local `POST /v1/accounts`.
#[derive(Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

debug_showing!(LoginRequest { email });

/// `POST /v1/refresh` and the data plane's `POST /refresh`. Extra fields are ignored
/// because later clients post the whole stored credentials object.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Data plane `POST /auth`: a stream's or an output's credentials triplet.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventAuthRequest {
    pub billing_id: String,
    pub client_id: String,
    pub client_secret: String,
}

/// Data plane token answer: exactly these three keys, because the 2021 Python driver
/// builds an object from every key it receives and fails on extras.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventTokens {
    pub id_token: String,
    pub refresh_token: String,
    pub expires_at: i64,
}

debug_showing!(EventTokens { expires_at });

/// Lifetime of user id tokens and event tokens.
pub const TOKEN_LIFETIME_SECS: i64 = 3600;

/// Derives the billing id's letter part from an e-mail: the lower-case ASCII letters of
/// the local part (`strm-bart@…` → `strmbart`). The server appends 10 digits.
pub fn billing_id_prefix(email: &str) -> String {
    let local = email.split('@').next().unwrap_or_default();
    local
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_response_uses_the_spec_keys() {
        let a = AuthResponse {
            email: "strm-bart@example.com".into(),
            billing_id: "strmbart8891421710".into(),
            expires_at: 1610641696,
            id_token: "eyJ".into(),
            refresh_token: "AOvu".into(),
        };
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::json!({"email": "strm-bart@example.com", "billingId": "strmbart8891421710",
                "expiresAt": 1610641696, "idToken": "eyJ", "refreshToken": "AOvu"})
        );
    }

    #[test]
    fn debug_never_shows_tokens() {
        let a = AuthResponse {
            email: "a@b.c".into(),
            billing_id: "a0000000000".into(),
            expires_at: 1,
            id_token: "SECRET-ID".into(),
            refresh_token: "SECRET-REFRESH".into(),
        };
        let shown = format!("{a:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }

    #[test]
    fn refresh_ignores_extra_fields() {
        let r: RefreshRequest =
            serde_json::from_str(r#"{"refreshToken":"x","email":"a@b","idToken":"y"}"#).unwrap();
        assert_eq!(r.refresh_token, "x");
    }

    #[test]
    fn billing_prefix_keeps_lowercase_letters_of_local_part() {
        assert_eq!(billing_id_prefix("strm-Bart_2@example.com"), "strmbart");
    }
}
