//! librosa-compatible audio features for genre classification.
//!
//! Work in progress during bootstrap: modules are added as they are implemented.

mod schema;

pub use schema::{SCHEMA_VERSION, TABLE_COLUMNS};

#[cfg(test)]
mod testutil;
