//! E-mail to the people of a year: invitations (a one-time sign-in link
//! each, to heads, advisers and consultants), reminders to heads and
//! advisers who have not given their dates and to leads whose write-up is
//! due, and "your group is published" with the group and its dates (to an
//! adviser, the groups they advise). The SIM reads who gets what before anything is sent; every
//! message is logged with what became of it and can be sent again.
//!
//! With SMTP configured (`Smtp`) messages go one after another, each with
//! its own time limit, and one failure does not stop the rest. Without it,
//! the same messages come as a mail-merge spreadsheet, logged as not sent.
//!
//! Messages are plain text from the askama templates in `templates/mail/`.
//! A sign-in link is put in only when the message is sent: what is logged
//! (and previewed) holds `LINK_PLACEHOLDER` instead, since only a token's
//! hash may be kept. Sending an invitation again therefore issues a new
//! link, and the one before stops working.

use std::collections::HashMap;
use std::time::Duration;

use askama::Template;
use chrono::NaiveDate;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use optimiser::model::{Adviser, Consultant, Headteacher, School, Urn};
use store::inputs::{self, Hand};
use store::messages::{self, NewMessage};
use store::people::{self, Person};
use store::writeups::{review_days, Directory};
use store::{now, years, Db};

use crate::caller::SimYear;
use crate::error::{AppError, AppResult};
use crate::people::{InvitationRequest, Selection};
use crate::plans::Download;

/// Where a sign-in link goes in a logged or previewed message.
pub const LINK_PLACEHOLDER: &str = "[your sign-in link]";
/// The longest one message may take to send, connection included.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(20);
/// Reminders to give dates go when the deadline is this many days away or fewer.
pub const DEFAULT_REMINDER_DAYS: u32 = 7;
/// The most days before the deadline a reminder may be set to.
pub const MAX_REMINDER_DAYS: u32 = 365;
/// Messages the log shows.
pub const LOG_SHOWN: i64 = 500;
/// What the log says of a message made for the mail-merge spreadsheet.
pub const NO_SMTP: &str = "no SMTP server is configured: downloaded as a mail-merge spreadsheet";

/// The SMTP server messages go through and whom they come from.
#[derive(Clone)]
pub struct Smtp {
    url: String,
    from: Mailbox,
    server: String,
}

impl std::fmt::Debug for Smtp {
    // The URL may hold a password: only the server is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp")
            .field("server", &self.server)
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Smtp {
    /// Checks the URL (`smtp://host:port`, `smtp://host?tls=required` for
    /// STARTTLS, `smtps://host` for TLS, with `user:password@` where the
    /// server wants it) and the sender (`Peer review <peer-review@council.gov.uk>`).
    /// Nothing connects yet.
    pub fn new(url: &str, from: &str) -> Result<Smtp, String> {
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("the SMTP URL is not one lettre reads: {e}"))?;
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("the sender {from:?} is not an e-mail address: {e}"))?;
        Ok(Smtp {
            url: url.to_string(),
            from,
            server: server_of(url),
        })
    }

    /// The server's host and port, without user or password.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// A transport for one run of sending. Built inside the runtime, when
    /// it is used.
    fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(&self.url)
            .map_err(|e| e.to_string())?
            .timeout(Some(SEND_TIMEOUT))
            .build())
    }
}

/// `host:port` of an SMTP URL, without the user and password.
fn server_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split(['/', '?']).next().unwrap_or(rest);
    rest.rsplit_once('@').map_or(rest, |(_, h)| h).to_string()
}

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    Invitation,
    AvailabilityReminder,
    WriteupReminder,
    Published,
}

impl MailKind {
    pub const ALL: [MailKind; 4] = [
        MailKind::Invitation,
        MailKind::AvailabilityReminder,
        MailKind::WriteupReminder,
        MailKind::Published,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Invitation => "invitation",
            MailKind::AvailabilityReminder => "availability_reminder",
            MailKind::WriteupReminder => "writeup_reminder",
            MailKind::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<MailKind> {
        MailKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// For the SIM to read.
    pub fn label(self) -> &'static str {
        match self {
            MailKind::Invitation => "Invitation",
            MailKind::AvailabilityReminder => "Reminder to give dates",
            MailKind::WriteupReminder => "Reminder of a write-up due",
            MailKind::Published => "Your group is published",
        }
    }

    /// Who gets it, in a sentence.
    pub fn about(self) -> &'static str {
        match self {
            MailKind::Invitation => {
                "Heads of the schools taking part, advisers and consultants who have not signed \
                 in yet. Each gets a new sign-in link; any link sent before stops working."
            }
            MailKind::AvailabilityReminder => {
                "Invited heads and advisers who have not given their dates, once the deadline \
                 is close."
            }
            MailKind::WriteupReminder => {
                "Heads who led a review that has taken place and have not sent its write-up."
            }
            MailKind::Published => {
                "Heads of every school in the published plan: their group, partners and dates; \
                 advisers: the groups they advise and the reviews they attend."
            }
        }
    }
}

/// Why a message cannot be e-mailed to someone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsendable {
    /// Neither their account nor their input file (named) has an address.
    NoAddress(&'static str),
    /// The address given is not one: as given, and why.
    BadAddress(String),
    /// A reminder to someone who was never invited.
    NotInvited,
}

impl Unsendable {
    pub fn words(&self) -> String {
        match self {
            Unsendable::NoAddress(file) => {
                format!("no e-mail address: add it to the {file} file")
            }
            Unsendable::BadAddress(why) => why.clone(),
            Unsendable::NotInvited => "not invited yet: send the invitation first".to_string(),
        }
    }

    /// Whether the mail-merge spreadsheet still has a row for them (the
    /// SIM may reach them another way).
    fn in_mail_merge(&self) -> bool {
        !matches!(self, Unsendable::NotInvited)
    }
}

/// One message for one person, before it is sent.
#[derive(Debug, Clone)]
pub struct Letter {
    pub user_id: Option<i64>,
    pub name: String,
    /// As given; empty where there is none.
    pub address: String,
    pub subject: String,
    /// With `LINK_PLACEHOLDER` where an invitation's link goes.
    pub body: String,
    pub unsendable: Option<Unsendable>,
    /// Whom it is for, as an invitation's link needs them.
    whom: Whom,
}

/// A person of the year as a message reaches them: a head by school, an
/// adviser or consultant by the id of their input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Whom {
    Head(Urn),
    Adviser(String),
    Consultant(String),
}

impl Whom {
    fn file(&self) -> &'static str {
        match self {
            Whom::Head(_) => "headteachers",
            Whom::Adviser(_) => "advisers",
            Whom::Consultant(_) => "consultants",
        }
    }
}

/// Who would get messages of a kind, and what they would say.
#[derive(Debug, Clone)]
pub struct Preview {
    pub kind: MailKind,
    pub letters: Vec<Letter>,
    /// Why nothing can be sent yet (the plan is not published, the
    /// schools are not loaded), for the page to say.
    pub blocked: Option<String>,
}

/// What a run of sending did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub sent: usize,
    /// Name and the reason, for each message that did not go.
    pub failed: Vec<(String, String)>,
    /// The first and last message of the run in the log, where it logged
    /// any: the page shows the outcome again from them after a redirect.
    pub logged: Option<(i64, i64)>,
}

/// "Tuesday 3 March 2026": dates as people write them.
pub fn long_date(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

/// The days of a review in words: "Tuesday 3 March 2026 and Wednesday
/// 4 March 2026"; "not dated yet" where it has none.
pub fn days_words(days: &[NaiveDate]) -> String {
    let words: Vec<String> = days.iter().map(|&d| long_date(d)).collect();
    match words.as_slice() {
        [] => "not dated yet".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Text for one header line: control characters (CR and LF above all)
/// become spaces, so nothing typed can start another header.
pub fn one_line(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The mailbox of a head, or why their address is not one.
pub fn mailbox(name: &str, address: &str) -> Result<Mailbox, Unsendable> {
    mailbox_in(name, address, "headteachers")
}

/// The mailbox of a person whose address comes from `file` (the input
/// the SIM mends where it is missing or wrong).
pub fn mailbox_in(name: &str, address: &str, file: &'static str) -> Result<Mailbox, Unsendable> {
    let address = address.trim();
    if address.is_empty() {
        return Err(Unsendable::NoAddress(file));
    }
    let email: Address = address.parse().map_err(|_| {
        Unsendable::BadAddress(format!(
            "{:?} is not an e-mail address: correct it in the {file} file",
            one_line(address)
        ))
    })?;
    Ok(Mailbox::new(Some(one_line(name)), email))
}

/// The input a person's address comes from, by their role.
fn file_of(role: &str) -> &'static str {
    match role {
        "adviser" => "advisers",
        "consultant" => "consultants",
        _ => "headteachers",
    }
}

/// A message ready for the SMTP server: plain text, quoted-printable (so
/// that any line length and any letter goes through unchanged).
pub fn build(from: &Mailbox, to: Mailbox, subject: &str, body: &str) -> Result<Message, String> {
    let body = Body::new_with_encoding(body.to_string(), ContentTransferEncoding::QuotedPrintable)
        .map_err(|_| "the message cannot be encoded".to_string())?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(one_line(subject))
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| e.to_string())
}

#[derive(Template)]
#[template(path = "mail/invitation.txt")]
struct InvitationText<'a> {
    name: &'a str,
    /// `head`, `adviser` or `consultant`: what they will find once in.
    role: &'a str,
    sim: &'a str,
    year: &'a str,
    deadline: String,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/availability_reminder.txt")]
struct AvailabilityText<'a> {
    name: &'a str,
    year: &'a str,
    deadline: String,
    when: String,
    page: String,
}

#[derive(Template)]
#[template(path = "mail/writeup_reminder.txt")]
struct WriteupText<'a> {
    name: &'a str,
    year: &'a str,
    host: String,
    days: String,
    due: String,
    page: String,
}

#[derive(Template)]
#[template(path = "mail/published.txt")]
struct PublishedText<'a> {
    name: &'a str,
    year: &'a str,
    school: String,
    partners: Vec<String>,
    adviser: Option<String>,
    reviews: Vec<String>,
    page: String,
}

/// A group as its adviser's message lists it.
struct AdvisedGroup {
    label: String,
    /// "Oak Primary School (Ann Lee)".
    schools: Vec<String>,
    /// "Oak Primary School: Tuesday 3 November 2026".
    reviews: Vec<String>,
}

#[derive(Template)]
#[template(path = "mail/published_adviser.txt")]
struct AdviserPublishedText<'a> {
    name: &'a str,
    year: &'a str,
    groups: Vec<AdvisedGroup>,
    page: String,
}

fn render(t: &impl Template) -> AppResult<String> {
    let text = t
        .render()
        .map_err(|e| AppError::internal("mail template", e))?;
    Ok(format!("{}\n", text.trim_end()))
}

/// "today", "tomorrow" or "in 5 days".
fn in_days(n: i64) -> String {
    match n {
        0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        n => format!("in {n} days"),
    }
}

/// The days-before-the-deadline field read, or the sentence for beside it.
pub fn read_days(text: &str) -> Result<u32, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("Enter the number of days before the deadline".to_string());
    }
    match t.parse::<u32>() {
        Ok(n) if n <= MAX_REMINDER_DAYS => Ok(n),
        _ => Err(format!(
            "The number of days must be a whole number from 0 to {MAX_REMINDER_DAYS}"
        )),
    }
}

/// Whether reminders to give dates may go today, `days` before the
/// deadline: the sentence for beside the field where not.
pub fn reminder_due(deadline: NaiveDate, today: NaiveDate, days: u32) -> Result<(), String> {
    let left = (deadline - today).num_days();
    if left < 0 {
        return Err(format!(
            "The deadline, {}, has passed: nobody can give dates now",
            long_date(deadline)
        ));
    }
    if left > i64::from(days) {
        return Err(format!(
            "The deadline is {left} days away: reminders go when it is {days} days away or fewer. \
             Change the number of days to send them now"
        ));
    }
    Ok(())
}

/// A person as the year knows them: their account where they have one,
/// else their input file (headteachers, advisers or consultants).
struct Recipient {
    user: Option<Person>,
    name: String,
    address: String,
}

struct Heads {
    schools: Vec<School>,
    by_urn: HashMap<Urn, Recipient>,
}

impl Heads {
    async fn load(db: &Db, year_id: i64) -> AppResult<Heads> {
        let schools: Vec<School> = inputs::latest_or_default(db, year_id, "schools").await?;
        let file: Vec<Headteacher> = inputs::latest_or_default(db, year_id, "heads").await?;
        let file: HashMap<Urn, Headteacher> = file.into_iter().map(|h| (h.school, h)).collect();
        let users: HashMap<String, Person> = people::list(db)
            .await?
            .into_iter()
            .filter(|p| p.role == "head")
            .filter_map(|p| p.urn.clone().map(|u| (u, p)))
            .collect();
        let mut by_urn = HashMap::new();
        for s in &schools {
            let user = users.get(&s.urn.to_string()).cloned();
            let from_file = file.get(&s.urn);
            let name = user
                .as_ref()
                .map(|u| u.name.clone())
                .or_else(|| from_file.map(|h| h.name.clone()))
                .unwrap_or_else(|| format!("Head of {}", s.name));
            let address = user
                .as_ref()
                .map(|u| u.email.clone())
                .filter(|e| !e.trim().is_empty())
                .or_else(|| from_file.map(|h| h.email.clone()))
                .unwrap_or_default();
            by_urn.insert(
                s.urn,
                Recipient {
                    user,
                    name,
                    address,
                },
            );
        }
        Ok(Heads { schools, by_urn })
    }

    fn school_name(&self, urn: Urn) -> String {
        self.schools
            .iter()
            .find(|s| s.urn == urn)
            .map_or_else(|| format!("school {urn}"), |s| s.name.clone())
    }
}

fn letter(head: &Recipient, urn: Urn, subject: String, body: String) -> Letter {
    letter_to(head, Whom::Head(urn), subject, body)
}

fn letter_to(person: &Recipient, whom: Whom, subject: String, body: String) -> Letter {
    Letter {
        user_id: person.user.as_ref().map(|u| u.id),
        name: person.name.clone(),
        address: person.address.clone(),
        subject,
        body,
        unsendable: mailbox_in(&person.name, &person.address, whom.file()).err(),
        whom,
    }
}

/// The advisers or consultants of the year (`role` says which) as messages
/// reach them, by the id of their input, in its order.
async fn others(
    db: &Db,
    role: &str,
    listed: Vec<(String, String, Option<String>)>,
) -> AppResult<Vec<(String, Recipient)>> {
    let users: HashMap<String, Person> = people::list(db)
        .await?
        .into_iter()
        .filter(|p| p.role == role)
        .filter_map(|p| p.ext_id.clone().map(|id| (id, p)))
        .collect();
    Ok(listed
        .into_iter()
        .map(|(id, name, email)| {
            let user = users.get(&id).cloned();
            let address = user
                .as_ref()
                .map(|u| u.email.clone())
                .filter(|e| !e.trim().is_empty())
                .or(email)
                .unwrap_or_default();
            let name = user.as_ref().map_or(name, |u| u.name.clone());
            (
                id,
                Recipient {
                    user,
                    name,
                    address,
                },
            )
        })
        .collect())
}

async fn advisers_of(db: &Db, year_id: i64) -> AppResult<Vec<(String, Recipient)>> {
    let list: Vec<Adviser> = inputs::latest_or_default(db, year_id, "advisers").await?;
    let listed = list.into_iter().map(|a| (a.id, a.name, a.email)).collect();
    others(db, "adviser", listed).await
}

async fn consultants_of(db: &Db, year_id: i64) -> AppResult<Vec<(String, Recipient)>> {
    let list: Vec<Consultant> = inputs::latest_or_default(db, year_id, "consultants").await?;
    let listed = list.into_iter().map(|c| (c.id, c.name, c.email)).collect();
    others(db, "consultant", listed).await
}

/// Who would get messages of `kind` and what each would say; `days`
/// matters to reminders to give dates only.
/// The messages of a kind as they would go now, or why they cannot: too
/// early or too late for the kind, or nobody to send them to.
async fn to_send(
    db: &Db,
    year: &SimYear,
    kind: MailKind,
    days: u32,
    base_url: &str,
) -> AppResult<Preview> {
    check_timing(year, kind, days)?;
    let preview = preview(db, year, kind, base_url).await?;
    match &preview.blocked {
        Some(why) => Err(AppError::conflict(why.clone())),
        None => Ok(preview),
    }
}

pub async fn preview(
    db: &Db,
    year: &SimYear,
    kind: MailKind,
    base_url: &str,
) -> AppResult<Preview> {
    let y = &year.year;
    let base = base_url.trim_end_matches('/');
    let heads = Heads::load(db, y.id).await?;
    let mut letters = Vec::new();
    let mut blocked = None;
    if heads.schools.is_empty() && kind != MailKind::WriteupReminder {
        blocked = Some("Load the schools first: messages go to their heads.".to_string());
    }
    let deadline = long_date(y.deadline);
    match kind {
        MailKind::Invitation => {
            let hand: Hand = inputs::latest_or_default(db, y.id, "hand").await?;
            let advisers = advisers_of(db, y.id).await?;
            let consultants = consultants_of(db, y.id).await?;
            let heads_taking_part = heads
                .schools
                .iter()
                .filter(|s| !hand.opt_out.contains(&s.urn))
                .map(|s| ("head", Whom::Head(s.urn), &heads.by_urn[&s.urn]));
            let invitees = heads_taking_part
                .chain(
                    advisers
                        .iter()
                        .map(|(id, p)| ("adviser", Whom::Adviser(id.clone()), p)),
                )
                .chain(
                    consultants
                        .iter()
                        .map(|(id, p)| ("consultant", Whom::Consultant(id.clone()), p)),
                );
            let subject = format!("Peer review {}: your sign-in link", y.name);
            for (role, whom, person) in invitees {
                if person.user.as_ref().is_some_and(|u| u.signed_in) {
                    continue;
                }
                let body = render(&InvitationText {
                    name: &person.name,
                    role,
                    sim: &year.caller.name,
                    year: &y.name,
                    deadline: deadline.clone(),
                    link: LINK_PLACEHOLDER,
                })?;
                letters.push(letter_to(person, whom, subject.clone(), body));
            }
        }
        MailKind::AvailabilityReminder => {
            let status = crate::people::availability_status(db, year).await?;
            let left = (y.deadline - years::today()).num_days();
            let subject = format!(
                "Peer review {}: please give your dates by {deadline}",
                y.name
            );
            let page = format!("{base}/years/{}/availability", y.id);
            let advisers: HashMap<String, Recipient> =
                advisers_of(db, y.id).await?.into_iter().collect();
            // Heads, then advisers, who have not given dates: whether invited.
            let mut missing: Vec<(Whom, &Recipient, bool)> = Vec::new();
            for m in status.heads.map(|h| h.missing).unwrap_or_default() {
                let Ok(urn) = m.urn.parse::<u32>().map(Urn) else {
                    continue;
                };
                if let Some(head) = heads.by_urn.get(&urn) {
                    missing.push((Whom::Head(urn), head, m.invited));
                }
            }
            for m in status.advisers.map(|a| a.missing).unwrap_or_default() {
                if let Some(adviser) = advisers.get(&m.id) {
                    missing.push((Whom::Adviser(m.id), adviser, m.invited));
                }
            }
            for (whom, person, invited) in missing {
                let body = render(&AvailabilityText {
                    name: &person.name,
                    year: &y.name,
                    deadline: deadline.clone(),
                    when: in_days(left.max(0)),
                    page: page.clone(),
                })?;
                let mut l = letter_to(person, whom, subject.clone(), body);
                if !invited {
                    l.unsendable = Some(Unsendable::NotInvited);
                }
                letters.push(l);
            }
        }
        MailKind::WriteupReminder => match crate::head::status::writeup_status(db, year).await {
            Err(e) if e.kind == crate::error::Kind::NotFound => {
                blocked = Some("Publish a plan first: write-ups follow its reviews.".to_string());
            }
            Err(e) => return Err(e),
            Ok(list) => {
                for r in &list.reviews {
                    let held = r.dates.last().is_some_and(|&d| d <= list.today);
                    if !held || r.status == "submitted" {
                        continue;
                    }
                    let Ok(lead) = r.lead.urn.parse::<u32>().map(Urn) else {
                        continue;
                    };
                    let Some(head) = heads.by_urn.get(&lead) else {
                        continue;
                    };
                    let host = r.host.name.clone().unwrap_or_else(|| r.host.urn.clone());
                    let due = match r.due {
                        Some(d) if d < list.today => format!("was due on {}", long_date(d)),
                        Some(d) => format!("is due by {}", long_date(d)),
                        None => "is due".to_string(),
                    };
                    let body = render(&WriteupText {
                        name: &head.name,
                        year: &y.name,
                        host: host.clone(),
                        days: days_words(&r.dates),
                        due,
                        page: format!("{base}/years/{}/reviews/{}/writeup", y.id, r.host.urn),
                    })?;
                    let subject = format!(
                        "Peer review {}: the write-up of the review of {host}",
                        y.name
                    );
                    letters.push(letter(head, lead, subject, body));
                }
            }
        },
        MailKind::Published => match crate::head::published_or_404(db, y.id).await {
            Err(e) if e.kind == crate::error::Kind::NotFound => {
                blocked =
                    Some("Publish a plan first: this message tells heads their group.".to_string());
            }
            Err(e) => return Err(e),
            Ok(plan) => {
                let dir = Directory::load(db, y.id).await?;
                let named = |urn: Urn| {
                    let school = dir
                        .schools
                        .get(&urn)
                        .cloned()
                        .unwrap_or_else(|| heads.school_name(urn));
                    match dir.heads.get(&urn) {
                        Some(h) => format!("{school} ({h})"),
                        None => school,
                    }
                };
                for t in &plan.plan.triads {
                    let reviews: Vec<String> = t
                        .reviews
                        .iter()
                        .map(|r| {
                            format!(
                                "{}: {}, led by {}",
                                dir.schools
                                    .get(&r.host)
                                    .cloned()
                                    .unwrap_or_else(|| heads.school_name(r.host)),
                                days_words(&review_days(r)),
                                named(r.lead)
                            )
                        })
                        .collect();
                    let adviser = t
                        .adviser
                        .as_deref()
                        .map(|a| dir.adviser(a).name.unwrap_or_else(|| a.to_string()));
                    for &urn in &t.schools {
                        let Some(head) = heads.by_urn.get(&urn) else {
                            continue;
                        };
                        let body = render(&PublishedText {
                            name: &head.name,
                            year: &y.name,
                            school: heads.school_name(urn),
                            partners: t
                                .schools
                                .iter()
                                .filter(|&&o| o != urn)
                                .map(|&o| named(o))
                                .collect(),
                            adviser: adviser.clone(),
                            reviews: reviews.clone(),
                            page: format!("{base}/years/{}", y.id),
                        })?;
                        let subject = format!("Peer review {}: your group is published", y.name);
                        letters.push(letter(head, urn, subject, body));
                    }
                }
                // Each adviser: the groups they advise, and the reviews
                // they attend (under "one review", not all of them).
                for (id, adviser) in advisers_of(db, y.id).await? {
                    let groups: Vec<AdvisedGroup> = plan
                        .plan
                        .triads
                        .iter()
                        .filter(|t| t.adviser.as_deref() == Some(id.as_str()))
                        .map(|t| AdvisedGroup {
                            label: report::words::group(&t.id),
                            schools: t.schools.iter().map(|&u| named(u)).collect(),
                            reviews: t
                                .reviews
                                .iter()
                                .map(|r| {
                                    let host = dir
                                        .schools
                                        .get(&r.host)
                                        .cloned()
                                        .unwrap_or_else(|| heads.school_name(r.host));
                                    let days = days_words(&review_days(r));
                                    if t.adviser_at(r) == Some(id.as_str()) {
                                        format!("{host}: {days}")
                                    } else {
                                        format!("{host}: {days} (without you)")
                                    }
                                })
                                .collect(),
                        })
                        .collect();
                    if groups.is_empty() {
                        continue;
                    }
                    let body = render(&AdviserPublishedText {
                        name: &adviser.name,
                        year: &y.name,
                        groups,
                        page: format!("{base}/years/{}", y.id),
                    })?;
                    let subject = format!("Peer review {}: the groups you advise", y.name);
                    letters.push(letter_to(&adviser, Whom::Adviser(id), subject, body));
                }
            }
        },
    }
    Ok(Preview {
        kind,
        letters,
        blocked,
    })
}

/// Issues invitation links for `whom` (creating their accounts where
/// needed, revoking their unused links); user id and link by person.
async fn issue_links<'w>(
    db: &Db,
    year: &SimYear,
    whom: impl Iterator<Item = &'w Whom>,
    base_url: &str,
) -> AppResult<HashMap<Whom, (i64, String)>> {
    let (mut heads, mut advisers, mut consultants) = (Vec::new(), Vec::new(), Vec::new());
    for w in whom {
        match w {
            Whom::Head(u) => heads.push(*u),
            Whom::Adviser(id) => advisers.push(id.clone()),
            Whom::Consultant(id) => consultants.push(id.clone()),
        }
    }
    let some = |v: Vec<_>| (!v.is_empty()).then_some(Selection::List(v));
    let req = InvitationRequest {
        heads: (!heads.is_empty()).then_some(Selection::List(heads)),
        advisers: some(advisers),
        consultants: some(consultants),
    };
    if req.heads.is_none() && req.advisers.is_none() && req.consultants.is_none() {
        return Ok(HashMap::new());
    }
    let invited = crate::people::invite(db, year, &req, base_url).await?;
    Ok(invited
        .into_iter()
        .filter_map(|i| {
            let whom = match (i.role.as_str(), i.urn.as_deref(), i.ext_id) {
                ("head", Some(urn), _) => Whom::Head(Urn(urn.parse().ok()?)),
                ("adviser", _, Some(id)) => Whom::Adviser(id),
                ("consultant", _, Some(id)) => Whom::Consultant(id),
                _ => return None,
            };
            Some((whom, (i.user_id, i.link)))
        })
        .collect())
}

/// Sends one message with the run's transport; the error in words.
async fn deliver(
    transport: &Result<AsyncSmtpTransport<Tokio1Executor>, String>,
    from: &Mailbox,
    to: Mailbox,
    subject: &str,
    body: &str,
) -> Result<(), String> {
    let transport = transport
        .as_ref()
        .map_err(|e| format!("the SMTP server cannot be used: {e}"))?;
    let message = build(from, to, subject, body)?;
    match tokio::time::timeout(SEND_TIMEOUT, transport.send(message)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("the SMTP server refused or failed: {e}")),
        Err(_) => Err(format!(
            "the SMTP server did not answer within {} seconds",
            SEND_TIMEOUT.as_secs()
        )),
    }
}

/// What one attempt logs.
struct Attempt<'a> {
    year_id: i64,
    user_id: Option<i64>,
    name: &'a str,
    address: &'a str,
    kind: &'a str,
    subject: &'a str,
    /// As logged: with the placeholder, never the link.
    body: &'a str,
    resent_of: Option<i64>,
}

async fn log(db: &Db, by: i64, a: &Attempt<'_>, result: &Result<(), String>) -> AppResult<i64> {
    let (status, error, sent_at) = match result {
        Ok(()) => ("sent", None, Some(now())),
        Err(e) => ("failed", Some(e.as_str()), None),
    };
    log_as(db, by, a, status, error, sent_at).await
}

/// Logs an attempt made without an SMTP server: nothing was sent, the
/// SIM was shown the link to pass on.
async fn log_unsent(db: &Db, by: i64, a: &Attempt<'_>) -> AppResult<i64> {
    let why = "no SMTP server is configured: the link was shown to the SIM";
    log_as(db, by, a, "not_sent", Some(why), None).await
}

async fn log_as(
    db: &Db,
    by: i64,
    a: &Attempt<'_>,
    status: &str,
    error: Option<&str>,
    sent_at: Option<i64>,
) -> AppResult<i64> {
    Ok(messages::record(
        db,
        by,
        &NewMessage {
            year_id: a.year_id,
            user_id: a.user_id,
            recipient: a.name,
            address: a.address,
            kind: a.kind,
            subject: a.subject,
            body: a.body,
            status,
            error,
            sent_at,
            resent_of: a.resent_of,
        },
    )
    .await?)
}

/// Refuses reminders to give dates before `days` ahead of the deadline.
fn check_timing(year: &SimYear, kind: MailKind, days: u32) -> AppResult<()> {
    if kind == MailKind::AvailabilityReminder {
        reminder_due(year.year.deadline, years::today(), days).map_err(AppError::bad_request)?;
    }
    Ok(())
}

/// Sends every message of `kind` through `smtp`, one after another, and
/// logs each with the server's answer. Invitations get a new link each
/// (their unused ones stop working); people who cannot be e-mailed are
/// logged as failed with the reason.
pub async fn send(
    db: &Db,
    year: &SimYear,
    kind: MailKind,
    days: u32,
    base_url: &str,
    smtp: &Smtp,
) -> AppResult<Outcome> {
    let preview = to_send(db, year, kind, days, base_url).await?;
    let links = if kind == MailKind::Invitation {
        let whom = preview
            .letters
            .iter()
            .filter(|l| l.unsendable.is_none())
            .map(|l| &l.whom);
        issue_links(db, year, whom, base_url).await?
    } else {
        HashMap::new()
    };
    let transport = smtp.transport();
    let by = year.caller.user_id;
    let mut outcome = Outcome::default();
    for l in &preview.letters {
        let issued = links.get(&l.whom);
        let user_id = issued.map(|i| i.0).or(l.user_id);
        let result = match (
            &l.unsendable,
            mailbox_in(&l.name, &l.address, l.whom.file()),
        ) {
            (Some(u), _) => Err(u.words()),
            (None, Err(u)) => Err(u.words()),
            (None, Ok(to)) => {
                let body = match issued {
                    Some((_, link)) => l.body.replace(LINK_PLACEHOLDER, link),
                    None => l.body.clone(),
                };
                deliver(&transport, &smtp.from, to, &l.subject, &body).await
            }
        };
        let id = log(
            db,
            by,
            &Attempt {
                year_id: year.year.id,
                user_id,
                name: &l.name,
                address: &l.address,
                kind: kind.as_str(),
                subject: &l.subject,
                body: &l.body,
                resent_of: None,
            },
            &result,
        )
        .await?;
        outcome.logged = Some((outcome.logged.map_or(id, |(first, _)| first), id));
        match result {
            Ok(()) => outcome.sent += 1,
            Err(e) => outcome.failed.push((l.name.clone(), e)),
        }
    }
    Ok(outcome)
}

/// The messages of `kind` as a mail-merge spreadsheet (CSV with a UTF-8
/// byte-order mark: name, email, subject, body, link), for a SIM without
/// SMTP; each is logged as not sent. Invitations get a new link each.
pub async fn mail_merge(
    db: &Db,
    year: &SimYear,
    kind: MailKind,
    days: u32,
    base_url: &str,
) -> AppResult<Download> {
    let preview = to_send(db, year, kind, days, base_url).await?;
    let rows: Vec<&Letter> = preview
        .letters
        .iter()
        .filter(|l| l.unsendable.as_ref().is_none_or(Unsendable::in_mail_merge))
        .collect();
    let links = if kind == MailKind::Invitation {
        issue_links(db, year, rows.iter().map(|l| &l.whom), base_url).await?
    } else {
        HashMap::new()
    };
    let mut table = Vec::with_capacity(rows.len());
    for l in rows {
        let issued = links.get(&l.whom);
        let link = issued.map(|i| i.1.clone()).unwrap_or_default();
        let body = if link.is_empty() {
            l.body.clone()
        } else {
            l.body.replace(LINK_PLACEHOLDER, &link)
        };
        messages::record(
            db,
            year.caller.user_id,
            &NewMessage {
                year_id: year.year.id,
                user_id: issued.map(|i| i.0).or(l.user_id),
                recipient: &l.name,
                address: &l.address,
                kind: kind.as_str(),
                subject: &l.subject,
                body: &l.body,
                status: "not_sent",
                error: Some(NO_SMTP),
                sent_at: None,
                resent_of: None,
            },
        )
        .await?;
        table.push(vec![
            l.name.clone(),
            l.address.clone(),
            l.subject.clone(),
            body,
            link,
        ]);
    }
    let text = formats::export::csv_text(&["name", "email", "subject", "body", "link"], table)?;
    Ok(Download {
        file_name: crate::plans::file_name(&year.year.name, &format!("{}s.csv", kind.as_str())),
        content_type: "text/csv; charset=utf-8",
        bytes: text.into_bytes(),
    })
}

/// What a run of sending did, read back from the log: its messages from
/// `first` to `last` of this year and kind (a run's are logged in a row).
pub async fn outcome_of(
    db: &Db,
    year: &SimYear,
    kind: MailKind,
    first: i64,
    last: i64,
) -> AppResult<Outcome> {
    let run = messages::between(db, year.year.id, kind.as_str(), first, last).await?;
    let mut outcome = Outcome {
        logged: Some((first, last)),
        ..Outcome::default()
    };
    for m in run {
        match (m.status.as_str(), m.error) {
            ("sent", _) => outcome.sent += 1,
            (_, e) => outcome.failed.push((m.recipient, e.unwrap_or_default())),
        }
    }
    Ok(outcome)
}

/// The year's message log, newest first.
pub async fn log_of(db: &Db, year: &SimYear) -> AppResult<Vec<messages::Message>> {
    Ok(messages::list(db, year.year.id, LOG_SHOWN).await?)
}

/// What sending one message again did.
#[derive(Debug, Clone)]
pub struct Resent {
    pub name: String,
    /// `sent`, `failed` or `not_sent`.
    pub status: &'static str,
    pub error: Option<String>,
    /// Without SMTP, an invitation's new link, shown to the SIM once.
    pub link: Option<String>,
}

/// Sends a logged message again, to the person's address as it is now:
/// an invitation with a new link (the one before stops working). Without
/// SMTP only invitations can be re-made: the new link is returned for the
/// SIM to pass on, and the message logged as not sent.
pub async fn resend(
    db: &Db,
    year: &SimYear,
    message_id: i64,
    base_url: &str,
    smtp: Option<&Smtp>,
) -> AppResult<Resent> {
    let m = messages::get(db, year.year.id, message_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no message {message_id} in this year")))?;
    let kind = MailKind::parse(&m.kind)
        .ok_or_else(|| AppError::conflict(format!("message {message_id} is of no known kind")))?;
    let person = match m.user_id {
        Some(id) => people::get(db, id).await?,
        None => None,
    };
    let address = person
        .as_ref()
        .map(|p| p.email.clone())
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| m.address.clone());
    let name = person
        .as_ref()
        .map_or(m.recipient.clone(), |p| p.name.clone());
    let link = if kind == MailKind::Invitation {
        let user_id = m.user_id.ok_or_else(|| {
            AppError::conflict("this invitation names no account: send the invitations again")
        })?;
        let link = people::reissue(db, user_id, year.caller.user_id, base_url)
            .await?
            .ok_or_else(|| AppError::not_found(format!("no user {user_id}")))?;
        Some(link)
    } else if smtp.is_none() {
        return Err(AppError::conflict(
            "no SMTP server is configured: only an invitation's link can be made again",
        ));
    } else {
        None
    };
    let attempt = Attempt {
        year_id: year.year.id,
        user_id: m.user_id,
        name: &name,
        address: &address,
        kind: &m.kind,
        subject: &m.subject,
        body: &m.body,
        resent_of: Some(m.id),
    };
    let Some(smtp) = smtp else {
        log_unsent(db, year.caller.user_id, &attempt).await?;
        return Ok(Resent {
            name,
            status: "not_sent",
            error: None,
            link,
        });
    };
    let file = file_of(person.as_ref().map_or("head", |p| p.role.as_str()));
    let result = match mailbox_in(&name, &address, file) {
        Err(u) => Err(u.words()),
        Ok(to) => {
            let body = match &link {
                Some(l) => m.body.replace(LINK_PLACEHOLDER, l),
                None => m.body.clone(),
            };
            deliver(&smtp.transport(), &smtp.from, to, &m.subject, &body).await
        }
    };
    log(db, year.caller.user_id, &attempt, &result).await?;
    Ok(Resent {
        name,
        status: if result.is_ok() { "sent" } else { "failed" },
        error: result.err(),
        link: None,
    })
}

/// Gives one person a new sign-in link (the one before stops working) and
/// sends it to them as an invitation, or, without SMTP, returns it for the
/// SIM to pass on. Logged either way.
pub async fn reissue(
    db: &Db,
    year: &SimYear,
    user_id: i64,
    base_url: &str,
    smtp: Option<&Smtp>,
) -> AppResult<Resent> {
    let person = people::get(db, user_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no user {user_id}")))?;
    let body = render(&InvitationText {
        name: &person.name,
        role: &person.role,
        sim: &year.caller.name,
        year: &year.year.name,
        deadline: long_date(year.year.deadline),
        link: LINK_PLACEHOLDER,
    })?;
    let subject = format!("Peer review {}: your sign-in link", year.year.name);
    let link = people::reissue(db, user_id, year.caller.user_id, base_url)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no user {user_id}")))?;
    let attempt = Attempt {
        year_id: year.year.id,
        user_id: Some(user_id),
        name: &person.name,
        address: &person.email,
        kind: MailKind::Invitation.as_str(),
        subject: &subject,
        body: &body,
        resent_of: None,
    };
    let Some(smtp) = smtp else {
        log_unsent(db, year.caller.user_id, &attempt).await?;
        return Ok(Resent {
            name: person.name,
            status: "not_sent",
            error: None,
            link: Some(link),
        });
    };
    let result = match mailbox_in(&person.name, &person.email, file_of(&person.role)) {
        Err(u) => Err(u.words()),
        Ok(to) => {
            let text = body.replace(LINK_PLACEHOLDER, &link);
            deliver(&smtp.transport(), &smtp.from, to, &subject, &text).await
        }
    };
    log(db, year.caller.user_id, &attempt, &result).await?;
    Ok(Resent {
        name: person.name,
        status: if result.is_ok() { "sent" } else { "failed" },
        error: result.err(),
        link: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_people_write_them() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        assert_eq!(long_date(d), "Tuesday 3 March 2026");
        let e = d.succ_opt().unwrap();
        assert_eq!(
            days_words(&[d, e]),
            "Tuesday 3 March 2026 and Wednesday 4 March 2026"
        );
        assert_eq!(days_words(&[]), "not dated yet");
    }

    #[test]
    fn nothing_typed_reaches_another_header() {
        let from: Mailbox = "Peer review <peer-review@council.example>".parse().unwrap();
        let to = mailbox("Ann\r\nBcc: spy@evil.example", "ann@school.example").unwrap();
        let m = build(&from, to, "Hello\r\nBcc: spy@evil.example", "Body\n").unwrap();
        let text = String::from_utf8(m.formatted()).unwrap();
        let headers = text.split("\r\n\r\n").next().unwrap();
        assert!(!headers.lines().any(|l| l.starts_with("Bcc:")), "{headers}");
        assert!(
            headers.contains("Subject: Hello Bcc: spy@evil.example"),
            "{headers}"
        );
        assert_eq!(
            mailbox("Ann", "ann@school.example\r\nBcc: spy@evil.example"),
            Err(Unsendable::BadAddress(
                "\"ann@school.example Bcc: spy@evil.example\" is not an e-mail address: \
                 correct it in the headteachers file"
                    .into()
            ))
        );
        assert_eq!(
            mailbox("Ann", "  "),
            Err(Unsendable::NoAddress("headteachers"))
        );
        assert_eq!(
            mailbox_in("Ada", "", "advisers").unwrap_err().words(),
            "no e-mail address: add it to the advisers file"
        );
    }

    #[test]
    fn the_invitation_reads_with_names_and_the_link_placeholder() {
        let text = render(&InvitationText {
            name: "Siân Jones",
            role: "head",
            sim: "Sam Manager",
            year: "2026-27",
            deadline: "Friday 16 October 2026".into(),
            link: LINK_PLACEHOLDER,
        })
        .unwrap();
        assert!(text.starts_with("Dear Siân Jones,\n"), "{text}");
        assert!(text.contains(LINK_PLACEHOLDER));
        assert!(text.contains("by Friday 16 October 2026"), "{text}");
        assert!(text.contains("Sam Manager"));
    }

    #[test]
    fn the_published_message_names_partners_the_adviser_and_dates() {
        let text = render(&PublishedText {
            name: "Tom Okafor",
            year: "2026-27",
            school: "Oak Primary School".into(),
            partners: vec![
                "Ash Primary School (Siân Jones)".into(),
                "Elm Primary School (Ruth Bell)".into(),
            ],
            adviser: Some("Ada Adviser".into()),
            reviews: vec![format!(
                "Oak Primary School: {}, led by Ash Primary School (Siân Jones)",
                days_words(&[NaiveDate::from_ymd_opt(2026, 11, 3).unwrap()])
            )],
            page: "https://peer-review.example/years/1".into(),
        })
        .unwrap();
        assert!(text.contains("Oak Primary School is in a group with:\n\n- Ash Primary School (Siân Jones)\n- Elm Primary School (Ruth Bell)\n"), "{text}");
        assert!(
            text.contains("Your group's external adviser is Ada Adviser."),
            "{text}"
        );
        assert!(
            text.contains("- Oak Primary School: Tuesday 3 November 2026, led by Ash"),
            "{text}"
        );
        assert!(!text.contains("\n\n\n"), "{text}");
    }

    #[test]
    fn reminders_go_only_when_the_deadline_is_close() {
        let deadline = NaiveDate::from_ymd_opt(2026, 10, 16).unwrap();
        let ten_before = NaiveDate::from_ymd_opt(2026, 10, 6).unwrap();
        assert!(reminder_due(deadline, ten_before, 7).is_err());
        assert!(reminder_due(deadline, ten_before, 10).is_ok());
        assert!(reminder_due(deadline, deadline.succ_opt().unwrap(), 30).is_err());
        assert_eq!(read_days(" 7 "), Ok(7));
        assert!(read_days("seven").is_err());
        assert!(read_days("").is_err());
        assert!(read_days("1000").is_err());
    }

    #[test]
    fn the_server_is_named_without_its_password() {
        assert_eq!(
            server_of("smtps://user:secret@mail.council.example:465"),
            "mail.council.example:465"
        );
        assert_eq!(
            server_of("smtp://127.0.0.1:2525?tls=required"),
            "127.0.0.1:2525"
        );
        let smtp = Smtp::new(
            "smtp://u:p@127.0.0.1:2525",
            "Peer review <pr@council.example>",
        )
        .unwrap();
        assert!(!format!("{smtp:?}").contains(":p@"));
        assert!(Smtp::new("smtp://127.0.0.1:2525", "not an address").is_err());
        assert!(Smtp::new("http://127.0.0.1", "pr@council.example").is_err());
    }
}
