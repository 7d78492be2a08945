//! The provider's Ed25519 key: JWS compact signing and the JWKS that
//! publishes the public half.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{json, Value};

pub struct Signer {
    key: SigningKey,
    kid: String,
}

impl Signer {
    /// A fresh key for this run of the provider.
    pub fn generate() -> Self {
        let secret: [u8; 32] = rand::random();
        let key = SigningKey::from_bytes(&secret);
        let kid = format!(
            "dev-{}",
            &URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes())[..8]
        );
        Self { key, kid }
    }

    /// A fresh key published under an existing `kid`.
    pub fn generate_with_kid(kid: &str) -> Self {
        let secret: [u8; 32] = rand::random();
        Self {
            key: SigningKey::from_bytes(&secret),
            kid: kid.to_string(),
        }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// `header.payload.signature`, EdDSA.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({ "alg": "EdDSA", "typ": "JWT", "kid": self.kid });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.key.sign(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        )
    }

    pub fn jwks(&self) -> Value {
        json!({ "keys": [{
            "kty": "OKP",
            "crv": "Ed25519",
            "use": "sig",
            "alg": "EdDSA",
            "kid": self.kid,
            "x": URL_SAFE_NO_PAD.encode(self.key.verifying_key().as_bytes()),
        }] })
    }
}
