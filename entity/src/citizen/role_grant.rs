//! A role granted to a citizen: `citizen` at first sign-in, staff roles by
//! an admin (`officer` once per agency it acts for), `admin` for bootstrap
//! admins at sign-in.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "citizen_roles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub citizen_id: String,
    /// `citizen`, `officer`, `editor` or `admin`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub role: String,
    /// The agency an officer acts for; "" for roles without agency.
    #[sea_orm(primary_key, auto_increment = false)]
    pub agency_id: String,
    /// The citizen id of the admin who granted it, `signin` or `bootstrap`.
    pub granted_by: String,
    pub granted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::citizen_record::Entity",
        from = "Column::CitizenId",
        to = "super::citizen_record::Column::Id",
        on_delete = "Cascade"
    )]
    Citizen,
}

impl Related<super::citizen_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Citizen.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
