pub mod citizen_record;
pub mod role_grant;
pub mod service;
