//! The year's report: the plan drawn as a map and laid out as tables, in one
//! self-contained HTML file a SIM can open offline, mail or print.
//!
//! Pure functions of the optimiser's results: no files, no database, no
//! clock, so that the same input always gives the same bytes (the demo writes
//! the report; the SIM's plan page embeds the map).
//!
//! - [`map_svg`] the plan as an inline SVG map, [`map_figure`] the same with
//!   the lists of schools left out and schools without coordinates beneath;
//! - [`map_data`] the same plan in latitude and longitude for the pages' web
//!   map ([`geo`] converts National Grid coordinates);
//! - [`report_html`] the whole report, under a [`title`] naming the
//!   authority and the year.

pub mod allocation;
pub mod geo;
mod html;
pub mod map;
pub mod words;

pub use html::{preferred_share, report_html, title, Report};
pub use map::{map_data, map_figure, map_svg, phase_colour, script_json, MapData};

/// Escapes text for HTML and XML (element content and quoted attributes),
/// with the numeric entities askama writes, so that the map and the tables
/// escape alike. School names carry `&` and apostrophes; reasons may carry `<`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&#38;"),
            '<' => out.push_str("&#60;"),
            '>' => out.push_str("&#62;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(any(test, feature = "fixtures"))]
pub mod fixture;

#[cfg(test)]
mod tests {
    use super::escape;
    use askama::filters::{escape as askama_escape, Html};

    #[test]
    fn escapes_every_markup_character() {
        assert_eq!(
            escape(r#"St Mary's & St John's <C of E> "Infant""#),
            "St Mary&#39;s &#38; St John&#39;s &#60;C of E&#62; &#34;Infant&#34;"
        );
        let text = "a<b>&'\"c";
        assert_eq!(
            escape(text),
            askama_escape(text, Html).unwrap().to_string(),
            "the same entities as the templates"
        );
    }
}
