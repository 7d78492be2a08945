//! The ID token a web session keeps for RP-initiated logout
//! (`id_token_hint`, which providers may require). It is a credential, so
//! it is stored sealed (ChaCha20-Poly1305) under a key derived from the
//! session cookie: the database keeps only the cookie's hash, so its rows
//! alone open nothing; the browser's logout request brings the cookie back.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use sha2::{Digest, Sha256};

const KEY_LABEL: &[u8] = b"congdan/gateway/id-token-hint/v1";
const NONCE_LEN: usize = 12;

fn cipher(cookie: &str) -> ChaCha20Poly1305 {
    let key = Sha256::new()
        .chain_update(KEY_LABEL)
        .chain_update(cookie.as_bytes())
        .finalize();
    ChaCha20Poly1305::new(&key)
}

/// `id_token` sealed for the session `session_id` whose cookie is `cookie`.
pub fn seal(cookie: &str, session_id: &str, id_token: &str) -> Option<String> {
    let nonce: [u8; NONCE_LEN] = rand::random();
    let sealed = cipher(cookie)
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: id_token.as_bytes(),
                aad: session_id.as_bytes(),
            },
        )
        .ok()?;
    Some(STANDARD.encode([nonce.as_slice(), &sealed].concat()))
}

/// The ID token [`seal`] sealed, given the same cookie and session.
pub fn open(cookie: &str, session_id: &str, sealed: &str) -> Option<String> {
    let bytes = STANDARD.decode(sealed).ok()?;
    let (nonce, ciphertext) = bytes.split_first_chunk::<NONCE_LEN>()?;
    let plain = cipher(cookie)
        .decrypt(
            &Nonce::from(*nonce),
            Payload {
                msg: ciphertext,
                aad: session_id.as_bytes(),
            },
        )
        .ok()?;
    String::from_utf8(plain).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_cookie_and_session_it_was_sealed_for_open_it() {
        let sealed = seal("cookie-1", "session-1", "a.b.c").unwrap();
        assert!(!sealed.contains("a.b.c"));
        assert_eq!(
            open("cookie-1", "session-1", &sealed).as_deref(),
            Some("a.b.c")
        );
        assert_eq!(open("cookie-2", "session-1", &sealed), None);
        assert_eq!(open("cookie-1", "session-2", &sealed), None);
        assert_eq!(open("cookie-1", "session-1", "not base64!"), None);
    }
}
