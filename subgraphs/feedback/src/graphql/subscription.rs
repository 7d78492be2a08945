//! Live updates from the event bus, filtered by who may see them: a report's
//! transitions for its reporter, its followers and the staff handling it;
//! every change to an agency's reports for that agency's officers (and
//! admins). Each event yields the report as its own change left it: the
//! status and the fields the step set come from the event (two steps in a
//! row are two different updates, however late they are delivered), the
//! fields no step changes from the database; the gateway adds the fields
//! other subgraphs own.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, Result, Subscription, ID};
use congdan_common::access;
use congdan_common::directives::authenticated;
use congdan_common::Error;
use congdan_contracts::bus::{Contract, EventBus, SeenEvents};
use congdan_contracts::events::feedback::ReportUpdated;
use congdan_contracts::identity::Role;
use futures::{Stream, StreamExt};
use sea_orm::DatabaseConnection;

use super::Report;
use crate::domain::workflow::is_staff_for;
use crate::store::{follows, reports};
use crate::Settings;

pub struct Subscription;

#[Subscription]
impl Subscription {
    /// The report after each change of its status, for its reporter, its
    /// followers and the staff handling it.
    #[graphql(directive = authenticated::apply())]
    async fn report_updated(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<impl Stream<Item = Report>> {
        let caller = access::current(ctx).ok_or(Error::Unauthenticated)?;
        let db = ctx.data::<DatabaseConnection>()?.clone();
        let settings = ctx.data::<Arc<Settings>>()?;
        let row = reports::by_id(&db, &id)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| Error::not_found("phản ánh", "report"))?;
        let allowed = is_staff_for(Some(caller), &row, &settings.config.dispatch_agency)
            || match caller.citizen_id() {
                Some(citizen) => {
                    row.reporter_id.as_deref() == Some(citizen)
                        || follows::is_follower(&db, &row.id, citizen)
                            .await
                            .map_err(Error::from)?
                }
                None => false,
            };
        if !allowed {
            return Err(Error::Forbidden.into());
        }
        let report_id = row.id;
        events(ctx, db, move |update| update.id == report_id).await
    }

    /// Each report of `agencyId` when it is created for, assigned or
    /// transferred to, or changed at that agency: for its officers and admins
    /// (async-graphql has no `@requiresScopes` on subscription fields; the
    /// resolver checks the role and agency).
    #[graphql(directive = authenticated::apply())]
    async fn reports_changed(
        &self,
        ctx: &Context<'_>,
        agency_id: ID,
    ) -> Result<impl Stream<Item = Report>> {
        let caller = access::current(ctx).ok_or(Error::Unauthenticated)?;
        let agency = agency_id.to_string();
        let officer_here = caller.has_role(Role::Officer) && caller.agencies.contains(&agency);
        if !(officer_here || caller.has_role(Role::Admin)) {
            return Err(Error::Forbidden.into());
        }
        let db = ctx.data::<DatabaseConnection>()?.clone();
        events(ctx, db, move |update| {
            [&update.agency_id, &update.previous_agency_id]
                .into_iter()
                .any(|id| id.as_deref() == Some(agency.as_str()))
        })
        .await
    }
}

/// Reports of the workflow's transitions (creation is not an update: a
/// report has no agency and no watchers yet) that `wanted` keeps, each read
/// from the database with the event's state put back; redelivered events
/// are skipped.
async fn events(
    ctx: &Context<'_>,
    db: DatabaseConnection,
    wanted: impl Fn(&ReportUpdated) -> bool + Send + Sync + 'static,
) -> Result<impl Stream<Item = Report>> {
    let bus = ctx.data::<Arc<dyn EventBus>>()?.clone();
    let stream = bus.subscribe(ReportUpdated::TOPIC).await.map_err(|error| {
        tracing::error!(%error, "cannot subscribe to report events");
        async_graphql::Error::new("live updates are unavailable right now")
    })?;
    let seen = Arc::new(SeenEvents::new(10_000, Duration::from_secs(600)));
    Ok(stream
        .filter_map(move |event| {
            let update = event
                .read::<ReportUpdated>()
                .filter(|update| wanted(update) && seen.first_time(&event.id));
            futures::future::ready(update)
        })
        .filter_map(move |update| {
            let db = db.clone();
            async move {
                let mut row = reports::by_id(&db, &update.id).await.ok()??;
                reports::apply_state(update.state, &mut row);
                Report::try_from(row).ok()
            }
        }))
}
