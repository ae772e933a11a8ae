//! Accounts and their tokens: creation, sign-in, refresh, revocation, and the `Caller`
//! extractor that turns a bearer id token into the account a request acts for.

use crate::params;
use crate::sql::{Conn, OptionalExt};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::bearer_token;
use super::secrets;
use strm_model::{AuthResponse, billing_id_prefix, now_epoch_secs};

pub const WRONG_LOGIN: &str = "wrong e-mail address or password";

/// The account a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub account_id: i64,
    pub billing_id: String,
}

#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: i64,
    pub email: String,
    pub billing_id: String,
    pub password_hash: String,
}

/// E-mail addresses are compared case-insensitively, as mail systems do.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

impl AccountRow {
    /// From a row selecting `id, email, billing_id, password_hash`, in that order.
    fn from_row(r: &crate::sql::Row<'_>) -> crate::sql::DbResult<AccountRow> {
        Ok(AccountRow {
            id: r.get(0)?,
            email: r.get(1)?,
            billing_id: r.get(2)?,
            password_hash: r.get(3)?,
        })
    }
}

pub fn find_account(conn: &mut Conn, email: &str) -> crate::sql::DbResult<Option<AccountRow>> {
    conn.query_row(
        "SELECT id, email, billing_id, password_hash FROM accounts WHERE email = ?1",
        params![normalize_email(email)],
        AccountRow::from_row,
    )
    .optional()
}

/// Creates an account; the billing id is the e-mail's letters plus 10 random digits,
/// drawn again in the unlikely case it is taken.
pub fn create_account(conn: &mut Conn, email: &str, password_hash: &str) -> ApiResult<AccountRow> {
    let email = normalize_email(email);
    if find_account(conn, &email)?.is_some() {
        return Err(ApiError::conflict(format!(
            "email: an account for {email:?} already exists; sign in with POST /v1/auth"
        )));
    }
    let prefix = billing_id_prefix(&email);
    loop {
        let billing_id = format!("{prefix}{}", secrets::billing_digits());
        let taken: bool = conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM accounts WHERE billing_id = ?1)",
            params![&billing_id],
            |r| r.get(0),
        )?;
        if taken {
            continue;
        }
        let id = conn.query_row(
            "INSERT INTO accounts (email, billing_id, password_hash, created_at)
             VALUES (?1, ?2, ?3, ?4) RETURNING id",
            params![email, billing_id, password_hash, now_epoch_secs()],
            |r| r.get(0),
        )?;
        return Ok(AccountRow {
            id,
            email,
            billing_id,
            password_hash: password_hash.to_string(),
        });
    }
}

pub fn set_password_hash(conn: &mut Conn, account_id: i64, hash: &str) -> crate::sql::DbResult<()> {
    conn.execute(
        "UPDATE accounts SET password_hash = ?2 WHERE id = ?1",
        params![account_id, hash],
    )
    .map(drop)
}

fn issue_id_token(
    conn: &mut Conn,
    account: &AccountRow,
    refresh_token: String,
    ttl_secs: i64,
) -> crate::sql::DbResult<AuthResponse> {
    let now = now_epoch_secs();
    conn.execute(
        "DELETE FROM id_tokens WHERE account_id = ?1 AND expires_at <= ?2",
        params![account.id, now],
    )?;
    let id_token = secrets::token();
    let expires_at = now + ttl_secs;
    conn.execute(
        "INSERT INTO id_tokens (token_hash, refresh_hash, account_id, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![
            secrets::sha256_hex(&id_token),
            secrets::sha256_hex(&refresh_token),
            account.id,
            expires_at
        ],
    )?;
    Ok(AuthResponse {
        email: account.email.clone(),
        billing_id: account.billing_id.clone(),
        expires_at,
        id_token,
        refresh_token,
    })
}

/// A new session: a refresh token that lives until revoked and an id token for `ttl`.
pub fn start_session(
    conn: &mut Conn,
    account: &AccountRow,
    ttl_secs: i64,
) -> crate::sql::DbResult<AuthResponse> {
    let refresh_token = secrets::token();
    conn.execute(
        "INSERT INTO refresh_tokens (token_hash, account_id, created_at) VALUES (?1, ?2, ?3)",
        params![
            secrets::sha256_hex(&refresh_token),
            account.id,
            now_epoch_secs()
        ],
    )?;
    issue_id_token(conn, account, refresh_token, ttl_secs)
}

/// A fresh id token for a live refresh token; the refresh token stays the same.
pub fn refresh_session(
    conn: &mut Conn,
    refresh_token: &str,
    ttl_secs: i64,
) -> ApiResult<AuthResponse> {
    let account = conn
        .query_row(
            "SELECT a.id, a.email, a.billing_id, a.password_hash
             FROM refresh_tokens t JOIN accounts a ON a.id = t.account_id
             WHERE t.token_hash = ?1",
            params![secrets::sha256_hex(refresh_token)],
            AccountRow::from_row,
        )
        .optional()?
        .ok_or_else(|| {
            ApiError::unauthorized(
                "refreshToken: is unknown or revoked; sign in again with POST /v1/auth",
            )
        })?;
    Ok(issue_id_token(
        conn,
        &account,
        refresh_token.to_string(),
        ttl_secs,
    )?)
}

/// Revokes a refresh token and every id token issued from it. Unknown tokens are
/// already revoked, so this is idempotent.
pub fn revoke(conn: &mut Conn, refresh_token: &str) -> crate::sql::DbResult<()> {
    conn.execute(
        "DELETE FROM refresh_tokens WHERE token_hash = ?1",
        params![secrets::sha256_hex(refresh_token)],
    )
    .map(drop)
}

pub fn caller_for_token(conn: &mut Conn, id_token: &str) -> crate::sql::DbResult<Option<Caller>> {
    conn.query_row(
        "SELECT a.id, a.billing_id FROM id_tokens t JOIN accounts a ON a.id = t.account_id
         WHERE t.token_hash = ?1 AND t.expires_at > ?2",
        params![secrets::sha256_hex(id_token), now_epoch_secs()],
        |r| {
            Ok(Caller {
                account_id: r.get(0)?,
                billing_id: r.get(1)?,
            })
        },
    )
    .optional()
}

/// The bearer token of a request, if it has one.
pub fn bearer(parts: &Parts) -> Option<&str> {
    bearer_token(parts.headers.get(AUTHORIZATION)?.to_str().ok()?)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Caller> {
        let Some(token) = bearer(parts).map(str::to_string) else {
            return Err(ApiError::unauthorized(
                "The request could not be authorized: no 'Authorization: Bearer <idToken>' \
                 header; sign in with POST /v1/auth",
            ));
        };
        state
            .db
            .call(move |conn| Ok(caller_for_token(conn, &token)?))
            .await?
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "The request could not be authorized: the id token is expired or unknown; \
                     refresh it with POST /v1/refresh or sign in again",
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Conn) {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::db::open(&dir.path().join("t.db")).unwrap();
        (dir, conn.into())
    }

    #[test]
    fn billing_id_is_letters_of_the_local_part_plus_ten_digits() {
        let (_d, mut conn) = db();
        let a = create_account(&mut conn, "Strm-Bart@Example.com", "h").unwrap();
        assert_eq!(a.email, "strm-bart@example.com");
        assert!(a.billing_id.starts_with("strmbart"), "{}", a.billing_id);
        let digits = &a.billing_id["strmbart".len()..];
        assert_eq!(digits.len(), 10);
        assert!(digits.bytes().all(|b| b.is_ascii_digit()));
        let again = create_account(&mut conn, "strm-bart@example.com", "h").unwrap_err();
        assert_eq!(again.status, axum::http::StatusCode::CONFLICT);
    }

    #[test]
    fn tokens_are_stored_only_as_hashes_and_revocation_ends_them() {
        let (_d, mut conn) = db();
        let a = create_account(&mut conn, "a@b.c", "h").unwrap();
        let s = start_session(&mut conn, &a, 3600).unwrap();
        let stored: Vec<String> = conn
            .query_map(
                "SELECT token_hash FROM id_tokens UNION ALL SELECT token_hash FROM refresh_tokens",
                params![],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stored.len(), 2);
        assert!(!stored.contains(&s.id_token) && !stored.contains(&s.refresh_token));
        assert_eq!(
            caller_for_token(&mut conn, &s.id_token)
                .unwrap()
                .unwrap()
                .account_id,
            a.id
        );
        let r = refresh_session(&mut conn, &s.refresh_token, 3600).unwrap();
        assert_eq!(r.refresh_token, s.refresh_token);
        assert_ne!(r.id_token, s.id_token);
        revoke(&mut conn, &s.refresh_token).unwrap();
        assert!(caller_for_token(&mut conn, &r.id_token).unwrap().is_none());
        assert!(refresh_session(&mut conn, &s.refresh_token, 3600).is_err());
    }

    #[test]
    fn an_expired_id_token_is_refused() {
        let (_d, mut conn) = db();
        let a = create_account(&mut conn, "a@b.c", "h").unwrap();
        let s = start_session(&mut conn, &a, 0).unwrap();
        assert!(caller_for_token(&mut conn, &s.id_token).unwrap().is_none());
    }
}
