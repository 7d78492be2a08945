//! Ho Chi Minh City's geometry, shared by every service that places
//! things (feedback routes a report to its ward, geo answers "where am I"):
//! distances and bounding boxes, the list of administrative units in force
//! since 1 July 2025, and which unit a point lies in. No GraphQL, no SQL.

pub mod distance;
pub mod locate;
pub mod units;
