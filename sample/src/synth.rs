//! A deterministic generator of a synthetic local authority: its schools in
//! the GIAS layout, and the people, history, SSPB categories, need and past
//! allocations the project's own files hold.
//!
//! Every name, URN and position is invented; nothing comes from real data.
//! The sample is shaped like a small unitary authority (towns with schools
//! clustered around them, about half the schools in academy trusts, an
//! Ofsted profile like England's) so that demonstrations and tests meet the
//! situations the SIM meets. The same spec always gives the same bytes: the
//! generator only uses integer arithmetic, `+ - * /`, `sqrt` and rounding on
//! floats (which IEEE 754 defines exactly), and ordered collections, so that
//! the committed sample can be checked against a fresh run on any machine.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use chrono::{Datelike, NaiveDate, Weekday};
use optimiser::model::{
    Adviser, AdviserKind, Consultant, ConsultantKind, Headteacher, Location, NeedArea, OfstedGrade,
    PastTriad, Phase, PhaseGroup, School, SspbCategory, Urn,
};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use formats::inputs::{NeedEntry, PastAllocation};
// The sample's calendar and availability (`data/sample/calendar.toml`, `availability.csv`).
pub use crate::synth_schedule::{
    calendar_2026_27, generate_availability, render_schedule_inputs, SCHEDULE_FILES,
};

type Gen = ChaCha8Rng;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleSpec {
    pub seed: u64,
    /// The programme year the sample prepares (2026 for 2026-27): the
    /// history covers the two years before it and inspections precede it.
    pub year: i32,
    pub la_code: u16,
    pub la_name: String,
    pub primary: usize,
    pub secondary: usize,
    /// Special schools and alternative provision (GIAS phase "Not
    /// applicable"), in the repeating pattern special academy, maintained
    /// special school, pupil referral unit, alternative provision academy.
    pub special: usize,
    /// About how many academy trusts the academies belong to.
    pub trusts: usize,
    /// South-west corner of the authority, British National Grid metres.
    pub origin: Location,
    pub width_km: f64,
    pub height_km: f64,
}

impl Default for SampleSpec {
    /// A fictional authority the size of Thurrock, on the Thames estuary.
    fn default() -> Self {
        SampleSpec {
            seed: 2026,
            year: 2026,
            la_code: 940,
            la_name: "Thamesmere".to_string(),
            primary: 39,
            secondary: 13,
            special: 4,
            trusts: 20,
            origin: Location {
                easting: 556_000.0,
                northing: 175_000.0,
            },
            width_km: 20.0,
            height_km: 15.0,
        }
    }
}

/// A generated authority: schools and everything the SIM prepares about them.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The schools in the GIAS layout (UTF-8, LF line ends, every field
    /// quoted like the DfE download).
    pub schools_csv: String,
    /// The same schools as the GIAS importer reads them, in URN order.
    pub schools: Vec<School>,
    pub heads: Vec<Headteacher>,
    pub advisers: Vec<Adviser>,
    pub consultants: Vec<Consultant>,
    pub history: Vec<PastTriad>,
    pub sspb: Vec<(Urn, SspbCategory)>,
    pub need: Vec<NeedEntry>,
    pub last_allocations: Vec<PastAllocation>,
}

/// The files [`write_sample`] writes, in the order it writes them.
pub const SAMPLE_FILES: [&str; 8] = [
    "schools.csv",
    "heads.csv",
    "advisers.csv",
    "consultants.csv",
    "history.csv",
    "sspb.csv",
    "need.csv",
    "last_allocations.csv",
];

/// The columns of the DfE's GIAS extract, in its order.
pub const GIAS_COLUMNS: [&str; 25] = [
    "URN",
    "LA (code)",
    "LA (name)",
    "EstablishmentNumber",
    "EstablishmentName",
    "TypeOfEstablishment (name)",
    "EstablishmentTypeGroup (name)",
    "EstablishmentStatus (name)",
    "PhaseOfEducation (name)",
    "StatutoryLowAge",
    "StatutoryHighAge",
    "Gender (name)",
    "ReligiousCharacter (name)",
    "NumberOfPupils",
    "SchoolCapacity",
    "PercentageFSM",
    "Trusts (name)",
    "Postcode",
    "Town",
    "GOR (name)",
    "UrbanRural (name)",
    "Easting",
    "Northing",
    "OfstedLastInsp",
    "OfstedRating (name)",
];

/// The first URN the sample uses. Real URNs are below 200000, so the
/// sample can never be confused with, or collide with, a real school.
pub const FIRST_URN: u32 = 900_001;

/// Days an external adviser gives one group in a year.
pub const ADVISER_DAYS_PER_GROUP: u32 = 3;

pub fn generate(spec: &SampleSpec) -> Sample {
    let mut rng = Gen::seed_from_u64(spec.seed);
    let area = Area::of(spec);
    let towns = make_towns(&mut rng, &area);
    let drafts = make_schools(&mut rng, spec, &area, &towns);
    let schools: Vec<School> = drafts.iter().map(|d| d.school(spec, &towns)).collect();
    let schools_csv = gias_csv(spec, &towns, &drafts);

    let mut people = People::default();
    let heads = make_heads(&mut rng, &mut people, &schools);
    let advisers = make_advisers(&mut rng, &mut people, &area, &towns, &schools);
    let consultants = sample_consultants(&mut rng, &mut people, &schools);
    let history = make_history(&mut rng, spec.year, &schools, &advisers);
    let sspb = make_sspb(&mut rng, &schools);
    let need = make_need(&mut rng, &schools, &sspb);
    let last_allocations =
        make_last_allocations(&mut rng, spec.year - 1, &schools, &consultants, &need);
    Sample {
        schools_csv,
        schools,
        heads,
        advisers,
        consultants,
        history,
        sspb,
        need,
        last_allocations,
    }
}

/// Writes the eight files of [`SAMPLE_FILES`] into `dir`, creating it.
pub fn write_sample(sample: &Sample, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in render_sample(sample) {
        std::fs::write(dir.join(name), text)?;
    }
    Ok(())
}

/// The text of each file [`write_sample`] writes, by file name.
pub fn render_sample(sample: &Sample) -> Vec<(&'static str, String)> {
    let texts = [
        sample.schools_csv.clone(),
        heads_csv(&sample.heads),
        advisers_csv(&sample.advisers),
        consultants_csv(&sample.consultants),
        history_csv(&sample.history),
        sspb_csv(&sample.sspb),
        need_csv(&sample.need),
        last_allocations_csv(&sample.last_allocations),
    ];
    SAMPLE_FILES.into_iter().zip(texts).collect()
}

/// A national pool of `n` consultants over the given schools, for benchmarks:
/// about a fifth TICs (30-60 days, no school of their own), two thirds SLEs
/// (15 days, released by a good or outstanding school of the list, in that
/// school's trust) and the rest NLEs (20 days, leadership and governance).
/// Without schools every consultant is a TIC with no base.
pub fn generate_consultant_pool(schools: &[School], n: usize, seed: u64) -> Vec<Consultant> {
    let mut rng = Gen::seed_from_u64(seed);
    let mut people = People::default();
    let tics = if schools.is_empty() { n } else { n / 5 };
    // Fewer NLEs where few schools are graded good or better.
    let leaders = leader_schools(&mut rng, schools, n * 3 / 20);
    let sles = n - tics - leaders.len();
    let homes = home_schools(&mut rng, schools, &leaders, sles);
    let mut pool = Vec::with_capacity(n);
    for _ in 0..tics {
        let rate = pick(&mut rng, &TIC_RATES);
        let name = people.name(&mut rng);
        pool.push(tic(&mut rng, String::new(), name, schools, 30..=60, rate));
    }
    for school in homes {
        let name = people.name(&mut rng);
        pool.push(sle(&mut rng, String::new(), name, school));
    }
    for school in leaders {
        let name = people.name(&mut rng);
        pool.push(nle(String::new(), name, school));
    }
    for (i, consultant) in pool.iter_mut().enumerate() {
        consultant.id = format!("pool-{:05}", i + 1);
    }
    pool
}

// ---------------------------------------------------------------------------
// The area and its towns

/// The authority's rectangle in whole grid metres.
#[derive(Debug, Clone, Copy)]
struct Area {
    west: i64,
    south: i64,
    east: i64,
    north: i64,
}

type Point = (i64, i64);

impl Area {
    fn of(spec: &SampleSpec) -> Area {
        let west = spec.origin.easting.round() as i64;
        let south = spec.origin.northing.round() as i64;
        Area {
            west,
            south,
            east: west + (spec.width_km * 1000.0).round().max(1.0) as i64,
            north: south + (spec.height_km * 1000.0).round().max(1.0) as i64,
        }
    }

    /// Keeps a point inside, `margin` metres from the edges where the area
    /// is big enough for that.
    fn clamp(&self, (e, n): Point, margin: i64) -> Point {
        let me = margin.min((self.east - self.west) / 4);
        let mn = margin.min((self.north - self.south) / 4);
        (
            e.clamp(self.west + me, self.east - me),
            n.clamp(self.south + mn, self.north - mn),
        )
    }

    fn random_point(&self, rng: &mut Gen, margin: i64) -> Point {
        let (w, s) = self.clamp((self.west, self.south), margin);
        let (e, n) = self.clamp((self.east, self.north), margin);
        (rng.random_range(w..=e), rng.random_range(s..=n))
    }
}

fn distance2(a: Point, b: Point) -> i64 {
    let (de, dn) = (a.0 - b.0, a.1 - b.1);
    de * de + dn * dn
}

fn location(p: Point) -> Location {
    Location {
        easting: p.0 as f64,
        northing: p.1 as f64,
    }
}

fn point(l: &Location) -> Point {
    (l.easting.round() as i64, l.northing.round() as i64)
}

/// A settlement schools cluster around. The first is the main town.
struct Town {
    name: &'static str,
    centre: Point,
    /// Standard deviation of its schools' distance from the centre, metres.
    spread: f64,
    weight: u32,
    urban_rural: &'static str,
    /// 0 (affluent) to 1 (deprived): raises the town's free school meals.
    deprivation: f64,
}

const TOWN_NAMES: [&str; 8] = [
    "Thamesbury",
    "Saltmere",
    "Hollowfield",
    "Brackenford",
    "Wenmouth",
    "Ashcombe Marsh",
    "Kingsreach",
    "Eastwold",
];

/// Towns stay this far apart so that their clusters can be told apart.
const TOWN_SPACING_M: i64 = 4_000;

fn make_towns(rng: &mut Gen, area: &Area) -> Vec<Town> {
    let count = rng.random_range(3..=5usize);
    let mut names = TOWN_NAMES.to_vec();
    names.shuffle(rng);
    let mut towns: Vec<Town> = Vec::with_capacity(count);
    for (i, name) in names.into_iter().take(count).enumerate() {
        let taken: Vec<Point> = towns.iter().map(|t| t.centre).collect();
        let weight = if i == 0 { 6 } else { rng.random_range(1..=4) };
        towns.push(Town {
            name,
            centre: spaced_point(rng, area, &taken),
            spread: 700.0 + 300.0 * f64::from(weight),
            weight,
            urban_rural: match i {
                0 => "(England/Wales) Urban major conurbation",
                1 | 2 => "(England/Wales) Urban city and town",
                _ => "(England/Wales) Rural town and fringe",
            },
            deprivation: rng.random::<f64>(),
        });
    }
    towns
}

/// A point away from the towns already placed; in a small area it gives up
/// on the spacing rather than loop.
fn spaced_point(rng: &mut Gen, area: &Area, taken: &[Point]) -> Point {
    let min2 = TOWN_SPACING_M * TOWN_SPACING_M;
    let mut p = area.random_point(rng, 2_000);
    for _ in 0..50 {
        if taken.iter().all(|&t| distance2(t, p) >= min2) {
            break;
        }
        p = area.random_point(rng, 2_000);
    }
    p
}

/// A draw from roughly the standard normal distribution: the sum of four
/// uniforms (Irwin-Hall, variance 1/3) rescaled, avoiding `ln` and `cos`
/// whose last bit may differ between platforms.
fn approx_normal(rng: &mut Gen) -> f64 {
    let sum: f64 = (0..4).map(|_| rng.random::<f64>()).sum();
    (sum - 2.0) * 3f64.sqrt()
}

fn weighted_index(rng: &mut Gen, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    if total == 0 {
        return 0;
    }
    let mut r = rng.random_range(0..total);
    for (i, &w) in weights.iter().enumerate() {
        if r < w {
            return i;
        }
        r -= w;
    }
    weights.len() - 1
}

fn percent(rng: &mut Gen, p: u32) -> bool {
    rng.random_range(0..100) < p
}

fn pick<T: Copy>(rng: &mut Gen, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

// ---------------------------------------------------------------------------
// Schools

/// The kind of establishment a draft school is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Primary,
    Secondary,
    SpecialAcademy,
    SpecialMaintained,
    Pru,
    ApAcademy,
}

const SPECIAL_PATTERN: [Slot; 4] = [
    Slot::SpecialAcademy,
    Slot::SpecialMaintained,
    Slot::Pru,
    Slot::ApAcademy,
];

impl Slot {
    fn phase(self) -> Phase {
        match self {
            Slot::Primary => Phase::Primary,
            Slot::Secondary => Phase::Secondary,
            _ => Phase::NotApplicable,
        }
    }

    fn mainstream(self) -> bool {
        matches!(self, Slot::Primary | Slot::Secondary)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Faith {
    ChurchOfEngland,
    Catholic,
}

const ACADEMIES: &str = "Academies";
const FREE_SCHOOLS: &str = "Free Schools";
const MAINTAINED: &str = "Local authority maintained schools";
const SPECIAL_SCHOOLS: &str = "Special schools";
const CONVERTER: &str = "Academy converter";
const SPONSOR_LED: &str = "Academy sponsor led";

/// A school while it is being made up, with the GIAS fields the model lacks.
struct Draft {
    slot: Slot,
    town: usize,
    at: Point,
    postcode: String,
    pupils: u32,
    capacity: u32,
    fsm_tenths: u32,
    ages: (u8, u8),
    faith: Option<Faith>,
    establishment_type: &'static str,
    type_group: &'static str,
    trust: Option<String>,
    ofsted: Option<OfstedGrade>,
    last_inspection: Option<NaiveDate>,
    name: String,
    number: u32,
    urn: u32,
}

impl Draft {
    fn is_academy(&self) -> bool {
        self.type_group == ACADEMIES || self.type_group == FREE_SCHOOLS
    }

    fn religious_character(&self) -> &'static str {
        match (self.faith, self.slot.mainstream()) {
            (Some(Faith::ChurchOfEngland), _) => "Church of England",
            (Some(Faith::Catholic), _) => "Roman Catholic",
            (None, true) => "Does not apply",
            (None, false) => "No religious character",
        }
    }

    /// The school as the GIAS importer reads this row.
    fn school(&self, spec: &SampleSpec, towns: &[Town]) -> School {
        School {
            urn: Urn(self.urn),
            name: self.name.clone(),
            la_code: spec.la_code,
            la_name: spec.la_name.clone(),
            phase: self.slot.phase(),
            establishment_type: self.establishment_type.to_string(),
            trust: self.trust.clone(),
            location: Some(location(self.at)),
            postcode: Some(self.postcode.clone()),
            pupils: Some(self.pupils),
            fsm_percent: Some(f64::from(self.fsm_tenths) / 10.0),
            ofsted: self.ofsted,
            last_inspection: self.last_inspection,
            religious_character: self.faith.map(|_| self.religious_character().to_string()),
            town: Some(towns[self.town].name.to_string()),
        }
    }
}

fn make_schools(rng: &mut Gen, spec: &SampleSpec, area: &Area, towns: &[Town]) -> Vec<Draft> {
    let slots = std::iter::repeat_n(Slot::Primary, spec.primary)
        .chain(std::iter::repeat_n(Slot::Secondary, spec.secondary))
        .chain((0..spec.special).map(|i| SPECIAL_PATTERN[i % SPECIAL_PATTERN.len()]));
    let mut drafts: Vec<Draft> = slots
        .map(|slot| place_school(rng, slot, area, towns))
        .collect();
    choose_governance(rng, &mut drafts);
    assign_trusts(rng, spec.trusts, &mut drafts);
    grade_schools(rng, spec.year, &mut drafts);
    name_schools(rng, &mut drafts);
    assign_urns(rng, drafts)
}

/// Position, size, age range and free school meals of one school.
fn place_school(rng: &mut Gen, slot: Slot, area: &Area, towns: &[Town]) -> Draft {
    let town = match slot {
        Slot::Primary | Slot::Secondary => {
            let weights: Vec<u32> = towns.iter().map(|t| t.weight).collect();
            weighted_index(rng, &weights)
        }
        // Special schools and alternative provision serve the whole
        // authority from its bigger towns.
        _ => rng.random_range(0..towns.len().min(2)),
    };
    let t = &towns[town];
    // Secondaries are fewer and draw from further out.
    let spread = if slot == Slot::Secondary {
        t.spread * 1.3
    } else {
        t.spread
    };
    let offset = |rng: &mut Gen| (approx_normal(rng) * spread).round() as i64;
    let at = area.clamp((t.centre.0 + offset(rng), t.centre.1 + offset(rng)), 300);
    let (capacity, pupils, ages) = size(rng, slot);
    Draft {
        slot,
        town,
        at,
        postcode: postcode(rng, town),
        pupils,
        capacity,
        fsm_tenths: fsm_tenths(rng, slot, t.deprivation),
        ages,
        faith: None,
        establishment_type: "",
        type_group: "",
        trust: None,
        ofsted: None,
        last_inspection: None,
        name: String::new(),
        number: 0,
        urn: 0,
    }
}

/// Capacity, pupils on roll and statutory age range.
fn size(rng: &mut Gen, slot: Slot) -> (u32, u32, (u8, u8)) {
    match slot {
        Slot::Primary => {
            // Half, one, one and a half, two or three forms of entry.
            let capacity = [105, 210, 315, 420, 630][weighted_index(rng, &[2, 5, 2, 5, 1])];
            let pupils = (capacity * rng.random_range(80..=101) / 100).clamp(90, 630);
            let low = [2, 3, 4, 5][weighted_index(rng, &[1, 10, 8, 1])];
            (capacity, pupils, (low, 11))
        }
        Slot::Secondary => {
            let sixth_form = percent(rng, 60);
            let capacity = rng.random_range(5..=10) * 150 + if sixth_form { 250 } else { 0 };
            let pupils = (capacity * rng.random_range(78..=100) / 100).clamp(600, 1800);
            (capacity, pupils, (11, if sixth_form { 18 } else { 16 }))
        }
        Slot::SpecialAcademy | Slot::SpecialMaintained => {
            let capacity = rng.random_range(8..=24) * 10;
            let pupils = (capacity * rng.random_range(85..=100) / 100).clamp(60, 250);
            (capacity, pupils, pick(rng, &[(3, 19), (11, 19), (4, 16)]))
        }
        Slot::Pru | Slot::ApAcademy => {
            let capacity = rng.random_range(4..=16) * 5;
            let pupils = rng.random_range(15..=capacity).clamp(15, 80);
            (capacity, pupils, (11, 16))
        }
    }
}

/// Free school meals in tenths of a percent: mainstream schools 5-55 %
/// skewed low and higher in deprived towns; special schools and alternative
/// provision higher throughout, as in England.
fn fsm_tenths(rng: &mut Gen, slot: Slot, deprivation: f64) -> u32 {
    let u = rng.random::<f64>();
    let percent = match slot {
        Slot::Primary | Slot::Secondary => 5.0 + 50.0 * (0.4 * deprivation + 0.6 * u * u),
        Slot::SpecialAcademy | Slot::SpecialMaintained => 20.0 + 30.0 * u,
        Slot::Pru | Slot::ApAcademy => 30.0 + 25.0 * u,
    };
    (percent * 10.0).round() as u32
}

/// "TM" is not a UK postcode area, so these can never be real addresses.
fn postcode(rng: &mut Gen, town: usize) -> String {
    const LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    let mut letter = || char::from(LETTERS[rng.random_range(0..LETTERS.len())]);
    let (a, b) = (letter(), letter());
    format!("TM{} {}{a}{b}", town + 1, rng.random_range(1..=9))
}

/// Faiths, academies and establishment types: about one primary in five has
/// a religious character, about 55 % of all schools are academies (most
/// secondaries, fewer primaries).
fn choose_governance(rng: &mut Gen, drafts: &mut [Draft]) {
    let primaries = indices(drafts, Slot::Primary);
    let secondaries = indices(drafts, Slot::Secondary);
    assign_faiths(rng, drafts, &primaries, &secondaries);
    let target = (drafts.len() * 55 + 50) / 100;
    let fixed = drafts
        .iter()
        .filter(|d| matches!(d.slot, Slot::SpecialAcademy | Slot::ApAcademy))
        .count();
    let secondary_academies = (secondaries.len() * 3 + 2) / 4;
    let primary_academies = target
        .saturating_sub(fixed + secondary_academies)
        .min(primaries.len());
    let academies: BTreeSet<usize> = some_of(rng, &primaries, primary_academies)
        .into_iter()
        .chain(some_of(rng, &secondaries, secondary_academies))
        .collect();
    for (i, d) in drafts.iter_mut().enumerate() {
        let (kind, group) = establishment_type(rng, d.slot, d.faith, academies.contains(&i));
        d.establishment_type = kind;
        d.type_group = group;
    }
}

fn indices(drafts: &[Draft], slot: Slot) -> Vec<usize> {
    (0..drafts.len())
        .filter(|&i| drafts[i].slot == slot)
        .collect()
}

fn some_of(rng: &mut Gen, from: &[usize], k: usize) -> Vec<usize> {
    let mut chosen = from.to_vec();
    chosen.shuffle(rng);
    chosen.truncate(k);
    chosen
}

fn assign_faiths(rng: &mut Gen, drafts: &mut [Draft], primaries: &[usize], secondaries: &[usize]) {
    let faith_schools = (primaries.len() + 2) / 5;
    let catholic = faith_schools * 3 / 8;
    for (k, i) in some_of(rng, primaries, faith_schools)
        .into_iter()
        .enumerate()
    {
        drafts[i].faith = Some(if k < catholic {
            Faith::Catholic
        } else {
            Faith::ChurchOfEngland
        });
    }
    if secondaries.len() >= 5 {
        let i = pick(rng, secondaries);
        drafts[i].faith = Some(Faith::Catholic);
    }
}

fn establishment_type(
    rng: &mut Gen,
    slot: Slot,
    faith: Option<Faith>,
    academy: bool,
) -> (&'static str, &'static str) {
    let roll = rng.random_range(0..100);
    match slot {
        Slot::SpecialAcademy => ("Academy special converter", ACADEMIES),
        Slot::SpecialMaintained => ("Community special school", SPECIAL_SCHOOLS),
        Slot::Pru => ("Pupil referral unit", MAINTAINED),
        Slot::ApAcademy => ("Academy alternative provision sponsor led", ACADEMIES),
        _ if academy => match (faith, roll) {
            (None, 0..8) => ("Free schools", FREE_SCHOOLS),
            (_, 8..33) => (SPONSOR_LED, ACADEMIES),
            _ => (CONVERTER, ACADEMIES),
        },
        _ => match (faith, roll) {
            (Some(Faith::Catholic), _) => ("Voluntary aided school", MAINTAINED),
            (Some(Faith::ChurchOfEngland), 0..60) => ("Voluntary controlled school", MAINTAINED),
            (Some(Faith::ChurchOfEngland), _) => ("Voluntary aided school", MAINTAINED),
            (None, 0..85) => ("Community school", MAINTAINED),
            (None, _) => ("Foundation school", MAINTAINED),
        },
    }
}

/// Every academy joins a trust. Catholic academies share a diocesan trust;
/// the others seed one trust each until there are enough, then join trusts
/// in proportion to their size, four times as readily in their own town,
/// so that a few trusts grow large and trusts stay local as MATs do.
fn assign_trusts(rng: &mut Gen, wanted: usize, drafts: &mut [Draft]) {
    let academies: Vec<usize> = (0..drafts.len())
        .filter(|&i| drafts[i].is_academy())
        .collect();
    let (catholic, mut others): (Vec<usize>, Vec<usize>) = academies
        .into_iter()
        .partition(|&i| drafts[i].faith == Some(Faith::Catholic));
    let mut wanted = wanted.max(1);
    if !catholic.is_empty() {
        let saint = pick(rng, &SAINTS).to_uppercase();
        let name = format!("ST {saint} CATHOLIC ACADEMY TRUST");
        for &i in &catholic {
            drafts[i].trust = Some(name.clone());
        }
        wanted = wanted.saturating_sub(1).max(1);
    }
    let k = wanted.min(others.len());
    if k == 0 {
        return;
    }
    let names = trust_names(rng, k);
    others.shuffle(rng);
    let (seeds, joiners) = others.split_at(k);
    let homes: Vec<usize> = seeds.iter().map(|&i| drafts[i].town).collect();
    let mut sizes = vec![1u32; k];
    for (t, &i) in seeds.iter().enumerate() {
        drafts[i].trust = Some(names[t].clone());
    }
    for &i in joiners {
        let weights: Vec<u32> = (0..k)
            .map(|t| sizes[t] * if homes[t] == drafts[i].town { 4 } else { 1 })
            .collect();
        let t = weighted_index(rng, &weights);
        sizes[t] += 1;
        drafts[i].trust = Some(names[t].clone());
    }
}

/// Upper case like GIAS publishes them; numbered only past the word list.
fn trust_names(rng: &mut Gen, k: usize) -> Vec<String> {
    let mut stems = TRUST_STEMS.to_vec();
    stems.shuffle(rng);
    (0..k)
        .map(|i| {
            let stem = stems[i % stems.len()];
            let suffix = pick(rng, &TRUST_SUFFIXES);
            match i / stems.len() {
                0 => format!("{stem} {suffix}"),
                round => format!("{stem} {} {suffix}", round + 1),
            }
        })
        .collect()
}

/// Ofsted grades in England's proportions (15 % Outstanding, 15 % Requires
/// improvement, 3 % Inadequate, about 8 % not yet graded, the rest Good).
/// The ungraded are new academies: a conversion gives a new URN that has no
/// inspection yet. The others are graded by a risk score, so that weaker
/// grades go with higher free school meals and sponsored academies, as they
/// tend to.
fn grade_schools(rng: &mut Gen, year: i32, drafts: &mut [Draft]) {
    let n = drafts.len();
    let quota = |pct: usize| (n * pct + 50) / 100;
    let new_candidates: Vec<usize> = (0..n)
        .filter(|&i| {
            let d = &drafts[i];
            d.slot.mainstream()
                && (d.establishment_type == CONVERTER || d.establishment_type == SPONSOR_LED)
        })
        .collect();
    let new_academies: BTreeSet<usize> = some_of(rng, &new_candidates, quota(8))
        .into_iter()
        .collect();
    let mut graded: Vec<(u32, usize)> = (0..n)
        .filter(|i| !new_academies.contains(i))
        .map(|i| (risk(rng, &drafts[i]), i))
        .collect();
    graded.sort_by(|a, b| b.cmp(a));
    let (inadequate, weak, outstanding) = (quota(3), quota(15), quota(15));
    let strong_from = graded.len().saturating_sub(outstanding);
    for (rank, &(_, i)) in graded.iter().enumerate() {
        let grade = if rank < inadequate {
            OfstedGrade::Inadequate
        } else if rank < inadequate + weak {
            OfstedGrade::RequiresImprovement
        } else if rank >= strong_from {
            OfstedGrade::Outstanding
        } else {
            OfstedGrade::Good
        };
        drafts[i].ofsted = Some(grade);
        drafts[i].last_inspection = Some(inspection_date(rng, grade, year));
    }
}

fn risk(rng: &mut Gen, d: &Draft) -> u32 {
    let sponsored = if d.establishment_type == SPONSOR_LED {
        150
    } else {
        0
    };
    d.fsm_tenths + sponsored + rng.random_range(0..250)
}

/// Weaker schools are reinspected sooner; outstanding ones were long exempt.
fn inspection_date(rng: &mut Gen, grade: OfstedGrade, year: i32) -> NaiveDate {
    let (from, to) = match grade {
        OfstedGrade::Outstanding => (year - 14, year - 2),
        OfstedGrade::Good => (year - 6, year),
        OfstedGrade::RequiresImprovement => (year - 3, year),
        OfstedGrade::Inadequate => (year - 2, year),
    };
    let y = rng.random_range(from..=to);
    // Term time only, and nothing after the summer term of the sample year.
    let month = if y == year {
        rng.random_range(1..=7)
    } else {
        pick(rng, &[1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12])
    };
    let (first, last) = match month {
        1 => (5, 28),
        7 => (1, 20),
        12 => (1, 16),
        _ => (1, 28),
    };
    let day = rng.random_range(first..=last);
    let date = NaiveDate::from_ymd_opt(y, month, day).unwrap_or_default();
    weekday(date)
}

/// Moves a weekend date back to the Friday.
fn weekday(date: NaiveDate) -> NaiveDate {
    let back = match date.weekday() {
        Weekday::Sat => 1,
        Weekday::Sun => 2,
        _ => 0,
    };
    date.checked_sub_days(chrono::Days::new(back))
        .unwrap_or(date)
}

/// Hands out name stems without repeats, qualified once the list runs out.
struct NamePool {
    stems: Vec<&'static str>,
    next: usize,
}

impl NamePool {
    fn new(rng: &mut Gen, stems: &[&'static str]) -> NamePool {
        let mut stems = stems.to_vec();
        stems.shuffle(rng);
        NamePool { stems, next: 0 }
    }

    fn take(&mut self) -> String {
        const QUALIFIERS: [&str; 6] = ["North", "South", "East", "West", "Upper", "Lower"];
        let i = self.next;
        self.next += 1;
        let stem = self.stems[i % self.stems.len()];
        match i / self.stems.len() {
            0 => stem.to_string(),
            round => format!("{} {stem}", QUALIFIERS[(round - 1) % QUALIFIERS.len()]),
        }
    }
}

/// School names and DfE establishment numbers (the 4 digits after the LA
/// code: primaries from 2000, secondaries from 4000, special schools from
/// 7000, pupil referral units from 1100).
fn name_schools(rng: &mut Gen, drafts: &mut [Draft]) {
    let mut stems = NamePool::new(rng, &SCHOOL_STEMS);
    let mut saints = SAINTS.to_vec();
    saints.shuffle(rng);
    let mut numbers: BTreeMap<u32, u32> = BTreeMap::new();
    for d in drafts.iter_mut() {
        let stem = stems.take();
        d.name = school_name(rng, d, &stem, &mut saints);
        let base = match d.slot {
            Slot::Primary => 2000,
            Slot::Secondary => 4000,
            Slot::SpecialAcademy | Slot::SpecialMaintained => 7000,
            Slot::Pru | Slot::ApAcademy => 1100,
        };
        let next = numbers.entry(base).or_insert(base);
        *next += rng.random_range(1..=25);
        d.number = *next;
    }
}

fn school_name(rng: &mut Gen, d: &Draft, stem: &str, saints: &mut Vec<&str>) -> String {
    let patron = match d.faith {
        Some(_) => saints.pop().map(|s| format!("St {s}'s")),
        None => None,
    };
    let patron_or_stem = patron.as_deref().unwrap_or(stem);
    match (d.slot, d.faith) {
        (Slot::Primary, Some(Faith::Catholic)) => {
            format!("{patron_or_stem} Catholic Primary School")
        }
        (Slot::Primary, Some(Faith::ChurchOfEngland)) => {
            format!("{patron_or_stem} Church of England Primary School")
        }
        (Slot::Primary, None) if d.is_academy() => {
            let style = pick(rng, &["Primary School", "Primary Academy", "Academy"]);
            format!("{stem} {style}")
        }
        (Slot::Primary, None) => format!("{stem} Primary School"),
        (Slot::Secondary, Some(_)) => format!("{patron_or_stem} Catholic School"),
        (Slot::Secondary, None) if d.is_academy() => {
            let style = pick(rng, &["Academy", "School", "High School"]);
            format!("{stem} {style}")
        }
        (Slot::Secondary, None) => {
            let style = pick(rng, &["School", "High School", "Community College"]);
            format!("{stem} {style}")
        }
        (Slot::SpecialAcademy | Slot::SpecialMaintained, _) => format!("{stem} School"),
        (Slot::Pru, _) => format!("The {stem} Centre"),
        (Slot::ApAcademy, _) => format!("{stem} AP Academy"),
    }
}

/// URNs in a shuffled order, except that the new academies, whose URNs are
/// issued at conversion, carry the newest numbers; returned in URN order.
fn assign_urns(rng: &mut Gen, mut drafts: Vec<Draft>) -> Vec<Draft> {
    drafts.shuffle(rng);
    drafts.sort_by_key(|d| d.ofsted.is_none());
    for (i, d) in drafts.iter_mut().enumerate() {
        d.urn = FIRST_URN + i as u32;
    }
    drafts
}

// ---------------------------------------------------------------------------
// People

/// Hands out full names, unique within one sample while the lists allow.
#[derive(Default)]
struct People {
    used: HashSet<String>,
}

impl People {
    fn name(&mut self, rng: &mut Gen) -> String {
        let mut name = String::new();
        for _ in 0..50 {
            name = format!("{} {}", pick(rng, &FIRST_NAMES), pick(rng, &SURNAMES));
            if self.used.insert(name.clone()) {
                break;
            }
        }
        name
    }
}

fn make_heads(rng: &mut Gen, people: &mut People, schools: &[School]) -> Vec<Headteacher> {
    schools
        .iter()
        .map(|s| Headteacher {
            school: s.urn,
            name: people.name(rng),
            email: format!("head.{}@schools.example", s.urn),
        })
        .collect()
}

/// Phases the in-house officers cover: every phase by at least two people,
/// special schools and alternative provision included, so that one absence
/// never leaves a phase without an in-house adviser.
const OFFICER_PHASES: [&[PhaseGroup]; 4] = [
    &[PhaseGroup::Primary],
    &[PhaseGroup::Primary, PhaseGroup::SpecialAndAp],
    &[PhaseGroup::Secondary, PhaseGroup::SpecialAndAp],
    &[PhaseGroup::Primary, PhaseGroup::Secondary],
];

/// Four in-house LA officers (free, 20-30 days, more where the groups need
/// it), two TICs at £450 a day (one from a trust), an NLE at £500 who heads
/// an outstanding school (a good one if none is), and an Ofsted inspector at
/// £600.
fn make_advisers(
    rng: &mut Gen,
    people: &mut People,
    area: &Area,
    towns: &[Town],
    schools: &[School],
) -> Vec<Adviser> {
    // The council's offices are in the main town.
    let office = towns.first().map(|t| location(t.centre));
    let mut advisers: Vec<Adviser> = OFFICER_PHASES
        .iter()
        .map(|phases| {
            let mut a = adviser(rng, people, AdviserKind::LaOfficer, phases, 20..=30, 0.0);
            a.base = office;
            a
        })
        .collect();
    ensure_in_house_cover(&mut advisers, &adviser_demand(schools));

    let both = [PhaseGroup::Primary, PhaseGroup::Secondary];
    let mut tic = adviser(rng, people, AdviserKind::Tic, &both, 10..=20, 450.0);
    tic.base = Some(location(area.random_point(rng, 1_000)));
    advisers.push(tic);
    let mut trust_tic = adviser(
        rng,
        people,
        AdviserKind::Tic,
        &[PhaseGroup::Primary],
        10..=20,
        450.0,
    );
    trust_tic.linked_trust = largest_trust(schools);
    trust_tic.base = Some(location(area.random_point(rng, 1_000)));
    advisers.push(trust_tic);
    if let Some(school) = leader_schools(rng, schools, 1).first() {
        let group = [school.phase_group()];
        let mut leader = adviser(rng, people, AdviserKind::Nle, &group, 10..=15, 500.0);
        leader.linked_school = Some(school.urn);
        leader.linked_trust = school.trust.clone();
        leader.base = school.location;
        advisers.push(leader);
    }
    let all = [
        PhaseGroup::Primary,
        PhaseGroup::Secondary,
        PhaseGroup::SpecialAndAp,
    ];
    advisers.push(adviser(
        rng,
        people,
        AdviserKind::Inspector,
        &all,
        6..=10,
        600.0,
    ));
    for (i, a) in advisers.iter_mut().enumerate() {
        a.id = format!("adv-{:02}", i + 1);
        a.email = Some(address(&a.name, i, "advisers.example"));
    }
    advisers
}

fn adviser(
    rng: &mut Gen,
    people: &mut People,
    kind: AdviserKind,
    phases: &[PhaseGroup],
    days: std::ops::RangeInclusive<u32>,
    day_rate: f64,
) -> Adviser {
    Adviser {
        id: String::new(),
        name: people.name(rng),
        kind,
        phases: phases.to_vec(),
        capacity_days: rng.random_range(days),
        day_rate,
        base: None,
        linked_school: None,
        linked_trust: None,
        email: None,
    }
}

/// "amara.rowntree.1@advisers.example": from the name as people's
/// addresses are, numbered so that two people of one name differ.
fn address(name: &str, i: usize, domain: &str) -> String {
    let local: String = name
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .collect::<Vec<_>>()
        .join(".");
    format!("{local}.{}@{domain}", i + 1)
}

/// The trust with most schools (the alphabetically first on a tie).
fn largest_trust(schools: &[School]) -> Option<String> {
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for trust in schools.iter().filter_map(|s| s.trust.as_deref()) {
        *sizes.entry(trust).or_default() += 1;
    }
    let most = sizes.values().copied().max()?;
    sizes
        .into_iter()
        .find(|&(_, n)| n == most)
        .map(|(t, _)| t.to_string())
}

/// Group sizes a phase of `n` schools splits into: threes, and fours where
/// three does not divide (one or two schools alone cannot review).
pub fn group_sizes(n: usize) -> Vec<usize> {
    let threes = n / 3;
    match (n, n % 3) {
        (0 | 1, _) => vec![],
        (2, _) => vec![2],
        (5, _) => vec![5],
        (_, 0) => vec![3; threes],
        (_, 1) => [vec![3; threes - 1], vec![4]].concat(),
        _ => [vec![3; threes - 2], vec![4, 4]].concat(),
    }
}

/// Adviser days each phase's groups need in a year.
pub fn adviser_demand(schools: &[School]) -> BTreeMap<PhaseGroup, u32> {
    let mut counts: BTreeMap<PhaseGroup, usize> = BTreeMap::new();
    for s in schools {
        *counts.entry(s.phase_group()).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(g, n)| (g, group_sizes(n).len() as u32 * ADVISER_DAYS_PER_GROUP))
        .collect()
}

/// The first set of phases the in-house officers cannot cover, with the
/// officers able to help and the days missing: by Hall's theorem the
/// officers can serve every group exactly when no set of phases needs more
/// days than the officers covering any of those phases have.
fn in_house_shortfall(
    advisers: &[Adviser],
    demand: &BTreeMap<PhaseGroup, u32>,
) -> Option<(Vec<usize>, u32)> {
    let officers: Vec<usize> = (0..advisers.len())
        .filter(|&i| advisers[i].kind == AdviserKind::LaOfficer)
        .collect();
    let phases: Vec<PhaseGroup> = demand
        .iter()
        .filter(|&(g, &days)| days > 0 && officers.iter().any(|&i| advisers[i].phases.contains(g)))
        .map(|(&g, _)| g)
        .collect();
    (1u32..1 << phases.len()).find_map(|mask| {
        let set: Vec<PhaseGroup> = (0..phases.len())
            .filter(|b| mask & (1 << b) != 0)
            .map(|b| phases[b])
            .collect();
        let needed: u32 = set.iter().map(|g| demand[g]).sum();
        let covering: Vec<usize> = officers
            .iter()
            .copied()
            .filter(|&i| advisers[i].phases.iter().any(|g| set.contains(g)))
            .collect();
        let have: u32 = covering.iter().map(|&i| advisers[i].capacity_days).sum();
        (have < needed).then(|| (covering, needed - have))
    })
}

fn ensure_in_house_cover(advisers: &mut [Adviser], demand: &BTreeMap<PhaseGroup, u32>) {
    while let Some((covering, missing)) = in_house_shortfall(advisers, demand) {
        let each = missing.div_ceil(covering.len() as u32);
        for i in covering {
            advisers[i].capacity_days += each;
        }
    }
}

const TIC_RATES: [f64; 3] = [0.0, 400.0, 450.0];

/// Fifteen consultants: four TICs, nine SLEs and two NLEs.
fn sample_consultants(rng: &mut Gen, people: &mut People, schools: &[School]) -> Vec<Consultant> {
    let leaders = leader_schools(rng, schools, 2);
    let homes = home_schools(rng, schools, &leaders, 9);
    let mut consultants = Vec::new();
    // Two TICs the council employs, two it commissions.
    let mut rates = [0.0, 0.0, 400.0, 450.0];
    rates.shuffle(rng);
    for rate in rates {
        let name = people.name(rng);
        consultants.push(tic(rng, String::new(), name, schools, 40..=60, rate));
    }
    for school in homes {
        let name = people.name(rng);
        consultants.push(sle(rng, String::new(), name, school));
    }
    for school in leaders {
        let name = people.name(rng);
        consultants.push(nle(String::new(), name, school));
    }
    for (i, c) in consultants.iter_mut().enumerate() {
        c.id = format!("con-{:02}", i + 1);
        c.email = Some(address(&c.name, i, "consultants.example"));
    }
    consultants
}

/// Outstanding schools (good ones if too few) whose heads lead others.
fn leader_schools<'a>(rng: &mut Gen, schools: &'a [School], n: usize) -> Vec<&'a School> {
    let mut best: Vec<&School> = schools
        .iter()
        .filter(|s| s.ofsted == Some(OfstedGrade::Outstanding))
        .collect();
    best.shuffle(rng);
    let mut good: Vec<&School> = schools
        .iter()
        .filter(|s| s.ofsted == Some(OfstedGrade::Good))
        .collect();
    good.shuffle(rng);
    best.extend(good);
    best.truncate(n);
    best
}

/// `n` good or outstanding schools that release an SLE, other than the
/// leaders' schools, every phase first once so that each phase has someone;
/// schools repeat when `n` is larger than the list.
fn home_schools<'a>(
    rng: &mut Gen,
    schools: &'a [School],
    leaders: &[&School],
    n: usize,
) -> Vec<&'a School> {
    let taken: BTreeSet<Urn> = leaders.iter().map(|s| s.urn).collect();
    let mut strong: Vec<&School> = schools
        .iter()
        .filter(|s| s.ofsted.is_some_and(OfstedGrade::is_good_or_better) && !taken.contains(&s.urn))
        .collect();
    if strong.is_empty() {
        strong = schools.iter().collect();
    }
    strong.shuffle(rng);
    let mut seen = BTreeSet::new();
    let (firsts, rest): (Vec<&School>, Vec<&School>) = strong
        .into_iter()
        .partition(|s| seen.insert(s.phase_group()));
    let order: Vec<&School> = firsts.into_iter().chain(rest).collect();
    if order.is_empty() {
        return Vec::new();
    }
    order.iter().copied().cycle().take(n).collect()
}

/// The need areas that make sense for a phase: early years only where
/// there are young children.
fn areas_for(group: PhaseGroup) -> &'static [NeedArea] {
    use NeedArea::*;
    match group {
        PhaseGroup::Nursery => &[Eyfs, Send, Disadvantaged, Leadership, Governance],
        PhaseGroup::Primary => &NeedArea::ALL,
        PhaseGroup::Secondary => &[
            Maths,
            EnglishPhonics,
            Send,
            Disadvantaged,
            Attendance,
            Behaviour,
            Leadership,
            Governance,
            Assessment,
            Curriculum,
        ],
        PhaseGroup::SpecialAndAp => &[
            Send, Attendance, Behaviour, Leadership, Governance, Curriculum,
        ],
    }
}

/// `k` different areas valid for the phases, in the model's order.
fn some_areas(rng: &mut Gen, phases: &[PhaseGroup], k: usize) -> Vec<NeedArea> {
    let mut valid: Vec<NeedArea> = NeedArea::ALL
        .into_iter()
        .filter(|a| phases.iter().any(|&g| areas_for(g).contains(a)))
        .collect();
    valid.shuffle(rng);
    valid.truncate(k);
    valid.sort();
    valid
}

/// Mostly single-phase, as consultants build their standing in one phase.
fn tic_phases(rng: &mut Gen) -> Vec<PhaseGroup> {
    use PhaseGroup::*;
    let options: [&[PhaseGroup]; 4] = [
        &[Primary],
        &[Secondary],
        &[Primary, Secondary],
        &[Secondary, SpecialAndAp],
    ];
    options[weighted_index(rng, &[6, 2, 1, 1])].to_vec()
}

fn tic(
    rng: &mut Gen,
    id: String,
    name: String,
    schools: &[School],
    days: std::ops::RangeInclusive<u32>,
    day_rate: f64,
) -> Consultant {
    let phases = tic_phases(rng);
    let k = rng.random_range(2..=4);
    let specialisms = some_areas(rng, &phases, k);
    // Based near one of the schools they work with.
    let located: Vec<&Location> = schools.iter().filter_map(|s| s.location.as_ref()).collect();
    let base = if located.is_empty() {
        None
    } else {
        let (e, n) = point(located[rng.random_range(0..located.len())]);
        let de = (approx_normal(rng) * 2_000.0).round() as i64;
        let dn = (approx_normal(rng) * 2_000.0).round() as i64;
        Some(location(((e + de).max(0), (n + dn).max(0))))
    };
    Consultant {
        id,
        name,
        kind: ConsultantKind::Tic,
        specialisms,
        phases,
        days_available: rng.random_range(days),
        home_school: None,
        trust: None,
        base,
        day_rate,
        email: None,
    }
}

/// Released by their own school for about 15 days a year.
fn sle(rng: &mut Gen, id: String, name: String, school: &School) -> Consultant {
    let phases = vec![school.phase_group()];
    let k = rng.random_range(1..=2);
    let specialisms = some_areas(rng, &phases, k);
    Consultant {
        id,
        name,
        kind: ConsultantKind::Sle,
        specialisms,
        phases,
        days_available: 15,
        home_school: Some(school.urn),
        trust: school.trust.clone(),
        base: school.location,
        day_rate: 350.0,
        email: None,
    }
}

fn nle(id: String, name: String, school: &School) -> Consultant {
    Consultant {
        id,
        name,
        kind: ConsultantKind::Nle,
        specialisms: vec![NeedArea::Leadership, NeedArea::Governance],
        phases: vec![school.phase_group()],
        days_available: 20,
        home_school: Some(school.urn),
        trust: school.trust.clone(),
        base: school.location,
        day_rate: 500.0,
        email: None,
    }
}

// ---------------------------------------------------------------------------
// History, SSPB, need and last year's allocations

/// Groups of the two years before `year`: nearby same-phase schools in
/// threes (fours where needed), kept apart from their own trust where
/// possible, with an adviser who may serve them. A few schools opted out
/// each year, and the new academies were then under their old URNs.
fn make_history(
    rng: &mut Gen,
    year: i32,
    schools: &[School],
    advisers: &[Adviser],
) -> Vec<PastTriad> {
    let mut history = Vec::new();
    for y in [year - 2, year - 1] {
        history.extend(past_year(rng, y, schools, advisers));
    }
    // The older year's records are patchier: one adviser went unrecorded.
    let older: Vec<usize> = (0..history.len())
        .filter(|&i| history[i].year == year - 2)
        .collect();
    if !older.is_empty() {
        let i = pick(rng, &older);
        history[i].adviser = None;
    }
    history
}

fn past_year(rng: &mut Gen, year: i32, schools: &[School], advisers: &[Adviser]) -> Vec<PastTriad> {
    let mut days_left: Vec<u32> = advisers.iter().map(|a| a.capacity_days).collect();
    let mut groups = Vec::new();
    for (phase, prefix) in [
        (PhaseGroup::Primary, "P"),
        (PhaseGroup::Secondary, "S"),
        (PhaseGroup::SpecialAndAp, "A"),
        (PhaseGroup::Nursery, "N"),
    ] {
        let mut members: Vec<&School> = schools
            .iter()
            .filter(|s| s.phase_group() == phase && s.ofsted.is_some())
            .collect();
        if phase != PhaseGroup::SpecialAndAp {
            let opted_out = (members.len() * 6 + 50) / 100;
            members.shuffle(rng);
            members.truncate(members.len() - opted_out);
        }
        for (i, group) in nearby_groups(rng, members).into_iter().enumerate() {
            let adviser = past_adviser(advisers, &mut days_left, phase, &group);
            let mut urns: Vec<Urn> = group.iter().map(|s| s.urn).collect();
            urns.sort();
            groups.push(PastTriad {
                year,
                id: format!("{prefix}{:02}", i + 1),
                schools: urns,
                adviser,
            });
        }
    }
    groups
}

/// Greedy grouping from the outside in, so that the last groups are not the
/// stragglers scattered over the map: each group starts from one of the two
/// schools furthest from the middle of those left and adds the nearest,
/// preferring schools of another trust.
fn nearby_groups<'a>(rng: &mut Gen, members: Vec<&'a School>) -> Vec<Vec<&'a School>> {
    let sizes = group_sizes(members.len());
    let mut left = members;
    let mut groups = Vec::with_capacity(sizes.len());
    for size in sizes {
        let seed = outermost(rng, &left);
        let mut group = vec![left.remove(seed)];
        while group.len() < size && !left.is_empty() {
            let next = nearest_partner(&group, &left);
            group.push(left.remove(next));
        }
        groups.push(group);
    }
    groups
}

fn at(school: &School) -> Point {
    school.location.as_ref().map_or((0, 0), point)
}

fn centroid(schools: &[&School]) -> Point {
    let count = schools.len().max(1) as i64;
    let (east, north) = schools
        .iter()
        .map(|s| at(s))
        .fold((0, 0), |(e, n), p| (e + p.0, n + p.1));
    (east / count, north / count)
}

fn outermost(rng: &mut Gen, left: &[&School]) -> usize {
    let middle = centroid(left);
    let mut order: Vec<usize> = (0..left.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(distance2(at(left[i]), middle)), i));
    order[rng.random_range(0..order.len().min(2))]
}

fn nearest_partner(group: &[&School], left: &[&School]) -> usize {
    let middle = centroid(group);
    (0..left.len())
        .min_by_key(|&i| {
            let same_trust = group.iter().any(|g| g.same_trust(left[i]));
            (same_trust, distance2(at(left[i]), middle), i)
        })
        .unwrap_or(0)
}

/// In-house officers first, the one with most days left; commissioned
/// advisers, cheapest first, only when no officer can take the group.
fn past_adviser(
    advisers: &[Adviser],
    days_left: &mut [u32],
    phase: PhaseGroup,
    group: &[&School],
) -> Option<String> {
    let chosen = (0..advisers.len())
        .filter(|&i| {
            let a = &advisers[i];
            a.phases.contains(&phase)
                && days_left[i] >= ADVISER_DAYS_PER_GROUP
                && !group.iter().any(|s| a.conflicts_with(s))
        })
        .min_by_key(|&i| {
            let a = &advisers[i];
            let pence = (a.day_rate * 100.0).round() as i64;
            (
                a.kind != AdviserKind::LaOfficer,
                pence,
                std::cmp::Reverse(days_left[i]),
                i,
            )
        })?;
    days_left[chosen] -= ADVISER_DAYS_PER_GROUP;
    Some(advisers[chosen].id.clone())
}

/// The board categorises about two thirds of schools: always those graded
/// Inadequate or Requires improvement and those not yet graded, then good and
/// outstanding ones. Mostly the category follows Ofsted, but two good schools
/// whose results dipped are amber and one improved RI school is green.
fn make_sspb(rng: &mut Gen, schools: &[School]) -> Vec<(Urn, SspbCategory)> {
    let target = (schools.len() * 2).div_ceil(3);
    let mut categories: BTreeMap<Urn, SspbCategory> = BTreeMap::new();
    let mut weak: Vec<&School> = Vec::new();
    let mut strong: Vec<&School> = Vec::new();
    for s in schools {
        match s.ofsted {
            Some(OfstedGrade::Inadequate) => {
                categories.insert(s.urn, SspbCategory::Red);
            }
            Some(OfstedGrade::RequiresImprovement) => weak.push(s),
            Some(_) => strong.push(s),
            None => {
                categories.insert(s.urn, new_school_category(rng, s));
            }
        }
    }
    weak.shuffle(rng);
    for (i, s) in weak.iter().enumerate() {
        let improved = i == 0 && weak.len() >= 3;
        let category = if improved {
            SspbCategory::Green
        } else {
            SspbCategory::Amber
        };
        categories.insert(s.urn, category);
    }
    strong.shuffle(rng);
    let mut dipped = 0;
    for s in strong {
        if categories.len() >= target {
            break;
        }
        let category = if s.ofsted == Some(OfstedGrade::Good) && dipped < 2 {
            dipped += 1;
            SspbCategory::Amber
        } else {
            SspbCategory::Green
        };
        categories.insert(s.urn, category);
    }
    categories.into_iter().collect()
}

/// Sponsored academies replaced a failing school: amber, or red for one in
/// three. Converters were good schools: green, or amber for one in four.
fn new_school_category(rng: &mut Gen, school: &School) -> SspbCategory {
    let roll = rng.random_range(0..12);
    match (school.establishment_type == SPONSOR_LED, roll) {
        (true, 0..4) => SspbCategory::Red,
        (true, _) => SspbCategory::Amber,
        (false, 0..3) => SspbCategory::Amber,
        (false, _) => SspbCategory::Green,
    }
}

/// Areas of need by grade and category: three for Inadequate (leadership
/// first), two or three for Requires improvement, at most one for Good,
/// none for Outstanding; ungraded schools by their SSPB category.
fn make_need(rng: &mut Gen, schools: &[School], sspb: &[(Urn, SspbCategory)]) -> Vec<NeedEntry> {
    let category: BTreeMap<Urn, SspbCategory> = sspb.iter().copied().collect();
    let mut need = Vec::new();
    for s in schools {
        let (count, top) = match (s.ofsted, category.get(&s.urn)) {
            (Some(OfstedGrade::Inadequate), _) => (3, 1),
            (Some(OfstedGrade::RequiresImprovement), _) => (rng.random_range(2..=3), 1),
            (Some(OfstedGrade::Good), Some(SspbCategory::Amber)) => (1, 2),
            (Some(OfstedGrade::Good), _) => (usize::from(percent(rng, 40)), 3),
            (None, Some(SspbCategory::Red)) => (rng.random_range(2..=3), 1),
            (None, Some(SspbCategory::Amber)) => (rng.random_range(1..=2), 2),
            _ => (0, 3),
        };
        let mut areas = some_areas(rng, &[s.phase_group()], count);
        if s.ofsted == Some(OfstedGrade::Inadequate) {
            areas.retain(|&a| a != NeedArea::Leadership);
            areas.insert(0, NeedArea::Leadership);
            areas.truncate(count);
        }
        for (i, area) in areas.into_iter().enumerate() {
            need.push(NeedEntry {
                urn: s.urn,
                area,
                priority: if i == 0 { top } else { (top + 1).min(3) },
                note: percent(rng, 50).then(|| note(area, s.phase_group()).to_string()),
            });
        }
    }
    need
}

fn note(area: NeedArea, group: PhaseGroup) -> &'static str {
    match (area, group) {
        (NeedArea::Maths, PhaseGroup::Secondary) => "GCSE maths below the LA average",
        (NeedArea::Maths, _) => "Key stage 2 maths below the LA average",
        (NeedArea::EnglishPhonics, PhaseGroup::Secondary) => {
            "Many pupils arrive with low reading ages"
        }
        (NeedArea::EnglishPhonics, _) => "Phonics screening check results falling",
        (NeedArea::Eyfs, _) => "Good level of development below national",
        (NeedArea::Send, _) => "SEND register growing; provision maps need review",
        (NeedArea::Disadvantaged, _) => "Gap for disadvantaged pupils widening",
        (NeedArea::Attendance, _) => "Persistent absence above 20%",
        (NeedArea::Behaviour, _) => "Suspensions rising",
        (NeedArea::Leadership, _) => "New headteacher, middle leaders new to post",
        (NeedArea::Governance, _) => "Governing body needs strengthening",
        (NeedArea::Assessment, _) => "Assessment not yet consistent across year groups",
        (NeedArea::Curriculum, _) => "Foundation subjects' curriculum under review",
    }
}

/// About a dozen deployments of the year before: the most urgent needs first,
/// each to a consultant of that specialism and phase with days left and no
/// tie to the school; a 2-day diagnostic upwards.
fn make_last_allocations(
    rng: &mut Gen,
    year: i32,
    schools: &[School],
    consultants: &[Consultant],
    need: &[NeedEntry],
) -> Vec<PastAllocation> {
    const ROWS: usize = 12;
    let by_urn: BTreeMap<Urn, &School> = schools.iter().map(|s| (s.urn, s)).collect();
    let mut days_left: Vec<u32> = consultants.iter().map(|c| c.days_available).collect();
    let mut order: Vec<&NeedEntry> = need.iter().collect();
    order.sort_by_key(|e| (e.priority, e.urn, e.area));
    let mut allocations = Vec::new();
    for entry in order {
        if allocations.len() == ROWS {
            break;
        }
        let Some(school) = by_urn.get(&entry.urn) else {
            continue;
        };
        let able: Vec<usize> = (0..consultants.len())
            .filter(|&i| {
                let c = &consultants[i];
                c.specialisms.contains(&entry.area)
                    && c.phases.contains(&school.phase_group())
                    && days_left[i] >= 2
                    && !c.conflicts_with(school)
            })
            .collect();
        if able.is_empty() {
            continue;
        }
        let i = pick(rng, &able);
        let wanted = match entry.priority {
            1 => rng.random_range(4..=8),
            2 => rng.random_range(3..=5),
            _ => 2,
        };
        let days = wanted.min(days_left[i]);
        days_left[i] -= days;
        allocations.push(PastAllocation {
            year,
            consultant: consultants[i].id.clone(),
            urn: entry.urn,
            area: entry.area,
            days,
        });
    }
    allocations
}

// ---------------------------------------------------------------------------
// Writing the files

/// Quotes a field where CSV requires it (or always, as GIAS does).
fn quote(field: &str, always: bool) -> String {
    let needed = field.contains([',', '"', '\n', '\r']) || field.trim() != field;
    if always || needed {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

fn csv_text(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>, always: bool) -> String {
    let line = |fields: Vec<String>| {
        let quoted: Vec<String> = fields.iter().map(|f| quote(f, always)).collect();
        quoted.join(",") + "\n"
    };
    let header = line(header.iter().map(|h| h.to_string()).collect());
    rows.into_iter().map(line).fold(header, |text, l| text + &l)
}

fn opt<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(T::to_string).unwrap_or_default()
}

fn joined<T>(items: &[T], key: fn(&T) -> &'static str) -> String {
    let keys: Vec<&str> = items.iter().map(key).collect();
    keys.join(&formats::inputs::LIST_SEPARATOR.to_string())
}

fn coordinates(base: &Option<Location>) -> [String; 2] {
    match base {
        Some(l) => [l.easting.to_string(), l.northing.to_string()],
        None => [String::new(), String::new()],
    }
}

fn gias_csv(spec: &SampleSpec, towns: &[Town], drafts: &[Draft]) -> String {
    let rows = drafts.iter().map(|d| gias_row(spec, &towns[d.town], d));
    csv_text(&GIAS_COLUMNS, rows, true)
}

fn gias_row(spec: &SampleSpec, town: &Town, d: &Draft) -> Vec<String> {
    vec![
        d.urn.to_string(),
        spec.la_code.to_string(),
        spec.la_name.clone(),
        d.number.to_string(),
        d.name.clone(),
        d.establishment_type.to_string(),
        d.type_group.to_string(),
        "Open".to_string(),
        d.slot.phase().gias_name().to_string(),
        d.ages.0.to_string(),
        d.ages.1.to_string(),
        "Mixed".to_string(),
        d.religious_character().to_string(),
        d.pupils.to_string(),
        d.capacity.to_string(),
        (f64::from(d.fsm_tenths) / 10.0).to_string(),
        opt(&d.trust),
        d.postcode.clone(),
        town.name.to_string(),
        "East of England".to_string(),
        town.urban_rural.to_string(),
        d.at.0.to_string(),
        d.at.1.to_string(),
        d.last_inspection
            .map(|date| date.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        d.ofsted
            .map(|g| g.gias_name().to_string())
            .unwrap_or_default(),
    ]
}

fn heads_csv(heads: &[Headteacher]) -> String {
    let rows = heads
        .iter()
        .map(|h| vec![h.school.to_string(), h.name.clone(), h.email.clone()]);
    csv_text(&["urn", "name", "email"], rows, false)
}

fn advisers_csv(advisers: &[Adviser]) -> String {
    let header = [
        "id",
        "name",
        "kind",
        "phases",
        "capacity_days",
        "day_rate",
        "easting",
        "northing",
        "linked_school",
        "linked_trust",
        "email",
    ];
    let rows = advisers.iter().map(|a| {
        let [easting, northing] = coordinates(&a.base);
        vec![
            a.id.clone(),
            a.name.clone(),
            a.kind.key().to_string(),
            joined(&a.phases, |g| g.key()),
            a.capacity_days.to_string(),
            a.day_rate.to_string(),
            easting,
            northing,
            opt(&a.linked_school),
            opt(&a.linked_trust),
            opt(&a.email),
        ]
    });
    csv_text(&header, rows, false)
}

fn consultants_csv(consultants: &[Consultant]) -> String {
    let header = [
        "id",
        "name",
        "kind",
        "specialisms",
        "phases",
        "days_available",
        "home_school",
        "trust",
        "easting",
        "northing",
        "day_rate",
        "email",
    ];
    let rows = consultants.iter().map(|c| {
        let [easting, northing] = coordinates(&c.base);
        vec![
            c.id.clone(),
            c.name.clone(),
            c.kind.key().to_string(),
            joined(&c.specialisms, |a| a.key()),
            joined(&c.phases, |g| g.key()),
            c.days_available.to_string(),
            opt(&c.home_school),
            opt(&c.trust),
            easting,
            northing,
            c.day_rate.to_string(),
            opt(&c.email),
        ]
    });
    csv_text(&header, rows, false)
}

fn history_csv(history: &[PastTriad]) -> String {
    let rows = history.iter().flat_map(|g| {
        g.schools.iter().map(|urn| {
            vec![
                g.year.to_string(),
                g.id.clone(),
                urn.to_string(),
                opt(&g.adviser),
            ]
        })
    });
    csv_text(&["year", "group_id", "urn", "adviser"], rows, false)
}

fn sspb_csv(sspb: &[(Urn, SspbCategory)]) -> String {
    let rows = sspb
        .iter()
        .map(|(urn, c)| vec![urn.to_string(), c.key().to_string()]);
    csv_text(&["urn", "category"], rows, false)
}

fn need_csv(need: &[NeedEntry]) -> String {
    let rows = need.iter().map(|e| {
        vec![
            e.urn.to_string(),
            e.area.key().to_string(),
            e.priority.to_string(),
            opt(&e.note),
        ]
    });
    csv_text(&["urn", "area", "priority", "note"], rows, false)
}

fn last_allocations_csv(allocations: &[PastAllocation]) -> String {
    let rows = allocations.iter().map(|a| {
        vec![
            a.year.to_string(),
            a.consultant.clone(),
            a.urn.to_string(),
            a.area.key().to_string(),
            a.days.to_string(),
        ]
    });
    csv_text(&["year", "consultant", "urn", "area", "days"], rows, false)
}

// ---------------------------------------------------------------------------
// Word lists: invented names, or generic words and saints' names that name
// no particular real school.

const SCHOOL_STEMS: [&str; 80] = [
    "Orchard Lane",
    "Willowbrook",
    "Kestrel Way",
    "Hawthorn",
    "Meadowside",
    "Bramble Hill",
    "Chalk Hill",
    "Riverside",
    "Larkfield",
    "Foxglove",
    "Elm Tree",
    "Beechwood",
    "Alder Brook",
    "Mill Green",
    "Marsh Farm",
    "Saltings",
    "Cedar Park",
    "Oakfield",
    "Ferry Road",
    "Harbour View",
    "Wharf Lane",
    "Poplar Grove",
    "Rowan Tree",
    "Linden Road",
    "Holly Bank",
    "Sandpiper",
    "Kingfisher",
    "Wrenfield",
    "Badger Hill",
    "Thistledown",
    "Clover Fields",
    "Bluebell Wood",
    "Cherry Tree",
    "Juniper",
    "Maple Walk",
    "Ashgrove",
    "Birchwood",
    "Hazel End",
    "Lime Tree",
    "Sycamore",
    "Quarry Hill",
    "Tollgate",
    "Windmill Hill",
    "Seawall",
    "Creekside",
    "Eastgate",
    "Westfield",
    "Northmead",
    "Southview",
    "Church Lane",
    "Station Road",
    "Heron Way",
    "Marigold",
    "Skylark",
    "Moorhen",
    "Reedbeds",
    "Lapwing",
    "Shingle Bank",
    "Anchor Lane",
    "Lighthouse Road",
    "Chestnut Grove",
    "Hornbeam",
    "Fennel Green",
    "Copper Beech",
    "Brook Meadow",
    "Pond Lane",
    "Spring Vale",
    "Long Acre",
    "Barley Fields",
    "Oast House",
    "Barge Lane",
    "Tidemill",
    "Samphire",
    "Gull Point",
    "Puffin Way",
    "Cormorant",
    "Dunlin",
    "Whitethorn",
    "Greenway",
    "Hilltop",
];

const SAINTS: [&str; 16] = [
    "Aidan",
    "Bede",
    "Chad",
    "Cuthbert",
    "Hilda",
    "Swithun",
    "Alban",
    "Columba",
    "Brigid",
    "Winifred",
    "Edmund",
    "Oswald",
    "Botolph",
    "Cedd",
    "Ethelburga",
    "Osyth",
];

const TRUST_STEMS: [&str; 26] = [
    "RIVERSIDE",
    "KESTREL",
    "WILLOW",
    "SALTMARSH",
    "HORIZON",
    "BEACON",
    "COMPASS",
    "LODESTAR",
    "EVERGREEN",
    "TIDEWAY",
    "HARBOUR",
    "ESTUARY",
    "MERIDIAN",
    "PATHFINDER",
    "BRIGHTER FUTURES",
    "CORNERSTONE",
    "LANTERN",
    "SKYLARK",
    "HERON",
    "FLINT",
    "OAKTREE",
    "NORTH STAR",
    "SEAGATE",
    "THAMESBURY",
    "SALTMERE",
    "HOLLOWFIELD",
];

const TRUST_SUFFIXES: [&str; 6] = [
    "LEARNING TRUST",
    "ACADEMY TRUST",
    "EDUCATION TRUST",
    "MULTI ACADEMY TRUST",
    "SCHOOLS TRUST",
    "PARTNERSHIP TRUST",
];

const FIRST_NAMES: [&str; 40] = [
    "Alice", "Amara", "Ben", "Chloe", "Daniel", "Deepa", "Eleanor", "Femi", "Grace", "Hassan",
    "Imogen", "James", "Joanna", "Kwame", "Laura", "Marcus", "Nadia", "Oliver", "Priya", "Rachel",
    "Samuel", "Tariq", "Una", "Victor", "Wendy", "Yusuf", "Zoe", "Harriet", "Tom", "Megan",
    "Rohan", "Bethan", "Ciaran", "Esther", "Gareth", "Helen", "Ibrahim", "Kate", "Lewis", "Mei",
];

const SURNAMES: [&str; 40] = [
    "Ashworth",
    "Bello",
    "Carver",
    "Dalton",
    "Ellery",
    "Fairbairn",
    "Gill",
    "Hartley",
    "Ince",
    "Jaworski",
    "Kaur",
    "Lambert",
    "Mensah",
    "Norcross",
    "Okafor",
    "Pemberton",
    "Quayle",
    "Rahman",
    "Stirling",
    "Thorne",
    "Underwood",
    "Varga",
    "Whitlock",
    "Yeung",
    "Abbott",
    "Brennan",
    "Chowdhury",
    "Driscoll",
    "Fenwick",
    "Greaves",
    "Holloway",
    "Iqbal",
    "Keane",
    "Lowry",
    "Marsh",
    "Nwosu",
    "Oduya",
    "Prescott",
    "Rowntree",
    "Sutcliffe",
];

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use formats::inputs;

    fn sample() -> Sample {
        generate(&SampleSpec::default())
    }

    fn committed_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/sample")
    }

    /// Writes the committed sample; run after changing the generator with
    /// `cargo test -p sample regenerate_sample -- --ignored`.
    #[test]
    #[ignore]
    fn regenerate_sample() {
        write_sample(&sample(), &committed_dir()).unwrap();
    }

    #[test]
    fn the_committed_sample_is_what_the_generator_makes() {
        for (name, text) in render_sample(&sample()) {
            let path = committed_dir().join(name);
            let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!(
                    "{}: {e}; run `cargo test -p sample regenerate_sample -- --ignored`",
                    path.display()
                )
            });
            // A checkout may have turned LF into CRLF.
            assert!(
                committed.replace("\r\n", "\n") == text,
                "data/sample/{name} differs from the generator's output; \
                 run `cargo test -p sample regenerate_sample -- --ignored`"
            );
        }
    }

    #[test]
    fn the_same_spec_gives_the_same_sample_and_another_seed_another() {
        let spec = SampleSpec::default();
        assert_eq!(generate(&spec), generate(&spec));
        let other = generate(&SampleSpec {
            seed: 7,
            ..SampleSpec::default()
        });
        assert_ne!(other.schools_csv, generate(&spec).schools_csv);
        assert_eq!(other.schools.len(), 56);
    }

    #[test]
    fn files_read_back_through_the_input_readers() {
        let s = sample();
        let dir = std::env::temp_dir().join(format!("synth-round-trip-{}", std::process::id()));
        write_sample(&s, &dir).unwrap();
        let heads = inputs::read_heads(&dir.join("heads.csv")).unwrap();
        let advisers = inputs::read_advisers(&dir.join("advisers.csv")).unwrap();
        let consultants = inputs::read_consultants(&dir.join("consultants.csv")).unwrap();
        let history = inputs::read_history(&dir.join("history.csv")).unwrap();
        let sspb = inputs::read_sspb(&dir.join("sspb.csv")).unwrap();
        let need = inputs::read_need(&dir.join("need.csv")).unwrap();
        let allocations = inputs::read_last_allocations(&dir.join("last_allocations.csv")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(heads, s.heads);
        assert_eq!(advisers, s.advisers);
        assert_eq!(consultants, s.consultants);
        assert_eq!(history, s.history);
        assert_eq!(sspb, s.sspb);
        assert_eq!(need, s.need);
        assert_eq!(allocations, s.last_allocations);
    }

    #[test]
    fn schools_csv_imports_through_the_gias_importer() {
        let s = sample();
        let dir = std::env::temp_dir().join(format!("synth-gias-{}", std::process::id()));
        write_sample(&s, &dir).unwrap();
        let options = formats::gias::ImportOptions { las: vec![] };
        let import = formats::gias::import_gias_file(&dir.join("schools.csv"), &options);
        std::fs::remove_dir_all(&dir).unwrap();
        let import = import.unwrap();
        assert_eq!(import.rows_read, 56);
        assert!(import.skipped.is_empty(), "{:?}", import.skipped);
        assert!(import.absent_columns.is_empty());
        assert_eq!(import.schools, s.schools);
        let count = |phase| s.schools.iter().filter(|x| x.phase == phase).count();
        assert_eq!(count(Phase::Primary), 39);
        assert_eq!(count(Phase::Secondary), 13);
        assert_eq!(count(Phase::NotApplicable), 4);
        // The only gaps are the new academies' missing grades.
        let ungraded = s.schools.iter().filter(|x| x.ofsted.is_none()).count();
        assert_eq!(import.warnings.len(), ungraded, "{:?}", import.warnings);
    }

    #[test]
    fn gias_header_and_quoting_follow_the_dfe_file() {
        let s = sample();
        let header = s.schools_csv.lines().next().unwrap();
        let expected: Vec<String> = GIAS_COLUMNS.iter().map(|c| format!("\"{c}\"")).collect();
        assert_eq!(header, expected.join(","));
        assert_eq!(s.schools_csv.lines().count(), 57);
    }

    #[test]
    fn schools_look_like_a_small_unitary_authority() {
        let s = sample();
        let area = Area::of(&SampleSpec::default());
        let urns: BTreeSet<Urn> = s.schools.iter().map(|x| x.urn).collect();
        assert_eq!(urns.len(), 56);
        assert!(urns
            .iter()
            .all(|u| (FIRST_URN..FIRST_URN + 56).contains(&u.0)));
        for school in &s.schools {
            let (e, n) = at(school);
            assert!((area.west..=area.east).contains(&e) && (area.south..=area.north).contains(&n));
            let pupils = school.pupils.unwrap();
            let range = match (school.phase, school.establishment_type.as_str()) {
                (Phase::Primary, _) => 90..=630,
                (Phase::Secondary, _) => 600..=1800,
                (_, "Pupil referral unit" | "Academy alternative provision sponsor led") => 15..=80,
                _ => 60..=250,
            };
            assert!(
                range.contains(&pupils),
                "{} has {pupils} pupils",
                school.name
            );
            let fsm = school.fsm_percent.unwrap();
            assert!((5.0..=55.0).contains(&fsm), "{} FSM {fsm}", school.name);
            let academy = school.establishment_type.starts_with("Academy")
                || school.establishment_type.starts_with("Free");
            assert_eq!(academy, school.trust.is_some(), "{}", school.name);
            assert_eq!(school.ofsted.is_some(), school.last_inspection.is_some());
            if school.ofsted.is_none() {
                assert!([CONVERTER, SPONSOR_LED].contains(&school.establishment_type.as_str()));
            }
        }
        let special: Vec<&str> = s
            .schools
            .iter()
            .filter(|x| x.phase == Phase::NotApplicable)
            .map(|x| x.establishment_type.as_str())
            .collect();
        let pru = special
            .iter()
            .filter(|t| **t == "Pupil referral unit")
            .count();
        let ap = special
            .iter()
            .filter(|t| t.contains("alternative provision"))
            .count();
        assert_eq!((special.len() - pru - ap, pru, ap), (2, 1, 1));
        let names: BTreeSet<&str> = s.schools.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names.len(), 56);
    }

    #[test]
    fn trusts_and_grades_have_england_s_proportions() {
        let s = sample();
        let in_trust = s.schools.iter().filter(|x| x.trust.is_some()).count();
        assert!(
            (28..=34).contains(&in_trust),
            "{in_trust} schools in trusts"
        );
        let trusts: BTreeSet<&str> = s
            .schools
            .iter()
            .filter_map(|x| x.trust.as_deref())
            .collect();
        assert!((17..=21).contains(&trusts.len()), "{} trusts", trusts.len());
        assert!(trusts.iter().all(|t| t.to_uppercase() == *t));
        let grade = |g| s.schools.iter().filter(|x| x.ofsted == g).count();
        assert_eq!(grade(Some(OfstedGrade::Outstanding)), 8);
        assert_eq!(grade(Some(OfstedGrade::Good)), 34);
        assert_eq!(grade(Some(OfstedGrade::RequiresImprovement)), 8);
        assert_eq!(grade(Some(OfstedGrade::Inadequate)), 2);
        assert_eq!(grade(None), 4);
        assert!(s.schools.iter().any(|x| x.religious_character.is_some()));
    }

    #[test]
    fn people_are_complete_and_in_house_advisers_cover_every_group() {
        let s = sample();
        assert_eq!(s.heads.len(), 56);
        assert!(s
            .heads
            .iter()
            .all(|h| h.email == format!("head.{}@schools.example", h.school)));
        assert_eq!(s.advisers.len(), 8);
        let officers: Vec<&Adviser> = s
            .advisers
            .iter()
            .filter(|a| a.kind == AdviserKind::LaOfficer)
            .collect();
        assert_eq!(officers.len(), 4);
        assert!(officers
            .iter()
            .all(|a| a.day_rate == 0.0 && a.capacity_days >= 20));
        let special = officers
            .iter()
            .filter(|a| a.phases.contains(&PhaseGroup::SpecialAndAp))
            .count();
        assert!(special >= 2);
        let demand = adviser_demand(&s.schools);
        assert_eq!(demand.values().sum::<u32>(), 18 * ADVISER_DAYS_PER_GROUP);
        assert_eq!(in_house_shortfall(&s.advisers, &demand), None);
        let nle = s
            .advisers
            .iter()
            .find(|a| a.kind == AdviserKind::Nle)
            .unwrap();
        assert!(s.schools.iter().any(|x| Some(x.urn) == nle.linked_school));
    }

    #[test]
    fn consultants_are_tics_sles_and_nles_as_specified() {
        let s = sample();
        let kind = |k| s.consultants.iter().filter(|c| c.kind == k).count();
        assert_eq!(
            (
                kind(ConsultantKind::Tic),
                kind(ConsultantKind::Sle),
                kind(ConsultantKind::Nle)
            ),
            (4, 9, 2)
        );
        for c in &s.consultants {
            match c.kind {
                ConsultantKind::Tic => {
                    assert!((40..=60).contains(&c.days_available));
                    assert!((2..=4).contains(&c.specialisms.len()));
                }
                ConsultantKind::Sle => {
                    let home = s
                        .schools
                        .iter()
                        .find(|x| Some(x.urn) == c.home_school)
                        .unwrap();
                    assert_eq!(c.trust, home.trust);
                    assert_eq!(c.days_available, 15);
                    assert_eq!(c.day_rate, 350.0);
                }
                ConsultantKind::Nle => assert_eq!(c.days_available, 20),
            }
        }
    }

    #[test]
    fn history_groups_nearby_same_phase_schools_of_two_years() {
        let s = sample();
        let by_urn: BTreeMap<Urn, &School> = s.schools.iter().map(|x| (x.urn, x)).collect();
        for year in [2024, 2025] {
            let groups: Vec<&PastTriad> = s.history.iter().filter(|g| g.year == year).collect();
            let covered: usize = groups.iter().map(|g| g.schools.len()).sum();
            assert!(covered >= 45, "{year}: {covered} schools in groups");
            for g in groups {
                assert!((3..=4).contains(&g.schools.len()), "{g:?}");
                let phases: BTreeSet<PhaseGroup> =
                    g.schools.iter().map(|u| by_urn[u].phase_group()).collect();
                assert_eq!(phases.len(), 1, "{g:?}");
            }
        }
        let unrecorded = s.history.iter().filter(|g| g.adviser.is_none()).count();
        assert_eq!(unrecorded, 1);
    }

    #[test]
    fn sspb_need_and_allocations_follow_the_grades() {
        let s = sample();
        let by_urn: BTreeMap<Urn, &School> = s.schools.iter().map(|x| (x.urn, x)).collect();
        assert!(
            (34..=40).contains(&s.sspb.len()),
            "{} categorised",
            s.sspb.len()
        );
        let categorised: BTreeSet<Urn> = s.sspb.iter().map(|(u, _)| *u).collect();
        assert!(s
            .schools
            .iter()
            .filter(|x| x.ofsted.is_none())
            .all(|x| categorised.contains(&x.urn)));
        let mut areas: BTreeMap<Urn, usize> = BTreeMap::new();
        for e in &s.need {
            *areas.entry(e.urn).or_default() += 1;
            let school = by_urn[&e.urn];
            assert!(areas_for(school.phase_group()).contains(&e.area), "{e:?}");
        }
        for school in &s.schools {
            let n = areas.get(&school.urn).copied().unwrap_or(0);
            let allowed = match school.ofsted {
                Some(OfstedGrade::Inadequate | OfstedGrade::RequiresImprovement) => 2..=3,
                Some(OfstedGrade::Good) => 0..=1,
                Some(OfstedGrade::Outstanding) => 0..=0,
                None => 0..=3,
            };
            assert!(allowed.contains(&n), "{} has {n} needs", school.name);
        }
        assert_eq!(s.last_allocations.len(), 12);
        for a in &s.last_allocations {
            let c = s.consultants.iter().find(|c| c.id == a.consultant).unwrap();
            assert!(!c.conflicts_with(by_urn[&a.urn]));
            assert!(c.specialisms.contains(&a.area));
            assert_eq!(a.year, 2025);
        }
    }

    #[test]
    fn group_sizes_use_fours_only_where_three_does_not_divide() {
        assert_eq!(group_sizes(39), vec![3; 13]);
        assert_eq!(group_sizes(13), vec![3, 3, 3, 4]);
        assert_eq!(group_sizes(4), vec![4]);
        assert_eq!(group_sizes(8), vec![4, 4]);
        assert_eq!(group_sizes(1), Vec::<usize>::new());
    }

    #[test]
    fn a_consultant_pool_spreads_over_the_schools() {
        let s = sample();
        let pool = generate_consultant_pool(&s.schools, 200, 1);
        assert_eq!(pool.len(), 200);
        assert_eq!(pool, generate_consultant_pool(&s.schools, 200, 1));
        let ids: BTreeSet<&str> = pool.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids.len(), 200);
        for c in &pool {
            match c.kind {
                ConsultantKind::Tic => assert!((30..=60).contains(&c.days_available)),
                _ => {
                    let home = s
                        .schools
                        .iter()
                        .find(|x| Some(x.urn) == c.home_school)
                        .unwrap();
                    assert_eq!(c.trust, home.trust);
                }
            }
        }
        let sles = pool
            .iter()
            .filter(|c| c.kind == ConsultantKind::Sle)
            .count();
        assert!((120..=140).contains(&sles), "{sles} SLEs");
        let alone = generate_consultant_pool(&[], 5, 1);
        assert!(alone
            .iter()
            .all(|c| c.kind == ConsultantKind::Tic && c.base.is_none()));
    }
}
