//! Encryption of personal data as the 2021 service did it with Google Tink: deterministic
//! AES-256-SIV, one 64-byte key per key-field value, ciphertexts in Tink's wire format
//! (`0x01 ‖ keyId ‖ SIV ‖ ct`) as padded standard base64.

use std::sync::{Arc, Mutex};

use aes_siv::KeyInit;
use aes_siv::siv::Aes256Siv;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rand::RngCore;

pub const KEY_BYTES: usize = 64;
/// Tink's output prefix for keys of type TINK.
const TINK_PREFIX: u8 = 0x01;
const PREFIX_LEN: usize = 5;
const SIV_LEN: usize = 16;

/// One encryption key. Its bytes never reach a log: Debug shows only its ids.
#[derive(Clone)]
pub struct DataKey {
    pub key_id: u32,
    pub key_link: String,
    material: [u8; KEY_BYTES],
    /// Epoch milliseconds.
    pub created_ms: i64,
    /// The cipher of `material`, made once and shared by the key's clones: its key
    /// schedule costs about as much as encrypting a short field.
    cipher: Arc<Mutex<Aes256Siv>>,
}

impl PartialEq for DataKey {
    fn eq(&self, other: &Self) -> bool {
        self.key_id == other.key_id
            && self.key_link == other.key_link
            && self.material == other.material
            && self.created_ms == other.created_ms
    }
}

impl Eq for DataKey {}

strm_model::debug_showing!(DataKey {
    key_id,
    key_link,
    created_ms
});

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("not a Tink ciphertext")]
    NotCiphertext,
    #[error("the ciphertext does not authenticate under key {0}")]
    Forged(u32),
    /// AES-SIV refuses only more associated-data headers than it supports; there is one.
    #[error("key {0} could not encrypt")]
    Seal(u32),
}

/// Tink passes the associated data as the one S2V header, even when empty.
const HEADERS: [&[u8]; 1] = [b""];

fn new_cipher(material: &[u8; KEY_BYTES]) -> Aes256Siv {
    Aes256Siv::new(material.into())
}

impl DataKey {
    pub fn new(key_id: u32, key_link: String, material: [u8; KEY_BYTES], created_ms: i64) -> Self {
        DataKey {
            key_id,
            key_link,
            cipher: Arc::new(Mutex::new(new_cipher(&material))),
            material,
            created_ms,
        }
    }

    /// A fresh random key; `key_link` is what events carry in `strmMeta.keyLink`.
    pub fn generate(key_link: String, created_ms: i64) -> DataKey {
        let mut rng = rand::rng();
        let mut material = [0u8; KEY_BYTES];
        rng.fill_bytes(&mut material);
        DataKey::new(rng.next_u32(), key_link, material, created_ms)
    }

    /// The key's bytes, for the store and key exports only.
    pub fn material(&self) -> &[u8; KEY_BYTES] {
        &self.material
    }

    /// Runs `f` with the key's cipher, or with a fresh one while another thread uses it
    /// (or a panic left it poisoned, its state unknown): never waits.
    fn with_cipher<T>(&self, f: impl FnOnce(&mut Aes256Siv) -> T) -> T {
        match self.cipher.try_lock() {
            Ok(mut cipher) => f(&mut cipher),
            Err(_) => f(&mut new_cipher(&self.material)),
        }
    }

    /// Deterministic: the same text under the same key gives the same ciphertext.
    pub fn encrypt(&self, plaintext: &str) -> Result<String, CryptoError> {
        const HEAD: usize = PREFIX_LEN + SIV_LEN;
        let mut out = Vec::with_capacity(HEAD + plaintext.len());
        out.push(TINK_PREFIX);
        out.extend_from_slice(&self.key_id.to_be_bytes());
        out.extend_from_slice(&[0; SIV_LEN]);
        out.extend_from_slice(plaintext.as_bytes());
        let siv = self
            .with_cipher(|c| c.encrypt_in_place_detached(HEADERS, &mut out[HEAD..]))
            .map_err(|_| CryptoError::Seal(self.key_id))?;
        out[PREFIX_LEN..HEAD].copy_from_slice(&siv);
        Ok(B64.encode(out))
    }

    pub fn decrypt(&self, ciphertext: &str) -> Result<String, CryptoError> {
        let (key_id, mut sealed) = split_ciphertext(ciphertext)?;
        if key_id != self.key_id {
            return Err(CryptoError::Forged(key_id));
        }
        self.with_cipher(|c| c.decrypt_in_place(HEADERS, &mut sealed))
            .map_err(|_| CryptoError::Forged(key_id))?;
        String::from_utf8(sealed).map_err(|_| CryptoError::Forged(key_id))
    }

    /// The Tink keyset JSON of a `-keys-` export line.
    pub fn tink_keyset(&self) -> serde_json::Value {
        // A serialized AesSivKey proto: field 2 (key_value), length 64, the bytes.
        let mut proto = Vec::with_capacity(2 + KEY_BYTES);
        proto.extend_from_slice(&[0x12, 0x40]);
        proto.extend_from_slice(&self.material);
        serde_json::json!({
            "primaryKeyId": self.key_id,
            "key": [{
                "keyData": {
                    "typeUrl": "type.googleapis.com/google.crypto.tink.AesSivKey",
                    "keyMaterialType": "SYMMETRIC",
                    "value": B64.encode(proto),
                },
                "outputPrefixType": "TINK",
                "keyId": self.key_id,
                "status": "ENABLED",
            }],
        })
    }
}

/// The key id a ciphertext names, and the SIV plus encrypted bytes.
pub fn split_ciphertext(ciphertext: &str) -> Result<(u32, Vec<u8>), CryptoError> {
    let raw = B64
        .decode(ciphertext)
        .map_err(|_| CryptoError::NotCiphertext)?;
    if raw.len() < PREFIX_LEN + SIV_LEN || raw[0] != TINK_PREFIX {
        return Err(CryptoError::NotCiphertext);
    }
    // The length was checked above: the prefix's four key-id bytes are there.
    let key_id = u32::from_be_bytes([raw[1], raw[2], raw[3], raw[4]]);
    Ok((key_id, raw[PREFIX_LEN..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed_key() -> DataKey {
        DataKey::new(
            0x0102_0304,
            "link".into(),
            std::array::from_fn(|i| i as u8),
            0,
        )
    }

    #[test]
    fn ciphertext_layout_is_tink_prefix_key_id_siv_ct() {
        let key = fixed_key();
        let ct = key.encrypt("customer-1").unwrap();
        let raw = B64.decode(&ct).unwrap();
        assert_eq!(&raw[..5], &[1, 1, 2, 3, 4]);
        assert_eq!(raw.len(), 5 + 16 + "customer-1".len());
        assert!(ct.ends_with("=="), "31 bytes encode with padding: {ct}");
        assert_eq!(key.decrypt(&ct).unwrap(), "customer-1");
    }

    #[test]
    fn deterministic_with_one_empty_header_as_tink() {
        let key = fixed_key();
        assert_eq!(key.encrypt("x").unwrap(), key.encrypt("x").unwrap());
        assert_ne!(key.encrypt("x").unwrap(), key.encrypt("y").unwrap());
        // Independent check with the crate's own AEAD-style API and one empty header.
        let mut cipher = Aes256Siv::new_from_slice(&key.material).unwrap();
        let sealed = cipher.encrypt([b"".as_slice()], b"x").unwrap();
        assert_eq!(
            &B64.decode(key.encrypt("x").unwrap()).unwrap()[5..],
            &sealed[..]
        );
    }

    #[test]
    fn clones_used_at_once_on_many_threads_encrypt_as_a_fresh_cipher_does() {
        let key = fixed_key();
        let texts: Vec<String> = (0..200).map(|i| format!("customer-{i}")).collect();
        let expected: Vec<Vec<u8>> = texts
            .iter()
            .map(|t| {
                let mut fresh = Aes256Siv::new_from_slice(&key.material).unwrap();
                fresh.encrypt([b"".as_slice()], t.as_bytes()).unwrap()
            })
            .collect();
        std::thread::scope(|s| {
            for _ in 0..4 {
                let (key, texts, expected) = (key.clone(), &texts, &expected);
                s.spawn(move || {
                    for _ in 0..20 {
                        for (t, sealed) in texts.iter().zip(expected) {
                            let ct = key.encrypt(t).unwrap();
                            assert_eq!(&B64.decode(&ct).unwrap()[5..], &sealed[..]);
                            assert_eq!(key.decrypt(&ct).unwrap(), *t);
                        }
                    }
                });
            }
        });
    }

    #[test]
    fn wrong_key_or_tampering_is_detected() {
        let key = fixed_key();
        let other = DataKey::generate("l2".into(), 0);
        let ct = key.encrypt("secret").unwrap();
        assert!(other.decrypt(&ct).is_err());
        let mut raw = B64.decode(&ct).unwrap();
        *raw.last_mut().unwrap() ^= 1;
        assert_eq!(
            key.decrypt(&B64.encode(raw)),
            Err(CryptoError::Forged(0x0102_0304))
        );
        assert_eq!(key.decrypt("plain text"), Err(CryptoError::NotCiphertext));
    }

    #[test]
    fn debug_hides_key_material() {
        let key = fixed_key();
        let shown = format!("{key:?}");
        assert!(!shown.contains("material"), "{shown}");
        assert!(!shown.contains("[0, 1, 2"), "{shown}");
    }

    #[test]
    fn tink_keyset_carries_the_serialized_aes_siv_key() {
        let key = fixed_key();
        let ks = key.tink_keyset();
        assert_eq!(ks["primaryKeyId"], 0x0102_0304);
        let value = B64
            .decode(ks["key"][0]["keyData"]["value"].as_str().unwrap())
            .unwrap();
        assert_eq!(&value[..2], &[0x12, 0x40]);
        assert_eq!(&value[2..], &key.material[..]);
        assert_eq!(ks["key"][0]["outputPrefixType"], "TINK");
    }
}
