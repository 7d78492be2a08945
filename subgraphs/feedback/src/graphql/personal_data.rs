use async_graphql::{ComplexObject, Context, Json, Result, SimpleObject, ID};
use congdan_common::access;
use congdan_common::directives::authenticated;
use congdan_common::Error;
use sea_orm::DatabaseConnection;

use crate::store::personal_data as store;

/// A citizen's export of their personal data (owned with the citizen
/// subgraph, which returns it from `exportMyData`); this subgraph adds
/// `feedback`.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PersonalDataExport {
    pub citizen_id: ID,
}

#[ComplexObject]
impl PersonalDataExport {
    /// What the feedback subgraph holds: the reports the citizen sent
    /// (with their handling history, rating, photo metadata and the
    /// submission's idempotency key), steps they took on other reports
    /// as staff, and the reports they follow. For its owner only.
    #[graphql(directive = authenticated::apply())]
    async fn feedback(&self, ctx: &Context<'_>) -> Result<Option<Json<serde_json::Value>>> {
        let me = access::require_citizen(ctx)?;
        if me != self.citizen_id.as_str() {
            return Err(Error::Forbidden.into());
        }
        let db = ctx.data::<DatabaseConnection>()?;
        let document = store::export(db, me).await.map_err(Error::from)?;
        Ok(Some(Json(document)))
    }
}
