//! Setting up a year from the pages: the new-year form with an English
//! school year proposed (`school_year`, `year_form`), the rules form
//! (`rules_form`) and the year's checklist (`checklist`).

pub mod checklist;
pub mod rules_form;
pub mod school_year;
pub mod year_form;
