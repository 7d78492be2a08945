//! Why the gateway cannot start.

/// A setting or a file the gateway cannot start with; never sent to a
/// client.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StartupError {
    #[error("the supergraph could not be loaded: {0}")]
    Supergraph(String),
    /// A setting the gateway cannot start with (an unreadable manifest, ...).
    #[error("{0}")]
    Config(String),
    /// Sign-in could not be set up (its signing keys, its database).
    #[error(transparent)]
    SignIn(#[from] super::SignInError),
}
