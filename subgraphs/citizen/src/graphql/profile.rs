use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};
use congdan_common::directives::authenticated;
use congdan_common::language::Language;
use congdan_common::language::Text;
use congdan_common::user_error::UserError;
use congdan_common::Error;
use entity::citizen::{citizen_record, notification_preference, profile};
use sea_orm::DatabaseConnection;

use super::account::signed_in;
use super::refs::AdministrativeUnitRef;
use crate::domain::contact::{Email, MobilePhone, WardCode};
use crate::domain::preferences::{NotificationChannel, NotificationTopic};
use crate::store::profile::{self as store, ProfileChange};
use congdan_common::loader::of_citizen;

/// What a citizen edits about themself.
pub struct CitizenProfile {
    citizen_id: String,
    row: Option<profile::Model>,
    vneid_phone: Option<String>,
    vneid_email: Option<String>,
}

impl CitizenProfile {
    pub fn new(record: &citizen_record::Model, row: Option<profile::Model>) -> Self {
        Self {
            citizen_id: record.id.clone(),
            row,
            vneid_phone: record.phone.clone(),
            vneid_email: record.email.clone(),
        }
    }
}

/// Whether notifications of one topic come on one channel.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
pub struct NotificationPreference {
    pub topic: NotificationTopic,
    pub channel: NotificationChannel,
    pub enabled: bool,
}

#[Object]
impl CitizenProfile {
    /// Contact mobile number as `+84…`: the one the citizen set, else the
    /// one VNeID gave (when it is a Vietnamese mobile number).
    async fn phone(&self) -> Option<String> {
        let own = self.row.as_ref().and_then(|r| r.contact_phone.clone());
        own.or_else(|| {
            self.vneid_phone
                .as_deref()
                .and_then(|p| MobilePhone::parse(p).ok())
                .map(|p| p.as_str().to_string())
        })
    }

    /// Contact email: the one the citizen set, else the one VNeID gave.
    async fn email(&self) -> Option<String> {
        let own = self.row.as_ref().and_then(|r| r.contact_email.clone());
        own.or_else(|| self.vneid_email.clone())
    }

    /// The ward or commune the citizen lives in (owned by the geo subgraph).
    async fn home_ward(&self) -> Option<AdministrativeUnitRef> {
        self.row
            .as_ref()
            .and_then(|r| r.home_ward_id.clone())
            .map(|id| AdministrativeUnitRef { id: ID(id) })
    }

    /// The language of the app and of notifications.
    async fn language(&self) -> Language {
        self.row
            .as_ref()
            .map(|r| store::language_of(&r.language))
            .unwrap_or_default()
    }

    /// Every topic on every channel, with the citizen's choice or the
    /// default (all in the inbox; pushed: feedback, dossiers, alerts).
    async fn notification_preferences(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<NotificationPreference>> {
        let rows = of_citizen::<notification_preference::Entity>(ctx, &self.citizen_id).await?;
        Ok(store::effective_preferences(&rows)
            .into_iter()
            .map(|(topic, channel, enabled)| NotificationPreference {
                topic,
                channel,
                enabled,
            })
            .collect())
    }
}

/// A change to the signed-in citizen's profile. A field left out stays as
/// it is; `null` or `""` clears it.
#[derive(InputObject, Default)]
pub struct UpdateProfileInput {
    /// A Vietnamese mobile number (`0901234567`, `+84 90 123 4567`), kept
    /// as `+84…`.
    pub phone: MaybeUndefined<String>,
    pub email: MaybeUndefined<String>,
    /// The code of a ward or commune (five digits, e.g. `26740`).
    pub home_ward_id: MaybeUndefined<ID>,
    pub language: Option<Language>,
    pub notification_preferences: Option<Vec<NotificationPreferenceInput>>,
}

#[derive(InputObject, Clone, Copy)]
pub struct NotificationPreferenceInput {
    pub topic: NotificationTopic,
    pub channel: NotificationChannel,
    pub enabled: bool,
}

#[derive(SimpleObject)]
pub struct UpdateProfilePayload {
    /// The profile after the change; null when the input was refused
    /// (nothing changed).
    pub profile: Option<CitizenProfile>,
    pub user_errors: Vec<UserError>,
}

/// A text field of the input: unchanged, cleared, or a value to parse.
fn text_change<T>(
    value: &MaybeUndefined<String>,
    field: &'static str,
    code: &'static str,
    parse: impl Fn(&str) -> Result<T, Text>,
    errors: &mut Vec<UserError>,
) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(text) if text.trim().is_empty() => Some(None),
        MaybeUndefined::Value(text) => match parse(text) {
            Ok(parsed) => Some(Some(parsed)),
            Err(message) => {
                errors.push(UserError::new(&["input", field], code, message));
                None
            }
        },
    }
}

/// The input as a change, or every reason it is refused.
pub fn parse_change(input: &UpdateProfileInput) -> Result<ProfileChange, Vec<UserError>> {
    let mut errors = Vec::new();
    let phone = text_change(
        &input.phone,
        "phone",
        "INVALID_PHONE",
        MobilePhone::parse,
        &mut errors,
    );
    let email = text_change(
        &input.email,
        "email",
        "INVALID_EMAIL",
        Email::parse,
        &mut errors,
    );
    let ward_text = match &input.home_ward_id {
        MaybeUndefined::Undefined => MaybeUndefined::Undefined,
        MaybeUndefined::Null => MaybeUndefined::Null,
        MaybeUndefined::Value(id) => MaybeUndefined::Value(id.0.clone()),
    };
    let home_ward = text_change(
        &ward_text,
        "homeWardId",
        "INVALID_WARD",
        WardCode::parse,
        &mut errors,
    );
    let mut preferences: Vec<(NotificationTopic, NotificationChannel, bool)> = Vec::new();
    for p in input.notification_preferences.iter().flatten() {
        if preferences
            .iter()
            .any(|(t, c, _)| *t == p.topic && *c == p.channel)
        {
            errors.push(UserError::new(
                &["input", "notificationPreferences"],
                "DUPLICATE",
                Text::new(
                    "Mỗi chủ đề và kênh chỉ được nêu một lần",
                    "each topic and channel may be given once",
                ),
            ));
            break;
        }
        preferences.push((p.topic, p.channel, p.enabled));
    }
    if errors.is_empty() {
        Ok(ProfileChange {
            phone,
            email,
            home_ward,
            language: input.language,
            preferences,
        })
    } else {
        Err(errors)
    }
}

#[derive(Default)]
pub struct ProfileMutation;

#[Object]
impl ProfileMutation {
    /// Changes the signed-in citizen's contact details, home ward, language
    /// or notification preferences: all of the input or, when any of it is
    /// invalid, none (`userErrors` says why).
    #[graphql(directive = authenticated::apply())]
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateProfileInput,
    ) -> Result<UpdateProfilePayload> {
        let record = signed_in(ctx).await?;
        let change = match parse_change(&input) {
            Ok(change) => change,
            Err(user_errors) => {
                return Ok(UpdateProfilePayload {
                    profile: None,
                    user_errors,
                })
            }
        };
        let db = ctx.data::<DatabaseConnection>()?;
        store::update(db, &record.id, &change)
            .await
            .map_err(Error::from)?;
        let row = store::of(db, &record.id).await.map_err(Error::from)?;
        Ok(UpdateProfilePayload {
            profile: Some(CitizenProfile::new(&record, row)),
            user_errors: Vec::new(),
        })
    }
}
