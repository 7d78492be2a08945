//! What every self-service mutation starts with.

use async_graphql::Context;
use congdan_common::access;
use congdan_common::Error;
use entity::citizen::citizen_record;

use congdan_common::loader::load_row;

/// The signed-in citizen's record: `UNAUTHENTICATED` without sign-in,
/// `NOT_FOUND` when the record is gone (an account deleted while a token
/// still runs), so nothing is written for a citizen who no longer exists.
pub async fn signed_in(ctx: &Context<'_>) -> Result<citizen_record::Model, Error> {
    let id = access::require_citizen(ctx)?;
    load_row::<citizen_record::Entity>(ctx, id)
        .await?
        .ok_or_else(|| Error::not_found("công dân", "citizen"))
}
