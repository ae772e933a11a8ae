//! Accounts the server is told to keep (`--user`, the embedded server's local account):
//! created at start, or their password reset to the configured one.

use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::{ServerError, accounts, secrets};
use strm_model::Secret;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalAccount {
    pub email: String,
    pub password: Secret,
}

/// Creates the account, or resets its password to the configured one.
pub async fn ensure_account(db: &Db, user: &LocalAccount) -> Result<(), ServerError> {
    let fail = |reason: String| ServerError::Account {
        email: user.email.clone(),
        reason,
    };
    strm_model::rules::check_email(&user.email).map_err(|e| fail(e.to_string()))?;
    strm_model::rules::check_password(user.password.expose()).map_err(|e| fail(e.to_string()))?;
    let email = user.email.clone();
    let existing = db
        .call(move |c| Ok(accounts::find_account(c, &email)?))
        .await
        .map_err(|e| fail(e.message))?;
    let password = user.password.clone();
    let hash = existing.as_ref().map(|a| a.password_hash.clone());
    let new_hash = tokio::task::spawn_blocking(move || match hash {
        Some(h) if secrets::verify_password(password.expose(), &h) => Ok(None),
        _ => secrets::hash_password(password.expose()).map(Some),
    })
    .await
    .map_err(|e| fail(e.to_string()))?
    .map_err(|e| fail(e.to_string()))?;
    let Some(new_hash) = new_hash else {
        return Ok(());
    };
    let email = user.email.clone();
    db.call(move |c| match existing {
        Some(a) => Ok(accounts::set_password_hash(c, a.id, &new_hash)?),
        None => accounts::create_account(c, &email, &new_hash).map(drop),
    })
    .await
    .map_err(|e| fail(e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password() {
        let a = LocalAccount {
            email: "local@strm.local".into(),
            password: Secret::new("hunter2-hunter2"),
        };
        assert!(!format!("{a:?}").contains("hunter2"));
    }
}
