use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use congdan_common::directives::authenticated;
use congdan_common::user_error::UserError;
use congdan_common::Error;
use entity::citizen::device;
use sea_orm::DatabaseConnection;

use super::account::signed_in;
use crate::domain::devices::{check_app_version, check_token, Platform};
use crate::store::devices as store;

/// A device that receives the citizen's push notifications. The token
/// itself is not shown back.
#[derive(SimpleObject)]
pub struct Device {
    pub id: ID,
    pub platform: Platform,
    pub app_version: String,
    /// When the token was first registered.
    pub registered_at: DateTime<Utc>,
    /// When it was last registered again.
    pub updated_at: DateTime<Utc>,
}

impl Device {
    pub fn from_row(row: device::Model) -> Option<Self> {
        Some(Self {
            id: ID(row.id),
            platform: Platform::parse(&row.platform)?,
            app_version: row.app_version,
            registered_at: row.registered_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(InputObject)]
pub struct RegisterDeviceInput {
    pub platform: Platform,
    /// The push token from APNs, FCM or Web Push (16 to 512 characters).
    #[graphql(secret)]
    pub token: String,
    /// The app's version, e.g. `2.4.1`.
    pub app_version: String,
}

#[derive(SimpleObject)]
pub struct RegisterDevicePayload {
    pub device: Option<Device>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct UnregisterDevicePayload {
    /// Whether the citizen had a device with this token.
    pub removed: bool,
}

#[derive(Default)]
pub struct DevicesMutation;

#[Object]
impl DevicesMutation {
    /// Registers a device for push notifications. Registering the same
    /// token again updates it (one device per token); a token registered
    /// by another citizen moves to this one.
    #[graphql(directive = authenticated::apply())]
    async fn register_device(
        &self,
        ctx: &Context<'_>,
        input: RegisterDeviceInput,
    ) -> Result<RegisterDevicePayload> {
        let record = signed_in(ctx).await?;
        let mut user_errors = Vec::new();
        let token = check_token(&input.token).map_err(|message| {
            user_errors.push(UserError::new(
                &["input", "token"],
                "INVALID_TOKEN",
                message,
            ))
        });
        let version = check_app_version(&input.app_version).map_err(|message| {
            user_errors.push(UserError::new(
                &["input", "appVersion"],
                "INVALID_APP_VERSION",
                message,
            ))
        });
        let (Ok(token), Ok(version)) = (token, version) else {
            return Ok(RegisterDevicePayload {
                device: None,
                user_errors,
            });
        };
        let db = ctx.data::<DatabaseConnection>()?;
        let row = store::register(db, &record.id, input.platform, token, version)
            .await
            .map_err(Error::from)?;
        Ok(RegisterDevicePayload {
            device: Device::from_row(row),
            user_errors,
        })
    }

    /// Stops push notifications to the device with this token.
    #[graphql(directive = authenticated::apply())]
    async fn unregister_device(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret)] token: String,
    ) -> Result<UnregisterDevicePayload> {
        let record = signed_in(ctx).await?;
        let db = ctx.data::<DatabaseConnection>()?;
        let removed = store::unregister(db, &record.id, token.trim())
            .await
            .map_err(Error::from)?;
        Ok(UnregisterDevicePayload { removed })
    }
}
