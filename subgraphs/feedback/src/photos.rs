//! Photos of reports: the type read from the file's first bytes (the
//! client's content type is not trusted), an object-store interface with a
//! file-system implementation, and links that carry their own authorization
//! (an HMAC over the photo id and an expiry), so an `<img src>` works
//! without headers and a link stops working after a while.

use congdan_common::language::Text;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::future::{BoxFuture, FutureExt};
use hmac::{Hmac, Mac};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use sha2::Sha256;

/// The image types accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoType {
    Jpeg,
    Png,
    Webp,
}

impl PhotoType {
    /// The type the bytes are, whatever the file claims to be.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
        }
    }
}

/// Why an uploaded file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("the photo is larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("the photo is not a JPEG, PNG or WebP image")]
    WrongType,
    #[error("the photo cannot be read")]
    Unreadable,
}

impl PhotoError {
    /// The message for the caller, in both languages.
    pub fn text(&self) -> Text {
        let vi = match self {
            Self::TooLarge { max } => format!("Ảnh lớn hơn {max} byte"),
            Self::WrongType => "Ảnh không phải định dạng JPEG, PNG hoặc WebP".into(),
            Self::Unreadable => "Không đọc được ảnh".into(),
        };
        Text::new(vi, self.to_string())
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "PHOTO_TOO_LARGE",
            Self::WrongType => "PHOTO_TYPE_NOT_ALLOWED",
            Self::Unreadable => "BAD_USER_INPUT",
        }
    }
}

/// A checked photo, ready to store.
#[derive(Debug, Clone)]
pub struct CheckedPhoto {
    pub kind: PhotoType,
    pub bytes: Vec<u8>,
}

/// Reads at most `max + 1` bytes of `reader` and checks size and type.
pub fn check(reader: impl Read, max: usize) -> Result<CheckedPhoto, PhotoError> {
    let mut bytes = Vec::new();
    reader
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|_| PhotoError::Unreadable)?;
    if bytes.len() > max {
        return Err(PhotoError::TooLarge { max });
    }
    let kind = PhotoType::sniff(&bytes).ok_or(PhotoError::WrongType)?;
    Ok(CheckedPhoto { kind, bytes })
}

/// Where photo bytes live: a directory by default; S3 or another object
/// store can implement the same four calls.
pub trait PhotoStore: Send + Sync {
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> BoxFuture<'a, std::io::Result<()>>;
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, std::io::Result<Option<Vec<u8>>>>;
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, std::io::Result<()>>;
}

/// Photos as files under a root directory (created on the first write).
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The file of `key`; keys are made by this crate, but a key that could
    /// leave the root is refused all the same.
    fn path(&self, key: &str) -> std::io::Result<PathBuf> {
        let safe = !key.is_empty()
            && key.split('/').all(|part| {
                !part.is_empty()
                    && part != "."
                    && part != ".."
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
            });
        if !safe {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a photo key",
            ));
        }
        Ok(self.root.join(Path::new(key)))
    }
}

impl PhotoStore for FileStore {
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> BoxFuture<'a, std::io::Result<()>> {
        async move {
            let path = self.path(key)?;
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            // Written aside and renamed, so a reader never sees half a photo.
            let partial = path.with_extension("partial");
            tokio::fs::write(&partial, bytes).await?;
            tokio::fs::rename(&partial, &path).await
        }
        .boxed()
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, std::io::Result<Option<Vec<u8>>>> {
        async move {
            match tokio::fs::read(self.path(key)?).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        }
        .boxed()
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, std::io::Result<()>> {
        async move {
            match tokio::fs::remove_file(self.path(key)?).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        }
        .boxed()
    }
}

/// Signs and checks photo links.
#[derive(Clone)]
pub struct LinkSigner {
    key: [u8; 32],
    prefix: String,
    ttl_secs: i64,
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkSigner")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

const LINK_LABEL: &[u8] = b"congdan/feedback/photo-link/v1";

impl LinkSigner {
    /// A signer whose key is derived from `secret` (the deployment's
    /// personal-data key: the same in every process, never used as is).
    pub fn new(secret: &[u8; 32], prefix: &str, ttl: std::time::Duration) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(LINK_LABEL);
        Self {
            key: mac.finalize().into_bytes().into(),
            prefix: prefix.to_string(),
            ttl_secs: ttl.as_secs() as i64,
        }
    }

    fn mac(&self, photo_id: &str, expires: i64) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(photo_id.as_bytes());
        mac.update(b":");
        mac.update(expires.to_string().as_bytes());
        mac
    }

    /// `<prefix>/<id>?expires=<unix>&signature=<hex>`, valid for the TTL.
    pub fn link(&self, photo_id: &str, now: i64) -> String {
        let expires = now + self.ttl_secs;
        let signature = hex(&self.mac(photo_id, expires).finalize().into_bytes());
        format!(
            "{}/{photo_id}?expires={expires}&signature={signature}",
            self.prefix
        )
    }

    pub fn verify(&self, photo_id: &str, expires: i64, signature: &str, now: i64) -> bool {
        let Some(bytes) = unhex(signature) else {
            return false;
        };
        expires >= now && self.mac(photo_id, expires).verify_slice(&bytes).is_ok()
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// What the photo route needs.
#[derive(Clone)]
pub struct PhotoRoute {
    pub db: DatabaseConnection,
    pub store: Arc<dyn PhotoStore>,
    pub signer: LinkSigner,
}

#[derive(Deserialize)]
pub struct LinkQuery {
    expires: Option<i64>,
    signature: Option<String>,
}

/// `GET <prefix>/{id}?expires=..&signature=..`: the photo's bytes, or 403
/// for a link that is forged or expired, 404 for a photo that is gone.
pub async fn serve_photo(
    State(route): State<PhotoRoute>,
    UrlPath(id): UrlPath<String>,
    Query(query): Query<LinkQuery>,
) -> Response {
    let now = chrono::Utc::now().timestamp();
    let (Some(expires), Some(signature)) = (query.expires, query.signature) else {
        return (StatusCode::FORBIDDEN, "this link is not signed").into_response();
    };
    if !route.signer.verify(&id, expires, &signature, now) {
        return (StatusCode::FORBIDDEN, "this link is forged or has expired").into_response();
    }
    let row = match crate::store::photos::by_id(&route.db, &id).await {
        Ok(Some(row)) => row,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, "photo lookup failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match route.store.get(&row.storage_key).await {
        Ok(Some(bytes)) => (
            [
                (header::CONTENT_TYPE, row.content_type),
                (header::CACHE_CONTROL, "private, max-age=600".to_string()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, "photo store read failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(
            PhotoType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            Some(PhotoType::Jpeg)
        );
        assert_eq!(
            PhotoType::sniff(b"\x89PNG\r\n\x1a\n\0\0"),
            Some(PhotoType::Png)
        );
        assert_eq!(
            PhotoType::sniff(b"RIFF\x10\0\0\0WEBPVP8 "),
            Some(PhotoType::Webp)
        );
        assert_eq!(PhotoType::sniff(b"GIF89a......"), None);
        assert_eq!(PhotoType::sniff(b"<svg xmlns="), None);
        assert_eq!(PhotoType::sniff(b""), None);
    }

    #[test]
    fn size_is_checked_before_type() {
        let big = [0xFF; 11];
        assert_eq!(
            check(&big[..], 10).unwrap_err(),
            PhotoError::TooLarge { max: 10 }
        );
        assert_eq!(check(&b"hello"[..], 10).unwrap_err(), PhotoError::WrongType);
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0];
        assert_eq!(check(&jpeg[..], 10).unwrap().kind, PhotoType::Jpeg);
    }

    #[test]
    fn links_verify_until_they_expire_and_only_for_their_photo() {
        let signer = LinkSigner::new(&[7; 32], "/p", std::time::Duration::from_secs(60));
        let link = signer.link("abc", 1000);
        let (path, query) = link.split_once('?').unwrap();
        assert_eq!(path, "/p/abc");
        let pairs: std::collections::HashMap<_, _> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .collect();
        let expires: i64 = pairs["expires"].parse().unwrap();
        let signature = pairs["signature"];
        assert_eq!(expires, 1060);
        assert!(signer.verify("abc", expires, signature, 1059));
        assert!(!signer.verify("abc", expires, signature, 1061), "expired");
        assert!(
            !signer.verify("abd", expires, signature, 1000),
            "other photo"
        );
        assert!(
            !signer.verify("abc", expires + 1, signature, 1000),
            "other expiry"
        );
        let other = LinkSigner::new(&[8; 32], "/p", std::time::Duration::from_secs(60));
        assert!(!other.verify("abc", expires, signature, 1000), "other key");
        assert!(!signer.verify("abc", expires, "zz", 1000));
    }

    #[tokio::test]
    async fn the_file_store_round_trips_and_refuses_escaping_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        store.put("reports/r1/p1.jpg", vec![1, 2, 3]).await.unwrap();
        assert_eq!(
            store.get("reports/r1/p1.jpg").await.unwrap(),
            Some(vec![1, 2, 3])
        );
        store.delete("reports/r1/p1.jpg").await.unwrap();
        assert_eq!(store.get("reports/r1/p1.jpg").await.unwrap(), None);
        assert!(store.put("../escape", vec![]).await.is_err());
        assert!(store.get("/etc/passwd").await.is_err());
    }
}
