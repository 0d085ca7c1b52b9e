//! The base map's tile server: a URL template the visitor's browser fills in
//! (`{z}/{x}/{y}`), or none. Only the plan's map page loads tiles, and its
//! Content-Security-Policy allows images from exactly this server's origin.

use std::fmt;

/// OpenStreetMap's standard tiles: free for light use such as one council's
/// SIM looking at a plan, under their tile usage policy.
pub const OPENSTREETMAP: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
const OPENSTREETMAP_ATTRIBUTION: &str =
    "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tiles {
    /// `https://tile.example.org/{z}/{x}/{y}.png`, as Leaflet takes it.
    pub url_template: String,
    /// Shown on the map as HTML: the tile owner's credit, which their terms
    /// require. Built here from escaped text only.
    pub attribution_html: String,
    /// `https://tile.example.org`: the one origin the page's CSP allows
    /// images from (`https://*.example.org` for a `{s}` subdomain).
    pub csp_origin: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TilesError(String);

impl fmt::Display for TilesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TilesError {}

impl Tiles {
    pub fn openstreetmap() -> Tiles {
        Tiles {
            url_template: OPENSTREETMAP.to_string(),
            attribution_html: OPENSTREETMAP_ATTRIBUTION.to_string(),
            csp_origin: "https://tile.openstreetmap.org".to_string(),
        }
    }

    /// Reads `--tiles`: `off` (no base map), or a URL template with `{z}`,
    /// `{x}` and `{y}`. `attribution` is the credit to show, as plain text;
    /// OpenStreetMap's is known.
    pub fn parse(template: &str, attribution: Option<&str>) -> Result<Option<Tiles>, TilesError> {
        let template = template.trim();
        if template.eq_ignore_ascii_case("off") || template.eq_ignore_ascii_case("none") {
            return Ok(None);
        }
        let bad = |why: &str| {
            Err(TilesError(format!(
                "--tiles {template:?}: {why}; give a URL such as {OPENSTREETMAP}, or off"
            )))
        };
        let Some((scheme, rest)) = template.split_once("://") else {
            return bad("not a URL");
        };
        if scheme != "https" && scheme != "http" {
            return bad("the URL must start with https:// or http://");
        }
        let host = rest.split('/').next().unwrap_or_default();
        let host_ok = !host.is_empty()
            && host
                .replacen("{s}.", "", 1)
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if !host_ok {
            return bad("the server's name is not a host name");
        }
        if !["{z}", "{x}", "{y}"].iter().all(|p| rest.contains(p)) {
            return bad("the URL must hold {z}, {x} and {y}");
        }
        // The template reaches the page inside JSON and Leaflet puts the
        // filled-in URL in an <img src>: no quotes, spaces or markup in it.
        if template.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\')
        }) {
            return bad("the URL holds a space, quote or markup character");
        }
        let csp_origin = format!("{scheme}://{}", host.replacen("{s}", "*", 1));
        let attribution_html = match attribution {
            Some(text) => report::escape(text),
            None if template == OPENSTREETMAP => OPENSTREETMAP_ATTRIBUTION.to_string(),
            None => return bad("give --tiles-attribution, the credit the tile owner requires"),
        };
        Ok(Some(Tiles {
            url_template: template.to_string(),
            attribution_html,
            csp_origin,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openstreetmap_by_default_and_off_on_request() {
        assert_eq!(
            Tiles::parse(OPENSTREETMAP, None),
            Ok(Some(Tiles::openstreetmap()))
        );
        assert_eq!(Tiles::parse("off", None), Ok(None));
        assert_eq!(Tiles::parse(" OFF ", None), Ok(None));
    }

    #[test]
    fn another_server_gives_its_origin_and_escaped_credit() {
        let t = Tiles::parse(
            "https://{s}.tiles.example.org:8443/base/{z}/{x}/{y}.png?key=abc",
            Some("Maps <b>& more</b>"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(t.csp_origin, "https://*.tiles.example.org:8443");
        assert_eq!(t.attribution_html, "Maps &#60;b&#62;&#38; more&#60;/b&#62;");
    }

    #[test]
    fn refuses_what_is_not_a_tile_url() {
        for bad in [
            "tile.openstreetmap.org/{z}/{x}/{y}.png",
            "ftp://tiles.example.org/{z}/{x}/{y}.png",
            "https://tiles.example.org/{z}/{x}.png",
            "https:///{z}/{x}/{y}.png",
            "https://evil.org; script-src *//{z}/{x}/{y}",
            "https://tiles.example.org/{z}/{x}/{y}.png\"onerror=",
        ] {
            let e = Tiles::parse(bad, Some("credit")).expect_err(bad);
            assert!(e.to_string().contains("--tiles"), "{e}");
        }
        // Another server without its credit.
        assert!(Tiles::parse("https://tiles.example.org/{z}/{x}/{y}.png", None).is_err());
    }
}
