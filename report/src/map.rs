//! The plan as a map: every school where it is, each group's schools joined
//! by lines, coloured by phase; schools left out marked with a cross.
//!
//! Schools carry British National Grid coordinates (metres east and north),
//! already a flat projection, so drawing is a scale and a flip of the
//! northing. The SVG uses presentation attributes only, no stylesheet, so it
//! looks the same inline in any page, in the offline report and in print.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use optimiser::model::{Location, PhaseGroup, School, Urn};
use optimiser::triads::Plan;

use super::{escape, words};

/// The Okabe–Ito palette: told apart with the common colour-vision
/// deficiencies, and on a grey-scale print by lightness.
pub fn phase_colour(p: PhaseGroup) -> &'static str {
    match p {
        PhaseGroup::Primary => "#0072B2",
        PhaseGroup::Secondary => "#E69F00",
        PhaseGroup::SpecialAndAp => "#009E73",
        PhaseGroup::Nursery => "#CC79A7",
    }
}

/// Left-out schools: vermillion, and a different shape (hollow, crossed) so
/// that colour is never the only difference.
const LEFT_OUT: &str = "#D55E00";
/// The order of the legend.
const PHASES: [PhaseGroup; 4] = [
    PhaseGroup::Primary,
    PhaseGroup::Secondary,
    PhaseGroup::SpecialAndAp,
    PhaseGroup::Nursery,
];

const WIDTH: f64 = 800.0;
const MARGIN: f64 = 20.0;
const MAX_MAP_HEIGHT: f64 = 760.0;
const LEGEND_HEIGHT: f64 = 36.0;
const RADIUS: f64 = 5.0;
/// The smallest extent drawn, metres: a lone school sits in the middle.
const MIN_EXTENT_M: f64 = 2000.0;
/// Scale bar lengths to choose from, km.
const SCALE_KM: [f64; 10] = [0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0];

/// One school of the plan as the map sees it.
struct Spot<'a> {
    urn: Urn,
    name: Option<&'a str>,
    phase: Option<PhaseGroup>,
    location: Option<Location>,
    /// The group, or None for a school left out.
    group: Option<&'a str>,
    reason: Option<&'a str>,
}

impl Spot<'_> {
    /// "Mill Green Primary School (URN 900003)".
    fn label(&self) -> String {
        match self.name {
            Some(n) => format!("{n} (URN {})", self.urn),
            None => format!("URN {}", self.urn),
        }
    }

    fn hover(&self) -> String {
        let phase = self.phase.map(words::phase).unwrap_or("phase unknown");
        match (self.group, self.reason) {
            (Some(g), _) => format!("{}: group {g}, {phase}", self.label()),
            (None, Some(r)) => format!("{}: left out, {phase}. {r}", self.label()),
            (None, None) => format!("{}: left out, {phase}", self.label()),
        }
    }
}

/// Every school of the plan, placed ones in group order, then those left out.
fn spots<'a>(plan: &'a Plan, schools: &'a [School]) -> Vec<Spot<'a>> {
    let by_urn: HashMap<Urn, &School> = schools.iter().map(|s| (s.urn, s)).collect();
    let mut out = Vec::new();
    for t in &plan.triads {
        for u in &t.schools {
            let s = by_urn.get(u);
            out.push(Spot {
                urn: *u,
                name: s.map(|s| s.name.as_str()),
                phase: Some(t.phase),
                location: s.and_then(|s| s.location),
                group: Some(&t.id),
                reason: None,
            });
        }
    }
    for u in &plan.unplaced {
        let s = by_urn.get(&u.urn);
        out.push(Spot {
            urn: u.urn,
            name: s.map(|s| s.name.as_str()),
            phase: s.map(|s| s.phase_group()),
            location: s.and_then(|s| s.location),
            group: None,
            reason: Some(&u.reason),
        });
    }
    out
}

/// Grid metres to picture units: `x` east, `y` down from the northmost school.
struct Frame {
    min_e: f64,
    max_n: f64,
    scale: f64,
    /// Left padding that centres a tall, narrow authority.
    offset_x: f64,
    map_height: f64,
}

impl Frame {
    fn new(points: &[Location]) -> Option<Frame> {
        let first = points.first()?;
        let (mut min_e, mut max_e, mut min_n, mut max_n) =
            (first.easting, first.easting, first.northing, first.northing);
        for p in points {
            min_e = min_e.min(p.easting);
            max_e = max_e.max(p.easting);
            min_n = min_n.min(p.northing);
            max_n = max_n.max(p.northing);
        }
        // Pad a tiny extent about its middle so that one school, or schools
        // in a row, are drawn in the middle at a sensible scale.
        let pad = |lo: &mut f64, hi: &mut f64| {
            let missing = MIN_EXTENT_M - (*hi - *lo);
            if missing > 0.0 {
                *lo -= missing / 2.0;
                *hi += missing / 2.0;
            }
        };
        pad(&mut min_e, &mut max_e);
        pad(&mut min_n, &mut max_n);
        let inner_w = WIDTH - 2.0 * MARGIN;
        let inner_h = MAX_MAP_HEIGHT - 2.0 * MARGIN;
        let scale = (inner_w / (max_e - min_e)).min(inner_h / (max_n - min_n));
        Some(Frame {
            min_e,
            max_n,
            scale,
            offset_x: (inner_w - (max_e - min_e) * scale) / 2.0,
            map_height: (max_n - min_n) * scale + 2.0 * MARGIN,
        })
    }

    fn xy(&self, l: Location) -> (f64, f64) {
        (
            MARGIN + self.offset_x + (l.easting - self.min_e) * self.scale,
            MARGIN + (self.max_n - l.northing) * self.scale,
        )
    }
}

/// The plan as an inline SVG map (`<svg>...</svg>`, no stylesheet, no script).
///
/// `schools` gives names and coordinates; schools of the plan missing from
/// it, or without coordinates, are not drawn ([`map_figure`] lists them).
/// Each located school is one `<circle class="school">` (left out:
/// `class="school left-out"`, with a cross `class="left-out-mark"`), each
/// group edge one `<line class="edge">` (a group of three is a triangle, of
/// four a cycle in rotation order); hovering a school shows its name, URN and
/// group. The same input gives the same text.
pub fn map_svg(plan: &Plan, schools: &[School]) -> String {
    let spots = spots(plan, schools);
    let located: Vec<Location> = spots.iter().filter_map(|s| s.location).collect();
    let frame = Frame::new(&located);
    let map_height = frame.as_ref().map_or(80.0, |f| f.map_height);
    let height = map_height + LEGEND_HEIGHT;
    let placed = spots.iter().filter(|s| s.group.is_some()).count();
    let left_out = spots.len() - placed;
    let missing = spots.len() - located.len();

    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height:.0}\" \
         width=\"100%\" role=\"img\" aria-labelledby=\"plan-map-title plan-map-desc\" \
         font-family=\"system-ui, sans-serif\" font-size=\"12\">"
    );
    let _ = write!(
        svg,
        "<title id=\"plan-map-title\">Map of the plan: {} groups, {} schools left out</title>",
        plan.triads.len(),
        left_out
    );
    let _ = write!(
        svg,
        "<desc id=\"plan-map-desc\">{placed} schools in {} groups, each school a dot coloured \
         by phase, the schools of a group joined by lines. {left_out} left out, drawn as \
         crossed hollow circles. {missing} without coordinates, not drawn.</desc>",
        plan.triads.len()
    );
    let _ = write!(
        svg,
        "<rect width=\"{WIDTH}\" height=\"{height:.0}\" fill=\"#ffffff\"/>"
    );
    match &frame {
        Some(f) => {
            draw_edges(&mut svg, plan, &spots, f);
            draw_schools(&mut svg, &spots, f);
        }
        None => {
            let _ = write!(
                svg,
                "<text x=\"{MARGIN}\" y=\"44\" fill=\"#333333\">No school of the plan has coordinates to draw.</text>"
            );
        }
    }
    // Left-out schools are drawn alike whatever their phase.
    let present: BTreeSet<PhaseGroup> = spots
        .iter()
        .filter(|s| s.group.is_some() && s.location.is_some())
        .filter_map(|s| s.phase)
        .collect();
    draw_legend(&mut svg, &present, left_out > 0, map_height, frame.as_ref());
    svg.push_str("</svg>");
    svg
}

fn draw_edges(svg: &mut String, plan: &Plan, spots: &[Spot], f: &Frame) {
    let at: HashMap<Urn, Location> = spots
        .iter()
        .filter(|s| s.group.is_some())
        .filter_map(|s| Some((s.urn, s.location?)))
        .collect();
    let names: HashMap<Urn, String> = spots.iter().map(|s| (s.urn, s.label())).collect();
    svg.push_str("<g class=\"groups\">");
    for t in &plan.triads {
        let colour = phase_colour(t.phase);
        let members: Vec<String> = t
            .schools
            .iter()
            .map(|u| names.get(u).cloned().unwrap_or_else(|| format!("URN {u}")))
            .collect();
        let _ = write!(
            svg,
            "<g class=\"group\"><title>Group {} ({}): {}</title>",
            escape(&t.id),
            words::phase(t.phase),
            escape(&members.join(", "))
        );
        for (a, b) in edges(&t.schools) {
            let (Some(la), Some(lb)) = (at.get(&a), at.get(&b)) else {
                continue;
            };
            let (x1, y1) = f.xy(*la);
            let (x2, y2) = f.xy(*lb);
            let _ = write!(
                svg,
                "<line class=\"edge\" x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" \
                 stroke=\"{colour}\" stroke-width=\"2\" stroke-opacity=\"0.65\" stroke-linecap=\"round\"/>"
            );
        }
        svg.push_str("</g>");
    }
    svg.push_str("</g>");
}

/// The pairs joined on the map: a cycle through the schools in rotation
/// order (a triangle for three, a four-cycle for four), one line for two.
pub(crate) fn edges(schools: &[Urn]) -> Vec<(Urn, Urn)> {
    match schools.len() {
        0 | 1 => Vec::new(),
        2 => vec![(schools[0], schools[1])],
        n => (0..n).map(|i| (schools[i], schools[(i + 1) % n])).collect(),
    }
}

fn draw_schools(svg: &mut String, spots: &[Spot], f: &Frame) {
    svg.push_str("<g class=\"schools\">");
    // Placed schools first, left-out ones above them so a cross is never hidden.
    for s in spots.iter().filter(|s| s.group.is_some()) {
        let Some(l) = s.location else { continue };
        let (x, y) = f.xy(l);
        let fill = s.phase.map_or("#777777", phase_colour);
        let _ = write!(
            svg,
            "<circle class=\"school\" data-urn=\"{}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{RADIUS}\" \
             fill=\"{fill}\" stroke=\"#ffffff\" stroke-width=\"1.5\"><title>{}</title></circle>",
            s.urn,
            escape(&s.hover())
        );
    }
    for s in spots.iter().filter(|s| s.group.is_none()) {
        let Some(l) = s.location else { continue };
        let (x, y) = f.xy(l);
        let _ = write!(
            svg,
            "<circle class=\"school left-out\" data-urn=\"{}\" cx=\"{x:.1}\" cy=\"{y:.1}\" \
             r=\"{r}\" fill=\"#ffffff\" stroke=\"{LEFT_OUT}\" stroke-width=\"2.5\"><title>{}</title></circle>",
            s.urn,
            escape(&s.hover()),
            r = RADIUS + 1.5
        );
        let _ = write!(svg, "<path class=\"left-out-mark\" {}/>", cross(x, y));
    }
    svg.push_str("</g>");
}

fn cross(x: f64, y: f64) -> String {
    let d = RADIUS - 1.5;
    format!(
        "d=\"M{:.1} {:.1}L{:.1} {:.1}M{:.1} {:.1}L{:.1} {:.1}\" stroke=\"{LEFT_OUT}\" \
         stroke-width=\"2\" pointer-events=\"none\"",
        x - d,
        y - d,
        x + d,
        y + d,
        x - d,
        y + d,
        x + d,
        y - d
    )
}

/// The legend along the bottom: the phases drawn, the left-out mark, a
/// group's line and a scale bar.
fn draw_legend(
    svg: &mut String,
    present: &BTreeSet<PhaseGroup>,
    any_left_out: bool,
    top: f64,
    frame: Option<&Frame>,
) {
    let y = top + LEGEND_HEIGHT / 2.0;
    let mut x = MARGIN;
    // Text is about 6.5 units a character at 12 px; enough to space items.
    let advance = |label: &str| 22.0 + 6.5 * label.chars().count() as f64 + 16.0;
    svg.push_str("<g class=\"legend\">");
    for p in PHASES.iter().filter(|p| present.contains(p)) {
        let label = words::phase(*p);
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"{RADIUS}\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#222222\">{label}</text>",
            x + RADIUS,
            phase_colour(*p),
            x + 2.0 * RADIUS + 6.0,
            y + 4.0
        );
        x += advance(label);
    }
    if any_left_out {
        let label = "left out";
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"{}\" fill=\"#ffffff\" stroke=\"{LEFT_OUT}\" stroke-width=\"2.5\"/>\
             <path {}/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#222222\">{label}</text>",
            x + RADIUS,
            RADIUS + 1.5,
            cross(x + RADIUS, y),
            x + 2.0 * RADIUS + 6.0,
            y + 4.0
        );
        x += advance(label);
    }
    let label = "a group";
    let _ = write!(
        svg,
        "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#555555\" stroke-width=\"2\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#222222\">{label}</text>",
        x,
        x + 16.0,
        x + 22.0,
        y + 4.0
    );
    if let Some(f) = frame {
        // The longest round length that fits in 150 units.
        let km = SCALE_KM
            .iter()
            .copied()
            .rev()
            .find(|km| km * 1000.0 * f.scale <= 150.0)
            .unwrap_or(SCALE_KM[0]);
        let len = km * 1000.0 * f.scale;
        let x1 = WIDTH - MARGIN - len;
        let _ = write!(
            svg,
            "<path d=\"M{x1:.1} {:.1}V{y:.1}H{:.1}V{:.1}\" fill=\"none\" stroke=\"#222222\" stroke-width=\"1.5\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#222222\">{km} km</text>",
            y - 5.0,
            x1 + len,
            y - 5.0,
            x1 - 6.0,
            y + 4.0
        );
    }
    svg.push_str("</g>");
}

/// The map in a `<figure>` with, beneath it, the schools left out and the
/// schools not drawn for want of coordinates (HTML, every name escaped).
pub fn map_figure(plan: &Plan, schools: &[School]) -> String {
    let spots = spots(plan, schools);
    let mut out = String::from("<figure class=\"plan-map\">");
    out.push_str(&map_svg(plan, schools));
    out.push_str("<figcaption>");
    let left_out: Vec<String> = spots
        .iter()
        .filter(|s| s.group.is_none())
        .map(|s| escape(&s.label()))
        .collect();
    if left_out.is_empty() {
        out.push_str("<p>Every school is in a group.</p>");
    } else {
        let _ = write!(
            out,
            "<p><strong>Left out ({}):</strong> {}.</p>",
            left_out.len(),
            left_out.join("; ")
        );
    }
    let missing: Vec<String> = spots
        .iter()
        .filter(|s| s.location.is_none())
        .map(|s| {
            let where_ = match s.group {
                Some(g) => format!("group {g}"),
                None => "left out".to_string(),
            };
            escape(&format!("{}, {where_}", s.label()))
        })
        .collect();
    if !missing.is_empty() {
        let _ = write!(
            out,
            "<p><strong>Not on the map ({}), no coordinates:</strong> {}.</p>",
            missing.len(),
            missing.join("; ")
        );
    }
    out.push_str("</figcaption></figure>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    fn count(hay: &str, needle: &str) -> usize {
        hay.matches(needle).count()
    }

    #[test]
    fn draws_every_located_school_every_edge_and_every_left_out_school() {
        let (plan, schools) = fixture::plan();
        let svg = map_svg(&plan, &schools);
        let located = plan
            .triads
            .iter()
            .flat_map(|t| t.schools.iter())
            .chain(plan.unplaced.iter().map(|u| &u.urn))
            .filter(|u| schools.iter().any(|s| s.urn == **u && s.location.is_some()))
            .count();
        assert_eq!(count(&svg, "<circle class=\"school"), located);
        // The fixture: a three, a four and a three with one school off the map.
        assert_eq!(count(&svg, "<line class=\"edge\""), 3 + 4 + 1);
        let left_out_located = plan
            .unplaced
            .iter()
            .filter(|u| {
                schools
                    .iter()
                    .any(|s| s.urn == u.urn && s.location.is_some())
            })
            .count();
        assert_eq!(left_out_located, 1);
        assert_eq!(count(&svg, "class=\"left-out-mark\""), left_out_located);
        assert_eq!(
            count(&svg, "<circle class=\"school left-out\""),
            left_out_located
        );
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        // The legend names the phases drawn; the special school is left out.
        let legend = &svg[svg.find("<g class=\"legend\">").unwrap()..];
        assert!(legend.contains("Primary") && legend.contains("Secondary"));
        assert!(!legend.contains("Special and AP") && legend.contains("left out"));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-labelledby=\"plan-map-title plan-map-desc\""));
    }

    #[test]
    fn escapes_names_and_reasons() {
        let (plan, schools) = fixture::plan();
        let svg = map_svg(&plan, &schools);
        assert!(svg.contains("St Mary&#39;s &#38; St John&#39;s"));
        assert!(!svg.contains("St Mary's"));
        assert!(svg.contains("&#60;no partner&#62;"));
        let fig = map_figure(&plan, &schools);
        assert!(!fig.contains("<no partner>"));
    }

    #[test]
    fn lists_the_schools_left_out_and_those_without_coordinates() {
        let (plan, schools) = fixture::plan();
        let fig = map_figure(&plan, &schools);
        assert!(fig.contains("Left out (2):"), "{fig}");
        assert!(fig.contains("Not on the map (2), no coordinates:"), "{fig}");
        assert!(fig.contains("Lonely Lane School (URN 900011), group S01"));
        // A school of the plan unknown to the list of schools: by URN only.
        assert!(fig.contains("URN 900099, left out"));
    }

    #[test]
    fn same_input_same_text_and_points_inside_the_picture() {
        let (plan, schools) = fixture::plan();
        assert_eq!(map_svg(&plan, &schools), map_svg(&plan, &schools));
        let located: Vec<Location> = schools.iter().filter_map(|s| s.location).collect();
        let f = Frame::new(&located).unwrap();
        for l in located {
            let (x, y) = f.xy(l);
            assert!((MARGIN..=WIDTH - MARGIN).contains(&x), "{x}");
            assert!((MARGIN..=f.map_height - MARGIN).contains(&y), "{y}");
        }
    }

    #[test]
    fn one_school_or_none_still_makes_a_map() {
        let (mut plan, schools) = fixture::plan();
        plan.triads.clear();
        plan.unplaced.truncate(1);
        let svg = map_svg(&plan, &schools);
        assert_eq!(count(&svg, "<circle class=\"school"), 1);
        let svg = map_svg(&plan, &[]);
        assert!(svg.contains("No school of the plan has coordinates"));
    }

    #[test]
    fn groups_are_cycles_in_rotation_order() {
        let u = |n| Urn(n);
        assert_eq!(edges(&[u(1), u(2)]), vec![(u(1), u(2))]);
        assert_eq!(edges(&[u(1), u(2), u(3)]).len(), 3);
        assert_eq!(
            edges(&[u(1), u(2), u(3), u(4)]),
            vec![(u(1), u(2)), (u(2), u(3)), (u(3), u(4)), (u(4), u(1))]
        );
    }
}
