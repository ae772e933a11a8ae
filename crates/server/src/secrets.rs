//! Random identifiers and secrets, and the hashes the server stores instead of them.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};

const CLIENT_ID_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// Printable ASCII with punctuation, minus space, quotes, backtick and backslash so that
/// a secret pastes into a shell or a JSON string unchanged.
const SECRET_CHARS: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&()*+,-./:;<=>?@[]^_{|}~";
pub const CLIENT_ID_LEN: usize = 30;
pub const CLIENT_SECRET_LEN: usize = 30;

fn random_from(chars: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| chars[rng.random_range(0..chars.len())] as char)
        .collect()
}

pub fn client_id() -> String {
    random_from(CLIENT_ID_CHARS, CLIENT_ID_LEN)
}

pub fn client_secret() -> String {
    random_from(SECRET_CHARS, CLIENT_SECRET_LEN)
}

/// An opaque bearer token: 256 random bits, URL-safe.
pub fn token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Ten random digits for a billing id.
pub fn billing_digits() -> String {
    random_from(b"0123456789", 10)
}

/// Tokens and client secrets carry 180+ random bits, so a fast hash suffices; it lets
/// the server look them up by hash.
pub fn sha256_hex(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Passwords are chosen by people, so they get a slow salted hash.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// A hash that no password is checked against successfully in practice; verifying
/// against it makes a login for an unknown e-mail as slow as one for a known e-mail.
/// `None` only if hashing itself fails, when no login can succeed anyway.
pub fn unknown_account_hash() -> Option<&'static str> {
    static HASH: std::sync::LazyLock<Option<String>> =
        std::sync::LazyLock::new(|| hash_password(&token()).ok());
    HASH.as_deref()
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .and_then(|h| Argon2::default().verify_password(password.as_bytes(), &h))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_30_lowercase_alphanumerics() {
        let id = client_id();
        assert_eq!(id.len(), 30);
        assert!(id.bytes().all(|b| CLIENT_ID_CHARS.contains(&b)), "{id}");
        assert_ne!(id, client_id());
    }

    #[test]
    fn secrets_are_30_printable_without_shell_quoting_trouble() {
        let s = client_secret();
        assert_eq!(s.len(), 30);
        assert!(
            s.chars()
                .all(|c| c.is_ascii_graphic() && !"\"'`\\".contains(c)),
            "{s}"
        );
        // Punctuation is part of the alphabet; over many secrets some must appear.
        let many: String = (0..20).map(|_| client_secret()).collect();
        assert!(many.chars().any(|c| c.is_ascii_punctuation()));
    }

    #[test]
    fn password_hash_verifies_only_the_right_password() {
        let h = hash_password("correct horse").unwrap();
        assert!(!h.contains("correct horse"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn sha256_is_hex_of_the_digest() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
