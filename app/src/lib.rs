//! The application layer: one function per use case of the service, taking
//! the caller and returning typed errors. Every rule of the service lives
//! here once; the JSON API and the pages are adapters over it.

pub mod caller;
pub mod error;

pub use caller::{AnyYear, Caller, HeadYear, Role, SimYear};
pub use error::{AppError, AppResult, Kind, Problem};
