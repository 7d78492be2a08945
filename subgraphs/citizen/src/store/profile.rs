//! A citizen's profile in the database: contact details, home ward,
//! language and notification preferences, written as one change.

use chrono::Utc;
use congdan_common::language::Language;
use entity::citizen::{notification_preference, profile};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Set, TransactionTrait};

use crate::domain::contact::{Email, MobilePhone, WardCode};
use crate::domain::preferences::{enabled_by_default, NotificationChannel, NotificationTopic};

/// A change to a profile: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Default, Debug)]
pub struct ProfileChange {
    pub phone: Option<Option<MobilePhone>>,
    pub email: Option<Option<Email>>,
    pub home_ward: Option<Option<WardCode>>,
    pub language: Option<Language>,
    pub preferences: Vec<(NotificationTopic, NotificationChannel, bool)>,
}

pub fn language_code(language: Language) -> &'static str {
    match language {
        Language::Vi => "vi",
        Language::En => "en",
    }
}

pub fn language_of(code: &str) -> Language {
    match code {
        "en" => Language::En,
        _ => Language::Vi,
    }
}

/// The language of the citizen's profile; None without a profile.
pub async fn language(
    db: &DatabaseConnection,
    citizen_id: &str,
) -> Result<Option<Language>, DbErr> {
    Ok(profile::Entity::find_by_id(citizen_id.to_string())
        .one(db)
        .await?
        .map(|row| language_of(&row.language)))
}

/// A profile row with the defaults, for a citizen who has none yet.
pub fn default_row(citizen_id: &str) -> profile::Model {
    profile::Model {
        citizen_id: citizen_id.to_string(),
        contact_phone: None,
        contact_email: None,
        home_ward_id: None,
        language: "vi".into(),
        services_initialised: false,
        updated_at: Utc::now(),
    }
}

/// Applies `change` (the profile row made when missing) in one transaction.
/// The citizen's profile row, if they have one.
pub async fn of(
    db: &impl ConnectionTrait,
    citizen_id: &str,
) -> Result<Option<profile::Model>, DbErr> {
    profile::Entity::find_by_id(citizen_id.to_string())
        .one(db)
        .await
}

pub async fn update(
    db: &DatabaseConnection,
    citizen_id: &str,
    change: &ProfileChange,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let txn = db.begin().await?;
    let mut row: profile::ActiveModel = default_row(citizen_id).into();
    row.updated_at = Set(now);
    let mut changed = vec![profile::Column::UpdatedAt];
    if let Some(phone) = &change.phone {
        row.contact_phone = Set(phone.as_ref().map(|p| p.as_str().to_string()));
        changed.push(profile::Column::ContactPhone);
    }
    if let Some(email) = &change.email {
        row.contact_email = Set(email.as_ref().map(|e| e.as_str().to_string()));
        changed.push(profile::Column::ContactEmail);
    }
    if let Some(ward) = &change.home_ward {
        row.home_ward_id = Set(ward.as_ref().map(|w| w.as_str().to_string()));
        changed.push(profile::Column::HomeWardId);
    }
    if let Some(language) = change.language {
        row.language = Set(language_code(language).to_string());
        changed.push(profile::Column::Language);
    }
    // Only the columns changed are overwritten when the row exists, so two
    // concurrent changes of different fields both stay.
    profile::Entity::insert(row)
        .on_conflict(
            OnConflict::column(profile::Column::CitizenId)
                .update_columns(changed)
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    if !change.preferences.is_empty() {
        let rows = change.preferences.iter().map(|&(topic, channel, enabled)| {
            notification_preference::ActiveModel {
                citizen_id: Set(citizen_id.to_string()),
                topic: Set(topic.as_str().to_string()),
                channel: Set(channel.as_str().to_string()),
                enabled: Set(enabled),
                updated_at: Set(now),
            }
        });
        notification_preference::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([
                    notification_preference::Column::CitizenId,
                    notification_preference::Column::Topic,
                    notification_preference::Column::Channel,
                ])
                .update_columns([
                    notification_preference::Column::Enabled,
                    notification_preference::Column::UpdatedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await
}

/// Every topic × channel with the citizen's choice, or the default where
/// they made none.
pub fn effective_preferences(
    rows: &[notification_preference::Model],
) -> Vec<(NotificationTopic, NotificationChannel, bool)> {
    let mut all = Vec::new();
    for topic in NotificationTopic::ALL {
        for channel in NotificationChannel::ALL {
            let chosen = rows
                .iter()
                .find(|r| r.topic == topic.as_str() && r.channel == channel.as_str())
                .map(|r| r.enabled);
            all.push((
                topic,
                channel,
                chosen.unwrap_or_else(|| enabled_by_default(topic, channel)),
            ));
        }
    }
    all
}

/// Whether the citizen gets `topic` on `channel`.
pub async fn wants<C: ConnectionTrait>(
    db: &C,
    citizen_id: &str,
    topic: NotificationTopic,
    channel: NotificationChannel,
) -> Result<bool, DbErr> {
    let chosen = notification_preference::Entity::find_by_id((
        citizen_id.to_string(),
        topic.as_str().to_string(),
        channel.as_str().to_string(),
    ))
    .one(db)
    .await?;
    Ok(chosen
        .map(|row| row.enabled)
        .unwrap_or_else(|| enabled_by_default(topic, channel)))
}
