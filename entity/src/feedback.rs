pub mod agency;
pub mod category;
pub mod follower;
pub mod open311_key;
pub mod photo;
pub mod report;
pub mod submission;
pub mod timeline_entry;
