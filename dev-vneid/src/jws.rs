//! Verifying a compact JWS against a JWK set, as the provider does for
//! client assertions (`private_key_jwt`, keys the client registered) and
//! for `id_token_hint` (its own keys): EdDSA, RS256 and ES256, each only
//! with a key of its type.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The token's claims when one key of `jwks` (the one its `kid` names, or
/// any of the algorithm's type) verifies its signature.
pub fn verify(token: &str, jwks: &Value) -> Result<Value, &'static str> {
    let mut parts = token.split('.');
    let (Some(header_part), Some(payload_part), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a compact JWS");
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| "not base64url");
    let header: Value = serde_json::from_slice(&decode(header_part)?).map_err(|_| "bad header")?;
    let signature = decode(signature)?;
    let signing_input = format!("{header_part}.{payload_part}");
    let alg = header["alg"].as_str().unwrap_or_default();
    let kty = match alg {
        "EdDSA" => "OKP",
        "RS256" => "RSA",
        "ES256" => "EC",
        _ => return Err("the signing algorithm is not accepted"),
    };
    let kid = header["kid"].as_str();
    let verified = jwks["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|key| key["kty"] == kty)
        .filter(|key| kid.is_none_or(|kid| key["kid"] == kid))
        .any(|key| verifies(key, signing_input.as_bytes(), &signature).unwrap_or(false));
    if !verified {
        return Err("no registered key verifies the signature");
    }
    serde_json::from_slice(&decode(payload_part)?).map_err(|_| "bad claims")
}

fn verifies(jwk: &Value, input: &[u8], signature: &[u8]) -> Option<bool> {
    let member = |name: &str| {
        jwk[name]
            .as_str()
            .and_then(|text| URL_SAFE_NO_PAD.decode(text).ok())
    };
    match jwk["kty"].as_str()? {
        "OKP" if jwk["crv"] == "Ed25519" => {
            let key =
                ed25519_dalek::VerifyingKey::from_bytes(&member("x")?.try_into().ok()?).ok()?;
            let signature = ed25519_dalek::Signature::from_slice(signature).ok()?;
            Some(key.verify_strict(input, &signature).is_ok())
        }
        "RSA" => {
            let key = rsa::RsaPublicKey::new(
                rsa::BigUint::from_bytes_be(&member("n")?),
                rsa::BigUint::from_bytes_be(&member("e")?),
            )
            .ok()?;
            let scheme = rsa::Pkcs1v15Sign::new::<Sha256>();
            Some(
                key.verify(scheme, &Sha256::digest(input), signature)
                    .is_ok(),
            )
        }
        "EC" if jwk["crv"] == "P-256" => {
            use p256::ecdsa::signature::Verifier as _;
            let mut point = vec![0x04];
            point.extend(member("x")?);
            point.extend(member("y")?);
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).ok()?;
            let signature = p256::ecdsa::Signature::from_slice(signature).ok()?;
            Some(key.verify(input, &signature).is_ok())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::{Signer, SigningAlg};
    use serde_json::json;

    #[test]
    fn each_algorithm_verifies_with_its_own_key_only() {
        let claims = json!({ "sub": "s" });
        let signers =
            [SigningAlg::EdDsa, SigningAlg::Rs256, SigningAlg::Es256].map(Signer::generate);
        for signer in &signers {
            let token = signer.sign(&claims);
            assert_eq!(
                verify(&token, &signer.jwks()),
                Ok(claims.clone()),
                "{:?}",
                signer.alg()
            );
            let other = signer.regenerate_keeping_kid();
            assert!(verify(&token, &other.jwks()).is_err(), "another key");
            let (rest, _) = token.rsplit_once('.').unwrap();
            let (header, _) = rest.split_once('.').unwrap();
            let forged = format!(
                "{header}.{}.{}",
                URL_SAFE_NO_PAD.encode(r#"{"sub":"x"}"#),
                token.rsplit('.').next().unwrap()
            );
            assert!(verify(&forged, &signer.jwks()).is_err(), "changed claims");
        }
        // A key of another type never verifies, whatever the header says.
        let mut mixed = signers[0].jwks();
        mixed["keys"][0]["kty"] = json!("RSA");
        assert!(verify(&signers[0].sign(&claims), &mixed).is_err());
        assert!(verify("a.b", &signers[0].jwks()).is_err());
    }
}
