//! The rules form: every item of `[triads]`, `[schedule]` and
//! `[allocation]` with its label, unit and one sentence, read from and
//! written back to the rules file (TOML stays the format the year keeps and
//! the SIM can download). `RULES` is the one list of the form; a test walks
//! the rules structs' defaults so that a new item cannot be left off it.

use std::collections::BTreeMap;

use optimiser::allocate::AllocationRules;
use optimiser::model::AdviserKind;
use optimiser::schedule::ScheduleRules;
use optimiser::triads::TriadRules;
use toml::{Table, Value};

use super::year_form::FieldErrors;
use crate::caller::SimYear;
use crate::error::{AppError, AppResult};
use crate::years::{self, RulesSaved};
use store::Db;

/// How an item is typed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Input {
    Number,
    Whole,
    /// Yes or no.
    Switch,
    /// One of these values, each with its words.
    Choice(&'static [(&'static str, &'static str)]),
    /// Any of the adviser kinds.
    AdviserKinds,
    /// A number, or empty for no limit.
    OptionalNumber,
    OptionalWhole,
}

/// One item of the rules file.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The table as the file spells it (`triads.weights`), as `RuleFault`
    /// names it.
    pub table: &'static str,
    pub item: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub about: &'static str,
    pub input: Input,
}

impl Rule {
    /// The form field's name and id: `triads.weights.travel_km`.
    pub fn id(&self) -> String {
        format!("{}.{}", self.table, self.item)
    }
}

/// The form's sections, in order: the table, its heading, one sentence.
pub const SECTIONS: &[(&str, &str, &str)] = &[
    ("triads", "Forming groups", "Which schools may be grouped together, and how the groups get advisers."),
    ("triads.weights", "What grouping weighs", "Grouping chooses the plan with the fewest points; each of these turns one cost into points."),
    ("schedule", "Dating reviews", "How the reviews of the groups are given dates."),
    ("schedule.weights", "What dating weighs", "Dating chooses the schedule with the fewest points."),
    ("allocation", "Allocating consultants' days", "How consultants' days are given to schools by need."),
    ("allocation.tier_days", "Days of support by tier", "The most days of support a school of each tier may receive this year."),
    ("allocation.weights", "What allocation weighs", "Allocation chooses the allocation with the most points."),
];

const TRUST: &[(&str, &str)] = &[
    ("forbid", "Never in one group"),
    ("penalise", "Allowed, at a cost in points"),
    ("allow", "No rule"),
];
const NO_DATES: &[(&str, &str)] = &[
    ("wait", "Group them and wait for their dates"),
    ("leave_out", "Leave their school out"),
];
const PRESENCE: &[(&str, &str)] = &[
    ("every_review", "Every review of the group"),
    ("one_review", "One review of the group"),
];

const fn r(
    table: &'static str,
    item: &'static str,
    label: &'static str,
    unit: &'static str,
    about: &'static str,
    input: Input,
) -> Rule {
    Rule {
        table,
        item,
        label,
        unit,
        about,
        input,
    }
}

use Input::*;

/// Every item of the form, by section.
pub const RULES: &[Rule] = &[
    r("triads", "group_size", "Usual group size", "schools", "Only 3 is supported; a group of four is formed where a school would otherwise be left out.", Whole),
    r("triads", "allow_groups_of_four", "Groups of four", "", "Whether a group of four may be formed where otherwise a school would be left out.", Switch),
    r("triads", "max_distance_km", "Furthest apart", "km", "The furthest, in a straight line, any two schools of a group may be from each other.", Number),
    r("triads", "unknown_distance_km", "Distance where a location is missing", "km", "The travel assumed between two schools of the authority when either has no location.", Number),
    r("triads", "trust", "Two schools of the same trust", "", "Whether two schools of one multi-academy trust may review each other (professional distance).", Choice(TRUST)),
    r("triads", "history_years", "Years before partners meet again", "years", "Two schools grouped together in this many most recent years are not grouped again; 0 means no such rule.", Whole),
    r("triads", "require_good_school", "Ask for a Good or Outstanding school", "", "Prefer groups with at least one school graded Good or Outstanding.", Switch),
    r("triads", "review_days", "Length of a review", "days", "How many days one review takes each visiting head and the adviser.", Whole),
    r("triads", "common_dates_wanted", "Dates two heads should share", "school days", "How many school days two heads of a group should both be free; each day short costs points.", Whole),
    r("triads", "adviser_kinds", "Who may advise a group", "", "The kinds of external adviser that may support a group.", AdviserKinds),
    r("triads", "adviser_budget", "Budget for advisers", "pounds", "What the council may spend on advisers' day rates this year; 0 uses only advisers who cost nothing.", Number),
    r("triads", "time_limit_seconds", "Time for grouping", "seconds", "How long grouping may improve each part of the plan before it stops.", Number),
    r("triads", "region_size", "Largest part solved whole", "schools", "Parts of the map with more schools than this are solved region by region, for national runs.", Whole),
    r("triads", "seed", "Tie-breaking number", "", "Breaks ties the same way every time, so that the same inputs give the same plan.", Whole),
    r("triads", "no_availability", "A head who has not given dates", "", "What grouping and dating do with a school whose head gave no dates while others did.", Choice(NO_DATES)),
    r("triads", "adviser_presence", "Reviews the adviser attends", "", "Every review of their group, or one review (the others are dated on the heads' dates alone).", Choice(PRESENCE)),
    r("triads.weights", "travel_km", "Heads' travel", "points per km", "Points for each km a visiting head travels, one way.", Number),
    r("triads.weights", "size_gap_pct", "Difference in size", "points per percentage point", "Points for each percentage point two schools of a group differ in pupils, as a share of the larger.", Number),
    r("triads.weights", "fsm_gap_pts", "Difference in free school meals", "points per percentage point", "Points for each percentage point two schools of a group differ in pupils eligible for free school meals.", Number),
    r("triads.weights", "no_good_school", "No Good or Outstanding school", "points", "Points for a group without a Good or Outstanding school, when one is asked for.", Number),
    r("triads.weights", "same_trust", "Two schools of one trust", "points", "Points for each pair of schools of one trust in a group, when they are allowed at a cost.", Number),
    r("triads.weights", "group_of_four", "A group of four", "points", "Points for each group of four, so that fours are formed only to place a school.", Number),
    r("triads.weights", "unplaced", "A school left out", "points", "Points for each taking-part school left out of every group; far above the rest, so that placing schools comes first.", Number),
    r("triads.weights", "keep_previous", "Keeping a published group", "points", "Points saved for each group of the published plan kept as it was.", Number),
    r("triads.weights", "no_adviser", "A group without an adviser", "points", "Points for each group left without an adviser.", Number),
    r("triads.weights", "adviser_travel_km", "Advisers' travel", "points per km", "Points for each km between an adviser's base and the schools of their group.", Number),
    r("triads.weights", "adviser_continuity", "Last year's adviser", "points", "Points saved for giving a group an adviser who advised one of its schools last year.", Number),
    r("triads.weights", "adviser_cost_per_pound", "Advisers' cost", "points per pound", "Points for each pound the council pays advisers.", Number),
    r("triads.weights", "few_common_dates", "Too few shared dates", "points per day", "Points for each day two heads of a group share short of the number wanted.", Number),
    r("triads.weights", "awaiting_pair", "A head waiting on another's dates", "points", "Points for each pair of heads in a group where one has given dates and the other none yet, so that heads who have not answered are grouped together where the other rules allow and fewer heads wait on them.", Number),
    r("triads.weights", "undated_review", "A review that cannot be dated", "points", "Points for each review of a group that its heads cannot all keep on the dates they gave; 0 turns this off.", Number),
    r("schedule", "max_days_per_half_term", "Review days per half-term", "days", "The most review days one person takes part in per half-term, hosting, visiting or advising.", Whole),
    r("schedule", "min_days_between_group_reviews", "Days between a group's reviews", "days", "The fewest days between the starts of two reviews of one group.", Whole),
    r("schedule", "reassign_advisers", "Change advisers where dates decide", "", "Give a group another adviser where its own cannot come on the heads' dates, and one to a group without where one fits.", Switch),
    r("schedule", "time_limit_seconds", "Time for dating", "seconds", "How long dating may improve each part of the schedule before it stops.", Number),
    r("schedule", "mip_rel_gap", "Dating precision", "share", "How close to the best schedule dating must prove it is before it stops; 0.0001 is within a hundredth of a percent.", Number),
    r("schedule.weights", "unscheduled", "A review without a date", "points", "Points for each review left without a date; far above the rest, so that dating reviews comes first.", Number),
    r("schedule.weights", "possible_day", "A day marked only possible", "points per person-day", "Points for each person on a review day they marked possible rather than preferred.", Number),
    r("schedule.weights", "moved", "Moving a published date", "points", "Points for moving a review from its published date while that date still works for everyone.", Number),
    r("schedule.weights", "adviser_released", "Letting an adviser go", "points", "Points for dating a group's reviews without its adviser, where the adviser cannot come on enough of the dates its heads can keep; a little below one review without a date, so an adviser goes where that dates one more.", Number),
    r("allocation", "ungraded_tier", "Tier of an ungraded school", "tier", "The tier (1 most concern to 4 least) of a school with neither an Ofsted grade nor an SSPB category.", Whole),
    r("allocation", "sspb_moves_tier", "SSPB category moves the tier", "", "Red moves a school one tier towards more support, green one tier towards less, amber not at all.", Switch),
    r("allocation", "max_travel_km", "Furthest a consultant travels", "km", "The furthest, in a straight line, a consultant is sent to a school.", Number),
    r("allocation", "unknown_distance_km", "Distance where a location is missing", "km", "The travel assumed when a consultant's base or a school's location is unknown.", Number),
    r("allocation", "max_candidates_per_need", "Nearest consultants considered", "consultants", "If given, each need may be met only by this many of the nearest qualified consultants; leave empty for no limit.", OptionalWhole),
    r("allocation", "min_days_per_deployment", "Fewest days per deployment", "days", "The fewest days a consultant gives a school once sent there (a diagnostic visit is two days).", Whole),
    r("allocation", "preferred_max_consultants", "Consultants per school", "consultants", "Consultants a school may have before each further one costs points.", Whole),
    r("allocation", "budget", "Budget for consultants", "pounds", "The most the council spends on consultants' day rates; leave empty for no limit.", OptionalNumber),
    r("allocation", "time_limit_seconds", "Time for allocation", "seconds", "How long allocation may search before it stops with the best found.", Number),
    r("allocation", "mip_rel_gap", "Allocation precision", "share", "How close to the best allocation the search must prove it is before it stops.", Number),
    r("allocation", "direct_mip_max_arcs", "Largest part solved in one step", "links", "Parts with more consultant-to-school links than this are solved in two steps; a setting of the solver, not a rule.", Whole),
    r("allocation.tier_days", "tier1", "Tier 1 (most concern)", "days", "The most days of support a tier 1 school may receive this year.", Whole),
    r("allocation.tier_days", "tier2", "Tier 2", "days", "The most days of support a tier 2 school may receive this year.", Whole),
    r("allocation.tier_days", "tier3", "Tier 3", "days", "The most days of support a tier 3 school may receive this year.", Whole),
    r("allocation.tier_days", "tier4", "Tier 4 (least concern)", "days", "The most days of support a tier 4 school may receive this year.", Whole),
    r("allocation.weights", "tier1", "A day of need met at tier 1", "points per day", "Points for each day of need met at a tier 1 school.", Number),
    r("allocation.weights", "tier2", "A day of need met at tier 2", "points per day", "Points for each day of need met at a tier 2 school.", Number),
    r("allocation.weights", "tier3", "A day of need met at tier 3", "points per day", "Points for each day of need met at a tier 3 school.", Number),
    r("allocation.weights", "tier4", "A day of need met at tier 4", "points per day", "Points for each day of need met at a tier 4 school.", Number),
    r("allocation.weights", "priority1", "Most urgent need", "times", "What a day of a priority 1 need is multiplied by.", Number),
    r("allocation.weights", "priority2", "Second priority need", "times", "What a day of a priority 2 need is multiplied by.", Number),
    r("allocation.weights", "priority3", "Third priority need", "times", "What a day of a priority 3 need is multiplied by.", Number),
    r("allocation.weights", "overflow", "Days beyond an area's share", "times", "What a day in an area beyond its share of the school's days is multiplied by instead.", Number),
    r("allocation.weights", "fairness_tier1", "Fairness among tier 1 schools", "points", "Points for each unit of the lowest share of need met among tier 1 schools that compete for the same consultants.", Number),
    r("allocation.weights", "fairness_tier2", "Fairness among tier 2 schools", "points", "Points for each unit of the lowest share of need met among tier 2 schools that compete for the same consultants.", Number),
    r("allocation.weights", "consultant_used", "A consultant at a school", "points", "Points lost for each consultant sent to a school.", Number),
    r("allocation.weights", "extra_consultant", "One consultant too many", "points", "Points lost for each consultant at a school beyond the number it may have.", Number),
    r("allocation.weights", "continuity_same_area", "Same school and area as last year", "points per day", "Points for each day a consultant continues last year's work in the same area at the same school.", Number),
    r("allocation.weights", "continuity_same_school", "Same school as last year", "points per day", "Points for each day a consultant returns to last year's school.", Number),
    r("allocation.weights", "travel_per_km", "Consultants' travel", "points per km", "Points lost for each km a consultant travels one way, per day.", Number),
    r("allocation.weights", "cost_per_pound", "Consultants' cost", "points per pound", "Points lost for each pound of day rate.", Number),
];

/// The rules every step uses when a file says nothing, as the file would
/// spell them.
pub fn defaults() -> Table {
    tables(
        &TriadRules::default(),
        &ScheduleRules::default(),
        &AllocationRules::default(),
    )
}

fn tables(t: &TriadRules, s: &ScheduleRules, a: &AllocationRules) -> Table {
    let mut root = Table::new();
    // The rules structs are plain data; serialising them cannot fail.
    for (name, v) in [
        ("triads", Value::try_from(t)),
        ("schedule", Value::try_from(s)),
        ("allocation", Value::try_from(a)),
    ] {
        root.insert(name.into(), v.unwrap_or(Value::Table(Table::new())));
    }
    root
}

/// The rules in force for a rules text (every item, defaults filled in).
fn in_force(text: &str) -> AppResult<Table> {
    let rules = store::years::parse_rules(text)
        .map_err(|e| AppError::bad_request(format!("rules: {e}")))?;
    Ok(tables(&rules.triads, &rules.schedule, &rules.allocation))
}

fn lookup<'a>(root: &'a Table, table: &str, item: &str) -> Option<&'a Value> {
    let mut t = root;
    for part in table.split('.') {
        t = t.get(part)?.as_table()?;
    }
    t.get(item)
}

/// A value as the form's field holds it.
fn typed(v: Option<&Value>) -> String {
    match v {
        None => String::new(),
        Some(Value::Boolean(b)) => if *b { "yes" } else { "no" }.into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Float(f)) => format!("{f}"),
        Some(Value::Integer(i)) => i.to_string(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    }
}

fn kind_words(key: &str) -> String {
    key.parse::<AdviserKind>()
        .map(|k| report::words::adviser_kind(k).to_string())
        .unwrap_or_else(|_| key.to_string())
}

/// A value in words, with its unit: "20 km", "Yes", "No limit".
fn in_words(rule: &Rule, v: Option<&Value>) -> String {
    let text = typed(v);
    match rule.input {
        _ if v.is_none() => "No limit".into(),
        Switch => if text == "yes" { "Yes" } else { "No" }.into(),
        Choice(options) => options
            .iter()
            .find(|(k, _)| *k == text)
            .map(|(_, w)| w.to_string())
            .unwrap_or(text),
        AdviserKinds if text.is_empty() => "None".into(),
        AdviserKinds => text
            .split(',')
            .map(kind_words)
            .collect::<Vec<_>>()
            .join(", "),
        _ if rule.unit.is_empty() || rule.unit == "tier" => text,
        _ => format!("{text} {}", rule.unit),
    }
}

/// One item as the form shows it.
#[derive(Debug, Clone)]
pub struct FieldView {
    pub id: String,
    pub rule: Rule,
    /// What the field holds: as typed after a refusal, else the rule in force.
    pub value: String,
    pub default_words: String,
    pub current_words: String,
    /// Whether the rule in force differs from the default.
    pub changed: bool,
    pub error: Option<String>,
    /// For choices and adviser kinds: value, words, chosen.
    pub options: Vec<(String, String, bool)>,
}

#[derive(Debug, Clone)]
pub struct SectionView {
    pub id: String,
    pub heading: &'static str,
    pub about: &'static str,
    pub fields: Vec<FieldView>,
}

fn posted<'a>(fields: &'a [(String, String)], id: &str) -> impl Iterator<Item = &'a str> {
    let id = id.to_string();
    fields
        .iter()
        .filter(move |(k, _)| *k == id)
        .map(|(_, v)| v.as_str())
}

/// The form for a rules text: every item with its rule in force and default;
/// after a refusal, the fields as typed and each problem beside its field.
pub fn view(
    text: &str,
    typed_fields: Option<&[(String, String)]>,
    errors: &FieldErrors,
) -> AppResult<Vec<SectionView>> {
    let now = in_force(text)?;
    let defaults = defaults();
    Ok(SECTIONS
        .iter()
        .map(|(table, heading, about)| SectionView {
            id: table.replace('.', "-"),
            heading,
            about,
            fields: RULES
                .iter()
                .filter(|r| r.table == *table)
                .map(|rule| {
                    let id = rule.id();
                    let current = lookup(&now, rule.table, rule.item);
                    let default = lookup(&defaults, rule.table, rule.item);
                    let value = match typed_fields {
                        Some(f) => posted(f, &id).collect::<Vec<_>>().join(","),
                        None => typed(current),
                    };
                    let options = match rule.input {
                        Choice(options) => options
                            .iter()
                            .map(|(k, w)| (k.to_string(), w.to_string(), value == *k))
                            .collect(),
                        AdviserKinds => AdviserKind::ALL
                            .iter()
                            .map(|k| {
                                let key = k.key();
                                let chosen = value.split(',').any(|v| v == key);
                                (key.to_string(), kind_words(key), chosen)
                            })
                            .collect(),
                        _ => Vec::new(),
                    };
                    FieldView {
                        error: errors.get(&id).cloned(),
                        id,
                        rule: *rule,
                        value,
                        default_words: in_words(rule, default),
                        current_words: in_words(rule, current),
                        changed: current != default,
                        options,
                    }
                })
                .collect(),
        })
        .collect())
}

/// Reads one posted item into its TOML value; None is "no limit".
fn read_item(rule: &Rule, fields: &[(String, String)]) -> Result<Option<Value>, String> {
    let id = rule.id();
    let one = posted(fields, &id).next().unwrap_or("").trim().to_string();
    let label = rule.label;
    let number = |s: &str| -> Result<Value, String> {
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(Value::Float)
            .ok_or_else(|| format!("{label}: enter a number, like 20 or 0.5"))
    };
    let whole = |s: &str| -> Result<Value, String> {
        s.parse::<u32>()
            .map(|v| Value::Integer(v.into()))
            .map_err(|_| format!("{label}: enter a whole number, like 3"))
    };
    match rule.input {
        Number => number(&one).map(Some),
        Whole => whole(&one).map(Some),
        OptionalNumber if one.is_empty() => Ok(None),
        OptionalWhole if one.is_empty() => Ok(None),
        OptionalNumber => number(&one).map(Some),
        OptionalWhole => whole(&one).map(Some),
        Switch => match one.as_str() {
            "yes" => Ok(Some(Value::Boolean(true))),
            "no" => Ok(Some(Value::Boolean(false))),
            _ => Err(format!("{label}: choose yes or no")),
        },
        Choice(options) => options
            .iter()
            .find(|(k, _)| *k == one)
            .map(|(k, _)| Some(Value::String(k.to_string())))
            .ok_or_else(|| format!("{label}: choose one of the options")),
        AdviserKinds => {
            let mut kinds = Vec::new();
            for v in posted(fields, &id) {
                let kind = v
                    .parse::<AdviserKind>()
                    .map_err(|_| format!("{label}: choose from the kinds listed"))?;
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
            }
            // In the order the form lists them, so that the file is stable.
            kinds.sort_by_key(|k| AdviserKind::ALL.iter().position(|a| a == k));
            Ok(Some(Value::Array(
                kinds
                    .iter()
                    .map(|k| Value::String(k.key().into()))
                    .collect(),
            )))
        }
    }
}

fn table_at<'a>(root: &'a mut Table, path: &str) -> &'a mut Table {
    let mut t = root;
    for part in path.split('.') {
        let entry = t
            .entry(part.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        t = match entry {
            Value::Table(t) => t,
            _ => unreachable!("made a table just above"),
        };
    }
    t
}

/// Drops tables left empty, so that a file at every default is empty.
fn prune(t: &mut Table) {
    for (_, v) in t.iter_mut() {
        if let Value::Table(inner) = v {
            prune(inner);
        }
    }
    t.retain(|_, v| !matches!(v, Value::Table(inner) if inner.is_empty()));
}

/// The rules text the posted form gives, starting from the year's current
/// text so that anything the form does not hold (the `[writeups]` table)
/// is kept. An item at its default is left out of the file, so that the
/// file says only what the SIM changed.
pub fn apply(text: &str, fields: &[(String, String)]) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut root: Table = if text.trim().is_empty() {
        Table::new()
    } else {
        toml::from_str(text).map_err(|e| {
            FieldErrors::from([(
                "form".to_string(),
                format!("The current rules file cannot be read: {e}"),
            )])
        })?
    };
    let defaults = defaults();
    for rule in RULES {
        match read_item(rule, fields) {
            Err(e) => {
                errors.insert(rule.id(), e);
            }
            Ok(value) => {
                let default = lookup(&defaults, rule.table, rule.item);
                let table = table_at(&mut root, rule.table);
                if value.as_ref() == default {
                    table.remove(rule.item);
                } else if let Some(v) = value {
                    table.insert(rule.item.to_string(), v);
                } else {
                    table.remove(rule.item);
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    prune(&mut root);
    // Each table's own check, so that a value out of range is named beside
    // its field rather than in one message for the whole file.
    let faults = faults(&root);
    if !faults.is_empty() {
        let labels: BTreeMap<String, &str> = RULES.iter().map(|r| (r.id(), r.label)).collect();
        for f in faults {
            let id = format!("{}.{}", f.table, f.item);
            let label = labels.get(&id).copied().unwrap_or("Rule");
            errors.insert(id, format!("{label}: {}", f.message));
        }
        return Err(errors);
    }
    let out = toml::to_string(&root).map_err(|e| {
        FieldErrors::from([(
            "form".to_string(),
            format!("The rules cannot be written: {e}"),
        )])
    })?;
    // The year's own reading of a rules file is the last word.
    store::years::parse_rules(&out)
        .map_err(|e| FieldErrors::from([("form".to_string(), format!("Rules: {e}"))]))?;
    Ok(out)
}

fn faults(root: &Table) -> Vec<optimiser::rules_check::RuleFault> {
    fn part<T: serde::de::DeserializeOwned + Default>(root: &Table, name: &str) -> T {
        root.get(name)
            .cloned()
            .and_then(|v| v.try_into().ok())
            .unwrap_or_default()
    }
    let mut out = part::<TriadRules>(root, "triads").faults();
    out.extend(part::<ScheduleRules>(root, "schedule").faults());
    out.extend(part::<AllocationRules>(root, "allocation").faults());
    out
}

/// Saves the posted rules form as the year's next rules version.
pub async fn save(
    db: &Db,
    year: &SimYear,
    fields: &[(String, String)],
) -> Result<RulesSaved, super::year_form::Refused> {
    use super::year_form::Refused;
    let text = apply(&year.year.rules, fields).map_err(Refused::Fields)?;
    match years::put_rules(db, year, text.as_bytes()).await {
        Ok(saved) => Ok(saved),
        Err(e) if e.kind == crate::Kind::BadRequest => Err(Refused::Fields(FieldErrors::from([(
            "form".to_string(),
            e.message,
        )]))),
        Err(e) => Err(Refused::Other(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(prefix: &str, t: &Table, out: &mut Vec<String>) {
        for (k, v) in t {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                Value::Table(inner) => leaves(&path, inner, out),
                _ => out.push(path),
            }
        }
    }

    #[test]
    fn every_item_of_the_rules_has_a_form_entry() {
        let mut items = Vec::new();
        leaves("", &defaults(), &mut items);
        assert!(items.len() > 40, "{items:?}");
        let ids: Vec<String> = RULES.iter().map(Rule::id).collect();
        let missing: Vec<&String> = items.iter().filter(|i| !ids.contains(i)).collect();
        assert!(missing.is_empty(), "rules with no form entry: {missing:?}");
        // And no entry names an item the rules do not have: items absent
        // from the defaults are the optional ones, which a file may set.
        for rule in RULES {
            if !items.contains(&rule.id()) {
                assert!(
                    matches!(rule.input, OptionalNumber | OptionalWhole),
                    "{} is not an item of the rules",
                    rule.id()
                );
                let mut root = Table::new();
                table_at(&mut root, rule.table).insert(rule.item.into(), Value::Integer(5));
                let text = toml::to_string(&root).unwrap();
                store::years::parse_rules(&text).unwrap();
            }
        }
        for (table, _, _) in SECTIONS {
            assert!(RULES.iter().any(|r| r.table == *table));
        }
        assert!(RULES
            .iter()
            .all(|r| SECTIONS.iter().any(|s| s.0 == r.table)));
    }

    fn posted_for(text: &str) -> Vec<(String, String)> {
        let sections = view(text, None, &FieldErrors::new()).unwrap();
        let mut out = Vec::new();
        for s in &sections {
            for f in &s.fields {
                if f.rule.input == AdviserKinds {
                    for v in f.value.split(',').filter(|v| !v.is_empty()) {
                        out.push((f.id.clone(), v.to_string()));
                    }
                } else {
                    out.push((f.id.clone(), f.value.clone()));
                }
            }
        }
        out
    }

    #[test]
    fn the_defaults_posted_back_give_an_empty_file() {
        assert_eq!(apply("", &posted_for("")).unwrap(), "");
    }

    #[test]
    fn a_changed_item_is_written_and_the_rest_kept() {
        let text = "[triads]\nmax_distance_km = 15\n\n[writeups]\ndue_days = 14\n";
        let mut fields = posted_for(text);
        for (k, v) in fields.iter_mut() {
            if k == "schedule.max_days_per_half_term" {
                *v = "4".into();
            }
            if k == "allocation.budget" {
                *v = "25000".into();
            }
        }
        let out = apply(text, &fields).unwrap();
        let rules = store::years::parse_rules(&out).unwrap();
        assert_eq!(rules.triads.max_distance_km, 15.0);
        assert_eq!(rules.schedule.max_days_per_half_term, 4);
        assert_eq!(rules.allocation.budget, Some(25000.0));
        assert!(out.contains("[writeups]"), "{out}");
        let view = view(&out, None, &FieldErrors::new()).unwrap();
        let f = view
            .iter()
            .flat_map(|s| &s.fields)
            .find(|f| f.id == "triads.max_distance_km")
            .unwrap();
        assert!(f.changed);
        assert_eq!(
            (f.current_words.as_str(), f.default_words.as_str()),
            ("15 km", "20 km")
        );
    }

    #[test]
    fn problems_are_named_beside_their_field() {
        let mut fields = posted_for("");
        for (k, v) in fields.iter_mut() {
            match k.as_str() {
                "triads.max_distance_km" => *v = "-3".into(),
                "triads.review_days" => *v = "one".into(),
                "triads.trust" => *v = "sometimes".into(),
                _ => {}
            }
        }
        let e = apply("", &fields).unwrap_err();
        assert_eq!(
            e["triads.review_days"],
            "Length of a review: enter a whole number, like 3"
        );
        assert_eq!(
            e["triads.trust"],
            "Two schools of the same trust: choose one of the options"
        );
        // Out-of-range values are found by the rules' own check once every
        // field reads.
        fields.retain(|(k, _)| k != "triads.review_days" && k != "triads.trust");
        fields.push(("triads.review_days".into(), "1".into()));
        fields.push(("triads.trust".into(), "forbid".into()));
        let e = apply("", &fields).unwrap_err();
        assert!(
            e["triads.max_distance_km"].starts_with("Furthest apart: -3 is too small"),
            "{e:?}"
        );
    }
}
