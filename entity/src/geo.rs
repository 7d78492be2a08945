pub mod admin_unit;
