//! The application layer: one function per use case of the service, taking
//! the caller and returning typed errors. Every rule of the service lives
//! here once; the JSON API and the pages are adapters over it.

pub mod audit;
pub mod availability;
pub mod caller;
pub mod error;
pub mod feeds;
pub mod hand;
pub mod head;
pub mod inputs;
pub mod jobs;
pub mod mail;
pub mod people;
pub mod plans;
pub mod setup;
pub mod text;
pub mod years;

pub use caller::{AnyYear, Caller, HeadYear, Role, SimYear};
pub use error::{AppError, AppResult, Kind, Problem};
