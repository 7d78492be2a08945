//! Compact JWS with EdDSA (Ed25519): the one signature format congdan issues
//! itself (access tokens for clients, identity tokens for subgraphs).
//! Verification is strict: the header must say `EdDSA` and name a known
//! `kid`; `none` and every other algorithm are refused before any key is
//! looked at.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    #[error("the token is not a compact JWS (three base64url parts)")]
    Malformed,
    #[error("the token's algorithm `{0}` is not accepted; only EdDSA is")]
    Algorithm(String),
    #[error("the token names no key, or a key this service does not know")]
    UnknownKey,
    #[error("the token's signature does not verify")]
    Signature,
    #[error("the token's claims are not valid: {0}")]
    Claims(String),
    #[error("the token has expired")]
    Expired,
    #[error("the token is not yet valid")]
    NotYetValid,
    #[error("the token was issued for another audience or by another issuer")]
    WrongAudience,
    #[error("the token lives longer than this service accepts")]
    TooLong,
}

#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// An Ed25519 key pair with its key id.
#[derive(Clone)]
pub struct KeyPair {
    pub kid: String,
    key: SigningKey,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair").field("kid", &self.kid).finish()
    }
}

impl KeyPair {
    pub fn generate() -> Self {
        let secret: [u8; 32] = rand::random();
        Self::from_secret(&secret)
    }

    /// The key whose 32-byte secret is `secret`; the kid is derived from
    /// the public half, so every replica names it the same.
    pub fn from_secret(secret: &[u8; 32]) -> Self {
        let key = SigningKey::from_bytes(secret);
        let kid = URL_SAFE_NO_PAD.encode(&key.verifying_key().as_bytes()[..12]);
        Self { kid, key }
    }

    pub fn secret(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    pub fn public(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// `header.payload.signature`.
    pub fn sign<C: Serialize>(&self, claims: &C) -> Result<String, JwsError> {
        let header = json!({ "alg": "EdDSA", "typ": "JWT", "kid": self.kid });
        let payload = serde_json::to_vec(claims).map_err(|e| JwsError::Claims(e.to_string()))?;
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let signature = self.key.sign(signing_input.as_bytes());
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        ))
    }
}

/// The JWK of one public key (`kty: OKP`, `crv: Ed25519`).
pub fn jwk(kid: &str, key: &VerifyingKey) -> Value {
    json!({
        "kty": "OKP",
        "crv": "Ed25519",
        "use": "sig",
        "alg": "EdDSA",
        "kid": kid,
        "x": URL_SAFE_NO_PAD.encode(key.as_bytes()),
    })
}

/// The Ed25519 keys of a JWKS document, by kid; other keys are skipped.
pub fn keys_from_jwks(jwks: &Value) -> Vec<(String, VerifyingKey)> {
    let Some(keys) = jwks.get("keys").and_then(Value::as_array) else {
        return Vec::new();
    };
    keys.iter()
        .filter(|k| k.get("kty") == Some(&json!("OKP")) && k.get("crv") == Some(&json!("Ed25519")))
        .filter_map(|k| {
            let kid = k.get("kid")?.as_str()?.to_string();
            let x = URL_SAFE_NO_PAD.decode(k.get("x")?.as_str()?).ok()?;
            let bytes: [u8; 32] = x.try_into().ok()?;
            Some((kid, VerifyingKey::from_bytes(&bytes).ok()?))
        })
        .collect()
}

/// The kid a token names, read without verifying anything (to pick the key).
pub fn kid(token: &str) -> Result<String, JwsError> {
    let (header, _, _) = split(token)?;
    let header: Header = decode_json(header)?;
    if header.alg != "EdDSA" {
        return Err(JwsError::Algorithm(header.alg));
    }
    header.kid.ok_or(JwsError::UnknownKey)
}

/// Verifies the signature with `key` and returns the claims.
pub fn verify<C: DeserializeOwned>(token: &str, key: &VerifyingKey) -> Result<C, JwsError> {
    let (header, payload, signature) = split(token)?;
    let parsed: Header = decode_json(header)?;
    if parsed.alg != "EdDSA" {
        return Err(JwsError::Algorithm(parsed.alg));
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| JwsError::Malformed)?;
    let signature: [u8; 64] = signature.try_into().map_err(|_| JwsError::Signature)?;
    let signing_input = &token[..header.len() + 1 + payload.len()];
    key.verify_strict(signing_input.as_bytes(), &Signature::from_bytes(&signature))
        .map_err(|_| JwsError::Signature)?;
    decode_json(payload)
}

fn split(token: &str) -> Result<(&str, &str, &str), JwsError> {
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) if !h.is_empty() && !p.is_empty() => Ok((h, p, s)),
        _ => Err(JwsError::Malformed),
    }
}

fn decode_json<T: DeserializeOwned>(part: &str) -> Result<T, JwsError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwsError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|e| JwsError::Claims(e.to_string()))
}

/// Registered claims every congdan token carries, checked the same way
/// everywhere.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TimeClaims {
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// Clock difference tolerated between services, in seconds.
pub const LEEWAY_SECS: i64 = 30;

impl TimeClaims {
    /// Checks issuer, audience, expiry, issue time and the longest lifetime
    /// accepted for this kind of token.
    pub fn check(
        &self,
        issuer: &str,
        audience: &str,
        max_lifetime_secs: i64,
        now: i64,
    ) -> Result<(), JwsError> {
        if self.iss != issuer || self.aud != audience {
            return Err(JwsError::WrongAudience);
        }
        if self.exp + LEEWAY_SECS < now {
            return Err(JwsError::Expired);
        }
        if self.iat - LEEWAY_SECS > now {
            return Err(JwsError::NotYetValid);
        }
        if self.exp - self.iat > max_lifetime_secs {
            return Err(JwsError::TooLong);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let pair = KeyPair::generate();
        let token = pair.sign(&json!({"sub": "a"})).unwrap();
        let claims: Value = verify(&token, &pair.public()).unwrap();
        assert_eq!(claims["sub"], "a");
        assert_eq!(kid(&token).unwrap(), pair.kid);

        let other = KeyPair::generate();
        assert_eq!(
            verify::<Value>(&token, &other.public()),
            Err(JwsError::Signature)
        );

        // A tampered payload no longer verifies.
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(r#"{"sub":"b"}"#),
            parts[2]
        );
        assert_eq!(
            verify::<Value>(&forged, &pair.public()),
            Err(JwsError::Signature)
        );

        // alg none is refused outright.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"x"}"#),
            parts[1]
        );
        assert!(matches!(kid(&none), Err(JwsError::Algorithm(_))));
        assert!(matches!(
            verify::<Value>(&none, &pair.public()),
            Err(JwsError::Algorithm(_))
        ));
        assert_eq!(kid("a.b"), Err(JwsError::Malformed));
    }
}
