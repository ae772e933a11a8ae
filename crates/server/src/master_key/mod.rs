//! The master key: sink credentials and the encryption keys' material are stored sealed
//! with it (AES-256-SIV with a random nonce), never in plain text. It lives in its own
//! 0600 file in the data directory (`master.key`, made at first start) or comes from
//! `STRM_MASTER_KEY`, and can be rotated (`source`): every sealed value names the key it
//! was sealed with, and values under an older key are sealed again under the current one
//! at start (`reseal`).

mod reseal;
mod source;

use aes_siv::KeyInit;
use aes_siv::siv::Aes256Siv;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rand::RngCore;
use sha2::{Digest, Sha256, Sha512};

pub use reseal::{ResealError, Resealed, reseal};
pub use source::{
    MASTER_KEY_ENV, MASTER_KEY_FILE, MasterKeyConfig, NEXT_MASTER_KEY_FILE,
    PREVIOUS_MASTER_KEY_ENV, finish_rotation, load,
};

/// Bytes of a master key.
pub const KEY_LEN: usize = 32;
/// A sealed value: `MAGIC ‖ key id (4) ‖ nonce (16) ‖ SIV (16) ‖ ciphertext`.
const MAGIC: &[u8; 3] = b"SM\x01";
const NONCE_LEN: usize = 16;
const HEAD: usize = MAGIC.len() + 4 + NONCE_LEN;
/// Sealed text (a TEXT column): `sealed:v1:<key id, 8 hex digits>:<base64 of the rest>`.
const TEXT_PREFIX: &str = "sealed:v1:";

/// What a sealed value is for: part of what it is sealed with, so that a value copied
/// into another column does not open there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    SinkCredentials,
    KeyMaterial,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::SinkCredentials => b"sinks.credentials",
            Purpose::KeyMaterial => b"dp_keys.material",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error(
        "a secret in the database was sealed with master key {0}, which is not the one the \
         server has (master.key or STRM_MASTER_KEY); give the old key as \
         STRM_PREVIOUS_MASTER_KEY to reseal it"
    )]
    UnknownKey(String),
    #[error("a sealed secret in the database does not open: it was damaged or altered")]
    Damaged,
}

/// One master key.
#[derive(Clone)]
pub struct MasterKey {
    id: [u8; 4],
    siv_key: [u8; 64],
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.id_hex())
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8; KEY_LEN]) -> MasterKey {
        let id: [u8; 32] = Sha256::new()
            .chain_update(b"strm-tui master key id")
            .chain_update(bytes)
            .finalize()
            .into();
        let siv_key: [u8; 64] = Sha512::new()
            .chain_update(b"strm-tui master key v1")
            .chain_update(bytes)
            .finalize()
            .into();
        MasterKey {
            id: [id[0], id[1], id[2], id[3]],
            siv_key,
        }
    }

    pub fn generate() -> (MasterKey, String) {
        let mut bytes = [0u8; KEY_LEN];
        rand::rng().fill_bytes(&mut bytes);
        (MasterKey::from_bytes(&bytes), B64.encode(bytes))
    }

    /// A key as written in `master.key` or `STRM_MASTER_KEY`: base64 of 32 bytes.
    pub fn parse(text: &str) -> Result<MasterKey, String> {
        let bytes = B64
            .decode(text.trim())
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text.trim()))
            .map_err(|_| "is not base64".to_string())?;
        let bytes: [u8; KEY_LEN] = bytes.try_into().map_err(|b: Vec<u8>| {
            format!(
                "is {} bytes; a master key is 32 (`openssl rand -base64 32`)",
                b.len()
            )
        })?;
        Ok(MasterKey::from_bytes(&bytes))
    }

    /// The key's id as sealed values name it.
    pub fn id_hex(&self) -> String {
        self.id.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn cipher(&self) -> Aes256Siv {
        Aes256Siv::new((&self.siv_key).into())
    }
}

/// The current master key, and older ones still accepted while their values are
/// sealed again.
#[derive(Debug, Clone)]
pub struct Keyring {
    current: MasterKey,
    older: Vec<MasterKey>,
}

impl Keyring {
    pub fn new(current: MasterKey, older: Vec<MasterKey>) -> Keyring {
        let older = older.into_iter().filter(|k| k.id != current.id).collect();
        Keyring { current, older }
    }

    pub fn current(&self) -> &MasterKey {
        &self.current
    }

    fn find(&self, id: &[u8]) -> Result<&MasterKey, SealError> {
        std::iter::once(&self.current)
            .chain(&self.older)
            .find(|k| k.id == id)
            .ok_or_else(|| SealError::UnknownKey(id.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// Seals `plain` under the current key.
    pub fn seal(&self, purpose: Purpose, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut out = Vec::with_capacity(HEAD + 16 + plain.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.current.id);
        out.extend_from_slice(&nonce);
        // Two headers, a purpose and a nonce: AES-SIV accepts far more.
        match self
            .current
            .cipher()
            .encrypt([purpose.label(), &nonce[..]], plain)
        {
            Ok(sealed) => out.extend_from_slice(&sealed),
            Err(_) => unreachable!("AES-SIV takes up to 126 headers"),
        }
        out
    }

    /// Opens a value sealed by `seal` under any key of the ring; `Ok(None)` when `stored`
    /// is not sealed at all (written by an earlier version).
    pub fn open(&self, purpose: Purpose, stored: &[u8]) -> Result<Option<Vec<u8>>, SealError> {
        if !is_sealed(stored) {
            return Ok(None);
        }
        let key = self.find(&stored[MAGIC.len()..MAGIC.len() + 4])?;
        let nonce = &stored[MAGIC.len() + 4..HEAD];
        key.cipher()
            .decrypt([purpose.label(), nonce], &stored[HEAD..])
            .map(Some)
            .map_err(|_| SealError::Damaged)
    }

    /// Whether `stored` is sealed under the current key (nothing to reseal).
    pub fn is_current(&self, stored: &[u8]) -> bool {
        is_sealed(stored) && stored[MAGIC.len()..MAGIC.len() + 4] == self.current.id
    }

    /// `seal` for a TEXT column.
    pub fn seal_text(&self, purpose: Purpose, plain: &str) -> String {
        let sealed = self.seal(purpose, plain.as_bytes());
        format!(
            "{TEXT_PREFIX}{}:{}",
            self.current.id_hex(),
            B64.encode(&sealed[MAGIC.len() + 4..])
        )
    }

    /// `open` for a TEXT column: the plain text; a value an earlier version stored in
    /// plain text comes back as it is.
    pub fn open_text(&self, purpose: Purpose, stored: &str) -> Result<String, SealError> {
        let Some(rest) = stored.strip_prefix(TEXT_PREFIX) else {
            return Ok(stored.to_owned());
        };
        let (id, body) = rest.split_once(':').ok_or(SealError::Damaged)?;
        let id: Vec<u8> = (0..id.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(id.get(i..i + 2).unwrap_or("zz"), 16))
            .collect::<Result<_, _>>()
            .map_err(|_| SealError::Damaged)?;
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&id);
        bytes.extend_from_slice(&B64.decode(body).map_err(|_| SealError::Damaged)?);
        let plain = self.open(purpose, &bytes)?.ok_or(SealError::Damaged)?;
        String::from_utf8(plain).map_err(|_| SealError::Damaged)
    }

    /// The prefix of texts sealed under the current key (for finding the others in SQL).
    pub fn current_text_prefix(&self) -> String {
        format!("{TEXT_PREFIX}{}:", self.current.id_hex())
    }

    /// The first bytes of values sealed under the current key.
    pub fn current_prefix(&self) -> Vec<u8> {
        [&MAGIC[..], &self.current.id].concat()
    }
}

fn is_sealed(stored: &[u8]) -> bool {
    stored.len() > HEAD + 16 && stored.starts_with(MAGIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `ring` opens `sealed` (key material) to; panics if it cannot.
    pub(super) fn opened(ring: &Keyring, sealed: &[u8]) -> Vec<u8> {
        ring.open(Purpose::KeyMaterial, sealed).unwrap().unwrap()
    }

    fn ring() -> Keyring {
        Keyring::new(MasterKey::generate().0, vec![])
    }

    #[test]
    fn sealed_values_open_only_for_their_purpose_and_hide_the_plain_text() {
        let ring = ring();
        let material = [7u8; 64];
        let sealed = ring.seal(Purpose::KeyMaterial, &material);
        assert!(!sealed.windows(8).any(|w| w == [7u8; 8]), "no plain bytes");
        assert_ne!(
            sealed,
            ring.seal(Purpose::KeyMaterial, &material),
            "a fresh nonce each time"
        );
        assert_eq!(
            ring.open(Purpose::KeyMaterial, &sealed).unwrap().unwrap(),
            material
        );
        assert_eq!(
            ring.open(Purpose::SinkCredentials, &sealed),
            Err(SealError::Damaged)
        );
        assert_eq!(
            ring.open(Purpose::KeyMaterial, &material).unwrap(),
            None,
            "plain legacy value"
        );
        let text = ring.seal_text(
            Purpose::SinkCredentials,
            "{\"SecretAccessKey\":\"TOPSECRET\"}",
        );
        assert!(
            text.starts_with(&ring.current_text_prefix()) && !text.contains("TOPSECRET"),
            "{text}"
        );
        assert_eq!(
            ring.open_text(Purpose::SinkCredentials, &text).unwrap(),
            "{\"SecretAccessKey\":\"TOPSECRET\"}"
        );
        assert_eq!(
            ring.open_text(Purpose::SinkCredentials, "{}").unwrap(),
            "{}"
        );
    }

    #[test]
    fn an_older_key_still_opens_and_an_unknown_one_is_named() {
        let old = MasterKey::generate().0;
        let sealed = Keyring::new(old.clone(), vec![]).seal(Purpose::KeyMaterial, b"k");
        let rotated = Keyring::new(MasterKey::generate().0, vec![old.clone()]);
        assert!(!rotated.is_current(&sealed));
        assert_eq!(opened(&rotated, &sealed), b"k");
        let stranger = ring();
        assert_eq!(
            stranger.open(Purpose::KeyMaterial, &sealed),
            Err(SealError::UnknownKey(old.id_hex()))
        );
    }

    #[test]
    fn keys_parse_from_base64_of_32_bytes_only() {
        let (key, text) = MasterKey::generate();
        assert_eq!(MasterKey::parse(&format!(" {text}\n")).unwrap().id, key.id);
        assert!(
            MasterKey::parse("not base64!")
                .unwrap_err()
                .contains("base64")
        );
        assert!(MasterKey::parse("c2hvcnQ=").unwrap_err().contains("32"));
        assert!(!format!("{key:?}").contains(&text));
    }
}
