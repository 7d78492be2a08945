//! Demo data, applied once per subgraph: each set is inserted in the same
//! transaction as its row in `seed_runs`, so a restart (or a second process
//! starting at the same time) seeds nothing twice.

use chrono::Utc;
use entity::seed_run;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, Set, TransactionTrait};

use crate::subgraphs::SubgraphName;

/// Version of the demo data; a new version is applied beside the old one.
const DEMO_VERSION: &str = "v1";

/// Applies every subgraph's demo data that is not applied yet; returns the
/// names of the sets applied now.
pub async fn demo(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    let mut applied = Vec::new();
    for subgraph in SubgraphName::ALL {
        let name = format!("demo:{subgraph}:{DEMO_VERSION}");
        if seed_run::Entity::find_by_id(name.clone())
            .one(db)
            .await?
            .is_some()
        {
            continue;
        }
        let txn = db.begin().await?;
        let installed_at = Utc::now();
        let marker = seed_run::ActiveModel {
            name: Set(name.clone()),
            applied_at: Set(installed_at),
        };
        // Inserting the marker first makes a concurrent seeder fail here.
        if let Err(error) = seed_run::Entity::insert(marker).exec(&txn).await {
            txn.rollback().await?;
            if seed_run::Entity::find_by_id(name.clone())
                .one(db)
                .await?
                .is_some()
            {
                continue;
            }
            return Err(error);
        }
        subgraph.seed(&txn, installed_at).await?;
        txn.commit().await?;
        tracing::info!(set = %name, "demo data applied");
        applied.push(name);
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    #[test]
    fn demo_data_refers_only_to_wards_that_geo_has() {
        let codes: HashSet<String> = congdan_geography::units::all()
            .unwrap()
            .into_iter()
            .map(|unit| unit.code)
            .collect();
        for report in congdan_feedback::seed::REPORTS {
            assert!(
                codes.contains(report.8),
                "report {} ward {}",
                report.0,
                report.8
            );
        }
        for agency in congdan_directories::seed::AGENCIES {
            if let Some(ward) = agency.ward {
                assert!(codes.contains(ward), "agency {} ward {ward}", agency.id);
            }
        }
    }
}
