//! Dates shared by grouping and dating: the programme's calendar (window,
//! half-terms, blackouts, school days) and who is available when.
//!
//! Both `triads` (which groups heads who can meet) and `schedule` (which
//! dates the reviews) read these types; neither owns them.

pub mod availability;
pub mod days;

pub use availability::{Availability, Level, Person};
pub use days::{Blackout, Calendar, Days, HalfTerm, SchoolBlackout};
