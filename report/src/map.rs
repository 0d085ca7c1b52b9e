//! The plan as a map: every school where it is, each group's schools joined
//! by lines, coloured by phase; schools left out marked with a cross.
//!
//! Schools carry British National Grid coordinates (metres east and north),
//! already a flat projection, so drawing is a scale and a flip of the
//! northing. The SVG uses presentation attributes only, no stylesheet, so it
//! looks the same inline in any page, in the offline report and in print.
//! Towns are labelled where their schools are (GIAS's Town, at the middle of
//! the town's schools), so the map reads without any base map at all.
//!
//! [`map_data`] gives the same plan in latitude and longitude for the pages'
//! web map, which draws it over tiles from the browser.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use serde::Serialize;

use optimiser::model::{Location, PhaseGroup, School, Urn};
use optimiser::triads::Plan;

use super::{escape, geo, words};

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
/// One row of the legend, and the row of the scale bar beneath.
const LEGEND_ROW: f64 = 24.0;
const SCALE_ROW: f64 = 30.0;
/// Town names: large enough to read over the dots when the SVG is scaled to
/// a phone's width.
const TOWN_FONT: f64 = 14.0;
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
    /// Why a school was left out, in words.
    reason: Option<String>,
    town: Option<&'a str>,
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
        match (self.group, &self.reason) {
            (Some(g), _) => format!(
                "{}: group {}, {phase}",
                self.label(),
                words::group_number(g)
            ),
            (None, Some(r)) => format!("{}: left out, {phase}. {r}", self.label()),
            (None, None) => format!("{}: left out, {phase}", self.label()),
        }
    }
}

/// Every school of the plan, placed ones in group order, then those left out.
fn spots<'a>(plan: &'a Plan, schools: &'a [School]) -> Vec<Spot<'a>> {
    let by_urn: HashMap<Urn, &School> = schools.iter().map(|s| (s.urn, s)).collect();
    let names = words::Names::new(
        schools.iter().map(|s| (s.urn, s.name.clone())),
        std::iter::empty(),
    );
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
                town: s.and_then(|s| s.town.as_deref()),
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
            reason: Some(words::unplaced(u, &names)),
            town: s.and_then(|s| s.town.as_deref()),
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

/// A town's label: GIAS's Town of the plan's schools, placed at the middle
/// of that town's schools that have coordinates.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TownLabel {
    pub name: String,
    pub at: Location,
    pub schools: usize,
}

/// Towns of the located schools, the town with most schools first. Names
/// are matched ignoring case and surrounding spaces, and spelled as the
/// first school spells them, so "GRAYS" and "Grays" make one label.
fn town_labels(spots: &[Spot]) -> Vec<TownLabel> {
    let mut towns: Vec<(String, TownLabel, f64, f64)> = Vec::new();
    for s in spots {
        let (Some(town), Some(l)) = (s.town.map(str::trim), s.location) else {
            continue;
        };
        if town.is_empty() {
            continue;
        }
        let key = town.to_lowercase();
        match towns.iter_mut().find(|t| t.0 == key) {
            Some(t) => {
                t.1.schools += 1;
                t.2 += l.easting;
                t.3 += l.northing;
            }
            None => towns.push((
                key,
                TownLabel {
                    name: town.to_string(),
                    at: l,
                    schools: 1,
                },
                l.easting,
                l.northing,
            )),
        }
    }
    let mut out: Vec<TownLabel> = towns
        .into_iter()
        .map(|(_, mut t, e, n)| {
            t.at = Location {
                easting: e / t.schools as f64,
                northing: n / t.schools as f64,
            };
            t
        })
        .collect();
    out.sort_by(|a, b| b.schools.cmp(&a.schools).then(a.name.cmp(&b.name)));
    out
}

/// One entry of the legend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LegendEntry {
    pub label: &'static str,
    pub colour: &'static str,
    /// `phase`, `left-out` or `group`: how the mark is drawn.
    pub kind: &'static str,
}

/// The legend: every phase of the plan's groups, in a fixed order, then the
/// left-out mark if any school is left out, then a group's line.
fn legend(plan: &Plan, spots: &[Spot]) -> Vec<LegendEntry> {
    let present: BTreeSet<PhaseGroup> = plan.triads.iter().map(|t| t.phase).collect();
    let mut out: Vec<LegendEntry> = PHASES
        .iter()
        .filter(|p| present.contains(p))
        .map(|p| LegendEntry {
            label: words::phase(*p),
            colour: phase_colour(*p),
            kind: "phase",
        })
        .collect();
    if spots.iter().any(|s| s.group.is_none()) {
        out.push(LegendEntry {
            label: "left out",
            colour: LEFT_OUT,
            kind: "left-out",
        });
    }
    out.push(LegendEntry {
        label: "a group",
        colour: "#555555",
        kind: "group",
    });
    out
}

/// Text is about 6.5 units a character at 12 px: enough to space items.
fn legend_item_width(label: &str) -> f64 {
    22.0 + 6.5 * label.chars().count() as f64 + 16.0
}

/// Where each legend item goes, `(x, row)`, wrapping to a new row rather
/// than running into the picture's edge.
fn legend_layout(entries: &[LegendEntry]) -> Vec<(f64, usize)> {
    let mut out = Vec::with_capacity(entries.len());
    let (mut x, mut row) = (MARGIN, 0);
    for e in entries {
        let w = legend_item_width(e.label);
        if x > MARGIN && x + w > WIDTH - MARGIN {
            x = MARGIN;
            row += 1;
        }
        out.push((x, row));
        x += w;
    }
    out
}

/// The plan as an inline SVG map (`<svg>...</svg>`, no stylesheet, no script).
///
/// `schools` gives names, towns and coordinates; schools of the plan missing
/// from it, or without coordinates, are not drawn ([`map_figure`] lists
/// them). Each located school is one `<circle class="school">` (left out:
/// `class="school left-out"`, with a cross `class="left-out-mark"`), each
/// group edge one `<line class="edge">` (a group of three is a triangle, of
/// four a cycle in rotation order), each town one `<text class="town">`;
/// hovering a school shows its name, URN and group. Beneath the map, never
/// over it: the legend and a scale bar in km. The same input gives the same
/// text.
pub fn map_svg(plan: &Plan, schools: &[School]) -> String {
    let spots = spots(plan, schools);
    let located: Vec<Location> = spots.iter().filter_map(|s| s.location).collect();
    let frame = Frame::new(&located);
    let map_height = frame.as_ref().map_or(80.0, |f| f.map_height);
    let entries = legend(plan, &spots);
    let layout = legend_layout(&entries);
    let rows = layout.last().map_or(1, |l| l.1 + 1);
    let legend_height = rows as f64 * LEGEND_ROW + if frame.is_some() { SCALE_ROW } else { 8.0 };
    let height = map_height + legend_height;
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
         by phase, the schools of a group joined by lines, towns named where their schools \
         are. {left_out} left out, drawn as crossed hollow circles. {missing} without \
         coordinates, not drawn.</desc>",
        plan.triads.len()
    );
    let _ = write!(
        svg,
        "<rect width=\"{WIDTH}\" height=\"{height:.0}\" fill=\"#ffffff\"/>"
    );
    match &frame {
        Some(f) => {
            draw_edges(&mut svg, plan, &spots, f);
            draw_towns(&mut svg, &town_labels(&spots), f);
            draw_schools(&mut svg, &spots, f);
            // A rule between the map and its legend.
            let _ = write!(
                svg,
                "<line x1=\"0\" y1=\"{map_height:.1}\" x2=\"{WIDTH}\" y2=\"{map_height:.1}\" \
                 stroke=\"#b1b4b6\" stroke-width=\"1\"/>"
            );
        }
        None => {
            let _ = write!(
                svg,
                "<text x=\"{MARGIN}\" y=\"44\" fill=\"#333333\">No school of the plan has coordinates to draw.</text>"
            );
        }
    }
    draw_legend(&mut svg, &entries, &layout, map_height, frame.as_ref());
    svg.push_str("</svg>");
    svg
}

/// Town names, in dark grey with a white halo so that they read over the
/// groups' lines. A label that would cover one already drawn (a bigger town)
/// is left out, and labels are kept inside the map.
fn draw_towns(svg: &mut String, towns: &[TownLabel], f: &Frame) {
    svg.push_str("<g class=\"towns\">");
    let mut boxes: Vec<(f64, f64, f64, f64)> = Vec::new();
    for t in towns {
        let (x, y) = f.xy(t.at);
        let w = 0.6 * TOWN_FONT * t.name.chars().count() as f64;
        let x = x.clamp(w / 2.0 + 2.0, WIDTH - w / 2.0 - 2.0);
        // Baseline a little above the middle of the town's schools, so the
        // name sits over its dots rather than across them.
        let y = (y - RADIUS - 4.0).clamp(TOWN_FONT + 2.0, f.map_height - 4.0);
        let b = (x - w / 2.0, y - TOWN_FONT, x + w / 2.0, y + 3.0);
        if boxes
            .iter()
            .any(|o| b.0 < o.2 && o.0 < b.2 && b.1 < o.3 && o.1 < b.3)
        {
            continue;
        }
        boxes.push(b);
        let _ = write!(
            svg,
            "<text class=\"town\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" \
             font-size=\"{TOWN_FONT}\" font-weight=\"600\" fill=\"#383f43\" stroke=\"#ffffff\" \
             stroke-width=\"4\" stroke-linejoin=\"round\" paint-order=\"stroke\" \
             pointer-events=\"none\">{}</text>",
            escape(&t.name)
        );
    }
    svg.push_str("</g>");
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
            "<g class=\"group\"><title>{} ({}): {}</title>",
            escape(&words::group(&t.id)),
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

/// The legend beneath the map, in rows: the phases drawn, the left-out
/// mark, a group's line; under them a scale bar in km.
fn draw_legend(
    svg: &mut String,
    entries: &[LegendEntry],
    layout: &[(f64, usize)],
    top: f64,
    frame: Option<&Frame>,
) {
    svg.push_str("<g class=\"legend\">");
    for (e, &(x, row)) in entries.iter().zip(layout) {
        let y = top + LEGEND_ROW * (row as f64 + 0.5) + 4.0;
        let label = e.label;
        match e.kind {
            "phase" => {
                let _ = write!(
                    svg,
                    "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"{RADIUS}\" fill=\"{}\"/>",
                    x + RADIUS,
                    e.colour
                );
            }
            "left-out" => {
                let _ = write!(
                    svg,
                    "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"{}\" fill=\"#ffffff\" stroke=\"{LEFT_OUT}\" \
                     stroke-width=\"2.5\"/><path {}/>",
                    x + RADIUS,
                    RADIUS + 1.5,
                    cross(x + RADIUS, y)
                );
            }
            _ => {
                let _ = write!(
                    svg,
                    "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{}\" stroke-width=\"2\"/>",
                    x + 16.0,
                    e.colour
                );
            }
        }
        let _ = write!(
            svg,
            "<text class=\"legend-item\" x=\"{:.1}\" y=\"{:.1}\" fill=\"#222222\">{label}</text>",
            x + 22.0,
            y + 4.0
        );
    }
    if let Some(f) = frame {
        let rows = layout.last().map_or(1, |l| l.1 + 1);
        let y = top + LEGEND_ROW * rows as f64 + SCALE_ROW / 2.0;
        let (km, len) = scale_bar(f.scale);
        let x1 = MARGIN;
        let _ = write!(
            svg,
            "<g class=\"scale-bar\"><path d=\"M{x1:.1} {:.1}V{y:.1}H{:.1}V{:.1}\" fill=\"none\" \
             stroke=\"#222222\" stroke-width=\"1.5\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#222222\">{km} km</text></g>",
            y - 5.0,
            x1 + len,
            y - 5.0,
            x1 + len + 6.0,
            y + 4.0
        );
    }
    svg.push_str("</g>");
}

/// The longest round length that fits in 150 units: `(km, units)`.
fn scale_bar(scale: f64) -> (f64, f64) {
    let km = SCALE_KM
        .iter()
        .copied()
        .rev()
        .find(|km| km * 1000.0 * scale <= 150.0)
        .unwrap_or(SCALE_KM[0]);
    (km, km * 1000.0 * scale)
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

/// One located school on the web map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapSchool {
    pub name: String,
    /// "Primary", "Special and AP", ... or "phase unknown".
    pub phase: &'static str,
    /// "Group P01" or "Left out".
    pub group: String,
    pub lat: f64,
    pub lon: f64,
    pub colour: &'static str,
    pub left_out: bool,
}

/// One group's outline on the web map: its located schools in rotation
/// order, closed where there are three or more.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapGroup {
    pub id: String,
    pub phase: &'static str,
    pub colour: &'static str,
    /// "Group P01, Primary: Mill Green Primary School, ..."
    pub label: String,
    pub points: Vec<[f64; 2]>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapTown {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
}

/// The plan for a web map, in WGS84 latitude and longitude: what the pages
/// pass to their map script, and the legend and the list of schools not on
/// the map that the page prints beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapData {
    pub schools: Vec<MapSchool>,
    pub groups: Vec<MapGroup>,
    pub towns: Vec<MapTown>,
    pub legend: Vec<LegendEntry>,
    /// Schools of the plan without coordinates: "Name (URN 1), group 12".
    pub missing: Vec<String>,
}

fn wgs84(l: Location) -> (f64, f64) {
    let p = geo::bng_to_wgs84(l.easting, l.northing);
    // Six decimals of a degree are about 10 cm: enough, and shorter pages.
    let round = |v: f64| (v * 1e6).round() / 1e6;
    (round(p.lat), round(p.lon))
}

/// The plan as [`MapData`]: the same schools, groups, towns and legend as
/// [`map_svg`] draws.
pub fn map_data(plan: &Plan, schools: &[School]) -> MapData {
    let spots = spots(plan, schools);
    let mut out_schools = Vec::new();
    for s in &spots {
        let Some(l) = s.location else { continue };
        let (lat, lon) = wgs84(l);
        out_schools.push(MapSchool {
            name: s
                .name
                .map_or_else(|| format!("URN {}", s.urn), str::to_string),
            phase: s.phase.map(words::phase).unwrap_or("phase unknown"),
            group: s.group.map_or_else(|| "Left out".to_string(), words::group),
            lat,
            lon,
            colour: match (s.group, s.phase) {
                (None, _) => LEFT_OUT,
                (Some(_), Some(p)) => phase_colour(p),
                (Some(_), None) => "#777777",
            },
            left_out: s.group.is_none(),
        });
    }
    let at: HashMap<Urn, Location> = spots
        .iter()
        .filter_map(|s| Some((s.urn, s.location?)))
        .collect();
    let names: HashMap<Urn, String> = spots
        .iter()
        .map(|s| {
            (
                s.urn,
                s.name
                    .map_or_else(|| format!("URN {}", s.urn), str::to_string),
            )
        })
        .collect();
    let groups = plan
        .triads
        .iter()
        .map(|t| {
            let members: Vec<String> = t
                .schools
                .iter()
                .map(|u| names.get(u).cloned().unwrap_or_else(|| format!("URN {u}")))
                .collect();
            MapGroup {
                id: t.id.clone(),
                phase: words::phase(t.phase),
                colour: phase_colour(t.phase),
                label: format!(
                    "{}, {}: {}",
                    words::group(&t.id),
                    words::phase(t.phase),
                    members.join(", ")
                ),
                points: t
                    .schools
                    .iter()
                    .filter_map(|u| at.get(u))
                    .map(|l| {
                        let (lat, lon) = wgs84(*l);
                        [lat, lon]
                    })
                    .collect(),
            }
        })
        .collect();
    let towns = town_labels(&spots)
        .into_iter()
        .map(|t| {
            let (lat, lon) = wgs84(t.at);
            MapTown {
                name: t.name,
                lat,
                lon,
            }
        })
        .collect();
    let missing = spots
        .iter()
        .filter(|s| s.location.is_none())
        .map(|s| match s.group {
            Some(g) => format!("{}, group {}", s.label(), words::group_number(g)),
            None => format!("{}, left out", s.label()),
        })
        .collect();
    MapData {
        schools: out_schools,
        groups,
        towns,
        legend: legend(plan, &spots),
        missing,
    }
}

/// JSON to place inside `<script type="application/json">`: a script
/// element's text is not HTML-decoded, so instead of entities the markup
/// characters are written as JSON escapes, and no name can close the
/// element (`</script>`) or open a comment.
pub fn script_json<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".to_string());
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
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
    fn towns_are_labelled_at_the_middle_of_their_schools() {
        let (plan, schools) = fixture::plan();
        let towns = town_labels(&spots(&plan, &schools));
        let names: Vec<&str> = towns.iter().map(|t| t.name.as_str()).collect();
        // Tilbury has four schools, Grays three (one spelled in capitals),
        // Stanford-le-Hope two with coordinates; the special school has none.
        assert_eq!(names, ["Tilbury", "Grays", "Stanford-le-Hope"]);
        assert_eq!(towns[1].schools, 3);
        assert_eq!(
            towns[1].at,
            Location {
                easting: 561000.0,
                northing: 181333.33333333334
            }
        );
        let svg = map_svg(&plan, &schools);
        assert_eq!(count(&svg, "<text class=\"town\""), 3);
        assert!(svg.contains(">Stanford-le-Hope</text>"));
        // A halo, so the name reads over the groups' lines.
        assert!(svg.contains("stroke=\"#ffffff\" stroke-width=\"4\" stroke-linejoin=\"round\" paint-order=\"stroke\""));
    }

    #[test]
    fn overlapping_town_labels_keep_the_bigger_town() {
        let (plan, mut schools) = fixture::plan();
        // Every Tilbury school renamed to a town of the same place as Grays.
        for s in &mut schools {
            if s.town.as_deref() == Some("Tilbury") {
                s.town = Some("Chadwell St Mary".to_string());
                s.location = Some(Location {
                    easting: 561000.0,
                    northing: 181400.0,
                });
            }
        }
        let svg = map_svg(&plan, &schools);
        assert!(svg.contains(">Chadwell St Mary</text>"));
        assert!(
            !svg.contains(">Grays</text>"),
            "drawn over Chadwell St Mary"
        );
    }

    #[test]
    fn the_scale_bar_is_a_round_length_true_to_the_map() {
        let (plan, schools) = fixture::plan();
        let located: Vec<Location> = schools.iter().filter_map(|s| s.location).collect();
        let f = Frame::new(&located).unwrap();
        let (km, len) = scale_bar(f.scale);
        // The fixture spans 20 km east to west on 760 units: 5 km is 190
        // units, too long; 2 km is 76.
        assert_eq!(km, 2.0);
        assert!((len - 2000.0 * f.scale).abs() < 1e-9 && len <= 150.0);
        let svg = map_svg(&plan, &schools);
        let bar = &svg[svg.find("<g class=\"scale-bar\">").unwrap()..];
        assert!(bar.contains(">2 km</text>"));
        assert!(bar.contains(&format!("H{:.1}", MARGIN + len)));
        assert_eq!(scale_bar(1.0 / 1000.0), (100.0, 100.0));
    }

    #[test]
    fn the_legend_sits_beneath_the_map_and_wraps_instead_of_overlapping() {
        let entries: Vec<LegendEntry> = PHASES
            .iter()
            .map(|p| LegendEntry {
                label: words::phase(*p),
                colour: phase_colour(*p),
                kind: "phase",
            })
            .chain([
                LegendEntry {
                    label: "left out",
                    colour: LEFT_OUT,
                    kind: "left-out",
                },
                LegendEntry {
                    label: "a group",
                    colour: "#555555",
                    kind: "group",
                },
            ])
            .collect();
        let layout = legend_layout(&entries);
        for (e, (x, _)) in entries.iter().zip(&layout) {
            assert!(
                x + legend_item_width(e.label) <= WIDTH - MARGIN + 16.0,
                "{}",
                e.label
            );
        }
        // Items of a row never overlap.
        for w in layout.windows(2).zip(&entries) {
            let ((a, ra), (b, rb)) = (w.0[0], w.0[1]);
            if ra == rb {
                assert!(b >= a + legend_item_width(w.1.label));
            }
        }
        // Every text of the legend is below the map.
        let (plan, schools) = fixture::plan();
        let located: Vec<Location> = schools.iter().filter_map(|s| s.location).collect();
        let f = Frame::new(&located).unwrap();
        let svg = map_svg(&plan, &schools);
        let legend = &svg[svg.find("<g class=\"legend\">").unwrap()..];
        for part in legend.split("<text ").skip(1) {
            let y: f64 = part
                .split("y=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert!(y > f.map_height, "{y}");
        }
    }

    #[test]
    fn map_data_places_every_located_school_in_latitude_and_longitude() {
        let (plan, schools) = fixture::plan();
        let d = map_data(&plan, &schools);
        // 11 schools with coordinates in the plan: 10 placed less the one off
        // the map, and one left out (the other left out is unknown).
        assert_eq!(d.schools.len(), 10);
        assert_eq!(d.schools.iter().filter(|s| s.left_out).count(), 1);
        for s in &d.schools {
            // Thamesmere is on the Thames estuary, east of London.
            assert!(
                (51.3..51.8).contains(&s.lat) && (0.1..0.8).contains(&s.lon),
                "{s:?}"
            );
        }
        assert_eq!(d.groups.len(), 3);
        assert_eq!(
            d.groups[2].points.len(),
            2,
            "S01 has a school without coordinates"
        );
        assert!(d.groups[0]
            .label
            .starts_with("Group P01, Primary: St Mary's & St John's"));
        assert_eq!(d.towns.len(), 3);
        assert_eq!(
            d.missing,
            [
                "Lonely Lane School (URN 900011), group S01",
                "URN 900099, left out"
            ]
        );
        let labels: Vec<&str> = d.legend.iter().map(|l| l.label).collect();
        assert_eq!(labels, ["Primary", "Secondary", "left out", "a group"]);
    }

    #[test]
    fn script_json_cannot_close_its_element() {
        let v = serde_json::json!({"name": "</script><!-- & \u{2028}"});
        let j = script_json(&v);
        assert!(!j.contains('<') && !j.contains('>') && !j.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(back, v);
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
