//! The provider's signing key: EdDSA (Ed25519, the default), RS256 (RSA
//! 2048) or ES256 (P-256), as certified providers use; JWS compact signing,
//! and the JWKS that publishes the public half.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::Signer as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha512};

/// The algorithm the provider signs ID tokens with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SigningAlg {
    #[default]
    EdDsa,
    Rs256,
    Es256,
}

impl SigningAlg {
    /// Its JWS `alg` name.
    pub fn name(self) -> &'static str {
        match self {
            SigningAlg::EdDsa => "EdDSA",
            SigningAlg::Rs256 => "RS256",
            SigningAlg::Es256 => "ES256",
        }
    }
}

enum Key {
    Ed25519(ed25519_dalek::SigningKey),
    Rsa(Box<rsa::RsaPrivateKey>),
    P256(p256::ecdsa::SigningKey),
}

impl Key {
    fn generate(alg: SigningAlg) -> Self {
        match alg {
            SigningAlg::EdDsa => {
                Key::Ed25519(ed25519_dalek::SigningKey::from_bytes(&rand::random()))
            }
            // Failing only when the operating system's RNG fails.
            SigningAlg::Rs256 => Key::Rsa(Box::new(
                rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
                    .expect("the system RNG makes an RSA key"),
            )),
            // A random scalar is below the group order but for ~2^-32.
            SigningAlg::Es256 => loop {
                if let Ok(key) = p256::ecdsa::SigningKey::from_slice(&rand::random::<[u8; 32]>()) {
                    break Key::P256(key);
                }
            },
        }
    }

    fn sign(&self, input: &[u8]) -> Vec<u8> {
        match self {
            Key::Ed25519(key) => key.sign(input).to_bytes().to_vec(),
            // PKCS#1 v1.5 fails only for keys smaller than the digest info.
            Key::Rsa(key) => key
                .sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(input))
                .expect("a 2048-bit key signs a SHA-256 digest"),
            Key::P256(key) => {
                use p256::ecdsa::signature::Signer as _;
                let signature: p256::ecdsa::Signature = key.sign(input);
                signature.to_bytes().to_vec()
            }
        }
    }

    /// The public key as a JWK, without `kid` and `alg`.
    fn public_jwk(&self) -> Value {
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        match self {
            Key::Ed25519(key) => json!({
                "kty": "OKP", "crv": "Ed25519", "x": b64(key.verifying_key().as_bytes()),
            }),
            Key::Rsa(key) => {
                use rsa::traits::PublicKeyParts;
                json!({
                    "kty": "RSA",
                    "n": b64(&key.n().to_bytes_be()),
                    "e": b64(&key.e().to_bytes_be()),
                })
            }
            Key::P256(key) => {
                let point = key.verifying_key().to_sec1_point(false);
                json!({
                    "kty": "EC", "crv": "P-256",
                    "x": b64(point.x().map(|x| x.as_slice()).unwrap_or_default()),
                    "y": b64(point.y().map(|y| y.as_slice()).unwrap_or_default()),
                })
            }
        }
    }
}

pub struct Signer {
    key: Key,
    alg: SigningAlg,
    kid: String,
}

impl Signer {
    /// A fresh key for this run of the provider.
    pub fn generate(alg: SigningAlg) -> Self {
        let key = Key::generate(alg);
        let digest = Sha256::digest(key.public_jwk().to_string().as_bytes());
        let kid = format!("dev-{}", &URL_SAFE_NO_PAD.encode(digest)[..8]);
        Self { key, alg, kid }
    }

    /// A fresh key of the same algorithm published under the same `kid`.
    pub fn regenerate_keeping_kid(&self) -> Self {
        Self {
            key: Key::generate(self.alg),
            alg: self.alg,
            kid: self.kid.clone(),
        }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn alg(&self) -> SigningAlg {
        self.alg
    }

    /// `header.payload.signature`.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({ "alg": self.alg.name(), "typ": "JWT", "kid": self.kid });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.key.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    /// `at_hash` of an access token: the left half of the hash the signing
    /// algorithm uses (SHA-512 for Ed25519, SHA-256 for RS256 and ES256).
    pub fn at_hash(&self, access_token: &str) -> String {
        match self.alg {
            SigningAlg::EdDsa => {
                URL_SAFE_NO_PAD.encode(&Sha512::digest(access_token.as_bytes())[..32])
            }
            SigningAlg::Rs256 | SigningAlg::Es256 => {
                URL_SAFE_NO_PAD.encode(&Sha256::digest(access_token.as_bytes())[..16])
            }
        }
    }

    pub fn jwks(&self) -> Value {
        let mut jwk = self.key.public_jwk();
        jwk["use"] = json!("sig");
        jwk["alg"] = json!(self.alg.name());
        jwk["kid"] = json!(self.kid);
        json!({ "keys": [jwk] })
    }
}
