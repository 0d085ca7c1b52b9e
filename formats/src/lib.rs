//! The file formats of the programme: what comes in (the GIAS register, the
//! project's own CSV and TOML files) and what goes out (CSV exports, the
//! plan's Excel workbook, calendars). Every reader names the line, column
//! and value of a fault.

pub mod calendar;
pub mod export;
pub mod feed;
pub mod gias;
pub mod ics;
pub mod inputs;
pub mod rules;
pub mod spreadsheet;
pub mod workbook;
