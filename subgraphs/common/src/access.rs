//! The caller of a GraphQL request, as resolvers ask for it: the
//! [`Identity`] the subgraph's HTTP surface verified (see
//! `congdan_contracts::identity`) and put into the request's data.

use async_graphql::Context;
use congdan_contracts::identity::{Identity, Role};

use crate::Error;

/// The request's identity, if it carried a valid one.
pub fn current<'a>(ctx: &Context<'a>) -> Option<&'a Identity> {
    ctx.data_opt::<Identity>()
}

/// The signed-in citizen's id, or `UNAUTHENTICATED`.
pub fn require_citizen<'a>(ctx: &Context<'a>) -> Result<&'a str, Error> {
    current(ctx)
        .and_then(Identity::citizen_id)
        .ok_or(Error::Unauthenticated)
}

/// The identity when it holds `role`: `UNAUTHENTICATED` without an identity,
/// `FORBIDDEN` with one that lacks the role.
pub fn require_role<'a>(ctx: &Context<'a>, role: Role) -> Result<&'a Identity, Error> {
    let identity = current(ctx).ok_or(Error::Unauthenticated)?;
    if identity.has_role(role) {
        Ok(identity)
    } else {
        Err(Error::Forbidden)
    }
}
