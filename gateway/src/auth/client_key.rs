//! The web client's private key for `private_key_jwt` client
//! authentication (RFC 7523, OpenID Connect Core 9): the gateway proves
//! itself at the token endpoint with a short-lived JWT it signs, instead of
//! sending a secret. Ed25519 (EdDSA), P-256 (ES256) or RSA (RS256), from a
//! PKCS#8 PEM (`openssl genpkey`; RSA also PKCS#1). The operator registers
//! the public half ([`ClientKey::public_jwk`]) with the provider; its `kid`
//! is the key's RFC 7638 thumbprint.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::error::{SignInError, StartupError};

/// How long a client assertion is valid: one token request.
const ASSERTION_LIFETIME_SECS: i64 = 60;

enum Key {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
    Rsa(Box<rsa::RsaPrivateKey>),
}

pub struct ClientKey {
    key: Key,
    kid: String,
}

/// The key stays out of logs.
impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientKey({} {})", self.alg(), self.kid)
    }
}

fn config_error(why: &str) -> StartupError {
    StartupError::Config(format!("VNEID_CLIENT_PRIVATE_KEY: {why}"))
}

impl ClientKey {
    /// `setting`: the PEM itself, or the path of a file holding it.
    pub fn load(setting: &str) -> Result<Self, StartupError> {
        if setting.trim_start().starts_with("-----BEGIN") {
            return Self::from_pem(setting);
        }
        let pem = std::fs::read_to_string(setting.trim())
            .map_err(|e| config_error(&format!("neither a PEM nor a readable file: {e}")))?;
        Self::from_pem(&pem)
    }

    pub fn from_pem(pem: &str) -> Result<Self, StartupError> {
        use ed25519_dalek::pkcs8::DecodePrivateKey as _;
        use rsa::pkcs1::DecodeRsaPrivateKey as _;
        use rsa::pkcs8::DecodePrivateKey as _;
        let key = if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_pem(pem) {
            Key::Ed25519(key)
        } else if let Ok(key) = p256::ecdsa::SigningKey::from_pkcs8_pem(pem) {
            Key::P256(key)
        } else if let Ok(key) = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem))
        {
            Key::Rsa(Box::new(key))
        } else {
            return Err(config_error(
                "not an Ed25519, P-256 or RSA private key in PKCS#8 PEM",
            ));
        };
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(thumbprint_input(&key).as_bytes()));
        Ok(Self { key, kid })
    }

    /// The JWS algorithm the key signs with.
    pub fn alg(&self) -> &'static str {
        match self.key {
            Key::Ed25519(_) => "EdDSA",
            Key::P256(_) => "ES256",
            Key::Rsa(_) => "RS256",
        }
    }

    /// The public key as a JWK, to register with the provider.
    pub fn public_jwk(&self) -> Value {
        let mut jwk: Value =
            serde_json::from_str(&thumbprint_input(&self.key)).unwrap_or_else(|_| json!({}));
        jwk["kid"] = json!(self.kid);
        jwk["alg"] = json!(self.alg());
        jwk["use"] = json!("sig");
        jwk
    }

    /// A client assertion for one token request: `iss` and `sub` the client,
    /// `aud` the token endpoint, a fresh `jti`, a minute to live.
    pub fn assertion(&self, client_id: &str, token_endpoint: &str) -> Result<String, SignInError> {
        let now = Utc::now().timestamp();
        let header = json!({ "alg": self.alg(), "typ": "JWT", "kid": self.kid });
        let claims = json!({
            "iss": client_id,
            "sub": client_id,
            "aud": token_endpoint,
            "jti": URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()),
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
        });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = match &self.key {
            Key::Ed25519(key) => {
                use ed25519_dalek::Signer as _;
                key.sign(input.as_bytes()).to_bytes().to_vec()
            }
            Key::P256(key) => {
                use p256::ecdsa::signature::Signer as _;
                let signature: p256::ecdsa::Signature = key.sign(input.as_bytes());
                signature.to_bytes().to_vec()
            }
            Key::Rsa(key) => key
                .sign(
                    rsa::Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(input.as_bytes()),
                )
                .map_err(|_| {
                    SignInError::Config(
                        "VNEID_CLIENT_PRIVATE_KEY: the RSA key is too small to sign".into(),
                    )
                })?,
        };
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

/// The public key's required members in lexicographic order, no spaces:
/// the JSON RFC 7638 hashes for the thumbprint.
fn thumbprint_input(key: &Key) -> String {
    let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
    match key {
        Key::Ed25519(key) => format!(
            r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
            b64(key.verifying_key().as_bytes())
        ),
        Key::P256(key) => {
            let point = key.verifying_key().to_sec1_point(false);
            format!(
                r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
                b64(point.x().map(|x| x.as_slice()).unwrap_or_default()),
                b64(point.y().map(|y| y.as_slice()).unwrap_or_default())
            )
        }
        Key::Rsa(key) => {
            use rsa::traits::PublicKeyParts;
            rsa_members(&key.e().to_bytes_be(), &key.n().to_bytes_be())
        }
    }
}

fn rsa_members(e: &[u8], n: &[u8]) -> String {
    format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(e),
        URL_SAFE_NO_PAD.encode(n)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kid_is_the_rfc_7638_thumbprint() {
        // RFC 7638 3.1's example key and thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let input = rsa_members(&[1, 0, 1], &URL_SAFE_NO_PAD.decode(n).unwrap());
        assert_eq!(
            URL_SAFE_NO_PAD.encode(Sha256::digest(input.as_bytes())),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn what_is_not_a_private_key_is_named_without_its_text() {
        let error =
            ClientKey::from_pem("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----")
                .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("VNEID_CLIENT_PRIVATE_KEY"), "{message}");
        assert!(!message.contains("c2VjcmV0"), "{message}");
        assert!(ClientKey::load("/nonexistent/key.pem").is_err());
    }
}
