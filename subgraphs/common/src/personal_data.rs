//! Personal identification numbers at rest: a keyed hash to find a citizen
//! by number, and an encrypted copy that only its owner gets back.
//!
//! One 32-byte secret ([`crate::server::Secrets::personal_data_key`]) is
//! split into two subkeys with HMAC-SHA256 over fixed labels, so the lookup
//! hash and the encryption never share a key:
//!
//! - [`PersonalDataCipher::lookup_hash`]: hex HMAC-SHA256 of the number. The
//!   same number always gives the same hash (a unique column can hold it),
//!   and without the key a table of all 10^12 numbers cannot be built.
//! - [`PersonalDataCipher::seal`] / [`PersonalDataCipher::open`]:
//!   ChaCha20-Poly1305 with a random 96-bit nonce, stored as base64 of
//!   `nonce ‖ ciphertext ‖ tag`. A changed byte makes `open` fail.
//! - [`PersonalDataCipher::key_check`]: HMAC-SHA256 of a fixed label, stored
//!   once, so a start with another key is refused before it locks anyone
//!   out; it reveals nothing of the key.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::personal_id::PersonalId;
use crate::Error;

const LOOKUP_LABEL: &[u8] = b"congdan/personal-data/lookup-hash/v1";
const SEAL_LABEL: &[u8] = b"congdan/personal-data/seal/v1";
const KEY_CHECK_LABEL: &[u8] = b"congdan/personal-data/key-check/v1";
/// Bound into every sealed value as associated data.
const SEAL_CONTEXT: &[u8] = b"congdan/personal-data/v1";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Hashes and seals personal data with subkeys of one secret.
#[derive(Clone)]
pub struct PersonalDataCipher {
    lookup_key: [u8; 32],
    key_check: [u8; 32],
    seal: ChaCha20Poly1305,
}

impl std::fmt::Debug for PersonalDataCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonalDataCipher(..)")
    }
}

/// HMAC-SHA256 of `message` under a 32-byte key. HMAC pads a key shorter
/// than SHA-256's 64-byte block with zeros, so a zero-padded block key is
/// the same key (and needs no fallible length check).
fn hmac_sha256(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    let mut mac = <Hmac<Sha256> as Mac>::new(&block.into());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

fn unopenable() -> Error {
    // Says nothing about the value: it is personal data.
    Error::Database(sea_orm::DbErr::Custom(
        "a sealed personal value does not open with this PERSONAL_DATA_KEY: the key changed \
         since it was sealed (restore the original key), or the stored value is damaged"
            .into(),
    ))
}

impl PersonalDataCipher {
    pub fn new(key: &[u8; 32]) -> Self {
        let lookup_key = hmac_sha256(key, LOOKUP_LABEL);
        let seal_key = hmac_sha256(key, SEAL_LABEL);
        Self {
            lookup_key,
            key_check: hmac_sha256(key, KEY_CHECK_LABEL),
            seal: ChaCha20Poly1305::new(&seal_key.into()),
        }
    }

    /// The keyed hash a citizen is found by: 64 lowercase hex digits.
    pub fn lookup_hash(&self, id: &PersonalId) -> String {
        to_hex(&hmac_sha256(&self.lookup_key, id.expose().as_bytes()))
    }

    /// The key's check value: 64 lowercase hex digits, equal for equal keys.
    pub fn key_check(&self) -> String {
        to_hex(&self.key_check)
    }

    /// `plain` encrypted under a fresh random nonce, as base64.
    pub fn seal(&self, plain: &str) -> Result<String, Error> {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let sealed = self
            .seal
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: SEAL_CONTEXT,
                },
            )
            // ChaCha20-Poly1305 refuses only messages over 256 GiB.
            .map_err(|_| {
                Error::bad_input("Giá trị quá lớn để lưu", "the value is too large to store")
            })?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(STANDARD.encode(out))
    }

    /// The text [`Self::seal`] sealed; an error when the value was changed,
    /// sealed under another key, or is not a sealed value at all.
    pub fn open(&self, sealed: &str) -> Result<String, Error> {
        let bytes = STANDARD.decode(sealed).map_err(|_| unopenable())?;
        if bytes.len() < NONCE_LEN + TAG_LEN {
            return Err(unopenable());
        }
        let (nonce, ciphertext) = bytes
            .split_first_chunk::<NONCE_LEN>()
            .ok_or_else(unopenable)?;
        let plain = self
            .seal
            .decrypt(
                &Nonce::from(*nonce),
                Payload {
                    msg: ciphertext,
                    aad: SEAL_CONTEXT,
                },
            )
            .map_err(|_| unopenable())?;
        String::from_utf8(plain).map_err(|_| unopenable())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> PersonalId {
        PersonalId::parse(text, 2026).unwrap()
    }

    #[test]
    fn seals_and_opens() {
        let cipher = PersonalDataCipher::new(&[7; 32]);
        let sealed = cipher.seal("079203001234").unwrap();
        assert!(!sealed.contains("079203001234"));
        assert_eq!(cipher.open(&sealed).unwrap(), "079203001234");
        // A fresh nonce every time: equal numbers do not look equal.
        let again = cipher.seal("079203001234").unwrap();
        assert_ne!(sealed, again);
        assert_eq!(cipher.open(&again).unwrap(), "079203001234");
        assert_eq!(cipher.open(&cipher.seal("").unwrap()).unwrap(), "");
    }

    #[test]
    fn tampered_or_foreign_values_do_not_open() {
        let cipher = PersonalDataCipher::new(&[7; 32]);
        let sealed = cipher.seal("079203001234").unwrap();
        let mut bytes = STANDARD.decode(&sealed).unwrap();
        for i in [0, NONCE_LEN, bytes.len() - 1] {
            bytes[i] ^= 1;
            assert!(cipher.open(&STANDARD.encode(&bytes)).is_err(), "byte {i}");
            bytes[i] ^= 1;
        }
        assert_eq!(
            cipher.open(&STANDARD.encode(&bytes)).unwrap(),
            "079203001234"
        );
        assert!(cipher.open(&STANDARD.encode(&bytes[..20])).is_err());
        assert!(cipher.open("not base64 at all!").is_err());
        assert!(cipher.open("").is_err());
        let other = PersonalDataCipher::new(&[8; 32]);
        assert!(other.open(&sealed).is_err());
        let error = other.open(&sealed).unwrap_err().to_string();
        assert!(!error.contains("1234"), "{error}");
    }

    #[test]
    fn lookup_hash_is_stable_and_keyed() {
        let cipher = PersonalDataCipher::new(&[7; 32]);
        let hash = cipher.lookup_hash(&id("079203001234"));
        assert_eq!(hash.len(), 64);
        assert!(hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(hash, cipher.lookup_hash(&id(" 079203001234 ")));
        assert_eq!(
            hash,
            PersonalDataCipher::new(&[7; 32]).lookup_hash(&id("079203001234"))
        );
        assert_ne!(hash, cipher.lookup_hash(&id("079203001235")));
        assert_ne!(
            hash,
            PersonalDataCipher::new(&[8; 32]).lookup_hash(&id("079203001234"))
        );
        assert!(!hash.contains("079203001234"));
    }

    #[test]
    fn the_key_check_differs_from_every_subkey_and_between_keys() {
        let key = [7; 32];
        let cipher = PersonalDataCipher::new(&key);
        assert_eq!(
            cipher.key_check(),
            PersonalDataCipher::new(&key).key_check()
        );
        assert_ne!(
            cipher.key_check(),
            PersonalDataCipher::new(&[8; 32]).key_check()
        );
        assert_ne!(cipher.key_check(), to_hex(&cipher.lookup_key));
        assert_ne!(cipher.key_check(), to_hex(&hmac_sha256(&key, SEAL_LABEL)));
        assert_ne!(cipher.key_check(), to_hex(&key));
    }

    #[test]
    fn hmac_matches_the_rfc_4231_vector() {
        // RFC 4231 test case 2 uses a 4-byte key; ours are 32 bytes, so
        // check the zero padding with a key that is "Jefe" then zeros, which
        // HMAC treats as the same key.
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        assert_eq!(
            to_hex(&hmac_sha256(&key, b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn debug_shows_no_key() {
        let cipher = PersonalDataCipher::new(&[7; 32]);
        assert_eq!(format!("{cipher:?}"), "PersonalDataCipher(..)");
    }
}
