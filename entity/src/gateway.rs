//! The gateway's own state: its signing keys, sign-in sessions, refresh
//! tokens, sign-ins in progress and partner API keys. Kept in the database
//! so every gateway replica signs, verifies and revokes alike.
pub mod api_key;
pub mod auth_request;
pub mod refresh_token;
pub mod session;
pub mod signing_key;
