//! The gateway's errors, one type per stage: [`StartupError`] (a setting or
//! a file the gateway cannot start with), [`RequestError`] (a GraphQL
//! request refused before or while it runs) and [`SignInError`] (sign-in,
//! tokens, credentials and the `/auth/*` and `/admin/*` routes). Errors a
//! client sees map once to an HTTP status, a code and a message in the
//! caller's language; `Display` is English, for logs.

mod request;
mod sign_in;
mod startup;

pub use self::request::RequestError;
pub use self::sign_in::SignInError;
pub use self::startup::StartupError;
